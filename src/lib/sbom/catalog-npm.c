/*
 * npm packages: `node_modules/NAME/package.json` and `node_modules/@SCOPE/NAME/package.json`
 * at any depth of node_modules nesting. A package.json deeper inside a package
 * (node_modules/x/lib/package.json) describes no installed package and is not wanted.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/strbuf.h"
#include "lib/sbom/catalog.h"

#define PACKAGE_JSON_MAX (4u << 20)
#define FIELD_MAX	 4096u
#define LICENSES_MAX	 16u

static bool streq_n(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* The component of `path` that ends just before `end` (at a "/"); its start in *ret. */
static size_t component_before(const char *path, const char *end, const char **ret)
{
	const char *b = end;
	while (b > path && b[-1] != '/')
		b--;
	*ret = b;
	return (size_t)(end - b);
}

static bool is_package_json(const char *path)
{
	const char *base = strrchr(path, '/');
	if (!base || strcmp(base + 1, "package.json") != 0)
		return false;
	const char *name, *up, *up2;
	size_t name_len = component_before(path, base, &name);
	if (name == path || name_len == 0 || *name == '.')
		return false;
	size_t up_len = component_before(path, name - 1, &up);
	if (*name != '@' && streq_n(up, up_len, "node_modules"))
		return true;
	/* node_modules/@scope/name/package.json */
	if (*up != '@' || up_len < 2 || up == path || *name == '@')
		return false;
	size_t up2_len = component_before(path, up - 1, &up2);
	return streq_n(up2, up2_len, "node_modules");
}

static enum cn_catalog_want wants(const char *path, mode_t mode, int64_t size)
{
	(void)mode;
	if (size < 0 || size > PACKAGE_JSON_MAX || !is_package_json(path))
		return CN_WANT_NONE;
	return CN_WANT_WHOLE;
}

/* A copy of a JSON string's first line, trimmed; NULL when not a usable string. */
static char *string_line(const json_t *v)
{
	const char *s = json_string_value(v);
	if (!s || strlen(s) != json_string_length(v))
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strcspn(s, "\r\n");
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n || n > FIELD_MAX)
		return NULL;
	return xstrndup(s, n);
}

/* "MIT", {"type": "MIT"}: the license name. */
static char *license_of(const json_t *v)
{
	if (json_is_object(v))
		return string_line(json_object_get(v, "type"));
	return string_line(v);
}

/* license: "MIT" | {"type": "MIT", "url": ..}; legacy: licenses: ["MIT", {"type": ..}, ..]
 * (several licenses joined with " OR ", as npm documented for dual licensing). */
static char *package_license(const json_t *root)
{
	const json_t *l = json_object_get(root, "license");
	if (l && !json_is_array(l))
		return license_of(l);
	if (!l)
		l = json_object_get(root, "licenses");
	if (!json_is_array(l))
		return license_of(l);
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	size_t i;
	const json_t *v;
	json_array_foreach (l, i, v) {
		if (i >= LICENSES_MAX)
			break;
		_cleanup_(freep) char *one = license_of(v);
		if (!one)
			continue;
		if (sb.len)
			strbuf_addstr(&sb, " OR ");
		strbuf_addstr(&sb, one);
	}
	return sb.len ? strbuf_detach(&sb, NULL) : NULL;
}

/* author: "Name <mail> (url)" | {"name": .., "email": ..} */
static char *package_author(const json_t *root)
{
	const json_t *a = json_object_get(root, "author");
	if (json_is_object(a))
		return string_line(json_object_get(a, "name"));
	return string_line(a);
}

static int parse(const char *path, const uint8_t *data, size_t len, struct cn_found *f,
		 struct cn_error *err)
{
	json_error_t jerr;
	_cleanup_(json_decrefp) json_t *root = json_loadb((const char *)data, len, 0, &jerr);
	if (!root)
		return cn_error_set(err, -EBADMSG, "%s: line %d: %s", path, jerr.line, jerr.text);
	if (!json_is_object(root))
		return cn_error_set(err, -EBADMSG, "%s: not a JSON object", path);
	_cleanup_(freep) char *name = string_line(json_object_get(root, "name"));
	_cleanup_(freep) char *version = string_line(json_object_get(root, "version"));
	if (!name || !version)
		return 0;
	struct cn_package *p = cn_found_add(f);
	p->type = CN_PKG_NPM;
	p->name = TAKE_PTR(name);
	p->version = TAKE_PTR(version);
	p->license = package_license(root);
	p->maintainer = package_author(root);
	p->description = string_line(json_object_get(root, "description"));
	return 0;
}

const struct cn_cataloger cn_catalog_npm = {
	.name = "npm",
	.wants = wants,
	.parse = parse,
};
