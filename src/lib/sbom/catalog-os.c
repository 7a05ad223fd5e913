/*
 * os-release (os-release(5)): the distribution's ID, VERSION_ID, VERSION_CODENAME and
 * PRETTY_NAME from etc/os-release or usr/lib/os-release. Values are shell-style: unquoted,
 * "double quoted" with \ escapes of " \ $ `, or 'single quoted'.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "lib/sbom/catalog.h"

#define OS_RELEASE_MAX (64u << 10)

static enum cn_catalog_want wants(const char *path, mode_t mode, int64_t size)
{
	(void)mode;
	if (size < 0 || size > OS_RELEASE_MAX)
		return CN_WANT_NONE;
	if (strcmp(path, "etc/os-release") == 0 || strcmp(path, "usr/lib/os-release") == 0)
		return CN_WANT_WHOLE;
	return CN_WANT_NONE;
}

/* Unquotes the value in [p, end) into `out`. */
static void unquote(const char *p, const char *end, struct strbuf *out)
{
	strbuf_reset(out);
	while (p < end) {
		char c = *p++;
		if (c == '"') {
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end && strchr("\"\\$`", p[1]))
					p++;
				strbuf_addch(out, *p++);
			}
			p += p < end;
		} else if (c == '\'') {
			while (p < end && *p != '\'')
				strbuf_addch(out, *p++);
			p += p < end;
		} else if (c == '\\' && p < end) {
			strbuf_addch(out, *p++);
		} else if (c == ' ' || c == '\t' || c == '#') {
			break;
		} else {
			strbuf_addch(out, c);
		}
	}
}

static void set(char **field, const struct strbuf *v)
{
	free(*field);
	*field = v->len ? xstrdup(v->buf) : NULL;
}

static int parse(const char *path, const uint8_t *data, size_t len, struct cn_found *f,
		 struct cn_error *err)
{
	(void)path;
	if (memchr(data, '\0', len))
		return cn_error_set(err, -EBADMSG, "not a text file");
	struct cn_os *os = xcalloc(1, sizeof(*os));
	struct strbuf v = STRBUF_INIT;
	const char *p = (const char *)data, *end = p + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *line = p;
		p = eol < end ? eol + 1 : end;
		while (line < eol && (*line == ' ' || *line == '\t'))
			line++;
		const char *eq = memchr(line, '=', (size_t)(eol - line));
		if (!eq || *line == '#')
			continue;
		const char *vend = eol;
		while (vend > eq + 1 && (vend[-1] == '\r' || vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
		size_t klen = (size_t)(eq - line);
		char **field = NULL;
		if (klen == 2 && memcmp(line, "ID", 2) == 0)
			field = &os->id;
		else if (klen == 10 && memcmp(line, "VERSION_ID", 10) == 0)
			field = &os->version_id;
		else if (klen == 16 && memcmp(line, "VERSION_CODENAME", 16) == 0)
			field = &os->codename;
		else if (klen == 11 && memcmp(line, "PRETTY_NAME", 11) == 0)
			field = &os->pretty_name;
		if (!field)
			continue;
		unquote(eq + 1, vend, &v);
		set(field, &v);
	}
	strbuf_release(&v);
	f->os = os;
	return 0;
}

const struct cn_cataloger cn_catalog_os_release = {
	.name = "os-release",
	.wants = wants,
	.parse = parse,
};
