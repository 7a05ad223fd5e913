/*
 * Java archives (*.jar, *.war, *.ear), read whole and opened from memory with libarchive's
 * seekable zip reader. Each `META-INF/maven/GROUP/ARTIFACT/pom.properties` is one Maven
 * package (groupId, artifactId, version). An archive without one is described by its
 * `META-INF/MANIFEST.MF` main section and its file name ("commons-lang3-3.12.0.jar"): the name
 * from the file name when it carries a version, else Implementation-Title or
 * Bundle-SymbolicName; the version from Implementation-Version, Bundle-Version or the file
 * name (an archive with no version anywhere is not reported). Nested archives (WEB-INF/lib/,
 * BOOT-INF/lib/, an ear's modules) are read from memory the same way, to a bounded depth and
 * within a byte budget. Bundle-License gives the license.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "lib/sbom/catalog.h"

#define DEPTH_MAX      4u
#define ENTRIES_MAX    500000u
#define SMALL_FILE_MAX (1u << 20)   /* MANIFEST.MF, pom.properties */
#define NESTED_MAX     (64u << 20)  /* one nested archive */
#define BUDGET_MAX     (512u << 20) /* all nested archives of one file together */
#define VALUE_MAX      4096u

struct java_walk {
	const char *path; /* the file in the image, for messages */
	struct cn_found *f;
	size_t budget; /* nested bytes still allowed */
};

/* The manifest's main-section attributes we use. */
struct manifest {
	char *impl_title, *impl_version, *impl_vendor;
	char *bundle_name, *bundle_version, *bundle_vendor, *bundle_license;
};

static void manifest_release(struct manifest *m)
{
	free(m->impl_title);
	free(m->impl_version);
	free(m->impl_vendor);
	free(m->bundle_name);
	free(m->bundle_version);
	free(m->bundle_vendor);
	free(m->bundle_license);
}

struct pom {
	char *group, *artifact, *version;
};

static void pom_release(struct pom *p)
{
	free(p->group);
	free(p->artifact);
	free(p->version);
}

static bool has_suffix_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static bool is_archive_name(const char *s)
{
	return has_suffix_ci(s, ".jar") || has_suffix_ci(s, ".war") || has_suffix_ci(s, ".ear");
}

static enum cn_catalog_want wants(const char *path, mode_t mode, int64_t size)
{
	(void)mode;
	if (size <= 0 || (uint64_t)size > CN_CATALOG_WHOLE_MAX || !is_archive_name(path))
		return CN_WANT_NONE;
	return CN_WANT_WHOLE;
}

/* META-INF/maven/GROUP/ARTIFACT/pom.properties */
static bool is_pom_properties(const char *p)
{
	static const char prefix[] = "META-INF/maven/";
	if (strncmp(p, prefix, sizeof(prefix) - 1) != 0)
		return false;
	p += sizeof(prefix) - 1;
	const char *s1 = strchr(p, '/');
	if (!s1 || s1 == p)
		return false;
	const char *s2 = strchr(s1 + 1, '/');
	return s2 && s2 > s1 + 1 && strcmp(s2 + 1, "pom.properties") == 0;
}

static void set_once(char **field, const char *v, size_t n)
{
	if (!*field)
		*field = cn_catalog_dup_trimmed(v, n, VALUE_MAX);
}

/* Java properties, the subset Maven writes: "key=value" lines, "#" comments. */
static void pom_parse(const char *data, size_t len, struct pom *pom)
{
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		const char *line = p;
		p = nl ? nl + 1 : end;
		while (n && (*line == ' ' || *line == '\t'))
			line++, n--;
		if (!n || *line == '#' || *line == '!')
			continue;
		size_t k = strcspn(line, "=:");
		if (k >= n)
			continue;
		const char *v = line + k + 1;
		size_t vn = n - k - 1;
		size_t kn = k;
		while (kn && (line[kn - 1] == ' ' || line[kn - 1] == '\t'))
			kn--;
		if (kn == 7 && memcmp(line, "groupId", 7) == 0)
			set_once(&pom->group, v, vn);
		else if (kn == 10 && memcmp(line, "artifactId", 10) == 0)
			set_once(&pom->artifact, v, vn);
		else if (kn == 7 && memcmp(line, "version", 7) == 0)
			set_once(&pom->version, v, vn);
	}
}

static void manifest_attr(struct manifest *m, const char *key, const char *v, size_t n)
{
	static const struct {
		const char *key;
		size_t off;
	} attrs[] = {
		{ "Implementation-Title", offsetof(struct manifest, impl_title) },
		{ "Implementation-Version", offsetof(struct manifest, impl_version) },
		{ "Implementation-Vendor", offsetof(struct manifest, impl_vendor) },
		{ "Bundle-SymbolicName", offsetof(struct manifest, bundle_name) },
		{ "Bundle-Version", offsetof(struct manifest, bundle_version) },
		{ "Bundle-Vendor", offsetof(struct manifest, bundle_vendor) },
		{ "Bundle-License", offsetof(struct manifest, bundle_license) },
	};
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		if (strcasecmp(key, attrs[i].key) == 0) {
			set_once((char **)((char *)m + attrs[i].off), v, n);
			return;
		}
	}
}

