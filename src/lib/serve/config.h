/*
 * `cairn serve --config-file FILE`: the registry's settings, a JSON object. Every key is
 * optional; relative paths are relative to the file's directory.
 *
 *   {
 *     "addr": "127.0.0.1:5000",             (--addr overrides)
 *     "storage": "DIR",                     (--storage overrides; default ROOT/registry)
 *     "tls": {"certificate": "cert.pem", "key": "key.pem"},
 *     "log": {"format": "text" | "json"},   (--log-format overrides)
 *     "uploads": {"expiry": 3600},          (seconds an idle upload session lives)
 *     "auth": {
 *       "realm": "cairn",                   (Basic realm)
 *       "htpasswd": "users.htpasswd",       (bcrypt entries, `htpasswd -B`)
 *       "anonymous_pull": false,
 *       "token": {"service": "cairn", "issuer": "cairn", "key": "token.pem",
 *                 "expires_in": 300, "realm": "https://host/token"},
 *       "access": [{"repository": "GLOB", "users": ["alice", "*", "anonymous"],
 *                   "actions": ["pull", "push", "delete"]}]
 *     }
 *   }
 *
 * With no "auth" at all, everyone may pull and push (docker-registry's default). With
 * "htpasswd" only, clients authenticate with Basic; with "token" too, the server answers with
 * Bearer challenges pointing at its own /token service (Docker's token spec).
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

struct json_t;

struct cn_serve_config {
	char *addr;
	char *storage;
	char *tls_cert; /* PEM files */
	char *tls_key;
	bool log_json;
	int64_t upload_expiry_s;

	bool auth;	     /* any auth configured */
	char *realm;	     /* Basic realm */
	char *htpasswd;	     /* path, or NULL */
	bool anonymous_pull; /* with auth: anonymous clients may pull */
	bool token;	     /* Bearer challenges + /token */
	char *token_service;
	char *token_issuer;
	char *token_key;   /* path; NULL = STORAGE/state/token-key.pem, made on first start */
	char *token_realm; /* NULL = http(s)://<Host of the request>/token */
	int64_t token_expires_in;
	struct json_t *access; /* the "access" array (owned reference) or NULL */
};

/* Defaults with no file. */
void cn_serve_config_init(struct cn_serve_config *c);
/* Reads FILE over the defaults. -EINVAL with "FILE: KEY: why" for a bad value. */
int cn_serve_config_load(struct cn_serve_config *c, const char *path, struct cn_error *err);
void cn_serve_config_release(struct cn_serve_config *c);
