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
 */
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

/* Declared for tests/test-nl, which builds this file with -Dmain=... */
int main(int argc, char **argv);

int main(int argc, char **argv)
{
	const char *netns = NULL;
	struct sg_req req = { 0 };
	bool json = false, pretty = false;
	char q[SG_QUOTE_LEN];
	struct sg_nl nl;
	size_t i;
	int opt, ret;

	opterr = 0;	/* one line of our own instead of getopt's */
	/* '+': options end at OBJECT, so "-1" style arguments stay arguments. */
	while ((opt = getopt_long(argc, argv, "+:jpn:Vh", sg_long_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'p':
			pretty = true;
			break;
		case 'n':
			if (!sg_netns_name_ok(optarg))
				return sg_usage_err(NULL, "-n: '%s' is not a network namespace name (see 'ip netns list')",
						    sg_quote(optarg, q, sizeof(q)));
			netns = optarg;
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

	req.netns = netns;
	/* "block load --dry-run": a result without a namespace or a socket. */
	if (!req.offline) {
		if (netns) {
			ret = sg_netns_enter(netns);
			if (ret)
				goto out;
		}
		ret = req.kernel_optional ? sg_nl_try_open(&nl) : sg_nl_open(&nl);
		if (ret == SG_EXIT_UNAVAILABLE && req.kernel_optional)
			req.offline = true;
		else if (ret)
			goto out;
	}

	print_init(stdout, json, pretty);
	ret = req.run(req.offline ? NULL : &nl, &req);
	if (print_finish() < 0) {
		fprintf(stderr, PROG_NAME ": cannot write the output: %s\n",
			strerror(errno));
		if (!ret)
			ret = SG_EXIT_KERNEL;
	}
	if (!req.offline)
		sg_nl_close(&nl);
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
