/*
 * `cairn db update`: every source imported inside one SQLite transaction. Each record's
 * normalized content is hashed; a record whose hash is unchanged is not rewritten, records the
 * source no longer has are deleted (a per-import TEMP table remembers what was seen).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/strbuf.h"
#include "lib/digest/digest.h"
#include "lib/vuln/db-internal.h"

static const char *const kind_names[] = {
	[CN_VULN_SOURCE_OSV] = "osv",
	[CN_VULN_SOURCE_DEBIAN_TRACKER] = "debian-tracker",
	[CN_VULN_SOURCE_ALPINE_SECDB] = "alpine-secdb",
};

const char *cn_vuln_source_kind_name(enum cn_vuln_source_kind kind)
{
	return (size_t)kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : "unknown";
}

int cn_vuln_source_parse(const char *spec, struct cn_vuln_source *ret, struct cn_error *err)
{
	const char *colon = strchr(spec, ':');
	for (size_t k = 0; colon && k < ARRAY_SIZE(kind_names); k++) {
		size_t len = strlen(kind_names[k]);
		if ((size_t)(colon - spec) == len && strncmp(spec, kind_names[k], len) == 0) {
			if (!colon[1])
				break;
			ret->kind = (enum cn_vuln_source_kind)k;
			ret->location = colon + 1;
			return 0;
		}
	}
	return cn_error_set(err, -EINVAL,
			    "bad source '%s' (want osv:DIR|ZIP|URL, debian-tracker:FILE|URL or "
			    "alpine-secdb:FILE|URL)",
			    spec);
}

#define OSV_ZIP(eco)                                                                               \
	{                                                                                          \
		CN_VULN_SOURCE_OSV,                                                                \
			"https://osv-vulnerabilities.storage.googleapis.com/" eco "/all.zip"       \
	}
#define SECDB(v)                                                                                   \
	{                                                                                          \
		CN_VULN_SOURCE_ALPINE_SECDB, "https://secdb.alpinelinux.org/" v "/main.json"       \
	}

static const struct cn_vuln_source default_sources[] = {
	OSV_ZIP("Debian"),
	OSV_ZIP("Alpine"),
	OSV_ZIP("Ubuntu"),
	OSV_ZIP("PyPI"),
	OSV_ZIP("npm"),
	OSV_ZIP("Go"),
	OSV_ZIP("Maven"),
	{ CN_VULN_SOURCE_DEBIAN_TRACKER, "https://security-tracker.debian.org/tracker/data/json" },
	SECDB("v3.20"),
	SECDB("v3.21"),
	SECDB("v3.22"),
	SECDB("v3.23"),
};

const struct cn_vuln_source *cn_vuln_default_sources(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(default_sources);
	return default_sources;
}

bool cn_vuln_is_url(const char *location)
{
	return strncmp(location, "http://", 7) == 0 || strncmp(location, "https://", 8) == 0;
}

/* ---- the sink ---- */

static const char *const import_sql[] = {
	"SELECT id, hash FROM records WHERE source_id = ?1 AND vuln_id = ?2",
	"INSERT INTO records(source_id, vuln_id, modified, hash) VALUES(?1, ?2, ?3, ?4)",
	"UPDATE records SET modified = ?2, hash = ?3 WHERE id = ?1",
	"INSERT OR IGNORE INTO temp.seen(id) VALUES(?1)",
	"DELETE FROM affected WHERE record_id = ?1",
	"INSERT INTO affected(record_id, ecosystem, package, data, seq, source_id, vuln_id, "
	"modified, head) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
};

static void import_release(struct cn_vuln_import *imp)
{
	sqlite3_stmt **sts[] = { &imp->find, &imp->insert,	 &imp->update,
				 &imp->seen, &imp->del_affected, &imp->add_affected };
	for (size_t i = 0; i < ARRAY_SIZE(sts); i++) {
		sqlite3_finalize(*sts[i]);
		*sts[i] = NULL;
	}
}

