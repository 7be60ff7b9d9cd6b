// SPDX-License-Identifier: GPL-2.0
/*
 * The whole command-line grammar as a table of {exit status, argv}, after
 * ethtool's test-cmdline.c; runs the real binary, no kernel module needed.
 *
 *   test-cmdline ./smtpguardctl VERSION
 *
 * Every usage error must exit 2 with exactly one line on stderr and nothing
 * on stdout.  Commands that need the kernel must exit 4 with the "not
 * loaded" line where the family is absent; they are skipped on a machine
 * where smtpguard is loaded.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ktap.h"
#include "run.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ARGS 40

/* The rest of the line says why, for this machine (test-nl tests each case). */
#define NOT_LOADED "smtpguardctl: smtpguard is not available: "
#define HOST_BITS "smtpguardctl: allow: 10.10.10.5/24 has host bits set; did you mean 10.10.10.0/24?\n"

enum { OK = 0, USAGE = 2, UNAVAILABLE = 4, HELP = 100, KERNEL = 101, DRY = 102,
       OBJHELP = 103, BATCH = 104 };

struct tcase {
	int code;		/* HELP: 0 with the usage; KERNEL: 4 "not loaded";
				 * DRY: 0, err is in stdout, stderr empty */
	const char *err;	/* stderr must contain this, if set */
	const char *argv[MAX_ARGS];
};

/* The cases that read standard input: its text with them. */
struct stdin_case {
	struct tcase t;
	const char *in;
};

/* A batch's usage error: the line's, then the batch's, exit 2. */
#define BATCH_END(line) "smtpguardctl: stdin:" line ": failed (exit 2); the lines after it were not run\n"

