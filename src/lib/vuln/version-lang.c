/*
 * Version ordering for language ecosystems: PEP 440 (PyPI), semver 2.0.0 (npm), Go modules and
 * Maven's ComparableVersion. Each parser works on spans of the caller's string (no allocation,
 * no copies); numbers are compared as digit strings (leading zeros stripped, then by length, then
 * bytewise), so components of any length order correctly without conversion.
 *
 * Invalid input: a version that is not valid for the ecosystem sorts before every valid one, and
 * two invalid versions compare with strcmp(), so the order stays total and stable.
 */
#include <stdint.h>
#include <string.h>

#include "lib/vuln/version-internal.h"
#include "lib/vuln/version.h"

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(p[i]))
			return false;
	return n > 0;
}

/* Bytewise comparison of two spans, optionally ignoring ASCII case; a prefix sorts first. */
static int spancmp(const char *a, size_t an, const char *b, size_t bn, bool fold)
{
	size_t n = an < bn ? an : bn;
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)(fold ? lower(a[i]) : a[i]);
		unsigned char y = (unsigned char)(fold ? lower(b[i]) : b[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return an == bn ? 0 : an < bn ? -1 : 1;
}

/* Length of `v` if it is at most CN_VERSION_MAX bytes, else SIZE_MAX. */
static size_t bounded_len(const char *v)
{
	if (!v)
		return SIZE_MAX;
	size_t n = strnlen(v, CN_VERSION_MAX + 1);
	return n > CN_VERSION_MAX ? SIZE_MAX : n;
}

/* The order for input that failed to parse (see the file comment). */
static int invalid_order(bool a_ok, bool b_ok, const char *a, const char *b)
{
	if (a_ok != b_ok)
		return a_ok ? 1 : -1;
	return sign(strcmp(a ? a : "", b ? b : ""));
}

/* ---- PEP 440 ---------------------------------------------------------------------------- */

#define PEP_PARTS (CN_VERSION_MAX / 2 + 1)

enum { PRE_NONE = -1, PRE_A, PRE_B, PRE_RC };

struct pep440 {
	struct span epoch;
	struct span release[PEP_PARTS];
	size_t nrelease;
	int pre; /* PRE_* */
	struct span pre_n;
	bool post, dev;
	struct span post_n, dev_n;
	struct span local; /* n == 0: none */
};

struct cursor {
	const char *p, *end;
};

static bool eat_ci(struct cursor *c, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(c->end - c->p) < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(c->p[i]) != word[i])
			return false;
	c->p += n;
	return true;
}

static bool eat_sep(struct cursor *c)
{
	if (c->p < c->end && (*c->p == '.' || *c->p == '-' || *c->p == '_')) {
		c->p++;
		return true;
	}
	return false;
}

static struct span eat_digits(struct cursor *c)
{
	struct span s = { c->p, 0 };
	while (c->p < c->end && is_digit(*c->p))
		c->p++;
	s.n = (size_t)(c->p - s.p);
	return s;
}

/* Matches `[-_.]? LABEL [-_.]? [0-9]*` for one of `labels` (longest spellings first). Returns the
 * index of the label matched, or -1 with the cursor unmoved. */
static int eat_labelled(struct cursor *c, const char *const *labels, size_t nlabels,
			struct span *ret_n)
{
	struct cursor save = *c;
	(void)eat_sep(c);
	for (size_t i = 0; i < nlabels; i++) {
		if (eat_ci(c, labels[i])) {
			(void)eat_sep(c);
			*ret_n = eat_digits(c);
			return (int)i;
		}
	}
	*c = save;
	return -1;
}

static const char *const pre_labels[] = { "alpha", "a", "beta", "b", "preview", "pre", "c", "rc" };
static const int pre_kinds[] = { PRE_A, PRE_A, PRE_B, PRE_B, PRE_RC, PRE_RC, PRE_RC, PRE_RC };
static const char *const post_labels[] = { "post", "rev", "r" };
static const char *const dev_labels[] = { "dev" };

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool parse_local(struct cursor *c, struct span *ret)
{
	const char *start = c->p;
	for (;;) {
		const char *seg = c->p;
		while (c->p < c->end && is_alnum(*c->p))
			c->p++;
		if (c->p == seg)
			return false;
		if (c->p == c->end || !(*c->p == '.' || *c->p == '-' || *c->p == '_'))
			break;
		c->p++;
	}
	*ret = (struct span){ start, (size_t)(c->p - start) };
	return true;
}

