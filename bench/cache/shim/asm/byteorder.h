/* SPDX-License-Identifier: GPL-2.0 */
/* ntohl(), htonl(). */
#include <arpa/inet.h>
