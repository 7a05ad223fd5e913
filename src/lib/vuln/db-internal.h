/*
 * Inside the vulnerability database: the connection, the import sink the importers feed, and
 * the importers and downloader themselves (db.c, db-update.c, import-*.c, fetch.c).
 *
 * Importers turn a source's format into normalized records, JSON objects of this shape, and
 * hand each to cn_vuln_import_add():
 *
 *   {"id": S, "modified": S?, "published": S?, "aliases": [S...], "summary": S?,
 *    "severity": S?, "cvss_v3": S?, "cvss_v4": S?,
 *    "affected": [{"ecosystem": KEY, "package": NAME, "severity": S?,
 *                  "ranges": [{"type": "ECOSYSTEM"|"SEMVER",
 *                              "events": [{"introduced"|"fixed"|"last_affected"|"limit": S}]}],
 *                  "versions": [S...]}]}
 *
 * Absent optional members are left out. The sink stores the record-level members ("head") and
 * each affected entry ("data") as lines "TAG VALUE\n" (tags below; values holding a newline
 * or longer than CN_VULN_MAX_VALUE are dropped), which the lookup splits in place without
 * allocating: a range is a line CN_VULN_TAG_RANGE + 'E' or 'S' followed by its event lines.
 */
#pragma once

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "lib/vuln/db.h"

#define CN_VULNDB_SCHEMA_VERSION 1
#define CN_VULNDB_DIR		 "vulndb"

/* Input limits: every size that comes from a source passes one of these first. */
#define CN_VULN_MAX_RECORD_FILE	 (64u << 20)   /* one OSV .json file (may be an array) */
#define CN_VULN_MAX_FEED_FILE	 (1024u << 20) /* tracker / secdb JSON */
#define CN_VULN_MAX_ZIP_ENTRIES	 (4u << 20)
#define CN_VULN_MAX_DIR_DEPTH	 32
#define CN_VULN_MAX_ID		 256
#define CN_VULN_MAX_SUMMARY	 1024
#define CN_VULN_MAX_VALUE	 4096	/* a stored version, alias, vector... */
#define CN_VULN_MAX_AFFECTED	 100000 /* per record */
#define CN_VULN_DEFAULT_DOWNLOAD (4ull << 30)

enum {
	CN_VULN_TAG_ALIAS = 'a',
	CN_VULN_TAG_SUMMARY = 't',
	CN_VULN_TAG_SEVERITY = 's',
	CN_VULN_TAG_CVSS3 = '3',
	CN_VULN_TAG_CVSS4 = '4',
	CN_VULN_TAG_PUBLISHED = 'p',
	CN_VULN_TAG_RANGE = 'r',
	CN_VULN_TAG_INTRODUCED = 'i',
	CN_VULN_TAG_FIXED = 'f',
	CN_VULN_TAG_LAST_AFFECTED = 'l',
	CN_VULN_TAG_LIMIT = 'm',
	CN_VULN_TAG_VERSION = 'v',
};

/* Buffers a lookup reuses from row to row (the views it hands out point into them). */
struct cn_vulndb_scratch {
	struct strbuf head, data;
	const char **aliases, **versions;
	struct cn_vuln_range *ranges;
	struct cn_vuln_event *events;
	size_t n_aliases, n_versions, n_ranges, n_events;
	size_t alloc_aliases, alloc_versions, alloc_ranges, alloc_events;
};

struct cn_vulndb {
	sqlite3 *sql;
	char *path; /* ROOT/vulndb/vuln.db */
	int dirfd;  /* ROOT/vulndb, for downloads' temporary files; -1 when read-only */
	bool writable;
	sqlite3_stmt *lookup; /* prepared once, reused by every cn_vulndb_lookup() */
	struct cn_vulndb_scratch scratch;
};

/* One source's import in progress (db-update.c). */
struct cn_vuln_import {
	struct cn_vulndb *db;
	int64_t source_id;
	const char *name; /* "osv:/abs/dir", for error messages */
	struct cn_vulndb_update_stats *stats;
	sqlite3_stmt *find, *insert, *update, *seen, *del_affected, *add_affected;
	uint64_t n_records; /* added by this import (a guard against endless inputs) */
};

/* Stores one normalized record (see above; `rec` stays the caller's). Returns 0 or -errno with
 * the message naming the record. */
int cn_vuln_import_add(struct cn_vuln_import *imp, json_t *rec, struct cn_error *err);

/* Runs `fmt` through sqlite's error for `rc`: "CONTEXT: sqlite message". Returns -EIO or
 * -EBUSY. */
int cn_vulndb_sql_error(struct cn_vulndb *db, int rc, struct cn_error *err, const char *what);

/* OSV (import-osv.c): a directory tree, a zip archive (open fd, streamed), or one file's
 * bytes (a record or an array of records). `name` is used in error messages. */
int cn_vuln_import_osv_dir(struct cn_vuln_import *imp, const char *path, struct cn_error *err);
int cn_vuln_import_osv_zip(struct cn_vuln_import *imp, int fd, const char *name,
			   struct cn_error *err);
int cn_vuln_import_osv_buffer(struct cn_vuln_import *imp, const char *data, size_t len,
			      const char *name, struct cn_error *err);
/* Opens `fd` as a zip when it starts with "PK\3\4", else as a JSON record file. */
int cn_vuln_import_osv_fd(struct cn_vuln_import *imp, int fd, const char *name,
			  struct cn_error *err);

/* Debian security tracker JSON (import-debian.c) and Alpine secdb JSON (import-alpine.c). */
int cn_vuln_import_debian_tracker(struct cn_vuln_import *imp, int fd, const char *name,
				  struct cn_error *err);
int cn_vuln_import_alpine_secdb(struct cn_vuln_import *imp, int fd, const char *name,
				struct cn_error *err);

/* Reads all of `fd` (at most `max` bytes) and parses it as JSON (duplicate keys rejected).
 * Errors name `name` and the line. */
int cn_vuln_load_json_fd(int fd, size_t max, const char *name, json_t **ret, struct cn_error *err);
/* Sets rec[key] to a copy of `s` when `s` is a non-empty string (at most `max` bytes, cut at
 * the first newline). */
void cn_vuln_json_set_line(json_t *obj, const char *key, const char *s, size_t max);

/* Downloads (fetch.c). */
struct cn_vuln_fetch_result {
	int fd;		   /* an unlinked temporary file in ROOT/vulndb, at offset 0; -1 if 304 */
	bool not_modified; /* the server answered 304 to our validators */
	char etag[256];	   /* the response's validators ("" when absent) */
	char last_modified[128];
};

/* Fetches `url` into an anonymous temporary file under `dirfd`, sending If-None-Match /
 * If-Modified-Since when `etag` / `last_modified` are non-empty. Anything but 200 or 304 is an
 * error (-EPROTO "HTTP 404"); sizes above the limit are -E2BIG. The caller closes ret->fd. */
int cn_vuln_fetch(int dirfd, const char *url, const char *etag, const char *last_modified,
		  const struct cn_vulndb_update_opts *opts, struct cn_vuln_fetch_result *ret,
		  struct cn_error *err);
/* Whether `location` is an http:// or https:// URL. */
bool cn_vuln_is_url(const char *location);
