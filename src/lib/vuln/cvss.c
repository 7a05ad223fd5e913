/*
 * CVSS v3.x and v4.0 base scores (cvss.h). v3: the formulas of the v3.1 specification section 7.1
 * with its Roundup (section 7.3 / Appendix A), used for v3.0 vectors too (v3.0's roundup is the
 * same function without the floating-point guard). v4.0: section 8.2 of the v4.0 specification,
 * computed in exact integer arithmetic (tenths and severity steps) so no rounding drift occurs.
 */
#include "lib/vuln/cvss.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"

struct metric_def {
	const char *name;
	const char *values; /* '|'-separated, in the order the scoring code indexes them */
	bool mandatory;
};

/* v3.1 specification Table 15 (vector string), base metrics first. */
static const struct metric_def v3_metrics[] = {
	{ "AV", "N|A|L|P", true },    { "AC", "L|H", true },	   { "PR", "N|L|H", true },
	{ "UI", "N|R", true },	      { "S", "U|C", true },	   { "C", "H|L|N", true },
	{ "I", "H|L|N", true },	      { "A", "H|L|N", true },	   { "E", "X|U|P|F|H", false },
	{ "RL", "X|O|T|W|U", false }, { "RC", "X|U|R|C", false },  { "CR", "X|L|M|H", false },
	{ "IR", "X|L|M|H", false },   { "AR", "X|L|M|H", false },  { "MAV", "X|N|A|L|P", false },
	{ "MAC", "X|L|H", false },    { "MPR", "X|N|L|H", false }, { "MUI", "X|N|R", false },
	{ "MS", "X|U|C", false },     { "MC", "X|N|L|H", false },  { "MI", "X|N|L|H", false },
	{ "MA", "X|N|L|H", false },
};
enum { V3_AV, V3_AC, V3_PR, V3_UI, V3_S, V3_C, V3_I, V3_A, V3_N };

/* v4.0 specification Table 23, in its mandatory order. */
static const struct metric_def v4_metrics[] = {
	{ "AV", "N|A|L|P", true },     { "AC", "L|H", true },
	{ "AT", "N|P", true },	       { "PR", "N|L|H", true },
	{ "UI", "N|P|A", true },       { "VC", "H|L|N", true },
	{ "VI", "H|L|N", true },       { "VA", "H|L|N", true },
	{ "SC", "H|L|N", true },       { "SI", "H|L|N", true },
	{ "SA", "H|L|N", true },       { "E", "X|A|P|U", false },
	{ "CR", "X|H|M|L", false },    { "IR", "X|H|M|L", false },
	{ "AR", "X|H|M|L", false },    { "MAV", "X|N|A|L|P", false },
	{ "MAC", "X|L|H", false },     { "MAT", "X|N|P", false },
	{ "MPR", "X|N|L|H", false },   { "MUI", "X|N|P|A", false },
	{ "MVC", "X|H|L|N", false },   { "MVI", "X|H|L|N", false },
	{ "MVA", "X|H|L|N", false },   { "MSC", "X|H|L|N", false },
	{ "MSI", "X|S|H|L|N", false }, { "MSA", "X|S|H|L|N", false },
	{ "S", "X|N|P", false },       { "AU", "X|N|Y", false },
	{ "R", "X|A|U|I", false },     { "V", "X|D|C", false },
	{ "RE", "X|L|M|H", false },    { "U", "X|Clear|Green|Amber|Red", false },
};
enum {
	V4_AV,
	V4_AC,
	V4_AT,
	V4_PR,
	V4_UI,
	V4_VC,
	V4_VI,
	V4_VA,
	V4_SC,
	V4_SI,
	V4_SA,
	V4_E,
	V4_CR,
	V4_IR,
	V4_AR,
	V4_MAV, /* the modified base metrics follow in the base metrics' order, AV..SA */
	V4_N = sizeof(v4_metrics) / sizeof(v4_metrics[0]),
};

static const char *const severity_names[CN_SEV_MAX] = {
	[CN_SEV_UNKNOWN] = "UNKNOWN", [CN_SEV_NONE] = "NONE", [CN_SEV_LOW] = "LOW",
	[CN_SEV_MEDIUM] = "MEDIUM",   [CN_SEV_HIGH] = "HIGH", [CN_SEV_CRITICAL] = "CRITICAL",
};

