/*
 * Version ordering of dpkg, rpm and apk (lib/vuln/version-os.c). The cases come from each
 * package manager's own documentation and test suite, cited per table, plus real version
 * strings from Debian, Fedora/RHEL and Alpine; every (a, b, want) is also checked reversed
 * and every row's versions against themselves.
 */
#include "lib/vuln/version.h"

#include "test.h"

struct cmp_case {
	const char *a, *b;
	int want; /* sign of compare(a, b) */
};

typedef int (*compare_fn)(const char *a, const char *b);

static int sgn(int v)
{
	return (v > 0) - (v < 0);
}

static void check_table(const char *eco, compare_fn cmp, const struct cmp_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cmp_case *c = &cases[i];
		int got = sgn(cmp(c->a, c->b)), back = sgn(cmp(c->b, c->a));
		if (got != c->want || back != -c->want)
			TEST_FAIL("%s: compare(\"%s\", \"%s\") = %d (reversed %d), want %d", eco,
				  c->a, c->b, got, back, c->want);
		if (cmp(c->a, c->a) != 0 || cmp(c->b, c->b) != 0)
			TEST_FAIL("%s: \"%s\" or \"%s\" differs from itself", eco, c->a, c->b);
	}
}

/* `list` strictly ascending: every pair is checked, which also exercises transitivity. */
static void check_chain(const char *eco, compare_fn cmp, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int want = i < j ? -1 : i > j ? 1 : 0;
			if (sgn(cmp(list[i], list[j])) != want)
				TEST_FAIL("%s: compare(\"%s\", \"%s\") != %d", eco, list[i],
					  list[j], want);
		}
}

static void check_valid(const char *eco, bool (*valid)(const char *), const char *const *list,
			size_t n, bool want)
{
	for (size_t i = 0; i < n; i++)
		if (valid(list[i]) != want)
			TEST_FAIL("%s: valid(\"%s\") != %s", eco, list[i], want ? "true" : "false");
}

#define N(arr) (sizeof(arr) / sizeof((arr)[0]))

/* A version of CN_VERSION_MAX + 1 bytes: "1" followed by zeros. */
static const char *too_long(void)
{
	static char buf[CN_VERSION_MAX + 2];
	memset(buf, '0', CN_VERSION_MAX + 1);
	buf[0] = '1';
	buf[CN_VERSION_MAX + 1] = '\0';
	return buf;
}

/* NULL and over-long strings never crash and get one fixed order: NULL < long < others. */
static void check_unusual(const char *eco, compare_fn cmp, bool (*valid)(const char *))
{
	const char *lng = too_long();
	ASSERT_FALSE(valid(NULL));
	ASSERT_FALSE(valid(lng));
	ASSERT_FALSE(valid(""));
	ASSERT_EQ(cmp(NULL, NULL), 0);
	ASSERT_EQ(cmp(lng, lng), 0);
	ASSERT_EQ(sgn(cmp(NULL, "1")), -1);
	ASSERT_EQ(sgn(cmp("1", NULL)), 1);
	ASSERT_EQ(sgn(cmp(NULL, lng)), -1);
	ASSERT_EQ(sgn(cmp(lng, "1")), -1);
	ASSERT_EQ(sgn(cmp("1", lng)), 1);
	/* Exactly CN_VERSION_MAX bytes is still an ordinary version. */
	char max[CN_VERSION_MAX + 1];
	memset(max, '1', CN_VERSION_MAX);
	max[CN_VERSION_MAX] = '\0';
	if (!valid(max))
		TEST_FAIL("%s: a %d-byte version is invalid", eco, CN_VERSION_MAX);
	ASSERT_EQ(sgn(cmp(max, "2")), 1);
}

/* ---- dpkg ---------------------------------------------------------------------------- */

/*
 * deb-version(7) and Debian policy 5.6.12: '~' sorts before anything, even the end of the
 * part ("~~" < "~~a" < "~" < "" < "a"), letters before other punctuation, digit runs by
 * value, a missing epoch is 0 and a missing revision equals "0".
 */
