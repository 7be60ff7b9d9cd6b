// SPDX-License-Identifier: GPL-2.0
/*
 * The command-line vocabulary: options, the usage text, and the one-line
 * usage errors every parser reports through.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smtpguardctl.h"

int sg_usage_err(const char *obj, const char *fmt, ...)
{
	va_list ap;

	fputs(PROG_NAME ": ", stderr);
	if (obj)
		fprintf(stderr, "%s: ", obj);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return SG_EXIT_USAGE;
}

const struct option sg_long_options[] = {
	{ "json",	no_argument,		NULL, 'j' },
	{ "pretty",	no_argument,		NULL, 'p' },
	{ "netns",	required_argument,	NULL, 'n' },
	{ "batch",	required_argument,	NULL, 'b' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* A global option typed after the object: say where it belongs. */
bool sg_is_global_option(const char *arg)
{
	const struct option *o;

	if (arg[0] != '-' || !arg[1])
		return false;
	if (!strcmp(arg, "-batch"))	/* ip(8)'s spelling */
		return true;
	if (arg[1] != '-')
		return arg[2] == '\0' && strchr("jpnbVh", arg[1]);
	for (o = sg_long_options; o->name; o++) {
		size_t n = strlen(o->name);

		if (!strncmp(arg + 2, o->name, n) &&
		    (arg[2 + n] == '\0' || arg[2 + n] == '='))
			return true;
	}
	return false;
}

int sg_no_more_args(const char *obj, int argc, char **argv)
{
	char q[SG_QUOTE_LEN];

	if (argc <= 0)
		return 0;
	return sg_usage_err(obj, "unexpected argument '%s'",
			    sg_quote(argv[0], q, sizeof(q)));
}

