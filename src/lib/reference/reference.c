/*
 * Image references: a hand-written scanner for distribution's reference grammar plus Docker's
 * normalization (ParseNormalizedNamed + TagNameOnly) and familiar form (FamiliarString).
 *
 * Parsing works on spans into the caller's string: split into domain / path / tag / digest the
 * way splitDockerDomain does, validate each part against its grammar, and allocate only once
 * everything is known to be valid.
 */
#include "lib/reference/reference.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"

#define DEFAULT_DOMAIN	      "docker.io"
#define LEGACY_DEFAULT_DOMAIN "index.docker.io"
#define OFFICIAL_PREFIX	      "library/"
#define DEFAULT_TAG	      "latest"
#define NAME_MAX_LEN	      255
#define TAG_MAX_LEN	      128
#define DIGEST_MIN_HEX	      32
#define IDENTIFIER_LEN	      64
/* Longest piece of input echoed into an error message; keeps messages inside CN_ERROR_MAX. */
#define QUOTE_MAX 160

/* A piece of the input string: `n` bytes at `p`, never NUL-terminated by itself. */
struct span {
	const char *p;
	size_t n;
};

#define SPAN_LIT(s) ((struct span){ (s), sizeof(s) - 1 })
#define SPAN_FMT    "%.*s%s"
#define SPAN_ARG(s) quote_len((s).n), (s).p, (s).n > QUOTE_MAX ? "..." : ""

/* The parts of a reference as written, before normalization allocates anything. */
struct parts {
	struct span domain; /* DEFAULT_DOMAIN when the input names none */
	struct span path;   /* as written, without the OFFICIAL_PREFIX that `official` adds */
	struct span tag;
	struct span digest;
	bool official; /* a docker.io name of one component: gets "library/" */
	bool has_tag;
	bool has_digest;
};

enum digest_status {
	DIGEST_OK,
	DIGEST_INVALID,
	DIGEST_UNSUPPORTED,
};

/* Algorithms Docker links in (go-digest's Available()), with their exact hex lengths. */
static const struct {
	struct span name;
	size_t hex_len;
} known_algorithms[] = {
	{ SPAN_LIT("sha256"), 64 },
	{ SPAN_LIT("sha384"), 96 },
	{ SPAN_LIT("sha512"), 128 },
};

/* Character classes, ASCII only and locale-independent (ctype.h is neither). */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_alpha(char c)
{
	return is_lower(c) || is_upper(c);
}

static bool is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

static bool is_lower_alnum(char c)
{
	return is_digit(c) || is_lower(c);
}

static bool is_xdigit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_lower_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

static bool is_word(char c)
{
	return is_alnum(c) || c == '_';
}

static int quote_len(size_t n)
{
	return (int)MIN(n, (size_t)QUOTE_MAX);
}

static struct span span_of(const char *s)
{
	return (struct span){ s, strlen(s) };
}

static bool span_eq(struct span a, struct span b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

static bool span_has(struct span s, char c)
{
	return memchr(s.p, c, s.n) != NULL;
}

static bool span_all(struct span s, bool (*pred)(char))
{
	for (size_t i = 0; i < s.n; i++)
		if (!pred(s.p[i]))
			return false;
	return true;
}

static bool span_has_upper(struct span s)
{
	for (size_t i = 0; i < s.n; i++)
		if (is_upper(s.p[i]))
			return true;
	return false;
}

/*
 * Checks every `sep`-delimited piece of `s` with `valid`; on failure stores the first bad piece
 * in *ret_bad (when non-NULL). An empty piece is passed to `valid` like any other.
 */
static bool pieces_valid(struct span s, char sep, bool (*valid)(struct span), struct span *ret_bad)
{
	const char *end = s.p + s.n;
	for (const char *p = s.p;;) {
		const char *q = memchr(p, sep, (size_t)(end - p));
		struct span piece = { p, (size_t)((q ? q : end) - p) };
		if (!valid(piece)) {
			if (ret_bad)
				*ret_bad = piece;
			return false;
		}
		if (!q)
			return true;
		p = q + 1;
	}
}

/* Length of the [a-z0-9]+ run starting at `p`. */
static size_t alnum_run(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && is_lower_alnum(p[i]))
		i++;
	return i;
}

/*
 * Length of the separator starting at `p`: "." | "_" | "__" | "-"+, or 0. Taking the longest is
 * exact: a separator must be followed by [a-z0-9], which no shorter choice would reach.
 */
