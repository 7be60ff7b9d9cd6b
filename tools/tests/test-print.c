// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of print.c: one set of calls, plain and JSON (compact and
 * pretty) output, string escaping, well-formed output after an early stop.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "print.h"

static char *buf;
static size_t len;
static FILE *fp;

static void start(bool json, bool pretty)
{
	fp = open_memstream(&buf, &len);
	print_init(fp, json, pretty);
}

static bool finish_is(const char *want, const char *what)
{
	bool ok;

	print_finish();
	fclose(fp);
	ok = ktap_ok(!strcmp(buf, want), "%s", what);
	if (!ok)
		ktap_diag("got [%s], want [%s]", buf, want);
	free(buf);
	buf = NULL;
	return ok;
}

/* The same calls for every output flavour, as the commands make them. */
static void sample(void)
{
	static const unsigned int ports[] = { 25, 587 };
	unsigned int i;

	open_json_object(NULL);
	print_string(PRINT_ANY, "mode", "mode %s\n", "enforce");
	print_bool(PRINT_ANY, "mode_explicit", "mode_explicit %d\n", true);
	print_string(PRINT_FP, NULL, "%s", "smtp_ports ");
	open_json_array("smtp_ports");
	for (i = 0; i < 2; i++)
		print_uint(PRINT_ANY, NULL, i ? ",%u" : "%u", ports[i]);
	close_json_array();
	print_string(PRINT_FP, NULL, "%s", "\n");
	print_u64(PRINT_ANY, "smtp_dropped", "smtp_dropped %" PRIu64 "\n",
		  UINT64_C(18446744073709551615));
	open_json_array("empty");
	close_json_array();
	close_json_object();
}

int main(void)
{
	ktap_header();

	start(false, false);
	sample();
	finish_is("mode enforce\nmode_explicit 1\nsmtp_ports 25,587\n"
		  "smtp_dropped 18446744073709551615\n",
		  "plain output: the format strings, no keys");

	start(true, false);
	sample();
	finish_is("{\"mode\":\"enforce\",\"mode_explicit\":true,"
		  "\"smtp_ports\":[25,587],"
		  "\"smtp_dropped\":18446744073709551615,\"empty\":[]}\n",
		  "compact JSON: one document, one line");

	start(false, true);
	sample();
	finish_is("{\n"
		  "    \"mode\": \"enforce\",\n"
		  "    \"mode_explicit\": true,\n"
		  "    \"smtp_ports\": [\n"
		  "        25,\n"
		  "        587\n"
		  "    ],\n"
		  "    \"smtp_dropped\": 18446744073709551615,\n"
		  "    \"empty\": []\n"
		  "}\n",
		  "pretty JSON implies JSON, indents by 4");

	start(true, false);
	open_json_array(NULL);
	open_json_object(NULL);
	print_string(PRINT_JSON, "s", NULL, "a\"b\\c\n\t\x01/\xc3\xa9");
	close_json_object();
	close_json_array();
	finish_is("[{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001/\xc3\xa9\"}]\n",
		  "strings are escaped; UTF-8 passes through");

	/* A file name in Latin-1 and every kind of broken UTF-8. */
	start(true, false);
	open_json_object(NULL);
	print_string(PRINT_JSON, "latin1", NULL, "/tmp/f\xfc" "eds.txt");
	print_string(PRINT_JSON, "ff", NULL, "\xff\xfe");
	print_string(PRINT_JSON, "cut", NULL, "a\xe2\x82");
	print_string(PRINT_JSON, "overlong", NULL, "\xc0\xaf\xe0\x80\xaf");
	print_string(PRINT_JSON, "surrogate", NULL, "\xed\xa0\x80");
	print_string(PRINT_JSON, "too_high", NULL, "\xf4\x90\x80\x80");
	print_string(PRINT_JSON, "good", NULL, "\xe2\x82\xac\xf0\x9f\x98\x80\x7f");
	close_json_object();
	finish_is("{\"latin1\":\"/tmp/f\\ufffdeds.txt\",\"ff\":\"\\ufffd\\ufffd\","
		  "\"cut\":\"a\\ufffd\\ufffd\",\"overlong\":\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\","
		  "\"surrogate\":\"\\ufffd\\ufffd\\ufffd\",\"too_high\":\"\\ufffd\\ufffd\\ufffd\\ufffd\","
		  "\"good\":\"\xe2\x82\xac\xf0\x9f\x98\x80\\u007f\"}\n",
		  "bytes that are not UTF-8 become U+FFFD: the document stays valid JSON");

	start(true, false);
	open_json_array(NULL);
	open_json_object(NULL);
	print_uint(PRINT_ANY, "prefixlen", "%u\n", 24);
	finish_is("[{\"prefixlen\":24}]\n",
		  "print_finish closes what an early error left open");

	start(true, false);
	print_string(PRINT_FP, NULL, "%s\n", "plain only");
	finish_is("", "PRINT_FP prints nothing in JSON mode, not even a newline");

	start(false, false);
	print_uint(PRINT_JSON, "n", "%u\n", 1);
	open_json_object("x");
	close_json_object();
	finish_is("", "PRINT_JSON and JSON containers print nothing in plain mode");

	return ktap_finish();
}
