/*
 * Who may do what: Basic credentials checked against htpasswd, Bearer tokens issued by the
 * built-in token service (/token, Docker's token spec) and verified here, and the
 * per-repository access rules. With no auth configured everyone may do everything.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/serve/server-internal.h"

#define TOKEN_SCOPES_MAX 16

/* Characters a Host header may carry into a URL we hand back. */
static bool host_is_safe(const char *h)
{
	return h && *h && strlen(h) < 256 &&
	       h[strspn(h, "abcdefghijklmnopqrstuvwxyz"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")] == '\0';
}

void request_base_url(struct request *rq, char *buf, size_t len)
{
	const char *host = request_header(rq, MHD_HTTP_HEADER_HOST);
	if (host_is_safe(host))
		(void)snprintf(buf, len, "%s://%s", rq->srv->tls ? "https" : "http", host);
	else
		(void)snprintf(buf, len, "%s", rq->srv->url);
}

enum cred_state { CRED_NONE, CRED_VALID, CRED_INVALID };

/* Reads the Authorization header: sets rq->user, and the verified token's claims. */
static enum cred_state credentials(struct request *rq, struct cn_token_claims *claims,
				   bool *ret_bearer)
{
	struct cn_server *srv = rq->srv;
	struct cn_authorization a;
	*ret_bearer = false;
	if (cn_authorization_parse(request_header(rq, MHD_HTTP_HEADER_AUTHORIZATION), &a) < 0)
		return CRED_INVALID;
	enum cred_state st = CRED_NONE;
	if (a.scheme == CN_AUTH_BASIC) {
		st = srv->users && cn_htpasswd_check(srv->users, a.user, a.password) ? CRED_VALID
										     : CRED_INVALID;
		if (st == CRED_VALID)
			(void)snprintf(rq->user, sizeof(rq->user), "%s", a.user);
	} else if (a.scheme == CN_AUTH_BEARER) {
		*ret_bearer = true;
		const struct cn_serve_config *c = srv->cfg;
		if (srv->token_key &&
		    cn_token_verify(srv->token_key, a.token, c->token_issuer, c->token_service,
				    (int64_t)time(NULL), claims, NULL) == 0) {
			st = CRED_VALID;
			(void)snprintf(rq->user, sizeof(rq->user), "%s", claims->subject);
		} else {
			st = CRED_INVALID;
		}
	}
	cn_authorization_release(&a);
	return st;
}

static unsigned token_grants(const struct cn_token_claims *c, const char *type, const char *name)
{
	unsigned actions = 0;
	for (size_t i = 0; i < c->n_access; i++)
		if (strcmp(c->access[i].type, type) == 0 && strcmp(c->access[i].name, name) == 0)
			actions |= c->access[i].actions;
	return actions;
}

/* Actions allowed, and how the request authenticated. */
static unsigned evaluate(struct request *rq, const char *type, const char *name,
			 enum cred_state *ret_state, bool *ret_bearer)
{
	struct cn_token_claims claims;
	memset(&claims, 0, sizeof(claims));
	enum cred_state st = credentials(rq, &claims, ret_bearer);
	unsigned actions = 0;
	if (st == CRED_VALID && *ret_bearer)
		actions = token_grants(&claims, type, name);
	else if (st != CRED_INVALID)
		actions = cn_access_rules_allowed(rq->srv->rules,
						  st == CRED_VALID ? rq->user : NULL, type, name);
	cn_token_claims_release(&claims);
	*ret_state = st;
	return actions;
}

unsigned allowed_actions(struct request *rq, const char *type, const char *name)
{
	if (!rq->srv->cfg->auth)
		return CN_ACTION_ALL;
	enum cred_state st;
	bool bearer;
	return evaluate(rq, type, name, &st, &bearer);
}

bool listing_visible(struct request *rq, const char *name)
{
	if (!rq->srv->cfg->auth)
		return true;
	if (!rq->identity_known) {
		struct cn_token_claims claims;
		memset(&claims, 0, sizeof(claims));
		bool bearer;
		rq->identity_valid = credentials(rq, &claims, &bearer) == CRED_VALID;
		rq->identity_known = true;
		cn_token_claims_release(&claims);
	}
	/* A token names what it grants for one request; a listing shows what its user may pull. */
	const char *user = rq->identity_valid && rq->user[0] ? rq->user : NULL;
	return cn_access_rules_allowed(rq->srv->rules, user, "repository", name) & CN_ACTION_PULL;
}

static enum MHD_Result challenge(struct request *rq, unsigned status, const char *type,
				 const char *name, unsigned actions, bool insufficient)
{
	const struct cn_serve_config *c = rq->srv->cfg;
	char value[1024];
	if (c->token) {
		char base[300], acts[64], scope[400] = "";
		request_base_url(rq, base, sizeof(base));
		cleanup_free char *realm =
			c->token_realm ? xstrdup(c->token_realm) : xasprintf("%s/token", base);
		if (type && strcmp(type, "registry") == 0) {
			(void)snprintf(scope, sizeof(scope), ",scope=\"registry:catalog:*\"");
		} else if (type) {
			(void)cn_actions_format(actions, acts, sizeof(acts));
			(void)snprintf(scope, sizeof(scope), ",scope=\"%s:%s:%s\"", type, name,
				       acts);
		}
		(void)snprintf(value, sizeof(value), "Bearer realm=\"%s\",service=\"%s\"%s%s",
			       realm, c->token_service, scope,
			       insufficient ? ",error=\"insufficient_scope\"" : "");
	} else {
		(void)snprintf(value, sizeof(value), "Basic realm=\"%s\"", c->realm);
	}
	const char *code = status == MHD_HTTP_FORBIDDEN ? "DENIED" : "UNAUTHORIZED";
	const char *msg = status == MHD_HTTP_FORBIDDEN
				  ? "requested access to the resource is denied"
				  : "authentication required";
	struct MHD_Response *resp = error_response(rq, code, msg, NULL);
	if (resp)
		add_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, value);
	return respond(rq, status, resp);
}

bool authorize(struct request *rq, const char *name, unsigned actions, enum MHD_Result *ret)
{
	if (!rq->srv->cfg->auth)
		return true;
	/* No name: the ping (any valid credentials, or anonymous pull) or the catalog. */
	bool ping = rq->route.kind == CN_ROUTE_PING;
	const char *type = name ? "repository" : "registry";
	const char *target = name ? name : "catalog";
	enum cred_state st;
	bool bearer;
	unsigned allowed = evaluate(rq, type, target, &st, &bearer);
	if (ping) {
		/* Docker logs in by pinging /v2/: credentials or a token must be asked for. */
		if (st == CRED_VALID)
			return true;
		*ret = challenge(rq, MHD_HTTP_UNAUTHORIZED, NULL, NULL, 0, false);
		return false;
	}
	if ((allowed & actions) == actions && st != CRED_INVALID)
		return true;
	if (!name)
		actions = CN_ACTION_ALL; /* registry:catalog:* */
	if (st == CRED_VALID && !bearer)
		*ret = challenge(rq, MHD_HTTP_FORBIDDEN, type, target, actions, false);
	else
		*ret = challenge(rq, MHD_HTTP_UNAUTHORIZED, type, target, actions,
				 st == CRED_VALID);
	return false;
}

/* --------------------------------------------------------------------- /token */

struct scope_list {
	struct cn_access v[TOKEN_SCOPES_MAX];
	size_t n;
	bool bad;
};

static enum MHD_Result collect_scope(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	(void)kind;
	struct scope_list *l = cls;
	if (strcmp(key, "scope") != 0 || !value)
		return MHD_YES;
	/* A scope parameter may hold several scopes separated by spaces. */
	const char *p = value;
	while (*p) {
		size_t len = strcspn(p, " ");
		char one[CN_ROUTE_NAME_MAX + 64];
		if (len > 0) {
			if (l->n == TOKEN_SCOPES_MAX || len >= sizeof(one)) {
				l->bad = true;
				return MHD_YES;
			}
			memcpy(one, p, len);
			one[len] = '\0';
			if (cn_scope_parse(one, &l->v[l->n]) < 0) {
				l->bad = true;
				return MHD_YES;
			}
			l->n++;
		}
		p += len + (p[len] == ' ');
	}
	return MHD_YES;
}

enum MHD_Result handle_token(struct request *rq)
{
	struct cn_server *srv = rq->srv;
	const struct cn_serve_config *c = srv->cfg;
	if (!srv->token_key)
		return respond_error(rq, MHD_HTTP_NOT_FOUND, "UNSUPPORTED",
				     "this registry has no token service", NULL);
	struct cn_authorization a;
	if (cn_authorization_parse(request_header(rq, MHD_HTTP_HEADER_AUTHORIZATION), &a) < 0)
		return respond_error(rq, MHD_HTTP_BAD_REQUEST, "UNAUTHORIZED",
				     "malformed Authorization header", NULL);
	bool anonymous = a.scheme != CN_AUTH_BASIC;
	bool ok = anonymous || (srv->users && cn_htpasswd_check(srv->users, a.user, a.password));
	if (!anonymous && ok)
		(void)snprintf(rq->user, sizeof(rq->user), "%s", a.user);
	cn_authorization_release(&a);
	if (!ok) {
		struct MHD_Response *resp =
			error_response(rq, "UNAUTHORIZED", "incorrect username or password", NULL);
		char value[300];
		(void)snprintf(value, sizeof(value), "Basic realm=\"%s\"", c->realm);
		if (resp)
			add_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, value);
		return respond(rq, MHD_HTTP_UNAUTHORIZED, resp);
	}
	struct scope_list scopes = { .n = 0 };
	(void)MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, collect_scope, &scopes);
	if (scopes.bad)
		return respond_error(rq, MHD_HTTP_BAD_REQUEST, "UNSUPPORTED", "invalid scope",
				     NULL);
	/* Grant what was asked for and what the rules allow; nothing more. */
	struct cn_token_claims claims;
	memset(&claims, 0, sizeof(claims));
	claims.access = xcalloc(scopes.n ? scopes.n : 1, sizeof(*claims.access));
	for (size_t i = 0; i < scopes.n; i++) {
		struct cn_access *s = &scopes.v[i];
		unsigned granted = s->actions & cn_access_rules_allowed(srv->rules,
									anonymous ? NULL : rq->user,
									s->type, s->name);
		if (granted == 0)
			continue;
		claims.access[claims.n_access] = *s;
		claims.access[claims.n_access++].actions = granted;
	}
	int64_t now = (int64_t)time(NULL);
	(void)snprintf(claims.issuer, sizeof(claims.issuer), "%s", c->token_issuer);
	(void)snprintf(claims.audience, sizeof(claims.audience), "%s", c->token_service);
	(void)snprintf(claims.subject, sizeof(claims.subject), "%s", rq->user);
	claims.issued_at = now;
	claims.not_before = now - 10;
	claims.expires_at = now + c->token_expires_in;
	struct strbuf jwt;
	strbuf_init(&jwt, 1024);
	int r = cn_token_issue(srv->token_key, &claims, &jwt, &rq->err);
	cn_token_claims_release(&claims);
	if (r < 0) {
		strbuf_release(&jwt);
		return respond_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "UNKNOWN",
				     "cannot issue a token", cn_error_message(&rq->err, r));
	}
	char issued[32];
	time_t t = (time_t)now;
	struct tm tm;
	(void)strftime(issued, sizeof(issued), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	json_t *doc = json_pack("{s:s,s:s,s:I,s:s}", "token", jwt.buf, "access_token", jwt.buf,
				"expires_in", (json_int_t)c->token_expires_in, "issued_at", issued);
	strbuf_release(&jwt);
	char *s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	enum MHD_Result ret = respond_json(rq, MHD_HTTP_OK, "application/json", s, strlen(s), NULL);
	free(s);
	return ret;
}
