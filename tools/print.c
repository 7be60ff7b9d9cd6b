// SPDX-License-Identifier: GPL-2.0
/*
 * Plain and JSON output through the same calls; a small streaming JSON
 * writer (RFC 8259), compact or pretty (4-space indent, like iproute2).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "print.h"

#define JSON_MAX_DEPTH 16

static struct {
	FILE *fp;
	bool json;
	bool pretty;
	bool wrote;			/* a top-level value was started */
	int depth;
	bool empty[JSON_MAX_DEPTH];	/* nothing written yet at this level */
	char close[JSON_MAX_DEPTH];	/* '}' or ']' */
} pr = { .fp = NULL };

void print_init(FILE *fp, bool json, bool pretty)
{
	memset(&pr, 0, sizeof(pr));
	pr.fp = fp;
	pr.json = json || pretty;
	pr.pretty = pretty;
}

bool is_json(void)
{
	return pr.json;
}

bool is_pretty(void)
{
	return pr.pretty;
}

static bool want(enum output_type t)
{
	return pr.json ? (t & PRINT_JSON) : (t & PRINT_FP);
}

static void json_indent(void)
{
	int i;

	if (!pr.pretty)
		return;
	fputc('\n', pr.fp);
	for (i = 0; i < pr.depth; i++)
		fputs("    ", pr.fp);
}

static void json_escaped(const char *s)
{
	fputc('"', pr.fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':
			fputs("\\\"", pr.fp);
			break;
		case '\\':
			fputs("\\\\", pr.fp);
			break;
		case '\n':
			fputs("\\n", pr.fp);
			break;
		case '\t':
			fputs("\\t", pr.fp);
			break;
		default:
			if (c < 0x20)
				fprintf(pr.fp, "\\u%04x", c);
			else
				fputc(c, pr.fp);
		}
	}
	fputc('"', pr.fp);
}

/* The comma, the indentation and the key that precede a value. */
static void json_begin_value(const char *key)
{
	if (pr.depth == 0) {
		pr.wrote = true;
		return;
	}
	if (!pr.empty[pr.depth - 1])
		fputc(',', pr.fp);
	pr.empty[pr.depth - 1] = false;
	json_indent();
	if (pr.close[pr.depth - 1] == '}') {
		json_escaped(key ? key : "");
		fputs(pr.pretty ? ": " : ":", pr.fp);
	}
}

static void json_open(const char *key, char open, char close)
{
	json_begin_value(key);
	fputc(open, pr.fp);
	if (pr.depth < JSON_MAX_DEPTH) {
		pr.empty[pr.depth] = true;
		pr.close[pr.depth] = close;
	}
	pr.depth++;
}

static void json_close(void)
{
	if (pr.depth == 0)
		return;
	pr.depth--;
	if (pr.depth < JSON_MAX_DEPTH) {
		if (!pr.empty[pr.depth])
			json_indent();
		fputc(pr.close[pr.depth], pr.fp);
	}
}

void open_json_object(const char *key)
{
	if (pr.json)
		json_open(key, '{', '}');
}

void close_json_object(void)
{
	if (pr.json)
		json_close();
}

void open_json_array(const char *key)
{
	if (pr.json)
		json_open(key, '[', ']');
}

void close_json_array(void)
{
	if (pr.json)
		json_close();
}

/* The format strings are the callers' literals; checked at their calls. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value)
{
	if (!want(t))
		return;
	if (pr.json) {
		json_begin_value(key);
		json_escaped(value);
	} else if (fmt) {
		fprintf(pr.fp, fmt, value);
	}
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int value)
{
	if (!want(t))
		return;
	if (pr.json) {
		json_begin_value(key);
		fprintf(pr.fp, "%u", value);
	} else if (fmt) {
		fprintf(pr.fp, fmt, value);
	}
}

void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t value)
{
	if (!want(t))
		return;
	if (pr.json) {
		json_begin_value(key);
		fprintf(pr.fp, "%" PRIu64, value);
	} else if (fmt) {
		fprintf(pr.fp, fmt, value);
	}
}

void print_null(enum output_type t, const char *key, const char *fmt,
		const char *value)
{
	if (!want(t))
		return;
	if (pr.json) {
		json_begin_value(key);
		fputs("null", pr.fp);
	} else if (fmt) {
		fprintf(pr.fp, fmt, value);
	}
}

void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value)
{
	if (!want(t))
		return;
	if (pr.json) {
		json_begin_value(key);
		fputs(value ? "true" : "false", pr.fp);
	} else if (fmt) {
		fprintf(pr.fp, fmt, value ? 1 : 0);
	}
}

#pragma GCC diagnostic pop

int print_finish(void)
{
	if (!pr.fp)
		return 0;
	if (pr.json) {
		while (pr.depth)
			json_close();
		if (pr.wrote)
			fputc('\n', pr.fp);
		pr.wrote = false;
	}
	if (fflush(pr.fp) || ferror(pr.fp)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}
