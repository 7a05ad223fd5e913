/*
 * The matcher behind `cairn scan`: an SBOM's packages against the vulnerability database.
 *
 * Each package maps to one lookup key (ecosystem, name) and a version ordering:
 *   deb   "debian:<major>" / "ubuntu:<version_id>", the source package name and source version
 *         (advisories name source packages; a binNMU "+b1" binary still matches its source)
 *   apk   "alpine:<major.minor>", the origin (source_name) else the name
 *   rpm   "redhat:<major>" for rhel, centos, rocky and almalinux
 *   python "pypi" with the PEP 503 name, skipped when CN_PKG_OS_OWNED (the distro's advisories
 *         cover it through its OS package, so back-ported fixes are no false positives)
 *   npm "npm", go "go" ("stdlib" for the toolchain), java "maven" with "group:artifact"
 * Packages sharing a key (the binaries of one source package) cost one lookup.
 *
 * A record's affected entry matches when the version lies in one of its ranges (OSV semantics:
 * events ordered by version, introduced "0" = from the first version, fixed / last_affected end
 * a range, limit caps it) or equals one of its listed versions. Versions the ecosystem cannot
 * order are not matched, only counted. Findings about one package that share an id or alias
 * (a Debian tracker CVE and an OSV record aliasing it) are merged into one.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "lib/sbom/sbom.h"
#include "lib/vuln/cvss.h"
#include "lib/vuln/db.h"
#include "lib/vuln/version.h"

/* Where a finding's severity came from, best first. */
enum cn_sev_source {
	CN_SEV_FROM_CVSS_V4, /* computed from the record's CVSS v4.0 vector */
	CN_SEV_FROM_CVSS_V3, /* computed from the record's CVSS v3.x vector */
	CN_SEV_FROM_SOURCE,  /* the source's own rating (Debian urgency, GHSA level ...) */
	CN_SEV_FROM_NONE,    /* nothing known: UNKNOWN */
};
/* "cvss-v4", "cvss-v3", "source", "none". */
const char *cn_sev_source_name(enum cn_sev_source s);

struct cn_scan_finding {
	size_t pkg;	/* index into the scanned sbom's pkgs */
	char *id;	/* the first matching record's id */
	char **aliases; /* every other id of the merged records and their aliases, sorted */
	size_t n_aliases;
	enum cn_severity severity;
	enum cn_sev_source severity_source;
	unsigned score10;   /* CVSS base score x 10 when severity_source is a CVSS one, else 0 */
	char *vector;	    /* that CVSS vector, or NULL */
	char *installed;    /* the package's installed version (binary version for deb) */
	char *fixed;	    /* the first fixed version above the installed one, NULL = no fix yet */
	char *title;	    /* the record's summary, or NULL */
	char *source;	    /* the database source of the record ("osv:DIR", ...) */
	char *ecosystem;    /* the lookup key ("debian:12") */
	char *matched_name; /* the name looked up (the source package for deb) */
	char *matched_version; /* the version compared (the source version for deb) */
	uint32_t layer;	       /* the package's layer (index into the sbom's layers) */
};

struct cn_scan_opts {
	unsigned severities; /* set of (1u << enum cn_severity) to report; 0 = every severity */
	bool ignore_unfixed; /* drop findings without a fixed version */
};

struct cn_scan_result {
	struct cn_scan_finding *findings; /* severity (worst first), package name, version, id */
	size_t n_findings;
	size_t n_lookups;	  /* distinct (ecosystem, name) pairs looked up */
	size_t n_packages;	  /* packages matched against the database */
	size_t n_unsupported;	  /* packages with no ecosystem key (unknown distro, ...) */
	size_t n_os_owned;	  /* language packages left to their OS package */
	size_t n_unknown_version; /* packages whose version the ecosystem cannot order */
	size_t n_filtered;	  /* findings dropped by opts (severity, ignore_unfixed) */
};

/*
 * Matches every package of `sbom` against `db`. Returns 0 with *ret (free with
 * cn_scan_result_free()), or a negative errno from the database with err naming it.
 */
int cn_scan_match(struct cn_vulndb *db, const struct cn_sbom *sbom, const struct cn_scan_opts *opts,
		  struct cn_scan_result **ret, struct cn_error *err);

/* The same over any record source with cn_vulndb_lookup()'s contract (tests, other stores). */
typedef int (*cn_scan_lookup_fn)(void *source, const char *ecosystem, const char *package,
				 cn_vulndb_affected_fn fn, void *userdata, struct cn_error *err);
int cn_scan_match_with(cn_scan_lookup_fn lookup, void *source, const struct cn_sbom *sbom,
		       const struct cn_scan_opts *opts, struct cn_scan_result **ret,
		       struct cn_error *err);

/*
 * Whether `version` is affected by entry `a` under ordering `eco` (SEMVER ranges use semver
 * order). Returns 1 (and *ret_fixed, when non-NULL, the first fixed version above it inside
 * a, or NULL), 0, or -EINVAL when the version is not valid for eco.
 */
int cn_scan_affected(enum cn_ecosystem eco, const struct cn_vuln_affected *a, const char *version,
		     const char **ret_fixed);

/* The lookup key, name and version ordering of package p of sbom; -ENOENT when it has none
 * (unsupported distribution, OS-owned language package). Writes key and name into buffers. */
int cn_scan_package_key(const struct cn_sbom *sbom, const struct cn_package *p, char *key,
			size_t key_size, char *name, size_t name_size, const char **ret_version,
			enum cn_ecosystem *ret_eco);

struct cn_scan_result *cn_scan_result_free(struct cn_scan_result *r);
static inline void cn_scan_result_freep(struct cn_scan_result **r)
{
	cn_scan_result_free(*r);
}
#define cleanup_scan_result __attribute__((cleanup(cn_scan_result_freep)))