void sg_usage(FILE *fp)
{
	fprintf(fp,
"Usage: " PROG_NAME " [OPTIONS] OBJECT [COMMAND] [ARGS]\n"
"\n"
"Commands:\n"
"  allow [add] ADDR[/LEN]...   allow mail servers: IPv4 or IPv6 addresses or\n"
"                              prefixes; adding one that is present is not an\n"
"                              error.  SMTP is inspected only once an\n"
"                              allow-list exists; in a namespace whose mode\n"
"                              was never set, the first allow switches it to\n"
"                              enforce.\n"
"  allow del ADDR[/LEN]...     remove prefixes (all or nothing: each must exist)\n"
"  allow [list|show]           list the allow-list\n"
"  allow flush                 remove every prefix; the mode is kept and SMTP\n"
"                              stays inspected: with no prefix, all is dropped\n"
"  allow none                  an allow-list without prefixes: no SMTP at all\n"
"  allow off                   no allow-list: SMTP is not inspected any more\n"
"                              (the C&C blocklist stays)\n"
"  except [add] ADDR[/LEN]...  exceptions: prefixes no feed blocks (a feed may\n"
"                              list a prefix that covers one); the allow-list\n"
"                              is not affected\n"
"  except del ADDR[/LEN]...    remove exceptions (all or nothing)\n"
"  except [list|show]          list the exceptions\n"
"  except flush                remove every exception\n"
"  inside [add] IFNAME|ADDR/LEN...\n"
"                              our own hosts: senders that came in on IFNAME or\n"
"                              have an address in ADDR/LEN.  Only inside hosts\n"
"                              (and this host) are recorded as offenders; what\n"
"                              outside senders do is dropped and counted\n"
"  outside [add] IFNAME...     the Internet: senders that came in on IFNAME.\n"
"                              Without inside or outside, roles are derived: a\n"
"                              sender is outside when it came in on an interface\n"
"                              a default route leaves by, or when the route back\n"
"                              to it is a default route or leaves by another\n"
"                              interface\n"
"  inside|outside del ITEM...  remove items of the role (all or nothing)\n"
"  inside|outside [list|show]  the roles in effect: configured, or derived and\n"
"                              the interfaces the default routes leave by\n"
"  inside|outside flush        forget the role's items (both flushed: derived)\n"
"  block [add] ADDR[/LEN]... [feed NAME] [timeout SECONDS]\n"
"                              block C&C addresses: traffic from or to them is\n"
"                              dropped (enforce) or counted (monitor).  feed:\n"
"                              default \"manual\"; timeout: 1 to 30d, as 3600,\n"
"                              90s, 30m, 1h or 2d, for this feed's listing;\n"
"                              without it, permanent.  Write 'add': without\n"
"                              it a forgotten 'test' adds the address\n"
"  block add - [feed NAME] [timeout SECONDS]\n"
"                              the same for the addresses of standard input,\n"
"                              separated by blanks or newlines ('#' starts a\n"
"                              comment), all parsed first: a bad one is\n"
"                              stdin:LINE, exit 2, nothing changed.  More than\n"
"                              1024 go in one transaction, all or nothing, and\n"
"                              cannot take a timeout\n"
"  block del ADDR[/LEN]... [feed NAME]\n"
"                              remove prefixes from one feed, or from every feed\n"
"                              (all or nothing: each must exist)\n"
"  block del - [feed NAME]     the same for standard input's, at most 1024\n"
"  block [list|show] [feed NAME]\n"
"                              list entries: prefix, feeds (a timed listing\n"
"                              with its time left), hits, last hit (local\n"
"                              time; both only for CAP_NET_ADMIN), time left\n"
"                              before the entry expires\n"
"  block flush [feed NAME]     empty one feed, or the whole blocklist\n"
"  block feeds                 list the feeds: entries, action, direction,\n"
"                              packets dropped and would-drop\n"
"  block feed NAME [action enforce|monitor] [direction in|out|both]\n"
"                              a feed's action (monitor: count and record,\n"
"                              never drop) and direction (out: connections\n"
"                              opened from our side, in: opened by the listed\n"
"                              address); kept while the feed has no entries;\n"
"                              default enforce, both\n"
"  block test ADDR             is ADDR blocked?  Exit 0 and the entry if so,\n"
"                              1 if not (also when an exception covers it)\n"
"  block load [--replace] [--feed NAME] [--skip-bad] [--dry-run]\n"
"             [--allow-wide] FILE|-\n"
"                              load a feed file (- reads stdin and needs\n"
"                              --feed; so does no FILE when stdin is not a\n"
"                              terminal) in one transaction: all or nothing.\n"
"                              --feed: default the file name minus extension;\n"
"                              --replace: the feed becomes exactly the file;\n"
"                              --skip-bad: skip malformed lines, else refuse\n"
"                              the file; --dry-run: only parse and count\n"
"  ports [show]                show the SMTP ports (destination ports inspected)\n"
"  ports [set] PORT...         replace the SMTP port set (1..65535, at most %d)\n"
"  mode [show]                 show the mode\n"
"  mode [set] enforce|monitor|off\n"
"                              enforce: drop SMTP to or from other addresses;\n"
"                              monitor: count and log only; off: no inspection\n"
"  stats [show]                show the counters, as /proc/net/smtpguard does;\n"
"                              besides the allow-list's and the blocklist's:\n"
"                              offenders (hosts in the ledger), offenders_evicted\n"
"                              (records dropped to make room), events_sent and\n"
"                              events_dropped (no room at a monitor),\n"
"                              smtp_outside and cnc_outside (refused, sender not\n"
"                              inside: not recorded), cnc_excepted, except_entries,\n"
"                              roles_configured\n"
"  stats --format prometheus [-f FILE]\n"
"                              the counters of every namespace this caller may\n"
"                              enter (without -n), feeds and ledger included,\n"
"                              in Prometheus' text format (labels netns, feed,\n"
"                              reason); -f FILE: written whole or not at all,\n"
"                              for node_exporter's textfile collector\n"
"  stats reset                 restart the counters from zero\n"
"  offenders [list|show] [reason smtp|cnc]\n"
"                              the hosts that broke the policy, most recently\n"
"                              seen first: address, MAC, input interface,\n"
"                              reasons, packets (all, SMTP, C&C), first and\n"
"                              last seen (local time), the destinations tried\n"
"  offenders flush [reason smtp|cnc]\n"
"                              forget every offender, or those with a reason;\n"
"                              offender data needs CAP_NET_ADMIN\n"
"  monitor [events|config|all] [count N]\n"
"                              print events as they happen, one line each (one\n"
"                              JSON object per line with -j): new and still\n"
"                              active offenders (events), configuration changes\n"
"                              (config), or both (all, the default); until\n"
"                              interrupted, N events, or the deletion of the\n"
"                              -n namespace.  Needs CAP_NET_ADMIN\n"
"  save [-f FILE]              print the whole configuration as statements\n"
"                              'restore' reads: mode (and whether it was set or\n"
"                              automatic), ports, allow-list, exceptions, inside\n"
"                              and outside, every feed with\n"
"                              its entries (timeouts left), or, for a feed of\n"
"                              feeds.conf, the file it was last loaded from;\n"
"                              -f FILE: into FILE, whole or not at all (a\n"
"                              temporary file renamed over it)\n"
"  restore [--dry-run] [--allow-empty] [FILE|-]\n"
"                              make the configuration exactly FILE's (default:\n"
"                              standard input if it is not a terminal, else\n"
"                              /etc/smtpguard/smtpguard.conf).  The whole file\n"
"                              is checked first: a bad line is FILE:LINE: reason,\n"
"                              exit 2, nothing changed.  Each feed is swapped in\n"
"                              one transaction; if a step fails, the previous\n"
"                              configuration is put back.  Not one atomic step:\n"
"                              for a moment a packet may meet the new allow-list\n"
"                              and the old feeds.  A file without statements\n"
"                              is refused (--allow-empty insists).  --dry-run:\n"
"                              only check, and list what would be removed\n"
"  feeds [status|list]         the feeds of /etc/smtpguard/feeds.conf: interval,\n"
"                              last success, next update, entries, source\n"
"  feeds update [--force] [NAME...]\n"
"                              fetch the feeds that are due (all with --force)\n"
"                              with curl or from their file, check them, replace\n"
"                              each in one transaction; a feed that fails keeps\n"
"                              its entries, one line says why, exit 3\n"
"  help, OBJECT help           show this text, or the commands of OBJECT\n"
"list may be written show or ls.\n"
"\n"
"Options (before OBJECT):\n"
"  -j, --json                  JSON output\n"
"  -p, --pretty                pretty-printed JSON output (implies -j)\n"
"  -n, --netns NETNS           act in network namespace /run/netns/NETNS,\n"
"                              like 'ip -n'\n"
"  -b, -batch, --batch FILE    run the commands of FILE (- for standard input),\n"
"                              one a line, OBJECT and its words as on the\n"
"                              command line ('#' starts a comment), over one\n"
"                              socket; -n, -j and -p apply to every line.  The\n"
"                              first line that exits non-zero ends the batch\n"
"                              with its exit status and FILE:LINE said; what\n"
"                              the lines before it changed stays (a batch is\n"
"                              not a transaction)\n"
"  -V, --version               show the version\n"
"  -h, --help                  show this text\n"
"\n"
"Exit status:\n"
"  0  success\n"
"  1  a negative answer: 'block test' found no entry for ADDR\n"
"  2  bad command line or input; nothing was changed\n"
"  3  the kernel refused or failed the operation (a missing privilege\n"
"     too); a feed update failed\n"
"  4  smtpguard is not available (module not loaded) or no such namespace\n"
"\n"
"Files:\n"
"  /etc/smtpguard/smtpguard.conf  restored at boot by smtpguard.service\n"
"  /etc/smtpguard/feeds.conf      feed NAME url URL|file PATH [every 1h]\n"
"                                 ($SMTPGUARD_FEEDS_CONF; downloads of at most\n"
"                                 $SMTPGUARD_FEED_MAX_BYTES, 256 MiB)\n"
"  /var/lib/smtpguard/feeds/      last good file and state of each feed\n"
"                                 ($SMTPGUARD_STATE_DIR; netns/NAME/ with -n)\n",
		SMTPGUARD_MAX_PORTS);
}