const char *cn_severity_name(enum cn_severity s)
{
	return (unsigned)s < CN_SEV_MAX ? severity_names[s] : "UNKNOWN";
}

int cn_severity_parse(const char *s, enum cn_severity *ret)
{
	static const struct {
		const char *word;
		enum cn_severity sev;
	} words[] = {
		{ "unknown", CN_SEV_UNKNOWN },	 { "not yet assigned", CN_SEV_UNKNOWN },
		{ "none", CN_SEV_NONE },	 { "low", CN_SEV_LOW },
		{ "unimportant", CN_SEV_LOW },	 { "negligible", CN_SEV_LOW },
		{ "medium", CN_SEV_MEDIUM },	 { "moderate", CN_SEV_MEDIUM },
		{ "high", CN_SEV_HIGH },	 { "important", CN_SEV_HIGH },
		{ "critical", CN_SEV_CRITICAL },
	};
	size_t len;

	if (!s)
		return -EINVAL;
	/* Debian's tracker marks unsure urgencies with a trailing "*" or "**". */
	len = strcspn(s, "*");
	if (s[len] && strspn(s + len, "*") != strlen(s + len))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		if (strlen(words[i].word) == len && strncasecmp(s, words[i].word, len) == 0) {
			*ret = words[i].sev;
			return 0;
		}
	}
	return -EINVAL;
}

enum cn_severity cn_cvss_rating(unsigned score10)
{
	if (score10 == 0)
		return CN_SEV_NONE;
	if (score10 < 40)
		return CN_SEV_LOW;
	if (score10 < 70)
		return CN_SEV_MEDIUM;
	if (score10 < 90)
		return CN_SEV_HIGH;
	return CN_SEV_CRITICAL;
}

/* Index of `val` (length len) in the '|'-separated list, or -1. */
static int value_index(const char *values, const char *val, size_t len)
{
	int idx = 0;

	for (const char *p = values;; idx++) {
		size_t n = strcspn(p, "|");
		if (n == len && memcmp(p, val, len) == 0)
			return idx;
		if (!p[n])
			return -1;
		p += n + 1;
	}
}

/*
 * Splits "K:V/K:V..." (after the prefix) into per-metric value indexes (-1 when absent).
 * `ordered` requires the definition order (v4.0); v3.x accepts any order.
 */
static int parse_metrics(const char *s, const struct metric_def *defs, size_t n_defs, bool ordered,
			 int *idx, struct cn_error *err)
{
	size_t next = 0;

	for (size_t i = 0; i < n_defs; i++)
		idx[i] = -1;
	while (*s) {
		size_t len = strcspn(s, "/"), klen = strcspn(s, ":/");
		size_t d;

		if (klen >= len || klen == 0 || klen + 1 == len)
			return cn_error_set(err, -EINVAL, "malformed metric \"%.*s\"", (int)len, s);
		for (d = 0; d < n_defs; d++)
			if (strlen(defs[d].name) == klen && memcmp(defs[d].name, s, klen) == 0)
				break;
		if (d == n_defs)
			return cn_error_set(err, -EINVAL, "unknown metric \"%.*s\"", (int)klen, s);
		if (idx[d] >= 0)
			return cn_error_set(err, -EINVAL, "metric %s given twice", defs[d].name);
		if (ordered && d < next)
			return cn_error_set(err, -EINVAL, "metric %s out of order", defs[d].name);
		next = d + 1;
		idx[d] = value_index(defs[d].values, s + klen + 1, len - klen - 1);
		if (idx[d] < 0)
			return cn_error_set(err, -EINVAL, "invalid value for %s: \"%.*s\"",
					    defs[d].name, (int)(len - klen - 1), s + klen + 1);
		s += len;
		if (*s == '/' && !*++s)
			return cn_error_set(err, -EINVAL, "trailing \"/\"");
	}
	for (size_t i = 0; i < n_defs; i++)
		if (defs[i].mandatory && idx[i] < 0)
			return cn_error_set(err, -EINVAL, "missing base metric %s", defs[i].name);
	return 0;
}

/* v3.1 Appendix A Roundup, in tenths: the smallest one-decimal value >= x. */
static unsigned roundup10(double x)
{
	long long i = (long long)(x * 100000.0 + 0.5); /* x >= 0 */

	if (i % 10000 == 0)
		return (unsigned)(i / 10000);
	return (unsigned)(i / 10000 + 1);
}

