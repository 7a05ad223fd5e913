/*
 * Version ordering of the OS package managers: dpkg, rpm and apk, each by its own rules
 * (deb-version(7) and Debian policy 5.6.12; rpm's rpmvercmp; apk-tools' version grammar).
 *
 * Everything works on spans of the caller's strings: no copies, no allocation. Digit runs are
 * compared by length after dropping leading zeros and then byte by byte, so numbers of any
 * length order correctly and nothing can overflow.
 */
#include <stdint.h>
#include <string.h>

#include "base/parse.h"
#include "lib/vuln/version-internal.h"
#include "lib/vuln/version.h"

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

/* The byte at `i`, or NUL past the end. */
static char at(struct span s, size_t i)
{
	return i < s.n ? s.p[i] : '\0';
}

static size_t digit_run(struct span s, size_t i)
{
	size_t end = i;
	while (end < s.n && is_digit(s.p[end]))
		end++;
	return end - i;
}

/* Byte order, a proper prefix first. */
static int bytes_cmp(struct span a, struct span b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int r = n ? memcmp(a.p, b.p, n) : 0;
	if (r)
		return sign(r);
	return a.n == b.n ? 0 : (a.n < b.n ? -1 : 1);
}

static bool span_all(struct span s, bool (*ok)(char))
{
	for (size_t i = 0; i < s.n; i++)
		if (!ok(s.p[i]))
			return false;
	return true;
}

/* The last `c` in the span, or NULL. */
static const char *span_rchr(struct span s, char c)
{
	for (size_t i = s.n; i > 0; i--)
		if (s.p[i - 1] == c)
			return s.p + i - 1;
	return NULL;
}

/* 0 for NULL, 1 for longer than CN_VERSION_MAX, 2 for an ordinary string (length in *len). */
static int input_rank(const char *v, size_t *len)
{
	if (!v)
		return 0;
	*len = strnlen(v, CN_VERSION_MAX + 1);
	return *len > CN_VERSION_MAX ? 1 : 2;
}

/*
 * Orders the inputs no parser should see: NULL first, then strings longer than
 * CN_VERSION_MAX (among themselves by bytes), then everything else. Returns true with
 * `*ret` set when that decides, false when both are ordinary strings of length `*an`/`*bn`.
 */
static bool order_unusual(const char *a, const char *b, size_t *an, size_t *bn, int *ret)
{
	int ra = input_rank(a, an), rb = input_rank(b, bn);
	if (ra == 2 && rb == 2)
		return false;
	if (ra != rb)
		*ret = ra < rb ? -1 : 1;
	else
		*ret = ra == 1 ? sign(strcmp(a, b)) : 0;
	return true;
}

/* A string of 1..CN_VERSION_MAX bytes: its span, else false. */
static bool usable(const char *v, struct span *ret)
{
	size_t n = v ? strnlen(v, CN_VERSION_MAX + 1) : 0;
	if (n == 0 || n > CN_VERSION_MAX)
		return false;
	*ret = (struct span){ v, n };
	return true;
}

/* ---- dpkg ---------------------------------------------------------------------------- */

/* [epoch:]upstream[-revision], split as dpkg does: the first ':' and the last '-'. */
struct deb_version {
	struct span epoch, upstream, revision;
	bool has_epoch, has_revision;
};

static struct deb_version deb_split(struct span v)
{
	struct deb_version d = { .upstream = v };
	const char *colon = memchr(v.p, ':', v.n);
	if (colon) {
		d.has_epoch = true;
		d.epoch = (struct span){ v.p, (size_t)(colon - v.p) };
		d.upstream = (struct span){ colon + 1, v.n - d.epoch.n - 1 };
	}
	const char *hyphen = span_rchr(d.upstream, '-');
	if (hyphen) {
		d.has_revision = true;
		d.revision = (struct span){ hyphen + 1,
					    (size_t)(d.upstream.p + d.upstream.n - hyphen - 1) };
		d.upstream.n = (size_t)(hyphen - d.upstream.p);
	}
	return d;
}

/*
 * deb-version(7) weight of a non-digit: '~' before the end of the part, the end (and the start
 * of a digit run) next, then letters, then everything else.
 */
static int deb_weight(char c)
{
	if (c == '\0' || is_digit(c))
		return 0;
	if (is_alpha(c))
		return (unsigned char)c;
	if (c == '~')
		return -1;
	return (unsigned char)c + 256;
}

