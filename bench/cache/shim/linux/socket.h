/* SPDX-License-Identifier: GPL-2.0 */
/* AF_INET, AF_INET6. */
#include <sys/socket.h>
