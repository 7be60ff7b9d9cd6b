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
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
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
/* Transient errors are tried again, for at most this long in all. */
#define CURL_RETRIES	"3"
#define CURL_RETRY_TIME	"120"

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

void sg_feed_state_read(const char *dir, const char *name,
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

/* snprintf "%s" without the truncation warning: cut short on purpose. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* What a download brought besides the body. */
struct fetch {
	unsigned int http_status;	/* 0: no HTTP answer */
	char etag[256];
	char last_modified[64];
	unsigned long long bytes;	/* body bytes written */
};

/* Who curl runs as when we are root: nobody, without a capability. */
#define FETCH_UID	65534
#define FETCH_GID	65534

/* curl's --write-out lines, on stderr after its messages. */
#define WO_HTTP		"smtpguard-http "
#define WO_ETAG		"smtpguard-etag "
#define WO_LASTMOD	"smtpguard-last-modified "

/* The child: drop root, then exec curl with stdout and stderr our pipes. */
static void fetch_exec(const char *url, int body, int msg,
		       const struct sg_feed_state *cond)
{
	/* the header names and the state's validators (256, 64 bytes) */
	char maxsize[32], inm[320], ims[128];
	const char *argv[48];
	int devnull = open("/dev/null", O_RDWR), a = 0;

	if (devnull >= 0)
		dup2(devnull, 0);
	dup2(body, 1);
	dup2(msg, 2);
	/* Nothing of root's: no groups, uid and gid nobody, no way back. */
	if (geteuid() == 0 &&
	    (setgroups(0, NULL) < 0 || setgid(FETCH_GID) < 0 ||
	     setuid(FETCH_UID) < 0)) {
		fprintf(stderr, "cannot drop root for curl: %s\n", strerror(errno));
		_exit(126);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "cannot set no_new_privs for curl: %s\n",
			strerror(errno));
		_exit(126);
	}
	snprintf(maxsize, sizeof(maxsize), "%llu", feed_max_bytes());
	/* -q first: no ~/.curlrc; http(s) only, redirects too. */
	argv[a++] = "curl";
	argv[a++] = "-q";
	argv[a++] = "--fail";
	argv[a++] = "--silent";
	argv[a++] = "--show-error";
	argv[a++] = "--location";
	argv[a++] = "--max-redirs";
	argv[a++] = "5";
	argv[a++] = "--proto";
	argv[a++] = "=http,https";
	argv[a++] = "--proto-redir";
	argv[a++] = "=http,https";
	argv[a++] = "--max-time";
	argv[a++] = CURL_MAX_TIME;
	argv[a++] = "--connect-timeout";
	argv[a++] = CURL_CONNECT;
	/* timeouts, 408, 429, 5xx: again after 1, 2, 4 s, as curl backs off */
	argv[a++] = "--retry";
	argv[a++] = CURL_RETRIES;
	argv[a++] = "--retry-max-time";
	argv[a++] = CURL_RETRY_TIME;
	argv[a++] = "--max-filesize";
	argv[a++] = maxsize;
	argv[a++] = "--user-agent";
	argv[a++] = PROG_NAME "/" SMTPGUARD_VERSION;
	if (cond && cond->etag[0]) {
		snprintf(inm, sizeof(inm), "If-None-Match: %s", cond->etag);
		argv[a++] = "--header";
		argv[a++] = inm;
	}
	if (cond && cond->last_modified[0]) {
		snprintf(ims, sizeof(ims), "If-Modified-Since: %s",
			 cond->last_modified);
		argv[a++] = "--header";
		argv[a++] = ims;
	}
	argv[a++] = "--write-out";
	argv[a++] = "%{stderr}\n" WO_HTTP "%{http_code}\n"
		    WO_ETAG "%header{etag}\n" WO_LASTMOD "%header{last-modified}\n";
	argv[a++] = "--";
	argv[a++] = url;
	argv[a] = NULL;
	execvp("curl", (char *const *)argv);
	fprintf(stderr, "cannot run curl: %s\n", strerror(errno));
	_exit(127);
}