/* Alternating non-digit and digit runs, the former by deb_weight, the latter numerically. */
static int deb_part_cmp(struct span a, struct span b)
{
	size_t i = 0, j = 0;
	while (i < a.n || j < b.n) {
		while ((i < a.n && !is_digit(a.p[i])) || (j < b.n && !is_digit(b.p[j]))) {
			int wa = deb_weight(at(a, i)), wb = deb_weight(at(b, j));
			if (wa != wb)
				return wa < wb ? -1 : 1;
			i++, j++;
		}
		size_t da = digit_run(a, i), db = digit_run(b, j);
		int r = digits_cmp(a.p + i, da, b.p + j, db);
		if (r)
			return r;
		i += da, j += db;
	}
	return 0;
}

int cn_version_compare_deb(const char *a, const char *b)
{
	size_t an = 0, bn = 0;
	int r;
	if (order_unusual(a, b, &an, &bn, &r))
		return r;
	struct deb_version x = deb_split((struct span){ a, an });
	struct deb_version y = deb_split((struct span){ b, bn });
	/* Epochs are plain numbers here; a missing epoch or revision compares as "0". */
	r = deb_part_cmp(x.epoch, y.epoch);
	if (!r)
		r = deb_part_cmp(x.upstream, y.upstream);
	if (!r)
		r = deb_part_cmp(x.revision, y.revision);
	return r;
}

static bool deb_upstream_char(char c)
{
	return is_alnum(c) || c == '.' || c == '+' || c == '~' || c == '-' || c == ':';
}

static bool deb_revision_char(char c)
{
	return is_alnum(c) || c == '.' || c == '+' || c == '~';
}

/*
 * What dpkg accepts without error or warning: the epoch a number up to INT_MAX, the upstream
 * version starting with a digit, revision characters [A-Za-z0-9.+~], no empty parts. Upstream
 * may hold '-' only because the revision splits at the last one, ':' only after an epoch.
 */
bool cn_version_valid_deb(const char *v)
{
	struct span s;
	uint64_t epoch;
	if (!usable(v, &s))
		return false;
	struct deb_version d = deb_split(s);
	if (d.has_epoch && cn_parse_u64_n(d.epoch.p, d.epoch.n, INT32_MAX, &epoch) < 0)
		return false;
	if (d.has_revision && (d.revision.n == 0 || !span_all(d.revision, deb_revision_char)))
		return false;
	return d.upstream.n > 0 && is_digit(d.upstream.p[0]) &&
	       span_all(d.upstream, deb_upstream_char);
}

/* ---- rpm ----------------------------------------------------------------------------- */

/* [epoch:]version[-release]: the epoch only when all digits, the release after the last '-'. */
struct rpm_evr {
	struct span epoch, version, release;
	bool has_epoch, has_release;
};

static struct rpm_evr rpm_split(struct span v)
{
	struct rpm_evr e = { .version = v };
	size_t d = digit_run(v, 0);
	if (d < v.n && v.p[d] == ':') {
		e.has_epoch = true;
		e.epoch = (struct span){ v.p, d };
		e.version = (struct span){ v.p + d + 1, v.n - d - 1 };
	}
	const char *hyphen = span_rchr(e.version, '-');
	if (hyphen) {
		e.has_release = true;
		e.release = (struct span){ hyphen + 1,
					   (size_t)(e.version.p + e.version.n - hyphen - 1) };
		e.version.n = (size_t)(hyphen - e.version.p);
	}
	return e;
}

/* Bytes between segments: anything but letters, digits, '~' and '^'. */
static size_t rpm_skip_separators(struct span s, size_t i)
{
	while (i < s.n && !is_alnum(s.p[i]) && s.p[i] != '~' && s.p[i] != '^')
		i++;
	return i;
}

static size_t alpha_run(struct span s, size_t i)
{
	size_t end = i;
	while (end < s.n && is_alpha(s.p[end]))
		end++;
	return end - i;
}

/*
 * rpmvercmp: separators only split segments; '~' sorts before anything, even the end; '^'
 * sorts after the end but before any further segment; a digit segment beats a letter
 * segment; digit segments compare numerically, letter segments by bytes; then whichever has
 * segments left wins.
 */