static int import_prepare(struct cn_vuln_import *imp, struct cn_error *err)
{
	sqlite3_stmt **sts[] = { &imp->find, &imp->insert,	 &imp->update,
				 &imp->seen, &imp->del_affected, &imp->add_affected };
	for (size_t i = 0; i < ARRAY_SIZE(sts); i++) {
		int rc = sqlite3_prepare_v2(imp->db->sql, import_sql[i], -1, sts[i], NULL);
		if (rc != SQLITE_OK)
			return cn_vulndb_sql_error(imp->db, rc, err, "preparing the import");
	}
	return 0;
}

static int step_done(struct cn_vuln_import *imp, sqlite3_stmt *st, struct cn_error *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return cn_vulndb_sql_error(imp->db, rc, err, "writing");
	return 0;
}

/*
 * A normalized record encoded the way it is stored (db-internal.h): the record-level members
 * as one text, each affected entry's as another, and a hash over all of it that tells whether
 * a re-import changed the record. Key order does not matter: each member is encoded in a
 * fixed order.
 */
struct stored_record {
	const char *id, *modified;
	struct strbuf head;
	size_t n;
	struct strbuf *data;
	const char **ecosystem, **package;
	char hash[65];
};

static void stored_record_release(struct stored_record *s)
{
	strbuf_release(&s->head);
	for (size_t i = 0; i < s->n; i++)
		strbuf_release(&s->data[i]);
	free(s->data);
	free(s->ecosystem);
	free(s->package);
}

/* Appends TAG VALUE\n for a string without newlines, of sane length; anything else is left
 * out. */
static void put(struct strbuf *sb, char tag, json_t *v)
{
	const char *s = json_string_value(v);
	if (!s || !*s || strlen(s) > CN_VULN_MAX_VALUE || strchr(s, '\n'))
		return;
	strbuf_addch(sb, tag);
	strbuf_addstr(sb, s);
	strbuf_addch(sb, '\n');
}

static void encode_head(struct strbuf *sb, json_t *rec)
{
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(rec, "aliases"), i, v)
		put(sb, CN_VULN_TAG_ALIAS, v);
	put(sb, CN_VULN_TAG_SUMMARY, json_object_get(rec, "summary"));
	put(sb, CN_VULN_TAG_SEVERITY, json_object_get(rec, "severity"));
	put(sb, CN_VULN_TAG_CVSS3, json_object_get(rec, "cvss_v3"));
	put(sb, CN_VULN_TAG_CVSS4, json_object_get(rec, "cvss_v4"));
	put(sb, CN_VULN_TAG_PUBLISHED, json_object_get(rec, "published"));
}

static void encode_event(struct strbuf *sb, json_t *ev)
{
	static const struct {
		const char *key;
		char tag;
	} kinds[] = {
		{ "introduced", CN_VULN_TAG_INTRODUCED },
		{ "fixed", CN_VULN_TAG_FIXED },
		{ "last_affected", CN_VULN_TAG_LAST_AFFECTED },
		{ "limit", CN_VULN_TAG_LIMIT },
	};
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		json_t *v = json_object_get(ev, kinds[k].key);
		if (v) {
			put(sb, kinds[k].tag, v);
			return;
		}
	}
}

static void encode_affected(struct strbuf *sb, json_t *a)
{
	size_t i, j;
	json_t *r, *ev, *v;
	put(sb, CN_VULN_TAG_SEVERITY, json_object_get(a, "severity"));
	json_array_foreach (json_object_get(a, "ranges"), i, r) {
		const char *type = json_string_value(json_object_get(r, "type"));
		strbuf_addch(sb, CN_VULN_TAG_RANGE);
		strbuf_addstr(sb, type && strcmp(type, "SEMVER") == 0 ? "S\n" : "E\n");
		json_array_foreach (json_object_get(r, "events"), j, ev)
			encode_event(sb, ev);
	}
	json_array_foreach (json_object_get(a, "versions"), i, v)
		put(sb, CN_VULN_TAG_VERSION, v);
}