static size_t separator_len(const char *p, size_t n)
{
	size_t i = 0;
	if (n == 0)
		return 0;
	if (p[0] == '.')
		return 1;
	if (p[0] == '_')
		return n > 1 && p[1] == '_' ? 2 : 1;
	while (i < n && p[i] == '-')
		i++;
	return i;
}

/* [a-z0-9]+ ( separator [a-z0-9]+ )* */
static bool path_component_valid(struct span c)
{
	size_t i = alnum_run(c.p, c.n);
	if (i == 0)
		return false;
	while (i < c.n) {
		size_t sep = separator_len(c.p + i, c.n - i);
		size_t run = sep ? alnum_run(c.p + i + sep, c.n - i - sep) : 0;
		if (run == 0)
			return false;
		i += sep + run;
	}
	return true;
}

/* [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain_component_valid(struct span c)
{
	if (c.n == 0 || !is_alnum(c.p[0]) || !is_alnum(c.p[c.n - 1]))
		return false;
	for (size_t i = 1; i + 1 < c.n; i++)
		if (!is_alnum(c.p[i]) && c.p[i] != '-')
			return false;
	return true;
}

static bool is_ipv6_char(char c)
{
	return is_xdigit(c) || c == ':';
}

/* \[ [a-fA-F0-9:]+ \]  (no zone identifiers, like distribution) */
static bool ipv6_valid(struct span h)
{
	if (h.n < 3 || h.p[0] != '[' || h.p[h.n - 1] != ']')
		return false;
	return span_all((struct span){ h.p + 1, h.n - 2 }, is_ipv6_char);
}

/* Length of the host part of a domain: a bracketed IPv6 address or a name up to ':'. */
static size_t host_len(struct span d)
{
	const char *end;
	if (d.n > 0 && d.p[0] == '[') {
		end = memchr(d.p, ']', d.n);
		return end ? (size_t)(end - d.p) + 1 : d.n;
	}
	end = memchr(d.p, ':', d.n);
	return end ? (size_t)(end - d.p) : d.n;
}

/* host ( ":" [0-9]+ )?  where host is a domain name or a bracketed IPv6 address. */
static bool domain_valid(struct span d)
{
	struct span host = { d.p, host_len(d) };
	struct span port = { d.p + host.n, d.n - host.n };
	bool host_ok = host.n > 0 && host.p[0] == '['
			       ? ipv6_valid(host)
			       : pieces_valid(host, '.', domain_component_valid, NULL);
	if (!host_ok)
		return false;
	if (port.n == 0)
		return true;
	return port.n > 1 && port.p[0] == ':' &&
	       span_all((struct span){ port.p + 1, port.n - 1 }, is_digit);
}

/* [\w][\w.-]{0,127} */
static bool tag_span_valid(struct span t)
{
	if (t.n == 0 || t.n > TAG_MAX_LEN || !is_word(t.p[0]))
		return false;
	for (size_t i = 1; i < t.n; i++)
		if (!is_word(t.p[i]) && t.p[i] != '.' && t.p[i] != '-')
			return false;
	return true;
}

/* [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )* */
static bool algorithm_valid(struct span a)
{
	size_t i = 0;
	for (;;) {
		if (i >= a.n || !is_alpha(a.p[i]))
			return false;
		while (i < a.n && is_alnum(a.p[i]))
			i++;
		if (i == a.n)
			return true;
		if (a.p[i] != '-' && a.p[i] != '_' && a.p[i] != '+' && a.p[i] != '.')
			return false;
		i++;
	}
}

/*
 * The reference grammar (algorithm ":" [[:xdigit:]]{32,}) followed by go-digest's check as
 * Docker runs it: a known algorithm with lowercase hex of its exact length.
 */
static enum digest_status digest_check(struct span d)
{
	const char *colon = memchr(d.p, ':', d.n);
	if (!colon)
		return DIGEST_INVALID;
	struct span algo = { d.p, (size_t)(colon - d.p) };
	struct span hex = { colon + 1, d.n - algo.n - 1 };
	if (!algorithm_valid(algo) || hex.n < DIGEST_MIN_HEX || !span_all(hex, is_xdigit))
		return DIGEST_INVALID;
	for (size_t i = 0; i < ARRAY_SIZE(known_algorithms); i++) {
		if (!span_eq(algo, known_algorithms[i].name))
			continue;
		if (hex.n == known_algorithms[i].hex_len && span_all(hex, is_lower_hex))
			return DIGEST_OK;
		return DIGEST_INVALID;
	}
	return DIGEST_UNSUPPORTED;
}

