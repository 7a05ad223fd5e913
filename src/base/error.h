/*
 * Error reporting without allocation. Fallible functions return a negative errno; where a code
 * is not enough they also fill a caller-owned `struct cn_error` (which may be NULL). Callers add
 * context on the way up with cn_error_prefix(), so the CLI prints one line such as
 * "pull redis:7: blob sha256:ab..: digest mismatch (want .., got ..)".
 */
#pragma once

#include <stdarg.h>

#define CN_ERROR_MAX 1024

struct cn_error {
	int code;		/* negative errno, 0 when unset */
	char msg[CN_ERROR_MAX]; /* "" when unset */
};

#define CN_ERROR_INIT                                                                              \
	{                                                                                          \
		0, ""                                                                              \
	}

/* Sets `err` (if non-NULL) to `code` and the formatted message; returns `code`. */
int cn_error_set(struct cn_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like cn_error_set() with ": strerror(-code)" appended. */
int cn_error_errno(struct cn_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Prepends "CONTEXT: " to the message already in `err`; if `err` holds no message yet, the
 * message becomes "CONTEXT: strerror(-code)". Returns `code`.
 */
int cn_error_prefix(struct cn_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cn_error_clear(struct cn_error *err);
/* The message, or strerror(-code) when none was set. Never NULL. */
const char *cn_error_message(const struct cn_error *err, int code);