/* Is a usage line's first word ("allow", "inside|outside") about obj? */
static bool line_is_about(const char *line, const char *obj)
{
	size_t n = strlen(obj), w = strcspn(line, " \n");
	const char *p = line;

	while (p < line + w) {
		size_t k = strcspn(p, "| \n");

		if (k == n && !strncmp(p, obj, n))
			return true;
		p += k + (p[k] == '|');
		if (p[-1] != '|')
			break;
	}
	return false;
}

void sg_usage_object(FILE *fp, const char *obj)
{
	char *text = NULL, *line, *save = NULL;
	bool in_commands = false, mine = false;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem || (sg_usage(mem), fclose(mem)) || !text) {
		free(text);
		sg_usage(fp);
		return;
	}
	fprintf(fp, "Usage: " PROG_NAME " [OPTIONS] %s [COMMAND] [ARGS]\n\nCommands:\n",
		obj);
	/* The Commands section: a command at column 3, its text indented more. */
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(line, "Commands:")) {
			in_commands = true;
			continue;
		}
		if (!in_commands)
			continue;
		if (line[0] != ' ')
			break;
		if (line[1] == ' ' && line[2] != ' ')
			mine = line_is_about(line + 2, obj);
		if (mine)
			fprintf(fp, "%s\n", line);
	}
	fprintf(fp, "\nOptions, exit status, files: " PROG_NAME " help\n");
	free(text);
}

int sg_help(const char *obj, int argc, char **argv)
{
	if (sg_no_more_args(obj, argc, argv))
		return SG_EXIT_USAGE;
	if (obj && strcmp(obj, "help"))
		sg_usage_object(stdout, obj);
	else
		sg_usage(stdout);
	return SG_EXIT_OK;
}

bool sg_is_list(const char *word)
{
	return !strcmp(word, "list") || !strcmp(word, "show") ||
	       !strcmp(word, "ls");
}

bool sg_batch_stdin;

int sg_stdin_free(const char *obj, const char *what)
{
	if (!sg_batch_stdin)
		return 0;
	if (!what)
		return sg_usage_err(obj, "standard input holds the commands of -batch -; name a FILE");
	return sg_usage_err(obj, "%s: standard input holds the commands of -batch -; name a FILE",
			    what);
}

bool sg_stdin_is_input(void)
{
	struct stat st;

	/* a file or a pipe: not a terminal, and not closed */
	return !isatty(STDIN_FILENO) && !fstat(STDIN_FILENO, &st);
}
