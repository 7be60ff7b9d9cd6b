// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguardctl: configure smtpguard, the SMTP egress allow-list and the
 * C&C blocklist.
 *
 *   smtpguardctl [OPTIONS] OBJECT [COMMAND] [ARGS]
 *
 * The whole command line is parsed and validated into a struct sg_req
 * first; only then is a namespace entered and a socket opened, so a
 * mistake on the command line never half-applies.
 *
 *   smtpguardctl [OPTIONS] -batch FILE|-
 *
 * runs each line of FILE as such a command, in turn, with the options of
 * the command line and one namespace and socket for all of them.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "print.h"
#include "smtpguardctl.h"

#ifndef SMTPGUARD_VERSION
#error "SMTPGUARD_VERSION must be defined (the Makefile takes it from dkms.conf)"
#endif

static int help_parse(struct sg_req *req, int argc, char **argv)
{
	(void)req;
	return sg_help("help", argc, argv);
}

static const struct {
	const char *name;
	int (*parse)(struct sg_req *req, int argc, char **argv);
} objects[] = {
	{ "allow",	allow_parse },
	{ "except",	except_parse },
	{ "inside",	inside_parse },
	{ "outside",	outside_parse },
	{ "block",	block_parse },
	{ "ports",	ports_parse },
	{ "mode",	mode_parse },
	{ "stats",	stats_parse },
	{ "offenders",	offenders_parse },
	{ "monitor",	monitor_parse },
	{ "save",	save_parse },
	{ "restore",	restore_parse },
	{ "feeds",	feeds_parse },
	{ "help",	help_parse },
};

/*
 * What every command of one run shares: the global options, and the
 * namespace and socket, entered and opened at the first command that
 * needs the kernel and kept for the next ones (-batch).
 */
struct session {
	const char *netns;
	bool json, pretty;
	bool entered;			/* in netns */
	bool open;			/* nl is open */
	struct sg_nl nl;
};

/* One command: OBJECT [COMMAND] [ARGS], parsed whole, then run. */
static int run_command(struct session *s, int argc, char **argv)
{
	struct sg_req req = { 0 };
	char q[SG_QUOTE_LEN];
	size_t i;
	int opt, ret;

	if (argc < 1)
		return sg_usage_err(NULL, "missing object (allow, except, inside, outside, block, ports, mode, stats, offenders, monitor, save, restore, feeds, help); try '" PROG_NAME " help'");

	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (!strcmp(argv[0], objects[i].name))
			break;
	if (i == sizeof(objects) / sizeof(objects[0]))
		return sg_usage_err(NULL, "unknown object '%s' (allow, except, inside, outside, block, ports, mode, stats, offenders, monitor, save, restore, feeds, help); try '" PROG_NAME " help'",
				    sg_quote(argv[0], q, sizeof(q)));

	/* Options belong before OBJECT; say so rather than "bad address". */
	for (opt = 1; opt < argc; opt++) {
		if (!strcmp(argv[opt], "-h") || !strcmp(argv[opt], "--help")) {
			if (strcmp(argv[0], "help"))
				sg_usage_object(stdout, argv[0]);
			else
				sg_usage(stdout);
			return fflush(stdout) ? SG_EXIT_KERNEL : SG_EXIT_OK;
		}
		if (sg_is_global_option(argv[opt]))
			return sg_usage_err(NULL, "option '%s' must come before the object",
					    sg_quote(argv[opt], q, sizeof(q)));
	}

	ret = objects[i].parse(&req, argc - 1, argv + 1);
	if (ret || !req.run)
		goto out;

	req.netns = s->netns;
	/* "block load --dry-run": a result without a namespace or a socket. */
	if (!req.offline && !s->open) {
		if (s->netns && !s->entered) {
			ret = sg_netns_enter(s->netns);
			if (ret)
				goto out;
			s->entered = true;
		}
		ret = req.kernel_optional ? sg_nl_try_open(&s->nl) :
					    sg_nl_open(&s->nl);
		if (ret == SG_EXIT_UNAVAILABLE && req.kernel_optional)
			req.offline = true;
		else if (ret)
			goto out;
		else
			s->open = true;
	}
	if (s->open) {		/* nothing left over from the line before */
		s->nl.eperm_hint = NULL;
		s->nl.quiet_eperm = false;
	}

	print_init(stdout, s->json, s->pretty);
	ret = req.run(req.offline ? NULL : &s->nl, &req);
	if (print_finish() < 0) {
		fprintf(stderr, PROG_NAME ": cannot write the output: %s\n",
			strerror(errno));
		if (!ret)
			ret = SG_EXIT_KERNEL;
	}
	/*
	 * A monitor joined the events group: a command after it (-batch)
	 * needs a socket without the events.
	 */
	if (s->open && objects[i].parse == monitor_parse) {
		sg_nl_close(&s->nl);
		s->open = false;
	}
out:
	free(req.prefixes);
	if (req.ctx_free)
		req.ctx_free(req.ctx);
	if (!ret && fflush(stdout)) {
		fprintf(stderr, PROG_NAME ": cannot write the output: %s\n",
			strerror(errno));
		ret = SG_EXIT_KERNEL;
	}
	return ret;
}

/* -batch, --batch and -b: "-batch" spelled as ip(8) spells it, too. */
static bool is_batch_option(const char *arg)
{
	return !strcmp(arg, "-batch") || !strcmp(arg, "-b") ||
	       !strcmp(arg, "--batch") || !strncmp(arg, "--batch=", 8);
}

