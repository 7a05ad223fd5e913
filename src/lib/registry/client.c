#include "lib/registry/client-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/log.h"
#include "lib/registry/auth.h"
#include "lib/registry/credentials.h"

#define TOKEN_BODY_MAX (1u << 20)
#define ERROR_BODY_MAX (64u << 10)

struct token {
	char *scope;
	char *header; /* "Authorization: Bearer ..." */
	time_t expires;
};

struct cn_registry {
	char *domain;
	char *base_url;	  /* scheme://host[:port] of the registry API */
	char *search_url; /* where /v1/search lives (index.docker.io for Docker Hub) */
	char *ca_file;	  /* certs.d/<domain>/ca.crt, trusted for this registry only, or NULL */
	struct cn_credentials creds;
	bool has_creds;
	pthread_mutex_t lock; /* guards challenge and tokens */
	struct cn_challenge challenge;
	bool challenged;
	struct token *tokens;
	size_t n_tokens, alloc_tokens;
};

bool cn_registry_host_is_loopback(const char *domain)
{
	char host[256];
	const char *end;
	if (domain[0] == '[') {
		end = strchr(domain, ']');
		if (!end)
			return false;
		(void)snprintf(host, sizeof(host), "%.*s", (int)(end - domain - 1), domain + 1);
	} else {
		(void)snprintf(host, sizeof(host), "%.*s", (int)strcspn(domain, ":"), domain);
	}
	struct in_addr a4;
	struct in6_addr a6;
	if (strcmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/*
 * A CA certificate for `domain` in docker's certs.d layout: CONFIG_DIR/certs.d/<domain>/ca.crt,
 * else /etc/docker/certs.d/<domain>/ca.crt (so an existing docker setup just works).
 */
static char *find_ca_file(const char *config_dir, const char *domain)
{
	cleanup_free char *dir = cn_credentials_config_dir(config_dir);
	char *path = xasprintf("%s/certs.d/%s/ca.crt", dir, domain);
	if (access(path, R_OK) == 0)
		return path;
	free(path);
	path = xasprintf("/etc/docker/certs.d/%s/ca.crt", domain);
	if (access(path, R_OK) == 0)
		return path;
	free(path);
	return NULL;
}

int cn_registry_new(const char *domain, const struct cn_registry_options *opts,
		    struct cn_registry **ret, struct cn_error *err)
{
	struct cn_registry *reg = xcalloc(1, sizeof(*reg));
	reg->ca_file = find_ca_file(opts->config_dir, domain);
	/* Loopback is plain HTTP like docker's built-in insecure range, unless a CA for it is
	 * installed: then the registry serves TLS and we verify it. */
	bool plain = opts->insecure || (cn_registry_host_is_loopback(domain) && !reg->ca_file);
	const char *scheme = plain ? "http" : "https";
	reg->domain = xstrdup(domain);
	pthread_mutex_init(&reg->lock, NULL);
	if (strcmp(domain, "docker.io") == 0) {
		reg->base_url = xstrdup("https://registry-1.docker.io");
		reg->search_url = xstrdup("https://index.docker.io");
	} else {
		reg->base_url = xasprintf("%s://%s", scheme, domain);
		reg->search_url = xstrdup(reg->base_url);
	}
	if (opts->username && opts->password) {
		reg->creds.username = xstrdup(opts->username);
		reg->creds.password = xstrdup(opts->password);
		reg->has_creds = true;
	} else {
		cleanup_free char *dir = cn_credentials_config_dir(opts->config_dir);
		int r = cn_credentials_lookup(dir, domain, &reg->creds, err);
		if (r < 0) {
			cn_registry_free(reg);
			return r;
		}
		reg->has_creds = r > 0;
	}
	*ret = reg;
	return 0;
}

struct cn_registry *cn_registry_free(struct cn_registry *reg)
{
	if (!reg)
		return NULL;
	for (size_t i = 0; i < reg->n_tokens; i++) {
		free(reg->tokens[i].scope);
		free(reg->tokens[i].header);
	}
	free(reg->tokens);
	cn_credentials_release(&reg->creds);
	pthread_mutex_destroy(&reg->lock);
	free(reg->domain);
	free(reg->base_url);
	free(reg->search_url);
	free(reg->ca_file);
	free(reg);
	return NULL;
}

/* The registry's own CA applies to its own origin only (not to a token service or blob
 * storage elsewhere, which keep the system's CAs). */
static const char *ca_for(const struct cn_registry *reg, const char *url)
{
	size_t n = strlen(reg->base_url);
	if (!reg->ca_file || strncmp(url, reg->base_url, n) != 0 || (url[n] && url[n] != '/'))
		return NULL;
	return reg->ca_file;
}

const char *cn_registry_base_url(const struct cn_registry *reg)
{
	return reg->base_url;
}

const char *cn_registry_search_url(const struct cn_registry *reg)
{
	return reg->search_url;
}

const char *cn_registry_domain(const struct cn_registry *reg)
{
	return reg->domain;
}

static char *basic_header(const struct cn_credentials *c)
{
	cleanup_free char *plain = xasprintf("%s:%s", c->username, c->password);
	size_t len = strlen(plain);
	cleanup_free char *b64 = xmalloc((len + 2) / 3 * 4 + 1);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain, (int)len);
	explicit_bzero(plain, len);
	return xasprintf("Authorization: Basic %s", b64);
}

/* "&scope=A&scope=B" for a space-separated scope list "A B" (a push with a cross-repository
 * mount asks for two repositories in one token, as Docker does). */
static char *scope_params(const char *scope)
{
	struct strbuf sb = STRBUF_INIT;
	while (*scope) {
		size_t n = strcspn(scope, " ");
		if (n > 0) {
			cleanup_free char *one = xstrndup(scope, n);
			cleanup_free char *esc = cn_url_escape(one);
			strbuf_addf(&sb, "&scope=%s", esc);
		}
		scope += n + (scope[n] == ' ');
	}
	return strbuf_detach(&sb, NULL);
}

/* Asks the token service for a token of `scope`. Called with reg->lock held. */
static int fetch_token(struct cn_registry *reg, struct cn_http *h, const char *scope,
		       struct token *ret, struct cn_error *err)
{
	cleanup_free char *service = cn_url_escape(reg->challenge.service);
	cleanup_free char *escope = scope_params(scope);
	cleanup_free char *url =
		xasprintf("%s%cservice=%s%s", reg->challenge.realm,
			  strchr(reg->challenge.realm, '?') ? '&' : '?', service, escope);
	cleanup_free char *auth = reg->has_creds ? basic_header(&reg->creds) : NULL;
	struct curl_slist *headers = auth ? curl_slist_append(NULL, auth) : NULL;
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	struct cn_http_request req = { .url = url,
				       .headers = headers,
				       .body = &body,
				       .max_body = TOKEN_BODY_MAX,
				       .timeout_s = 60,
				       .tls_ca_file = ca_for(reg, url) };
	struct cn_http_response resp;
	int r = cn_http_perform(h, &req, &resp, err);
	curl_slist_free_all(headers);
	if (r < 0)
		return cn_error_prefix(err, r, "token service %s", reg->challenge.realm);
	if (resp.status == 401 || resp.status == 403)
		return cn_error_set(err, -EACCES, "%s (token service answered %ld)",
				    reg->has_creds ? "wrong credentials"
						   : "authentication required",
				    resp.status);
	if (resp.status != 200)
		return cn_error_set(err, -EPROTO, "token service %s answered %ld",
				    reg->challenge.realm, resp.status);
	cleanup_json json_t *j = NULL;
	r = cn_json_parse(body.buf, body.len, &j, err);
	if (r < 0)
		return cn_error_prefix(err, r, "token service %s", reg->challenge.realm);
	const char *tok = cn_json_string(j, "token");
	if (!tok || !*tok)
		tok = cn_json_string(j, "access_token");
	if (!tok || !*tok)
		return cn_error_set(err, -EPROTO, "token service %s sent no token",
				    reg->challenge.realm);
	json_int_t expires_in = json_integer_value(json_object_get(j, "expires_in"));
	if (expires_in < 60)
		expires_in = 60; /* the token spec's default and minimum */
	ret->scope = xstrdup(scope);
	ret->header = xasprintf("Authorization: Bearer %s", tok);
	ret->expires = time(NULL) + (time_t)expires_in - 10;
	return 0;
}

/* The Authorization header for `scope`, fetching a token when needed (newly allocated, or
 * NULL when none applies). `stale` is the header a request was just refused with: a cached
 * token equal to it is dropped and a new one fetched, but a newer one another thread already
 * fetched is used as it is. */
static int authorization(struct cn_registry *reg, struct cn_http *h, const char *scope,
			 const char *stale, char **ret, struct cn_error *err)
{
	int r = 0;
	*ret = NULL;
	pthread_mutex_lock(&reg->lock);
	if (!reg->challenged) {
		r = 0;
	} else if (strcmp(reg->challenge.scheme, "basic") == 0) {
		if (reg->has_creds)
			*ret = basic_header(&reg->creds);
	} else if (strcmp(reg->challenge.scheme, "bearer") == 0) {
		time_t now = time(NULL);
		struct token *t = NULL;
		for (size_t i = 0; i < reg->n_tokens; i++)
			if (strcmp(reg->tokens[i].scope, scope) == 0)
				t = &reg->tokens[i];
		if (t && ((stale && strcmp(t->header, stale) == 0) || t->expires <= now)) {
			free(t->header);
			free(t->scope);
			*t = reg->tokens[--reg->n_tokens];
			t = NULL;
		}
		if (!t) {
			struct token fresh;
			r = fetch_token(reg, h, scope, &fresh, err);
			if (r >= 0) {
				ALLOC_GROW(reg->tokens, reg->n_tokens + 1, reg->alloc_tokens);
				reg->tokens[reg->n_tokens++] = fresh;
				t = &reg->tokens[reg->n_tokens - 1];
			}
		}
		if (t)
			*ret = xstrdup(t->header);
	}
	pthread_mutex_unlock(&reg->lock);
	return r;
}

static void learn_challenge(struct cn_registry *reg, const char *header)
{
	struct cn_challenge c;
	if (!header[0] || cn_challenge_parse(header, &c) < 0)
		return;
	pthread_mutex_lock(&reg->lock);
	reg->challenge = c;
	reg->challenged = true;
	pthread_mutex_unlock(&reg->lock);
}

/*
 * Performs `req` with the registry's auth for `scope`: on a 401 it learns the challenge,
 * gets a fresh token (or uses Basic credentials) and tries once more.
 */
int cn_registry_request(struct cn_registry *reg, struct cn_http *h, const char *scope,
			struct cn_http_request *req, struct cn_http_response *resp,
			struct cn_error *err)
{
	struct curl_slist *extra = req->headers;
	cleanup_free char *refused = NULL;
	int r = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		cleanup_free char *auth = NULL;
		r = authorization(reg, h, scope, refused, &auth, err);
		if (r < 0)
			return r;
		struct curl_slist *headers = NULL;
		for (struct curl_slist *s = extra; s; s = s->next)
			headers = curl_slist_append(headers, s->data);
		if (auth)
			headers = curl_slist_append(headers, auth);
		req->headers = headers;
		req->tls_ca_file = ca_for(reg, req->url);
		r = cn_http_perform(h, req, resp, err);
		curl_slist_free_all(headers);
		req->headers = extra;
		if (r < 0 || resp->status != 401)
			return r;
		learn_challenge(reg, resp->www_authenticate);
		if (req->body)
			strbuf_reset(req->body);
		if (auth && strcmp(reg->challenge.scheme, "basic") == 0)
			break; /* the same Basic credentials will not work a second time */
		if (!auth && !scope[0] && !reg->has_creds)
			break; /* anonymous ping: tokens are asked per repository later */
		free(refused);
		refused = TAKE_PTR(auth);
	}
	return r;
}

