/* Package URLs: making one per package, parsing foreign ones (purl.h). */
#include "lib/sbom/purl.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/strbuf.h"

#define QUALIFIERS_MAX 64

static bool is_unreserved(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == ':';
}

static void add_encoded(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (is_unreserved(*p)) {
			strbuf_addch(sb, (char)*p);
		} else {
			strbuf_addch(sb, '%');
			strbuf_addch(sb, hex[*p >> 4]);
			strbuf_addch(sb, hex[*p & 15]);
		}
	}
}

/* Each "/"-separated segment encoded; empty segments dropped. */
static void add_segments(struct strbuf *sb, const char *path)
{
	bool first = true;
	while (*path) {
		size_t n = strcspn(path, "/");
		if (n > 0) {
			cleanup_free char *seg = xstrndup(path, n);
			if (!first)
				strbuf_addch(sb, '/');
			add_encoded(sb, seg);
			first = false;
		}
		path += n;
		if (*path)
			path++;
	}
}

static int qualifier_cmp(const void *a, const void *b)
{
	const struct cn_purl_qualifier *x = a, *y = b;
	return strcmp(x->key, y->key);
}

char *cn_purl_format(const struct cn_purl *p)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "pkg:");
	for (const char *t = p->type; *t; t++)
		strbuf_addch(&sb, (char)tolower((unsigned char)*t));
	strbuf_addch(&sb, '/');
	if (p->namespace && *p->namespace) {
		add_segments(&sb, p->namespace);
		strbuf_addch(&sb, '/');
	}
	add_encoded(&sb, p->name);
	if (p->version && *p->version) {
		strbuf_addch(&sb, '@');
		add_encoded(&sb, p->version);
	}
	char sep = '?';
	for (size_t i = 0; i < p->n_qualifiers; i++) {
		const struct cn_purl_qualifier *q = &p->qualifiers[i];
		if (!q->value || !*q->value)
			continue;
		strbuf_addch(&sb, sep);
		strbuf_addstr(&sb, q->key);
		strbuf_addch(&sb, '=');
		add_encoded(&sb, q->value);
		sep = '&';
	}
	if (p->subpath && *p->subpath) {
		strbuf_addch(&sb, '#');
		add_segments(&sb, p->subpath);
	}
	return strbuf_detach(&sb, NULL);
}

void cn_purl_release(struct cn_purl *p)
{
	free(p->type);
	free(p->namespace);
	free(p->name);
	free(p->version);
	for (size_t i = 0; i < p->n_qualifiers; i++) {
		free(p->qualifiers[i].key);
		free(p->qualifiers[i].value);
	}
	free(p->qualifiers);
	free(p->subpath);
	*p = (struct cn_purl){ 0 };
}

const char *cn_purl_qualifier(const struct cn_purl *p, const char *key)
{
	for (size_t i = 0; i < p->n_qualifiers; i++)
		if (strcmp(p->qualifiers[i].key, key) == 0)
			return p->qualifiers[i].value;
	return NULL;
}

/* ---------------------------------------------------------------- making purls */

/* A qualifier list being built; values borrowed or owned through `owned`. */
struct quals {
	struct cn_purl_qualifier q[8];
	size_t n;
	char *owned[8];
	size_t n_owned;
};

static void qual_add(struct quals *qs, const char *key, const char *value)
{
	if (value && *value && qs->n < ARRAY_SIZE(qs->q))
		qs->q[qs->n++] = (struct cn_purl_qualifier){ (char *)key, (char *)value };
}

static void qual_add_owned(struct quals *qs, const char *key, char *value)
{
	if (qs->n_owned < ARRAY_SIZE(qs->owned) && qs->n < ARRAY_SIZE(qs->q)) {
		qs->owned[qs->n_owned++] = value;
		qual_add(qs, key, value);
	} else {
		free(value);
	}
}

static void quals_release(struct quals *qs)
{
	for (size_t i = 0; i < qs->n_owned; i++)
		free(qs->owned[i]);
}