/* Parses `v` by the grammar of PEP 440's appendix (packaging's VERSION_PATTERN): surrounding
 * whitespace, a leading "v", and the alternative spellings and separators are accepted. */
static bool pep440_parse(const char *v, struct pep440 *r)
{
	size_t len = bounded_len(v);
	if (len == SIZE_MAX)
		return false;
	struct cursor c = { v, v + len };
	while (c.p < c.end && is_space(*c.p))
		c.p++;
	while (c.end > c.p && is_space(c.end[-1]))
		c.end--;
	memset(r, 0, sizeof(*r));
	r->pre = PRE_NONE;
	if (c.p < c.end && lower(*c.p) == 'v')
		c.p++;

	struct span first = eat_digits(&c);
	if (!first.n)
		return false;
	if (c.p < c.end && *c.p == '!') {
		c.p++;
		r->epoch = first;
		first = eat_digits(&c);
		if (!first.n)
			return false;
	}
	r->release[r->nrelease++] = first;
	while (c.p + 1 < c.end && c.p[0] == '.' && is_digit(c.p[1])) {
		c.p++;
		if (r->nrelease == PEP_PARTS)
			return false;
		r->release[r->nrelease++] = eat_digits(&c);
	}

	int i = eat_labelled(&c, pre_labels, sizeof(pre_labels) / sizeof(*pre_labels), &r->pre_n);
	if (i >= 0)
		r->pre = pre_kinds[i];

	if (c.p + 1 < c.end && c.p[0] == '-' && is_digit(c.p[1])) {
		c.p++;
		r->post = true;
		r->post_n = eat_digits(&c);
	} else if (eat_labelled(&c, post_labels, sizeof(post_labels) / sizeof(*post_labels),
				&r->post_n) >= 0) {
		r->post = true;
	}
	if (eat_labelled(&c, dev_labels, 1, &r->dev_n) >= 0)
		r->dev = true;

	if (c.p < c.end && *c.p == '+') {
		c.p++;
		if (!parse_local(&c, &r->local))
			return false;
	}
	return c.p == c.end;
}

/* Rank of the pre-release part in packaging's sort key: a dev release of a final version sorts
 * before all of its pre-releases, a version without pre-release after them. */
static int pre_rank(const struct pep440 *v)
{
	if (v->pre != PRE_NONE)
		return v->pre;
	return !v->post && v->dev ? -1 : 3;
}

static bool next_segment(struct span *rest, struct span *seg)
{
	if (!rest->n)
		return false;
	size_t i = 0;
	while (i < rest->n && is_alnum(rest->p[i]))
		i++;
	*seg = (struct span){ rest->p, i };
	if (i < rest->n)
		i++; /* the separator */
	rest->p += i;
	rest->n -= i;
	return true;
}

/* Local versions: segment by segment, numbers above strings, strings without case; the one with
 * more segments wins a tie; no local version sorts before any. */
static int local_cmp(struct span a, struct span b)
{
	if (!a.n || !b.n)
		return (a.n > 0) - (b.n > 0);
	struct span sa, sb;
	for (;;) {
		bool ha = next_segment(&a, &sa), hb = next_segment(&b, &sb);
		if (!ha || !hb)
			return ha - hb;
		bool na = all_digits(sa.p, sa.n), nb = all_digits(sb.p, sb.n);
		int r = na && nb   ? digits_cmp(sa.p, sa.n, sb.p, sb.n)
			: na != nb ? (na ? 1 : -1)
				   : spancmp(sa.p, sa.n, sb.p, sb.n, true);
		if (r)
			return r;
	}
}

