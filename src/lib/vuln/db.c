/*
 * The vulnerability database file: opening and schema, the lookup on the scan's hot path,
 * ecosystem keys, status. Imports are in db-update.c.
 *
 * Schema (version 1):
 *   meta(key, value)                       schema_version, updated (unix time)
 *   sources(id, kind, location, updated, records, etag, last_modified)
 *   records(id, source_id, vuln_id, modified, hash)          identity and content hash
 *   affected(ecosystem, package, record_id, seq, source_id, vuln_id, modified, head, data)
 *            head: the record-level JSON; data: this entry's ranges/versions/severity
 *   ecosystems(ecosystem, records, packages)                 counts, refreshed by each update
 * WAL mode: a scan reads a consistent snapshot while an update writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/strbuf.h"
#include "lib/vuln/db-internal.h"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS sources(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
	" location TEXT NOT NULL, updated INTEGER NOT NULL DEFAULT 0,"
	" records INTEGER NOT NULL DEFAULT 0, etag TEXT, last_modified TEXT,"
	" UNIQUE(kind, location));"
	"CREATE TABLE IF NOT EXISTS records(id INTEGER PRIMARY KEY,"
	" source_id INTEGER NOT NULL, vuln_id TEXT NOT NULL, modified TEXT,"
	" hash BLOB NOT NULL, UNIQUE(source_id, vuln_id));"
	/* Clustered by (ecosystem, package): a lookup reads a few adjacent pages. The record's
	 * own members are repeated in each of its rows for that reason. */
	"CREATE TABLE IF NOT EXISTS affected(ecosystem TEXT NOT NULL, package TEXT NOT NULL,"
	" record_id INTEGER NOT NULL, seq INTEGER NOT NULL, source_id INTEGER NOT NULL,"
	" vuln_id TEXT NOT NULL, modified TEXT, head TEXT NOT NULL, data TEXT NOT NULL,"
	" PRIMARY KEY(ecosystem, package, record_id, seq)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS affected_record ON affected(record_id);"
	"CREATE TABLE IF NOT EXISTS ecosystems(ecosystem TEXT PRIMARY KEY,"
	" records INTEGER NOT NULL, packages INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT OR IGNORE INTO meta VALUES('schema_version', 1);";

static const char lookup_sql[] =
	"SELECT a.vuln_id, a.modified, a.head, a.data, s.kind || ':' || s.location"
	" FROM affected a JOIN sources s ON s.id = a.source_id"
	" WHERE a.ecosystem = ?1 AND a.package = ?2";

