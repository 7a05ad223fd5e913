/* Shared by the server's source files; not part of the library's API. */
#pragma once
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "lib/auth/access.h"
#include "lib/auth/htpasswd.h"
#include "lib/auth/token.h"
#include "lib/regstore/regstore.h"
#include "lib/serve/config.h"
#include "lib/serve/route.h"
#include "lib/serve/server.h"

struct cn_server {
	const struct cn_serve_config *cfg;
	struct cn_regstore *rs;
	struct cn_htpasswd *users;	/* NULL without htpasswd */
	struct cn_token_key *token_key; /* NULL without token auth */
	struct cn_access_rules *rules;	/* NULL without auth */
	struct MHD_Daemon *mhd;
	char *tls_cert_pem, *tls_key_pem;
	bool tls;
	int log_fd;
	char url[128];
};

enum http_method { M_OTHER, M_GET, M_HEAD, M_PUT, M_POST, M_PATCH, M_DELETE };

/* What a request's body is for. */
enum body_mode {
	BODY_NONE,    /* no body expected: any sent is discarded */
	BODY_BUFFER,  /* kept in memory up to a limit (manifest PUT) */
	BODY_UPLOAD,  /* streamed into an upload session */
	BODY_DISCARD, /* an answer is decided already: drain the body */
};

/* One request, from its headers to the log line (MHD's per-request pointer). */
struct request {
	struct cn_server *srv;
	struct MHD_Connection *conn;
	struct cn_route route;
	enum http_method method;
	char method_name[12];
	char path[512]; /* for the log, truncated */
	struct timespec start;
	char user[CN_AUTH_USER_MAX];	     /* "" when anonymous */
	bool identity_known, identity_valid; /* listing_visible()'s one look at the credentials */

	enum body_mode body_mode;
	struct strbuf body;
	uint64_t body_limit;
	bool body_too_big;
	uint64_t bytes_in;

	struct cn_upload *upload; /* claimed session (BODY_UPLOAD and upload routes) */
	bool upload_new;	  /* started by this request (POST ?digest=) */
	char upload_id[CN_UPLOAD_ID_MAX];
	int upload_err; /* first write error, answered at the end */
	struct cn_error err;

	/* The answer, once decided (the log reads it). */
	unsigned status;
	uint64_t bytes_out;
	bool answered;
};

/* --- responses (server.c); each returns MHD's result for the access handler --- */
enum MHD_Result respond(struct request *rq, unsigned status, struct MHD_Response *resp);
enum MHD_Result respond_json(struct request *rq, unsigned status, const char *content_type,
			     const char *body, size_t len, struct MHD_Response **ret_resp);
/* A response in the spec's error shape {"errors":[{"code","message","detail"}]} (detail may be
 * NULL) for the caller to add headers to and respond() with; NULL when MHD cannot make one. */
struct MHD_Response *error_response(struct request *rq, const char *code, const char *message,
				    const char *detail);
/* error_response() answered at once. */
enum MHD_Result respond_error(struct request *rq, unsigned status, const char *code,
			      const char *message, const char *detail);
enum MHD_Result respond_empty(struct request *rq, unsigned status, struct MHD_Response **ret);
/* Adds a header to a response being built. */
void add_header(struct MHD_Response *resp, const char *name, const char *value);
const char *request_header(struct request *rq, const char *name);
const char *request_query(struct request *rq, const char *name);

/* --- auth (auth.c) --- */
/* Checks the request may do `actions` on repository `name` (or the catalog when name is
 * NULL); answers 401/403 itself and returns false when not. */
bool authorize(struct request *rq, const char *name, unsigned actions, enum MHD_Result *ret);
/* Actions the request's credentials give on a repository (0 when they are invalid). */
unsigned allowed_actions(struct request *rq, const char *type, const char *name);
/* Whether a listing (catalog, search) shows repository `name` to this client: its user (from
 * Basic credentials or a token's subject) may pull it by the rules. */
bool listing_visible(struct request *rq, const char *name);
enum MHD_Result handle_token(struct request *rq);
/* The realm/Host-derived base URL ("http://host:port") of this request. */
void request_base_url(struct request *rq, char *buf, size_t len);

/* --- the /v2 API (v2.c) --- */
/* First call: decide the body mode, answer early errors. */
enum MHD_Result v2_begin(struct request *rq);
/* The body has been read (or there was none): answer. */
enum MHD_Result v2_finish(struct request *rq);
/* A piece of body for BODY_UPLOAD. */
void v2_upload_data(struct request *rq, const char *data, size_t len);

/* --- /v1 (v1.c) --- */
enum MHD_Result handle_v1_ping(struct request *rq);
enum MHD_Result handle_v1_search(struct request *rq);
