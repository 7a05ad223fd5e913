/* JWTs for Docker's token auth: compact JWS encoding, claims, issue and verify. */
#include <errno.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/auth/token-internal.h"

#define MAX_ACTIONS 16 /* per access entry */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64url_encode(struct strbuf *sb, const uint8_t *p, size_t len)
{
	strbuf_grow(sb, (len + 2) / 3 * 4);
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		size_t chars = len - i >= 3 ? 4 : len - i + 1;
		for (size_t c = 0; c < chars; c++)
			strbuf_addch(sb, b64url[(v >> (18 - 6 * c)) & 63]);
	}
}

static int b64url_value(char c)
{
	const char *p = c ? strchr(b64url, c) : NULL;
	return p ? (int)(p - b64url) : -1;
}

/* Strict decoding: alphabet only, no padding, unused trailing bits zero. */
static int b64url_decode(const char *s, size_t len, struct strbuf *out)
{
	if (len % 4 == 1)
		return -EINVAL;
	uint32_t acc = 0;
	unsigned bits = 0;
	strbuf_grow(out, len / 4 * 3 + 3);
	for (size_t i = 0; i < len; i++) {
		int v = b64url_value(s[i]);
		if (v < 0)
			return -EINVAL;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_addch(out, (char)((acc >> bits) & 0xff));
		}
	}
	if (bits && (acc & ((1u << bits) - 1)))
		return -EINVAL;
	return 0;
}

void cn_token_claims_release(struct cn_token_claims *c)
{
	free(c->access);
	memset(c, 0, sizeof(*c));
}
static inline void claims_releasep(struct cn_token_claims *c)
{
	cn_token_claims_release(c);
}

/* --- issue --- */

static json_t *actions_json(const struct cn_access *a)
{
	json_t *arr = json_array();
	if (a->actions == CN_ACTION_ALL && strcmp(a->type, "registry") == 0) {
		json_array_append_new(arr, json_string("*"));
		return arr;
	}
	static const char *names[] = { "pull", "push", "delete" };
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (a->actions & (1u << i))
			json_array_append_new(arr, json_string(names[i]));
	return arr;
}

static json_t *claims_json(const struct cn_token_claims *c)
{
	char jti[33];
	const char *id = c->jti;
	if (!*id) {
		uint8_t rnd[16];
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return NULL;
		for (size_t i = 0; i < sizeof(rnd); i++)
			(void)snprintf(jti + 2 * i, 3, "%02x", rnd[i]);
		id = jti;
	}
	json_t *access = json_array();
	for (size_t i = 0; i < c->n_access; i++)
		json_array_append_new(access,
				      json_pack("{s:s, s:s, s:o}", "type", c->access[i].type,
						"name", c->access[i].name, "actions",
						actions_json(&c->access[i])));
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:o}", "iss", c->issuer, "sub",
			 c->subject, "aud", c->audience, "exp", (json_int_t)c->expires_at, "nbf",
			 (json_int_t)c->not_before, "iat", (json_int_t)c->issued_at, "jti", id,
			 "access", access);
}

static int add_json_part(struct strbuf *sb, const json_t *j)
{
	cleanup_free char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!s)
		return -EINVAL;
	b64url_encode(sb, (const uint8_t *)s, strlen(s));
	return 0;
}

int cn_token_issue(const struct cn_token_key *k, const struct cn_token_claims *c,
		   struct strbuf *ret_jwt, struct cn_error *err)
{
	_cleanup_(json_decrefp) json_t *header =
		json_pack("{s:s, s:s, s:s}", "typ", "JWT", "alg", cn_token_key_alg(k), "kid",
			  cn_token_key_id(k));
	_cleanup_(json_decrefp) json_t *claims = claims_json(c);
	cleanup_strbuf struct strbuf jwt = STRBUF_INIT;
	cleanup_strbuf struct strbuf sig = STRBUF_INIT;
	if (add_json_part(&jwt, header) < 0)
		return cn_error_set(err, -EINVAL, "token: encoding header");
	strbuf_addch(&jwt, '.');
	if (add_json_part(&jwt, claims) < 0)
		return cn_error_set(err, -EINVAL, "token: encoding claims (not UTF-8?)");
	if (token_key_sign(k, jwt.buf, jwt.len, &sig) < 0)
		return cn_error_set(err, -EINVAL, "token: signing failed");
	strbuf_addch(&jwt, '.');
	b64url_encode(&jwt, (const uint8_t *)sig.buf, sig.len);
	strbuf_add(ret_jwt, jwt.buf, jwt.len);
	return 0;
}

/* --- verify --- */

