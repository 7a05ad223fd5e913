/*
 * Version ordering for the language ecosystems (version-lang.c). The cases come from each
 * ecosystem's own specification and test suite, cited above each table:
 *   PEP 440 and pypa/packaging tests/test_version.py (VERSIONS list, normalization cases)
 *   semver.org 2.0.0 §9-§11 and node-semver's fixtures
 *   golang.org/x/mod/semver semver_test.go and go.dev/ref/mod (pseudo-versions, +incompatible)
 *   maven-artifact ComparableVersionTest.java (3.9) and the ComparableVersion javadoc
 */
#include "lib/vuln/version.h"

#include "test.h"

struct cmp_case {
	const char *a, *b;
	int want; /* sign of compare(a, b) */
};

static int sgn(int x)
{
	return (x > 0) - (x < 0);
}

/* Checks compare(a, b) and its antisymmetric counterpart for every row. */
static void check_pairs(enum cn_ecosystem eco, const struct cmp_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int got = sgn(cn_version_compare(eco, cases[i].a, cases[i].b));
		int back = sgn(cn_version_compare(eco, cases[i].b, cases[i].a));
		if (got != cases[i].want || back != -cases[i].want)
			TEST_FAIL("eco %d: compare(\"%s\", \"%s\") = %d (reverse %d), want %d", eco,
				  cases[i].a, cases[i].b, got, back, cases[i].want);
	}
}

/* Checks that `list` is strictly increasing: every earlier entry below every later one. */
static void check_order(enum cn_ecosystem eco, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!cn_version_valid(eco, list[i]))
			TEST_FAIL("eco %d: \"%s\" should be valid", eco, list[i]);
		for (size_t j = 0; j < n; j++) {
			int want = i < j ? -1 : i > j ? 1 : 0;
			int got = sgn(cn_version_compare(eco, list[i], list[j]));
			if (got != want)
				TEST_FAIL("eco %d: compare(\"%s\", \"%s\") = %d, want %d", eco,
					  list[i], list[j], got, want);
		}
	}
}

static void check_valid(enum cn_ecosystem eco, const char *const *list, size_t n, bool want)
{
	for (size_t i = 0; i < n; i++)
		if (cn_version_valid(eco, list[i]) != want)
			TEST_FAIL("eco %d: valid(\"%s\") = %d, want %d", eco, list[i], !want, want);
}

#define N(x) (sizeof(x) / sizeof(*(x)))

/* ---- PEP 440 ---- */

/* packaging tests/test_version.py VERSIONS, "sorted from lowest to highest". */
static const char *const pep440_sorted[] = {
	"1.0.dev456",
	"1.0a1",
	"1.0a2.dev456",
	"1.0a12.dev456",
	"1.0a12",
	"1.0b1.dev456",
	"1.0b2",
	"1.0b2.post345.dev456",
	"1.0b2.post345",
	"1.0b2-346",
	"1.0c1.dev456",
	"1.0c1",
	"1.0rc2",
	"1.0c3",
	"1.0",
	"1.0.post456.dev34",
	"1.0.post456",
	"1.1.dev1",
	"1.2+123abc",
	"1.2+123abc456",
	"1.2+abc",
	"1.2+abc123",
	"1.2+abc123def",
	"1.2+1234.abc",
	"1.2+123456",
	"1.2.r32+123456",
	"1.2.rev33+123456",
	"1!1.0.dev456",
	"1!1.0a1",
	"1!1.0a2.dev456",
	"1!1.0a12.dev456",
	"1!1.0a12",
	"1!1.0b1.dev456",
	"1!1.0b2",
	"1!1.0b2.post345.dev456",
	"1!1.0b2.post345",
	"1!1.0b2-346",
	"1!1.0c1.dev456",
	"1!1.0c1",
	"1!1.0rc2",
	"1!1.0c3",
	"1!1.0",
	"1!1.0.post456.dev34",
	"1!1.0.post456",
	"1!1.1.dev1",
	"1!1.2+123abc",
	"1!1.2+123abc456",
	"1!1.2+abc",
	"1!1.2+abc123",
	"1!1.2+abc123def",
	"1!1.2+1234.abc",
	"1!1.2+123456",
	"1!1.2.r32+123456",
	"1!1.2.rev33+123456",
};