static const struct tcase cases[] = {
	/* Help and version: no socket, exit 0. */
	{ HELP, NULL, { "help" } },
	{ HELP, NULL, { "--help" } },
	{ HELP, NULL, { "-h" } },
	{ HELP, NULL, { "-j", "-h" } },
	{ OBJHELP, NULL, { "allow", "help" } },
	{ OBJHELP, NULL, { "ports", "help" } },
	{ OBJHELP, NULL, { "mode", "help" } },
	{ OBJHELP, NULL, { "stats", "help" } },
	{ OBJHELP, NULL, { "allow", "--help" } },
	{ OBJHELP, NULL, { "stats", "reset", "-h" } },
	{ OBJHELP, NULL, { "block", "help" } },
	{ OBJHELP, NULL, { "block", "load", "--help" } },
	{ OBJHELP, NULL, { "offenders", "help" } },
	{ OBJHELP, NULL, { "monitor", "help" } },
	{ OBJHELP, NULL, { "monitor", "events", "-h" } },

	/* Options. */
	{ USAGE, "missing object", { NULL } },
	{ USAGE, "missing object", { "-j" } },
	{ USAGE, "unknown option '-x'", { "-x", "stats" } },
	{ USAGE, "unknown option '--bogus'", { "--bogus", "stats" } },
	{ USAGE, "unknown option '--json=1'", { "--json=1", "stats" } },
	{ USAGE, "option '-n' needs an argument", { "-n" } },
	{ USAGE, "option '--netns' needs an argument", { "--netns" } },
	{ USAGE, "'' is not a network namespace name", { "-n", "", "stats" } },
	{ USAGE, "'a/b' is not a network namespace name", { "-n", "a/b", "stats" } },
	{ USAGE, "'..' is not a network namespace name", { "-n", "..", "stats" } },
	{ USAGE, "unknown object 'foo'", { "foo" } },
	{ USAGE, "unknown object ''", { "" } },
	{ USAGE, "unknown object 'allowlist'", { "allowlist" } },
	{ USAGE, "option '-j' must come before the object", { "stats", "-j" } },
	{ USAGE, "option '--netns=x' must come before the object", { "allow", "list", "--netns=x" } },
	{ USAGE, "help: unexpected argument 'allow'", { "help", "allow" } },

	/* -batch FILE: the global option parser, then the lines. */
	{ USAGE, "option '-batch' needs an argument", { "-batch" } },
	{ USAGE, "option '-b' needs an argument", { "-b" } },
	{ USAGE, "option '--batch' needs an argument", { "--batch" } },
	{ USAGE, "-batch: missing FILE", { "--batch=" } },
	{ USAGE, "-batch: unexpected argument 'stats' (the commands are the lines of FILE)", { "-batch", "@GOOD@", "stats" } },
	{ USAGE, "-batch given twice", { "-batch", "@GOOD@", "--batch", "@GOOD@" } },
	{ USAGE, "-batch: /nonexistent/batch: No such file or directory", { "-j", "-batch", "/nonexistent/batch" } },
	{ USAGE, "option '-batch' must come before the object", { "stats", "-batch", "@GOOD@" } },
	{ USAGE, "option '-b' must come before the object", { "block", "list", "-b", "@GOOD@" } },
	{ USAGE, "option '--batch=x' must come before the object", { "block", "list", "--batch=x" } },

	/* allow */
	{ USAGE, "allow: add: missing address", { "allow", "add" } },
	{ USAGE, "allow: del: missing address", { "allow", "del" } },
	{ USAGE, "allow: del: missing address", { "allow", "delete" } },
	{ USAGE, HOST_BITS, { "allow", "10.10.10.5/24" } },
	{ USAGE, HOST_BITS, { "allow", "add", "10.10.10.5/24" } },
	{ USAGE, HOST_BITS, { "allow", "10.0.0.1", "10.10.10.5/24", "2001:db8::25" } },
	{ USAGE, "did you mean 2001:db8::/64?", { "allow", "del", "2001:db8::1/64" } },
	{ USAGE, "'10.0.0.256' is not a valid IPv4 address", { "allow", "10.0.0.256" } },
	{ USAGE, "prefix length must be a number from 0 to 32", { "allow", "add", "10.0.0.1", "10.0.0.0/33" } },
	{ USAGE, "prefix length must be a number from 0 to 128", { "allow", "2001:db8::/129" } },
	{ USAGE, "missing prefix length", { "allow", "10.0.0.0/" } },
	{ USAGE, "zone ids are not supported", { "allow", "fe80::1%eth0" } },
	{ USAGE, "did you mean 10.0.0.1?", { "allow", "::ffff:10.0.0.1" } },
	{ USAGE, "names are not resolved", { "allow", "mail.example.com" } },
	{ USAGE, "empty address", { "allow", "" } },
	{ USAGE, "'10.0.0.1\\x0a'", { "allow", "10.0.0.1\n" } },
	{ USAGE, "unknown command 'lst'", { "allow", "lst" } },
	{ USAGE, "'lst' is not an IPv4 or IPv6 address", { "allow", "add", "lst" } },
	{ USAGE, "allow: unexpected argument 'extra'", { "allow", "list", "extra" } },
	{ USAGE, "allow: unexpected argument 'extra'", { "allow", "show", "extra" } },
	{ USAGE, "allow: unexpected argument 'now'", { "allow", "flush", "now" } },
	{ USAGE, "allow: unexpected argument '10.0.0.1'", { "allow", "none", "10.0.0.1" } },
	{ USAGE, "allow: unexpected argument 'now'", { "allow", "off", "now" } },
	{ USAGE, "allow: unexpected argument 'x'", { "allow", "help", "x" } },
	{ USAGE, "option '-j' must come before the object", { "allow", "10.0.0.1", "-j" } },

	/* ports */
	{ USAGE, "'0' is not a valid port", { "ports", "0" } },
	{ USAGE, "'65536' is not a valid port", { "ports", "25", "65536" } },
	{ USAGE, "'-1' is not a valid port", { "ports", "-1" } },
	{ USAGE, "'25a' is not a valid port", { "ports", "set", "25a" } },
	{ USAGE, "'abc' is not a valid port", { "ports", "25", "abc" } },
	{ USAGE, "'smtp' is not a valid port", { "ports", "set", "smtp" } },
	{ USAGE, "unknown command 'sohw'", { "ports", "sohw" } },
	{ USAGE, "ports: set: missing port", { "ports", "set" } },
	{ USAGE, "'' is not a valid port", { "ports", "" } },
	{ USAGE, "ports: unexpected argument 'extra'", { "ports", "show", "extra" } },
	{ USAGE, "too many ports (at most 32 distinct)", { "ports",
		"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
		"13", "14", "15", "16", "17", "18", "19", "20", "21", "22",
		"23", "24", "25", "26", "27", "28", "29", "30", "31", "32",
		"33" } },

	/* mode */
	{ USAGE, "'enforcing' is not a mode (enforce, monitor, off)", { "mode", "enforcing" } },
	{ USAGE, "'ENFORCE' is not a mode", { "mode", "set", "ENFORCE" } },
	{ USAGE, "'' is not a mode", { "mode", "" } },
	{ USAGE, "mode: set: missing mode", { "mode", "set" } },
	{ USAGE, "mode: unexpected argument 'now'", { "mode", "enforce", "now" } },
	{ USAGE, "mode: unexpected argument 'x'", { "mode", "show", "x" } },

	/* stats */
	{ USAGE, "stats: unknown command 'clear'", { "stats", "clear" } },
	{ USAGE, "stats: unexpected argument 'now'", { "stats", "reset", "now" } },
	{ USAGE, "stats: unexpected argument 'x'", { "stats", "show", "x" } },

	/* block */
	{ USAGE, "block: add: missing address", { "block", "add" } },
	{ USAGE, "block: del: missing address", { "block", "del" } },
	{ USAGE, "block: del: missing address", { "block", "delete", "feed", "drop" } },
	{ USAGE, "block: unknown command 'lst'", { "block", "lst" } },
	{ USAGE, "block: unknown command 'feed'", { "block", "feed" } },
	{ USAGE, "'10.0.0.256' is not a valid IPv4 address", { "block", "10.0.0.256" } },
	{ USAGE, "did you mean 10.10.10.0/24?", { "block", "add", "10.10.10.5/24" } },
	{ USAGE, "did you mean 10.0.0.1?", { "block", "::ffff:10.0.0.1" } },
	{ USAGE, "names are not resolved", { "block", "add", "cnc.example.com" } },
	{ USAGE, "add: feed: missing NAME", { "block", "add", "10.0.0.1", "feed" } },
	{ USAGE, "add: 'a/b' is not a feed name", { "block", "add", "10.0.0.1", "feed", "a/b" } },
	{ USAGE, "add: '' is not a feed name", { "block", "10.0.0.1", "feed", "" } },
	{ USAGE, "'-drop' is not a feed name", { "block", "10.0.0.1", "feed", "-drop" } },
	{ USAGE, "'a b' is not a feed name", { "block", "10.0.0.1", "feed", "a b" } },
	{ USAGE, "is not a feed name", { "block", "10.0.0.1", "feed",
		"abcdefghijklmnopqrstuvwxyzABCDEF" } },	/* 32 characters */
	{ USAGE, "add: feed given twice", { "block", "10.0.0.1", "feed", "a", "feed", "b" } },
	{ USAGE, "add: timeout '0' is out of range", { "block", "add", "10.0.0.1", "timeout", "0" } },
	{ USAGE, "timeout '0h' is out of range", { "block", "10.0.0.1", "timeout", "0h" } },
	{ USAGE, "timeout '2592001' is out of range", { "block", "10.0.0.1", "timeout", "2592001" } },
	{ USAGE, "timeout '31d' is out of range", { "block", "10.0.0.1", "timeout", "31d" } },
	{ USAGE, "timeout '99999999999999999999' is out of range", { "block", "10.0.0.1", "timeout",
		"99999999999999999999" } },
	{ USAGE, "'1w' is not a timeout", { "block", "10.0.0.1", "timeout", "1w" } },
	{ USAGE, "'-5' is not a timeout", { "block", "10.0.0.1", "timeout", "-5" } },
	{ USAGE, "'1h30m' is not a timeout", { "block", "10.0.0.1", "timeout", "1h30m" } },
	{ USAGE, "add: timeout: missing SECONDS", { "block", "add", "10.0.0.1", "timeout" } },
	{ USAGE, "add: timeout given twice", { "block", "10.0.0.1", "timeout", "1h", "timeout", "2h" } },
	{ USAGE, "del: timeout is only for add", { "block", "del", "10.0.0.1", "timeout", "1h" } },
	{ USAGE, "list: unexpected argument 'extra'", { "block", "list", "extra" } },
	{ USAGE, "show: feed: missing NAME", { "block", "show", "feed" } },
	{ USAGE, "list: 'bad name' is not a feed name", { "block", "list", "feed", "bad name" } },
	{ USAGE, "flush: unexpected argument 'now'", { "block", "flush", "now" } },
	{ USAGE, "flush: feed given twice", { "block", "flush", "feed", "a", "feed", "a" } },
	{ USAGE, "block: unexpected argument 'drop'", { "block", "feeds", "drop" } },
	{ USAGE, "block: test: missing address", { "block", "test" } },
	{ USAGE, "test: '10.0.0.0/24' is a prefix", { "block", "test", "10.0.0.0/24" } },
	{ USAGE, "test: '10.0.0.1/32' is a prefix", { "block", "test", "10.0.0.1/32" } },
	{ USAGE, "test: '2001:db8::/32' is a prefix", { "block", "test", "2001:db8::/32" } },
	{ USAGE, "test: unexpected argument '10.0.0.2'", { "block", "test", "10.0.0.1", "10.0.0.2" } },
	{ USAGE, "test: 'mail.example.com' is not an IPv4 or IPv6 address", { "block", "test", "mail.example.com" } },
	{ USAGE, "test: '10.0.0.1\\x0a'", { "block", "test", "10.0.0.1\n" } },
	/* no FILE, stdin not a terminal (here): stdin, which needs --feed */
	{ USAGE, "load: reading stdin needs --feed NAME", { "block", "load" } },
	{ USAGE, "load: reading stdin needs --feed NAME", { "block", "load", "--replace", "--dry-run" } },
	{ USAGE, "smtpguardctl: /nonexistent/sg-feed.txt: No such file or directory",
	  { "block", "load", "/nonexistent/sg-feed.txt" } },
	{ USAGE, "load: reading stdin needs --feed NAME", { "block", "load", "-" } },
	{ USAGE, "load: unknown option '--force'", { "block", "load", "--force", "drop.txt" } },
	{ USAGE, "load: unknown option '-r'", { "block", "load", "-r", "drop.txt" } },
	{ USAGE, "load: --feed: missing NAME", { "block", "load", "drop.txt", "--feed" } },
	{ USAGE, "load: 'bad/name' is not a feed name", { "block", "load", "--feed", "bad/name", "x" } },
	{ USAGE, "load: --feed given twice", { "block", "load", "--feed=a", "--feed=b", "x" } },
	{ USAGE, "load: unexpected argument 'b.txt'", { "block", "load", "a.txt", "b.txt" } },
	{ USAGE, "cannot name the feed after '/tmp/.hidden'", { "block", "load", "/tmp/.hidden" } },
	{ USAGE, "use --feed NAME", { "block", "load", "/tmp/bad name.txt" } },
	{ USAGE, "bad.txt:3: '10.0.0.256' is not a valid IPv4 address", { "block", "load", "@BAD@" } },
	{ USAGE, "bad.txt:3: ", { "block", "load", "--dry-run", "--replace", "@BAD@" } },
	{ USAGE, "bad.txt:3: ", { "-n", "sg-test-no-such-ns", "block", "load", "@BAD@" } },
	{ USAGE, "empty.txt: no entries to load", { "block", "load", "@EMPTY@" } },
	{ USAGE, "empty.txt: no entries to load", { "block", "load", "--skip-bad", "@EMPTY@" } },
	{ USAGE, "option '-j' must come before the object", { "block", "list", "-j" } },
	{ USAGE, "test: '10.0.0.0/24' is a prefix", { "-n", "sg-test-no-such-ns", "block", "test", "10.0.0.0/24" } },
	/* A dry run needs no kernel and no namespace. */
	{ DRY, "good.txt: 2 entries (1 IPv4, 1 IPv6), covering 256 IPv4 and 79228162514264337593543950336 IPv6 addresses\n",
	  { "block", "load", "--dry-run", "@GOOD@" } },
	{ DRY, "good.txt: 2 entries", { "-n", "sg-test-no-such-ns", "block", "load", "--dry-run", "--feed", "x", "@GOOD@" } },
	{ DRY, "\"ipv6_addresses\": \"79228162514264337593543950336\"", { "-p", "block", "load", "--dry-run", "@GOOD@" } },

	/* offenders */
	{ USAGE, "offenders: unknown command 'lst' (list, show, flush, help)", { "offenders", "lst" } },
	{ USAGE, "offenders: unknown command '192.0.2.1'", { "offenders", "192.0.2.1" } },
	{ USAGE, "offenders: list: reason: missing smtp or cnc", { "offenders", "reason" } },
	{ USAGE, "offenders: list: reason: missing smtp or cnc", { "offenders", "list", "reason" } },
	{ USAGE, "offenders: list: 'all' is not a reason (smtp, cnc)", { "offenders", "reason", "all" } },
	{ USAGE, "offenders: show: 'SMTP' is not a reason (smtp, cnc)", { "offenders", "show", "reason", "SMTP" } },
	{ USAGE, "offenders: list: 'smtp,cnc' is not a reason", { "offenders", "list", "reason", "smtp,cnc" } },
	{ USAGE, "offenders: list: reason given twice", { "offenders", "reason", "smtp", "reason", "cnc" } },
	{ USAGE, "offenders: list: unexpected argument 'extra' (reason smtp|cnc)", { "offenders", "list", "extra" } },
	{ USAGE, "offenders: flush: unexpected argument 'cnc' (reason smtp|cnc)", { "offenders", "flush", "cnc" } },
	{ USAGE, "offenders: flush: reason: missing smtp or cnc", { "offenders", "flush", "reason" } },
	{ USAGE, "offenders: flush: '' is not a reason", { "offenders", "flush", "reason", "" } },
	{ USAGE, "offenders: unexpected argument 'x'", { "offenders", "help", "x" } },
	{ USAGE, "option '-j' must come before the object", { "offenders", "-j" } },
	{ USAGE, "'x\\x0a' is not a reason", { "offenders", "reason", "x\n" } },

	/* monitor */
	{ USAGE, "monitor: unknown argument 'event' (events, config, all, count N, help)", { "monitor", "event" } },
	{ USAGE, "monitor: unknown argument 'offenders'", { "monitor", "offenders" } },
	{ USAGE, "monitor: 'config': what to monitor given twice", { "monitor", "events", "config" } },
	{ USAGE, "monitor: 'all': what to monitor given twice", { "monitor", "all", "all" } },
	{ USAGE, "monitor: count: missing N", { "monitor", "count" } },
	{ USAGE, "monitor: count: '0' is not a number of events (1 or more)", { "monitor", "count", "0" } },
	{ USAGE, "monitor: count: '-1' is not a number of events", { "monitor", "count", "-1" } },
	{ USAGE, "monitor: count: '5x' is not a number of events", { "monitor", "events", "count", "5x" } },
	{ USAGE, "monitor: count: '' is not a number of events", { "monitor", "count", "" } },
	{ USAGE, "monitor: count: '99999999999999999999999' is not a number of events",
	  { "monitor", "count", "99999999999999999999999" } },
	{ USAGE, "monitor: count given twice", { "monitor", "count", "1", "count", "2" } },
	{ USAGE, "monitor: unexpected argument 'x'", { "monitor", "help", "x" } },
	{ USAGE, "option '--json' must come before the object", { "monitor", "--json" } },
	{ USAGE, "monitor: count: 'x' is not a number", { "-n", "sg-test-no-such-ns", "monitor", "count", "x" } },

	/* save, restore, feeds */
	{ OBJHELP, NULL, { "save", "help" } },
	{ OBJHELP, NULL, { "restore", "help" } },
	{ OBJHELP, NULL, { "feeds", "help" } },
	{ OBJHELP, NULL, { "except", "help" } },
	{ OBJHELP, NULL, { "inside", "help" } },
	{ OBJHELP, NULL, { "outside", "--help" } },
	{ OBJHELP, NULL, { "-j", "block", "-h" } },
	/* "ls" is list, as ip(8) users type it */
	{ KERNEL, NULL, { "allow", "ls" } },
	{ KERNEL, NULL, { "except", "ls" } },
	{ KERNEL, NULL, { "inside", "ls" } },
	{ KERNEL, NULL, { "block", "ls", "feed", "drop" } },
	{ KERNEL, NULL, { "offenders", "ls" } },
	{ KERNEL, NULL, { "ports", "ls" } },
	{ USAGE, "save: unexpected argument 'x'", { "save", "x" } },
	{ USAGE, "restore: unexpected argument 'b' (one FILE only)", { "restore", "a", "b" } },
	{ USAGE, "restore: unknown option '--force' (--dry-run, --allow-empty)", { "restore", "--force", "a" } },
	{ USAGE, "/nonexistent/smtpguard.conf: No such file or directory", { "restore", "/nonexistent/smtpguard.conf" } },
	{ USAGE, "restore: unexpected argument 'b'", { "restore", "--dry-run", "a", "b" } },
	{ USAGE, "feeds: unknown command 'bogus' (status, list, update, help)", { "feeds", "bogus" } },
	{ USAGE, "feeds: update: unknown option '--all' (--force)", { "feeds", "update", "--all" } },
	{ KERNEL, NULL, { "save" } },

	/* Input is checked before the namespace is even looked up. */
	{ USAGE, "'0' is not a valid port", { "-n", "sg-test-no-such-ns", "ports", "0" } },
	{ UNAVAILABLE, "no network namespace \"sg-test-no-such-ns\" (/run/netns/sg-test-no-such-ns does not exist; see 'ip netns list')",
	  { "-n", "sg-test-no-such-ns", "stats" } },
	{ UNAVAILABLE, "no network namespace \"sg-test-no-such-ns\"",
	  { "--netns=sg-test-no-such-ns", "allow", "10.0.0.1" } },

	/* Valid commands: they reach the kernel, which has no smtpguard here. */
	{ KERNEL, NULL, { "allow" } },
	{ KERNEL, NULL, { "allow", "list" } },
	{ KERNEL, NULL, { "allow", "show" } },
	{ KERNEL, NULL, { "-j", "allow", "list" } },
	{ KERNEL, NULL, { "-p", "allow", "show" } },
	{ KERNEL, NULL, { "allow", "10.10.10.10" } },
	{ KERNEL, NULL, { "allow", "add", "10.10.10.0/24", "2001:db8::25", "2001:DB8::/32" } },
	{ KERNEL, NULL, { "allow", "0.0.0.0/0", "::/0" } },
	{ KERNEL, NULL, { "allow", "del", "10.10.10.10" } },
	{ KERNEL, NULL, { "allow", "delete", "2001:db8::25", "10.0.0.0/8" } },
	{ KERNEL, NULL, { "allow", "flush" } },
	{ KERNEL, NULL, { "ports" } },
	{ KERNEL, NULL, { "ports", "show" } },
	{ KERNEL, NULL, { "ports", "25", "587" } },
	{ KERNEL, NULL, { "ports", "set", "65535", "1" } },
	{ KERNEL, NULL, { "ports",	/* 33 arguments, 32 distinct */
		"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
		"13", "14", "15", "16", "17", "18", "19", "20", "21", "22",
		"23", "24", "25", "26", "27", "28", "29", "30", "31", "32",
		"25" } },
	{ KERNEL, NULL, { "mode" } },
	{ KERNEL, NULL, { "mode", "show" } },
	{ KERNEL, NULL, { "mode", "enforce" } },
	{ KERNEL, NULL, { "mode", "set", "monitor" } },
	{ KERNEL, NULL, { "mode", "off" } },
	{ KERNEL, NULL, { "-j", "mode" } },
	{ KERNEL, NULL, { "stats" } },
	{ KERNEL, NULL, { "stats", "show" } },
	{ KERNEL, NULL, { "-j", "-p", "stats" } },
	{ KERNEL, NULL, { "--json", "--pretty", "stats" } },
	{ KERNEL, NULL, { "stats", "reset" } },
	{ KERNEL, NULL, { "block" } },
	{ KERNEL, NULL, { "block", "list" } },
	{ KERNEL, NULL, { "block", "show", "feed", "spamhaus-drop" } },
	{ KERNEL, NULL, { "-j", "block", "list" } },
	{ KERNEL, NULL, { "block", "10.0.0.1" } },
	{ KERNEL, NULL, { "block", "add", "10.0.0.0/8", "2001:db8::/32", "feed", "spamhaus", "timeout", "1h" } },
	{ KERNEL, NULL, { "block", "feed", "manual", "timeout", "30d", "192.0.2.0/24" } },
	{ KERNEL, NULL, { "block", "10.0.0.1", "timeout", "2592000" } },
	{ KERNEL, NULL, { "block", "10.0.0.1", "timeout", "90s" } },
	{ KERNEL, NULL, { "block", "10.0.0.1", "timeout", "30m" } },
	{ KERNEL, NULL, { "block", "10.0.0.1", "feed", "a.b_c-9" } },
	{ KERNEL, NULL, { "block", "del", "10.0.0.1" } },
	{ KERNEL, NULL, { "block", "delete", "10.0.0.1", "feed", "manual" } },
	{ KERNEL, NULL, { "block", "flush" } },
	{ KERNEL, NULL, { "block", "flush", "feed", "drop" } },
	{ KERNEL, NULL, { "block", "feeds" } },
	{ KERNEL, NULL, { "block", "test", "10.0.0.1" } },
	{ KERNEL, NULL, { "block", "test", "2001:db8::1" } },
	{ KERNEL, NULL, { "block", "load", "@GOOD@" } },
	{ KERNEL, NULL, { "block", "load", "--replace", "--feed", "x", "@GOOD@" } },
	{ KERNEL, NULL, { "block", "load", "--", "@GOOD@" } },
	{ KERNEL, NULL, { "offenders" } },
	{ KERNEL, NULL, { "offenders", "list" } },
	{ KERNEL, NULL, { "offenders", "show", "reason", "smtp" } },
	{ KERNEL, NULL, { "offenders", "reason", "cnc" } },
	{ KERNEL, NULL, { "-j", "offenders" } },
	{ KERNEL, NULL, { "offenders", "flush" } },
	{ KERNEL, NULL, { "offenders", "flush", "reason", "cnc" } },
	{ KERNEL, NULL, { "monitor" } },
	{ KERNEL, NULL, { "monitor", "events" } },
	{ KERNEL, NULL, { "monitor", "config" } },
	{ KERNEL, NULL, { "monitor", "all", "count", "10" } },
	{ KERNEL, NULL, { "monitor", "count", "1", "events" } },
	{ KERNEL, NULL, { "-j", "monitor" } },
};