static const struct cmp_case deb_cases[] = {
	/* dpkg lib/dpkg/t/t-version.c (epoch, version, revision objects written out) */
	{ "0-0", "0-0", 0 },
	{ "0-00", "00-0", 0 },
	{ "1:2-3", "1:2-3", 0 },
	{ "0-0", "1:0-0", -1 },
	{ "a-0", "b-0", -1 },
	{ "0-a", "0-b", -1 },
	{ "1-1", "2-1", -1 },
	{ "1-1", "1-2", -1 },
	{ "0", "0:0", 0 },
	{ "0:0-0", "0", 0 },
	{ "0:0.0-0.0", "0.0-0.0", 0 },
	{ "1:0", "0:0", 1 },
	{ "5:1", "1:5", 1 },
	{ "0:0-0-0", "0-0-0", 0 },
	{ "0:0:0-0", "0:0:0-0", 0 },
	{ "0:0-0:0-0", "0:0-0:0-0", 0 },
	/* deb-version(7) / policy: the tilde and the empty part */
	{ "1.0~rc1", "1.0", -1 },
	{ "1.0~~", "1.0~~a", -1 },
	{ "1.0~~a", "1.0~", -1 },
	{ "1.0~", "1.0", -1 },
	{ "1.0", "1.0a", -1 },
	{ "1.0~rc1-1", "1.0-1", -1 },
	{ "1.0-1~bpo11+1", "1.0-1", -1 },
	/* letters before non-letters, the end before both */
	{ "1.0a", "1.0+", -1 },
	{ "1.0+dfsg", "1.0", 1 },
	{ "1.0", "1.0.0", -1 },
	{ "1.0.0", "1.0+", 1 },
	{ "1.0-1", "1.0-1+b1", -1 },
	{ "1.0-1", "1.0-1ubuntu0.1", -1 },
	/* numbers by value: leading zeros do not count, length does */
	{ "1.01", "1.1", 0 },
	{ "1.9", "1.10", -1 },
	{ "1.0", "1.0-0", 0 },
	{ "1.99999999999999999999", "1.100000000000000000000", -1 },
	{ "1.00000000000000000000000001", "1.1", 0 },
	/* the epoch beats everything after it */
	{ "1:1.0", "2.0", 1 },
	{ "1:1.0", "0:99.0", 1 },
	{ "10:1", "9:1", 1 },
	/* real Debian versions: the openssl example and stable updates */
	{ "3.0.11-1~deb12u2", "3.0.11-1~deb12u3", -1 },
	{ "3.0.11-1~deb12u2", "3.0.13-1~deb12u1", -1 },
	{ "3.0.15-1~deb12u1", "3.0.11-1~deb12u2", 1 },
	{ "2.36-9+deb12u4", "2.36-9+deb12u10", -1 },
	{ "1:2.39.2-1.1", "1:2.39.2-1", 1 },
	{ "7.88.1-10+deb12u5", "7.88.1-10", 1 },
	{ "1.2.13.dfsg-1", "1.2.13-1", 1 },
	{ "252.22-1~deb12u1", "252.19-1~deb12u1", 1 },
};

/* Policy's own example order plus typical Debian shapes, ascending. */
static const char *const deb_chain[] = {
	"1.0~~",     "1.0~~a", "1.0~",	       "1.0~rc1",  "1.0~rc2", "1.0",	  "1.0-0.1",
	"1.0-1~bpo", "1.0-1",  "1.0-1ubuntu1", "1.0-1+b1", "1.0a",    "1.0+dfsg", "1.0.1",
	"1.1",	     "1.10",   "2.0",	       "1:0.1",	   "1:0.1-1", "2:0",
};

static const char *const deb_valid[] = {
	"0",
	"1.0",
	"1:1.0-1",
	"3.0.11-1~deb12u2",
	"2:1.2.3+dfsg-1+b1",
	"0:09azAZ.-+~:-0", /* dpkg t-version.c: every upstream character */
	"0:0-azAZ09.+~",   /* every revision character */
	"1.0-1-1",	   /* upstream "1.0-1" */
	"2147483647:1",	   /* the largest epoch dpkg takes */
	"1.0~rc1",
};

