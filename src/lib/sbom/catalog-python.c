/*
 * Python packages: the core metadata of installed distributions in site-packages/ or
 * dist-packages/ (`NAME-VER.dist-info/METADATA`, `NAME-VER.egg-info/PKG-INFO`, or a bare
 * `NAME-VER.egg-info` file), and the files a wheel installed (`*.dist-info/RECORD`, reported as
 * a found whose owner is the NAME of the dist-info directory: assembly attaches them to the
 * package of that exact name, so a wheel whose installer wrote "python_dateutil" for
 * "python-dateutil" keeps no file list).
 *
 * Core metadata is RFC 822 style: "Key: value" headers, continuation lines start with white
 * space, a blank line ends the headers (the long description follows and is not read).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/strbuf.h"
#include "lib/sbom/catalog.h"

#define METADATA_MAX   (8u << 20)
#define RECORD_MAX     (16u << 20)
#define RECORD_LINES   200000u
#define VALUE_MAX      4096u
#define LICENSE_MAX    256u /* a longer License field is the license text, not a name */
#define CLASSIFIER_MAX 16u

enum py_file {
	PY_NONE,
	PY_METADATA, /* dist-info/METADATA, egg-info/PKG-INFO, NAME.egg-info */
	PY_RECORD,
};

static bool streq_n(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool ends_with_n(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static bool is_packages_dir(const char *s, size_t n)
{
	return streq_n(s, n, "site-packages") || streq_n(s, n, "dist-packages");
}

/* The path's last three components (missing ones are empty). */
struct tail3 {
	const char *gp, *dir, *base;
	size_t gp_len, dir_len, base_len;
};

static void split_tail(const char *path, struct tail3 *t)
{
	const char *s[3];
	size_t n[3];
	const char *end = path + strlen(path);
	for (int i = 0; i < 3; i++) {
		const char *b = end;
		while (b > path && b[-1] != '/')
			b--;
		s[i] = b;
		n[i] = (size_t)(end - b);
		end = b > path ? b - 1 : path;
	}
	t->base = s[0], t->base_len = n[0];
	t->dir = s[1], t->dir_len = n[1];
	t->gp = s[2], t->gp_len = n[2];
}

static enum py_file classify(const char *path)
{
	struct tail3 t;
	split_tail(path, &t);
	if (is_packages_dir(t.gp, t.gp_len) && ends_with_n(t.dir, t.dir_len, ".dist-info")) {
		if (streq_n(t.base, t.base_len, "METADATA"))
			return PY_METADATA;
		if (streq_n(t.base, t.base_len, "RECORD"))
			return PY_RECORD;
	}
	if (is_packages_dir(t.gp, t.gp_len) && ends_with_n(t.dir, t.dir_len, ".egg-info") &&
	    streq_n(t.base, t.base_len, "PKG-INFO"))
		return PY_METADATA;
	if (is_packages_dir(t.dir, t.dir_len) && ends_with_n(t.base, t.base_len, ".egg-info"))
		return PY_METADATA;
	return PY_NONE;
}

static enum cn_catalog_want wants(const char *path, mode_t mode, int64_t size)
{
	(void)mode;
	switch (classify(path)) {
	case PY_METADATA:
		return size >= 0 && size <= METADATA_MAX ? CN_WANT_WHOLE : CN_WANT_NONE;
	case PY_RECORD:
		return size >= 0 && size <= RECORD_MAX ? CN_WANT_WHOLE : CN_WANT_NONE;
	case PY_NONE:
		break;
	}
	return CN_WANT_NONE;
}

struct py_meta {
	char *name, *version, *license, *license_expr, *author, *maintainer, *summary;
	bool license_folded;	   /* the License field went on over several lines */
	struct strbuf classifiers; /* "MIT License OR BSD License" */
	unsigned n_classifiers;
};

static void py_meta_release(struct py_meta *m)
{
	free(m->name);
	free(m->version);
	free(m->license);
	free(m->license_expr);
	free(m->author);
	free(m->maintainer);
	free(m->summary);
	strbuf_release(&m->classifiers);
}

static void set_once(char **field, const char *v, size_t n)
{
	if (!*field)
		*field = cn_catalog_dup_trimmed(v, n, VALUE_MAX);
}

static void add_classifier(struct py_meta *m, const char *v, size_t n)
{
	static const char prefix[] = "License :: ";
	_cleanup_(freep) char *c = cn_catalog_dup_trimmed(v, n, VALUE_MAX);
	if (!c || strncmp(c, prefix, sizeof(prefix) - 1) != 0 || m->n_classifiers >= CLASSIFIER_MAX)
		return;
	/* "License :: OSI Approved :: MIT License" -> "MIT License" */
	const char *last = c;
	for (const char *p = strstr(c, " :: "); p; p = strstr(p + 4, " :: "))
		last = p + 4;
	if (strcmp(last, "OSI Approved") == 0 || !*last)
		return;
	if (m->classifiers.len)
		strbuf_addstr(&m->classifiers, " OR ");
	strbuf_addstr(&m->classifiers, last);
	m->n_classifiers++;
}

static void meta_header(struct py_meta *m, const char *key, size_t klen, const char *v, size_t n)
{
	if (klen == 4 && strncasecmp(key, "Name", 4) == 0)
		set_once(&m->name, v, n);
	else if (klen == 7 && strncasecmp(key, "Version", 7) == 0)
		set_once(&m->version, v, n);
	else if (klen == 7 && strncasecmp(key, "License", 7) == 0)
		set_once(&m->license, v, n);
	else if (klen == 18 && strncasecmp(key, "License-Expression", 18) == 0)
		set_once(&m->license_expr, v, n);
	else if (klen == 6 && strncasecmp(key, "Author", 6) == 0)
		set_once(&m->author, v, n);
	else if (klen == 12 && strncasecmp(key, "Author-email", 12) == 0)
		set_once(&m->author, v, n);
	else if ((klen == 10 && strncasecmp(key, "Maintainer", 10) == 0) ||
		 (klen == 16 && strncasecmp(key, "Maintainer-email", 16) == 0))
		set_once(&m->maintainer, v, n);
	else if (klen == 7 && strncasecmp(key, "Summary", 7) == 0)
		set_once(&m->summary, v, n);
	else if (klen == 10 && strncasecmp(key, "Classifier", 10) == 0)
		add_classifier(m, v, n);
}

/* Reads the header block; stops at the first blank line (the body). */
static void meta_parse(const char *data, size_t len, struct py_meta *m)
{
	const char *p = data, *end = data + len;
	bool last_was_license = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if (*p == ' ' || *p == '\t') {
			if (last_was_license)
				m->license_folded = true;
		} else {
			const char *colon = memchr(p, ':', n);
			last_was_license = false;
			if (colon) {
				size_t klen = (size_t)(colon - p);
				meta_header(m, p, klen, colon + 1, n - klen - 1);
				last_was_license = klen == 7 && strncasecmp(p, "License", 7) == 0;
			}
		}
		p = nl ? nl + 1 : end;
	}
}

static bool license_usable(const char *l)
{
	return l && strlen(l) <= LICENSE_MAX && strcasecmp(l, "UNKNOWN") != 0 &&
	       strcasecmp(l, "None") != 0;
}

static int parse_metadata(const uint8_t *data, size_t len, struct cn_found *f)
{
	_cleanup_(py_meta_release) struct py_meta m = { .classifiers = STRBUF_INIT };
	meta_parse((const char *)data, len, &m);
	if (!m.name || !m.version)
		return 0;
	struct cn_package *p = cn_found_add(f);
	p->type = CN_PKG_PYTHON;
	p->name = TAKE_PTR(m.name);
	p->version = TAKE_PTR(m.version);
	if (license_usable(m.license_expr))
		p->license = TAKE_PTR(m.license_expr);
	else if (!m.license_folded && license_usable(m.license))
		p->license = TAKE_PTR(m.license);
	else if (m.classifiers.len)
		p->license = strbuf_detach(&m.classifiers, NULL);
	p->maintainer = m.author ? TAKE_PTR(m.author) : TAKE_PTR(m.maintainer);
	p->description = TAKE_PTR(m.summary);
	return 0;
}

/* Appends "/" + the cleaned join of dir and rel to sb ("." dropped, ".." pops, never above /). */
static void join_clean(struct strbuf *sb, const char *dir, size_t dir_len, const char *rel,
		       size_t rel_len)
{
	strbuf_reset(sb);
	for (int part = 0; part < 2; part++) {
		const char *s = part ? rel : dir;
		size_t n = part ? rel_len : dir_len;
		if (part && n && *s == '/')
			strbuf_reset(sb); /* an absolute RECORD entry */
		size_t i = 0;
		while (i < n) {
			size_t j = i;
			while (j < n && s[j] != '/')
				j++;
			if (streq_n(s + i, j - i, "..")) {
				size_t l = sb->len;
				while (l && sb->buf[l - 1] != '/')
					l--;
				strbuf_setlen(sb, l ? l - 1 : 0);
			} else if (j > i && !streq_n(s + i, j - i, ".")) {
				strbuf_addch(sb, '/');
				strbuf_add(sb, s + i, j - i);
			}
			i = j + 1;
		}
	}
}

/* The first CSV field of a RECORD line (quoted fields may hold commas and "" escapes). */
static void record_path(const char *s, size_t n, struct strbuf *out)
{
	strbuf_reset(out);
	if (n && *s == '"') {
		for (size_t i = 1; i < n; i++) {
			if (s[i] == '"') {
				if (i + 1 < n && s[i + 1] == '"') {
					strbuf_addch(out, '"');
					i++;
					continue;
				}
				return;
			}
			strbuf_addch(out, s[i]);
		}
		return;
	}
	const char *comma = memchr(s, ',', n);
	strbuf_add(out, s, comma ? (size_t)(comma - s) : n);
}

static int parse_record(const char *path, const uint8_t *data, size_t len, struct cn_found *f,
			struct cn_error *err)
{
	struct tail3 t;
	split_tail(path, &t);
	/* "NAME-VER.dist-info": the name ends at the first "-" (wheel names never hold one) */
	const char *dash = memchr(t.dir, '-', t.dir_len);
	size_t name_len = dash ? (size_t)(dash - t.dir) : t.dir_len - strlen(".dist-info");
	if (!name_len)
		return 0;
	f->owner = xstrndup(t.dir, name_len);

	size_t site_len = (size_t)(t.gp + t.gp_len - path);
	cleanup_strbuf struct strbuf field = STRBUF_INIT, full = STRBUF_INIT;
	const char *p = (const char *)data, *end = p + len;
	size_t lines = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (++lines > RECORD_LINES)
			return cn_error_set(err, -E2BIG, "%s: more than %u entries", path,
					    RECORD_LINES);
		if (n && p[n - 1] == '\r')
			n--;
		record_path(p, n, &field);
		if (field.len && !memchr(field.buf, '\0', field.len)) {
			join_clean(&full, path, site_len, field.buf, field.len);
			if (full.len)
				cn_found_add_file(f, full.buf);
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static int parse(const char *path, const uint8_t *data, size_t len, struct cn_found *f,
		 struct cn_error *err)
{
	switch (classify(path)) {
	case PY_METADATA:
		return parse_metadata(data, len, f);
	case PY_RECORD:
		return parse_record(path, data, len, f, err);
	case PY_NONE:
		break;
	}
	return 0;
}

const struct cn_cataloger cn_catalog_python = {
	.name = "python",
	.wants = wants,
	.parse = parse,
};
