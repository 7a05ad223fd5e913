/* Version ordering: the dispatch to each ecosystem's rules (see version.h). */
#include "lib/vuln/version.h"

int cn_version_compare(enum cn_ecosystem eco, const char *a, const char *b)
{
	switch (eco) {
	case CN_ECO_DEB:
		return cn_version_compare_deb(a, b);
	case CN_ECO_RPM:
		return cn_version_compare_rpm(a, b);
	case CN_ECO_APK:
		return cn_version_compare_apk(a, b);
	case CN_ECO_PYPI:
		return cn_version_compare_pep440(a, b);
	case CN_ECO_NPM:
		return cn_version_compare_semver(a, b);
	case CN_ECO_GO:
		return cn_version_compare_go(a, b);
	case CN_ECO_MAVEN:
		return cn_version_compare_maven(a, b);
	}
	return 0;
}

bool cn_version_valid(enum cn_ecosystem eco, const char *v)
{
	switch (eco) {
	case CN_ECO_DEB:
		return cn_version_valid_deb(v);
	case CN_ECO_RPM:
		return cn_version_valid_rpm(v);
	case CN_ECO_APK:
		return cn_version_valid_apk(v);
	case CN_ECO_PYPI:
		return cn_version_valid_pep440(v);
	case CN_ECO_NPM:
		return cn_version_valid_semver(v);
	case CN_ECO_GO:
		return cn_version_valid_go(v);
	case CN_ECO_MAVEN:
		return cn_version_valid_maven(v);
	}
	return false;
}