/* The same, standard input a file of this text. */
static const struct stdin_case stdin_cases[] = {
	{ { BATCH, "smtpguardctl: stdin:3: '-batch' in a batch: batches do not nest\n" BATCH_END("3"),
	  { "-batch", "-" } }, "# nothing to run\n\n-batch other\nstats\n" },
	{ { BATCH, "smtpguardctl: stdin:1: '-b' in a batch: batches do not nest\n" BATCH_END("1"),
	  { "-b", "-" } }, "-b -\n" },
	{ { BATCH, "smtpguardctl: stdin:2: option '-n' goes before -batch, where it applies to every line\n" BATCH_END("2"),
	  { "-batch", "-" } }, "  # a comment\n -n x stats\n" },
	{ { BATCH, "smtpguardctl: block: add -: standard input holds the commands of -batch -; name a FILE\n" BATCH_END("1"),
	  { "-batch", "-" } }, "block add - feed x\nstats\n" },
	{ { BATCH, "smtpguardctl: block: del -: standard input holds the commands of -batch -; name a FILE\n" BATCH_END("1"),
	  { "-batch", "-" } }, "block del -\n" },
	{ { BATCH, "smtpguardctl: restore: standard input holds the commands of -batch -; name a FILE\n" BATCH_END("1"),
	  { "-batch", "-" } }, "restore --dry-run\n" },
	{ { BATCH, "smtpguardctl: block: load: standard input holds the commands of -batch -; name a FILE\n" BATCH_END("1"),
	  { "-batch", "-" } }, "block load --dry-run --feed x -\n" },
	{ { BATCH, "smtpguardctl: block: '10.0.0.256' is not a valid IPv4 address\n" BATCH_END("2"),
	  { "-batch", "-" } }, "\n\tblock add 10.0.0.256 # comment\nstats\n" },
	{ { BATCH, "smtpguardctl: unknown object 'smtpguardctl'", { "-j", "-batch", "-" } }, "smtpguardctl stats\n" },
	{ { BATCH, "smtpguardctl: option '-j' must come before the object\n" BATCH_END("1"),
	  { "-batch", "-" } }, "stats -j\n" },
	{ { DRY, "stdin: 1 entry", { "-batch", "@DRYBATCH@" } }, "192.0.2.1\n" },
	{ { DRY, "good.txt: 2 entries", { "-batch", "@DRYBATCH@" } }, "192.0.2.1\n" },

	/* block add - and block del -: the addresses of standard input. */
	{ { USAGE, "smtpguardctl: stdin:3: 'foo' is not an IPv4 or IPv6 address (names are not resolved)\n",
	  { "block", "add", "-" } }, "192.0.2.1 192.0.2.2\n# a comment with words\n\t198.51.100.0/24 foo 192.0.2.9\n" },
	{ { USAGE, "smtpguardctl: stdin:2: '10.0.0.256' is not a valid IPv4 address\n",
	  { "block", "del", "-", "feed", "x" } }, "192.0.2.1\n10.0.0.256\n" },
	{ { USAGE, "smtpguardctl: stdin:1: 10.10.10.5/24 has host bits set; did you mean 10.10.10.0/24?\n",
	  { "block", "-", "timeout", "1h" } }, "10.10.10.5/24\n" },
	{ { USAGE, "smtpguardctl: stdin: no addresses", { "block", "add", "-" } }, "# none\n\n" },
	{ { USAGE, "smtpguardctl: stdin: no addresses", { "block", "add", "-" } }, "" },
	{ { USAGE, "block: add: '10.0.0.1' and '-': with '-' the addresses come from standard input only",
	  { "block", "add", "10.0.0.1", "-" } }, "192.0.2.1\n" },
	{ { USAGE, "block: add: '-' given twice", { "block", "add", "-", "feed", "x", "-" } }, "192.0.2.1\n" },
	{ { USAGE, "block: add: timeout '0' is out of range", { "block", "add", "-", "timeout", "0" } }, "192.0.2.1\n" },
	{ { USAGE, "block: del: timeout is only for add", { "block", "del", "-", "timeout", "1h" } }, "192.0.2.1\n" },
	{ { USAGE, "block: add: '-' is not a feed name", { "block", "add", "10.0.0.1", "feed", "-" } }, "192.0.2.1\n" },
	{ { USAGE, "block: add: feed: missing NAME", { "block", "add", "-", "feed" } }, "192.0.2.1\n" },
};