int cn_vulndb_sql_error(struct cn_vulndb *db, int rc, struct cn_error *err, const char *what)
{
	int code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? -EBUSY : -EIO;
	if ((rc & 0xff) == SQLITE_FULL)
		code = -ENOSPC;
	if (code == -EBUSY)
		return cn_error_set(err, code, "%s: %s: the database is busy (another update?)",
				    db->path, what);
	return cn_error_set(err, code, "%s: %s: %s", db->path, what,
			    db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
}

struct cn_vulndb *cn_vulndb_free(struct cn_vulndb *db)
{
	if (!db)
		return NULL;
	sqlite3_finalize(db->lookup);
	strbuf_release(&db->scratch.head);
	strbuf_release(&db->scratch.data);
	free(db->scratch.aliases);
	free(db->scratch.versions);
	free(db->scratch.ranges);
	free(db->scratch.events);
	if (db->sql)
		(void)sqlite3_close_v2(db->sql);
	if (db->dirfd >= 0)
		(void)close(db->dirfd);
	free(db->path);
	free(db);
	return NULL;
}

static int meta_int(struct cn_vulndb *db, const char *key, int64_t *ret, struct cn_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc =
		sqlite3_prepare_v2(db->sql, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return cn_vulndb_sql_error(db, rc, err, "reading meta");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	int r = -ENOENT;
	if (rc == SQLITE_ROW) {
		*ret = sqlite3_column_int64(st, 0);
		r = 0;
	} else if (rc != SQLITE_DONE) {
		r = cn_vulndb_sql_error(db, rc, err, "reading meta");
	}
	sqlite3_finalize(st);
	return r;
}

static int setup_connection(struct cn_vulndb *db, struct cn_error *err)
{
	static const char pragmas[] = "PRAGMA synchronous=NORMAL;"
				      "PRAGMA temp_store=MEMORY;"
				      "PRAGMA cache_size=-16384;"
				      "PRAGMA mmap_size=1073741824;"
				      "PRAGMA foreign_keys=OFF;";
	sqlite3_busy_timeout(db->sql, 5000);
	int rc = sqlite3_exec(db->sql, pragmas, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return cn_vulndb_sql_error(db, rc, err, "configuring");
	if (db->writable) {
		rc = sqlite3_exec(db->sql, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db->sql, schema_sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return cn_vulndb_sql_error(db, rc, err, "creating the schema");
	}
	int64_t version = 0;
	int r = meta_int(db, "schema_version", &version, err);
	if (r == -ENOENT)
		return cn_error_set(err, -EPROTO, "%s: not a cairn vulnerability database",
				    db->path);
	if (r < 0)
		return r;
	if (version != CN_VULNDB_SCHEMA_VERSION)
		return cn_error_set(err, -EPROTO,
				    "%s: schema version %lld is not supported (want %d); remove "
				    "the file and run `cairn db update`",
				    db->path, (long long)version, CN_VULNDB_SCHEMA_VERSION);
	rc = sqlite3_prepare_v3(db->sql, lookup_sql, -1, SQLITE_PREPARE_PERSISTENT, &db->lookup,
				NULL);
	if (rc != SQLITE_OK)
		return cn_vulndb_sql_error(db, rc, err, "preparing the lookup");
	return 0;
}

int cn_vulndb_open(const char *store_root, unsigned flags, struct cn_vulndb **ret,
		   struct cn_error *err)
{
	_cleanup_(cn_vulndb_freep) struct cn_vulndb *db = xcalloc(1, sizeof(*db));
	db->scratch.head = (struct strbuf)STRBUF_INIT;
	db->scratch.data = (struct strbuf)STRBUF_INIT;
	db->dirfd = -1;
	db->writable = flags & CN_VULNDB_WRITE;
	db->path = xasprintf("%s/%s/%s", store_root, CN_VULNDB_DIR, CN_VULNDB_FILE);
	if (db->writable) {
		cleanup_close int rootfd = open(store_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0 && errno == ENOENT && cn_mkdir_p_at(AT_FDCWD, store_root, 0755) == 0)
			rootfd = open(store_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return cn_error_errno(err, -errno, "opening the store %s", store_root);
		db->dirfd = cn_open_dir_at(rootfd, CN_VULNDB_DIR, 1);
		if (db->dirfd < 0)
			return cn_error_errno(err, db->dirfd, "creating %s/%s", store_root,
					      CN_VULNDB_DIR);
	} else if (access(db->path, F_OK) < 0) {
		if (errno == ENOENT)
			return cn_error_set(err, -ENOENT,
					    "no vulnerability database, run `cairn db update`");
		return cn_error_errno(err, -errno, "%s", db->path);
	}
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	if (db->writable)
		oflags |= SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(db->path, &db->sql, oflags, NULL);
	if (rc != SQLITE_OK && !db->writable) {
		/* A reader without write access to the file still scans. */
		(void)sqlite3_close_v2(db->sql);
		db->sql = NULL;
		rc = sqlite3_open_v2(db->path, &db->sql, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
				     NULL);
	}
	if (rc != SQLITE_OK)
		return cn_vulndb_sql_error(db, rc, err, "opening");
	int r = setup_connection(db, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(db);
	return 0;
}

/* ---- lookup ---- */

/*
 * Rows hold the record's members ("head") and the entry's ("data") as lines of TAG VALUE
 * (db-internal.h). They are copied into reusable buffers, split in place, and handed out as
 * views: no allocation per row once the buffers have grown.
 */
static void parse_head(char *p, struct cn_vuln_record *rec, struct cn_vulndb_scratch *s)
{
	s->n_aliases = 0;
	for (char *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		const char *v = p + 1;
		switch (*p) {
		case CN_VULN_TAG_ALIAS:
			ALLOC_GROW(s->aliases, s->n_aliases + 1, s->alloc_aliases);
			s->aliases[s->n_aliases++] = v;
			break;
		case CN_VULN_TAG_SUMMARY:
			rec->summary = v;
			break;
		case CN_VULN_TAG_SEVERITY:
			rec->severity = v;
			break;
		case CN_VULN_TAG_CVSS3:
			rec->cvss_v3 = v;
			break;
		case CN_VULN_TAG_CVSS4:
			rec->cvss_v4 = v;
			break;
		case CN_VULN_TAG_PUBLISHED:
			rec->published = v;
			break;
		default:
			break; /* a tag from a newer cairn: ignored */
		}
	}
	rec->aliases = s->aliases;
	rec->n_aliases = s->n_aliases;
}

static bool event_tag(char tag, enum cn_vuln_event_kind *ret)
{
	static const char tags[] = { [CN_VULN_INTRODUCED] = CN_VULN_TAG_INTRODUCED,
				     [CN_VULN_FIXED] = CN_VULN_TAG_FIXED,
				     [CN_VULN_LAST_AFFECTED] = CN_VULN_TAG_LAST_AFFECTED,
				     [CN_VULN_LIMIT] = CN_VULN_TAG_LIMIT };
	for (size_t k = 0; k < ARRAY_SIZE(tags); k++)
		if (tags[k] == tag) {
			*ret = (enum cn_vuln_event_kind)k;
			return true;
		}
	return false;
}

/* First pass: split lines and collect events and versions; ranges refer to events by index
 * (the arrays may move while they grow), fixed up at the end. */
static void parse_data(char *p, struct cn_vuln_affected *a, struct cn_vulndb_scratch *s)
{
	s->n_ranges = s->n_events = s->n_versions = 0;
	for (char *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		enum cn_vuln_event_kind kind;
		if (*p == CN_VULN_TAG_RANGE) {
			ALLOC_GROW(s->ranges, s->n_ranges + 1, s->alloc_ranges);
			s->ranges[s->n_ranges++] = (struct cn_vuln_range){
				.type = p[1] == 'S' ? CN_VULN_RANGE_SEMVER
						    : CN_VULN_RANGE_ECOSYSTEM,
				.n_events = s->n_events, /* first event's index, for now */
			};
		} else if (event_tag(*p, &kind) && s->n_ranges > 0) {
			ALLOC_GROW(s->events, s->n_events + 1, s->alloc_events);
			s->events[s->n_events++] = (struct cn_vuln_event){ kind, p + 1 };
		} else if (*p == CN_VULN_TAG_VERSION) {
			ALLOC_GROW(s->versions, s->n_versions + 1, s->alloc_versions);
			s->versions[s->n_versions++] = p + 1;
		} else if (*p == CN_VULN_TAG_SEVERITY) {
			a->severity = p + 1;
		}
	}
	for (size_t i = 0; i < s->n_ranges; i++) {
		size_t first = s->ranges[i].n_events;
		size_t next = i + 1 < s->n_ranges ? s->ranges[i + 1].n_events : s->n_events;
		s->ranges[i].events = s->events + first;
		s->ranges[i].n_events = next - first;
	}
	a->ranges = s->ranges;
	a->n_ranges = s->n_ranges;
	a->versions = s->versions;
	a->n_versions = s->n_versions;
}

static char *column_copy(sqlite3_stmt *st, int col, struct strbuf *sb)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	strbuf_reset(sb);
	if (t)
		strbuf_add(sb, t, (size_t)sqlite3_column_bytes(st, col));
	return sb->buf;
}

static int emit_row(struct cn_vulndb *db, const char *ecosystem, const char *package,
		    cn_vulndb_affected_fn fn, void *userdata)
{
	sqlite3_stmt *st = db->lookup;
	struct cn_vulndb_scratch *s = &db->scratch;
	struct cn_vuln_record rec = {
		.source = (const char *)sqlite3_column_text(st, 4),
		.id = (const char *)sqlite3_column_text(st, 0),
		.modified = (const char *)sqlite3_column_text(st, 1),
	};
	struct cn_vuln_affected a = { .ecosystem = ecosystem, .package = package };
	parse_head(column_copy(st, 2, &s->head), &rec, s);
	parse_data(column_copy(st, 3, &s->data), &a, s);
	return fn(userdata, &rec, &a);
}

int cn_vulndb_lookup(struct cn_vulndb *db, const char *ecosystem, const char *package,
		     cn_vulndb_affected_fn fn, void *userdata, struct cn_error *err)
{
	sqlite3_stmt *st = db->lookup;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, ecosystem, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, package, -1, SQLITE_STATIC);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = emit_row(db, ecosystem, package, fn, userdata);
		if (r < 0)
			break;
	}
	if (r >= 0 && rc != SQLITE_DONE)
		r = cn_vulndb_sql_error(db, rc, err, "lookup");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r < 0 ? r : 0;
}

/* ---- keys ---- */

static void lower_nospace(const char *s, char *out, size_t size)
{
	size_t k = 0;
	for (; *s && k + 1 < size; s++)
		if (*s != ' ')
			out[k++] = (char)((*s >= 'A' && *s <= 'Z') ? *s - 'A' + 'a' : *s);
	out[k] = '\0';
}

static bool starts_digit(const char *s)
{
	return *s >= '0' && *s <= '9';
}

/* Keeps the first `dots` dot-separated components of a version ("3.16.2" -> "3.16"). */
static void cut_components(char *v, int dots)
{
	for (char *p = v; *p; p++)
		if (*p == '.' && --dots < 0) {
			*p = '\0';
			return;
		}
}

int cn_vuln_ecosystem_key(const char *osv_ecosystem, char *buf, size_t size)
{
	char copy[256], name[64], ver[64] = "";
	const char *parts[8];
	size_t n = 0;
	if (!osv_ecosystem || !*osv_ecosystem || strlen(osv_ecosystem) >= sizeof(copy))
		return -EINVAL;
	memcpy(copy, osv_ecosystem, strlen(osv_ecosystem) + 1);
	for (char *p = copy, *c; p && n < ARRAY_SIZE(parts); p = c) {
		c = strchr(p, ':');
		if (c)
			*c++ = '\0';
		parts[n++] = p;
	}
	lower_nospace(parts[0], name, sizeof(name));
	if (!*name)
		return -EINVAL;
	bool pro = false;
	if (strcmp(name, "debian") == 0 && n > 1) {
		lower_nospace(parts[1], ver, sizeof(ver));
		if (strcmp(ver, "sid") == 0)
			(void)snprintf(ver, sizeof(ver), "unstable");
	} else if (strcmp(name, "alpine") == 0 && n > 1) {
		lower_nospace(parts[1] + (parts[1][0] == 'v'), ver, sizeof(ver));
		cut_components(ver, 1);
	} else if (strcmp(name, "ubuntu") == 0 || strcmp(name, "redhat") == 0) {
		/* "Ubuntu:Pro:16.04:LTS", "Red Hat:enterprise_linux:9::appstream" */
		for (size_t i = 1; i < n && !*ver; i++) {
			if (strcasecmp(parts[i], "pro") == 0)
				pro = true;
			if (starts_digit(parts[i]))
				lower_nospace(parts[i], ver, sizeof(ver));
		}
		if (strcmp(name, "redhat") == 0)
			cut_components(ver, 0);
	} else if (n > 1) {
		lower_nospace(parts[1], ver, sizeof(ver));
	}
	/* Ubuntu Pro (ESM) fixes are not for standard installs: a key of their own. */
	int len = snprintf(buf, size, "%s%s%s%s", name, *ver ? ":" : "", ver, pro ? ":pro" : "");
	return len < 0 || (size_t)len >= size ? -EINVAL : 0;
}

int cn_vuln_pypi_name(const char *name, char *buf, size_t size)
{
	size_t k = 0;
	for (const char *p = name; *p; p++) {
		char c = *p;
		if (c == '-' || c == '_' || c == '.') {
			while (p[1] == '-' || p[1] == '_' || p[1] == '.')
				p++;
			c = '-';
		} else if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		}
		if (k + 1 >= size)
			return -ENAMETOOLONG;
		buf[k++] = c;
	}
	if (size == 0)
		return -ENAMETOOLONG;
	buf[k] = '\0';
	return 0;
}

/* ---- status ---- */

static int source_kind_parse(const char *s, enum cn_vuln_source_kind *ret)
{
	for (int k = CN_VULN_SOURCE_OSV; k <= CN_VULN_SOURCE_ALPINE_SECDB; k++)
		if (strcmp(s, cn_vuln_source_kind_name((enum cn_vuln_source_kind)k)) == 0) {
			*ret = (enum cn_vuln_source_kind)k;
			return 0;
		}
	return -EINVAL;
}

static int status_sources(struct cn_vulndb *db, struct cn_vulndb_status *ret, struct cn_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql,
				    "SELECT kind, location, updated, records FROM sources"
				    " ORDER BY kind, location",
				    -1, &st, NULL);
	size_t alloc = 0;
	if (rc != SQLITE_OK)
		return cn_vulndb_sql_error(db, rc, err, "status");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		enum cn_vuln_source_kind kind;
		if (source_kind_parse((const char *)sqlite3_column_text(st, 0), &kind) < 0)
			continue;
		ALLOC_GROW(ret->sources, ret->n_sources + 1, alloc);
		ret->sources[ret->n_sources++] = (struct cn_vulndb_source_status){
			.kind = kind,
			.location = xstrdup((const char *)sqlite3_column_text(st, 1)),
			.updated = sqlite3_column_int64(st, 2),
			.records = (uint64_t)sqlite3_column_int64(st, 3),
		};
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cn_vulndb_sql_error(db, rc, err, "reading sources");
}

static int status_ecosystems(struct cn_vulndb *db, struct cn_vulndb_status *ret,
			     struct cn_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql,
				    "SELECT ecosystem, records, packages FROM ecosystems"
				    " ORDER BY ecosystem",
				    -1, &st, NULL);
	size_t alloc = 0;
	if (rc != SQLITE_OK)
		return cn_vulndb_sql_error(db, rc, err, "status");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(ret->ecosystems, ret->n_ecosystems + 1, alloc);
		ret->ecosystems[ret->n_ecosystems++] = (struct cn_vulndb_ecosystem_status){
			.ecosystem = xstrdup((const char *)sqlite3_column_text(st, 0)),
			.records = (uint64_t)sqlite3_column_int64(st, 1),
			.packages = (uint64_t)sqlite3_column_int64(st, 2),
		};
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cn_vulndb_sql_error(db, rc, err, "reading ecosystems");
}

