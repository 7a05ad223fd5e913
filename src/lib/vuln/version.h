/*
 * Version ordering per package ecosystem, each by that ecosystem's own rules (issue 5: matching
 * installed packages against advisories' affected ranges and fixed versions).
 *
 *   CN_ECO_DEB     dpkg: [epoch:]upstream[-revision], '~' sorts before everything (deb-version(7))
 *   CN_ECO_RPM     rpmvercmp: [epoch:]version[-release], '~' before, '^' after (rpm 4.15+)
 *   CN_ECO_APK     apk-tools: digits.letter, suffixes _alpha _beta _pre _rc < (none) < _cvs _svn
 *                  _git _hg _p, then -rN
 *   CN_ECO_PYPI    PEP 440 (epochs, pre/post/dev releases, local versions, normalization)
 *   CN_ECO_NPM     semver 2.0.0 (prerelease ordering, build metadata ignored)
 *   CN_ECO_GO      Go modules: semver with a "v" prefix, pseudo-versions, +incompatible
 *   CN_ECO_MAVEN   Maven ComparableVersion (qualifiers alpha < beta < milestone < rc = cr <
 *                  snapshot < "" = ga = final = release < sp, numeric padding)
 */
#pragma once
#include <stdbool.h>

enum cn_ecosystem {
	CN_ECO_DEB,
	CN_ECO_RPM,
	CN_ECO_APK,
	CN_ECO_PYPI,
	CN_ECO_NPM,
	CN_ECO_GO,
	CN_ECO_MAVEN,
};

/*
 * Compares two versions of ecosystem `eco`: < 0, 0 or > 0 like strcmp. Both must be valid for
 * the ecosystem (cn_version_valid()); for invalid input the result is a stable but unspecified
 * order (never a crash). Thread-safe, no allocation beyond the stack for versions up to
 * CN_VERSION_MAX bytes (longer ones compare as invalid).
 */
int cn_version_compare(enum cn_ecosystem eco, const char *a, const char *b);
/* Whether `v` is a well-formed version of `eco`. */
bool cn_version_valid(enum cn_ecosystem eco, const char *v);

#define CN_VERSION_MAX 256

/*
 * Whether npm version `version` satisfies node-semver range `range`: comparators (< <= > >= =),
 * x-ranges ("1.x", "1.2.*", "*", ""), partial versions, tilde, caret (0.x rules), hyphen ranges
 * ("1.2 - 2.3.4"), sets joined by "||", and the prerelease rule (a prerelease version matches
 * only a set holding a comparator with a prerelease on the same major.minor.patch). Returns 1,
 * 0, or -EINVAL for a malformed range or version (npm-range.c).
 */
int cn_npm_range_satisfies(const char *range, const char *version);

/* One file per ecosystem family implements these (version-os.c, version-lang.c). */
int cn_version_compare_deb(const char *a, const char *b);
int cn_version_compare_rpm(const char *a, const char *b);
int cn_version_compare_apk(const char *a, const char *b);
int cn_version_compare_pep440(const char *a, const char *b);
int cn_version_compare_semver(const char *a, const char *b);
int cn_version_compare_go(const char *a, const char *b);
int cn_version_compare_maven(const char *a, const char *b);
bool cn_version_valid_deb(const char *v);
bool cn_version_valid_rpm(const char *v);
bool cn_version_valid_apk(const char *v);
bool cn_version_valid_pep440(const char *v);
bool cn_version_valid_semver(const char *v);
bool cn_version_valid_go(const char *v);
bool cn_version_valid_maven(const char *v);