static const char *const deb_invalid[] = {
	/* dpkg t-version.c's rejected versions */
	"",
	"  ",
	"0:",
	"0:0 0-1",
	"-1:0-1",
	"999999999999999999999999:0-1",
	"a:0-0",
	"A:0-0",
	"-0",
	"0:-0",
	"0:abc3-0",
	"0:0!-0",
	"0:0_-0",
	"0:0^-0",
	"0:0=-0",
	"0:0-0:0",
	"0:0-0_",
	/* dpkg 1.21: "revision number is empty"; epoch over INT_MAX */
	"0:0-",
	"1.0-",
	"2147483648:1",
	/* what an advisory may hold instead of a version */
	"<unfixed>",
	"1.0 ",
	"1.0:3",
};

TEST(deb_compare)
{
	check_table("deb", cn_version_compare_deb, deb_cases, N(deb_cases));
	check_chain("deb", cn_version_compare_deb, deb_chain, N(deb_chain));
}

TEST(deb_valid)
{
	check_valid("deb", cn_version_valid_deb, deb_valid, N(deb_valid), true);
	check_valid("deb", cn_version_valid_deb, deb_invalid, N(deb_invalid), false);
	check_unusual("deb", cn_version_compare_deb, cn_version_valid_deb);
}

/* ---- rpm ----------------------------------------------------------------------------- */

/* rpm tests/rpmvercmp.at, every case (the upstream file's "oddities" block stays out). */
static const struct cmp_case rpm_vercmp_cases[] = {
	{ "1.0", "1.0", 0 },
	{ "1.0", "2.0", -1 },
	{ "2.0.1", "2.0.1", 0 },
	{ "2.0", "2.0.1", -1 },
	{ "2.0.1a", "2.0.1a", 0 },
	{ "2.0.1a", "2.0.1", 1 },
	{ "5.5p1", "5.5p1", 0 },
	{ "5.5p1", "5.5p2", -1 },
	{ "5.5p10", "5.5p10", 0 },
	{ "5.5p1", "5.5p10", -1 },
	{ "10xyz", "10.1xyz", -1 },
	{ "xyz10", "xyz10", 0 },
	{ "xyz10", "xyz10.1", -1 },
	{ "xyz.4", "xyz.4", 0 },
	{ "xyz.4", "8", -1 },
	{ "xyz.4", "2", -1 },
	{ "5.5p2", "5.6p1", -1 },
	{ "5.6p1", "6.5p1", -1 },
	{ "6.0.rc1", "6.0", 1 },
	{ "10b2", "10a1", 1 },
	{ "10a2", "10b2", -1 },
	{ "1.0aa", "1.0aa", 0 },
	{ "1.0a", "1.0aa", -1 },
	{ "10.0001", "10.0001", 0 },
	{ "10.0001", "10.1", 0 },
	{ "10.0001", "10.0039", -1 },
	{ "4.999.9", "5.0", -1 },
	{ "20101121", "20101121", 0 },
	{ "20101121", "20101122", -1 },
	{ "2_0", "2_0", 0 },
	{ "2.0", "2_0", 0 },
	/* RhBug:178798: separators only separate */
	{ "a", "a", 0 },
	{ "a+", "a+", 0 },
	{ "a+", "a_", 0 },
	{ "+a", "+a", 0 },
	{ "+a", "_a", 0 },
	{ "+_", "+_", 0 },
	{ "_+", "+_", 0 },
	{ "_+", "_+", 0 },
	{ "+", "_", 0 },
	/* tilde */
	{ "1.0~rc1", "1.0~rc1", 0 },
	{ "1.0~rc1", "1.0", -1 },
	{ "1.0~rc1", "1.0~rc2", -1 },
	{ "1.0~rc1~git123", "1.0~rc1~git123", 0 },
	{ "1.0~rc1~git123", "1.0~rc1", -1 },
	/* caret (rpm >= 4.15) */
	{ "1.0^", "1.0^", 0 },
	{ "1.0^", "1.0", 1 },
	{ "1.0^git1", "1.0^git1", 0 },
	{ "1.0^git1", "1.0", 1 },
	{ "1.0^git1", "1.0^git2", -1 },
	{ "1.0^git1", "1.01", -1 },
	{ "1.0^20160101", "1.0^20160101", 0 },
	{ "1.0^20160101", "1.0.1", -1 },
	{ "1.0^20160101^git1", "1.0^20160101^git1", 0 },
	{ "1.0^20160102", "1.0^20160101^git1", 1 },
	/* tilde and caret together */
	{ "1.0~rc1^git1", "1.0~rc1^git1", 0 },
	{ "1.0~rc1^git1", "1.0~rc1", 1 },
	{ "1.0^git1~pre", "1.0^git1~pre", 0 },
	{ "1.0^git1", "1.0^git1~pre", 1 },
};