/* PEP 440 "Normalization" section and packaging's normalization tests: each spelling equals
 * its normal form. */
static const struct cmp_case pep440_equal[] = {
	{ "1.0dev", "1.0.dev0", 0 },
	{ "1.0.dev", "1.0.dev0", 0 },
	{ "1.0-dev", "1.0.dev0", 0 },
	{ "1.0_dev1", "1.0.dev1", 0 },
	{ "1.0DEV", "1.0.dev0", 0 },
	{ "1.0.DEV-1", "1.0.dev1", 0 },
	{ "1.0a", "1.0a0", 0 },
	{ "1.0.a1", "1.0a1", 0 },
	{ "1.0-a1", "1.0a1", 0 },
	{ "1.0alpha1", "1.0a1", 0 },
	{ "1.0.ALPHA-1", "1.0a1", 0 },
	{ "1.0beta2", "1.0b2", 0 },
	{ "1.0c1", "1.0rc1", 0 },
	{ "1.0pre1", "1.0rc1", 0 },
	{ "1.0preview_1", "1.0rc1", 0 },
	{ "1.0post", "1.0.post0", 0 },
	{ "1.0-post2", "1.0.post2", 0 },
	{ "1.0rev2", "1.0.post2", 0 },
	{ "1.0.r2", "1.0.post2", 0 },
	{ "1.0-5", "1.0.post5", 0 },
	{ "1.0+ubuntu-1", "1.0+ubuntu.1", 0 },
	{ "1.0+ubuntu_1", "1.0+ubuntu.1", 0 },
	{ "1.0+UBUNTU.1", "1.0+ubuntu.1", 0 },
	{ "1.0+01", "1.0+1", 0 },
	{ "v1.0", "1.0", 0 },
	{ "V1.0", "1.0", 0 },
	{ " 1.0\n", "1.0", 0 },
	{ "0!1.0", "1.0", 0 },
	{ "1.01", "1.1", 0 },
	{ "1.0a05", "1.0a5", 0 },
	{ "1.0", "1.0.0", 0 },
	{ "1", "1.0.0.0", 0 },
	{ "0", "0.0", 0 },
};

/* PEP 440 "Summary of permitted suffixes and relative ordering" and further spec examples. */
static const struct cmp_case pep440_pairs[] = {
	{ "1.0.dev1", "1.0a1", -1 },
	{ "1.0a1.dev1", "1.0a1", -1 },
	{ "1.0a1", "1.0a1.post1.dev1", -1 },
	{ "1.0a1.post1.dev1", "1.0a1.post1", -1 },
	{ "1.0rc1", "1.0", -1 },
	{ "1.0", "1.0+local", -1 },
	{ "1.0+local", "1.0.post1.dev1", -1 },
	{ "1.0.post1", "1.1.dev1", -1 },
	{ "1.0.post1.dev1", "1.0.post1", -1 },
	{ "2.0", "1!1.0", -1 },
	{ "1.10", "1.9", 1 },
	{ "1.0.0.1", "1.0", 1 },
	{ "1.0+abc.5", "1.0+abc.foo", 1 },
	{ "1.0+abc", "1.0+abc.1", -1 },
	/* numbers beyond 64 bits compare by value */
	{ "1.99999999999999999999", "1.100000000000000000000", -1 },
	{ "1.00000000000000000000000007", "1.7", 0 },
};

static const char *const pep440_invalid[] = {
	"french toast", "1.0+a+", "1.0++",	   "1.0+_foobar", "1.0+foo&asd", "1.0+1+1", "",
	"1.",		".1",	  "1..0",	   "1.0-",	  "1.0.",	 "1.0+",    "!1.0",
	"1!",		"1.0a1a", "1.0dev1.post1", "vv1.0",	  "1.0 beta",
};

TEST(pep440_order)
{
	check_order(CN_ECO_PYPI, pep440_sorted, N(pep440_sorted));
}

