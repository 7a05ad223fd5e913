/*
 * The matcher (match.c) and npm ranges (npm-range.c).
 *   npm ranges: node-semver's README examples and its test fixtures range-include /
 *   range-exclude (strict mode rows; the loose-mode rows are left out).
 *   matcher: OSV range semantics (osv-schema "Evaluation" section) over an in-memory record
 *   source, then the real OSV fixtures through cn_vulndb_update() with the PROVENANCE.md hits.
 */
#include "lib/vuln/match.h"

#include <jansson.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/vuln/report.h"
#include "lib/vuln/version.h"
#include "test.h"

/* ---- npm ranges ------------------------------------------------------------------------ */

struct range_case {
	const char *range, *version;
};

static const struct range_case npm_include[] = {
	{ "1.0.0 - 2.0.0", "1.2.3" },
	{ "^1.2.3+build", "1.2.3" },
	{ "^1.2.3+build", "1.3.0" },
	{ "1.2.3-pre+asdf - 2.4.3-pre+asdf", "1.2.3" },
	{ "1.2.3-pre+asdf - 2.4.3-pre+asdf", "1.2.3-pre.2" },
	{ "1.2.3-pre+asdf - 2.4.3-pre+asdf", "2.4.3-alpha" },
	{ "1.2.3+asdf - 2.4.3+asdf", "1.2.3" },
	{ "1.0.0", "1.0.0" },
	{ ">=*", "0.2.4" },
	{ "", "1.0.0" },
	{ "*", "1.2.3" },
	{ ">=1.0.0", "1.0.0" },
	{ ">=1.0.0", "1.0.1" },
	{ ">=1.0.0", "1.1.0" },
	{ ">1.0.0", "1.0.1" },
	{ ">1.0.0", "1.1.0" },
	{ "<=2.0.0", "2.0.0" },
	{ "<=2.0.0", "1.9999.9999" },
	{ "<=2.0.0", "0.2.9" },
	{ "<2.0.0", "1.9999.9999" },
	{ "<2.0.0", "0.2.9" },
	{ ">= 1.0.0", "1.0.0" },
	{ ">=  1.0.0", "1.0.1" },
	{ "> 1.0.0", "1.0.1" },
	{ "<=   2.0.0", "2.0.0" },
	{ "<\t2.0.0", "0.2.9" },
	{ ">=0.1.97", "0.1.97" },
	{ "0.1.20 || 1.2.4", "1.2.4" },
	{ ">=0.2.3 || <0.0.1", "0.0.0" },
	{ ">=0.2.3 || <0.0.1", "0.2.3" },
	{ ">=0.2.3 || <0.0.1", "0.2.4" },
	{ "||", "1.3.4" },
	{ "2.x.x", "2.1.3" },
	{ "1.2.x", "1.2.3" },
	{ "1.2.x || 2.x", "2.1.3" },
	{ "1.2.x || 2.x", "1.2.3" },
	{ "x", "1.2.3" },
	{ "2.*.*", "2.1.3" },
	{ "1.2.*", "1.2.3" },
	{ "1.2.* || 2.*", "2.1.3" },
	{ "2", "2.1.2" },
	{ "2.3", "2.3.1" },
	{ "~0.0.1", "0.0.1" },
	{ "~0.0.1", "0.0.2" },
	{ "~x", "0.0.9" },
	{ "~2", "2.0.9" },
	{ "~2.4", "2.4.0" },
	{ "~2.4", "2.4.5" },
	{ "~>3.2.1", "3.2.2" },
	{ "~1", "1.2.3" },
	{ "~>1", "1.2.3" },
	{ "~> 1", "1.2.3" },
	{ "~1.0", "1.0.2" },
	{ "~ 1.0", "1.0.2" },
	{ "~ 1.0.3", "1.0.12" },
	{ ">=1", "1.0.0" },
	{ ">= 1", "1.0.0" },
	{ "<1.2", "1.1.1" },
	{ "< 1.2", "1.1.1" },
	{ "~v0.5.4-pre", "0.5.5" },
	{ "~v0.5.4-pre", "0.5.4" },
	{ "=0.7.x", "0.7.2" },
	{ "<=0.7.x", "0.7.2" },
	{ ">=0.7.x", "0.7.2" },
	{ "<=0.7.x", "0.6.2" },
	{ "~1.2.1 >=1.2.3", "1.2.3" },
	{ "~1.2.1 =1.2.3", "1.2.3" },
	{ "~1.2.1 1.2.3", "1.2.3" },
	{ "~1.2.1 >=1.2.3 1.2.3", "1.2.3" },
	{ ">=1.2.1 1.2.3", "1.2.3" },
	{ ">=1.2", "1.2.8" },
	{ "^1.2.3", "1.8.1" },
	{ "^0.1.2", "0.1.2" },
	{ "^0.1", "0.1.2" },
	{ "^0.0.1", "0.0.1" },
	{ "^1.2", "1.4.2" },
	{ "^1.2 ^1", "1.4.2" },
	{ "^1.2.3-alpha", "1.2.3-pre" },
	{ "^1.2.0-alpha", "1.2.0-pre" },
	{ "^0.0.1-alpha", "0.0.1-beta" },
	{ "^0.0.1-alpha", "0.0.1" },
	{ "^0.1.1-alpha", "0.1.1-beta" },
	{ "^x", "1.2.3" },
	{ "x - 1.0.0", "0.9.7" },
	{ "x - 1.x", "0.9.7" },
	{ "1.0.0 - x", "1.9.7" },
	{ "1.x - x", "1.9.7" },
	{ "<=7.x", "7.9.9" },
	/* README desugaring examples. */
	{ "^0.0.x", "0.0.9" },
	{ "^0.x", "0.9.9" },
	{ "1.2 - 2.3.4", "1.2.0" },
	{ "1.2.3 - 2.3", "2.3.99" },
	{ "1.2.3 - 2", "2.99.0" },
	{ ">1.2.3-alpha.3", "1.2.3-alpha.7" },
	{ ">1.2.3-alpha.3", "3.4.5" },
};