/* Whole EVRs: epoch first (missing = 0), then version, then release. */
static const struct cmp_case rpm_evr_cases[] = {
	{ "1:1.0-1", "2.0-1", 1 },
	{ "0:1.0-1", "1.0-1", 0 },
	{ "1.0-1", "1:0.1-1", -1 },
	{ "10:1-1", "9:2-1", 1 },
	{ "1.0-1.el8", "1.0-2.el8", -1 },
	{ "1.0-10.el8", "1.0-9.el8", 1 },
	/* a missing release sorts first (rpm's lua rpm.vercmp agrees) */
	{ "1.0-1", "1.0", 1 },
	{ "1.0~rc1-1", "1.0-0", -1 },
	{ "1.0^git1-1", "1.0-9", 1 },
	/* real RHEL/Fedora updates */
	{ "3.0.7-16.el9_2", "3.0.7-17.el9", -1 },
	{ "1:3.0.7-27.el9", "1:3.0.7-24.el9", 1 },
	{ "1:1.1.1k-7.el8_6", "1:1.1.1k-12.el8_9", -1 },
	{ "2.28-225.el8", "2.28-225.el8_8.6", -1 },
	{ "5.14.0-362.8.1.el9_3", "5.14.0-284.30.1.el9_2", 1 },
	{ "0:2.9.13-6.el9_4", "2.9.13-5.el9_4", 1 },
	{ "1.5.0-0.1.rc1.fc40", "1.5.0-1.fc40", -1 },
	{ "2.0.1-1.fc39", "2.0.1-1.fc40", -1 },
	/* numbers beyond 64 bits */
	{ "1.99999999999999999999-1", "1.100000000000000000000-1", -1 },
};

static const char *const rpm_chain[] = {
	"1.0~rc1-1", "1.0~rc2-1", "1.0-1", "1.0-1.el9", "1.0-2", "1.0^git1-1",
	"1.0.1-1",   "1.1-1",	  "2-1",   "1:0.1-1",	"2:0-0",
};

static const char *const rpm_valid[] = {
	"1.0",
	"1.0-1",
	"1:1.0-1.el8",
	"1.0~rc1-1",
	"1.0^git1-1.fc36",
	"2_0",
	"0:3.0.7-16.el9_2",
	"4294967295:1",
	"1.0+git",
	"1.1.1k-7.el8_6",
};

static const char *const rpm_invalid[] = {
	"",	 "1.0-",    "-1",    ":1.0",	       "1:2:3",
	"a:1.0", "1.0-1-1", "1.0 1", "4294967296:1.0", "1.0-(none)",
};

TEST(rpm_compare)
{
	check_table("rpm", cn_version_compare_rpm, rpm_vercmp_cases, N(rpm_vercmp_cases));
	check_table("rpm", cn_version_compare_rpm, rpm_evr_cases, N(rpm_evr_cases));
	check_chain("rpm", cn_version_compare_rpm, rpm_chain, N(rpm_chain));
}

TEST(rpm_valid)
{
	check_valid("rpm", cn_version_valid_rpm, rpm_valid, N(rpm_valid), true);
	check_valid("rpm", cn_version_valid_rpm, rpm_invalid, N(rpm_invalid), false);
	check_unusual("rpm", cn_version_compare_rpm, cn_version_valid_rpm);
}

/* ---- apk ----------------------------------------------------------------------------- */

/*
 * apk-tools test/version.data (a selection covering every rule, including its invalid
 * rows), then the suffix order and the "~hash" token of apk-tools' version grammar.
 */
