/*
 * dpkg: var/lib/dpkg/status (and distroless var/lib/dpkg/status.d/NAME, one or more stanzas
 * each), the file lists var/lib/dpkg/info/NAME[:ARCH].list, and the machine-readable (DEP-5)
 * usr/share/doc/NAME/copyright for licenses.
 *
 * Status files are RFC 822 style stanzas: "Field: value" lines, continuation lines starting
 * with a space or tab, stanzas separated by blank lines. Only packages whose Status ends in
 * "installed" ("install ok installed") are installed; status.d stanzas have no Status.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/strbuf.h"
#include "lib/sbom/catalog.h"

#define STATUS_PATH   "var/lib/dpkg/status"
#define STATUS_D      "var/lib/dpkg/status.d/"
#define INFO_DIR      "var/lib/dpkg/info/"
#define DOC_DIR	      "usr/share/doc/"
#define STATUS_MAX    (64u << 20)
#define LIST_MAX      (64u << 20)
#define COPYRIGHT_MAX (4u << 20)
#define LICENSES_MAX  64 /* distinct License: names kept from one copyright file */

static bool has_prefix(const char *s, const char *prefix, const char **ret_rest)
{
	size_t n = strlen(prefix);
	if (strncmp(s, prefix, n) != 0)
		return false;
	*ret_rest = s + n;
	return true;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

enum kind { K_NONE, K_STATUS, K_LIST, K_COPYRIGHT };

static enum kind kind_of(const char *path)
{
	const char *rest;
	if (strcmp(path, STATUS_PATH) == 0)
		return K_STATUS;
	if (has_prefix(path, STATUS_D, &rest))
		return *rest && !strchr(rest, '/') && !has_suffix(rest, ".md5sums") ? K_STATUS
										    : K_NONE;
	if (has_prefix(path, INFO_DIR, &rest))
		return !strchr(rest, '/') && has_suffix(rest, ".list") && strlen(rest) > 5 ? K_LIST
											   : K_NONE;
	if (has_prefix(path, DOC_DIR, &rest)) {
		const char *slash = strchr(rest, '/');
		return slash && slash != rest && strcmp(slash, "/copyright") == 0 ? K_COPYRIGHT
										  : K_NONE;
	}
	return K_NONE;
}

static enum cn_catalog_want wants(const char *path, mode_t mode, int64_t size)
{
	(void)mode;
	static const int64_t max[] = {
		[K_STATUS] = STATUS_MAX, [K_LIST] = LIST_MAX, [K_COPYRIGHT] = COPYRIGHT_MAX
	};
	enum kind k = kind_of(path);
	if (k == K_NONE || size < 0 || size > max[k])
		return CN_WANT_NONE;
	return CN_WANT_WHOLE;
}

/* ------------------------------------------------------------------ stanzas */

struct span {
	const char *p;
	size_t len;
};

struct line_reader {
	const char *p, *end;
};

/* The next line without its newline (and \r); false at the end. */
static bool next_line(struct line_reader *lr, struct span *ret)
{
	if (lr->p >= lr->end)
		return false;
	const char *eol = memchr(lr->p, '\n', (size_t)(lr->end - lr->p));
	if (!eol)
		eol = lr->end;
	ret->p = lr->p;
	ret->len = (size_t)(eol - lr->p);
	if (ret->len && ret->p[ret->len - 1] == '\r')
		ret->len--;
	lr->p = eol < lr->end ? eol + 1 : lr->end;
	return true;
}

static bool blank(struct span s)
{
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] != ' ' && s.p[i] != '\t')
			return false;
	return true;
}

static struct span trim(const char *p, size_t len)
{
	while (len && (*p == ' ' || *p == '\t'))
		p++, len--;
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	return (struct span){ p, len };
}

/* Splits "Name: value" into name and trimmed value; false for a line without a colon. */
static bool split_field(struct span line, struct span *name, struct span *value)
{
	const char *colon = memchr(line.p, ':', line.len);
	if (!colon || colon == line.p)
		return false;
	*name = (struct span){ line.p, (size_t)(colon - line.p) };
	*value = trim(colon + 1, line.len - name->len - 1);
	return true;
}

static bool is_field(struct span name, const char *want)
{
	return name.len == strlen(want) && strncasecmp(name.p, want, name.len) == 0;
}

static char *dup_span(struct span s)
{
	return s.len ? xstrndup(s.p, s.len) : NULL;
}

/* ------------------------------------------------------------------ status */

enum { F_PACKAGE, F_STATUS, F_VERSION, F_ARCH, F_SOURCE, F_MAINTAINER, F_DESCRIPTION, F_MAX };
static const char *const status_fields[F_MAX] = {
	"Package", "Status", "Version", "Architecture", "Source", "Maintainer", "Description",
};

static bool installed(struct span status)
{
	if (!status.p)
		return true; /* distroless status.d stanzas carry no Status */
	size_t i = status.len;
	while (i && status.p[i - 1] != ' ' && status.p[i - 1] != '\t')
		i--;
	return status.len - i == 9 && memcmp(status.p + i, "installed", 9) == 0;
}

/* Source: "name" or "name (version)". */
static void set_source(struct cn_package *p, struct span src)
{
	const char *paren = memchr(src.p, '(', src.len);
	struct span name = trim(src.p, paren ? (size_t)(paren - src.p) : src.len);
	p->source_name = dup_span(name);
	if (paren) {
		const char *close = memchr(paren, ')', (size_t)(src.p + src.len - paren));
		if (close)
			p->source_version = dup_span(trim(paren + 1, (size_t)(close - paren - 1)));
	}
}