static json_t *decode_json_part(const char *s, size_t len)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	if (b64url_decode(s, len, &sb) < 0)
		return NULL;
	json_t *j = json_loadb(sb.buf, sb.len, JSON_REJECT_DUPLICATES, NULL);
	if (j && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static const char *check_header(const struct cn_token_key *k, const json_t *h)
{
	const char *alg = json_string_value(json_object_get(h, "alg"));
	const json_t *typ = json_object_get(h, "typ"), *kid = json_object_get(h, "kid");
	if (!alg)
		return "no alg in header";
	if (strcmp(alg, cn_token_key_alg(k)) != 0)
		return "alg does not match the key";
	if (typ && (!json_is_string(typ) || strcmp(json_string_value(typ), "JWT") != 0))
		return "typ is not JWT";
	if (kid &&
	    (!json_is_string(kid) || strcmp(json_string_value(kid), cn_token_key_id(k)) != 0))
		return "unknown kid";
	if (json_object_get(h, "crit"))
		return "unsupported crit header";
	return NULL;
}

/* Copies the JSON string `v` (no NUL inside, shorter than `len`) into `buf`. */
static const char *copy_string(const json_t *v, char *buf, size_t len)
{
	if (!json_is_string(v) || json_string_length(v) >= len ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return "bad string claim";
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return NULL;
}

/* Copies string member `key` of `o` (absent is fine when !required) into buf. */
static const char *get_str(const json_t *o, const char *key, bool required, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return required ? "missing claim" : NULL;
	return copy_string(v, buf, len);
}

static const char *get_time(const json_t *o, const char *key, bool required, int64_t *ret)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return required ? "missing time claim" : NULL;
	double d = json_number_value(v);
	if (!json_is_number(v) || !(d >= 0 && d < 1e15))
		return "bad time claim";
	*ret = (int64_t)d;
	return NULL;
}

/* "aud" is a string or an array of strings; `want` (if set) must be one of them. */
static const char *check_audience(const json_t *aud, const char *want, char *buf, size_t len)
{
	size_t i;
	const json_t *v;
	if (!aud)
		return want ? "missing aud" : NULL;
	if (json_is_string(aud)) {
		if (copy_string(aud, buf, len))
			return "bad aud";
		return want && strcmp(buf, want) != 0 ? "wrong audience" : NULL;
	}
	if (!json_is_array(aud) || json_array_size(aud) > 16)
		return "bad aud";
	json_array_foreach (aud, i, v) {
		if (!json_is_string(v))
			return "bad aud";
		if (!want || strcmp(json_string_value(v), want) == 0)
			return copy_string(v, buf, len) ? "bad aud" : NULL;
	}
	return "wrong audience";
}

static const char *parse_actions(const json_t *arr, unsigned *ret)
{
	size_t i;
	const json_t *v;
	if (!json_is_array(arr) || json_array_size(arr) > MAX_ACTIONS)
		return "bad access actions";
	*ret = 0;
	json_array_foreach (arr, i, v) {
		const char *s = json_string_value(v);
		if (!s)
			return "bad access action";
		*ret |= token_action_bit(s, strlen(s));
	}
	return NULL;
}

static const char *parse_access(const json_t *arr, struct cn_token_claims *c)
{
	size_t i;
	const json_t *v;
	if (!arr)
		return NULL;
	if (!json_is_array(arr))
		return "access is not an array";
	if (json_array_size(arr) > CN_TOKEN_MAX_ACCESS)
		return "too many access entries";
	c->access = xcalloc(json_array_size(arr) + 1, sizeof(*c->access));
	json_array_foreach (arr, i, v) {
		struct cn_access *a = &c->access[c->n_access];
		const char *why;
		if (!json_is_object(v))
			return "access entry is not an object";
		if ((why = get_str(v, "type", true, a->type, sizeof(a->type))) ||
		    (why = get_str(v, "name", true, a->name, sizeof(a->name))) ||
		    (why = parse_actions(json_object_get(v, "actions"), &a->actions)))
			return why;
		c->n_access++;
	}
	return NULL;
}

static const char *check_claims(const json_t *p, const char *issuer, const char *audience,
				int64_t now, struct cn_token_claims *c)
{
	const char *why;
	if ((why = get_str(p, "iss", true, c->issuer, sizeof(c->issuer))) ||
	    (why = get_str(p, "sub", false, c->subject, sizeof(c->subject))) ||
	    (why = get_str(p, "jti", false, c->jti, sizeof(c->jti))) ||
	    (why = get_time(p, "exp", true, &c->expires_at)) ||
	    (why = get_time(p, "nbf", false, &c->not_before)) ||
	    (why = get_time(p, "iat", false, &c->issued_at)))
		return why;
	if (issuer && strcmp(c->issuer, issuer) != 0)
		return "wrong issuer";
	if ((why = check_audience(json_object_get(p, "aud"), audience, c->audience,
				  sizeof(c->audience))))
		return why;
	if (now > c->expires_at + CN_TOKEN_LEEWAY_S)
		return "expired";
	if (c->not_before && now + CN_TOKEN_LEEWAY_S < c->not_before)
		return "not yet valid";
	return parse_access(json_object_get(p, "access"), c);
}

/* Splits "H.P.S" at its two dots; anything else is malformed. */
static bool split_jws(const char *jwt, size_t len, size_t *dot1, size_t *dot2)
{
	const char *a = memchr(jwt, '.', len);
	const char *b = a ? memchr(a + 1, '.', len - (size_t)(a + 1 - jwt)) : NULL;
	if (!a || !b || memchr(b + 1, '.', len - (size_t)(b + 1 - jwt)))
		return false;
	*dot1 = (size_t)(a - jwt);
	*dot2 = (size_t)(b - jwt);
	return *dot1 > 0 && *dot2 > *dot1 + 1 && *dot2 + 1 < len;
}

/* Issuer, audience and times of claims that came from the cache. */
static const char *recheck_cached(const struct cn_token_claims *c, const char *issuer,
				  const char *audience, int64_t now, bool *ret_use)
{
	*ret_use = (!issuer || strcmp(c->issuer, issuer) == 0) &&
		   (!audience || strcmp(c->audience, audience) == 0);
	if (now > c->expires_at + CN_TOKEN_LEEWAY_S)
		return "expired";
	if (c->not_before && now + CN_TOKEN_LEEWAY_S < c->not_before)
		return "not yet valid";
	return NULL;
}

static int verify_uncached(const struct cn_token_key *k, const char *jwt, size_t len,
			   const char *issuer, const char *audience, int64_t now,
			   struct cn_token_claims *ret, struct cn_error *err)
{
	size_t d1, d2;
	if (!split_jws(jwt, len, &d1, &d2))
		return cn_error_set(err, -EACCES, "token: not a compact JWS");
	_cleanup_(json_decrefp) json_t *header = decode_json_part(jwt, d1);
	if (!header)
		return cn_error_set(err, -EACCES, "token: malformed header");
	const char *why = check_header(k, header);
	if (why)
		return cn_error_set(err, -EACCES, "token: %s", why);
	cleanup_strbuf struct strbuf sig = STRBUF_INIT;
	if (b64url_decode(jwt + d2 + 1, len - d2 - 1, &sig) < 0 ||
	    !token_key_verify(k, jwt, d2, (const uint8_t *)sig.buf, sig.len))
		return cn_error_set(err, -EACCES, "token: bad signature");
	_cleanup_(json_decrefp) json_t *payload = decode_json_part(jwt + d1 + 1, d2 - d1 - 1);
	if (!payload)
		return cn_error_set(err, -EACCES, "token: malformed claims");
	_cleanup_(claims_releasep) struct cn_token_claims c = { 0 };
	if ((why = check_claims(payload, issuer, audience, now, &c)))
		return cn_error_set(err, -EACCES, "token: %s", why);
	*ret = c;
	memset(&c, 0, sizeof(c));
	return 0;
}

int cn_token_verify(const struct cn_token_key *k, const char *jwt, const char *issuer,
		    const char *audience, int64_t now, struct cn_token_claims *ret,
		    struct cn_error *err)
{
	size_t len = strnlen(jwt, CN_TOKEN_MAX_LEN + 1);
	if (len > CN_TOKEN_MAX_LEN)
		return cn_error_set(err, -EACCES, "token: larger than %u bytes", CN_TOKEN_MAX_LEN);
	uint8_t sum[TOKEN_SUM_LEN];
	unsigned sum_len = 0;
	if (EVP_Digest(jwt, len, sum, &sum_len, EVP_sha256(), NULL) != 1)
		abort(); /* only on OOM or a broken libcrypto */
	struct token_cache *cache = token_key_cache(k);
	_cleanup_(claims_releasep) struct cn_token_claims c = { 0 };
	if (token_cache_get(cache, sum, &c)) {
		bool use;
		const char *why = recheck_cached(&c, issuer, audience, now, &use);
		if (use && why)
			return cn_error_set(err, -EACCES, "token: %s", why);
		if (use) {
			*ret = c;
			memset(&c, 0, sizeof(c));
			return 0;
		}
		cn_token_claims_release(&c);
	}
	int r = verify_uncached(k, jwt, len, issuer, audience, now, &c, err);
	if (r < 0)
		return r;
	token_cache_put(cache, sum, &c);
	*ret = c;
	memset(&c, 0, sizeof(c));
	return 0;
}