/* " (CODE: message)" of the first error in a distribution-spec error body; else the first line
 * of a short plain-text body; else "". */
static void error_detail(const struct strbuf *body, char *buf, size_t len)
{
	json_error_t jerr;
	buf[0] = '\0';
	if (!body || !body->len)
		return;
	json_t *j = json_loadb(body->buf, body->len, 0, &jerr);
	json_t *e = json_array_get(json_object_get(j, "errors"), 0);
	const char *code = cn_json_string(e, "code"), *msg = cn_json_string(e, "message");
	if (code || msg)
		(void)snprintf(buf, len, " (%s%s%s)", code ? code : "", code && msg ? ": " : "",
			       msg ? msg : "");
	json_decref(j);
	if (j || body->len > 512)
		return;
	size_t n = strcspn(body->buf, "\r\n");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)body->buf[i] < 0x20 || (unsigned char)body->buf[i] > 0x7e)
			return; /* not plain text */
	if (n > 0)
		(void)snprintf(buf, len, " (%.*s)", (int)MIN(n, 200), body->buf);
}

/* Maps a non-success status to an errno and a one-line cause; callers prefix what failed. */
int cn_registry_status_error(struct cn_registry *reg, const struct cn_http_response *resp,
			     const struct strbuf *body, struct cn_error *err)
{
	char detail[512];
	error_detail(body, detail, sizeof(detail));
	switch (resp->status) {
	case 401:
		return cn_error_set(err, -EACCES, "%s%s",
				    reg->has_creds ? "wrong credentials (401 Unauthorized)"
						   : "authentication required (401 Unauthorized)",
				    detail);
	case 403:
		return cn_error_set(err, -EACCES, "access denied (403 Forbidden)%s", detail);
	case 404:
		return cn_error_set(err, -ENOENT, "not found (404)%s", detail);
	case 429:
		return cn_error_set(err, -EAGAIN,
				    "too many requests (429; RateLimit-Limit: %s, "
				    "RateLimit-Remaining: %s, Retry-After: %s)",
				    resp->ratelimit_limit[0] ? resp->ratelimit_limit : "-",
				    resp->ratelimit_remaining[0] ? resp->ratelimit_remaining : "-",
				    resp->retry_after[0] ? resp->retry_after : "-");
	default:
		if (resp->status == 400 && strstr(detail, "HTTPS"))
			return cn_error_set(
				err, -EPROTO,
				"the registry speaks TLS: install its CA certificate as "
				"certs.d/%s/ca.crt in the client config directory%s",
				reg->domain, detail);
		return cn_error_set(err, resp->status >= 500 ? -EIO : -EPROTO,
				    "unexpected HTTP status %ld%s", resp->status, detail);
	}
}

