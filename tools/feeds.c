// SPDX-License-Identifier: GPL-2.0
/*
 * feeds [status|list] | feeds update [--force] [NAME...]
 *
 * The feeds of feeds.conf (conf.h).  update takes each feed that is due
 * (never fetched, its source changed, not in the kernel, or "every" has
 * passed since the last success; all of them with --force), fetches it
 * with curl (an http(s) URL) or reads it (a file), parses it with the feed
 * parser (strict), and only if it parsed replaces the feed in one kernel
 * transaction.  A failure keeps the entries the kernel has and is one line
 * on stderr.  The last good file and the feed's state are kept in the
 * state directory (persist.h), where save refers to them.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "feed.h"
#include "nl.h"
#include "persist.h"
#include "print.h"
#include "smtpguardctl.h"

/* curl's limits: the whole transfer, and the file (the parser's). */
#define CURL_MAX_TIME	"300"
#define CURL_CONNECT	"30"

struct feeds_ctx {
	struct sg_feeds_conf fc;
	bool selected[SMTPGUARD_MAX_FEEDS];
	bool force;
	const char *conf;
};

static void feeds_free(void *p)
{
	free(p);
}

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];
	char *s;

	snprintf(buf, sizeof(buf), "%s", path);
	for (s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static void state_read(const char *dir, const char *name,
		       struct sg_feed_state *st)
{
	char path[PATH_MAX + 64], err[SG_ERR_LEN];
	size_t len;
	char *buf;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/%s.state", dir, name);
	if (access(path, F_OK) < 0)
		return;
	if (sg_feed_read(path, &buf, &len, err, sizeof(err)) < 0)
		return;
	sg_feed_state_parse(buf, len, st);
	free(buf);
}

/* Written to a temporary file and renamed: never half a state. */
static int state_write(const char *dir, const char *name,
		       const struct sg_feed_state *st)
{
	char path[PATH_MAX + 64], tmp[PATH_MAX + 80];
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.state", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.state.XXXXXX", dir, name);
	fd = mkstemp(tmp);
	if (fd < 0)
		goto fail;
	fp = fdopen(fd, "w");
	if (!fp) {
		close(fd);
		unlink(tmp);
		goto fail;
	}
	sg_feed_state_write(fp, st);
	if (fflush(fp) || fsync(fd) || ferror(fp)) {
		fclose(fp);
		unlink(tmp);
		goto fail;
	}
	fclose(fp);
	if (chmod(tmp, 0644) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, PROG_NAME ": feeds: cannot write %s: %s\n", path,
		strerror(errno));
	return -1;
}

/* Text after the last newline-free stretch of buf: curl's last line. */
static void last_line(char *buf, char *out, size_t outlen)
{
	size_t n = strlen(buf);
	char *start;

	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	start = strrchr(buf, '\n');
	snprintf(out, outlen, "%s", start ? start + 1 : buf);
}

/*
 * The largest download: the parser's limit, or less when
 * SMTPGUARD_FEED_MAX_BYTES says so (a small router; the tests).
 */
static unsigned long long feed_max_bytes(void)
{
	const char *v = getenv("SMTPGUARD_FEED_MAX_BYTES");
	unsigned long long n;
	char *end;

	if (!v || !*v)
		return SG_FEED_FILE_MAX;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || !n || n > SG_FEED_FILE_MAX || !isdigit((unsigned char)*v))
		return 0;
	return n;
}

/*
 * curl URL into the file open at fd.  Returns 0, or -1 with why in err
 * (curl's own message).
 */