/* Emits the stanza in `v` when it is an installed package. Returns whether it was kept. */
static bool emit(struct cn_found *f, struct span *v)
{
	if (!v[F_PACKAGE].len || !v[F_VERSION].len || !installed(v[F_STATUS]))
		return false;
	struct cn_package *p = cn_found_add(f);
	p->type = CN_PKG_DEB;
	p->name = dup_span(v[F_PACKAGE]);
	p->version = dup_span(v[F_VERSION]);
	p->arch = dup_span(v[F_ARCH]);
	p->maintainer = dup_span(v[F_MAINTAINER]);
	p->description = dup_span(v[F_DESCRIPTION]);
	if (v[F_SOURCE].len)
		set_source(p, v[F_SOURCE]);
	if (!p->source_name)
		p->source_name = xstrdup(p->name);
	if (!p->source_version)
		p->source_version = xstrdup(p->version);
	return true;
}

static int parse_status(const uint8_t *data, size_t len, struct cn_found *f, struct cn_error *err)
{
	struct line_reader lr = { (const char *)data, (const char *)data + len };
	struct span v[F_MAX] = { 0 }, line, name, value;
	size_t stanzas = 0, bad = 0;
	bool in_stanza = false;
	while (next_line(&lr, &line)) {
		if (blank(line)) {
			if (in_stanza)
				stanzas += emit(f, v);
			memset(v, 0, sizeof(v));
			in_stanza = false;
			continue;
		}
		if (line.p[0] == ' ' || line.p[0] == '\t' || line.p[0] == '#')
			continue; /* continuation (only Description's first line is kept) */
		if (!split_field(line, &name, &value)) {
			bad++;
			continue;
		}
		in_stanza = true;
		for (size_t i = 0; i < F_MAX; i++) {
			if (is_field(name, status_fields[i])) {
				v[i] = value;
				break;
			}
		}
	}
	if (in_stanza)
		stanzas += emit(f, v);
	if (!stanzas && bad)
		return cn_error_set(err, -EBADMSG, "not a dpkg status file");
	return 0;
}

/* ------------------------------------------------------------------ info/NAME.list */

static int parse_list(const char *path, const uint8_t *data, size_t len, struct cn_found *f)
{
	const char *base = strrchr(path, '/') + 1;
	f->owner = xstrndup(base, strlen(base) - 5);
	struct line_reader lr = { (const char *)data, (const char *)data + len };
	struct span line;
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	while (next_line(&lr, &line)) {
		if (!line.len || line.p[0] != '/' || (line.len == 2 && line.p[1] == '.'))
			continue;
		strbuf_reset(&sb);
		strbuf_add(&sb, line.p, line.len);
		cn_found_add_file(f, sb.buf);
	}
	return 0;
}

/* ------------------------------------------------------------------ copyright */

static bool seen(char **names, size_t n, struct span s)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == s.len && memcmp(names[i], s.p, s.len) == 0)
			return true;
	return false;
}

/* The license expression of every License: name (SPDX when each is recognised), joined
 * with AND; NULL when there is none. */
static char *join_licenses(char **names, size_t n)
{
	cleanup_strbuf struct strbuf spdx = STRBUF_INIT, raw = STRBUF_INIT;
	bool all = true;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *id = cn_license_spdx(names[i]);
		bool compound = id && (strstr(id, " OR ") || strstr(id, " AND "));
		if (!id)
			all = false;
		else
			strbuf_addf(&spdx, "%s%s%s%s", i ? " AND " : "",
				    compound && n > 1 ? "(" : "", id, compound && n > 1 ? ")" : "");
		/* a name with its own operators keeps them inside parentheses */
		bool ops = strcasestr(names[i], " or ") || strcasestr(names[i], " and ");
		strbuf_addf(&raw, "%s%s%s%s", i ? " AND " : "", ops ? "(" : "", names[i],
			    ops ? ")" : "");
	}
	if (!n)
		return NULL;
	return strbuf_detach(all ? &spdx : &raw, NULL);
}

static int parse_copyright(const char *path, const uint8_t *data, size_t len, struct cn_found *f)
{
	struct line_reader lr = { (const char *)data, (const char *)data + len };
	struct span line = { 0 }, name, value;
	/* DEP-5: the first paragraph starts with a Format: field */
	while (next_line(&lr, &line) && blank(line))
		;
	if (!line.p || !split_field(line, &name, &value) || !is_field(name, "Format"))
		return 0;
	char *names[LICENSES_MAX];
	size_t n = 0;
	do {
		if (!line.len || line.p[0] == ' ' || line.p[0] == '\t')
			continue;
		if (!split_field(line, &name, &value) || !is_field(name, "License") || !value.len)
			continue;
		if (n < LICENSES_MAX && !seen(names, n, value))
			names[n++] = dup_span(value);
	} while (next_line(&lr, &line));
	const char *pkg = path + strlen(DOC_DIR);
	f->owner = xstrndup(pkg, (size_t)(strchr(pkg, '/') - pkg));
	f->license = join_licenses(names, n);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return 0;
}

static int parse(const char *path, const uint8_t *data, size_t len, struct cn_found *f,
		 struct cn_error *err)
{
	if (memchr(data, '\0', len))
		return cn_error_set(err, -EBADMSG, "not a text file");
	switch (kind_of(path)) {
	case K_STATUS:
		return parse_status(data, len, f, err);
	case K_LIST:
		return parse_list(path, data, len, f);
	case K_COPYRIGHT:
		return parse_copyright(path, data, len, f);
	default:
		return 0;
	}
}

const struct cn_cataloger cn_catalog_dpkg = {
	.name = "dpkg",
	.wants = wants,
	.parse = parse,
};