/* Every command and option the usage text must name. */
static const char *const help_words[] = {
	"allow [add] ADDR[/LEN]...", "allow del ADDR[/LEN]...",
	"allow [list|show]", "allow flush", "ports [show]",
	"ports [set] PORT...", "mode [show]", "mode [set] enforce|monitor|off",
	"stats [show]", "stats reset", "help", "-j, --json", "-p, --pretty",
	"-n, --netns NETNS", "-V, --version", "-h, --help",
	"0  success", "1  a negative answer", "2  bad command line", "3  the kernel",
	"4  smtpguard is not available",
	"block [add] ADDR[/LEN]... [feed NAME] [timeout SECONDS]",
	"block del ADDR[/LEN]... [feed NAME]", "block [list|show] [feed NAME]",
	"block add - [feed NAME] [timeout SECONDS]", "block del - [feed NAME]",
	"-b, -batch, --batch FILE",
	"block flush [feed NAME]", "block feeds", "block test ADDR",
	"block load [--replace] [--feed NAME] [--skip-bad] [--dry-run]",
	"[--allow-wide] FILE|-",
	"offenders [list|show] [reason smtp|cnc]", "offenders flush [reason smtp|cnc]",
	"monitor [events|config|all] [count N]", "CAP_NET_ADMIN",
	"offenders_evicted", "events_sent", "events_dropped",
};