static void hash_str(struct cn_hasher *h, const char *s)
{
	if (s)
		cn_hasher_update(h, s, strlen(s));
	cn_hasher_update(h, "", 1);
}

/* Pointers into `rec`, which must outlive `s`. */
static void stored_record_init(struct stored_record *s, json_t *rec)
{
	json_t *affected = json_object_get(rec, "affected"), *a;
	size_t i;
	*s = (struct stored_record){
		.id = json_string_value(json_object_get(rec, "id")),
		.modified = json_string_value(json_object_get(rec, "modified")),
		.head = STRBUF_INIT,
		.n = json_array_size(affected),
	};
	encode_head(&s->head, rec);
	s->data = xcalloc(s->n + 1, sizeof(*s->data));
	s->ecosystem = xcalloc(s->n + 1, sizeof(*s->ecosystem));
	s->package = xcalloc(s->n + 1, sizeof(*s->package));
	struct cn_hasher h;
	cn_hasher_init(&h, CN_DIGEST_SHA256);
	hash_str(&h, s->id);
	hash_str(&h, s->modified);
	hash_str(&h, s->head.buf);
	json_array_foreach (affected, i, a) {
		s->ecosystem[i] = json_string_value(json_object_get(a, "ecosystem"));
		s->package[i] = json_string_value(json_object_get(a, "package"));
		s->data[i] = (struct strbuf)STRBUF_INIT;
		encode_affected(&s->data[i], a);
		hash_str(&h, s->ecosystem[i]);
		hash_str(&h, s->package[i]);
		hash_str(&h, s->data[i].buf);
	}
	struct cn_digest d;
	cn_hasher_final(&h, &d);
	cn_hasher_release(&h);
	memcpy(s->hash, cn_digest_hex(&d), 64);
	s->hash[64] = '\0';
}

static int write_affected(struct cn_vuln_import *imp, int64_t id, const struct stored_record *s,
			  struct cn_error *err)
{
	sqlite3_bind_int64(imp->del_affected, 1, id);
	int r = step_done(imp, imp->del_affected, err);
	for (size_t i = 0; i < s->n && r >= 0; i++) {
		sqlite3_stmt *st = imp->add_affected;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, s->ecosystem[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, s->package[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, s->data[i].buf, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (int64_t)i);
		sqlite3_bind_int64(st, 6, imp->source_id);
		sqlite3_bind_text(st, 7, s->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, s->modified, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, s->head.buf, -1, SQLITE_STATIC);
		r = step_done(imp, st, err);
	}
	return r;
}

static int check_record(json_t *rec, struct cn_error *err)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	json_t *affected = json_object_get(rec, "affected");
	size_t i;
	json_t *a;
	if (!id || !*id || strlen(id) > CN_VULN_MAX_ID)
		return cn_error_set(err, -EBADMSG, "record without a valid id");
	if (json_array_size(affected) > CN_VULN_MAX_AFFECTED)
		return cn_error_set(err, -E2BIG, "%s: too many affected packages", id);
	json_array_foreach (affected, i, a)
		if (!json_string_value(json_object_get(a, "ecosystem")) ||
		    !json_string_value(json_object_get(a, "package")))
			return cn_error_set(err, -EBADMSG, "%s: affected[%zu] without a package",
					    id, i);
	return 0;
}