/* The main section of a manifest: "Name: value" lines, a line starting with one space
 * continues the previous one, a blank line ends the section. */
static void manifest_parse(const char *data, size_t len, struct manifest *m)
{
	cleanup_strbuf struct strbuf line = STRBUF_INIT;
	const char *p = data, *end = data + len;
	for (;;) {
		const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		size_t n = (size_t)((nl ? nl : end) - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (p < end && n && *p == ' ') {
			if (line.len < VALUE_MAX * 2)
				strbuf_add(&line, p + 1, n - 1);
		} else {
			/* the previous logical line is complete */
			const char *colon = line.len ? memchr(line.buf, ':', line.len) : NULL;
			if (colon) {
				_cleanup_(freep) char *key =
					xstrndup(line.buf, (size_t)(colon - line.buf));
				manifest_attr(m, key, colon + 1,
					      line.len - (size_t)(colon + 1 - line.buf));
			}
			strbuf_reset(&line);
			if (p >= end || n == 0)
				return;
			strbuf_add(&line, p, n);
		}
		p = nl ? nl + 1 : end;
	}
}

/* "Apache-2.0;link=...", "https://www.apache.org/licenses/LICENSE-2.0.txt": the license. */
static char *bundle_license(const char *v)
{
	static const struct {
		const char *url, *spdx;
	} urls[] = {
		{ "://www.apache.org/licenses/LICENSE-2.0", "Apache-2.0" },
		{ "://opensource.org/licenses/MIT", "MIT" },
		{ "://www.opensource.org/licenses/mit-license", "MIT" },
		{ "://www.eclipse.org/legal/epl-v10", "EPL-1.0" },
		{ "://www.eclipse.org/legal/epl-2.0", "EPL-2.0" },
	};
	if (!v)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(urls); i++)
		if (strstr(v, urls[i].url))
			return xstrdup(urls[i].spdx);
	return cn_catalog_dup_trimmed(v, strcspn(v, ";"), VALUE_MAX);
}

/* "commons-lang3-3.12.0.jar" -> name "commons-lang3", version "3.12.0" (a version starts at the
 * first "-" followed by a digit); without one, the stem as name and NULL version. */
static void name_from_file(const char *path, char **ret_name, char **ret_version)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	const char *dot = strrchr(base, '.');
	if (dot && dot > base)
		n = (size_t)(dot - base);
	for (size_t i = 1; i + 1 < n; i++) {
		if (base[i] == '-' && base[i + 1] >= '0' && base[i + 1] <= '9') {
			*ret_name = xstrndup(base, i);
			*ret_version = xstrndup(base + i + 1, n - i - 1);
			return;
		}
	}
	*ret_name = n ? xstrndup(base, n) : NULL;
	*ret_version = NULL;
}

/* Reads the current entry into memory, up to max bytes; -E2BIG when it is larger. */
static int read_entry(struct archive *a, size_t max, struct strbuf *out)
{
	uint8_t buf[16384];
	strbuf_reset(out);
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
		if (n < 0)
			return -EBADMSG;
		if (n == 0)
			return 0;
		if ((size_t)n > max - out->len)
			return -E2BIG;
		strbuf_add(out, buf, (size_t)n);
	}
}

static void add_from_pom(struct java_walk *w, struct pom *pom)
{
	if (!pom->artifact || !pom->version)
		return;
	struct cn_package *p = cn_found_add(w->f);
	p->type = CN_PKG_JAVA;
	p->group = TAKE_PTR(pom->group);
	p->name = TAKE_PTR(pom->artifact);
	p->version = TAKE_PTR(pom->version);
}

/* The archive's own package from its manifest and file name (no pom.properties in it). */
static void add_from_manifest(struct java_walk *w, const char *file, struct manifest *m)
{
	_cleanup_(freep) char *name = NULL;
	_cleanup_(freep) char *version = NULL;
	name_from_file(file, &name, &version);
	if (!version) {
		free(name);
		name = m->impl_title	? xstrdup(m->impl_title)
		       : m->bundle_name ? xstrndup(m->bundle_name, strcspn(m->bundle_name, ";"))
					: NULL;
		if (!name)
			name_from_file(file, &name, &version);
	}
	if (m->impl_version || m->bundle_version) {
		free(version);
		version = xstrdup(m->impl_version ? m->impl_version : m->bundle_version);
	}
	if (!name || !version) {
		cn_debug("%s: %s: no name or version: not reported", w->path, file);
		return;
	}
	struct cn_package *p = cn_found_add(w->f);
	p->type = CN_PKG_JAVA;
	p->name = TAKE_PTR(name);
	p->version = TAKE_PTR(version);
	p->license = bundle_license(m->bundle_license);
	const char *vendor = m->impl_vendor ? m->impl_vendor : m->bundle_vendor;
	p->maintainer = vendor ? xstrdup(vendor) : NULL;
}