static const struct range_case npm_exclude[] = {
	{ "1.0.0 - 2.0.0", "2.2.3" },
	{ "1.2.3+asdf - 2.4.3+asdf", "1.2.3-pre.2" },
	{ "1.2.3+asdf - 2.4.3+asdf", "2.4.3-alpha" },
	{ "^1.2.3+build", "2.0.0" },
	{ "^1.2.3+build", "1.2.0" },
	{ "^1.2.3", "1.2.3-pre" },
	{ "^1.2", "1.2.0-pre" },
	{ ">1.2", "1.3.0-beta" },
	{ "<=1.2.3", "1.2.3-beta" },
	{ "^1.2.3", "1.2.3-beta" },
	{ "=0.7.x", "0.7.0-asdf" },
	{ ">=0.7.x", "0.7.0-asdf" },
	{ "<=0.7.x", "0.7.0-asdf" },
	{ "1.0.0", "1.0.1" },
	{ ">=1.0.0", "0.0.0" },
	{ ">=1.0.0", "0.0.1" },
	{ ">=1.0.0", "0.1.0" },
	{ ">1.0.0", "0.0.1" },
	{ ">1.0.0", "0.1.0" },
	{ "<=2.0.0", "3.0.0" },
	{ "<=2.0.0", "2.9999.9999" },
	{ "<=2.0.0", "2.2.9" },
	{ "<2.0.0", "2.9999.9999" },
	{ "<2.0.0", "2.2.9" },
	{ ">=0.1.97", "0.1.93" },
	{ "0.1.20 || 1.2.4", "1.2.3" },
	{ ">=0.2.3 || <0.0.1", "0.0.3" },
	{ ">=0.2.3 || <0.0.1", "0.2.2" },
	{ "2.x.x", "1.1.3" },
	{ "2.x.x", "3.1.3" },
	{ "1.2.x", "1.3.3" },
	{ "1.2.x || 2.x", "3.1.3" },
	{ "1.2.x || 2.x", "1.1.3" },
	{ "2.*.*", "1.1.3" },
	{ "2.*.*", "3.1.3" },
	{ "1.2.*", "1.3.3" },
	{ "1.2.* || 2.*", "3.1.3" },
	{ "1.2.* || 2.*", "1.1.3" },
	{ "2", "1.1.2" },
	{ "2.3", "2.4.1" },
	{ "~0.0.1", "0.1.0-alpha" },
	{ "~0.0.1", "0.1.0" },
	{ "~2.4", "2.5.0" },
	{ "~2.4", "2.3.9" },
	{ "~>3.2.1", "3.3.2" },
	{ "~>3.2.1", "3.2.0" },
	{ "~1", "0.2.3" },
	{ "~>1", "2.2.3" },
	{ "~1.0", "1.1.0" },
	{ "<1", "1.0.0" },
	{ ">=1.2", "1.1.1" },
	{ "~v0.5.4-beta", "0.5.4-alpha" },
	{ "=0.7.x", "0.8.2" },
	{ ">=0.7.x", "0.6.2" },
	{ "<0.7.x", "0.7.2" },
	{ "<1.2.3", "1.2.3-beta" },
	{ "=1.2.3", "1.2.3-beta" },
	{ ">1.2", "1.2.8" },
	{ "^0.0.1", "0.0.2-alpha" },
	{ "^0.0.1", "0.0.2" },
	{ "^1.2.3", "2.0.0-alpha" },
	{ "^1.2.3", "1.2.2" },
	{ "^1.2", "1.1.9" },
	{ "^1.0.0", "2.0.0-rc1" },
	{ "1 - 2", "2.0.0-pre" },
	{ "1 - 2", "1.0.0-pre" },
	{ "1.0 - 2", "1.0.0-pre" },
	{ "1.1.x", "1.0.0-a" },
	{ "1.1.x", "1.1.0-a" },
	{ "1.1.x", "1.2.0-a" },
	{ "1.x", "1.0.0-a" },
	{ "1.x", "1.1.0-a" },
	{ "1.x", "1.2.0-a" },
	{ ">=1.0.0 <1.1.0", "1.1.0" },
	{ ">=1.0.0 <1.1.0", "1.1.0-pre" },
	{ ">=1.0.0 <1.1.0-pre", "1.1.0-pre" },
	{ "<*", "1.0.0" },
	{ ">*", "1.0.0" },
	/* README: "^0.0.3" := ">=0.0.3 <0.0.4-0"; prereleases of other tuples never match. */
	{ "^0.0.3", "0.0.4" },
	{ ">1.2.3-alpha.3", "3.4.5-alpha.9" },
};

