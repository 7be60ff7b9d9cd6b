/* SPDX-License-Identifier: GPL-2.0 */
/* The E* numbers, as the kernel's linux/errno.h has them. */
#include <asm/errno.h>