/* Feed files made at run time stand in for "@BAD@", "@GOOD@", "@EMPTY@". */
static char tmpdir[64];
static const struct {
	const char *token, *name, *text;
} files[] = {
	{ "@BAD@", "bad.txt", "192.0.2.0/24\n10.0.0.1\n10.0.0.256\n" },
	{ "@GOOD@", "good.txt", "; two\n192.0.2.0/24\n2001:db8::/32\n" },
	{ "@EMPTY@", "empty.txt", "# nothing\n" },
	/* @GOOD@ in it: good.txt's path */
	{ "@DRYBATCH@", "dry.batch", "# offline lines only\nblock load --dry-run --feed x -\n\nblock load --dry-run @GOOD@\n" },
};

static const char *subst(const char *arg, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++)
		if (!strcmp(arg, files[i].token)) {
			snprintf(buf, len, "%s/%s", tmpdir, files[i].name);
			return buf;
		}
	return arg;
}

struct exec_args {
	const char *prog;
	const char *const *args;
	const char *in;
};

static int exec_tool(void *arg)
{
	const struct exec_args *e = arg;
	const char *argv[MAX_ARGS + 2];
	size_t i;

	static char paths[MAX_ARGS][128];

	argv[0] = e->prog;
	for (i = 0; i < MAX_ARGS && e->args[i]; i++)
		argv[i + 1] = subst(e->args[i], paths[i], sizeof(paths[i]));
	argv[i + 1] = NULL;
	if (e->in) {
		char path[128];
		int fd;

		snprintf(path, sizeof(path), "%s/stdin.txt", tmpdir);
		fd = open(path, O_RDONLY);
		if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
			return 126;
		close(fd);
	}
	execv(e->prog, (char *const *)argv);
	return 127;
}

