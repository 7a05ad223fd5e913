/*
 * OSV records (https://ossf.github.io/osv-schema/) into normalized records: from a directory
 * tree of *.json files, from a zip such as osv.dev's per-ecosystem all.zip (streamed with
 * libarchive, never extracted), or from one file. A file holds one record or an array of them.
 * GIT ranges are skipped; an affected entry with nothing left, or a withdrawn record, is
 * dropped.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/strbuf.h"
#include "lib/vuln/db-internal.h"

#define MAX_LIST 100000 /* aliases, versions, ranges, events per entry */

static const char *jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void set_str(json_t *obj, const char *key, const char *s)
{
	if (s && *s)
		(void)json_object_set_new(obj, key, json_string(s));
}

static bool array_has(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach (arr, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

static void add_aliases(json_t *out, json_t *list, const char *id)
{
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		const char *s = json_string_value(v);
		if (!s || !*s || strlen(s) > CN_VULN_MAX_ID || strcmp(s, id) == 0 ||
		    array_has(out, s) || json_array_size(out) >= MAX_LIST)
			continue;
		(void)json_array_append_new(out, json_string(s));
	}
}

static void record_severity(json_t *osv, json_t *rec)
{
	size_t i;
	json_t *s;
	json_array_foreach (json_object_get(osv, "severity"), i, s) {
		const char *type = jstr(s, "type"), *score = jstr(s, "score");
		if (!type || !score)
			continue;
		if (strcmp(type, "CVSS_V3") == 0 && strncmp(score, "CVSS:3", 6) == 0)
			set_str(rec, "cvss_v3", score);
		else if (strcmp(type, "CVSS_V4") == 0 && strncmp(score, "CVSS:4", 6) == 0)
			set_str(rec, "cvss_v4", score);
	}
	json_t *dbs = json_object_get(osv, "database_specific");
	set_str(rec, "severity", jstr(dbs, "severity"));
}

static bool valid_event(const char *key)
{
	return strcmp(key, "introduced") == 0 || strcmp(key, "fixed") == 0 ||
	       strcmp(key, "last_affected") == 0 || strcmp(key, "limit") == 0;
}

/* ECOSYSTEM and SEMVER ranges with their well-formed events; NULL when none is left. */
static json_t *convert_ranges(json_t *ranges)
{
	json_t *out = json_array(), *r;
	size_t i, j;
	json_array_foreach (ranges, i, r) {
		const char *type = jstr(r, "type");
		if (!type || (strcmp(type, "ECOSYSTEM") != 0 && strcmp(type, "SEMVER") != 0))
			continue;
		json_t *events = json_array(), *ev;
		json_array_foreach (json_object_get(r, "events"), j, ev) {
			const char *key;
			json_t *val;
			if (json_object_size(ev) != 1 || json_array_size(events) >= MAX_LIST)
				continue;
			json_object_foreach (ev, key, val)
				if (valid_event(key) && json_string_length(val) > 0)
					(void)json_array_append_new(events,
								    json_pack("{sO}", key, val));
		}
		if (json_array_size(events) > 0 && json_array_size(out) < MAX_LIST)
			(void)json_array_append_new(
				out, json_pack("{sssO}", "type", type, "events", events));
		json_decref(events);
	}
	if (json_array_size(out) == 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static const char *affected_severity(json_t *a)
{
	static const char *const keys[] = { "urgency", "ubuntu_priority", "priority", "severity" };
	json_t *es = json_object_get(a, "ecosystem_specific");
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (jstr(es, keys[i]))
			return jstr(es, keys[i]);
	return jstr(json_object_get(a, "database_specific"), "severity");
}

/* One OSV affected[] entry, or NULL when it names no package we can match. */
static json_t *convert_affected(json_t *a)
{
	json_t *pkg = json_object_get(a, "package");
	const char *eco = jstr(pkg, "ecosystem"), *name = jstr(pkg, "name");
	char key[128], norm[512];
	if (!eco || !name || !*name || strlen(name) >= sizeof(norm) ||
	    cn_vuln_ecosystem_key(eco, key, sizeof(key)) < 0)
		return NULL;
	if (strcmp(key, "pypi") == 0) {
		if (cn_vuln_pypi_name(name, norm, sizeof(norm)) < 0)
			return NULL;
		name = norm;
	}
	json_t *ranges = convert_ranges(json_object_get(a, "ranges"));
	json_t *versions = json_array(), *v;
	size_t i;
	json_array_foreach (json_object_get(a, "versions"), i, v)
		if (json_string_length(v) > 0 && json_array_size(versions) < MAX_LIST)
			(void)json_array_append(versions, v);
	if (!ranges && json_array_size(versions) == 0) {
		json_decref(versions);
		return NULL;
	}
	json_t *out = json_pack("{ssss}", "ecosystem", key, "package", name);
	if (ranges)
		(void)json_object_set_new(out, "ranges", ranges);
	if (json_array_size(versions) > 0)
		(void)json_object_set(out, "versions", versions);
	json_decref(versions);
	set_str(out, "severity", affected_severity(a));
	return out;
}

/* The normalized form of one OSV record; *ret = NULL for a record to skip. */
static int convert_record(json_t *osv, json_t **ret, struct cn_error *err)
{
	const char *id = jstr(osv, "id");
	*ret = NULL;
	if (!json_is_object(osv))
		return cn_error_set(err, -EBADMSG, "not a JSON object");
	if (!id || !*id || strlen(id) > CN_VULN_MAX_ID)
		return cn_error_set(err, -EBADMSG, "record without a valid \"id\"");
	if (jstr(osv, "withdrawn"))
		return 0;
	json_t *affected = json_array(), *a;
	size_t i;
	json_array_foreach (json_object_get(osv, "affected"), i, a) {
		if (i >= CN_VULN_MAX_AFFECTED) {
			json_decref(affected);
			return cn_error_set(err, -E2BIG, "%s: too many affected entries", id);
		}
		json_t *conv = convert_affected(a);
		if (conv)
			(void)json_array_append_new(affected, conv);
	}
	if (json_array_size(affected) == 0) {
		json_decref(affected);
		return 0;
	}
	json_t *rec = json_pack("{ssso}", "id", id, "affected", affected);
	set_str(rec, "modified", jstr(osv, "modified"));
	set_str(rec, "published", jstr(osv, "published"));
	json_t *aliases = json_array();
	add_aliases(aliases, json_object_get(osv, "aliases"), id);
	add_aliases(aliases, json_object_get(osv, "upstream"), id);
	if (json_array_size(aliases) > 0)
		(void)json_object_set(rec, "aliases", aliases);
	json_decref(aliases);
	const char *summary = jstr(osv, "summary");
	cn_vuln_json_set_line(rec, "summary", summary && *summary ? summary : jstr(osv, "details"),
			      CN_VULN_MAX_SUMMARY);
	record_severity(osv, rec);
	*ret = rec;
	return 0;
}

static int import_one(struct cn_vuln_import *imp, json_t *osv, const char *name, size_t index,
		      bool in_array, struct cn_error *err)
{
	json_t *rec = NULL;
	int r = convert_record(osv, &rec, err);
	if (r >= 0 && rec)
		r = cn_vuln_import_add(imp, rec, err);
	json_decref(rec);
	if (r < 0 && in_array)
		return cn_error_prefix(err, r, "%s: record %zu", name, index);
	if (r < 0)
		return cn_error_prefix(err, r, "%s", name);
	return 0;
}

int cn_vuln_import_osv_buffer(struct cn_vuln_import *imp, const char *data, size_t len,
			      const char *name, struct cn_error *err)
{
	json_error_t jerr;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return cn_error_set(err, -EBADMSG, "%s: bad JSON at line %d: %s", name, jerr.line,
				    jerr.text);
	int r = 0;
	if (json_is_array(j)) {
		size_t i;
		json_t *rec;
		json_array_foreach (j, i, rec) {
			r = import_one(imp, rec, name, i, true, err);
			if (r < 0)
				break;
		}
	} else {
		r = import_one(imp, j, name, 0, false, err);
	}
	json_decref(j);
	return r;
}

static bool is_json_name(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* ---- directories ---- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The entry names of `dirfd` but . and .. and hidden ones, sorted. */
static int list_dir(int dirfd, const char *path, char ***ret, size_t *ret_n, struct cn_error *err)
{
	if (!*path)
		path = ".";
	int fd = dup(dirfd);
	if (fd < 0)
		return cn_error_errno(err, -errno, "%s", path);
	DIR *d = fdopendir(fd);
	if (!d) {
		int r = -errno;
		(void)close(fd);
		return cn_error_errno(err, r, "%s", path);
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		ALLOC_GROW(names, n + 1, alloc);
		names[n++] = xstrdup(de->d_name);
	}
	int r = errno ? -errno : 0;
	(void)closedir(d);
	if (r < 0) {
		free_names(names, n);
		return cn_error_errno(err, r, "reading %s", path);
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	*ret = names;
	*ret_n = n;
	return 0;
}

static int walk_dir(struct cn_vuln_import *imp, int dirfd, const char *path, int depth,
		    struct cn_error *err);

static int walk_entry(struct cn_vuln_import *imp, int dirfd, const char *path, const char *name,
		      int depth, struct cn_error *err)
{
	struct stat st;
	cleanup_free char *sub = *path ? xasprintf("%s/%s", path, name) : xstrdup(name);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cn_error_errno(err, -errno, "%s", sub);
	if (S_ISDIR(st.st_mode)) {
		cleanup_close int fd =
			openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return cn_error_errno(err, -errno, "%s", sub);
		return walk_dir(imp, fd, sub, depth + 1, err);
	}
	if (!S_ISREG(st.st_mode) || !is_json_name(name))
		return 0;
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	int r = cn_read_file_at(dirfd, name, CN_VULN_MAX_RECORD_FILE, &sb);
	if (r == -E2BIG)
		return cn_error_set(err, r, "%s: larger than %u bytes", sub,
				    CN_VULN_MAX_RECORD_FILE);
	if (r < 0)
		return cn_error_errno(err, r, "%s", sub);
	return cn_vuln_import_osv_buffer(imp, sb.buf, sb.len, sub, err);
}

static int walk_dir(struct cn_vuln_import *imp, int dirfd, const char *path, int depth,
		    struct cn_error *err)
{
	if (depth > CN_VULN_MAX_DIR_DEPTH)
		return cn_error_set(err, -E2BIG, "%s: directories nested too deep", path);
	char **names = NULL;
	size_t n = 0;
	int r = list_dir(dirfd, path, &names, &n, err);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = walk_entry(imp, dirfd, path, names[i], depth, err);
	free_names(names, n);
	return r;
}

int cn_vuln_import_osv_dir(struct cn_vuln_import *imp, const char *path, struct cn_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cn_error_errno(err, -errno, "%s", path);
	return walk_dir(imp, fd, "", 0, err); /* errors name files relative to `path` */
}

/* ---- zip archives ---- */

static void archive_freep(struct archive **a)
{
	if (*a)
		(void)archive_read_free(*a);
}

static int read_entry(struct archive *a, struct archive_entry *e, struct strbuf *sb,
		      const char *name, struct cn_error *err)
{
	la_int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
	if (size > (la_int64_t)CN_VULN_MAX_RECORD_FILE)
		return cn_error_set(err, -E2BIG, "%s: %s: larger than %u bytes", name,
				    archive_entry_pathname(e), CN_VULN_MAX_RECORD_FILE);
	strbuf_reset(sb);
	char buf[65536];
	for (;;) {
		la_ssize_t got = archive_read_data(a, buf, sizeof(buf));
		if (got == 0)
			return 0;
		if (got < 0)
			return cn_error_set(err, -EBADMSG, "%s: %s: %s", name,
					    archive_entry_pathname(e), archive_error_string(a));
		if (sb->len + (size_t)got > CN_VULN_MAX_RECORD_FILE)
			return cn_error_set(err, -E2BIG, "%s: %s: larger than %u bytes", name,
					    archive_entry_pathname(e), CN_VULN_MAX_RECORD_FILE);
		strbuf_add(sb, buf, (size_t)got);
	}
}

int cn_vuln_import_osv_zip(struct cn_vuln_import *imp, int fd, const char *name,
			   struct cn_error *err)
{
	_cleanup_(archive_freep) struct archive *a = archive_read_new();
	if (!a)
		return cn_error_set(err, -ENOMEM, "%s: out of memory", name);
	(void)archive_read_support_format_zip(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
		return cn_error_set(err, -EBADMSG, "%s: not a readable zip: %s", name,
				    archive_error_string(a));
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	struct archive_entry *e;
	size_t entries = 0;
	int rc;
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
		if (++entries > CN_VULN_MAX_ZIP_ENTRIES)
			return cn_error_set(err, -E2BIG, "%s: more than %u entries", name,
					    CN_VULN_MAX_ZIP_ENTRIES);
		const char *path = archive_entry_pathname(e);
		if (archive_entry_filetype(e) != AE_IFREG || !path || !is_json_name(path))
			continue;
		int r = read_entry(a, e, &sb, name, err);
		if (r < 0)
			return r;
		cleanup_free char *label = xasprintf("%s: %s", name, path);
		r = cn_vuln_import_osv_buffer(imp, sb.buf, sb.len, label, err);
		if (r < 0)
			return r;
	}
	if (rc != ARCHIVE_EOF)
		return cn_error_set(err, -EBADMSG, "%s: bad zip: %s", name,
				    archive_error_string(a) ? archive_error_string(a)
							    : "unreadable entry");
	return 0;
}

int cn_vuln_import_osv_fd(struct cn_vuln_import *imp, int fd, const char *name,
			  struct cn_error *err)
{
	char magic[4];
	ssize_t got = pread(fd, magic, sizeof(magic), 0);
	if (got < 0)
		return cn_error_errno(err, -errno, "reading %s", name);
	if (got == 4 && memcmp(magic, "PK\3\4", 4) == 0)
		return cn_vuln_import_osv_zip(imp, fd, name, err);
	if (got == 4 && memcmp(magic, "PK\5\6", 4) == 0)
		return 0; /* an empty zip */
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	int r = cn_read_fd(fd, CN_VULN_MAX_RECORD_FILE, &sb);
	if (r == -E2BIG)
		return cn_error_set(err, r, "%s: larger than %u bytes", name,
				    CN_VULN_MAX_RECORD_FILE);
	if (r < 0)
		return cn_error_errno(err, r, "reading %s", name);
	return cn_vuln_import_osv_buffer(imp, sb.buf, sb.len, name, err);
}