/* "debian-12"; "debian-bookworm" when there is no VERSION_ID; NULL without an id. */
static char *distro_qualifier(const struct cn_os *os)
{
	if (!os || !os->id)
		return NULL;
	if (os->version_id)
		return xasprintf("%s-%s", os->id, os->version_id);
	if (os->codename)
		return xasprintf("%s-%s", os->id, os->codename);
	return xstrdup(os->id);
}

static char *lowercase(const char *s)
{
	char *r = xstrdup(s);
	for (char *p = r; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

/* deb, apk and rpm: the distro's id as namespace, arch and distro qualifiers. */
static char *os_purl(const struct cn_package *p, const struct cn_os *os, const char *type,
		     const char *default_ns)
{
	struct quals qs = { 0 };
	cleanup_free char *ns = lowercase(os && os->id ? os->id : default_ns);
	cleanup_free char *version = p->version ? xstrdup(p->version) : NULL;
	qual_add(&qs, "arch", p->arch);
	qual_add_owned(&qs, "distro", distro_qualifier(os));
	if (strcmp(type, "rpm") == 0 && version) {
		/* rpm: the epoch is a qualifier, the version is V-R */
		char *colon = strchr(version, ':');
		if (colon) {
			qual_add_owned(&qs, "epoch", xstrndup(version, (size_t)(colon - version)));
			memmove(version, colon + 1, strlen(colon + 1) + 1);
		}
	}
	const char *src = p->source_name;
	if (src && *src && strcmp(src, p->name) != 0) {
		if (p->source_version && p->version && strcmp(p->source_version, p->version) != 0 &&
		    strcmp(type, "deb") == 0)
			qual_add_owned(&qs, "upstream", xasprintf("%s@%s", src, p->source_version));
		else
			qual_add(&qs, "upstream", src);
	}
	qsort(qs.q, qs.n, sizeof(qs.q[0]), qualifier_cmp);
	struct cn_purl u = { .type = (char *)type,
			     .namespace = ns,
			     .name = p->name,
			     .version = version,
			     .qualifiers = qs.q,
			     .n_qualifiers = qs.n };
	char *s = cn_purl_format(&u);
	quals_release(&qs);
	return s;
}

/* The purl spec's pypi rule: lowercase, "_" -> "-". */
static char *pypi_name(const char *name)
{
	char *r = lowercase(name);
	for (char *p = r; *p; p++)
		if (*p == '_')
			*p = '-';
	return r;
}

/* Splits "a/b/c" at the last "/" into namespace "a/b" and name "c". */
static char *simple_purl(const char *type, const char *ns, const char *path, const char *version)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *prefix = NULL;
	if (!ns && slash && slash != path) {
		prefix = xstrndup(path, (size_t)(slash - path));
		ns = prefix;
		path = slash + 1;
	}
	struct cn_purl u = { .type = (char *)type,
			     .namespace = (char *)ns,
			     .name = (char *)path,
			     .version = (char *)version };
	return cn_purl_format(&u);
}

char *cn_purl_for(const struct cn_package *p, const struct cn_os *os)
{
	if (!p->name || !*p->name)
		return NULL;
	switch (p->type) {
	case CN_PKG_DEB:
		return os_purl(p, os, "deb", "debian");
	case CN_PKG_APK:
		return os_purl(p, os, "apk", "alpine");
	case CN_PKG_RPM:
		return os_purl(p, os, "rpm", "redhat");
	case CN_PKG_PYTHON: {
		cleanup_free char *name = pypi_name(p->name);
		return simple_purl("pypi", NULL, name, p->version);
	}
	case CN_PKG_NPM:
		return simple_purl("npm", NULL, p->name, p->version);
	case CN_PKG_GO:
		return simple_purl("golang", NULL, p->name, p->version);
	case CN_PKG_JAVA:
		return simple_purl("maven", p->group && *p->group ? p->group : NULL, p->name,
				   p->version);
	case CN_PKG_TYPE_MAX:
		break;
	}
	return NULL;
}

/* ---------------------------------------------------------------- parsing */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..len) into a new string; -EINVAL for a bad escape or a NUL byte. */
static int decode(const char *s, size_t len, char **ret)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '%') {
			int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
			int lo = hi >= 0 ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		strbuf_addch(&sb, c);
	}
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