static int download(const char *url, int fd, char *err, size_t errlen)
{
	char ebuf[2048], fdpath[64];
	size_t elen = 0;
	int pipefd[2], status;
	pid_t pid;
	ssize_t r;

	snprintf(fdpath, sizeof(fdpath), "/dev/fd/%d", fd);
	if (pipe(pipefd) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		char maxsize[32];
		int devnull = open("/dev/null", O_RDWR);

		snprintf(maxsize, sizeof(maxsize), "%llu", feed_max_bytes());
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
		}
		dup2(fd, 3);
		dup2(pipefd[1], 2);
		/* -q first: no ~/.curlrc; http(s) only, redirects too. */
		execlp("curl", "curl", "-q", "--fail", "--silent", "--show-error",
		       "--location", "--max-redirs", "5",
		       "--proto", "=http,https", "--proto-redir", "=http,https",
		       "--max-time", CURL_MAX_TIME,
		       "--connect-timeout", CURL_CONNECT,
		       "--max-filesize", maxsize,
		       "--user-agent", PROG_NAME "/" SMTPGUARD_VERSION,
		       "--output", "/dev/fd/3", "--", url, (char *)NULL);
		fprintf(stderr, "cannot run curl: %s\n", strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	while ((r = read(pipefd[0], ebuf + elen, sizeof(ebuf) - 1 - elen)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		elen += (size_t)r;
		if (elen == sizeof(ebuf) - 1)
			elen = 0;	/* keep the end: the last line matters */
	}
	ebuf[elen] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	last_line(ebuf, err, errlen);
	if (!err[0])
		snprintf(err, errlen, "curl exited with status %d",
			 WIFEXITED(status) ? WEXITSTATUS(status) :
			 128 + WTERMSIG(status));
	return -1;
}

/* snprintf "%s" without the truncation warning: cut short on purpose. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static const struct sg_kfeed *kfeed_find(const struct sg_kfeed *k, size_t n,
					 const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(k[i].name, name))
			return &k[i];
	return NULL;
}

/* One line on stderr: which feed, why, what stays. */
static void update_failed(const struct sg_feed_def *d,
			  const struct sg_kfeed *kf, const char *why)
{
	if (kf)
		fprintf(stderr, PROG_NAME ": feed %s: %s; keeping the %u entr%s loaded\n",
			d->name, why, kf->entries, kf->entries == 1 ? "y" : "ies");
	else
		fprintf(stderr, PROG_NAME ": feed %s: %s; nothing is loaded for it\n",
			d->name, why);
}

/*
 * Fetch, parse, load one feed.  Returns 0 (updated), 1 (failed, said so),
 * or an exit status >= 2 for trouble that stops everything.
 */
static int update_one(struct sg_nl *nl, const char *dir,
		      const struct sg_feed_def *d, const struct sg_kfeed *kf,
		      struct sg_feed_state *st, size_t *nloaded)
{
	char tmp[PATH_MAX + 64], path[PATH_MAX + 64], err[SG_ERR_LEN * 2];
	char why[PATH_MAX * 2 + 1024];
	static struct sg_feed_stats fst;	/* 10 KiB of notes: not on the stack */
	struct sg_prefix *p = NULL;
	size_t len = 0, n = 0;
	char *buf = NULL;
	int fd, ret = 1;

	st->last_attempt = (uint64_t)time(NULL);
	snprintf(path, sizeof(path), "%s/%s.txt", dir, d->name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.txt.XXXXXX", dir, d->name);
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot create a file in %s: %s",
			 dir, strerror(errno));
		goto failed;
	}
	if (d->is_url) {
		if (download(d->source, fd, err, sizeof(err)) < 0) {
			snprintf(why, sizeof(why), "download of %s failed: %s",
				 d->source, err);
			goto failed;
		}
		if (sg_feed_read(tmp, &buf, &len, err, sizeof(err)) < 0) {
			snprintf(why, sizeof(why), "%s", err);
			goto failed;
		}
	} else {
		if (sg_feed_read(d->source, &buf, &len, err, sizeof(err)) < 0) {
			snprintf(why, sizeof(why), "%s", err);
			goto failed;
		}
		if (write(fd, buf, len) != (ssize_t)len) {
			snprintf(why, sizeof(why), "cannot write %s: %s", tmp,
				 strerror(errno));
			goto failed;
		}
	}
	if (sg_feed_parse(buf, len, d->source, false,
			  &p, &n, &fst, err, sizeof(err)) < 0) {
		if (fst.bad > 1)
			snprintf(why, sizeof(why), "%s (and %zu more malformed line%s)",
				 err, fst.bad - 1, fst.bad == 2 ? "" : "s");
		else
			snprintf(why, sizeof(why), "%s", err);
		goto failed;
	}
	if (!n) {
		snprintf(why, sizeof(why), "%s has no entries", d->source);
		goto failed;
	}
	sg_feed_report(stderr, PROG_NAME, &fst, d->source,
		       SG_FEED_REPORT_WARNINGS | SG_FEED_REPORT_WIDE);
	n = sg_feed_merge(p, n, NULL);
	/* feeds.conf's action and direction before the entries they govern */
	if ((!kf || kf->action != d->action || kf->direction != d->direction) &&
	    (kf || d->action || d->direction) &&
	    sg_feed_set(nl, d->name, d->action, d->direction)) {
		snprintf(why, sizeof(why), "the kernel refused its action and direction");
		goto failed;
	}
	if (sg_feed_replace(nl, d->name, p, n)) {
		snprintf(why, sizeof(why), "the kernel refused the new entries");
		goto failed;
	}
	if (fsync(fd) < 0 || fchmod(fd, 0644) < 0 || rename(tmp, path) < 0)
		fprintf(stderr, PROG_NAME ": feed %s: loaded, but cannot keep a copy in %s: %s\n",
			d->name, path, strerror(errno));
	close(fd);
	fd = -1;
	st->last_success = st->last_attempt;
	st->entries = n;
	snprintf(st->source, sizeof(st->source), "%s", d->source);
	st->error[0] = '\0';
	*nloaded = n;
	ret = 0;
	goto out;

failed:
	update_failed(d, kf, why);
	copy_str(st->error, sizeof(st->error), why);
	if (fd >= 0)
		unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(p);
	return ret;
}

static int feeds_update(struct sg_nl *nl, const struct sg_req *req)
{
	struct feeds_ctx *ctx = req->ctx;
	struct sg_kfeed kf[SG_KFEEDS_MAX];
	char dir[PATH_MAX], nb[32];
	size_t nk, i, failed = 0;
	uint64_t now = (uint64_t)time(NULL);
	int ret;

	sg_feeds_state_dir(req->netns, dir, sizeof(dir));
	if (mkdirs(dir) < 0) {
		fprintf(stderr, PROG_NAME ": feeds: cannot create %s: %s\n", dir,
			strerror(errno));
		return SG_EXIT_KERNEL;
	}
	ret = sg_kfeeds_get(nl, kf, &nk);
	if (ret)
		return ret;
	open_json_array(NULL);
	for (i = 0; i < ctx->fc.n; i++) {
		const struct sg_feed_def *d = &ctx->fc.defs[i];
		const struct sg_kfeed *k = kfeed_find(kf, nk, d->name);
		struct sg_feed_state st;
		uint64_t next;
		size_t n = 0;
		int r;

		if (!ctx->selected[i])
			continue;
		state_read(dir, d->name, &st);
		if (!ctx->force && k && !sg_feed_due(d, &st, now, &next)) {
			open_json_object(NULL);
			print_string(PRINT_ANY, "feed", "feed %s: ", d->name);
			print_string(PRINT_JSON, "result", NULL, "not-due");
			print_uint(PRINT_ANY, "entries", "%u entries, ",
				   k->entries);
			print_u64(PRINT_JSON, "next", NULL, next);
			print_string(PRINT_FP, NULL, "not due (next update in %s)\n",
				     sg_duration_str(next, nb, sizeof(nb)));
			close_json_object();
			continue;
		}
		r = update_one(nl, dir, d, k, &st, &n);
		if (r > 1) {
			close_json_array();
			return r;
		}
		state_write(dir, d->name, &st);
		open_json_object(NULL);
		print_string(PRINT_ANY, "feed", "feed %s: ", d->name);
		print_string(PRINT_JSON, "result", NULL, r ? "failed" : "updated");
		if (r) {
			failed++;
			print_string(PRINT_JSON, "error", NULL, st.error);
			print_uint(PRINT_JSON, "entries", NULL,
				   k ? k->entries : 0);
			print_string(PRINT_FP, NULL, "%s\n", "update failed, old entries kept");
		} else {
			print_u64(PRINT_ANY, "entries",
				  n == 1 ? "replaced with %" PRIu64 " entry" :
					   "replaced with %" PRIu64 " entries", n);
			print_string(PRINT_FP, NULL, " from %s\n", d->source);
		}
		close_json_object();
	}
	close_json_array();
	return failed ? SG_EXIT_KERNEL : SG_EXIT_OK;
}

static int feeds_status(struct sg_nl *nl, const struct sg_req *req)
{
	struct feeds_ctx *ctx = req->ctx;
	struct sg_kfeed kf[SG_KFEEDS_MAX];
	char dir[PATH_MAX], every[32], t[SG_TIME_STRLEN], nb[32], eb[16];
	uint64_t now = (uint64_t)time(NULL);
	size_t nk, i;
	int ret;

	sg_feeds_state_dir(req->netns, dir, sizeof(dir));
	ret = sg_kfeeds_get(nl, kf, &nk);
	if (ret)
		return ret;
	open_json_array(NULL);
	if (!is_json())
		printf("%-16s %-7s %-19s %-9s %9s  %s\n", "FEED", "EVERY",
		       "LAST SUCCESS", "NEXT", "ENTRIES", "SOURCE");
	for (i = 0; i < ctx->fc.n; i++) {
		const struct sg_feed_def *d = &ctx->fc.defs[i];
		const struct sg_kfeed *k = kfeed_find(kf, nk, d->name);
		struct sg_feed_state st;
		uint64_t next;
		bool due;

		if (!ctx->selected[i])
			continue;
		state_read(dir, d->name, &st);
		due = sg_feed_due(d, &st, now, &next) || !k;
		sg_duration_str(d->every, every, sizeof(every));
		if (!is_json()) {
			printf("%-16s %-7s %-19s %-9s %9s  %s\n", d->name, every,
			       st.last_success ? sg_local_time(st.last_success, t, sizeof(t)) : "never",
			       due ? "due" : sg_duration_str(next, nb, sizeof(nb)),
			       k ? (snprintf(eb, sizeof(eb), "%u", k->entries), eb) : "-",
			       d->source);
			if (st.error[0] && st.last_attempt >= st.last_success)
				printf("  last attempt %s failed: %s\n",
				       sg_local_time(st.last_attempt, t, sizeof(t)),
				       st.error);
			continue;
		}
		open_json_object(NULL);
		print_string(PRINT_JSON, "feed", NULL, d->name);
		print_string(PRINT_JSON, "source", NULL, d->source);
		print_string(PRINT_JSON, "type", NULL, d->is_url ? "url" : "file");
		print_uint(PRINT_JSON, "every", NULL, d->every);
		if (st.last_success)
			print_string(PRINT_JSON, "last_success", NULL,
				     sg_rfc3339(st.last_success, t, sizeof(t)));
		else
			print_null(PRINT_JSON, "last_success", NULL, NULL);
		print_bool(PRINT_JSON, "due", NULL, due);
		print_u64(PRINT_JSON, "next", NULL, due ? 0 : next);
		if (k)
			print_uint(PRINT_JSON, "entries", NULL, k->entries);
		else
			print_null(PRINT_JSON, "entries", NULL, NULL);
		if (st.error[0] && st.last_attempt >= st.last_success)
			print_string(PRINT_JSON, "error", NULL, st.error);
		else
			print_null(PRINT_JSON, "error", NULL, NULL);
		close_json_object();
	}
	close_json_array();
	return SG_EXIT_OK;
}

int feeds_parse(struct sg_req *req, int argc, char **argv)
{
	char err[SG_ERR_LEN], q[SG_QUOTE_LEN];
	const char *cmd = argc > 0 ? argv[0] : "status";
	struct feeds_ctx *ctx;
	bool names = false;
	size_t len, k;
	char *buf;
	int i;

	if (!strcmp(cmd, "help"))
		return sg_help("feeds", argc - 1, argv + 1);
	if (!strcmp(cmd, "status") || sg_is_list(cmd))
		req->run = feeds_status;
	else if (!strcmp(cmd, "update"))
		req->run = feeds_update;
	else
		return sg_usage_err("feeds", "unknown command '%s' (status, list, update, help)",
				    sg_quote(cmd, q, sizeof(q)));

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		return SG_EXIT_USAGE;
	}
	req->ctx = ctx;
	req->ctx_free = feeds_free;
	ctx->conf = sg_feeds_conf_path();
	if (!feed_max_bytes()) {
		sg_quote(getenv("SMTPGUARD_FEED_MAX_BYTES"), q, sizeof(q));
		return sg_usage_err("feeds", "SMTPGUARD_FEED_MAX_BYTES '%s': want a number of bytes from 1 to %u",
				    q, SG_FEED_FILE_MAX);
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--force") && req->run == feeds_update)
			ctx->force = true;
		else if (argv[i][0] == '-')
			return sg_usage_err("feeds", "%s: unknown option '%s'%s",
					    cmd, sg_quote(argv[i], q, sizeof(q)),
					    req->run == feeds_update ? " (--force)" : "");
	}
	if (sg_feed_read(ctx->conf, &buf, &len, err, sizeof(err)) < 0)
		return sg_usage_err("feeds", "%s (feeds are defined there: feed NAME url URL [every 1h])",
				    err);
	i = sg_feeds_conf_parse(buf, len, ctx->conf, &ctx->fc, err, sizeof(err));
	free(buf);
	if (i < 0 && ctx->fc.errors.total) {
		sg_errors_print(stderr, PROG_NAME, &ctx->fc.errors, ctx->conf);
		return SG_EXIT_USAGE;
	}
	if (i < 0)
		return sg_usage_err(NULL, "%s", err);
	for (i = 1; i < argc; i++) {
		const struct sg_feed_def *d;

		if (argv[i][0] == '-')
			continue;
		d = sg_feeds_conf_find(&ctx->fc, argv[i]);
		if (!d)
			return sg_usage_err("feeds", "%s: no feed '%s' in %s", cmd,
					    sg_quote(argv[i], q, sizeof(q)),
					    ctx->conf);
		ctx->selected[d - ctx->fc.defs] = true;
		names = true;
	}
	if (!names)
		for (k = 0; k < ctx->fc.n; k++)
			ctx->selected[k] = true;
	return SG_EXIT_OK;
}