static int walk_archive(struct java_walk *w, const char *file, const uint8_t *data, size_t len,
			unsigned depth, struct cn_error *err);

/* The pom.properties packages of one archive (not of its nested ones). */
struct own_poms {
	size_t count;
	size_t index; /* in f->pkgs, of the last one */
};

static void free_archive(struct archive **a)
{
	if (*a)
		(void)archive_read_free(*a);
}

/* Handles one entry of an archive; adds pom packages at once, keeps the manifest. */
static int walk_entry(struct java_walk *w, struct archive *a, const char *name, unsigned depth,
		      struct manifest *m, struct own_poms *poms, struct strbuf *buf,
		      struct cn_error *err)
{
	if (is_pom_properties(name)) {
		if (read_entry(a, SMALL_FILE_MAX, buf) < 0)
			return 0;
		_cleanup_(pom_release) struct pom pom = { 0 };
		pom_parse(buf->buf, buf->len, &pom);
		size_t before = w->f->n_pkgs;
		add_from_pom(w, &pom);
		if (w->f->n_pkgs > before) {
			poms->count++;
			poms->index = before;
		}
		return 0;
	}
	if (strcasecmp(name, "META-INF/MANIFEST.MF") == 0) {
		if (read_entry(a, SMALL_FILE_MAX, buf) == 0)
			manifest_parse(buf->buf, buf->len, m);
		return 0;
	}
	if (depth + 1 >= DEPTH_MAX || !is_archive_name(name) || w->budget == 0)
		return 0;
	cleanup_strbuf struct strbuf nested = STRBUF_INIT;
	int r = read_entry(a, MIN((size_t)NESTED_MAX, w->budget), &nested);
	if (r < 0) {
		cn_debug("%s: nested %s: %s", w->path, name, strerror(-r));
		return 0;
	}
	w->budget -= nested.len;
	r = walk_archive(w, name, (const uint8_t *)nested.buf, nested.len, depth + 1, err);
	if (r < 0) {
		cn_debug("%s: nested %s: %s", w->path, name, cn_error_message(err, r));
		cn_error_clear(err);
	}
	return 0;
}

static int walk_archive(struct java_walk *w, const char *file, const uint8_t *data, size_t len,
			unsigned depth, struct cn_error *err)
{
	_cleanup_(free_archive) struct archive *a = archive_read_new();
	if (!a)
		return cn_error_set(err, -ENOMEM, "%s: libarchive", file);
	(void)archive_read_support_format_zip_seekable(a);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK)
		return cn_error_set(err, -EBADMSG, "%s: not a zip archive: %s", file,
				    archive_error_string(a));
	_cleanup_(manifest_release) struct manifest m = { 0 };
	cleanup_strbuf struct strbuf buf = STRBUF_INIT;
	struct own_poms poms = { 0 };
	size_t first_pkg = w->f->n_pkgs, entries = 0;
	struct archive_entry *e;
	int r, ret = 0;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname(e);
		if (++entries > ENTRIES_MAX) {
			ret = cn_error_set(err, -E2BIG, "%s: more than %u entries", file,
					   ENTRIES_MAX);
			break;
		}
		if (name && archive_entry_filetype(e) == AE_IFREG)
			(void)walk_entry(w, a, name, depth, &m, &poms, &buf, err);
	}
	if (ret == 0 && r != ARCHIVE_EOF && r != ARCHIVE_OK && r != ARCHIVE_WARN)
		ret = cn_error_set(err, -EBADMSG, "%s: %s", file, archive_error_string(a));
	if (poms.count == 0)
		add_from_manifest(w, file, &m);
	else if (poms.count == 1 && !w->f->pkgs[poms.index].license)
		/* the archive's one Maven artifact is the one its manifest describes */
		w->f->pkgs[poms.index].license = bundle_license(m.bundle_license);
	/* a damaged archive still reports what it gave before the damage */
	return ret < 0 && w->f->n_pkgs == first_pkg ? ret : 0;
}

static int parse(const char *path, const uint8_t *data, size_t len, struct cn_found *f,
		 struct cn_error *err)
{
	struct java_walk w = { .path = path, .f = f, .budget = BUDGET_MAX };
	return walk_archive(&w, path, data, len, 0, err);
}

const struct cn_cataloger cn_catalog_java = {
	.name = "java",
	.wants = wants,
	.parse = parse,
};