/* Decodes each "/"-separated segment, dropping empty ones, "." and ".."; NULL when none. */
static int decode_segments(const char *s, size_t len, char **ret)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '/')
			continue;
		cleanup_free char *seg = NULL;
		if (decode(s + start, i - start, &seg) < 0)
			return -EINVAL;
		start = i + 1;
		if (!*seg || strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0)
			continue;
		if (sb.len)
			strbuf_addch(&sb, '/');
		strbuf_addstr(&sb, seg);
	}
	*ret = sb.len ? strbuf_detach(&sb, NULL) : NULL;
	return 0;
}

static bool valid_type(const char *s, size_t len)
{
	if (len == 0 || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '+' && s[i] != '-')
			return false;
	return true;
}

static bool valid_key(const char *s, size_t len)
{
	if (len == 0 || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static int parse_qualifiers(const char *s, size_t len, struct cn_purl *u)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '&')
			continue;
		const char *item = s + start;
		size_t ilen = i - start;
		start = i + 1;
		if (ilen == 0)
			continue;
		const char *eq = memchr(item, '=', ilen);
		if (!eq || !valid_key(item, (size_t)(eq - item)))
			return -EINVAL;
		if (u->n_qualifiers >= QUALIFIERS_MAX)
			return -E2BIG;
		cleanup_free char *value = NULL;
		if (decode(eq + 1, ilen - (size_t)(eq + 1 - item), &value) < 0)
			return -EINVAL;
		if (!*value)
			continue;
		cleanup_free char *key = xstrndup(item, (size_t)(eq - item));
		for (char *k = key; *k; k++)
			*k = (char)tolower((unsigned char)*k);
		if (cn_purl_qualifier(u, key))
			return -EINVAL;
		u->qualifiers =
			xreallocarray(u->qualifiers, u->n_qualifiers + 1, sizeof(*u->qualifiers));
		u->qualifiers[u->n_qualifiers++] =
			(struct cn_purl_qualifier){ TAKE_PTR(key), TAKE_PTR(value) };
	}
	if (u->n_qualifiers)
		qsort(u->qualifiers, u->n_qualifiers, sizeof(*u->qualifiers), qualifier_cmp);
	return 0;
}

/* Parses the part between "pkg:" and "?"/"#": TYPE/NAMESPACE/NAME@VERSION. */
static int parse_path(const char *s, size_t len, struct cn_purl *u)
{
	while (len && *s == '/') { /* "pkg://type/..." is tolerated, as the spec says */
		s++;
		len--;
	}
	while (len && s[len - 1] == '/')
		len--;
	const char *slash = memchr(s, '/', len);
	if (!slash || !valid_type(s, (size_t)(slash - s)))
		return -EINVAL;
	u->type = xstrndup(s, (size_t)(slash - s));
	for (char *t = u->type; *t; t++)
		*t = (char)tolower((unsigned char)*t);
	const char *rest = slash + 1, *end = s + len;
	const char *at = NULL;
	for (const char *c = end; c > rest; c--)
		if (c[-1] == '@') {
			at = c - 1;
			break;
		}
	if (at) {
		if (decode(at + 1, (size_t)(end - at - 1), &u->version) < 0)
			return -EINVAL;
		end = at;
	}
	const char *name = end;
	while (name > rest && name[-1] != '/')
		name--;
	if (name == end || decode(name, (size_t)(end - name), &u->name) < 0)
		return -EINVAL;
	if (name > rest && decode_segments(rest, (size_t)(name - 1 - rest), &u->namespace) < 0)
		return -EINVAL;
	if (u->version && !*u->version) {
		free(u->version);
		u->version = NULL;
	}
	return *u->name ? 0 : -EINVAL;
}

