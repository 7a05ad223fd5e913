/*
 * Alpine's installed database (lib/apk/db/installed): one stanza per package, blank-line
 * separated, each line "K:value". P name, V version, A arch, o origin (the source package),
 * m maintainer, L license, T description; F: a directory and the R: lines after it its files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/strbuf.h"
#include "lib/sbom/catalog.h"

#define APK_DB_MAX (64u << 20)

static enum cn_catalog_want wants(const char *path, mode_t mode, int64_t size)
{
	(void)mode;
	if (size < 0 || size > APK_DB_MAX)
		return CN_WANT_NONE;
	return strcmp(path, "lib/apk/db/installed") == 0 ? CN_WANT_WHOLE : CN_WANT_NONE;
}

struct stanza {
	struct cn_package *p; /* NULL until a field of a package is seen */
	struct strbuf dir;
};

static void set(char **field, const char *v, size_t len)
{
	free(*field);
	*field = len ? xstrndup(v, len) : NULL;
}

/* Drops a stanza without a name or version. Returns whether it was kept. */
static bool finish(struct cn_found *f, struct stanza *st)
{
	struct cn_package *p = st->p;
	st->p = NULL;
	strbuf_reset(&st->dir);
	if (!p)
		return false;
	if (p->name && p->version) {
		if (!p->source_name)
			p->source_name = xstrdup(p->name);
		p->source_version = xstrdup(p->version);
		return true;
	}
	cn_package_release(p);
	f->n_pkgs--;
	return false;
}

static void field(struct cn_found *f, struct stanza *st, char k, const char *v, size_t len)
{
	if (!st->p) {
		st->p = cn_found_add(f);
		st->p->type = CN_PKG_APK;
	}
	struct cn_package *p = st->p;
	switch (k) {
	case 'P':
		set(&p->name, v, len);
		break;
	case 'V':
		set(&p->version, v, len);
		break;
	case 'A':
		set(&p->arch, v, len);
		break;
	case 'o':
		set(&p->source_name, v, len);
		break;
	case 'm':
		set(&p->maintainer, v, len);
		break;
	case 'T':
		set(&p->description, v, len);
		break;
	case 'L': {
		cleanup_free char *raw = xstrndup(v, len);
		char *spdx = cn_license_spdx(raw);
		free(p->license);
		p->license = spdx ? spdx : (len ? xstrdup(raw) : NULL);
		break;
	}
	case 'F':
		strbuf_reset(&st->dir);
		strbuf_addch(&st->dir, '/');
		strbuf_add(&st->dir, v, len);
		break;
	case 'R': {
		p->files = xreallocarray(p->files, p->n_files + 1, sizeof(char *));
		p->files[p->n_files++] = st->dir.len > 1
						 ? xasprintf("%s/%.*s", st->dir.buf, (int)len, v)
						 : xasprintf("/%.*s", (int)len, v);
		break;
	}
	default:
		break;
	}
}

static int parse(const char *path, const uint8_t *data, size_t len, struct cn_found *f,
		 struct cn_error *err)
{
	(void)path;
	if (memchr(data, '\0', len))
		return cn_error_set(err, -EBADMSG, "not a text file");
	struct stanza st = { .p = NULL };
	strbuf_init(&st.dir, 64);
	size_t kept = 0, bad = 0;
	const char *p = (const char *)data, *end = p + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *line = p;
		size_t n = (size_t)(eol - line);
		p = eol < end ? eol + 1 : end;
		if (n && line[n - 1] == '\r')
			n--;
		if (!n) {
			kept += finish(f, &st);
			continue;
		}
		if (n < 2 || line[1] != ':') {
			bad++;
			continue;
		}
		field(f, &st, line[0], line + 2, n - 2);
	}
	kept += finish(f, &st);
	strbuf_release(&st.dir);
	if (!kept && bad)
		return cn_error_set(err, -EBADMSG, "not an apk database");
	return 0;
}

const struct cn_cataloger cn_catalog_apk = {
	.name = "apk",
	.wants = wants,
	.parse = parse,
};
