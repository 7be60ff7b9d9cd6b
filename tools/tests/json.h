/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict JSON (RFC 8259) validator for the tests: is a text exactly one
 * JSON value, surrounded by whitespace at most?  Independent of print.c,
 * which writes the JSON it checks.
 */
#ifndef SG_TEST_JSON_H
#define SG_TEST_JSON_H

#include <stdbool.h>
#include <string.h>

struct json_in {
	const char *s;
	int depth;
};

static bool json_value(struct json_in *in);

static void json_ws(struct json_in *in)
{
	while (*in->s == ' ' || *in->s == '\t' || *in->s == '\n' ||
	       *in->s == '\r')
		in->s++;
}

static bool json_lit(struct json_in *in, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(in->s, word, n))
		return false;
	in->s += n;
	return true;
}

static bool json_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static bool json_string(struct json_in *in)
{
	if (*in->s++ != '"')
		return false;
	for (;;) {
		unsigned char c = (unsigned char)*in->s++;

		if (c == '"')
			return true;
		if (c < 0x20)		/* control characters, and the end */
			return false;
		if (c != '\\')
			continue;
		c = (unsigned char)*in->s++;
		if (c == 'u') {
			for (int i = 0; i < 4; i++)
				if (!json_is_hex(*in->s++))
					return false;
		} else if (!strchr("\"\\/bfnrt", c) || !c) {
			return false;
		}
	}
}

static bool json_digits(struct json_in *in)
{
	const char *start = in->s;

	while (*in->s >= '0' && *in->s <= '9')
		in->s++;
	return in->s > start;
}

static bool json_number(struct json_in *in)
{
	if (*in->s == '-')
		in->s++;
	if (*in->s == '0')
		in->s++;
	else if (!json_digits(in))
		return false;
	if (*in->s == '.') {
		in->s++;
		if (!json_digits(in))
			return false;
	}
	if (*in->s == 'e' || *in->s == 'E') {
		in->s++;
		if (*in->s == '+' || *in->s == '-')
			in->s++;
		if (!json_digits(in))
			return false;
	}
	return true;
}

/* '{' members '}' or '[' elements ']'. */
static bool json_container(struct json_in *in, char close, bool members)
{
	bool ok = false;

	if (++in->depth > 64)
		return false;
	in->s++;
	json_ws(in);
	if (*in->s == close) {
		in->s++;
		ok = true;
		goto out;
	}
	for (;;) {
		json_ws(in);
		if (members) {
			if (!json_string(in))
				goto out;
			json_ws(in);
			if (*in->s++ != ':')
				goto out;
		}
		if (!json_value(in))
			goto out;
		json_ws(in);
		if (*in->s == ',') {
			in->s++;
			continue;
		}
		if (*in->s++ != close)
			goto out;
		ok = true;
		goto out;
	}
out:
	in->depth--;
	return ok;
}

static bool json_value(struct json_in *in)
{
	json_ws(in);
	switch (*in->s) {
	case '{':
		return json_container(in, '}', true);
	case '[':
		return json_container(in, ']', false);
	case '"':
		return json_string(in);
	case 't':
		return json_lit(in, "true");
	case 'f':
		return json_lit(in, "false");
	case 'n':
		return json_lit(in, "null");
	default:
		return json_number(in);
	}
}

/* Exactly one JSON value in text. */
static inline bool json_valid(const char *text)
{
	struct json_in in = { text, 0 };

	if (!json_value(&in))
		return false;
	json_ws(&in);
	return *in.s == '\0';
}

/* JSON Lines: every line one JSON value, at least one line. */
static inline bool json_lines_valid(const char *text)
{
	char line[8192];
	const char *p = text;
	size_t n = 0;

	while (*p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len >= sizeof(line))
			return false;
		memcpy(line, p, len);
		line[len] = '\0';
		if (!json_valid(line))
			return false;
		n++;
		p += len + (end ? 1 : 0);
	}
	return n > 0;
}

#endif /* SG_TEST_JSON_H */
