/*
 * node-semver ranges (version.h, cn_npm_range_satisfies): every range is lowered to sets of
 * primitive comparators (op + full version) exactly as node-semver's README documents the
 * desugaring ("^1.2.3" := ">=1.2.3 <2.0.0-0"), then each comparator is checked with
 * cn_version_compare(CN_ECO_NPM). Fixed-size buffers: a range is at most RANGE_MAX bytes with at
 * most SET_MAX comparators per set; anything longer is -EINVAL, nothing is allocated.
 */
#include "lib/vuln/version.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/parse.h"

#define RANGE_MAX 1024
#define SET_MAX	  32
#define PRE_MAX	  128
#define NUM_MAX	  9007199254740991ULL /* node-semver's Number.MAX_SAFE_INTEGER limit */

enum op { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ };

/* A version as written in a range: n numeric parts before the first wildcard or the end. */
struct partial {
	int n; /* 0..3 */
	uint64_t v[3];
	char pre[PRE_MAX]; /* prerelease without '-', "" when none (only when n == 3) */
};

struct comparator {
	enum op op;
	uint64_t v[3];
	char pre[PRE_MAX];
};

struct set {
	struct comparator c[SET_MAX];
	size_t n;
	bool none; /* a comparator that nothing satisfies ("<0.0.0-0") */
};

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_wild(const char *s, size_t n)
{
	return n == 1 && (*s == 'x' || *s == 'X' || *s == '*');
}

/* Prerelease / build identifiers: non-empty dot-separated [0-9A-Za-z-]+. */
static bool ident_list_ok(const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (run == 0)
				return false;
			run = 0;
		} else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			   (c >= 'A' && c <= 'Z') || c == '-') {
			run++;
		} else {
			return false;
		}
	}
	return run > 0;
}

/* Parses [v|=]*  (X|N)[.(X|N)[.(X|N)]] [-pre] [+build] over s[0..len). */
static int parse_partial(const char *s, size_t len, struct partial *p)
{
	const char *end = s + len;

	while (s < end && (*s == 'v' || *s == '=' || *s == 'V'))
		s++;
	p->n = 0;
	p->pre[0] = '\0';
	if (s == end)
		return 0; /* "" is "*" */
	bool wild = false;
	for (int i = 0; i < 3; i++) {
		size_t n = strcspn(s, ".-+ \t|");
		if (s + n > end)
			n = (size_t)(end - s);
		if (n == 0)
			return -EINVAL;
		if (is_wild(s, n)) {
			wild = true;
		} else {
			uint64_t num;
			if (cn_parse_u64_n(s, n, NUM_MAX, &num) < 0 || (n > 1 && s[0] == '0'))
				return -EINVAL;
			/* parts after a wildcard are ignored ("1.x.3" is "1.x"), as in node-semver
			 */
			if (!wild) {
				p->v[i] = num;
				p->n = i + 1;
			}
		}
		s += n;
		if (s == end || *s != '.')
			break;
		s++;
	}
	if (s < end && *s == '-') {
		size_t n = strcspn(s + 1, "+");
		if (s + 1 + n > end)
			n = (size_t)(end - s - 1);
		if (p->n != 3 || n >= PRE_MAX || !ident_list_ok(s + 1, n))
			return -EINVAL;
		memcpy(p->pre, s + 1, n);
		p->pre[n] = '\0';
		s += 1 + n;
	}
	if (s < end && *s == '+') {
		if (!ident_list_ok(s + 1, (size_t)(end - s - 1)))
			return -EINVAL;
		s = end;
	}
	return s == end ? 0 : -EINVAL;
}

static int add(struct set *set, enum op op, uint64_t a, uint64_t b, uint64_t c, const char *pre)
{
	struct comparator *k;

	if (set->n >= SET_MAX)
		return -EINVAL;
	k = &set->c[set->n++];
	k->op = op;
	k->v[0] = a;
	k->v[1] = b;
	k->v[2] = c;
	(void)snprintf(k->pre, sizeof(k->pre), "%s", pre);
	return 0;
}

/* "< next-bump-0": the exclusive upper bound of an x-range, tilde or caret range. */
static int add_upper(struct set *set, const struct partial *p, int bump)
{
	uint64_t v[3] = { 0, 0, 0 };

	for (int i = 0; i <= bump; i++)
		v[i] = p->v[i];
	if (v[bump] >= NUM_MAX)
		return -EINVAL;
	v[bump]++;
	return add(set, OP_LT, v[0], v[1], v[2], "0");
}