static char *scope_pull(const char *repo)
{
	return xasprintf("repository:%s:pull", repo);
}

int cn_registry_ping(struct cn_registry *reg, struct cn_http *h, struct cn_error *err)
{
	cleanup_free char *url = xasprintf("%s/v2/", reg->base_url);
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	struct cn_http_request req = {
		.url = url, .body = &body, .max_body = ERROR_BODY_MAX, .timeout_s = 60
	};
	struct cn_http_response resp;
	int r = cn_registry_request(reg, h, "", &req, &resp, err);
	if (r >= 0 && resp.status == 200)
		return 0;
	/* A Bearer registry answers 401 on /v2/ to anonymous clients: that is fine, tokens
	 * are asked per repository. */
	if (r >= 0 && resp.status == 401 && strcmp(reg->challenge.scheme, "bearer") == 0 &&
	    !reg->has_creds)
		return 0;
	if (r >= 0)
		r = cn_registry_status_error(reg, &resp, &body, err);
	return cn_error_prefix(err, r, "registry %s", reg->domain);
}

void cn_fetched_manifest_release(struct cn_fetched_manifest *m)
{
	strbuf_release(&m->body);
}

static int verify_manifest(const struct cn_http_response *resp, const char *reference,
			   struct cn_fetched_manifest *m, struct cn_error *err)
{
	struct cn_digest want, got;
	bool by_digest = cn_digest_parse(reference, &want) == 0;
	bool have_header = !by_digest && cn_digest_parse(resp->docker_digest, &want) == 0;
	cn_digest_of(by_digest || have_header ? want.algo : CN_DIGEST_SHA256, m->body.buf,
		     m->body.len, &got);
	if ((by_digest || have_header) && !cn_digest_equal(&want, &got))
		return cn_error_set(err, -EBADMSG, "digest mismatch (want %s%s, got %s)", want.str,
				    have_header ? " from Docker-Content-Digest" : "", got.str);
	m->digest = got;
	return 0;
}