/* curl's last message, and what --write-out said, from its stderr. */
static void fetch_messages(char *ebuf, struct fetch *f, char *err,
			   size_t errlen)
{
	char *line, *save = NULL;

	err[0] = '\0';
	for (line = strtok_r(ebuf, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (!strncmp(line, WO_HTTP, strlen(WO_HTTP)))
			f->http_status = (unsigned int)strtoul(line + strlen(WO_HTTP),
							       NULL, 10);
		else if (!strncmp(line, WO_ETAG, strlen(WO_ETAG)))
			copy_str(f->etag, sizeof(f->etag), line + strlen(WO_ETAG));
		else if (!strncmp(line, WO_LASTMOD, strlen(WO_LASTMOD)))
			copy_str(f->last_modified, sizeof(f->last_modified),
				 line + strlen(WO_LASTMOD));
		else if (line[0])
			copy_str(err, errlen, line);
	}
}

/* All of len bytes, or -1. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * curl URL, its body into the file open at fd: at most feed_max_bytes(),
 * counted here (curl's --max-filesize trusts Content-Length, which a
 * chunked reply does not have).  cond: the validators of the copy we
 * have (a conditional GET), or NULL.  Returns 0 (f->http_status 304: not
 * modified, nothing written), or -1 with why in err.
 */
static int download(const char *url, int fd, const struct sg_feed_state *cond,
		    struct fetch *f, char *err, size_t errlen)
{
	unsigned long long max = feed_max_bytes();
	char ebuf[4096], chunk[65536];
	int body[2], msg[2], status, werr = 0;
	struct pollfd pf[2];
	bool too_big = false;
	size_t elen = 0;
	pid_t pid;
	ssize_t r;

	memset(f, 0, sizeof(*f));
	if (pipe2(body, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(msg, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(body[0]);
		close(body[1]);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		fetch_exec(url, body[1], msg[1], cond);
	close(body[1]);
	close(msg[1]);
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(body[0]);
		close(msg[0]);
		return -1;
	}
	pf[0] = (struct pollfd){ .fd = body[0], .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = msg[0], .events = POLLIN };
	while (pf[0].fd >= 0 || pf[1].fd >= 0) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			werr = errno;
			kill(pid, SIGTERM);
			break;
		}
		if (pf[0].fd >= 0 && pf[0].revents) {
			r = read(pf[0].fd, chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(pf[0].fd);
				pf[0].fd = -1;
			} else if (too_big || werr) {
				;	/* curl is being stopped: drain */
			} else if (f->bytes + (unsigned long long)r > max) {
				too_big = true;
				kill(pid, SIGTERM);
			} else if (write_all(fd, chunk, (size_t)r) < 0) {
				werr = errno ? errno : EIO;
				kill(pid, SIGTERM);
			} else {
				f->bytes += (unsigned long long)r;
			}
		}
		if (pf[1].fd >= 0 && pf[1].revents) {
			if (elen == sizeof(ebuf) - 1) {
				/* keep the end: the last lines matter */
				memmove(ebuf, ebuf + sizeof(ebuf) / 2,
					elen - sizeof(ebuf) / 2);
				elen -= sizeof(ebuf) / 2;
			}
			r = read(pf[1].fd, ebuf + elen, sizeof(ebuf) - 1 - elen);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(pf[1].fd);
				pf[1].fd = -1;
			} else {
				elen += (size_t)r;
			}
		}
	}
	for (r = 0; r < 2; r++)
		if (pf[r].fd >= 0)
			close(pf[r].fd);
	ebuf[elen] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
	fetch_messages(ebuf, f, err, errlen);
	if (too_big) {
		snprintf(err, errlen, "larger than %llu bytes (the limit; SMTPGUARD_FEED_MAX_BYTES)",
			 max);
		return -1;
	}
	if (werr) {
		snprintf(err, errlen, "cannot write the download: %s",
			 strerror(werr));
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (!err[0])
		snprintf(err, errlen, "curl exited with status %d",
			 WIFEXITED(status) ? WEXITSTATUS(status) :
			 128 + WTERMSIG(status));
	return -1;
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
		      struct sg_feed_state *st, size_t *nloaded,
		      bool *not_modified)
{
	char tmp[PATH_MAX + 64], path[PATH_MAX + 64], err[SG_ERR_LEN * 2];
	char why[PATH_MAX * 2 + 1024];
	static struct sg_feed_stats fst;	/* 10 KiB of notes: not on the stack */
	const char *copy_from = NULL;
	struct sg_prefix *p = NULL;
	struct fetch f = { 0 };
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
		/* ask only "changed since?" when we hold a good copy of it */
		bool have_copy = st->last_success && !access(path, R_OK) &&
				 !strcmp(st->source, d->source);

		if (download(d->source, fd, have_copy ? st : NULL, &f, err,
			     sizeof(err)) < 0) {
			st->http_status = f.http_status;
			snprintf(why, sizeof(why), "download of %s failed: %s",
				 d->source, err);
			goto failed;
		}
		st->http_status = f.http_status;
		if (f.http_status == 304 && have_copy) {
			*not_modified = true;
			/* loaded as it is: nothing to do but say so */
			if (kf && kf->action == d->action &&
			    kf->direction == d->direction) {
				st->last_success = st->last_attempt;
				st->error[0] = '\0';
				*nloaded = kf->entries;
				ret = 0;
				unlink(tmp);
				goto out;
			}
			/* the kernel lost it (a reload): the copy we have */
			unlink(tmp);
			close(fd);
			fd = -1;
			copy_from = path;
		}
		if (sg_feed_read(copy_from ? copy_from : tmp, &buf, &len, err,
				 sizeof(err)) < 0) {
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
	if (fd >= 0 &&
	    (fsync(fd) < 0 || fchmod(fd, 0644) < 0 || rename(tmp, path) < 0))
		fprintf(stderr, PROG_NAME ": feed %s: loaded, but cannot keep a copy in %s: %s\n",
			d->name, path, strerror(errno));
	if (fd >= 0)
		close(fd);
	fd = -1;
	/* the validators of the copy kept, for the next conditional GET */
	if (d->is_url && !copy_from) {
		copy_str(st->etag, sizeof(st->etag), f.etag);
		copy_str(st->last_modified, sizeof(st->last_modified),
			 f.last_modified);
	} else if (!d->is_url) {
		st->etag[0] = st->last_modified[0] = '\0';
	}
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
	char dir[PATH_MAX], nb[32], lock[PATH_MAX + 16];
	size_t nk, i, failed = 0;
	uint64_t now = (uint64_t)time(NULL);
	int ret, lockfd;

	sg_feeds_state_dir(req->netns, dir, sizeof(dir));
	if (mkdirs(dir) < 0) {
		fprintf(stderr, PROG_NAME ": feeds: cannot create %s: %s\n", dir,
			strerror(errno));
		return SG_EXIT_KERNEL;
	}
	/* One update at a time per namespace: the timer's and an admin's. */
	snprintf(lock, sizeof(lock), "%s/.update.lock", dir);
	lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0) {
		fprintf(stderr, PROG_NAME ": feeds: cannot open %s: %s\n", lock,
			strerror(errno));
		return SG_EXIT_KERNEL;
	}
	if (flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, PROG_NAME ": feeds: another 'feeds update' is running (%s); waiting for it\n",
			lock);
		while (flock(lockfd, LOCK_EX) < 0)
			if (errno != EINTR) {
				fprintf(stderr, PROG_NAME ": feeds: cannot lock %s: %s\n",
					lock, strerror(errno));
				close(lockfd);
				return SG_EXIT_KERNEL;
			}
		/* the kernel's feeds as the other update left them */
	}
	ret = sg_kfeeds_get(nl, kf, &nk);
	if (ret) {
		close(lockfd);
		return ret;
	}
	open_json_array(NULL);
	for (i = 0; i < ctx->fc.n; i++) {
		const struct sg_feed_def *d = &ctx->fc.defs[i];
		const struct sg_kfeed *k = kfeed_find(kf, nk, d->name);
		struct sg_feed_state st;
		bool not_modified = false;
		uint64_t next;
		size_t n = 0;
		int r;

		if (!ctx->selected[i])
			continue;
		sg_feed_state_read(dir, d->name, &st);
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
		r = update_one(nl, dir, d, k, &st, &n, &not_modified);
		if (r > 1) {
			close_json_array();
			close(lockfd);
			return r;
		}
		state_write(dir, d->name, &st);
		open_json_object(NULL);
		print_string(PRINT_ANY, "feed", "feed %s: ", d->name);
		print_string(PRINT_JSON, "result", NULL, r ? "failed" :
			     not_modified && k ? "not-modified" : "updated");
		if (r) {
			failed++;
			print_string(PRINT_JSON, "error", NULL, st.error);
			print_uint(PRINT_JSON, "entries", NULL,
				   k ? k->entries : 0);
			print_string(PRINT_FP, NULL, "%s\n", "update failed, old entries kept");
		} else if (not_modified && k) {
			print_u64(PRINT_ANY, "entries",
				  "not modified since the last download (HTTP 304), %" PRIu64 " entries kept\n",
				  n);
		} else {
			print_u64(PRINT_ANY, "entries",
				  n == 1 ? "replaced with %" PRIu64 " entry" :
					   "replaced with %" PRIu64 " entries", n);
			print_string(PRINT_FP, NULL, " from %s", d->source);
			print_string(PRINT_FP, NULL, "%s\n", not_modified ?
				     " (not modified: the copy in the state directory)" : "");
		}
		close_json_object();
	}
	close_json_array();
	close(lockfd);
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
		sg_feed_state_read(dir, d->name, &st);
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
			else if (st.http_status == 304)
				printf("  last download %s: not modified (HTTP 304)\n",
				       sg_local_time(st.last_attempt, t, sizeof(t)));
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
		if (st.http_status)
			print_uint(PRINT_JSON, "http_status", NULL, st.http_status);
		else
			print_null(PRINT_JSON, "http_status", NULL, NULL);
		print_bool(PRINT_JSON, "not_modified", NULL,
			   st.http_status == 304 && !st.error[0]);
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
