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
 * (Alpine). Debian sid is "debian:unstable"; Ubuntu Pro (ESM) entries get keys of their own
 * ("ubuntu:16.04:pro"), so their fixes are not held against standard installs.
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
	const char *source;	    /* the source it came from: "osv:DIR", "debian-tracker:URL" */
	const char *id;		    /* "CVE-2023-1234", "GHSA-...", "PYSEC-...", "x_DEB12-..." */
	const char *const *aliases; /* other ids (OSV aliases and upstream), may be empty */
	size_t n_aliases;
	const char *summary;		  /* one line, or NULL */
	const char *severity;		  /* record-level rating from the source, or NULL */
	const char *cvss_v3;		  /* "CVSS:3.1/AV:N/..." or NULL */
	const char *cvss_v4;		  /* "CVSS:4.0/AV:N/..." or NULL */
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
 * to stop with that value. Pointers are valid during the call only. A db handle serves one
 * thread at a time (open one per thread to look up in parallel). Returns 0 or -errno. */
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

/* ---------------------------------------------------------------------------------------------
 * Updating (`cairn db update`) and status (`cairn db status`).
 */

enum cn_vuln_source_kind {
	CN_VULN_SOURCE_OSV,	       /* OSV records: directory (*.json, recursive), zip, URL */
	CN_VULN_SOURCE_DEBIAN_TRACKER, /* security-tracker.debian.org data/json: file or URL */
	CN_VULN_SOURCE_ALPINE_SECDB,   /* secdb.alpinelinux.org vX.Y/main.json: file or URL */
};

struct cn_vuln_source {
	enum cn_vuln_source_kind kind;
	const char *location; /* a local path or an http(s):// URL */
};

/* "osv", "debian-tracker", "alpine-secdb". */
const char *cn_vuln_source_kind_name(enum cn_vuln_source_kind kind);
/* Parses "KIND:PATH_OR_URL" (KIND as above). `ret->location` points into `spec`. Returns 0 or
 * -EINVAL with a message. */
int cn_vuln_source_parse(const char *spec, struct cn_vuln_source *ret, struct cn_error *err);
/* The documented default feeds (osv.dev per-ecosystem all.zip for Debian, Alpine, Ubuntu, PyPI,
 * npm, Go, Maven; the Debian security tracker; Alpine secdb main.json of current releases).
 * Static storage. */
const struct cn_vuln_source *cn_vuln_default_sources(size_t *ret_n);

struct cn_vulndb_update_opts {
	uint64_t max_download; /* bytes per download; 0 = 4 GiB */
	long timeout_s;	       /* whole transfer; 0 = 1 hour (stalls abort after 60 s anyway) */
	const char *ca_file;   /* extra CA bundle for https, or NULL */
};

struct cn_vulndb_update_stats {
	uint64_t added, changed, removed, unchanged;
	bool not_modified; /* a URL answered 304 (ETag / Last-Modified): nothing was read */
};

/*
 * Imports `n` sources in one transaction: all or nothing. A source is identified by its kind
 * and location (local paths made absolute); its records are compared with what the previous
 * import of the same source stored: new ones are added, ones whose content changed are
 * rewritten, unchanged ones are left alone, and ones the source no longer has are removed.
 * Fills ret_stats[0..n-1] (caller storage) on success. Errors name the source and the file or
 * URL: -EBADMSG (bad JSON or record), -E2BIG (a limit), -EPROTO (HTTP status), -EBUSY (another
 * update holds the database), -errno. The db must be opened with CN_VULNDB_WRITE.
 */
int cn_vulndb_update(struct cn_vulndb *db, const struct cn_vuln_source *sources, size_t n,
		     const struct cn_vulndb_update_opts *opts,
		     struct cn_vulndb_update_stats *ret_stats, struct cn_error *err);

struct cn_vulndb_source_status {
	enum cn_vuln_source_kind kind;
	char *location;
	int64_t updated; /* unix time of the last successful import */
	uint64_t records;
};

struct cn_vulndb_ecosystem_status {
	char *ecosystem; /* key, "debian:12" */
	uint64_t records, packages;
};

struct cn_vulndb_status {
	int schema_version;
	char *path;	 /* the database file */
	int64_t updated; /* last successful `update`, 0 = never */
	uint64_t records;
	struct cn_vulndb_source_status *sources;
	size_t n_sources;
	struct cn_vulndb_ecosystem_status *ecosystems; /* sorted by key */
	size_t n_ecosystems;
};

/* Fills `ret` (caller storage; free with cn_vulndb_status_release()). Returns 0 or -errno. */
int cn_vulndb_status(struct cn_vulndb *db, struct cn_vulndb_status *ret, struct cn_error *err);
void cn_vulndb_status_release(struct cn_vulndb_status *st);

/* Seconds since the last successful update (so scan can warn past 7 days), or -ENOENT when
 * the database was never updated. */
int cn_vulndb_age(struct cn_vulndb *db, int64_t *ret_seconds, struct cn_error *err);
#define CN_VULNDB_STALE_SECONDS (7 * 24 * 3600)
