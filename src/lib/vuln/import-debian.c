/*
 * The Debian security tracker's JSON (https://security-tracker.debian.org/tracker/data/json):
 * {source package: {CVE: {description, releases: {codename: {status, fixed_version, urgency}}}}}
 * becomes one record per CVE with an affected entry per (source package, release): "resolved"
 * with a fixed version is the range introduced 0 .. fixed (a fixed version of "0" means the
 * release was never affected: skipped); "open" and "undetermined" are introduced 0 with no fix.
 *
 * The real file is large (~90 MB; a jansson tree of it would take well over 1 GB), so it is
 * parsed one source package at a time; what is kept of each release entry goes into a compact
 * table, which is then sorted by CVE to build each record in turn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/strbuf.h"
#include "lib/vuln/db-internal.h"

static const struct {
	const char *codename, *version;
} releases[] = {
	{ "squeeze", "6" }, { "wheezy", "7" },	  { "jessie", "8" },	 { "stretch", "9" },
	{ "buster", "10" }, { "bullseye", "11" }, { "bookworm", "12" },	 { "trixie", "13" },
	{ "forky", "14" },  { "duke", "15" },	  { "sid", "unstable" },
};

#define MAX_ENTRIES (64u << 20)

/* One kept (source package, CVE, release) entry; strings are offsets into `arena`. */
struct entry {
	uint32_t cve, pkg, desc, fixed, urgency; /* 0 = none */
	uint32_t order;				 /* input order, to keep the sort stable */
	uint8_t release;
};

struct tracker {
	struct strbuf arena; /* NUL-separated strings; offset 0 is the empty string */
	struct entry *entries;
	size_t n, alloc;
};

static uint32_t intern(struct tracker *t, const char *s, size_t len)
{
	if (!s || len == 0)
		return 0;
	size_t off = t->arena.len;
	strbuf_add(&t->arena, s, len);
	strbuf_addch(&t->arena, '\0');
	return (uint32_t)off;
}

static const char *str(const struct tracker *t, uint32_t off)
{
	return off ? t->arena.buf + off : NULL;
}

static int release_index(const char *codename)
{
	for (size_t i = 0; i < ARRAY_SIZE(releases); i++)
		if (strcmp(codename, releases[i].codename) == 0)
			return (int)i;
	return -1;
}

/* "high**" -> "high"; "not yet assigned" carries no rating. */
static size_t urgency_len(const char *u)
{
	if (!u || strcmp(u, "not yet assigned") == 0)
		return 0;
	size_t len = strlen(u);
	while (len > 0 && (u[len - 1] == '*' || u[len - 1] == ' '))
		len--;
	return len < 64 ? len : 0;
}

static void add_release(struct tracker *t, uint32_t pkg, uint32_t cve, uint32_t *desc,
			const char *description, const char *codename, json_t *rel)
{
	int idx = release_index(codename);
	const char *status = json_string_value(json_object_get(rel, "status"));
	const char *fixed = json_string_value(json_object_get(rel, "fixed_version"));
	const char *urgency = json_string_value(json_object_get(rel, "urgency"));
	if (idx < 0 || !status)
		return;
	bool resolved = strcmp(status, "resolved") == 0;
	if (resolved && (!fixed || !*fixed || strcmp(fixed, "0") == 0))
		return;
	if (!resolved && strcmp(status, "open") != 0 && strcmp(status, "undetermined") != 0)
		return;
	if (*desc == UINT32_MAX) /* the first line of the description, once per CVE */
		*desc = description ? intern(t, description,
					     MIN(strcspn(description, "\r\n"),
						 (size_t)CN_VULN_MAX_SUMMARY))
				    : 0;
	ALLOC_GROW(t->entries, t->n + 1, t->alloc);
	t->entries[t->n] = (struct entry){
		.cve = cve,
		.pkg = pkg,
		.desc = *desc,
		.fixed = resolved ? intern(t, fixed, strlen(fixed)) : 0,
		.urgency = intern(t, urgency, urgency_len(urgency)),
		.order = (uint32_t)t->n,
		.release = (uint8_t)idx,
	};
	t->n++;
}

