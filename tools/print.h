/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One printing path for plain and JSON output, after iproute2's
 * json_print: every value is printed once, with a JSON key and a plain
 * format, so the two outputs cannot drift apart.  In JSON mode the format
 * is ignored; in plain mode the key is.
 */
#ifndef SG_PRINT_H
#define SG_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum output_type {
	PRINT_FP	= 1,	/* plain text only */
	PRINT_JSON	= 2,	/* JSON only */
	PRINT_ANY	= 3,	/* both */
};

void print_init(FILE *fp, bool json, bool pretty);
bool is_json(void);
bool is_pretty(void);

/* key is NULL inside an array and for the top-level value. */
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value);
void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int value);
void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t value);
/* JSON null; plain text prints value (such as "-") with fmt. */
void print_null(enum output_type t, const char *key, const char *fmt,
		const char *value);
/* Plain text receives the value as an int, 0 or 1 (the /proc style). */
void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value);

/*
 * Closes whatever is still open (a JSON document stays well formed even
 * after an error), ends it with a newline and flushes.  Returns 0, or -1
 * with errno set when the output could not be written.
 */
int print_finish(void);

#endif /* SG_PRINT_H */