void cn_vulndb_status_release(struct cn_vulndb_status *st)
{
	for (size_t i = 0; i < st->n_sources; i++)
		free(st->sources[i].location);
	for (size_t i = 0; i < st->n_ecosystems; i++)
		free(st->ecosystems[i].ecosystem);
	free(st->sources);
	free(st->ecosystems);
	free(st->path);
	*st = (struct cn_vulndb_status){ 0 };
}

int cn_vulndb_status(struct cn_vulndb *db, struct cn_vulndb_status *ret, struct cn_error *err)
{
	struct cn_vulndb_status st = { .schema_version = CN_VULNDB_SCHEMA_VERSION };
	int64_t records = 0;
	int r = sqlite3_exec(db->sql, "BEGIN", NULL, NULL, NULL);
	if (r != SQLITE_OK)
		return cn_vulndb_sql_error(db, r, err, "status");
	r = meta_int(db, "updated", &st.updated, err);
	if (r == -ENOENT)
		r = 0;
	if (r >= 0)
		r = status_sources(db, &st, err);
	if (r >= 0)
		r = status_ecosystems(db, &st, err);
	for (size_t i = 0; i < st.n_sources; i++)
		records += (int64_t)st.sources[i].records;
	(void)sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
	if (r < 0) {
		cn_vulndb_status_release(&st);
		return r;
	}
	st.records = (uint64_t)records;
	st.path = xstrdup(db->path);
	*ret = st;
	return 0;
}

int cn_vulndb_age(struct cn_vulndb *db, int64_t *ret_seconds, struct cn_error *err)
{
	int64_t updated = 0;
	int r = meta_int(db, "updated", &updated, err);
	if (r == -ENOENT || (r >= 0 && updated <= 0))
		return cn_error_set(err, -ENOENT, "the vulnerability database was never updated");
	if (r < 0)
		return r;
	int64_t now = (int64_t)time(NULL);
	*ret_seconds = now > updated ? now - updated : 0;
	return 0;
}