static int run(const char *prog, const char *const *args, const char *in,
	       struct result *r)
{
	struct exec_args e = { prog, args, in };
	char path[128];
	FILE *f;

	if (in) {
		snprintf(path, sizeof(path), "%s/stdin.txt", tmpdir);
		f = fopen(path, "w");
		if (!f || fputs(in, f) < 0 || fclose(f))
			return -1;
	}

	return run_captured(r, exec_tool, &e, NULL);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void describe(const char *const *args, char *buf, size_t len)
{
	size_t o = 0, i;

	buf[0] = '\0';
	for (i = 0; args[i] && o + 4 < len; i++) {
		const char *a = args[i];

		o += (size_t)snprintf(buf + o, len - o, "%s'", i ? " " : "");
		for (; *a && o + 6 < len; a++) {
			if ((unsigned char)*a < 0x20)
				o += (size_t)snprintf(buf + o, len - o, "\\x%02x", *a);
			else
				buf[o++] = *a;
		}
		o += (size_t)snprintf(buf + o, len - o, "'");
	}
	if (!i)
		snprintf(buf, len, "(no arguments)");
}

static bool has_all_help_words(const char *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(help_words); i++)
		if (!strstr(out, help_words[i])) {
			ktap_diag("usage lacks '%s'", help_words[i]);
			return false;
		}
	return true;
}