static const struct cmp_case apk_cases[] = {
	{ "2.34", "0.1.0_alpha", 1 },
	{ "23_foo", "4_beta", 1 },
	{ "1.0", "1.0bc", -1 },
	{ "0.1.0_alpha", "0.1.0_alpha", 0 },
	{ "0.1.0_alpha", "0.1.3_alpha", -1 },
	{ "0.1.0_alpha2", "0.1.0_alpha", 1 },
	{ "0.1.0_alpha", "2.2.39-r1", -1 },
	{ "1.0.4-r3", "1.0.4-r4", -1 },
	{ "1.1", "1.1_alpha1", 1 },
	{ "1.2", "1.3_alpha", -1 },
	{ "1.3_alpha2", "1.3_alpha3", -1 },
	{ "0.7.0", "0.8_beta1", -1 },
	{ "3.10.18-r1", "2.3.0b-r1", 1 },
	{ "2.3.0b-r1", "2.3.0b-r2", -1 },
	{ "0.12.3", "0.12", 1 },
	{ "0.12", "0.13_beta1", -1 },
	{ "1.2.11", "1.2.12.1", -1 },
	{ "0.2.0-r1", "3.1_p16", -1 },
	{ "3.1_p16", "3.1_p17", -1 },
	{ "1.06-r6", "006", -1 },
	{ "006", "1.0.0", 1 },
	{ "1.2.2-r1", "1.2.2", 1 },
	{ "20050718-r1", "20050718-r2", -1 },
	{ "3.9.8-r5", "2.01.01_alpha10", 1 },
	{ "1.0", "0.99.3.20040818", 1 },
	{ "1.39", "1.00_beta2", 1 },
	{ "4.2.52_p2-r1", "4.2.52_p4-r2", -1 },
	{ "4.2.52_p4-r2", "1.02.07", 1 },
	{ "9", "2.18.3-r10", 1 },
	{ "2.18.3-r10", "1.05-r18", 1 },
	{ "20060720", "3.0.20060720", 1 },
	{ "1.4.4-r1", "2.1.9.200602141850", -1 },
	{ "2.5.1-r8", "2.5.1a-r1", -1 },
	{ "1.3.5-r10", "1.3.5-r8", 1 },
	{ "20040401", "2.0.0_rc3-r1", 1 },
	{ "2.6.15.20060110", "2.6.16.20060323", -1 },
	{ "3.0.0-r2", "021109-r3", -1 },
	{ "021109-r3", "20060512", -1 },
	{ "0.9.16-r1", "3.9_pre20060124", -1 },
	{ "0.01", "0.06", -1 },
	{ "1.1.7", "6b-r7", -1 },
	{ "0.10.0-r1", "0.10.0", 1 },
	{ "0.10.0", "0.10.1_rc1", -1 },
	{ "1.1a", "1.3a", -1 },
	{ "1.0-r1", "0.15.1b", 1 },
	{ "0.15.1b-r2", "0.15.1b", 1 },
	{ "22.7-r1", "22.7.3-r1", -1 },
	{ "22.7", "2.1_pre20", 1 },
	{ "2.10.1", "02.08.01b", 1 },
	{ "0.2.10-r2", "2.01", -1 },
	{ "3.81", "1.6d", 1 },
	{ "1.2.07.8", "1.2.12.04", -1 },
	{ "1.2.12.04", "1.2.12.05", -1 },
	{ "1.07-r1", "1.07.5", -1 },
	{ "0.1_pre20060810", "0.1_pre20060817", -1 },
	{ "3.3.17", "0.59s-r11", 1 },
	{ "0.20070118", "0.20070207_rc1", -1 },
	{ "0.20070207_rc1", "1.0", -1 },
	{ "4.01", "4.20", -1 },
	{ "4.20", "0.20070118", 1 },
	{ "3.7_p1", "1.3", 1 },
	{ "4.5_p1-r1", "4.5_p1", 1 },
	{ "0.9.8c-r1", "0.9.8d", -1 },
	{ "2.2.3-r2", "013", -1 },
	{ "013", "014-r1", -1 },
	{ "1.7", "1.7b", -1 },
	{ "1.8.5", "1.8.5_p2", -1 },
	{ "2.9.11_pre20051101-r3", "2.9.11_pre20051101", 1 },
	{ "1.6.8_p12-r1", "1.6.8_p9-r2", 1 },
	{ "0.9.28.1", "087-r1", -1 },
	{ "104-r11", "104-r9", 1 },
	{ "1.2.5_rc2", "0.1", 1 },
	{ "20040406-r1", "2.12r-r4", 1 },
	{ "2.12r-r4", "2.12r-r5", -1 },
	{ "7.0.17", "7.0.174", -1 },
	{ "0.3.4_pre20061029", "0.4.0", -1 },
	{ "1.3-r0", "1.3.1-r0", -1 },
	{ "1.3_pre1-r1", "1.3.2", -1 },
	{ "1.0_p10-r0", "1.0_p9-r0", 1 },
	{ "0.1.0_alpha_pre2", "0.1.0_alpha", -1 },
	{ "1.0.0_pre20191002222144-r0", "1.0.0_pre20210530193627-r0", -1 },
	/* a dotted part with a leading zero compares as text */
	{ "1.01", "1.1", -1 },
	{ "1.0", "1.00", -1 },
	{ "1.001", "1.01", -1 },
	/* commit hashes: after the suffixes, before the revision */
	{ "1.0~abc", "1.0", 1 },
	{ "1.0~abc", "1.0~abd", -1 },
	{ "1.0~abc-r1", "1.0~abc-r0", 1 },
	{ "1.0_rc1~abc", "1.0", -1 },
	/* numbers beyond 64 bits */
	{ "99999999999999999999", "100000000000000000000", -1 },
	{ "1_p99999999999999999999", "1_p100000000000000000000", -1 },
};

