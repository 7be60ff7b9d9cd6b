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

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 if there is none.
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned int cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* the NUL ends it too */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/*
 * A JSON string (RFC 8259): control characters escaped, and a byte that
 * is not part of well-formed UTF-8 (a file name in Latin-1, say) becomes
 * U+FFFD, so that every reader takes the document.
 */
static void json_escaped(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', pr.fp);
	while (*s) {
		unsigned char c = *s;

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
			if (c < 0x20 || c == 0x7f) {
				fprintf(pr.fp, "\\u%04x", c);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", pr.fp);
				break;
			}
			fwrite(s, 1, n, pr.fp);
			s += n;
			continue;
		}
		s++;
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