static int rpm_part_cmp(struct span a, struct span b)
{
	size_t i = 0, j = 0;
	if (a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0))
		return 0;
	while (i < a.n || j < b.n) {
		i = rpm_skip_separators(a, i);
		j = rpm_skip_separators(b, j);
		char ca = at(a, i), cb = at(b, j);
		if (ca == '~' || cb == '~') {
			if (ca != cb)
				return ca == '~' ? -1 : 1;
			i++, j++;
			continue;
		}
		if (ca == '^' || cb == '^') {
			if (ca == '\0' || cb == '\0')
				return ca == '\0' ? -1 : 1;
			if (ca != cb)
				return ca == '^' ? -1 : 1;
			i++, j++;
			continue;
		}
		if (ca == '\0' || cb == '\0')
			break;
		bool num = is_digit(ca);
		size_t la = num ? digit_run(a, i) : alpha_run(a, i);
		size_t lb = num ? digit_run(b, j) : alpha_run(b, j);
		if (lb == 0)
			return num ? 1 : -1;
		int r = num ? digits_cmp(a.p + i, la, b.p + j, lb)
			    : bytes_cmp((struct span){ a.p + i, la }, (struct span){ b.p + j, lb });
		if (r)
			return r;
		i += la, j += lb;
	}
	if (i >= a.n && j >= b.n)
		return 0;
	return i >= a.n ? -1 : 1;
}

int cn_version_compare_rpm(const char *a, const char *b)
{
	size_t an = 0, bn = 0;
	int r;
	if (order_unusual(a, b, &an, &bn, &r))
		return r;
	struct rpm_evr x = rpm_split((struct span){ a, an });
	struct rpm_evr y = rpm_split((struct span){ b, bn });
	/* A missing epoch is 0 (rpm >= 4.x). A missing release sorts before any release, so the
	 * order stays total; rpm's dependency matching would call it equal instead. */
	r = digits_cmp(x.epoch.p, x.epoch.n, y.epoch.p, y.epoch.n);
	if (!r)
		r = rpm_part_cmp(x.version, y.version);
	if (!r && (x.has_release || y.has_release))
		r = x.has_release && y.has_release ? rpm_part_cmp(x.release, y.release)
						   : (x.has_release ? 1 : -1);
	return r;
}

/* rpmbuild's characters for Version and Release, macros already expanded. */
static bool rpm_field_char(char c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == '^';
}

/* An epoch up to UINT32_MAX, a non-empty version and (after one '-') release of
 * [A-Za-z0-9._+~^]. */
bool cn_version_valid_rpm(const char *v)
{
	struct span s;
	uint64_t epoch;
	if (!usable(v, &s))
		return false;
	struct rpm_evr e = rpm_split(s);
	if (e.has_epoch && cn_parse_u64_n(e.epoch.p, e.epoch.n, UINT32_MAX, &epoch) < 0)
		return false;
	if (e.has_release && (e.release.n == 0 || !span_all(e.release, rpm_field_char)))
		return false;
	return e.version.n > 0 && span_all(e.version, rpm_field_char);
}

/* ---- apk ----------------------------------------------------------------------------- */

/*
 * apk-tools' grammar: digits{.digits}[letter]{_suffix[digits]}[~hash][-rdigits]. Token kinds
 * in the order they may follow each other; the order also decides between two versions that
 * agree up to where one has a kind the other lacks.
 */
enum apk_token {
	APK_INITIAL_DIGIT,
	APK_DIGIT,
	APK_LETTER,
	APK_SUFFIX,
	APK_SUFFIX_NO,
	APK_COMMIT_HASH,
	APK_REVISION_NO,
	APK_END,
	APK_INVALID,
};

/* Suffixes in order; those before "" (no suffix) mark pre-releases. */
static const char *const apk_suffixes[] = { "alpha", "beta", "pre", "rc", "",
					    "cvs",   "svn",  "git", "hg", "p" };
#define APK_SUFFIX_NONE 4

struct apk_cursor {
	struct span s;
	size_t i;
	enum apk_token token;
	struct span value; /* the token's text (digits, letter, suffix name or hash) */
	int suffix;	   /* index into apk_suffixes for APK_SUFFIX */
};

/* apk-tools takes lowercase hex only. */
static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

/* Takes the run of bytes satisfying `ok` as the token's value; an empty run is invalid. */
static void apk_take(struct apk_cursor *c, enum apk_token token, bool (*ok)(char))
{
	size_t start = c->i;
	while (c->i < c->s.n && ok(c->s.p[c->i]))
		c->i++;
	c->value = (struct span){ c->s.p + start, c->i - start };
	c->token = c->value.n ? token : APK_INVALID;
}

