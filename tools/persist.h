/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What save/restore (persist.c) and feeds update (feeds.c) share: reading
 * the whole configuration out of the kernel, replacing one feed in one
 * transaction, and where the state lives.
 */
#ifndef SG_PERSIST_H
#define SG_PERSIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"

struct sg_nl;

/* Mode, ports, allow-list, feeds and entries (timeouts left) into c. */
int sg_conf_collect(struct sg_nl *nl, struct sg_conf *c);

struct sg_kfeed {
	char name[SMTPGUARD_FEED_NAME_MAX + 1];
	uint32_t entries;		/* 0: a feed with only a setting */
	uint8_t action, direction;
};
/* Feeds with entries, and feeds with only a setting. */
#define SG_KFEEDS_MAX	(2 * SMTPGUARD_MAX_FEEDS)
/* The kernel's feeds (FEED_GET); *n of at most SG_KFEEDS_MAX. */
int sg_kfeeds_get(struct sg_nl *nl, struct sg_kfeed *out, size_t *n);

/*
 * One transaction: TXN_BEGIN (replace), the prefixes in chunks, COMMIT;
 * any failure aborts it and prints the kernel's error.  An exit status.
 */
int sg_feed_replace(struct sg_nl *nl, const char *feed,
		    const struct sg_prefix *p, size_t n);

/*
 * $SMTPGUARD_STATE_DIR (default /var/lib/smtpguard), plus /netns/NAME
 * when acting in a named namespace, plus /feeds.
 */
const char *sg_feeds_state_dir(const char *netns, char *buf, size_t len);
/* STATE/NAME.state into st (all zero when there is none). */
void sg_feed_state_read(const char *dir, const char *name,
			struct sg_feed_state *st);
/* $SMTPGUARD_FEEDS_CONF, default /etc/smtpguard/feeds.conf. */
const char *sg_feeds_conf_path(void);

/*
 * Writes path whole or not at all: write() fills a temporary file beside
 * it (the old file's mode, else 0644), which is synced and renamed over
 * path, the directory synced after; on any error the temporary file goes
 * and path stays as it was, and one line naming cmd says why.  write
 * returns < 0 on failure.  An exit status.
 */
typedef int (*sg_file_writer)(FILE *fp, void *ctx);
int sg_file_replace(const char *path, const char *cmd, sg_file_writer write,
		    void *ctx);

#endif /* SG_PERSIST_H */