TEST(npm_ranges)
{
	for (size_t i = 0; i < ARRAY_SIZE(npm_include); i++)
		if (cn_npm_range_satisfies(npm_include[i].range, npm_include[i].version) != 1)
			TEST_FAIL("\"%s\" should include %s", npm_include[i].range,
				  npm_include[i].version);
	for (size_t i = 0; i < ARRAY_SIZE(npm_exclude); i++)
		if (cn_npm_range_satisfies(npm_exclude[i].range, npm_exclude[i].version) != 0)
			TEST_FAIL("\"%s\" should exclude %s", npm_exclude[i].range,
				  npm_exclude[i].version);
}

TEST(npm_ranges_malformed)
{
	static const struct range_case bad[] = {
		{ "blerg", "1.2.3" },	       { "== 1.0.0 || foo", "2.0.0" },
		{ "1.2.3.4", "1.2.3" },	       { ">=01.2.3", "1.2.3" },
		{ "1.2.3 - ", "1.2.3" },       { ">= >= 1.2.3", "1.2.3" },
		{ "^1.2.3", "not-a-version" }, { "^1.2.3", "1.2" },
		{ "1.2.x-beta", "1.2.3" },     { "^1.2.3-", "1.2.3" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (cn_npm_range_satisfies(bad[i].range, bad[i].version) != -EINVAL)
			TEST_FAIL("\"%s\" / %s should be rejected", bad[i].range, bad[i].version);
	ASSERT_ERR(cn_npm_range_satisfies(NULL, "1.0.0"), -EINVAL);
}

/* ---- an in-memory record source -------------------------------------------------------- */

struct mem_entry {
	struct cn_vuln_record rec;
	struct cn_vuln_affected a;
};

struct mem_source {
	const struct mem_entry *e;
	size_t n;
	size_t lookups;
};

static int mem_lookup(void *source, const char *ecosystem, const char *package,
		      cn_vulndb_affected_fn fn, void *userdata, struct cn_error *err)
{
	struct mem_source *m = source;

	(void)err;
	m->lookups++;
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->e[i].a.ecosystem, ecosystem) || strcmp(m->e[i].a.package, package))
			continue;
		int r = fn(userdata, &m->e[i].rec, &m->e[i].a);
		if (r < 0)
			return r;
	}
	return 0;
}

static struct cn_package *add_pkg(struct cn_sbom *s, enum cn_pkg_type type, const char *name,
				  const char *version)
{
	struct cn_package *p;

	s->pkgs = xreallocarray(s->pkgs, s->n_pkgs + 1, sizeof(*s->pkgs));
	p = &s->pkgs[s->n_pkgs++];
	*p = (struct cn_package){ .type = type,
				  .name = xstrdup(name),
				  .version = xstrdup(version) };
	return p;
}

static struct cn_sbom *debian_sbom(void)
{
	struct cn_sbom *s = cn_sbom_new();

	s->os.id = xstrdup("debian");
	s->os.version_id = xstrdup("12");
	return s;
}

static const struct cn_scan_finding *find(const struct cn_sbom *s, const struct cn_scan_result *r,
					  const char *pkg, const char *id)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(s->pkgs[r->findings[i].pkg].name, pkg) == 0 &&
		    strcmp(r->findings[i].id, id) == 0)
			return &r->findings[i];
	return NULL;
}

#define EV(k, v)                                                                                   \
	{                                                                                          \
		CN_VULN_##k, v                                                                     \
	}

