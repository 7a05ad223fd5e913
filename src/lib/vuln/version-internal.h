/* Shared by the version orderings (version-os.c, version-lang.c); not part of the API. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* A piece of a version string (not NUL-terminated). */
struct span {
	const char *p;
	size_t n;
};

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ASCII only, like the package managers' own checks: other bytes never count as letters. */
static inline bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

static inline int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* Numeric order of two runs of decimal digits of any length (empty counts as zero): leading
 * zeros dropped, then the longer is larger, then byte order. Nothing can overflow. */
static inline int digits_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	while (an > 0 && *a == '0')
		a++, an--;
	while (bn > 0 && *b == '0')
		b++, bn--;
	if (an != bn)
		return an < bn ? -1 : 1;
	return an ? sign(memcmp(a, b, an)) : 0;
}