int cn_registry_get_manifest(struct cn_registry *reg, struct cn_http *h, const char *repo,
			     const char *reference, struct cn_fetched_manifest *ret,
			     struct cn_error *err)
{
	cleanup_free char *url = xasprintf("%s/v2/%s/manifests/%s", reg->base_url, repo, reference);
	cleanup_free char *accept = xasprintf("Accept: %s", cn_manifest_accept_header());
	cleanup_free char *scope = scope_pull(repo);
	struct curl_slist *headers = curl_slist_append(NULL, accept);
	struct cn_fetched_manifest m = { STRBUF_INIT, "", { 0 } };
	struct cn_http_request req = { .url = url,
				       .headers = headers,
				       .body = &m.body,
				       .max_body = CN_MANIFEST_MAX,
				       .timeout_s = 120 };
	struct cn_http_response resp;
	int r = cn_registry_request(reg, h, scope, &req, &resp, err);
	curl_slist_free_all(headers);
	if (r == -E2BIG)
		r = cn_error_set(err, r, "size limit exceeded (over %u bytes)", CN_MANIFEST_MAX);
	else if (r >= 0 && resp.status != 200)
		r = cn_registry_status_error(reg, &resp, &m.body, err);
	else if (r >= 0)
		r = verify_manifest(&resp, reference, &m, err);
	if (r < 0) {
		cn_fetched_manifest_release(&m);
		return cn_error_prefix(err, r, "registry %s: repository %s: manifest %s",
				       reg->domain, repo, reference);
	}
	(void)snprintf(m.content_type, sizeof(m.content_type), "%s", resp.content_type);
	*ret = m;
	return 0;
}
