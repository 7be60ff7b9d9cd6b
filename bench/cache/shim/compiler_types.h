/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included (-include), as kbuild force-includes the kernel's own:
 * the annotations sparse reads mean nothing to a userspace compiler.
 */
#ifndef _SHIM_COMPILER_TYPES_H
#define _SHIM_COMPILER_TYPES_H

#define __rcu
#define __force

#endif