TEST(pep440_normalization)
{
	check_pairs(CN_ECO_PYPI, pep440_equal, N(pep440_equal));
	for (size_t i = 0; i < N(pep440_equal); i++) {
		ASSERT_TRUE(cn_version_valid_pep440(pep440_equal[i].a));
		ASSERT_TRUE(cn_version_valid_pep440(pep440_equal[i].b));
	}
}

TEST(pep440_pairs)
{
	check_pairs(CN_ECO_PYPI, pep440_pairs, N(pep440_pairs));
}

TEST(pep440_invalid)
{
	check_valid(CN_ECO_PYPI, pep440_invalid, N(pep440_invalid), false);
}

/* ---- semver 2.0.0 / npm ---- */

/* semver.org §11 examples, in order. */
static const char *const semver_sorted[] = {
	"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
	"1.0.0-beta",  "1.0.0-beta.2",	"1.0.0-beta.11",
	"1.0.0-rc.1",  "1.0.0",		"2.0.0",
	"2.1.0",       "2.1.1",
};

/* §10 (build metadata ignored), §11 rules, node-semver comparison fixtures. */
static const struct cmp_case semver_pairs[] = {
	{ "1.0.0+20130313144700", "1.0.0", 0 },
	{ "1.0.0-beta+exp.sha.5114f85", "1.0.0-beta", 0 },
	{ "1.0.0+21AF26D3----117B344092BD", "1.0.0+other", 0 },
	{ "v1.2.3", "1.2.3", 0 },
	{ " 1.2.3 ", "1.2.3", 0 },
	{ "0.0.0", "0.0.0-foo", 1 },
	{ "0.0.1", "0.0.0", 1 },
	{ "1.0.0", "0.9.9", 1 },
	{ "0.10.0", "0.9.0", 1 },
	{ "0.99.0", "0.10.0", 1 },
	{ "2.0.0", "1.2.3", 1 },
	{ "1.2.3", "1.2.3-asdf", 1 },
	{ "1.2.3", "1.2.3-4", 1 },
	{ "1.2.3", "1.2.3-4-foo", 1 },
	{ "1.2.3-5-foo", "1.2.3-5", 1 },
	{ "1.2.3-5", "1.2.3-4", 1 },
	{ "1.2.3-5-foo", "1.2.3-5-Foo", 1 },
	{ "3.0.0", "2.7.2+asdf", 1 },
	{ "1.2.3-a.10", "1.2.3-a.5", 1 },
	{ "1.2.3-a.b", "1.2.3-a.5", 1 },
	{ "1.2.3-a.b", "1.2.3-a", 1 },
	{ "1.2.3-a.b.c.10.d.5", "1.2.3-a.b.c.5.d.100", 1 },
	{ "1.2.3-r2", "1.2.3-r100", 1 },
	{ "1.2.3-r100", "1.2.3-R2", 1 },
	{ "1.0.0-alpha.1", "1.0.0-alpha.01a", -1 },
	{ "18446744073709551616.0.0", "18446744073709551615.0.0", 1 },
	{ "1.0.0-99999999999999999999", "1.0.0-100000000000000000000", -1 },
};

/* semver.org §2, §9, §10 and the spec's FAQ regular expression. */
static const char *const semver_valid[] = {
	"0.0.4",
	"1.2.3",
	"10.20.30",
	"1.1.2-prerelease+meta",
	"1.1.2+meta",
	"1.1.2+meta-valid",
	"1.0.0-alpha",
	"1.0.0-alpha.beta.1",
	"1.0.0-alpha0.valid",
	"1.0.0-alpha.0valid",
	"1.0.0-rc.1+build.1",
	"2.0.0-rc.1+build.123",
	"1.2.3-beta",
	"10.2.3-DEV-SNAPSHOT",
	"1.2.3-SNAPSHOT-123",
	"2.0.0+build.1848",
	"1.0.0+0.build.1-rc.10000aaa-kk-0.1",
	"1.0.0-0A.is.legal",
	"1.2.3----RC-SNAPSHOT.12.9.1--.12+788",
};
static const char *const semver_invalid[] = {
	"1",
	"1.2",
	"1.2.3-0123",
	"1.2.3-0123.0123",
	"1.1.2+.123",
	"+invalid",
	"-invalid",
	"-invalid+invalid",
	"alpha",
	"1.2.3.DEV",
	"1.2-SNAPSHOT",
	"1.0.0-",
	"01.1.1",
	"1.01.1",
	"1.1.01",
	"1.2.3-beta..1",
	"1.2.3+",
	"1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788",
	"9.8.7+meta+meta",
	"9.8.7-whatever+meta+meta",
	"vv1.2.3",
	"1.2.3 beta",
	"",
};

