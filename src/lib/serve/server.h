/*
 * `cairn serve`: an OCI distribution-spec v1.1 registry (all four categories: pull, push,
 * content discovery, content management), Docker Hub's /v1/search, Basic (htpasswd) and
 * Bearer (Docker's token spec, served by the registry itself at /token) auth, TLS, and one
 * log line per request. HTTP comes from libmicrohttpd (a pool of epoll threads, blobs sent with
 * sendfile); storage is src/lib/regstore.
 */
#pragma once
#include "base/error.h"
#include "lib/serve/config.h"

struct cn_server;

/*
 * Opens the storage `c->storage`, loads users and keys, binds `c->addr` ("HOST:PORT"; port 0 =
 * a free port; HOST may be a name, an IPv4 or a bracketed IPv6 address) and starts serving on
 * background threads. Request logs go to `log_fd` (one line each, text or JSON per the
 * config). `c` must outlive the server.
 */
int cn_server_start(const struct cn_serve_config *c, int log_fd, struct cn_server **ret,
		    struct cn_error *err);
/* "http://127.0.0.1:5000" (the bound address, with the real port). */
const char *cn_server_url(const struct cn_server *s);
/* Periodic work (pull counts to disk, expired uploads): the caller runs it every few seconds. */
void cn_server_tick(struct cn_server *s);
/* Stops accepting, finishes (or drops) connections, flushes and frees. Accepts NULL. */
struct cn_server *cn_server_free(struct cn_server *s);
