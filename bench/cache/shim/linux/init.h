/* SPDX-License-Identifier: GPL-2.0 */
/* No init section to discard in a userspace program. */
#ifndef _SHIM_LINUX_INIT_H
#define _SHIM_LINUX_INIT_H
#define __init
#endif