TEST(semver_order)
{
	check_order(CN_ECO_NPM, semver_sorted, N(semver_sorted));
}

TEST(semver_pairs)
{
	check_pairs(CN_ECO_NPM, semver_pairs, N(semver_pairs));
}

TEST(semver_valid)
{
	check_valid(CN_ECO_NPM, semver_valid, N(semver_valid), true);
	check_valid(CN_ECO_NPM, semver_invalid, N(semver_invalid), false);
}

/* ---- Go modules ---- */

/* golang.org/x/mod/semver semver_test.go: the valid rows, in increasing order (rows that
 * share a canonical form compare equal, checked in go_pairs). */
static const char *const go_sorted[] = {
	"v1.0.0-alpha",	 "v1.0.0-alpha.1", "v1.0.0-alpha.beta", "v1.0.0-beta",
	"v1.0.0-beta.2", "v1.0.0-beta.11", "v1.0.0-rc.1",	"v1.0.0",
	"v1.2.0",	 "v1.2.3-456",	   "v1.2.3-456.789",	"v1.2.3-456-789",
	"v1.2.3-456a",	 "v1.2.3-pre",	   "v1.2.3-pre.1",	"v1.2.3-zzz",
	"v1.2.3",
};

static const struct cmp_case go_pairs[] = {
	/* semver_test.go: shorthand and build metadata */
	{ "v1", "v1.0.0", 0 },
	{ "v1.0", "v1.0.0", 0 },
	{ "v1.2", "v1.2.0", 0 },
	{ "v1.2.3-pre+meta", "v1.2.3-pre", 0 },
	{ "v1.2.3+meta", "v1.2.3", 0 },
	{ "v1.2.3+meta-pre", "v1.2.3", 0 },
	{ "v1.2.3+meta-pre.sha.256a", "v1.2.3", 0 },
	/* go.dev/ref/mod "Pseudo-versions": vX.0.0-yyyymmddhhmmss-abcdefabcdef (no base),
	 * vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdefabcdef (after release vX.Y.Z) and
	 * vX.Y.Z-pre.0.yyyymmddhhmmss-abcdefabcdef (after pre-release vX.Y.Z-pre) */
	{ "v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20191109021930-ffffffffffff", 1 },
	{ "v0.0.0-20191109021931-daa7c04131f5", "v0.0.1", -1 },
	{ "v1.2.3", "v1.2.4-0.20191109021931-daa7c04131f5", -1 },
	{ "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", -1 },
	{ "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-0.20200101000000-0123456789ab", -1 },
	{ "v1.2.4-pre", "v1.2.4-pre.0.20191109021931-daa7c04131f5", -1 },
	{ "v1.2.4-pre.0.20191109021931-daa7c04131f5", "v1.2.4-pre.1", -1 },
	{ "v1.2.4-pre.0.20191109021931-daa7c04131f5", "v1.2.4", -1 },
	/* "+incompatible" (major version >= 2 without go.mod) is build metadata */
	{ "v2.0.0+incompatible", "v2.0.0", 0 },
	{ "v2.0.0+incompatible", "v2.0.1+incompatible", -1 },
	{ "v2.3.4+incompatible", "v1.9.9", 1 },
	{ "v4.1.2-0.20160719201305-f7e2e7d6f1b4+incompatible", "v4.1.1+incompatible", 1 },
	/* OSV writes Go versions without the "v" */
	{ "1.2.3", "v1.2.3", 0 },
	{ "0.0.0-20210817164053-32db794688a5", "v0.0.0-20210817164053-32db794688a5", 0 },
	{ "1.2.3", "v1.10.0", -1 },
	/* invalid versions sort below valid ones */
	{ "bad", "v0.0.0", -1 },
	{ "v1.2-pre", "v0.0.0-0", -1 },
};