static int pep440_cmp(const struct pep440 *a, const struct pep440 *b)
{
	int r = digits_cmp(a->epoch.p, a->epoch.n, b->epoch.p, b->epoch.n);
	if (r)
		return r;
	size_t n = a->nrelease > b->nrelease ? a->nrelease : b->nrelease;
	for (size_t i = 0; i < n; i++) {
		struct span x = i < a->nrelease ? a->release[i] : (struct span){ "", 0 };
		struct span y = i < b->nrelease ? b->release[i] : (struct span){ "", 0 };
		if ((r = digits_cmp(x.p, x.n, y.p, y.n)))
			return r;
	}
	int ra = pre_rank(a), rb = pre_rank(b);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->pre != PRE_NONE && (r = digits_cmp(a->pre_n.p, a->pre_n.n, b->pre_n.p, b->pre_n.n)))
		return r;
	if (a->post != b->post)
		return a->post ? 1 : -1;
	if (a->post && (r = digits_cmp(a->post_n.p, a->post_n.n, b->post_n.p, b->post_n.n)))
		return r;
	if (a->dev != b->dev)
		return a->dev ? -1 : 1;
	if (a->dev && (r = digits_cmp(a->dev_n.p, a->dev_n.n, b->dev_n.p, b->dev_n.n)))
		return r;
	return local_cmp(a->local, b->local);
}

bool cn_version_valid_pep440(const char *v)
{
	struct pep440 p;
	return pep440_parse(v, &p);
}

int cn_version_compare_pep440(const char *a, const char *b)
{
	struct pep440 pa, pb;
	bool oka = pep440_parse(a, &pa), okb = pep440_parse(b, &pb);
	if (!oka || !okb)
		return invalid_order(oka, okb, a, b);
	return pep440_cmp(&pa, &pb);
}

/* ---- semver 2.0.0 (npm) and Go module versions ---------------------------------------- */

struct semver {
	struct span major, minor, patch; /* minor/patch empty in Go's "v1" / "v1.2" shorthand */
	struct span pre;		 /* without the '-'; n == 0: none */
};

enum {
	SEMVER_TRIM = 1 << 0,	  /* surrounding whitespace allowed (node-semver trims) */
	SEMVER_V_PREFIX = 1 << 1, /* an optional leading 'v' */
	SEMVER_GO_SHORT = 1 << 2, /* "vMAJOR" and "vMAJOR.MINOR" (only with the 'v') */
};

/* A numeric identifier: "0" or digits without a leading zero. */
static bool eat_number(struct cursor *c, struct span *ret)
{
	*ret = eat_digits(c);
	return ret->n == 1 || (ret->n > 1 && ret->p[0] != '0');
}

/* Dot-separated non-empty [0-9A-Za-z-] identifiers; numeric ones without leading zeros when
 * `strict_numbers` (pre-release) but not in build metadata. */
static bool eat_identifiers(struct cursor *c, bool strict_numbers, struct span *ret)
{
	const char *start = c->p;
	for (;;) {
		const char *id = c->p;
		while (c->p < c->end && (is_alnum(*c->p) || *c->p == '-'))
			c->p++;
		size_t n = (size_t)(c->p - id);
		if (!n)
			return false;
		if (strict_numbers && n > 1 && id[0] == '0' && all_digits(id, n))
			return false;
		if (c->p == c->end || *c->p != '.')
			break;
		c->p++;
	}
	*ret = (struct span){ start, (size_t)(c->p - start) };
	return true;
}

static bool semver_parse(const char *v, unsigned flags, struct semver *r)
{
	size_t len = bounded_len(v);
	if (len == SIZE_MAX)
		return false;
	struct cursor c = { v, v + len };
	if (flags & SEMVER_TRIM) {
		while (c.p < c.end && is_space(*c.p))
			c.p++;
		while (c.end > c.p && is_space(c.end[-1]))
			c.end--;
	}
	memset(r, 0, sizeof(*r));
	bool has_v = false;
	if ((flags & SEMVER_V_PREFIX) && c.p < c.end && *c.p == 'v') {
		c.p++;
		has_v = true;
	}
	bool short_ok = has_v && (flags & SEMVER_GO_SHORT);
	if (!eat_number(&c, &r->major))
		return false;
	if (c.p == c.end && short_ok)
		return true;
	if (c.p == c.end || *c.p++ != '.' || !eat_number(&c, &r->minor))
		return false;
	if (c.p == c.end && short_ok)
		return true;
	if (c.p == c.end || *c.p++ != '.' || !eat_number(&c, &r->patch))
		return false;
	if (c.p < c.end && *c.p == '-') {
		c.p++;
		if (!eat_identifiers(&c, true, &r->pre))
			return false;
	}
	if (c.p < c.end && *c.p == '+') {
		struct span build;
		c.p++;
		if (!eat_identifiers(&c, false, &build))
			return false;
	}
	return c.p == c.end;
}

