/*
 * The vulnerability database: one SQLite file, ROOT/vulndb/vuln.db, filled by `cairn db update`
 * from OSV records (directory, zip or URL), the Debian security tracker's JSON and Alpine's
 * secdb, read by the matcher (match.h). An update is one transaction: a failed or interrupted
 * import leaves the previous contents readable and unchanged.
 *
 * Ecosystem keys (what `cn_vulndb_lookup` takes) are lowercase: "debian:12", "ubuntu:22.04",
 * "alpine:3.16" (major.minor), "redhat:9" (rpm), "pypi", "npm", "go", "maven", "crates.io", ...
 * cn_vuln_ecosystem_key() turns an OSV ecosystem string into one. Package names are stored as
 * the source writes them, except PyPI (PEP 503 normalised: lowercase, runs of -_. as "-") and
 * Maven ("group:artifact"). Distro records name source packages (Debian, Ubuntu) or origins
 * (Alpine).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define CN_VULNDB_FILE "vuln.db" /* under ROOT/vulndb */

enum cn_vuln_event_kind {
	CN_VULN_INTRODUCED, /* "0" means from the first version */
	CN_VULN_FIXED,
	CN_VULN_LAST_AFFECTED,
	CN_VULN_LIMIT,
};

struct cn_vuln_event {
	enum cn_vuln_event_kind kind;
	const char *version;
};

enum cn_vuln_range_type {
	CN_VULN_RANGE_ECOSYSTEM, /* versions ordered by the package's ecosystem */
	CN_VULN_RANGE_SEMVER,	 /* semver 2.0 ordering */
};

struct cn_vuln_range {
	enum cn_vuln_range_type type;
	const struct cn_vuln_event *events; /* in the source's order */
	size_t n_events;
};

/* One affected package of a record (OSV `affected[]` entry, a tracker release entry). */
struct cn_vuln_affected {
	const char *ecosystem; /* key, as above */
	const char *package;
	const struct cn_vuln_range *ranges;
	size_t n_ranges;
	const char *const *versions; /* explicitly listed affected versions */
	size_t n_versions;
	/* The source's own rating for this package (Debian urgency "low", Ubuntu priority,
	 * GHSA "HIGH"...), or NULL. */
	const char *severity;
};

struct cn_vuln_record {
	const char *source; /* the source it came from: "osv:DIR", "debian-tracker:URL" */
	const char *id;	    /* "CVE-2023-1234", "GHSA-...", "PYSEC-...", "x_DEB12-..." */
	const char *const *aliases; /* other ids (OSV aliases and upstream), may be empty */
	size_t n_aliases;
	const char *summary; /* one line, or NULL */
	const char *severity; /* record-level rating from the source, or NULL */
	const char *cvss_v3;  /* "CVSS:3.1/AV:N/..." or NULL */
	const char *cvss_v4;  /* "CVSS:4.0/AV:N/..." or NULL */
	const char *published, *modified; /* RFC 3339 or NULL */
};

struct cn_vulndb;

enum cn_vulndb_open_flags {
	CN_VULNDB_WRITE = 1 << 0, /* create the file and schema when missing */
};

/* Opens ROOT/vulndb/vuln.db ("-ENOENT: no vulnerability database, run `cairn db update`"
 * without CN_VULNDB_WRITE when it does not exist). */
int cn_vulndb_open(const char *store_root, unsigned flags, struct cn_vulndb **ret,
		   struct cn_error *err);
struct cn_vulndb *cn_vulndb_free(struct cn_vulndb *db);

/* Calls fn for each affected entry of every record about (ecosystem, package). fn returns < 0
 * to stop with that value. Pointers are valid during the call only. */
typedef int (*cn_vulndb_affected_fn)(void *userdata, const struct cn_vuln_record *rec,
				     const struct cn_vuln_affected *a);
int cn_vulndb_lookup(struct cn_vulndb *db, const char *ecosystem, const char *package,
		     cn_vulndb_affected_fn fn, void *userdata, struct cn_error *err);

/* Writes the key for an OSV ecosystem string ("Debian:12" -> "debian:12", "Alpine:v3.16" ->
 * "alpine:3.16", "PyPI" -> "pypi") into buf. Returns 0 or -EINVAL (empty, too long). */
int cn_vuln_ecosystem_key(const char *osv_ecosystem, char *buf, size_t size);
/* PEP 503 name normalisation into buf; returns 0 or -ENAMETOOLONG. */
int cn_vuln_pypi_name(const char *name, char *buf, size_t size);

static inline void cn_vulndb_freep(struct cn_vulndb **db)
{
	cn_vulndb_free(*db);
}
#define cleanup_vulndb __attribute__((cleanup(cn_vulndb_freep)))