/* semver_test.go's invalid rows, plus leading zeros and shorthand without "v". */
static const char *const go_invalid[] = {
	"bad",	       "v1-alpha.beta.gamma",
	"v1-pre",      "v1+meta",
	"v1-pre+meta", "v1.2-pre",
	"v1.2+meta",   "v1.2-pre+meta",
	"v01.2.3",     "v1.02.3",
	"v1.2.03",     "v1.2.3-01",
	"v1.2.3.4",    "1",
	"1.2",	       "",
	"v",	       " v1.2.3",
	"V1.2.3",
};

TEST(go_order)
{
	check_order(CN_ECO_GO, go_sorted, N(go_sorted));
}

TEST(go_pairs)
{
	check_pairs(CN_ECO_GO, go_pairs, N(go_pairs));
}

TEST(go_valid)
{
	check_valid(CN_ECO_GO, go_invalid, N(go_invalid), false);
	ASSERT_TRUE(cn_version_valid_go("v1"));
	ASSERT_TRUE(cn_version_valid_go("v2.0.0+incompatible"));
	ASSERT_TRUE(cn_version_valid_go("v0.0.0-20191109021931-daa7c04131f5"));
	ASSERT_TRUE(cn_version_valid_go("0.0.0-20191109021931-daa7c04131f5"));
}

/* ---- Maven ---- */

/* ComparableVersionTest VERSIONS_QUALIFIER and VERSIONS_NUMBER, each in increasing order. */
static const char *const maven_qualifier[] = {
	"1-alpha2snapshot",
	"1-alpha2",
	"1-alpha-123",
	"1-beta-2",
	"1-beta123",
	"1-m2",
	"1-m11",
	"1-rc",
	"1-cr2",
	"1-rc123",
	"1-SNAPSHOT",
	"1",
	"1-sp",
	"1-sp2",
	"1-sp123",
	"1-abc",
	"1-def",
	"1-pom-1",
	"1-1-snapshot",
	"1-1",
	"1-2",
	"1-123",
};
/* ... VERSIONS_NUMBER as of maven 3.8.8/3.9 (MNG-7644 made "2.0.a" equal "2-a" and "2.0.0.a",
 * so it moved before "2-1" and "2.0.0.a" left the list). */
static const char *const maven_number[] = {
	"2.0",	  "2.0.a", "2-1",     "2.0.2", "2.0.123", "2.1.0", "2.1-a",  "2.1b",
	"2.1-c",  "2.1-1", "2.1.0.1", "2.2",   "2.123",	  "11.a2", "11.a11", "11.b2",
	"11.b11", "11.m2", "11.m11",  "11",    "11.a",	  "11b",   "11c",    "11m",
};