/*
 * The words of one batch line: split at blanks, a word that starts with
 * '#' starts a comment.  No quoting: nothing the tool takes has a blank.
 */
static int split_line(char *line, char ***words, size_t *cap)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			break;
		if (n + 1 >= *cap) {
			size_t c = *cap ? *cap * 2 : 16;
			char **w = realloc(*words, c * sizeof(*w));

			if (!w)
				return -1;
			*words = w;
			*cap = c;
		}
		(*words)[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	if (*words)
		(*words)[n] = NULL;
	return (int)n;
}

/*
 * -batch FILE: each line a command, run as it is read, over one socket.
 * The first line that does not exit 0 ends the batch with its status
 * ("block test" answering 1 included); what the lines before it did
 * stays done: a batch is not a transaction.
 */
static int run_batch(struct session *s, const char *file)
{
	const char *name = strcmp(file, "-") ? file : "stdin";
	char q[SG_QUOTE_LEN], **words = NULL, *line = NULL;
	size_t cap = 0, wcap = 0, lineno = 0;
	ssize_t len;
	FILE *fp;
	int n, ret = SG_EXIT_OK;

	if (strcmp(file, "-")) {
		fp = fopen(file, "r");
		if (!fp)
			return sg_usage_err(NULL, "-batch: %s: %s", file,
					    strerror(errno));
	} else {
		fp = stdin;
		sg_batch_stdin = true;
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (strlen(line) != (size_t)len) {
			ret = sg_usage_err(NULL, "%s:%zu: a NUL byte in the line",
					   name, lineno);
			break;
		}
		n = split_line(line, &words, &wcap);
		if (n < 0) {
			fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
			ret = SG_EXIT_USAGE;
			break;
		}
		if (!n)
			continue;
		if (is_batch_option(words[0]))
			ret = sg_usage_err(NULL, "%s:%zu: '%s' in a batch: batches do not nest",
					   name, lineno,
					   sg_quote(words[0], q, sizeof(q)));
		else if (sg_is_global_option(words[0]))
			ret = sg_usage_err(NULL, "%s:%zu: option '%s' goes before -batch, where it applies to every line",
					   name, lineno,
					   sg_quote(words[0], q, sizeof(q)));
		else
			ret = run_command(s, n, words);
		if (ret) {
			fprintf(stderr, PROG_NAME ": %s:%zu: failed (exit %d); the lines after it were not run\n",
				name, lineno, ret);
			break;
		}
	}
	if (!ret && ferror(fp))
		ret = sg_usage_err(NULL, "-batch: %s: %s", name,
				   strerror(errno));
	free(words);
	free(line);
	if (fp != stdin)
		fclose(fp);
	return ret;
}

/* Declared for tests/test-nl, which builds this file with -Dmain=... */
int main(int argc, char **argv);

int main(int argc, char **argv)
{
	struct session s = { 0 };
	const char *batch = NULL;
	char q[SG_QUOTE_LEN];
	int opt, ret;

	opterr = 0;	/* one line of our own instead of getopt's */
	for (;;) {
		/* "-batch FILE", as ip(8) writes it: getopt would read -b atch. */
		if (optind < argc && !strcmp(argv[optind], "-batch")) {
			if (optind + 1 == argc)
				return sg_usage_err(NULL, "option '-batch' needs an argument");
			opt = 'b';
			optarg = argv[optind + 1];
			optind += 2;
		} else {
			/*
			 * '+': options end at OBJECT, so "-1" style
			 * arguments stay arguments.
			 */
			opt = getopt_long(argc, argv, "+:jpn:b:Vh",
					  sg_long_options, NULL);
			if (opt == -1)
				break;
		}
		switch (opt) {
		case 'j':
			s.json = true;
			break;
		case 'p':
			s.pretty = true;
			break;
		case 'n':
			if (!sg_netns_name_ok(optarg))
				return sg_usage_err(NULL, "-n: '%s' is not a network namespace name (see 'ip netns list')",
						    sg_quote(optarg, q, sizeof(q)));
			s.netns = optarg;
			break;
		case 'b':
			if (batch)
				return sg_usage_err(NULL, "-batch given twice");
			if (!optarg[0])
				return sg_usage_err(NULL, "-batch: missing FILE (a file of commands, or - for stdin)");
			batch = optarg;
			break;
		case 'V':
			printf(PROG_NAME " %s\n", SMTPGUARD_VERSION);
			return fflush(stdout) ? SG_EXIT_KERNEL : SG_EXIT_OK;
		case 'h':
			sg_usage(stdout);
			return fflush(stdout) ? SG_EXIT_KERNEL : SG_EXIT_OK;
		case ':':
			return sg_usage_err(NULL, "option '%s' needs an argument",
					    sg_quote(argv[optind - 1], q, sizeof(q)));
		default:
			return sg_usage_err(NULL, "unknown option '%s'; try '" PROG_NAME " help'",
					    sg_quote(argv[optind - 1], q, sizeof(q)));
		}
	}
	argc -= optind;
	argv += optind;

	if (batch) {
		if (argc > 0)
			return sg_usage_err(NULL, "-batch: unexpected argument '%s' (the commands are the lines of FILE)",
					    sg_quote(argv[0], q, sizeof(q)));
		ret = run_batch(&s, batch);
	} else {
		ret = run_command(&s, argc, argv);
	}
	if (s.open)
		sg_nl_close(&s.nl);
	return ret;
}
