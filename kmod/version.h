/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_VERSION_H
#define _SG_VERSION_H

/* Keep equal to PACKAGE_VERSION in dkms.conf. */
#define SMTPGUARD_VERSION	"0.1.0"

#endif /* _SG_VERSION_H */