static const struct cmp_case maven_pairs[] = {
	/* testVersionsEqual */
	{ "1", "1.0", 0 },
	{ "1", "1.0.0", 0 },
	{ "1.0", "1.0.0", 0 },
	{ "1", "1-0", 0 },
	{ "1", "1.0-0", 0 },
	{ "1.0", "1.0-0", 0 },
	{ "1a", "1-a", 0 },
	{ "1a", "1.0-a", 0 },
	{ "1a", "1.0.0-a", 0 },
	{ "1.0a", "1-a", 0 },
	{ "1.0.0a", "1-a", 0 },
	{ "1x", "1-x", 0 },
	{ "1x", "1.0-x", 0 },
	{ "1x", "1.0.0-x", 0 },
	{ "1.0x", "1-x", 0 },
	{ "1.0.0x", "1-x", 0 },
	{ "1ga", "1", 0 },
	{ "1release", "1", 0 },
	{ "1final", "1", 0 },
	{ "1cr", "1rc", 0 },
	{ "1a1", "1-alpha-1", 0 },
	{ "1b2", "1-beta-2", 0 },
	{ "1m3", "1-milestone-3", 0 },
	{ "1X", "1x", 0 },
	{ "1A", "1a", 0 },
	{ "1GA", "1", 0 },
	{ "1RELeaSE", "1", 0 },
	{ "1FinaL", "1", 0 },
	{ "1cR", "1rC", 0 },
	{ "1m3", "1MILESTONE3", 0 },
	{ "1-abcdefghijklmnopqrstuvwxyz", "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ", 0 },
	/* testVersionComparing */
	{ "1", "2", -1 },
	{ "1.5", "2", -1 },
	{ "1", "2.5", -1 },
	{ "1.0", "1.1", -1 },
	{ "1.1", "1.2", -1 },
	{ "1.0.0", "1.1", -1 },
	{ "1.0.1", "1.1", -1 },
	{ "1.1", "1.2.0", -1 },
	{ "1.0-alpha-1", "1.0", -1 },
	{ "1.0-alpha-1", "1.0-alpha-2", -1 },
	{ "1.0-alpha-1", "1.0-beta-1", -1 },
	{ "1.0-beta-1", "1.0-SNAPSHOT", -1 },
	{ "1.0-SNAPSHOT", "1.0", -1 },
	{ "1.0-alpha-1-SNAPSHOT", "1.0-alpha-1", -1 },
	{ "1.0", "1.0-1", -1 },
	{ "1.0-1", "1.0-2", -1 },
	{ "1.0.0", "1.0-1", -1 },
	{ "2.0-1", "2.0.1", -1 },
	{ "2.0.1-klm", "2.0.1-lmn", -1 },
	{ "2.0.1", "2.0.1-xyz", -1 },
	{ "2.0.1", "2.0.1-123", -1 },
	{ "2.0.1-xyz", "2.0.1-123", -1 },
	/* testMng5568 */
	{ "6.1.0rc3", "6.1.0", -1 },
	{ "6.1.0rc3", "6.1H.5-beta", -1 },
	{ "6.1.0", "6.1H.5-beta", -1 },
	/* testMng6572: long numbers */
	{ "20190126.230843", "1234567890.12345", -1 },
	{ "1234567890.12345", "123456789012345.1H.5-beta", -1 },
	{ "123456789012345.1H.5-beta", "12345678901234567890.1H.5-beta", -1 },
	{ "20190126.230843", "12345678901234567890.1H.5-beta", -1 },
	/* testVersionEqualWithLeadingZeroes / testVersionZeroEqualWithLeadingZeroes */
	{ "0000000000000000001", "1", 0 },
	{ "000000001", "01", 0 },
	{ "0000000000000000000", "0", 0 },
	{ "00000000000", "000", 0 },
	/* testLeadingZeroes */
	{ "0.7", "2", -1 },
	{ "0.2", "1.0.7", -1 },
	/* testMng6964 */
	{ "1-0.alpha", "1", -1 },
	{ "1-0.beta", "1", -1 },
	{ "1-0.alpha", "1-0.beta", -1 },
	/* the javadoc: 1.0.RC2 < 1.0-RC3 < 1.0.1, and for any X: 1.0.X2 < 1.0-X3 < 1.0.1 */
	{ "1.0.RC2", "1.0-RC3", -1 },
	{ "1.0-RC3", "1.0.1", -1 },
	{ "1.0.X2", "1.0-X3", -1 },
	{ "1.0-X3", "1.0.1", -1 },
	/* the javadoc's qualifier order: alpha < beta < milestone < rc = cr < snapshot < "" = ga
	 * = final = release < sp, unknown ones after, among themselves lexically */
	{ "1-alpha", "1-beta", -1 },
	{ "1-beta", "1-milestone", -1 },
	{ "1-milestone", "1-rc", -1 },
	{ "1-rc", "1-cr", 0 },
	{ "1-cr", "1-snapshot", -1 },
	{ "1-snapshot", "1-ga", -1 },
	{ "1-ga", "1-final", 0 },
	{ "1-release", "1", 0 },
	{ "1-sp", "1-final", 1 },
	{ "1-sp", "1-zzz", -1 },
	{ "1-foo", "1-bar", 1 },
	{ "1-a", "1-alpha", 1 }, /* "a" not followed by a digit is no alias */
};

TEST(maven_order)
{
	check_order(CN_ECO_MAVEN, maven_qualifier, N(maven_qualifier));
	check_order(CN_ECO_MAVEN, maven_number, N(maven_number));
}