static int store(struct cn_vuln_import *imp, const struct stored_record *s, struct cn_error *err)
{
	sqlite3_stmt *st = imp->find;
	sqlite3_bind_int64(st, 1, imp->source_id);
	sqlite3_bind_text(st, 2, s->id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int64_t rowid = 0;
	bool same = false, exists = rc == SQLITE_ROW;
	if (exists) {
		rowid = sqlite3_column_int64(st, 0);
		const void *old = sqlite3_column_blob(st, 1);
		same = old && sqlite3_column_bytes(st, 1) == 64 && memcmp(old, s->hash, 64) == 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cn_vulndb_sql_error(imp->db, rc, err, "reading records");
	if (++imp->n_records > (uint64_t)INT32_MAX)
		return cn_error_set(err, -E2BIG, "too many records");
	int r;
	if (!exists) {
		st = imp->insert;
		sqlite3_bind_int64(st, 1, imp->source_id);
		sqlite3_bind_text(st, 2, s->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, s->modified, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, s->hash, 64, SQLITE_STATIC);
		r = step_done(imp, st, err);
		if (r < 0)
			return r;
		rowid = sqlite3_last_insert_rowid(imp->db->sql);
	}
	sqlite3_bind_int64(imp->seen, 1, rowid);
	r = step_done(imp, imp->seen, err);
	if (r < 0)
		return r;
	/* A second record with an id seen in this import replaces the first, counted once. */
	bool first = sqlite3_changes(imp->db->sql) > 0;
	if (!exists) {
		imp->stats->added++;
		return write_affected(imp, rowid, s, err);
	}
	if (same) {
		if (first)
			imp->stats->unchanged++;
		return 0;
	}
	st = imp->update;
	sqlite3_bind_int64(st, 1, rowid);
	sqlite3_bind_text(st, 2, s->modified, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, s->hash, 64, SQLITE_STATIC);
	r = step_done(imp, st, err);
	if (r < 0)
		return r;
	if (first)
		imp->stats->changed++;
	return write_affected(imp, rowid, s, err);
}

int cn_vuln_import_add(struct cn_vuln_import *imp, json_t *rec, struct cn_error *err)
{
	int r = check_record(rec, err);
	if (r < 0)
		return r;
	struct stored_record s;
	stored_record_init(&s, rec);
	r = store(imp, &s, err);
	stored_record_release(&s);
	return r;
}

/* ---- one source ---- */

static int exec(struct cn_vulndb *db, const char *sql, struct cn_error *err)
{
	int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : cn_vulndb_sql_error(db, rc, err, "update");
}

struct source_row {
	int64_t id;
	char etag[256], last_modified[128];
	uint64_t records;
};

static void copy_col(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	(void)snprintf(buf, size, "%s", s ? s : "");
}

static int source_row_get(struct cn_vulndb *db, const char *kind, const char *location,
			  struct source_row *ret, struct cn_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql,
				    "INSERT OR IGNORE INTO sources(kind, location) VALUES(?1, ?2)",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, location, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		st = NULL;
		if (rc == SQLITE_DONE)
			rc = sqlite3_prepare_v2(
				db->sql,
				"SELECT id, etag, last_modified, records FROM sources"
				" WHERE kind = ?1 AND location = ?2",
				-1, &st, NULL);
	}
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, location, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		ret->id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, ret->etag, sizeof(ret->etag));
		copy_col(st, 2, ret->last_modified, sizeof(ret->last_modified));
		ret->records = (uint64_t)sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : cn_vulndb_sql_error(db, rc, err, "registering the source");
}

/* Deletes the source's records that this import did not see; returns how many or -errno. */
static int64_t remove_unseen(struct cn_vulndb *db, int64_t source_id, struct cn_error *err)
{
	static const char *const sql[] = {
		"DELETE FROM affected WHERE record_id IN (SELECT id FROM records WHERE "
		"source_id = ?1 AND id NOT IN (SELECT id FROM temp.seen))",
		"DELETE FROM records WHERE source_id = ?1 AND id NOT IN (SELECT id FROM temp.seen)",
	};
	int64_t removed = 0;
	for (size_t i = 0; i < ARRAY_SIZE(sql); i++) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(db->sql, sql[i], -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, source_id);
			rc = sqlite3_step(st);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return cn_vulndb_sql_error(db, rc, err, "removing old records");
		removed = sqlite3_changes64(db->sql);
	}
	return removed;
}