TEST(osv_range_semantics)
{
	static const struct cn_vuln_event intro0_fixed[] = { EV(INTRODUCED, "0"),
							     EV(FIXED, "2.0.0") };
	static const struct cn_vuln_event last[] = { EV(INTRODUCED, "1.0.0"),
						     EV(LAST_AFFECTED, "1.4.0") };
	static const struct cn_vuln_event limit[] = { EV(INTRODUCED, "0"), EV(LIMIT, "3.0.0"),
						      EV(INTRODUCED, "3.5.0") };
	/* Unsorted on purpose: evaluation sorts events by version. */
	static const struct cn_vuln_event two[] = { EV(FIXED, "1.21.3"), EV(INTRODUCED, "1.21.0-0"),
						    EV(FIXED, "1.20.10"), EV(INTRODUCED, "0") };
	static const struct cn_vuln_range r_fixed = { CN_VULN_RANGE_ECOSYSTEM, intro0_fixed, 2 };
	static const struct cn_vuln_range r_last = { CN_VULN_RANGE_ECOSYSTEM, last, 2 };
	static const struct cn_vuln_range r_limit = { CN_VULN_RANGE_ECOSYSTEM, limit, 3 };
	static const struct cn_vuln_range r_two = { CN_VULN_RANGE_SEMVER, two, 4 };
	static const char *const listed[] = { "5.0.0", "5.1.0" };
	const struct cn_vuln_affected a_fixed = { "npm", "x", &r_fixed, 1, NULL, 0, NULL };
	const struct cn_vuln_affected a_last = { "npm", "x", &r_last, 1, NULL, 0, NULL };
	const struct cn_vuln_affected a_limit = { "npm", "x", &r_limit, 1, NULL, 0, NULL };
	const struct cn_vuln_affected a_two = { "go", "stdlib", &r_two, 1, NULL, 0, NULL };
	const struct cn_vuln_affected a_list = { "npm", "x", &r_fixed, 1, listed, 2, NULL };
	const char *fixed;

	ASSERT_EQ(cn_scan_affected(CN_ECO_NPM, &a_fixed, "0.0.1", &fixed), 1);
	ASSERT_STREQ(fixed, "2.0.0");
	ASSERT_EQ(cn_scan_affected(CN_ECO_NPM, &a_fixed, "1.9.9", &fixed), 1);
	ASSERT_EQ(cn_scan_affected(CN_ECO_NPM, &a_fixed, "2.0.0", &fixed), 0);
	ASSERT_EQ(cn_scan_affected(CN_ECO_NPM, &a_fixed, "2.0.0-rc.1", &fixed), 1);

	ASSERT_EQ(cn_scan_affected(CN_ECO_NPM, &a_last, "0.9.0", &fixed), 0);
	ASSERT_EQ(cn_scan_affected(CN_ECO_NPM, &a_last, "1.0.0", &fixed), 1);
	ASSERT_NULL(fixed);
	ASSERT_EQ(cn_scan_affected(CN_ECO_NPM, &a_last, "1.4.0", &fixed), 1);
	ASSERT_EQ(cn_scan_affected(CN_ECO_NPM, &a_last, "1.4.1", &fixed), 0);

	ASSERT_EQ(cn_scan_affected(CN_ECO_NPM, &a_limit, "2.9.9", &fixed), 1);
	ASSERT_EQ(cn_scan_affected(CN_ECO_NPM, &a_limit, "3.0.0", &fixed), 0);
	ASSERT_EQ(cn_scan_affected(CN_ECO_NPM, &a_limit, "3.6.0", &fixed), 0); /* past the limit */

	/* Go's vulndb shape (GO-2023-2102): two introduced/fixed pairs, "v"-prefixed installs. */
	ASSERT_EQ(cn_scan_affected(CN_ECO_GO, &a_two, "v1.20.9", &fixed), 1);
	ASSERT_STREQ(fixed, "1.20.10");
	ASSERT_EQ(cn_scan_affected(CN_ECO_GO, &a_two, "v1.20.10", &fixed), 0);
	ASSERT_EQ(cn_scan_affected(CN_ECO_GO, &a_two, "v1.21.1", &fixed), 1);
	ASSERT_STREQ(fixed, "1.21.3");
	ASSERT_EQ(cn_scan_affected(CN_ECO_GO, &a_two, "v1.21.3", &fixed), 0);

	/* versions[]: listed versions are affected even outside every range. */
	ASSERT_EQ(cn_scan_affected(CN_ECO_NPM, &a_list, "5.1.0", &fixed), 1);
	ASSERT_NULL(fixed);
	ASSERT_EQ(cn_scan_affected(CN_ECO_NPM, &a_list, "5.0.1", &fixed), 0);

	ASSERT_ERR(cn_scan_affected(CN_ECO_NPM, &a_fixed, "not a version", &fixed), -EINVAL);
}