/* Every suffix of apk-tools' grammar, ascending. */
static const char *const apk_chain[] = {
	"1.0_alpha", "1.0_alpha1", "1.0_beta",	"1.0_pre", "1.0_rc",  "1.0_rc1",
	"1.0",	     "1.0-r1",	   "1.0_cvs",	"1.0_svn", "1.0_git", "1.0_hg",
	"1.0_p",     "1.0_p1",	   "1.0_p1-r1", "1.0a",	   "1.0b",    "1.0.1",
};

static const char *const apk_valid[] = {
	"1.0",
	"1.0-r0",
	"2.3.0b-r1",
	"0.1.0_alpha_pre2",
	"006",
	"1.0_p10-r0",
	"1.2.3~abc123-r4",
	"3.0.15-r0",
	"20050718",
	"2.9.11_pre20051101-r3",
	"1.0.0_pre20191002222144-r0",
	"1.2.12.04",
};

static const char *const apk_invalid[] = {
	"",	"1.0bc",   "23_foo",  "1.0-r",	   "1.0-1",	"a1.0",	     "1..0",
	"1.0.", "1.0_",	   "1.0A",    "1.0b.1",	   "1.0_rc1.2", "1.0-r1_p1", "v1.0",
	"1.0~", "1.0~xyz", "1.0~ABC", "1.0-r1~ab", "1.0 ",	"-r1",	     "1.0_RC1",
};

TEST(apk_compare)
{
	check_table("apk", cn_version_compare_apk, apk_cases, N(apk_cases));
	check_chain("apk", cn_version_compare_apk, apk_chain, N(apk_chain));
}

TEST(apk_valid)
{
	check_valid("apk", cn_version_valid_apk, apk_valid, N(apk_valid), true);
	check_valid("apk", cn_version_valid_apk, apk_invalid, N(apk_invalid), false);
	check_unusual("apk", cn_version_compare_apk, cn_version_valid_apk);
}

/* The dispatch reaches the same rules. */
TEST(dispatch)
{
	ASSERT_EQ(sgn(cn_version_compare(CN_ECO_DEB, "1.0~rc1", "1.0")), -1);
	ASSERT_EQ(sgn(cn_version_compare(CN_ECO_RPM, "1.0^git1", "1.0")), 1);
	ASSERT_EQ(sgn(cn_version_compare(CN_ECO_APK, "1.0_rc1", "1.0")), -1);
	ASSERT_TRUE(cn_version_valid(CN_ECO_DEB, "1:1.0-1"));
	ASSERT_FALSE(cn_version_valid(CN_ECO_RPM, "1.0-1-1"));
	ASSERT_FALSE(cn_version_valid(CN_ECO_APK, "1.0-1"));
}
