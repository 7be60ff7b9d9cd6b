/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: the one place that knows about kernel differences.
 *
 * Each difference is decided by probing the target kernel's headers for the
 * feature itself, never by comparing version numbers.  Between 6.1 and 6.12
 * only one matters to this module:
 *
 *  - Formatted extack messages (NL_SET_ERR_MSG_ATTR_FMT, with a buffer in
 *    struct netlink_ext_ack) arrived in 6.2.  The probe is the macro itself.
 *    Without it the static fallback text is reported; it carries the same
 *    words minus the offending value, and the bad attribute is still named
 *    by its offset.  NL_SET_ERR_MSG_FMT, for messages not tied to one
 *    attribute, came with it and is probed the same way.
 */
#ifndef _SG_COMPAT_H
#define _SG_COMPAT_H

#include <linux/netlink.h>
#include <linux/printk.h>

#ifdef NL_SET_ERR_MSG_ATTR_FMT
/* The fallback text is for kernels without the buffer; unused here. */
#define sg_err_attr_fmt(extack, attr, fallback, fmt, args...) do {	\
	(void)(fallback);						\
	NL_SET_ERR_MSG_ATTR_FMT(extack, attr, fmt, ##args);		\
} while (0)
#else
/* no_printk() keeps the format checked and the arguments used. */
#define sg_err_attr_fmt(extack, attr, fallback, fmt, args...) do {	\
	NL_SET_ERR_MSG_ATTR(extack, attr, fallback);			\
	no_printk(fmt, ##args);						\
} while (0)
#endif

#ifdef NL_SET_ERR_MSG_FMT
#define sg_err_fmt(extack, fallback, fmt, args...) do {			\
	(void)(fallback);						\
	NL_SET_ERR_MSG_FMT(extack, fmt, ##args);			\
} while (0)
#else
#define sg_err_fmt(extack, fallback, fmt, args...) do {			\
	NL_SET_ERR_MSG(extack, fallback);				\
	no_printk(fmt, ##args);						\
} while (0)
#endif

#endif /* _SG_COMPAT_H */