static int add_lower(struct set *set, const struct partial *p)
{
	return add(set, OP_GE, p->n > 0 ? p->v[0] : 0, p->n > 1 ? p->v[1] : 0,
		   p->n > 2 ? p->v[2] : 0, p->n == 3 ? p->pre : "");
}

/* An x-range "1", "1.2", "*" (or a full "=1.2.3"). */
static int desugar_x(struct set *set, const struct partial *p)
{
	int r;

	if (p->n == 0)
		return add(set, OP_GE, 0, 0, 0, "");
	if (p->n == 3)
		return add(set, OP_EQ, p->v[0], p->v[1], p->v[2], p->pre);
	r = add_lower(set, p);
	return r < 0 ? r : add_upper(set, p, p->n - 1);
}

static int desugar_tilde(struct set *set, const struct partial *p)
{
	int r;

	if (p->n == 0)
		return add(set, OP_GE, 0, 0, 0, "");
	r = add_lower(set, p);
	return r < 0 ? r : add_upper(set, p, p->n == 1 ? 0 : 1);
}

static int desugar_caret(struct set *set, const struct partial *p)
{
	int r, bump;

	if (p->n == 0)
		return add(set, OP_GE, 0, 0, 0, "");
	if (p->n == 1 || p->v[0] != 0)
		bump = 0;
	else if (p->n == 2 || p->v[1] != 0)
		bump = 1;
	else
		bump = 2;
	r = add_lower(set, p);
	return r < 0 ? r : add_upper(set, p, bump);
}

static int desugar_cmp(struct set *set, enum op op, const struct partial *p)
{
	if (p->n == 3)
		return add(set, op, p->v[0], p->v[1], p->v[2], p->pre);
	if (p->n == 0) {
		if (op == OP_LT || op == OP_GT)
			set->none = true;
		return add(set, OP_GE, 0, 0, 0, "");
	}
	switch (op) {
	case OP_GT: /* ">1.2" := ">=1.3.0" */
		if (p->v[p->n - 1] >= NUM_MAX)
			return -EINVAL;
		return add(set, OP_GE, p->v[0] + (p->n == 1), p->n == 2 ? p->v[1] + 1 : 0, 0, "");
	case OP_GE:
		return add_lower(set, p);
	case OP_LT: /* "<1.2" := "<1.2.0-0" */
		return add(set, OP_LT, p->v[0], p->n == 2 ? p->v[1] : 0, 0, "0");
	case OP_LE: /* "<=1.2" := "<1.3.0-0" */
		return add_upper(set, p, p->n - 1);
	case OP_EQ:
		return desugar_x(set, p);
	}
	return -EINVAL;
}

/* "A - B" := ">=A <=B" with partial ends widened as node-semver documents. */
static int desugar_hyphen(struct set *set, const struct partial *a, const struct partial *b)
{
	int r = 0;

	if (a->n > 0)
		r = add_lower(set, a);
	if (r < 0)
		return r;
	if (b->n == 0)
		return a->n == 0 ? add(set, OP_GE, 0, 0, 0, "") : 0;
	if (b->n == 3)
		return add(set, OP_LE, b->v[0], b->v[1], b->v[2], b->pre);
	return add_upper(set, b, b->n - 1);
}

/* One comparator token: optional operator, then a partial version. */
static int parse_token(struct set *set, const char *s, size_t n)
{
	static const struct {
		const char *text;
		int kind; /* enum op, or 10 = tilde, 11 = caret */
	} ops[] = { { "<=", OP_LE }, { ">=", OP_GE }, { "~>", 10 }, { "<", OP_LT },
		    { ">", OP_GT },  { "=", OP_EQ },  { "~", 10 },  { "^", 11 } };
	struct partial p;
	int kind = -1, r;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t l = strlen(ops[i].text);
		if (n >= l && memcmp(s, ops[i].text, l) == 0) {
			kind = ops[i].kind;
			s += l;
			n -= l;
			break;
		}
	}
	while (n > 0 && is_ws(*s))
		s++, n--;
	r = parse_partial(s, n, &p);
	if (r < 0)
		return r;
	switch (kind) {
	case -1:
		return desugar_x(set, &p);
	case 10:
		return desugar_tilde(set, &p);
	case 11:
		return desugar_caret(set, &p);
	default:
		return desugar_cmp(set, (enum op)kind, &p);
	}
}