/* semver §11: identifiers left to right, numeric ones by value and below alphanumeric ones,
 * which compare in ASCII order; a longer list wins a tie; no pre-release sorts above any. */
static int prerelease_cmp(struct span a, struct span b)
{
	if (!a.n || !b.n)
		return (a.n == 0) - (b.n == 0);
	for (;;) {
		size_t ia = 0, ib = 0;
		while (ia < a.n && a.p[ia] != '.')
			ia++;
		while (ib < b.n && b.p[ib] != '.')
			ib++;
		bool na = all_digits(a.p, ia), nb = all_digits(b.p, ib);
		int r = na && nb   ? digits_cmp(a.p, ia, b.p, ib)
			: na != nb ? (na ? -1 : 1)
				   : spancmp(a.p, ia, b.p, ib, false);
		if (r)
			return r;
		bool more_a = ia < a.n, more_b = ib < b.n;
		if (!more_a || !more_b)
			return more_a - more_b;
		a.p += ia + 1, a.n -= ia + 1;
		b.p += ib + 1, b.n -= ib + 1;
	}
}

static int semver_cmp(const struct semver *a, const struct semver *b)
{
	int r;
	if ((r = digits_cmp(a->major.p, a->major.n, b->major.p, b->major.n)) ||
	    (r = digits_cmp(a->minor.p, a->minor.n, b->minor.p, b->minor.n)) ||
	    (r = digits_cmp(a->patch.p, a->patch.n, b->patch.p, b->patch.n)))
		return r;
	return prerelease_cmp(a->pre, b->pre);
}

static int semver_compare_flags(const char *a, const char *b, unsigned flags)
{
	struct semver sa, sb;
	bool oka = semver_parse(a, flags, &sa), okb = semver_parse(b, flags, &sb);
	if (!oka || !okb)
		return invalid_order(oka, okb, a, b);
	return semver_cmp(&sa, &sb);
}

/* npm: node-semver's strict grammar, which trims whitespace and accepts a leading "v". */
#define NPM_FLAGS (SEMVER_TRIM | SEMVER_V_PREFIX)
/* Go: "vX.Y.Z" as in go.mod and build info, the "v1"/"v1.2" shorthand of golang.org/x/mod/semver,
 * and the same without "v" as OSV records write Go versions. Pseudo-versions are ordinary
 * pre-releases and "+incompatible" is build metadata, ignored in comparisons. */
#define GO_FLAGS (SEMVER_V_PREFIX | SEMVER_GO_SHORT)

bool cn_version_valid_semver(const char *v)
{
	struct semver s;
	return semver_parse(v, NPM_FLAGS, &s);
}

int cn_version_compare_semver(const char *a, const char *b)
{
	return semver_compare_flags(a, b, NPM_FLAGS);
}

bool cn_version_valid_go(const char *v)
{
	struct semver s;
	return semver_parse(v, GO_FLAGS, &s);
}

int cn_version_compare_go(const char *a, const char *b)
{
	return semver_compare_flags(a, b, GO_FLAGS);
}

/* ---- Maven ComparableVersion ----------------------------------------------------------- */

/*
 * The version becomes a tree of items as ComparableVersion builds it (maven-artifact 3.9):
 * '.' separates items, '-' and every digit/letter transition open a nested list, a qualifier
 * directly after a dot opens one too (1.0.X1 < 1.0-X2), and trailing "null" items (0, "", ga,
 * final, release, empty lists) are removed from each list, innermost first. Each character adds
 * at most three nodes.
 */
#define MVN_NODES (3 * CN_VERSION_MAX + 4)

enum { MVN_INT, MVN_STR, MVN_LIST };

/* Qualifier ranks; MVN_Q_UNKNOWN ones sort after all these, among themselves without case. */
enum {
	MVN_Q_ALPHA,
	MVN_Q_BETA,
	MVN_Q_MILESTONE,
	MVN_Q_RC,
	MVN_Q_SNAPSHOT,
	MVN_Q_RELEASE,
	MVN_Q_SP,
	MVN_Q_UNKNOWN,
};