/*
 * "OBJECT help": the usage's lines of that object, and no other's.  A help
 * word is about obj when its first word, split at '|', is obj.
 */
static bool has_object_help(const char *out, const char *obj)
{
	char head[128], word[64];
	size_t i, n;
	bool ok = true;

	snprintf(head, sizeof(head), "Usage: smtpguardctl [OPTIONS] %s [COMMAND] [ARGS]\n",
		 obj);
	if (strncmp(out, head, strlen(head))) {
		ktap_diag("object help does not start with '%s'", head);
		return false;
	}
	for (i = 0; i < ARRAY_SIZE(help_words); i++) {
		bool mine = false;
		const char *p = help_words[i];

		n = strcspn(p, " ");
		snprintf(word, sizeof(word), "|%.*s|", (int)n, p);
		snprintf(head, sizeof(head), "|%s|", obj);
		mine = strstr(word, head) != NULL;
		/* only the words of a command line: OBJECT ... */
		if (!strstr("|allow|except|inside|outside|block|ports|mode|stats|offenders|monitor|save|restore|feeds|",
			    word) && !strstr(word, "|inside|outside|"))
			continue;
		if (mine != (strstr(out, p) != NULL)) {
			ktap_diag("%s help %s '%s'", obj, mine ? "lacks" : "has", p);
			ok = false;
		}
	}
	return ok;
}

