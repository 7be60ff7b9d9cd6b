/* SPDX-License-Identifier: GPL-2.0 */
/* Written once before use; nothing makes it read-only here. */
#ifndef _SHIM_LINUX_CACHE_H
#define _SHIM_LINUX_CACHE_H
#define __ro_after_init
#endif