TEST(deb_source_binnmu_dedup_filters)
{
	static const struct cn_vuln_event ev_cap[] = { EV(INTRODUCED, "0"),
						       EV(FIXED, "1:2.66-4+deb12u3") };
	static const struct cn_vuln_event ev_old[] = { EV(INTRODUCED, "0"), EV(FIXED, "1:2.44-1") };
	static const struct cn_vuln_event ev_zlib[] = { EV(INTRODUCED, "0") };
	static const struct cn_vuln_range r_cap = { CN_VULN_RANGE_ECOSYSTEM, ev_cap, 2 };
	static const struct cn_vuln_range r_old = { CN_VULN_RANGE_ECOSYSTEM, ev_old, 2 };
	static const struct cn_vuln_range r_zlib = { CN_VULN_RANGE_ECOSYSTEM, ev_zlib, 1 };
	static const char *const deb_alias[] = { "CVE-2026-4878" };
	const struct mem_entry entries[] = {
		/* The tracker's CVE (urgency only) and a derived OSV record aliasing it. */
		{ { "debian-tracker:t", "CVE-2026-4878", NULL, 0, NULL, NULL, NULL, NULL, NULL,
		    NULL },
		  { "debian:12", "libcap2", &r_cap, 1, NULL, 0, "unimportant" } },
		{ { "osv:d", "x_DEB12-libcap2-CVE-2026-4878", deb_alias, 1, "libcap2: fixed", NULL,
		    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", NULL, NULL, NULL },
		  { "debian:12", "libcap2", &r_cap, 1, NULL, 0, NULL } },
		{ { "osv:d", "CVE-2000-0001", NULL, 0, "old", NULL, NULL, NULL, NULL, NULL },
		  { "debian:12", "libcap2", &r_old, 1, NULL, 0, "high" } },
		{ { "osv:d", "CVE-2026-0002", NULL, 0, "zlib: unfixed", "medium", NULL, NULL, NULL,
		    NULL },
		  { "debian:12", "zlib", &r_zlib, 1, NULL, 0, NULL } },
		{ { "osv:d", "PYSEC-1", NULL, 0, "yaml", "HIGH", NULL, NULL, NULL, NULL },
		  { "pypi", "pyyaml", &r_zlib, 1, NULL, 0, NULL } },
	};
	struct mem_source src = { entries, ARRAY_SIZE(entries), 0 };
	cleanup_sbom struct cn_sbom *s = debian_sbom();
	cleanup_scan_result struct cn_scan_result *res = NULL;
	const struct cn_scan_finding *f;
	struct cn_package *p;

	p = add_pkg(s, CN_PKG_DEB, "libcap2", "1:2.66-4+deb12u2+b2");
	p->source_name = xstrdup("libcap2");
	p->source_version = xstrdup("1:2.66-4+deb12u2");
	p = add_pkg(s, CN_PKG_DEB, "libcap2-bin", "1:2.66-4+deb12u2+b2");
	p->source_name = xstrdup("libcap2");
	p->source_version = xstrdup("1:2.66-4+deb12u2");
	p->layer = 1;
	p = add_pkg(s, CN_PKG_DEB, "zlib1g", "1:1.2.13.dfsg-1");
	p->source_name = xstrdup("zlib");
	p = add_pkg(s, CN_PKG_PYTHON, "PyYAML", "6.0");
	p->flags = CN_PKG_OS_OWNED;
	add_pkg(s, CN_PKG_DEB, "weird", "not a version!");
	add_pkg(s, CN_PKG_RPM, "bash", "5.1-1"); /* Debian has no rpm advisories: unsupported */

	ASSERT_OK(cn_scan_match_with(mem_lookup, &src, s, NULL, &res, NULL));
	/* libcap2 (both binaries) and zlib: two lookups; PyYAML is left to its OS package; dpkg
	 * cannot order "not a version!". */
	ASSERT_EQ(src.lookups, 2);
	ASSERT_EQ(res->n_lookups, 2);
	ASSERT_EQ(res->n_os_owned, 1);
	ASSERT_EQ(res->n_unsupported, 1);
	ASSERT_EQ(res->n_unknown_version, 1);
	ASSERT_EQ(res->n_findings, 3);

	f = find(s, res, "libcap2", "CVE-2026-4878");
	ASSERT_TRUE(f != NULL);
	ASSERT_STREQ(f->installed, "1:2.66-4+deb12u2+b2");
	ASSERT_STREQ(f->matched_version, "1:2.66-4+deb12u2");
	ASSERT_STREQ(f->fixed, "1:2.66-4+deb12u3");
	ASSERT_EQ(f->n_aliases, 1);
	ASSERT_STREQ(f->aliases[0], "x_DEB12-libcap2-CVE-2026-4878");
	ASSERT_EQ(f->severity, CN_SEV_HIGH); /* the merged record's CVSS v3 beats the urgency */
	ASSERT_EQ(f->severity_source, CN_SEV_FROM_CVSS_V3);
	ASSERT_EQ(f->score10, 75);
	ASSERT_STREQ(f->title, "libcap2: fixed");
	ASSERT_STREQ(f->ecosystem, "debian:12");
	f = find(s, res, "libcap2-bin", "CVE-2026-4878");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(f->layer, 1);
	f = find(s, res, "zlib1g", "CVE-2026-0002");
	ASSERT_TRUE(f != NULL);
	ASSERT_NULL(f->fixed);
	ASSERT_EQ(f->severity, CN_SEV_MEDIUM);
	ASSERT_EQ(f->severity_source, CN_SEV_FROM_SOURCE);
	/* Sorted worst first. */
	ASSERT_EQ(res->findings[0].severity, CN_SEV_HIGH);
	ASSERT_EQ(res->findings[2].severity, CN_SEV_MEDIUM);
	res = cn_scan_result_free(res);

	/* Filters: severity set and ignore-unfixed. */
	struct cn_scan_opts opts = { .severities = 1u << CN_SEV_MEDIUM };
	ASSERT_OK(cn_scan_match_with(mem_lookup, &src, s, &opts, &res, NULL));
	ASSERT_EQ(res->n_findings, 1);
	ASSERT_EQ(res->n_filtered, 2);
	res = cn_scan_result_free(res);
	opts = (struct cn_scan_opts){ .ignore_unfixed = true };
	ASSERT_OK(cn_scan_match_with(mem_lookup, &src, s, &opts, &res, NULL));
	ASSERT_EQ(res->n_findings, 2);

	/* Not OS-owned: matched on PyPI under its PEP 503 name. */
	res = cn_scan_result_free(res);
	s->pkgs[3].flags = 0;
	ASSERT_OK(cn_scan_match_with(mem_lookup, &src, s, NULL, &res, NULL));
	ASSERT_TRUE(find(s, res, "PyYAML", "PYSEC-1") != NULL);
}

TEST(merge_names_by_cve_whatever_the_order)
{
	static const struct cn_vuln_event ev[] = { EV(INTRODUCED, "0"), EV(FIXED, "1.0-2") };
	static const struct cn_vuln_range r = { CN_VULN_RANGE_ECOSYSTEM, ev, 2 };
	static const char *const alias[] = { "CVE-2024-0001" };
	/* The OSV record first this time, the tracker's second. */
	const struct mem_entry entries[] = {
		{ { "osv:d", "x_DEB12-foo-CVE-2024-0001", alias, 1, "foo", NULL, NULL, NULL, NULL,
		    NULL },
		  { "debian:12", "foo", &r, 1, NULL, 0, NULL } },
		{ { "debian-tracker:t", "CVE-2024-0001", NULL, 0, NULL, NULL, NULL, NULL, NULL,
		    NULL },
		  { "debian:12", "foo", &r, 1, NULL, 0, "low" } },
	};
	struct mem_source src = { entries, ARRAY_SIZE(entries), 0 };
	cleanup_sbom struct cn_sbom *s = debian_sbom();
	cleanup_scan_result struct cn_scan_result *res = NULL;

	add_pkg(s, CN_PKG_DEB, "foo", "1.0-1");
	ASSERT_OK(cn_scan_match_with(mem_lookup, &src, s, NULL, &res, NULL));
	ASSERT_EQ(res->n_findings, 1);
	ASSERT_STREQ(res->findings[0].id, "CVE-2024-0001");
	ASSERT_EQ(res->findings[0].n_aliases, 1);
	ASSERT_STREQ(res->findings[0].aliases[0], "x_DEB12-foo-CVE-2024-0001");
	ASSERT_EQ(res->findings[0].severity, CN_SEV_LOW);
	ASSERT_STREQ(res->findings[0].fixed, "1.0-2");
}

TEST(unknown_versions_counted)
{
	cleanup_sbom struct cn_sbom *s = debian_sbom();
	cleanup_scan_result struct cn_scan_result *res = NULL;
	struct mem_source src = { NULL, 0, 0 };

	add_pkg(s, CN_PKG_NPM, "left-pad", "one.two");
	add_pkg(s, CN_PKG_NPM, "lodash", "4.17.15");
	ASSERT_OK(cn_scan_match_with(mem_lookup, &src, s, NULL, &res, NULL));
	ASSERT_EQ(res->n_unknown_version, 1);
	ASSERT_EQ(res->n_packages, 1);
	ASSERT_EQ(res->n_findings, 0);
	/* The table says what was not matched. */
	cleanup_strbuf struct strbuf table = STRBUF_INIT;
	ASSERT_OK(cn_scan_report_write(s, res, CN_SCAN_TABLE, &table, NULL));
	ASSERT_TRUE(strstr(table.buf, "Not matched: 1 package (") != NULL);
	ASSERT_TRUE(strstr(table.buf, "version not understood: 1)") != NULL);
}

TEST(keys)
{
	cleanup_sbom struct cn_sbom *s = cn_sbom_new();
	char key[64], name[128];
	const char *version;
	enum cn_ecosystem eco;
	struct cn_package *p;

	s->os.id = xstrdup("alpine");
	s->os.version_id = xstrdup("3.16.2");
	p = add_pkg(s, CN_PKG_APK, "libcrypto1.1", "1.1.1q-r0");
	p->source_name = xstrdup("openssl");
	ASSERT_OK(cn_scan_package_key(s, p, key, sizeof(key), name, sizeof(name), &version, &eco));
	ASSERT_STREQ(key, "alpine:3.16");
	ASSERT_STREQ(name, "openssl");
	ASSERT_EQ(eco, CN_ECO_APK);
	p = add_pkg(s, CN_PKG_JAVA, "commons-lang3", "3.12.0");
	p->group = xstrdup("org.apache.commons");
	ASSERT_OK(cn_scan_package_key(s, p, key, sizeof(key), name, sizeof(name), &version, &eco));
	ASSERT_STREQ(key, "maven");
	ASSERT_STREQ(name, "org.apache.commons:commons-lang3");
	p = add_pkg(s, CN_PKG_GO, "stdlib", "go1.21.1");
	ASSERT_OK(cn_scan_package_key(s, p, key, sizeof(key), name, sizeof(name), &version, &eco));
	ASSERT_STREQ(version, "1.21.1");
	free(s->os.id);
	s->os.id = xstrdup("ubuntu");
	free(s->os.version_id);
	s->os.version_id = xstrdup("22.04");
	p = add_pkg(s, CN_PKG_DEB, "libssl3", "3.0.2-0ubuntu1.10");
	ASSERT_OK(cn_scan_package_key(s, p, key, sizeof(key), name, sizeof(name), &version, &eco));
	ASSERT_STREQ(key, "ubuntu:22.04");
	free(s->os.id);
	s->os.id = xstrdup("rocky");
	free(s->os.version_id);
	s->os.version_id = xstrdup("9.3");
	p = add_pkg(s, CN_PKG_RPM, "git-lfs", "0:2.13.3-3.el8_6.1");
	ASSERT_OK(cn_scan_package_key(s, p, key, sizeof(key), name, sizeof(name), &version, &eco));
	ASSERT_STREQ(key, "redhat:9");
}

/* ---- the real OSV fixtures through the database ----------------------------------------- */

TEST(fixture_hits_through_db)
{
	const char *fx = test_fixtures_dir();
	char npm[512], pypi[512];
	struct cn_vuln_source srcs[2];
	struct cn_vulndb_update_stats stats[2];
	cleanup_vulndb struct cn_vulndb *db = NULL;
	cleanup_sbom struct cn_sbom *s = debian_sbom();
	cleanup_scan_result struct cn_scan_result *res = NULL;
	struct cn_error err = CN_ERROR_INIT;
	const struct cn_scan_finding *f;
	const char *root;

	if (!fx)
		SKIP("CAIRN_FIXTURES not set");
	root = test_fresh_dir("match");
	(void)snprintf(npm, sizeof(npm), "%s/vuln/osv/npm", fx);
	(void)snprintf(pypi, sizeof(pypi), "%s/vuln/osv/go", fx);
	srcs[0] = (struct cn_vuln_source){ CN_VULN_SOURCE_OSV, npm };
	srcs[1] = (struct cn_vuln_source){ CN_VULN_SOURCE_OSV, pypi };
	if (cn_vulndb_open(root, CN_VULNDB_WRITE, &db, &err) < 0 ||
	    cn_vulndb_update(db, srcs, 2, NULL, stats, &err) < 0)
		TEST_FAIL("database: %s", err.msg);

	add_pkg(s, CN_PKG_NPM, "lodash", "4.17.15");
	add_pkg(s, CN_PKG_NPM, "semver", "7.5.1");
	add_pkg(s, CN_PKG_NPM, "semver", "7.5.2");
	add_pkg(s, CN_PKG_GO, "stdlib", "go1.21.1");
	add_pkg(s, CN_PKG_GO, "golang.org/x/net", "v0.17.0");
	if (cn_scan_match(db, s, NULL, &res, &err) < 0)
		TEST_FAIL("match: %s", err.msg);
	f = find(s, res, "lodash", "GHSA-p6mc-m468-83gw");
	ASSERT_TRUE(f != NULL);
	ASSERT_STREQ(f->fixed, "4.17.20");
	f = find(s, res, "semver", "GHSA-c2qf-rxjj-qqgw");
	ASSERT_TRUE(f != NULL);
	ASSERT_STREQ(f->installed, "7.5.1");
	ASSERT_STREQ(f->fixed, "7.5.2");
	ASSERT_EQ(f->severity, CN_SEV_MEDIUM); /* CVSS:3.1/.../A:L = 5.3 */
	ASSERT_EQ(f->score10, 53);
	f = find(s, res, "stdlib", "GO-2023-2102");
	ASSERT_TRUE(f != NULL);
	ASSERT_STREQ(f->fixed, "1.21.3");
	for (size_t i = 0; i < res->n_findings; i++) {
		const struct cn_package *p = &s->pkgs[res->findings[i].pkg];
		if (strcmp(p->version, "7.5.2") == 0 || strcmp(p->name, "golang.org/x/net") == 0)
			if (strcmp(res->findings[i].id, "GO-2023-2102") == 0 ||
			    strcmp(res->findings[i].id, "GHSA-c2qf-rxjj-qqgw") == 0)
				TEST_FAIL("fixed version reported: %s %s", p->name,
					  res->findings[i].id);
	}
}

/* ---- reports ----------------------------------------------------------------------------- */

TEST(reports)
{
	static const struct cn_vuln_event ev[] = { EV(INTRODUCED, "0"), EV(FIXED, "4.17.20") };
	static const struct cn_vuln_event ev_open[] = { EV(INTRODUCED, "0") };
	static const struct cn_vuln_range r = { CN_VULN_RANGE_ECOSYSTEM, ev, 2 };
	static const struct cn_vuln_range r_open = { CN_VULN_RANGE_ECOSYSTEM, ev_open, 1 };
	static const char *const alias[] = { "CVE-2020-8203" };
	const struct mem_entry entries[] = {
		{ { "osv:n", "GHSA-p6mc-m468-83gw", alias, 1, "Prototype Pollution in lodash", NULL,
		    "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H", NULL, NULL, NULL },
		  { "npm", "lodash", &r, 1, NULL, 0, NULL } },
		{ { "osv:n", "GHSA-open", NULL, 0, "tabs\tand\nnewlines", NULL, NULL,
		    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", NULL, NULL },
		  { "npm", "left-pad", &r_open, 1, NULL, 0, NULL } },
	};
	struct mem_source src = { entries, ARRAY_SIZE(entries), 0 };
	cleanup_sbom struct cn_sbom *s = debian_sbom();
	cleanup_scan_result struct cn_scan_result *res = NULL;
	cleanup_strbuf struct strbuf table = STRBUF_INIT, js = STRBUF_INIT, sarif = STRBUF_INIT;
	enum cn_scan_format f;
	json_error_t jerr;
	json_t *doc, *x;

	s->layers = xcalloc(1, sizeof(*s->layers));
	s->n_layers = 1;
	s->layers[0].created_by = xstrdup("COPY . /app");
	add_pkg(s, CN_PKG_NPM, "lodash", "4.17.15")->found_in =
		xstrdup("/app/node_modules/lodash/package.json");
	/* Not UTF-8 (a tar path): reported with '?' rather than dropped. */
	add_pkg(s, CN_PKG_NPM, "left-pad", "1.0.0")->found_in = xstrdup("/app/\xffx/package.json");
	ASSERT_OK(cn_scan_match_with(mem_lookup, &src, s, NULL, &res, NULL));
	ASSERT_EQ(res->n_findings, 2);

	ASSERT_OK(cn_scan_format_parse("sarif", &f));
	ASSERT_EQ(f, CN_SCAN_SARIF);
	ASSERT_ERR(cn_scan_format_parse("xml", &f), -EINVAL);

	ASSERT_OK(cn_scan_report_write(s, res, CN_SCAN_TABLE, &table, NULL));
	ASSERT_TRUE(strstr(table.buf, "Total: 2 (CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 0, "
				      "UNKNOWN: 0)\n") != NULL);
	ASSERT_TRUE(strstr(table.buf, "PACKAGE") != NULL);
	ASSERT_TRUE(strstr(table.buf, "no fix yet") != NULL);
	ASSERT_TRUE(strstr(table.buf, "tabs and newlines") != NULL);
	/* CRITICAL's section comes before HIGH's. */
	ASSERT_TRUE(strstr(table.buf, "CRITICAL (1)") < strstr(table.buf, "HIGH (1)"));

	ASSERT_OK(cn_scan_report_write(s, res, CN_SCAN_JSON, &js, NULL));
	doc = json_loads(js.buf, 0, &jerr);
	ASSERT_TRUE(doc != NULL);
	ASSERT_STREQ(json_string_value(json_object_get(doc, "schema")), CN_SCAN_SCHEMA);
	x = json_array_get(json_object_get(doc, "findings"), 1);
	ASSERT_STREQ(json_string_value(json_object_get(x, "id")), "GHSA-p6mc-m468-83gw");
	ASSERT_STREQ(json_string_value(json_object_get(x, "fixed")), "4.17.20");
	ASSERT_TRUE(json_real_value(json_object_get(x, "score")) == 7.4);
	ASSERT_STREQ(json_string_value(json_array_get(json_object_get(x, "aliases"), 0)),
		     "CVE-2020-8203");
	ASSERT_STREQ(json_string_value(json_object_get(json_object_get(x, "layer"), "created_by")),
		     "COPY . /app");
	x = json_array_get(json_object_get(doc, "findings"), 0);
	ASSERT_TRUE(json_is_null(json_object_get(x, "fixed")));
	ASSERT_STREQ(json_string_value(json_object_get(x, "severity_source")), "cvss-v4");
	ASSERT_STREQ(json_string_value(json_object_get(x, "found_in")), "/app/?x/package.json");
	json_decref(doc);

	ASSERT_OK(cn_scan_report_write(s, res, CN_SCAN_SARIF, &sarif, NULL));
	doc = json_loads(sarif.buf, 0, &jerr);
	ASSERT_TRUE(doc != NULL);
	ASSERT_STREQ(json_string_value(json_object_get(doc, "version")), "2.1.0");
	x = json_array_get(json_object_get(doc, "runs"), 0);
	ASSERT_EQ(json_array_size(json_object_get(
			  json_object_get(json_object_get(x, "tool"), "driver"), "rules")),
		  2);
	x = json_array_get(json_object_get(x, "results"), 1);
	ASSERT_STREQ(json_string_value(json_object_get(x, "level")), "error");
	ASSERT_STREQ(
		json_string_value(json_object_get(
			json_object_get(
				json_object_get(json_array_get(json_object_get(x, "locations"), 0),
						"physicalLocation"),
				"artifactLocation"),
			"uri")),
		"app/node_modules/lodash/package.json");
	json_decref(doc);
}
