/* The registry's settings file (see config.h). */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/serve/config.h"

void cn_serve_config_init(struct cn_serve_config *c)
{
	memset(c, 0, sizeof(*c));
	c->upload_expiry_s = 3600;
	c->token_expires_in = 300;
}

void cn_serve_config_release(struct cn_serve_config *c)
{
	free(c->addr);
	free(c->storage);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->realm);
	free(c->htpasswd);
	free(c->token_service);
	free(c->token_issuer);
	free(c->token_key);
	free(c->token_realm);
	json_decref(c->access);
	cn_serve_config_init(c);
}

struct loader {
	const char *file;
	const char *dir; /* relative paths are taken from here */
	struct cn_error *err;
};

static int bad(struct loader *l, const char *key, const char *why)
{
	return cn_error_set(l->err, -EINVAL, "%s: %s: %s", l->file, key, why);
}

/* Sets *dst to the string at obj[key] (a path relative to the file when `path`). */
static int get_string(struct loader *l, json_t *obj, const char *key, bool path, char **dst)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return bad(l, key, "must be a non-empty string");
	const char *s = json_string_value(v);
	free(*dst);
	if (path && s[0] != '/')
		*dst = xasprintf("%s/%s", l->dir, s);
	else
		*dst = xstrdup(s);
	return 0;
}

static int get_bool(struct loader *l, json_t *obj, const char *key, bool *dst)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad(l, key, "must be true or false");
	*dst = json_is_true(v);
	return 0;
}

static int get_seconds(struct loader *l, json_t *obj, const char *key, int64_t *dst)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > 366 * 86400)
		return bad(l, key, "must be a number of seconds (1 to a year)");
	*dst = json_integer_value(v);
	return 0;
}

static json_t *get_object(struct loader *l, json_t *obj, const char *key, int *r)
{
	json_t *v = json_object_get(obj, key);
	if (v && !json_is_object(v)) {
		*r = bad(l, key, "must be an object");
		return NULL;
	}
	return v;
}

static int load_auth(struct loader *l, struct cn_serve_config *c, json_t *auth)
{
	int r = 0;
	c->auth = true;
	if ((r = get_string(l, auth, "realm", false, &c->realm)) < 0 ||
	    (r = get_string(l, auth, "htpasswd", true, &c->htpasswd)) < 0 ||
	    (r = get_bool(l, auth, "anonymous_pull", &c->anonymous_pull)) < 0)
		return r;
	json_t *token = get_object(l, auth, "token", &r);
	if (r < 0)
		return r;
	if (token) {
		c->token = true;
		if ((r = get_string(l, token, "service", false, &c->token_service)) < 0 ||
		    (r = get_string(l, token, "issuer", false, &c->token_issuer)) < 0 ||
		    (r = get_string(l, token, "key", true, &c->token_key)) < 0 ||
		    (r = get_string(l, token, "realm", false, &c->token_realm)) < 0 ||
		    (r = get_seconds(l, token, "expires_in", &c->token_expires_in)) < 0)
			return r;
	}
	json_t *access = json_object_get(auth, "access");
	if (access) {
		if (!json_is_array(access))
			return bad(l, "auth.access", "must be an array of rules");
		c->access = json_incref(access);
	}
	if (!c->htpasswd && !access && !c->anonymous_pull)
		return bad(l, "auth", "needs \"htpasswd\" (users) or \"access\" rules");
	return 0;
}

int cn_serve_config_load(struct cn_serve_config *c, const char *path, struct cn_error *err)
{
	json_error_t jerr;
	json_t *root __attribute__((cleanup(json_decrefp))) =
		json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return cn_error_set(err, -EINVAL, "%s: line %d: %s", path, jerr.line, jerr.text);
	if (!json_is_object(root))
		return cn_error_set(err, -EINVAL, "%s: not a JSON object", path);
	cleanup_free char *copy = xstrdup(path);
	struct loader l = { .file = path, .dir = dirname(copy), .err = err };
	int r = 0;
	json_t *tls, *log, *uploads, *auth;
	if ((r = get_string(&l, root, "addr", false, &c->addr)) < 0 ||
	    (r = get_string(&l, root, "storage", true, &c->storage)) < 0)
		return r;
	if ((tls = get_object(&l, root, "tls", &r)) && r == 0) {
		if ((r = get_string(&l, tls, "certificate", true, &c->tls_cert)) < 0 ||
		    (r = get_string(&l, tls, "key", true, &c->tls_key)) < 0)
			return r;
		if (!c->tls_cert || !c->tls_key)
			return bad(&l, "tls", "needs both \"certificate\" and \"key\"");
	}
	if (r < 0)
		return r;
	if ((log = get_object(&l, root, "log", &r)) && r == 0) {
		cleanup_free char *format = NULL;
		if ((r = get_string(&l, log, "format", false, &format)) < 0)
			return r;
		if (format && strcmp(format, "json") != 0 && strcmp(format, "text") != 0)
			return bad(&l, "log.format", "must be \"text\" or \"json\"");
		c->log_json = format && strcmp(format, "json") == 0;
	}
	if (r < 0)
		return r;
	if ((uploads = get_object(&l, root, "uploads", &r)) && r == 0 &&
	    (r = get_seconds(&l, uploads, "expiry", &c->upload_expiry_s)) < 0)
		return r;
	if (r < 0)
		return r;
	if ((auth = get_object(&l, root, "auth", &r)) && r == 0)
		r = load_auth(&l, c, auth);
	if (r < 0)
		return r;
	if (!c->realm)
		c->realm = xstrdup("cairn");
	if (!c->token_service)
		c->token_service = xstrdup("cairn");
	if (!c->token_issuer)
		c->token_issuer = xstrdup("cairn");
	return 0;
}