TEST(maven_pairs)
{
	check_pairs(CN_ECO_MAVEN, maven_pairs, N(maven_pairs));
}

/* testMng7644: 1.0.0.X1 < 1.0.0-X2 and 2-X == 2.0.X == 2.0.0.X for any string X. */
TEST(maven_mng7644)
{
	static const char *const xs[] = { "abc", "alpha",     "a", "beta", "b",
					  "def", "milestone", "m", "RC" };
	for (size_t i = 0; i < N(xs); i++) {
		char dot1[32], dash2[32], d2[32], d20[32], d200[32];
		(void)snprintf(dot1, sizeof(dot1), "1.0.0.%s1", xs[i]);
		(void)snprintf(dash2, sizeof(dash2), "1.0.0-%s2", xs[i]);
		(void)snprintf(d2, sizeof(d2), "2-%s", xs[i]);
		(void)snprintf(d20, sizeof(d20), "2.0.%s", xs[i]);
		(void)snprintf(d200, sizeof(d200), "2.0.0.%s", xs[i]);
		const struct cmp_case cases[] = {
			{ dot1, dash2, -1 },
			{ d2, d20, 0 },
			{ d2, d200, 0 },
			{ d20, d200, 0 },
		};
		check_pairs(CN_ECO_MAVEN, cases, N(cases));
	}
}

TEST(maven_valid)
{
	ASSERT_TRUE(cn_version_valid_maven("1.0-SNAPSHOT"));
	ASSERT_TRUE(cn_version_valid_maven("NotAVersionString"));
	ASSERT_FALSE(cn_version_valid_maven(""));
	ASSERT_FALSE(cn_version_valid_maven("1.0 beta"));
	ASSERT_FALSE(cn_version_valid_maven(NULL));
}

/* ---- limits shared by all four ---- */

TEST(limits)
{
	static const enum cn_ecosystem ecos[] = { CN_ECO_PYPI, CN_ECO_NPM, CN_ECO_GO,
						  CN_ECO_MAVEN };
	char max[CN_VERSION_MAX + 1], over[CN_VERSION_MAX + 2], worst[CN_VERSION_MAX + 1];
	/* "1.1.1...": the longest valid PEP 440 / Maven version, most components possible */
	for (size_t i = 0; i < CN_VERSION_MAX; i++)
		max[i] = i % 2 ? '.' : '1';
	max[CN_VERSION_MAX - 1] = '1';
	max[CN_VERSION_MAX] = '\0';
	memset(over, '1', sizeof(over) - 1);
	over[sizeof(over) - 1] = '\0';
	/* "a1a1..." makes Maven open a list at every transition */
	for (size_t i = 0; i < CN_VERSION_MAX; i++)
		worst[i] = i % 2 ? '1' : 'a';
	worst[CN_VERSION_MAX] = '\0';

	ASSERT_TRUE(cn_version_valid_pep440(max));
	ASSERT_TRUE(cn_version_valid_maven(max));
	ASSERT_TRUE(cn_version_valid_maven(worst));
	ASSERT_EQ(cn_version_compare_pep440(max, "1.1"), 1);
	ASSERT_EQ(cn_version_compare_maven(max, "1.1"), 1);
	ASSERT_EQ(cn_version_compare_maven(worst, worst), 0);
	/* [alpha, [1, [alpha, ...]]] against [alpha, [1]]: like 1-alpha < 1 */
	ASSERT_EQ(cn_version_compare_maven(worst, "a1"), -1);
	for (size_t i = 0; i < N(ecos); i++) {
		ASSERT_FALSE(cn_version_valid(ecos[i], over));
		ASSERT_FALSE(cn_version_valid(ecos[i], NULL));
		/* invalid input: a stable total order, never a crash */
		ASSERT_EQ(cn_version_compare(ecos[i], over, over), 0);
		ASSERT_EQ(cn_version_compare(ecos[i], NULL, NULL), 0);
		ASSERT_EQ(sgn(cn_version_compare(ecos[i], over, "1.0.0")), -1);
		ASSERT_EQ(sgn(cn_version_compare(ecos[i], "1.0.0", NULL)), 1);
	}
}