static int source_row_finish(struct cn_vulndb *db, const struct source_row *row,
			     const struct cn_vuln_fetch_result *fr, uint64_t records,
			     struct cn_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql,
				    "UPDATE sources SET updated = ?2, records = ?3,"
				    " etag = ?4, last_modified = ?5 WHERE id = ?1",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, row->id);
		sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
		sqlite3_bind_int64(st, 3, (int64_t)records);
		const char *etag = fr ? fr->etag : "", *lm = fr ? fr->last_modified : "";
		if (*etag)
			sqlite3_bind_text(st, 4, etag, -1, SQLITE_STATIC);
		if (*lm)
			sqlite3_bind_text(st, 5, lm, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cn_vulndb_sql_error(db, rc, err, "recording the source");
}

static int open_local(const char *path, int *ret_fd, bool *ret_dir, struct cn_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return cn_error_errno(err, -errno, "%s", path);
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		(void)close(fd);
		return cn_error_errno(err, r, "%s", path);
	}
	*ret_dir = S_ISDIR(st.st_mode);
	*ret_fd = fd;
	return 0;
}

static int run_importer(struct cn_vuln_import *imp, enum cn_vuln_source_kind kind, int fd,
			bool is_dir, const char *path, const char *name, struct cn_error *err)
{
	if (is_dir && kind != CN_VULN_SOURCE_OSV)
		return cn_error_set(err, -EISDIR, "%s: is a directory (want a JSON file)", name);
	switch (kind) {
	case CN_VULN_SOURCE_OSV:
		return is_dir ? cn_vuln_import_osv_dir(imp, path, err)
			      : cn_vuln_import_osv_fd(imp, fd, name, err);
	case CN_VULN_SOURCE_DEBIAN_TRACKER:
		return cn_vuln_import_debian_tracker(imp, fd, name, err);
	case CN_VULN_SOURCE_ALPINE_SECDB:
		return cn_vuln_import_alpine_secdb(imp, fd, name, err);
	}
	return cn_error_set(err, -EINVAL, "unknown source kind");
}

/* Reads the source's data (file, directory or download) and feeds the importer. */
static int import_data(struct cn_vuln_import *imp, const struct cn_vuln_source *src,
		       const char *location, const struct source_row *row,
		       const struct cn_vulndb_update_opts *opts, struct cn_vuln_fetch_result *fr,
		       struct cn_error *err)
{
	cleanup_close int fd = -1;
	bool is_dir = false;
	int r;
	if (cn_vuln_is_url(location)) {
		r = cn_vuln_fetch(imp->db->dirfd, location, row->etag, row->last_modified, opts, fr,
				  err);
		if (r < 0 || fr->not_modified)
			return r;
		fd = TAKE_FD(fr->fd);
	} else {
		r = open_local(location, &fd, &is_dir, err);
		if (r < 0)
			return r;
	}
	/* The error's prefix names the source: files are named by their last component. */
	const char *slash = strrchr(location, '/');
	const char *name = slash && slash[1] ? slash + 1 : location;
	return run_importer(imp, src->kind, fd, is_dir, location, name, err);
}

static int update_source(struct cn_vulndb *db, const struct cn_vuln_source *src,
			 const struct cn_vulndb_update_opts *opts,
			 struct cn_vulndb_update_stats *stats, struct cn_error *err)
{
	const char *kind = cn_vuln_source_kind_name(src->kind);
	cleanup_free char *abs = NULL;
	const char *location = src->location;
	if (!cn_vuln_is_url(location)) {
		abs = realpath(location, NULL);
		if (!abs)
			return cn_error_set(err, -errno, "%s", strerror(errno));
		location = abs;
	}
	struct source_row row = { 0 };
	int r = source_row_get(db, kind, location, &row, err);
	if (r >= 0)
		r = exec(db, "DELETE FROM temp.seen", err);
	if (r < 0)
		return r;
	struct cn_vuln_import imp = {
		.db = db, .source_id = row.id, .name = location, .stats = stats
	};
	struct cn_vuln_fetch_result fr = { .fd = -1 };
	*stats = (struct cn_vulndb_update_stats){ 0 };
	r = import_prepare(&imp, err);
	if (r >= 0)
		r = import_data(&imp, src, location, &row, opts, &fr, err);
	import_release(&imp);
	if (fr.fd >= 0)
		(void)close(fr.fd);
	if (r < 0)
		return r;
	uint64_t records = row.records;
	if (fr.not_modified) {
		stats->not_modified = true;
		stats->unchanged = row.records;
	} else {
		int64_t removed = remove_unseen(db, row.id, err);
		if (removed < 0)
			return (int)removed;
		stats->removed = (uint64_t)removed;
		records = stats->added + stats->changed + stats->unchanged;
	}
	return source_row_finish(db, &row, cn_vuln_is_url(location) ? &fr : NULL, records, err);
}

