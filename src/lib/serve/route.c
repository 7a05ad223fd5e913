/* Request paths, ranges and Authorization headers (see route.h). */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/parse.h"
#include "lib/serve/route.h"

/* Copies [s, s+len) into dst (size `cap`); false when it does not fit. */
static bool copy_part(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/* The repository is everything between "/v2/" and `tail` (which starts with '/'). */
static void route_with_name(struct cn_route *r, enum cn_route_kind kind, const char *name,
			    const char *tail, const char *arg)
{
	size_t name_len = (size_t)(tail - name);
	if (name_len == 0)
		return; /* "/v2//manifests/x": no repository */
	if (!copy_part(r->name, sizeof(r->name), name, name_len)) {
		r->name_too_long = true;
		r->name[0] = '\0';
	}
	if (arg && !copy_part(r->arg, sizeof(r->arg), arg, strlen(arg)))
		return; /* an over-long reference cannot name anything */
	r->kind = kind;
}

/* The start of the last "/" component of [start, end), i.e. the position of its '/'. */
static const char *last_slash(const char *start, const char *end)
{
	for (const char *p = end; p > start; p--)
		if (p[-1] == '/')
			return p - 1;
	return NULL;
}

static bool component_is(const char *slash, const char *end, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(end - slash - 1) == n && memcmp(slash + 1, word, n) == 0;
}

static void route_v2(const char *p, struct cn_route *r)
{
	const char *end = p + strlen(p);
	if (p == end) {
		r->kind = CN_ROUTE_PING;
		return;
	}
	if (strcmp(p, "_catalog") == 0) {
		r->kind = CN_ROUTE_CATALOG;
		return;
	}
	/* Upload start: NAME/blobs/uploads/ (the trailing slash is optional). */
	if (end[-1] == '/')
		end--;
	const char *s1 = last_slash(p, end);
	if (!s1)
		return;
	const char *s2 = last_slash(p, s1);
	if (!s2)
		return;
	if (component_is(s1, end, "uploads") && component_is(s2, s1, "blobs")) {
		route_with_name(r, CN_ROUTE_UPLOAD_START, p, s2, NULL);
		return;
	}
	if (end != p + strlen(p))
		return; /* a trailing slash after anything else */
	const char *arg = s1 + 1;
	if (component_is(s1, end, "list") && component_is(s2, s1, "tags"))
		route_with_name(r, CN_ROUTE_TAGS, p, s2, NULL);
	else if (component_is(s2, s1, "manifests"))
		route_with_name(r, CN_ROUTE_MANIFEST, p, s2, arg);
	else if (component_is(s2, s1, "referrers"))
		route_with_name(r, CN_ROUTE_REFERRERS, p, s2, arg);
	else if (component_is(s2, s1, "blobs"))
		route_with_name(r, CN_ROUTE_BLOB, p, s2, arg);
	else if (component_is(s2, s1, "uploads")) {
		const char *s3 = last_slash(p, s2);
		if (s3 && component_is(s3, s2, "blobs"))
			route_with_name(r, CN_ROUTE_UPLOAD, p, s3, arg);
	}
}

void cn_route_parse(const char *path, struct cn_route *ret)
{
	struct cn_route r = { .kind = CN_ROUTE_NOT_FOUND };
	if (strcmp(path, "/v2") == 0 || strcmp(path, "/v2/") == 0)
		r.kind = CN_ROUTE_PING;
	else if (strncmp(path, "/v2/", 4) == 0)
		route_v2(path + 4, &r);
	else if (strcmp(path, "/v1/_ping") == 0)
		r.kind = CN_ROUTE_V1_PING;
	else if (strcmp(path, "/v1/search") == 0)
		r.kind = CN_ROUTE_V1_SEARCH;
	else if (strcmp(path, "/token") == 0)
		r.kind = CN_ROUTE_TOKEN;
	*ret = r;
}

/* A decimal u64 of [s, s+len) with no sign or spaces. */
static int parse_pos(const char *s, size_t len, uint64_t *ret)
{
	if (len == 0 || len > 20)
		return -EINVAL;
	return cn_parse_u64_n(s, len, UINT64_MAX, ret);
}

int cn_range_parse(const char *value, uint64_t size, struct cn_byte_range *ret)
{
	if (strncasecmp(value, "bytes=", 6) != 0)
		return 0;
	const char *spec = value + 6, *dash = strchr(spec, '-');
	if (!dash || strchr(spec, ','))
		return 0; /* several ranges: served whole */
	uint64_t a, b;
	size_t alen = (size_t)(dash - spec), blen = strlen(dash + 1);
	if (alen == 0) { /* suffix: the last b bytes */
		if (parse_pos(dash + 1, blen, &b) < 0)
			return 0;
		if (b == 0 || size == 0)
			return -ERANGE;
		ret->first = b >= size ? 0 : size - b;
		ret->last = size - 1;
		return 1;
	}
	if (parse_pos(spec, alen, &a) < 0)
		return 0;
	if (blen == 0)
		b = UINT64_MAX;
	else if (parse_pos(dash + 1, blen, &b) < 0 || b < a)
		return 0;
	if (a >= size)
		return -ERANGE;
	ret->first = a;
	ret->last = b >= size ? size - 1 : b;
	return 1;
}

int cn_content_range_parse(const char *value, struct cn_byte_range *ret)
{
	const char *s = value;
	if (strncasecmp(s, "bytes ", 6) == 0)
		s += 6;
	const char *dash = strchr(s, '-');
	if (!dash)
		return -EINVAL;
	const char *end = dash + 1 + strcspn(dash + 1, "/");
	if (*end == '/' && strcmp(end, "/*") != 0) {
		uint64_t total;
		if (parse_pos(end + 1, strlen(end + 1), &total) < 0)
			return -EINVAL;
	}
	uint64_t a, b;
	if (parse_pos(s, (size_t)(dash - s), &a) < 0 ||
	    parse_pos(dash + 1, (size_t)(end - dash - 1), &b) < 0 || b < a)
		return -EINVAL;
	ret->first = a;
	ret->last = b;
	return 0;
}

static int decode_basic(const char *b64, struct cn_authorization *ret)
{
	size_t len = strlen(b64);
	/* base64 of "user:password" within the limits, with its padding. */
	if (len == 0 || len % 4 != 0 || len > (CN_AUTH_USER_MAX + CN_AUTH_PASSWORD_MAX) / 3 * 4)
		return -EINVAL;
	unsigned char plain[CN_AUTH_USER_MAX + CN_AUTH_PASSWORD_MAX + 4];
	int n = EVP_DecodeBlock(plain, (const unsigned char *)b64, (int)len);
	if (n < 0)
		return -EINVAL;
	/* EVP_DecodeBlock counts '=' padding as zero bytes; more than two is not base64. */
	int pad = 0;
	for (size_t i = len; i > 0 && b64[i - 1] == '='; i--)
		pad++;
	if (pad > 2 || n < pad)
		return -EINVAL;
	n -= pad;
	const unsigned char *colon = memchr(plain, ':', (size_t)n);
	int r = -EINVAL;
	if (colon && !memchr(plain, '\0', (size_t)n) &&
	    copy_part(ret->user, sizeof(ret->user), (const char *)plain, (size_t)(colon - plain)) &&
	    copy_part(ret->password, sizeof(ret->password), (const char *)colon + 1,
		      (size_t)n - (size_t)(colon - plain) - 1)) {
		ret->scheme = CN_AUTH_BASIC;
		r = 0;
	}
	OPENSSL_cleanse(plain, sizeof(plain));
	return r;
}

int cn_authorization_parse(const char *value, struct cn_authorization *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!value)
		return 0;
	while (*value == ' ')
		value++;
	const char *sp = strchr(value, ' ');
	if (!sp)
		return 0;
	const char *cred = sp + strspn(sp, " ");
	size_t scheme_len = (size_t)(sp - value);
	if (scheme_len == 5 && strncasecmp(value, "Basic", 5) == 0)
		return decode_basic(cred, ret);
	if (scheme_len == 6 && strncasecmp(value, "Bearer", 6) == 0) {
		if (*cred == '\0' || strlen(cred) > 16384 || strpbrk(cred, " \t"))
			return -EINVAL;
		ret->scheme = CN_AUTH_BEARER;
		ret->token = cred;
	}
	return 0;
}

void cn_authorization_release(struct cn_authorization *a)
{
	OPENSSL_cleanse(a->password, sizeof(a->password));
}