static void add_package(struct tracker *t, const char *srcpkg, json_t *cves)
{
	const char *cve, *codename;
	json_t *info, *rel;
	uint32_t pkg = 0;
	json_object_foreach (cves, cve, info) {
		if (!*cve || strlen(cve) > CN_VULN_MAX_ID || t->n >= MAX_ENTRIES)
			continue;
		uint32_t cve_off = 0, desc = UINT32_MAX;
		const char *description = json_string_value(json_object_get(info, "description"));
		json_object_foreach (json_object_get(info, "releases"), codename, rel) {
			if (!pkg)
				pkg = intern(t, srcpkg, strlen(srcpkg));
			if (!cve_off)
				cve_off = intern(t, cve, strlen(cve));
			add_release(t, pkg, cve_off, &desc, description, codename, rel);
		}
	}
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Parses one JSON value at *p (bytes up to `end`), advancing *p past it. */
static json_t *next_value(const char **p, const char *end, size_t flags, const char *name,
			  struct cn_error *err)
{
	json_error_t jerr;
	json_t *v = json_loadb(*p, (size_t)(end - *p),
			       flags | JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &jerr);
	if (!v) {
		(void)cn_error_set(err, -EBADMSG, "%s: bad JSON at line %d: %s", name, jerr.line,
				   jerr.text);
		return NULL;
	}
	*p += jerr.position;
	return v;
}

/* The top-level object, one member (source package) at a time. */
static int parse_file(struct tracker *t, const char *buf, size_t len, const char *name,
		      struct cn_error *err)
{
	const char *p = skip_ws(buf, buf + len), *end = buf + len;
	if (p == end || *p != '{')
		return cn_error_set(err, -EBADMSG,
				    "%s: not a Debian security tracker file (want an object of "
				    "source packages)",
				    name);
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		p++;
	else
		for (;;) {
			json_t *key = next_value(&p, end, JSON_DECODE_ANY, name, err);
			if (!key)
				return -EBADMSG;
			p = skip_ws(p, end);
			json_t *val = NULL;
			if (json_is_string(key) && p < end && *p == ':') {
				p++;
				val = next_value(&p, end, 0, name, err);
			} else {
				(void)cn_error_set(err, -EBADMSG, "%s: bad JSON near byte %zu",
						   name, (size_t)(p - buf));
			}
			if (val)
				add_package(t, json_string_value(key), val);
			json_decref(key);
			json_decref(val);
			if (!val)
				return -EBADMSG;
			p = skip_ws(p, end);
			if (p < end && *p == ',') {
				p = skip_ws(p + 1, end);
				continue;
			}
			if (p < end && *p == '}') {
				p++;
				break;
			}
			return cn_error_set(err, -EBADMSG, "%s: bad JSON near byte %zu", name,
					    (size_t)(p - buf));
		}
	if (skip_ws(p, end) != end)
		return cn_error_set(err, -EBADMSG, "%s: trailing data after the JSON object", name);
	return 0;
}

static int cmp_entries(const void *a, const void *b, void *userdata)
{
	const struct tracker *t = userdata;
	const struct entry *x = a, *y = b;
	int c = strcmp(str(t, x->cve), str(t, y->cve));
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static json_t *entry_affected(const struct tracker *t, const struct entry *e)
{
	char key[64];
	(void)snprintf(key, sizeof(key), "debian:%s", releases[e->release].version);
	json_t *events =
		e->fixed ? json_pack("[{ss}{ss}]", "introduced", "0", "fixed", str(t, e->fixed))
			 : json_pack("[{ss}]", "introduced", "0");
	json_t *a = json_pack("{sssss[{ssso}]}", "ecosystem", key, "package", str(t, e->pkg),
			      "ranges", "type", "ECOSYSTEM", "events", events);
	if (a && e->urgency)
		(void)json_object_set_new(a, "severity", json_string(str(t, e->urgency)));
	return a;
}

/* Records from the sorted entries: one per run of equal CVEs. */
static int import_records(struct cn_vuln_import *imp, const struct tracker *t, const char *name,
			  struct cn_error *err)
{
	for (size_t i = 0; i < t->n;) {
		const struct entry *first = &t->entries[i];
		json_t *affected = json_array();
		json_t *rec = json_pack("{ssso}", "id", str(t, first->cve), "affected", affected);
		if (first->desc)
			cn_vuln_json_set_line(rec, "summary", str(t, first->desc),
					      CN_VULN_MAX_SUMMARY);
		for (; i < t->n && strcmp(str(t, t->entries[i].cve), str(t, first->cve)) == 0; i++)
			if (json_array_size(affected) < CN_VULN_MAX_AFFECTED)
				(void)json_array_append_new(affected,
							    entry_affected(t, &t->entries[i]));
		int r = cn_vuln_import_add(imp, rec, err);
		json_decref(rec);
		if (r < 0)
			return cn_error_prefix(err, r, "%s", name);
	}
	return 0;
}

int cn_vuln_import_debian_tracker(struct cn_vuln_import *imp, int fd, const char *name,
				  struct cn_error *err)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	int r = cn_read_fd(fd, CN_VULN_MAX_FEED_FILE, &sb);
	if (r == -E2BIG)
		return cn_error_set(err, r, "%s: larger than %u bytes", name,
				    CN_VULN_MAX_FEED_FILE);
	if (r < 0)
		return cn_error_errno(err, r, "reading %s", name);
	struct tracker t = { .arena = STRBUF_INIT };
	strbuf_addch(&t.arena, '\0');
	r = parse_file(&t, sb.buf, sb.len, name, err);
	strbuf_release(&sb);
	if (r >= 0 && t.arena.len > UINT32_MAX)
		r = cn_error_set(err, -E2BIG, "%s: too much data", name);
	if (r >= 0) {
		if (t.n > 0)
			qsort_r(t.entries, t.n, sizeof(*t.entries), cmp_entries, &t);
		r = import_records(imp, &t, name, err);
	}
	strbuf_release(&t.arena);
	free(t.entries);
	return r;
}