static bool check(const struct tcase *t, const struct result *r)
{
	const char *obj;
	size_t k;

	switch (t->code) {
	case HELP:
		return r->status == 0 && !r->err[0] && has_all_help_words(r->out);
	case OBJHELP:
		for (k = 0, obj = NULL; !obj && t->argv[k]; k++)
			if (t->argv[k][0] != '-')
				obj = t->argv[k];
		return r->status == 0 && !r->err[0] && obj &&
		       has_object_help(r->out, obj);
	case KERNEL:
		return r->status == 4 && !r->out[0] &&
		       !strncmp(r->err, NOT_LOADED, strlen(NOT_LOADED)) &&
		       strchr(r->err, '\n') == r->err + strlen(r->err) - 1;
	case DRY:
		return r->status == 0 && !r->err[0] && strstr(r->out, t->err);
	case BATCH:
		/* The line's one line, then the batch's: exactly err. */
		return r->status == 2 && !r->out[0] &&
		       (strchr(t->err, '\n') ? !strcmp(r->err, t->err) :
			(count_lines(r->err) == 2 && !strncmp(r->err, t->err, strlen(t->err)) &&
			 strstr(r->err, "smtpguardctl: stdin:1: failed (exit 2); the lines after it were not run\n")));
	case USAGE:
	case UNAVAILABLE:
		/* One line naming what was wrong, nothing on stdout. */
		return r->status == t->code && !r->out[0] &&
		       count_lines(r->err) == 1 &&
		       !strncmp(r->err, "smtpguardctl: ", 14) &&
		       (!t->err || strstr(r->err, t->err));
	default:
		return r->status == t->code;
	}
}

int main(int argc, char **argv)
{
	static struct result r;
	const char *prog = argc > 1 ? argv[1] : "./smtpguardctl";
	const char *version = argc > 2 ? argv[2] : "0.1.0";
	static const char *const stats[] = { "stats", NULL };
	char desc[512], want[64];
	bool loaded;
	size_t i;

	ktap_header();

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sg-test-cmdline.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char path[128];
		FILE *f;

		char text[256], *at;

		snprintf(text, sizeof(text), "%s", files[i].text);
		at = strstr(text, "@GOOD@");
		if (at)
			snprintf(at, sizeof(text) - (size_t)(at - text), "%s/good.txt%s",
				 tmpdir, strstr(files[i].text, "@GOOD@") + 6);
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i].name);
		f = fopen(path, "w");
		if (!f || fputs(text, f) < 0 || fclose(f)) {
			printf("Bail out! cannot write %s\n", path);
			return 1;
		}
	}

	/* With smtpguard loaded the KERNEL cases would really run: skip them. */
	if (run(prog, stats, NULL, &r) < 0) {
		printf("Bail out! cannot run %s: %s\n", prog, strerror(errno));
		return 1;
	}
	loaded = r.status != 4;

	for (i = 0; i < ARRAY_SIZE(cases) + ARRAY_SIZE(stdin_cases); i++) {
		const bool with_in = i >= ARRAY_SIZE(cases);
		const struct tcase *t = with_in ? &stdin_cases[i - ARRAY_SIZE(cases)].t :
					&cases[i];
		const char *in = with_in ? stdin_cases[i - ARRAY_SIZE(cases)].in : NULL;

		describe(t->argv, desc, sizeof(desc));
		if (t->code == KERNEL && loaded) {
			printf("ok %d %s # SKIP smtpguard is loaded here\n",
			       ++ktap_count, desc);
			continue;
		}
		if (run(prog, t->argv, in, &r) < 0) {
			ktap_ok(false, "%s: cannot run: %s", desc, strerror(errno));
			continue;
		}
		if (!ktap_ok(check(t, &r), "%s%s exits %d", desc,
			     in ? " <stdin" : "",
			     t->code == HELP || t->code == DRY || t->code == OBJHELP ? 0 :
			     t->code == BATCH ? 2 :
			     t->code == KERNEL ? 4 : t->code))
			ktap_diag("exit %d, stdout %zu bytes, stderr: %s",
				  r.status, strlen(r.out), r.err);
	}

	/* --version and -V: the version of dkms.conf, nothing else. */
	snprintf(want, sizeof(want), "smtpguardctl %s\n", version);
	{
		static const char *const v1[] = { "--version", NULL };
		static const char *const v2[] = { "-V", NULL };
		static const char *const v3[] = { "-j", "-V", "stats", NULL };
		const char *const *vs[] = { v1, v2, v3 };

		for (i = 0; i < ARRAY_SIZE(vs); i++) {
			describe(vs[i], desc, sizeof(desc));
			if (run(prog, vs[i], NULL, &r) < 0) {
				ktap_ok(false, "%s: cannot run", desc);
				continue;
			}
			ktap_ok(r.status == 0 && !strcmp(r.out, want) && !r.err[0],
				"%s prints \"smtpguardctl %s\"", desc, version);
		}
	}
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char path[128];

		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i].name);
		unlink(path);
	}
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/stdin.txt", tmpdir);
		unlink(path);
	}
	rmdir(tmpdir);
	return ktap_finish();
}