struct mvn_node {
	uint8_t type, qual;
	uint16_t off, len;	    /* INT: digits without leading zeros; STR: the text */
	int16_t first, last;	    /* LIST: children */
	int16_t next, prev, parent; /* siblings */
};

struct mvn {
	const char *s;
	int count;
	struct mvn_node n[MVN_NODES];
};

static bool span_is(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && spancmp(p, n, word, n, true) == 0;
}

static uint8_t mvn_qualifier(const char *p, size_t n, bool followed_by_digit)
{
	static const struct {
		const char *word;
		uint8_t rank;
	} words[] = {
		{ "alpha", MVN_Q_ALPHA },
		{ "beta", MVN_Q_BETA },
		{ "milestone", MVN_Q_MILESTONE },
		{ "rc", MVN_Q_RC },
		{ "cr", MVN_Q_RC },
		{ "snapshot", MVN_Q_SNAPSHOT },
		{ "ga", MVN_Q_RELEASE },
		{ "final", MVN_Q_RELEASE },
		{ "release", MVN_Q_RELEASE },
		{ "sp", MVN_Q_SP },
	};
	if (followed_by_digit && n == 1) {
		switch (lower(*p)) {
		case 'a':
			return MVN_Q_ALPHA;
		case 'b':
			return MVN_Q_BETA;
		case 'm':
			return MVN_Q_MILESTONE;
		default:
			break;
		}
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (span_is(p, n, words[i].word))
			return words[i].rank;
	return MVN_Q_UNKNOWN;
}

static int mvn_add(struct mvn *m, int list, uint8_t type)
{
	int i = m->count++;
	struct mvn_node *x = &m->n[i];
	*x = (struct mvn_node){ .type = type, .first = -1, .last = -1, .next = -1, .parent = -1 };
	if (list >= 0) {
		struct mvn_node *l = &m->n[list];
		x->parent = (int16_t)list;
		x->prev = l->last;
		if (l->last >= 0)
			m->n[l->last].next = (int16_t)i;
		else
			l->first = (int16_t)i;
		l->last = (int16_t)i;
	} else {
		x->prev = -1;
	}
	return i;
}

static void mvn_add_item(struct mvn *m, int list, bool digits, size_t start, size_t end,
			 bool followed_by_digit)
{
	if (digits) {
		while (start < end && m->s[start] == '0')
			start++;
	}
	int i = mvn_add(m, list, digits ? MVN_INT : MVN_STR);
	m->n[i].off = (uint16_t)start;
	m->n[i].len = (uint16_t)(end - start);
	if (!digits)
		m->n[i].qual = mvn_qualifier(m->s + start, end - start, followed_by_digit);
}

static bool mvn_is_null(const struct mvn *m, int i)
{
	const struct mvn_node *x = &m->n[i];
	switch (x->type) {
	case MVN_INT:
		return x->len == 0;
	case MVN_STR:
		return x->qual == MVN_Q_RELEASE;
	default:
		return x->first < 0;
	}
}

static void mvn_unlink(struct mvn *m, int i)
{
	struct mvn_node *x = &m->n[i], *l = &m->n[x->parent];
	if (x->prev >= 0)
		m->n[x->prev].next = x->next;
	else
		l->first = x->next;
	if (x->next >= 0)
		m->n[x->next].prev = x->prev;
	else
		l->last = x->prev;
}

/* Drops trailing null items, looking past non-null lists (so 1.0-x equals 1-x). */
static void mvn_normalize(struct mvn *m, int list)
{
	for (int i = m->n[list].last; i >= 0;) {
		int prev = m->n[i].prev;
		if (mvn_is_null(m, i))
			mvn_unlink(m, i);
		else if (m->n[i].type != MVN_LIST)
			break;
		i = prev;
	}
}

static bool mvn_parse(const char *v, struct mvn *m)
{
	size_t len = bounded_len(v);
	if (len == SIZE_MAX || len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (v[i] <= ' ' || v[i] > '~')
			return false;
	m->s = v;
	m->count = 0;
	int list = mvn_add(m, -1, MVN_LIST);
	bool digit = false;
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		char c = v[i];
		if (c == '.' || c == '-') {
			if (i == start)
				mvn_add_item(m, list, true, i, i, false);
			else
				mvn_add_item(m, list, digit, start, i, false);
			start = i + 1;
			if (c == '-')
				list = mvn_add(m, list, MVN_LIST);
		} else if (is_digit(c)) {
			if (!digit && i > start) {
				if (m->n[list].first >= 0)
					list = mvn_add(m, list, MVN_LIST);
				mvn_add_item(m, list, false, start, i, true);
				start = i;
				list = mvn_add(m, list, MVN_LIST);
			}
			digit = true;
		} else {
			if (digit && i > start) {
				mvn_add_item(m, list, true, start, i, false);
				start = i;
				list = mvn_add(m, list, MVN_LIST);
			}
			digit = false;
		}
	}
	if (len > start) {
		if (!digit && m->n[list].first >= 0)
			list = mvn_add(m, list, MVN_LIST);
		mvn_add_item(m, list, digit, start, len, false);
	}
	/* Lists are created after their parents: normalize in reverse creation order. */
	for (int i = m->count - 1; i >= 0; i--)
		if (m->n[i].type == MVN_LIST)
			mvn_normalize(m, i);
	return true;
}

static int mvn_cmp(const struct mvn *a, int ia, const struct mvn *b, int ib);

/* An item against a missing one (the other list is shorter). */
static int mvn_cmp_null(const struct mvn *a, int ia)
{
	const struct mvn_node *x = &a->n[ia];
	switch (x->type) {
	case MVN_INT:
		return x->len ? 1 : 0;
	case MVN_STR:
		return x->qual == MVN_Q_RELEASE ? 0 : x->qual < MVN_Q_RELEASE ? -1 : 1;
	default:
		for (int i = x->first; i >= 0; i = a->n[i].next) {
			int r = mvn_cmp_null(a, i);
			if (r)
				return r;
		}
		return 0;
	}
}

static int mvn_cmp_lists(const struct mvn *a, int ia, const struct mvn *b, int ib)
{
	int l = a->n[ia].first, r = b->n[ib].first;
	while (l >= 0 || r >= 0) {
		int c = l < 0	? -mvn_cmp_null(b, r)
			: r < 0 ? mvn_cmp_null(a, l)
				: mvn_cmp(a, l, b, r);
		if (c)
			return c;
		if (l >= 0)
			l = a->n[l].next;
		if (r >= 0)
			r = b->n[r].next;
	}
	return 0;
}

static int mvn_cmp(const struct mvn *a, int ia, const struct mvn *b, int ib)
{
	const struct mvn_node *x = &a->n[ia], *y = &b->n[ib];
	if (x->type != y->type) {
		/* numbers > lists > strings: 1.1 > 1-1 > 1-sp */
		static const int rank[] = { [MVN_INT] = 2, [MVN_LIST] = 1, [MVN_STR] = 0 };
		return rank[x->type] < rank[y->type] ? -1 : 1;
	}
	switch (x->type) {
	case MVN_INT:
		return digits_cmp(a->s + x->off, x->len, b->s + y->off, y->len);
	case MVN_STR:
		if (x->qual != y->qual)
			return x->qual < y->qual ? -1 : 1;
		if (x->qual != MVN_Q_UNKNOWN)
			return 0;
		return spancmp(a->s + x->off, x->len, b->s + y->off, y->len, true);
	default:
		return mvn_cmp_lists(a, ia, b, ib);
	}
}

/* Any non-empty printable ASCII string without spaces is a Maven version. */
bool cn_version_valid_maven(const char *v)
{
	size_t len = bounded_len(v);
	if (len == SIZE_MAX || len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (v[i] <= ' ' || v[i] > '~')
			return false;
	return true;
}

int cn_version_compare_maven(const char *a, const char *b)
{
	/* Two trees of up to 3 * CN_VERSION_MAX nodes: about 20 KiB of stack. */
	struct mvn ma, mb;
	bool oka = mvn_parse(a, &ma), okb = mvn_parse(b, &mb);
	if (!oka || !okb)
		return invalid_order(oka, okb, a, b);
	return mvn_cmp(&ma, 0, &mb, 0);
}