static bool is_op_only(const char *s, size_t n)
{
	return n > 0 && n <= 2 && strspn(s, "<>=~^") >= n;
}

/* One "||"-separated comparator set, s[0..len). */
static int parse_set(const char *s, size_t len, struct set *set)
{
	const char *end = s + len, *tok[SET_MAX * 2];
	size_t tlen[SET_MAX * 2], nt = 0;
	int r;

	set->n = 0;
	set->none = false;
	while (s < end) {
		while (s < end && is_ws(*s))
			s++;
		if (s == end)
			break;
		const char *start = s;
		while (s < end && !is_ws(*s))
			s++;
		if (nt > 0 && is_op_only(tok[nt - 1], tlen[nt - 1])) {
			/* ">= 1.2.3": the operator and its version are one comparator */
			tlen[nt - 1] = (size_t)(s - tok[nt - 1]);
			continue;
		}
		if (nt >= SET_MAX * 2)
			return -EINVAL;
		tok[nt] = start;
		tlen[nt++] = (size_t)(s - start);
	}
	if (nt == 0)
		return add(set, OP_GE, 0, 0, 0, "");
	if (nt == 3 && tlen[1] == 1 && tok[1][0] == '-') {
		struct partial a, b;
		if ((r = parse_partial(tok[0], tlen[0], &a)) < 0 ||
		    (r = parse_partial(tok[2], tlen[2], &b)) < 0)
			return r;
		return desugar_hyphen(set, &a, &b);
	}
	for (size_t i = 0; i < nt; i++) {
		if (is_op_only(tok[i], tlen[i]) || (tlen[i] == 1 && tok[i][0] == '-'))
			return -EINVAL;
		r = parse_token(set, tok[i], tlen[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool cmp_ok(const struct comparator *k, const char *version)
{
	char buf[CN_VERSION_MAX];
	int c;

	if (snprintf(buf, sizeof(buf), "%llu.%llu.%llu%s%s", (unsigned long long)k->v[0],
		     (unsigned long long)k->v[1], (unsigned long long)k->v[2], k->pre[0] ? "-" : "",
		     k->pre) >= (int)sizeof(buf))
		return false;
	c = cn_version_compare(CN_ECO_NPM, version, buf);
	switch (k->op) {
	case OP_LT:
		return c < 0;
	case OP_LE:
		return c <= 0;
	case OP_GT:
		return c > 0;
	case OP_GE:
		return c >= 0;
	case OP_EQ:
		return c == 0;
	}
	return false;
}

static bool set_ok(const struct set *set, const char *version, const struct partial *v)
{
	if (set->none)
		return false;
	for (size_t i = 0; i < set->n; i++)
		if (!cmp_ok(&set->c[i], version))
			return false;
	if (!v->pre[0])
		return true;
	/* node-semver: a prerelease only matches through a comparator that names a prerelease of
	 * the same [major, minor, patch] tuple. */
	for (size_t i = 0; i < set->n; i++) {
		const struct comparator *k = &set->c[i];
		if (k->pre[0] && k->v[0] == v->v[0] && k->v[1] == v->v[1] && k->v[2] == v->v[2])
			return true;
	}
	return false;
}

int cn_npm_range_satisfies(const char *range, const char *version)
{
	struct partial v;
	struct set set;
	size_t vlen, rlen;
	const char *s;
	bool hit = false;

	if (!range || !version)
		return -EINVAL;
	rlen = strnlen(range, RANGE_MAX + 1);
	vlen = strnlen(version, CN_VERSION_MAX);
	if (rlen > RANGE_MAX || vlen >= CN_VERSION_MAX)
		return -EINVAL;
	while (vlen > 0 && is_ws(version[vlen - 1]))
		vlen--;
	while (vlen > 0 && is_ws(*version))
		version++, vlen--;
	if (parse_partial(version, vlen, &v) < 0 || v.n != 3 || !cn_version_valid_semver(version))
		return -EINVAL;
	s = range;
	for (;;) {
		const char *bar = strstr(s, "||");
		size_t len = bar ? (size_t)(bar - s) : strlen(s);
		int r = parse_set(s, len, &set);
		if (r < 0)
			return r;
		/* Every set is parsed (a malformed later set is an error), matched lazily. */
		if (!hit && set_ok(&set, version, &v))
			hit = true;
		if (!bar)
			break;
		s = bar + 2;
	}
	return hit;
}