static unsigned v3_score(const int *m)
{
	static const double av[] = { 0.85, 0.62, 0.55, 0.2 }, ac[] = { 0.77, 0.44 };
	static const double pr_u[] = { 0.85, 0.62, 0.27 }, pr_c[] = { 0.85, 0.68, 0.5 };
	static const double ui[] = { 0.85, 0.62 }, cia[] = { 0.56, 0.22, 0 };
	bool changed = m[V3_S] == 1;
	double iss, impact, expl, p15 = 1;

	iss = 1 - (1 - cia[m[V3_C]]) * (1 - cia[m[V3_I]]) * (1 - cia[m[V3_A]]);
	for (int i = 0; i < 15; i++)
		p15 *= iss - 0.02;
	if (changed)
		impact = 7.52 * (iss - 0.029) - 3.25 * p15;
	else
		impact = 6.42 * iss;
	expl = 8.22 * av[m[V3_AV]] * ac[m[V3_AC]] * (changed ? pr_c : pr_u)[m[V3_PR]] *
	       ui[m[V3_UI]];
	if (impact <= 0)
		return 0;
	if (changed)
		impact = 1.08 * (impact + expl);
	else
		impact = impact + expl;
	return roundup10(impact < 10 ? impact : 10);
}

/*
 * MacroVector scores in tenths, indexed [EQ1][EQ2][EQ3][EQ4][EQ5][EQ6]: the table the v4.0
 * specification (section 8.3) publishes as FIRST's cvss_lookup.js. -1: no such MacroVector
 * (EQ3=2 with EQ6=0, Table 30 "cannot exist").
 */
#define X -1
static const signed char mv_score[3][2][3][3][3][2] = {
	{ {
		  { { { 100, 99 }, { 98, 95 }, { 95, 92 } },
		    { { 100, 96 }, { 93, 87 }, { 91, 81 } },
		    { { 93, 90 }, { 89, 80 }, { 81, 68 } } },
		  { { { 98, 95 }, { 95, 92 }, { 90, 84 } },
		    { { 93, 92 }, { 89, 81 }, { 81, 65 } },
		    { { 88, 80 }, { 78, 70 }, { 69, 48 } } },
		  { { { X, 92 }, { X, 82 }, { X, 72 } },
		    { { X, 79 }, { X, 69 }, { X, 50 } },
		    { { X, 69 }, { X, 55 }, { X, 27 } } },
	  },
	  {
		  { { { 99, 97 }, { 95, 92 }, { 92, 85 } },
		    { { 95, 91 }, { 90, 83 }, { 84, 71 } },
		    { { 92, 81 }, { 82, 71 }, { 72, 53 } } },
		  { { { 95, 93 }, { 92, 85 }, { 85, 73 } },
		    { { 92, 82 }, { 80, 72 }, { 70, 59 } },
		    { { 84, 70 }, { 71, 52 }, { 50, 30 } } },
		  { { { X, 86 }, { X, 75 }, { X, 52 } },
		    { { X, 71 }, { X, 52 }, { X, 29 } },
		    { { X, 63 }, { X, 29 }, { X, 17 } } },
	  } },
	{ {
		  { { { 98, 95 }, { 94, 87 }, { 91, 81 } },
		    { { 94, 89 }, { 86, 74 }, { 77, 64 } },
		    { { 87, 75 }, { 74, 63 }, { 63, 49 } } },
		  { { { 94, 89 }, { 88, 77 }, { 76, 67 } },
		    { { 86, 76 }, { 74, 58 }, { 59, 50 } },
		    { { 72, 57 }, { 57, 52 }, { 52, 25 } } },
		  { { { X, 83 }, { X, 70 }, { X, 54 } },
		    { { X, 65 }, { X, 58 }, { X, 26 } },
		    { { X, 53 }, { X, 21 }, { X, 13 } } },
	  },
	  {
		  { { { 95, 90 }, { 88, 76 }, { 76, 70 } },
		    { { 90, 77 }, { 75, 62 }, { 61, 53 } },
		    { { 77, 66 }, { 68, 59 }, { 52, 30 } } },
		  { { { 89, 78 }, { 76, 67 }, { 62, 58 } },
		    { { 74, 59 }, { 57, 57 }, { 47, 23 } },
		    { { 61, 52 }, { 57, 29 }, { 24, 16 } } },
		  { { { X, 71 }, { X, 59 }, { X, 30 } },
		    { { X, 58 }, { X, 26 }, { X, 15 } },
		    { { X, 23 }, { X, 13 }, { X, 6 } } },
	  } },
	{ {
		  { { { 93, 87 }, { 86, 72 }, { 75, 58 } },
		    { { 86, 74 }, { 74, 61 }, { 56, 34 } },
		    { { 70, 54 }, { 52, 40 }, { 40, 22 } } },
		  { { { 85, 75 }, { 74, 55 }, { 62, 51 } },
		    { { 72, 57 }, { 55, 41 }, { 46, 19 } },
		    { { 53, 36 }, { 34, 19 }, { 19, 8 } } },
		  { { { X, 64 }, { X, 51 }, { X, 20 } },
		    { { X, 47 }, { X, 21 }, { X, 11 } },
		    { { X, 24 }, { X, 9 }, { X, 4 } } },
	  },
	  {
		  { { { 88, 75 }, { 73, 53 }, { 60, 50 } },
		    { { 73, 55 }, { 59, 40 }, { 41, 20 } },
		    { { 54, 43 }, { 45, 22 }, { 20, 11 } } },
		  { { { 75, 55 }, { 58, 45 }, { 40, 21 } },
		    { { 61, 51 }, { 48, 18 }, { 20, 9 } },
		    { { 46, 18 }, { 17, 7 }, { 8, 2 } } },
		  { { { X, 53 }, { X, 24 }, { X, 14 } },
		    { { X, 24 }, { X, 12 }, { X, 5 } },
		    { { X, 10 }, { X, 3 }, { X, 1 } } },
	  } },
};
#undef X