static int apk_suffix_index(struct span name)
{
	for (int k = 0; k < (int)(sizeof(apk_suffixes) / sizeof(apk_suffixes[0])); k++)
		if (k != APK_SUFFIX_NONE && strlen(apk_suffixes[k]) == name.n &&
		    memcmp(apk_suffixes[k], name.p, name.n) == 0)
			return k;
	return -1;
}

static void apk_first(struct apk_cursor *c, struct span s)
{
	*c = (struct apk_cursor){ .s = s };
	apk_take(c, APK_INITIAL_DIGIT, is_digit);
}

/* Advances to the next token, checking that it may follow the current one. */
static void apk_next(struct apk_cursor *c)
{
	enum apk_token prev = c->token;
	char ch = at(c->s, c->i);
	if (c->i >= c->s.n) {
		c->token = APK_END;
	} else if (is_lower(ch) && prev <= APK_DIGIT) {
		c->value = (struct span){ c->s.p + c->i++, 1 };
		c->token = APK_LETTER;
	} else if (ch == '.' && prev <= APK_DIGIT) {
		c->i++;
		apk_take(c, APK_DIGIT, is_digit);
	} else if (is_digit(ch) && prev == APK_SUFFIX) {
		apk_take(c, APK_SUFFIX_NO, is_digit);
	} else if (ch == '_' && prev <= APK_SUFFIX_NO) {
		c->i++;
		apk_take(c, APK_SUFFIX, is_lower);
		c->suffix = apk_suffix_index(c->value);
		if (c->suffix < 0)
			c->token = APK_INVALID;
	} else if (ch == '~' && prev < APK_COMMIT_HASH) {
		c->i++;
		apk_take(c, APK_COMMIT_HASH, is_hex);
	} else if (ch == '-' && prev < APK_REVISION_NO && at(c->s, c->i + 1) == 'r') {
		c->i += 2;
		apk_take(c, APK_REVISION_NO, is_digit);
	} else {
		c->token = APK_INVALID;
	}
}

/* Two tokens of the same kind. A dotted number with a leading zero compares as text. */
static int apk_token_cmp(const struct apk_cursor *x, const struct apk_cursor *y)
{
	switch (x->token) {
	case APK_DIGIT:
		if (x->value.p[0] == '0' || y->value.p[0] == '0')
			return bytes_cmp(x->value, y->value);
		return digits_cmp(x->value.p, x->value.n, y->value.p, y->value.n);
	case APK_INITIAL_DIGIT:
	case APK_SUFFIX_NO:
	case APK_REVISION_NO:
		return digits_cmp(x->value.p, x->value.n, y->value.p, y->value.n);
	case APK_LETTER:
		return sign((unsigned char)x->value.p[0] - (unsigned char)y->value.p[0]);
	case APK_SUFFIX:
		return sign(x->suffix - y->suffix);
	default:
		return bytes_cmp(x->value, y->value);
	}
}

int cn_version_compare_apk(const char *a, const char *b)
{
	size_t an = 0, bn = 0;
	int r;
	if (order_unusual(a, b, &an, &bn, &r))
		return r;
	struct apk_cursor x, y;
	for (apk_first(&x, (struct span){ a, an }), apk_first(&y, (struct span){ b, bn });
	     x.token == y.token && x.token < APK_END; apk_next(&x), apk_next(&y)) {
		r = apk_token_cmp(&x, &y);
		if (r)
			return r;
	}
	if (x.token == y.token)
		return 0;
	/* Equal so far: a pre-release suffix is older than anything, otherwise the one whose
	 * next token comes earlier in the grammar (more to say) is newer; -r1 beats the end. */
	if (x.token == APK_SUFFIX && x.suffix < APK_SUFFIX_NONE)
		return -1;
	if (y.token == APK_SUFFIX && y.suffix < APK_SUFFIX_NONE)
		return 1;
	return x.token > y.token ? -1 : 1;
}

bool cn_version_valid_apk(const char *v)
{
	struct span s;
	struct apk_cursor c;
	if (!usable(v, &s))
		return false;
	for (apk_first(&c, s); c.token < APK_END; apk_next(&c))
		;
	return c.token == APK_END;
}
