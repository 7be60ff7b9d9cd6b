/* SPDX-License-Identifier: GPL-2.0 */
/* struct in6_addr: glibc's has the kernel's s6_addr32 (_GNU_SOURCE). */
#include <netinet/in.h>