/* The effective values of a v4.0 vector as severity steps from the most severe value of each
 * metric (section 2 orderings): 0 = most severe. */
struct v4_levels {
	int av, ac, at, pr, ui;
	int vc, vi, va;
	int sc, si, sa; /* 0 = S (Safety, MSI/MSA only), 1 = H, 2 = L, 3 = N */
	int e;		/* 0 = A, 1 = P, 2 = U */
	int cr, ir, ar; /* 0 = H, 1 = M, 2 = L */
};

/* The value index of base metric `b`, replaced by its modified metric when that is defined. */
static int effective(const int *m, int b)
{
	int mod = m[V4_MAV + b];

	if (mod > 0) /* index 0 is X; a modified list has X first, then the base list */
		return mod - 1;
	return m[b];
}

static void v4_levels(const int *m, struct v4_levels *l)
{
	/* E X|A|P|U -> X means A; CR X|H|M|L -> X means H. */
	l->av = effective(m, V4_AV);
	l->ac = effective(m, V4_AC);
	l->at = effective(m, V4_AT);
	l->pr = effective(m, V4_PR);
	l->ui = effective(m, V4_UI);
	l->vc = effective(m, V4_VC);
	l->vi = effective(m, V4_VI);
	l->va = effective(m, V4_VA);
	l->sc = effective(m, V4_SC) + 1;
	/* MSI/MSA lists are X|S|H|L|N: their index is already 1 + (S=0,H,L,N). */
	l->si = m[V4_MAV + V4_SI] > 0 ? m[V4_MAV + V4_SI] - 1 : m[V4_SI] + 1;
	l->sa = m[V4_MAV + V4_SA] > 0 ? m[V4_MAV + V4_SA] - 1 : m[V4_SA] + 1;
	l->e = m[V4_E] > 0 ? m[V4_E] - 1 : 0;
	l->cr = m[V4_CR] > 0 ? m[V4_CR] - 1 : 0;
	l->ir = m[V4_IR] > 0 ? m[V4_IR] - 1 : 0;
	l->ar = m[V4_AR] > 0 ? m[V4_AR] - 1 : 0;
}