bool cn_reference_tag_valid(const char *s)
{
	return s && tag_span_valid(span_of(s));
}

bool cn_reference_digest_valid(const char *s)
{
	return s && digest_check(span_of(s)) == DIGEST_OK;
}

/* Keeps the message on one line whatever bytes the input held. */
static void flatten_message(struct cn_error *err)
{
	for (char *p = err->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static int fail(struct cn_error *err, const char *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sets `invalid reference "S": DETAIL` in `err`; returns -EINVAL. */
static int fail(struct cn_error *err, const char *s, const char *fmt, ...)
{
	char detail[CN_ERROR_MAX / 2];
	va_list ap;
	if (!err)
		return -EINVAL;
	va_start(ap, fmt);
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	(void)cn_error_set(err, -EINVAL, "invalid reference \"" SPAN_FMT "\": %s",
			   SPAN_ARG(span_of(s)), detail);
	flatten_message(err);
	return -EINVAL;
}

/* docker's anchoredIdentifierRegexp: a bare 64-hex string is an image ID, not a name. */
static bool is_identifier(const char *s)
{
	struct span sp = span_of(s);
	return sp.n == IDENTIFIER_LEN && span_all(sp, is_lower_hex);
}

/* splitDockerDomain: the first component names a domain only if it looks like one. */
static bool looks_like_domain(struct span first)
{
	return span_has(first, '.') || span_has(first, ':') ||
	       span_eq(first, SPAN_LIT("localhost")) || span_has_upper(first);
}

/* Splits "path[:tag][@digest]": the first '@' starts the digest, the first ':' the tag. */
static void split_remainder(struct span rest, struct parts *p)
{
	const char *at = memchr(rest.p, '@', rest.n);
	p->has_digest = at != NULL;
	if (at) {
		p->digest = (struct span){ at + 1, rest.n - (size_t)(at - rest.p) - 1 };
		rest.n = (size_t)(at - rest.p);
	}
	const char *colon = memchr(rest.p, ':', rest.n);
	p->has_tag = colon != NULL;
	if (colon) {
		p->tag = (struct span){ colon + 1, rest.n - (size_t)(colon - rest.p) - 1 };
		rest.n = (size_t)(colon - rest.p);
	}
	p->path = rest;
}

static void split_reference(const char *s, struct parts *p)
{
	struct span rest = span_of(s);
	const char *slash = memchr(rest.p, '/', rest.n);
	*p = (struct parts){ .domain = SPAN_LIT(DEFAULT_DOMAIN) };
	if (slash) {
		struct span first = { s, (size_t)(slash - s) };
		if (looks_like_domain(first)) {
			p->domain = first;
			rest = (struct span){ slash + 1, rest.n - first.n - 1 };
		}
	}
	if (span_eq(p->domain, SPAN_LIT(LEGACY_DEFAULT_DOMAIN)))
		p->domain = SPAN_LIT(DEFAULT_DOMAIN);
	split_remainder(rest, p);
	p->official = span_eq(p->domain, SPAN_LIT(DEFAULT_DOMAIN)) && !span_has(p->path, '/');
}

static size_t name_len(const struct parts *p)
{
	return p->domain.n + 1 + (p->official ? strlen(OFFICIAL_PREFIX) : 0) + p->path.n;
}

static int check_path(const char *s, struct span path, struct cn_error *err)
{
	struct span bad;
	if (path.n == 0)
		return fail(err, s, "missing repository name");
	if (span_has_upper(path))
		return fail(err, s, "repository name must be lowercase");
	if (pieces_valid(path, '/', path_component_valid, &bad))
		return 0;
	if (bad.n == 0)
		return fail(err, s, "empty path component");
	return fail(err, s, "invalid path component \"" SPAN_FMT "\"", SPAN_ARG(bad));
}

static int check_digest(const char *s, struct span digest, struct cn_error *err)
{
	switch (digest_check(digest)) {
	case DIGEST_OK:
		return 0;
	case DIGEST_UNSUPPORTED:
		return fail(err, s, "unsupported digest algorithm in \"" SPAN_FMT "\"",
			    SPAN_ARG(digest));
	case DIGEST_INVALID:
		break;
	}
	return fail(err, s, "invalid digest \"" SPAN_FMT "\"", SPAN_ARG(digest));
}

/* Checks in Docker's order: the path's case first, then grammar, then length, then digest. */
static int check_parts(const char *s, const struct parts *p, struct cn_error *err)
{
	int r = check_path(s, p->path, err);
	if (r < 0)
		return r;
	if (!domain_valid(p->domain))
		return fail(err, s, "invalid domain \"" SPAN_FMT "\"", SPAN_ARG(p->domain));
	if (p->has_tag && !tag_span_valid(p->tag))
		return fail(err, s, "invalid tag \"" SPAN_FMT "\"", SPAN_ARG(p->tag));
	if (name_len(p) > NAME_MAX_LEN)
		return fail(err, s, "name longer than %d characters", NAME_MAX_LEN);
	if (p->has_digest)
		return check_digest(s, p->digest, err);
	return 0;
}

static int parse_parts(const char *s, struct parts *ret, struct cn_error *err)
{
	if (!s || !*s)
		return fail(err, "", "empty reference");
	if (is_identifier(s))
		return fail(err, s, "cannot specify 64-byte hexadecimal strings");
	split_reference(s, ret);
	return check_parts(s, ret, err);
}

/* Allocates the normalized reference; `default_tag` applies TagNameOnly's "latest". */
static void build(const struct parts *p, bool default_tag, struct cn_reference *ret)
{
	ret->domain = xstrndup(p->domain.p, p->domain.n);
	ret->path =
		xasprintf("%s%.*s", p->official ? OFFICIAL_PREFIX : "", (int)p->path.n, p->path.p);
	ret->tag = NULL;
	if (p->has_tag)
		ret->tag = xstrndup(p->tag.p, p->tag.n);
	else if (default_tag && !p->has_digest)
		ret->tag = xstrdup(DEFAULT_TAG);
	ret->digest = p->has_digest ? xstrndup(p->digest.p, p->digest.n) : NULL;
}

int cn_reference_parse(const char *s, struct cn_reference *ret, struct cn_error *err)
{
	struct parts p;
	int r = parse_parts(s, &p, err);
	if (r < 0)
		return r;
	build(&p, true, ret);
	return 0;
}

int cn_reference_parse_repository(const char *s, struct cn_reference *ret, struct cn_error *err)
{
	struct parts p;
	int r = parse_parts(s, &p, err);
	if (r < 0)
		return r;
	if (p.has_tag || p.has_digest)
		return fail(err, s, "a repository name takes no tag or digest");
	build(&p, false, ret);
	return 0;
}

void cn_reference_release(struct cn_reference *ref)
{
	if (!ref)
		return;
	free(ref->domain);
	free(ref->path);
	free(ref->tag);
	free(ref->digest);
	*ref = (struct cn_reference){ 0 };
}

static char *strdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int cn_reference_copy(const struct cn_reference *src, struct cn_reference *ret)
{
	ret->domain = strdup_or_null(src->domain);
	ret->path = strdup_or_null(src->path);
	ret->tag = strdup_or_null(src->tag);
	ret->digest = strdup_or_null(src->digest);
	return 0;
}

char *cn_reference_name(const struct cn_reference *ref)
{
	return xasprintf("%s/%s", ref->domain, ref->path);
}

/* Returns `name` + ":tag" + "@digest" (as present), taking ownership of `name`. */
static char *append_tag_digest(char *name, const struct cn_reference *ref)
{
	cleanup_free char *owned = name;
	return xasprintf("%s%s%s%s%s", owned, ref->tag ? ":" : "", ref->tag ? ref->tag : "",
			 ref->digest ? "@" : "", ref->digest ? ref->digest : "");
}

char *cn_reference_format(const struct cn_reference *ref)
{
	return append_tag_digest(cn_reference_name(ref), ref);
}

/*
 * FamiliarName: drop "docker.io/", and "library/" when one component follows it (a nested
 * "library/a/b" keeps its prefix, or it would re-parse as "docker.io/a/b").
 */
char *cn_reference_familiar_name(const struct cn_reference *ref)
{
	size_t prefix = strlen(OFFICIAL_PREFIX);
	if (strcmp(ref->domain, DEFAULT_DOMAIN) != 0)
		return cn_reference_name(ref);
	if (strncmp(ref->path, OFFICIAL_PREFIX, prefix) == 0 && !strchr(ref->path + prefix, '/'))
		return xstrdup(ref->path + prefix);
	return xstrdup(ref->path);
}

char *cn_reference_familiar(const struct cn_reference *ref)
{
	return append_tag_digest(cn_reference_familiar_name(ref), ref);
}