int cn_purl_parse(const char *s, struct cn_purl *ret)
{
	size_t len = strnlen(s, CN_PURL_MAX + 1);
	if (len > CN_PURL_MAX)
		return -E2BIG;
	if (len < 4 || strncasecmp(s, "pkg:", 4) != 0)
		return -EINVAL;
	struct cn_purl u = { 0 };
	const char *p = s + 4, *end = s + len;
	const char *hash = memchr(p, '#', (size_t)(end - p));
	int r = 0;
	if (hash) {
		r = decode_segments(hash + 1, (size_t)(end - hash - 1), &u.subpath);
		end = hash;
	}
	const char *q = r >= 0 ? memchr(p, '?', (size_t)(end - p)) : NULL;
	if (q) {
		r = parse_qualifiers(q + 1, (size_t)(end - q - 1), &u);
		end = q;
	}
	if (r >= 0)
		r = parse_path(p, (size_t)(end - p), &u);
	if (r < 0) {
		cn_purl_release(&u);
		return r;
	}
	*ret = u;
	return 0;
}

/* ---------------------------------------------------------------- purl -> package */

static const struct {
	const char *purl_type;
	enum cn_pkg_type type;
} purl_types[] = {
	{ "deb", CN_PKG_DEB },	 { "apk", CN_PKG_APK },	    { "alpine", CN_PKG_APK },
	{ "rpm", CN_PKG_RPM },	 { "pypi", CN_PKG_PYTHON }, { "npm", CN_PKG_NPM },
	{ "golang", CN_PKG_GO }, { "maven", CN_PKG_JAVA },
};

static char *join_ns(const struct cn_purl *u)
{
	if (!u->namespace)
		return xstrdup(u->name);
	return xasprintf("%s/%s", u->namespace, u->name);
}

int cn_purl_to_package(const struct cn_purl *u, const char *purl, struct cn_package *ret)
{
	size_t i = 0;
	while (i < ARRAY_SIZE(purl_types) && strcmp(purl_types[i].purl_type, u->type) != 0)
		i++;
	if (i == ARRAY_SIZE(purl_types))
		return -EOPNOTSUPP;
	ret->type = purl_types[i].type;
	if (ret->type == CN_PKG_NPM || ret->type == CN_PKG_GO)
		ret->name = join_ns(u);
	else
		ret->name = xstrdup(u->name);
	if (ret->type == CN_PKG_JAVA && u->namespace)
		ret->group = xstrdup(u->namespace);
	const char *epoch = cn_purl_qualifier(u, "epoch");
	if (u->version && epoch && ret->type == CN_PKG_RPM && strcmp(epoch, "0") != 0)
		ret->version = xasprintf("%s:%s", epoch, u->version);
	else if (u->version)
		ret->version = xstrdup(u->version);
	const char *arch = cn_purl_qualifier(u, "arch");
	if (arch)
		ret->arch = xstrdup(arch);
	const char *up = cn_purl_qualifier(u, "upstream");
	if (up) {
		const char *at = strchr(up, '@');
		ret->source_name = at ? xstrndup(up, (size_t)(at - up)) : xstrdup(up);
		if (at && at[1])
			ret->source_version = xstrdup(at + 1);
	}
	if (purl)
		ret->purl = xstrdup(purl);
	return 0;
}

void cn_purl_distro_to_os(const char *distro, struct cn_os *ret)
{
	const char *dash = strrchr(distro, '-');
	if (!dash || dash == distro || !dash[1]) {
		ret->id = xstrdup(distro);
		return;
	}
	ret->id = xstrndup(distro, (size_t)(dash - distro));
	if (isdigit((unsigned char)dash[1]))
		ret->version_id = xstrdup(dash + 1);
	else
		ret->codename = xstrdup(dash + 1);
}