/* Tables 24-30: the equivalence-set levels. H = 0 for VC/VI/VA and CR/IR/AR, 1 for SC/SI/SA. */
static void v4_eqs(const struct v4_levels *l, int eq[6])
{
	bool all_n = l->av == 0 && l->pr == 0 && l->ui == 0;
	bool any_n = l->av == 0 || l->pr == 0 || l->ui == 0;

	eq[0] = all_n ? 0 : (any_n && l->av != 3) ? 1 : 2;
	eq[1] = l->ac == 0 && l->at == 0 ? 0 : 1;
	eq[2] = l->vc == 0 && l->vi == 0 ? 0 : (l->vc == 0 || l->vi == 0 || l->va == 0) ? 1 : 2;
	eq[3] = l->si == 0 || l->sa == 0 ? 0 : (l->sc == 1 || l->si == 1 || l->sa == 1) ? 1 : 2;
	eq[4] = l->e;
	eq[5] = (l->cr == 0 && l->vc == 0) || (l->ir == 0 && l->vi == 0) ||
				(l->ar == 0 && l->va == 0)
			? 0
			: 1;
}

/*
 * Highest severity vectors of each MacroVector level (Tables 24-27, 30) as step levels, and
 * the level's depth: the severity distance from those to its lowest vectors (section 8.2) plus
 * one, so that the lowest vector of a MacroVector still scores above the next lower one.
 */
struct hsv {
	signed char v[6];
};
static const struct hsv eq1_max[3][3] = {
	{ { { 0, 0, 0 } }, { { -1 } } },
	{ { { 1, 0, 0 } }, { { 0, 1, 0 } }, { { 0, 0, 1 } } },
	{ { { 3, 0, 0 } }, { { 1, 1, 1 } }, { { -1 } } },
};
static const int eq1_depth[3] = { 1, 4, 5 };
static const struct hsv eq2_max[2][2] = { { { { 0, 0 } }, { { -1 } } },
					  { { { 0, 1 } }, { { 1, 0 } } } };
static const int eq2_depth[2] = { 1, 2 };
static const struct hsv eq4_max[3] = { { { 1, 0, 0 } }, { { 1, 1, 1 } }, { { 2, 2, 2 } } };
static const int eq4_depth[3] = { 6, 5, 4 };
/* EQ3+EQ6 rows 00, 01, 10, 11, 21 of Table 30: VC VI VA CR IR AR. */
static const struct hsv eq36_max[3][2][5] = {
	{ { { { 0, 0, 0, 0, 0, 0 } }, { { -1 } } },
	  { { { 0, 0, 0, 1, 1, 1 } }, { { 0, 0, 1, 1, 1, 0 } }, { { -1 } } } },
	{ { { { 1, 0, 0, 0, 0, 0 } }, { { 0, 1, 0, 0, 0, 0 } }, { { -1 } } },
	  { { { 0, 1, 0, 1, 0, 1 } },
	    { { 0, 1, 1, 1, 0, 0 } },
	    { { 1, 0, 0, 0, 1, 1 } },
	    { { 1, 0, 1, 0, 1, 0 } },
	    { { 1, 1, 0, 0, 0, 1 } } } },
	{ { { { -1 } } }, { { { 1, 1, 1, 0, 0, 0 } }, { { -1 } } } },
};
static const int eq36_depth[3][2] = { { 7, 6 }, { 8, 8 }, { 0, 10 } };

/* Severity distance of `have` (n metrics) from the first listed highest vector it does not
 * exceed in severity anywhere (the section 8.2 "severity distance"). */
static int distance(const struct hsv *max, size_t n_max, const int *have, size_t n)
{
	for (size_t i = 0; i < n_max && max[i].v[0] >= 0; i++) {
		int d = 0;
		size_t k;
		for (k = 0; k < n; k++) {
			if (have[k] < max[i].v[k])
				break;
			d += have[k] - max[i].v[k];
		}
		if (k == n)
			return d;
	}
	return 0; /* unreachable for a vector inside its MacroVector */
}

static int mv(const int eq[6])
{
	return mv_score[eq[0]][eq[1]][eq[2]][eq[3]][eq[4]][eq[5]];
}

/* The score of the MacroVector with one EQ lowered one level, or -1 when there is none. */
static int lower(const int eq[6], int which, int step3, int step6)
{
	static const int max_level[6] = { 2, 1, 2, 2, 2, 1 };
	int e[6];

	memcpy(e, eq, sizeof(e));
	if (which >= 0) {
		if (e[which] + 1 > max_level[which])
			return -1;
		e[which]++;
	} else {
		e[2] += step3;
		e[5] += step6;
		if (e[2] > 2 || e[5] > 1)
			return -1;
	}
	return mv(e);
}