static int finish_update(struct cn_vulndb *db, struct cn_error *err)
{
	static const char sql[] =
		"DELETE FROM ecosystems;"
		"INSERT INTO ecosystems SELECT ecosystem, COUNT(DISTINCT record_id),"
		" COUNT(DISTINCT package) FROM affected GROUP BY ecosystem;";
	int r = exec(db, sql, err);
	if (r < 0)
		return r;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql, "INSERT OR REPLACE INTO meta VALUES('updated', ?1)",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cn_vulndb_sql_error(db, rc, err, "recording the update");
}

int cn_vulndb_update(struct cn_vulndb *db, const struct cn_vuln_source *sources, size_t n,
		     const struct cn_vulndb_update_opts *opts,
		     struct cn_vulndb_update_stats *ret_stats, struct cn_error *err)
{
	static const struct cn_vulndb_update_opts defaults = { 0 };
	if (!db->writable)
		return cn_error_set(err, -EROFS, "%s: opened read-only", db->path);
	if (!opts)
		opts = &defaults;
	int r = exec(db, "CREATE TEMP TABLE IF NOT EXISTS seen(id INTEGER PRIMARY KEY)", err);
	if (r < 0)
		return r;
	/* IMMEDIATE: take the write lock now, so a second update waits or fails up front. */
	r = exec(db, "BEGIN IMMEDIATE", err);
	if (r < 0)
		return r;
	cleanup_free struct cn_vulndb_update_stats *stats = xcalloc(n + 1, sizeof(*stats));
	for (size_t i = 0; i < n && r >= 0; i++) {
		r = update_source(db, &sources[i], opts, &stats[i], err);
		if (r < 0)
			r = cn_error_prefix(err, r, "%s:%s",
					    cn_vuln_source_kind_name(sources[i].kind),
					    sources[i].location);
	}
	if (r >= 0)
		r = finish_update(db, err);
	if (r >= 0)
		r = exec(db, "COMMIT", err);
	if (r < 0) {
		(void)sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
		return r;
	}
	memcpy(ret_stats, stats, n * sizeof(*stats));
	return 0;
}

/* ---- helpers the importers share ---- */

int cn_vuln_load_json_fd(int fd, size_t max, const char *name, json_t **ret, struct cn_error *err)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	int r = cn_read_fd(fd, max, &sb);
	if (r == -E2BIG)
		return cn_error_set(err, r, "%s: larger than %zu bytes", name, max);
	if (r < 0)
		return cn_error_errno(err, r, "reading %s", name);
	json_error_t jerr;
	json_t *j = json_loadb(sb.buf, sb.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return cn_error_set(err, -EBADMSG, "%s: bad JSON at line %d: %s", name, jerr.line,
				    jerr.text);
	*ret = j;
	return 0;
}

void cn_vuln_json_set_line(json_t *obj, const char *key, const char *s, size_t max)
{
	if (!s)
		return;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t len = strcspn(s, "\r\n");
	if (len > max)
		len = max;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0)
		return;
	/* Cutting may split a UTF-8 sequence: back up to a character boundary. */
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	json_t *v = json_stringn(s, len);
	if (v)
		(void)json_object_set_new(obj, key, v);
}