/* The next lower EQ3+EQ6 MacroVector (section 8.2 treats the two jointly). */
static int lower36(const int eq[6])
{
	if (eq[2] == 0 && eq[5] == 0)
		return MAX(lower(eq, -1, 0, 1), lower(eq, -1, 1, 0));
	if (eq[2] == 1 && eq[5] == 0)
		return lower(eq, -1, 0, 1);
	if (eq[5] == 1)
		return lower(eq, -1, 1, 0);
	return -1;
}

static unsigned v4_score(const int *m)
{
	struct v4_levels l;
	int eq[6], value, n_lower = 0;
	int64_t num = 0, den;
	struct {
		int lower, dist, depth;
	} part[5];

	v4_levels(m, &l);
	if (l.vc == 2 && l.vi == 2 && l.va == 2 && l.sc == 3 && l.si == 3 && l.sa == 3)
		return 0;
	v4_eqs(&l, eq);
	value = mv(eq);

	int e1[] = { l.av, l.pr, l.ui }, e2[] = { l.ac, l.at };
	int e36[] = { l.vc, l.vi, l.va, l.cr, l.ir, l.ar }, e4[] = { l.sc, l.si, l.sa };
	part[0].lower = lower(eq, 0, 0, 0);
	part[0].dist = distance(eq1_max[eq[0]], 3, e1, 3);
	part[0].depth = eq1_depth[eq[0]];
	part[1].lower = lower(eq, 1, 0, 0);
	part[1].dist = distance(eq2_max[eq[1]], 2, e2, 2);
	part[1].depth = eq2_depth[eq[1]];
	part[2].lower = lower36(eq);
	part[2].dist = distance(eq36_max[eq[2]][eq[5]], 5, e36, 6);
	part[2].depth = eq36_depth[eq[2]][eq[5]];
	part[3].lower = lower(eq, 3, 0, 0);
	part[3].dist = distance(&eq4_max[eq[3]], 1, e4, 3);
	part[3].depth = eq4_depth[eq[3]];
	/* EQ5 has one vector per level: its distance is always 0, but a lower level counts. */
	part[4].lower = lower(eq, 4, 0, 0);
	part[4].dist = 0;
	part[4].depth = 1;

	/* score = value - mean over existing lower MacroVectors of (value - lower) * dist/depth,
	 * kept exact over the common denominator 2520 = lcm(1..10). */
	for (size_t i = 0; i < ARRAY_SIZE(part); i++) {
		if (part[i].lower < 0)
			continue;
		n_lower++;
		num += (int64_t)(value - part[i].lower) * part[i].dist * (2520 / part[i].depth);
	}
	if (n_lower == 0)
		return (unsigned)value;
	den = 2520 * (int64_t)n_lower;
	int64_t x = (int64_t)value * den - num; /* score10 * den */
	if (x <= 0)
		return 0;
	int64_t r = (2 * x + den) / (2 * den); /* round half up */
	return r > 100 ? 100 : (unsigned)r;
}

int cn_cvss_parse(const char *vector, struct cn_cvss *ret, struct cn_error *err)
{
	int m[V4_N];
	unsigned version;
	int r;

	if (!vector || strnlen(vector, CN_CVSS_VECTOR_MAX + 1) > CN_CVSS_VECTOR_MAX)
		return cn_error_set(err, -EINVAL, "CVSS vector missing or too long");
	if (strncmp(vector, "CVSS:3.0/", 9) == 0)
		version = 30;
	else if (strncmp(vector, "CVSS:3.1/", 9) == 0)
		version = 31;
	else if (strncmp(vector, "CVSS:4.0/", 9) == 0)
		version = 40;
	else
		return cn_error_set(err, -EINVAL, "not a CVSS v3.0, v3.1 or v4.0 vector: \"%.40s\"",
				    vector);
	if (version == 40)
		r = parse_metrics(vector + 9, v4_metrics, V4_N, true, m, err);
	else
		r = parse_metrics(vector + 9, v3_metrics, ARRAY_SIZE(v3_metrics), false, m, err);
	if (r < 0)
		return cn_error_prefix(err, r, "CVSS vector \"%.120s\"", vector);
	ret->version = version;
	ret->score10 = version == 40 ? v4_score(m) : v3_score(m);
	ret->rating = cn_cvss_rating(ret->score10);
	return 0;
}
