/* The HTTP side of `cairn serve`: the daemon, each request's life, responses, logs. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/serve/server-internal.h"

#define REQUEST_LOG_MAX	     1024
#define CONNECTION_LIMIT     4096
#define CONNECTION_TIMEOUT_S 300

/* --------------------------------------------------------------------- responses */

void add_header(struct MHD_Response *resp, const char *name, const char *value)
{
	if (resp)
		(void)MHD_add_response_header(resp, name, value);
}

const char *request_header(struct request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *request_query(struct request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

enum MHD_Result respond(struct request *rq, unsigned status, struct MHD_Response *resp)
{
	if (!resp)
		return MHD_NO;
	if (rq->route.kind != CN_ROUTE_NOT_FOUND && rq->route.kind != CN_ROUTE_TOKEN &&
	    rq->route.kind != CN_ROUTE_V1_PING && rq->route.kind != CN_ROUTE_V1_SEARCH)
		add_header(resp, "Docker-Distribution-API-Version", "registry/2.0");
	rq->status = status;
	rq->answered = true;
	/* The client may send its next request for this upload on another connection as soon as
	 * it reads this answer, before MHD reports this one complete: give the session back now.
	 * Any body still coming is drained. */
	if (rq->upload) {
		cn_upload_release(rq->upload);
		rq->upload = NULL;
	}
	rq->body_mode = BODY_DISCARD;
	enum MHD_Result r = MHD_queue_response(rq->conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

enum MHD_Result respond_json(struct request *rq, unsigned status, const char *content_type,
			     const char *body, size_t len, struct MHD_Response **ret_resp)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (ret_resp)
		*ret_resp = resp; /* NULL when out of memory: add_header() and respond() cope */
	if (!resp)
		return MHD_NO;
	add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	rq->bytes_out = rq->method == M_HEAD ? 0 : len;
	if (ret_resp) /* the caller adds headers, then respond()s */
		return MHD_YES;
	return respond(rq, status, resp);
}

enum MHD_Result respond_empty(struct request *rq, unsigned status, struct MHD_Response **ret)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (ret) {
		*ret = resp; /* NULL when out of memory: add_header() and respond() cope */
		return resp ? MHD_YES : MHD_NO;
	}
	if (!resp)
		return MHD_NO;
	return respond(rq, status, resp);
}

struct MHD_Response *error_response(struct request *rq, const char *code, const char *message,
				    const char *detail)
{
	json_t *e = json_pack("{s:s, s:s}", "code", code, "message", message);
	if (detail)
		json_object_set_new(e, "detail", json_string(detail));
	json_t *doc = json_pack("{s:[o]}", "errors", e);
	char *s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	struct MHD_Response *resp = NULL;
	(void)respond_json(rq, 0, "application/json", s, strlen(s), &resp);
	free(s);
	return resp;
}

enum MHD_Result respond_error(struct request *rq, unsigned status, const char *code,
			      const char *message, const char *detail)
{
	return respond(rq, status, error_response(rq, code, message, detail));
}

/* --------------------------------------------------------------------- logs */

static void json_escape_into(struct strbuf *sb, const char *s)
{
	json_t *v = json_string(s);
	char *enc = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
	strbuf_addstr(sb, enc ? enc : "\"\"");
	free(enc);
	json_decref(v);
}

static void log_request(struct request *rq)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double ms = (double)(now.tv_sec - rq->start.tv_sec) * 1e3 +
		    (double)(now.tv_nsec - rq->start.tv_nsec) / 1e6;
	char when[32], remote[INET6_ADDRSTRLEN] = "-";
	time_t t = time(NULL);
	struct tm tm;
	(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		const void *a =
			sa->sa_family == AF_INET6
				? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
				: (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
		(void)inet_ntop(sa->sa_family, a, remote, sizeof(remote));
	}
	unsigned status = rq->answered ? rq->status : 499; /* the client went away first */
	struct strbuf sb;
	strbuf_init(&sb, 256);
	if (rq->srv->cfg->log_json) {
		strbuf_addf(&sb, "{\"time\":\"%s\",\"remote\":\"%s\",\"method\":", when, remote);
		json_escape_into(&sb, rq->method_name);
		strbuf_addstr(&sb, ",\"path\":");
		json_escape_into(&sb, rq->path);
		strbuf_addf(
			&sb,
			",\"status\":%u,\"bytes_in\":%llu,\"bytes_out\":%llu,\"ms\":%.3f,\"user\":",
			status, (unsigned long long)rq->bytes_in, (unsigned long long)rq->bytes_out,
			ms);
		json_escape_into(&sb, rq->user);
		strbuf_addstr(&sb, "}\n");
	} else {
		strbuf_addf(&sb, "%s %s %s %s %u in=%llu out=%llu %.3fms user=%s\n", when, remote,
			    rq->method_name, rq->path, status, (unsigned long long)rq->bytes_in,
			    (unsigned long long)rq->bytes_out, ms, rq->user[0] ? rq->user : "-");
	}
	/* One write per line: lines of concurrent requests never interleave. */
	(void)cn_write_full(rq->srv->log_fd, sb.buf,
			    sb.len < REQUEST_LOG_MAX ? sb.len : REQUEST_LOG_MAX);
	strbuf_release(&sb);
}

/* --------------------------------------------------------------------- requests */

static enum http_method parse_method(const char *m)
{
	static const struct {
		const char *name;
		enum http_method m;
	} methods[] = { { "GET", M_GET },   { "HEAD", M_HEAD },	  { "PUT", M_PUT },
			{ "POST", M_POST }, { "PATCH", M_PATCH }, { "DELETE", M_DELETE } };
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(m, methods[i].name) == 0)
			return methods[i].m;
	return M_OTHER;
}

static bool method_has_body(enum http_method m)
{
	return m == M_PUT || m == M_POST || m == M_PATCH || m == M_OTHER;
}

static struct request *request_new(struct cn_server *srv, struct MHD_Connection *conn,
				   const char *url, const char *method)
{
	struct request *rq = xcalloc(1, sizeof(*rq));
	rq->srv = srv;
	rq->conn = conn;
	clock_gettime(CLOCK_MONOTONIC, &rq->start);
	rq->method = parse_method(method);
	(void)snprintf(rq->method_name, sizeof(rq->method_name), "%s", method);
	(void)snprintf(rq->path, sizeof(rq->path), "%s", url);
	strbuf_init(&rq->body, 0);
	cn_route_parse(url, &rq->route);
	return rq;
}

static void request_free(struct request *rq)
{
	if (rq->upload)
		cn_upload_release(rq->upload);
	strbuf_release(&rq->body);
	free(rq);
}

/* First call for a request: the headers are in. Routes that take no body answer now. */
static enum MHD_Result request_begin(struct request *rq)
{
	switch (rq->route.kind) {
	case CN_ROUTE_V1_PING:
		return handle_v1_ping(rq);
	case CN_ROUTE_V1_SEARCH:
		return handle_v1_search(rq);
	case CN_ROUTE_TOKEN:
		if (rq->method == M_GET)
			return handle_token(rq);
		/* Docker tries the OAuth2 POST first and falls back to GET on a 404. */
		return respond_error(rq, MHD_HTTP_NOT_FOUND, "UNSUPPORTED",
				     "the token service answers GET only", NULL);
	case CN_ROUTE_NOT_FOUND:
		return respond_error(rq, MHD_HTTP_NOT_FOUND, "NOT_FOUND", "no such endpoint",
				     rq->path);
	default:
		return v2_begin(rq);
	}
}

static void body_data(struct request *rq, const char *data, size_t len)
{
	rq->bytes_in += len;
	switch (rq->body_mode) {
	case BODY_BUFFER:
		if (rq->body.len + len > rq->body_limit)
			rq->body_too_big = true;
		else
			strbuf_add(&rq->body, data, len);
		break;
	case BODY_UPLOAD:
		v2_upload_data(rq, data, len);
		break;
	default:
		break;
	}
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	(void)version;
	struct request *rq = *con_cls;
	if (!rq) {
		rq = request_new(cls, conn, url, method);
		*con_cls = rq;
		/* A request without a body is answered on the next call, once MHD has read it
		 * whole: an answer queued before that makes MHD close the connection. */
		if (!method_has_body(rq->method))
			return MHD_YES;
		return request_begin(rq);
	}
	if (*upload_data_size > 0) {
		body_data(rq, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->answered)
		return MHD_YES;
	if (!method_has_body(rq->method))
		return request_begin(rq);
	return v2_finish(rq);
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct request *rq = *con_cls;
	if (!rq)
		return;
	log_request(rq);
	request_free(rq);
	*con_cls = NULL;
}

/* --------------------------------------------------------------------- the daemon */

/* Splits "HOST:PORT" / "[V6]:PORT" / ":PORT" and binds a listening socket. */
static int listen_on(const char *addr, char *ret_url_host, size_t hostlen, unsigned *ret_port,
		     struct cn_error *err)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	if (!colon || colon[1] == '\0')
		return cn_error_set(err, -EINVAL, "--addr %s: want HOST:PORT", addr);
	size_t n = (size_t)(colon - addr);
	const char *h = addr;
	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n >= sizeof(host))
		return cn_error_set(err, -EINVAL, "--addr %s: host name too long", addr);
	memcpy(host, h, n);
	host[n] = '\0';
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *ai = NULL;
	int g = getaddrinfo(n ? host : NULL, colon + 1, &hints, &ai);
	if (g != 0)
		return cn_error_set(err, -EINVAL, "--addr %s: %s", addr, gai_strerror(g));
	int fd = -1, r = -EADDRNOTAVAIL;
	for (struct addrinfo *p = ai; p && fd < 0; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			r = -errno;
			continue;
		}
		int one = 1;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, p->ai_addr, p->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
			r = -errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return cn_error_errno(err, r, "listening on %s", addr);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char numeric[INET6_ADDRSTRLEN] = "";
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			(void)inet_ntop(AF_INET6, &s6->sin6_addr, numeric, sizeof(numeric));
			*ret_port = ntohs(s6->sin6_port);
			(void)snprintf(ret_url_host, hostlen, "[%s]", numeric);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			(void)inet_ntop(AF_INET, &s4->sin_addr, numeric, sizeof(numeric));
			*ret_port = ntohs(s4->sin_port);
			(void)snprintf(ret_url_host, hostlen, "%s", numeric);
		}
	}
	return fd;
}

static int read_pem(const char *path, const char *what, char **ret, struct cn_error *err)
{
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r = fd < 0 ? -errno : cn_read_fd(fd, 1 << 20, &sb);
	if (r < 0) {
		strbuf_release(&sb);
		return cn_error_errno(err, r, "tls %s %s", what, path);
	}
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

static int load_auth(struct cn_server *s, struct cn_error *err)
{
	const struct cn_serve_config *c = s->cfg;
	int r;
	if (!c->auth)
		return 0;
	if (c->htpasswd && (r = cn_htpasswd_load(c->htpasswd, &s->users, err)) < 0)
		return r;
	if ((r = cn_access_rules_parse(c->access, c->anonymous_pull, &s->rules, err)) < 0)
		return r;
	if (c->token) {
		cleanup_free char *def = NULL;
		const char *key = c->token_key;
		if (!key)
			key = def = xasprintf("%s/state/token-key.pem", c->storage);
		r = cn_token_key_load(key, c->token_key == NULL, &s->token_key, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cn_server_start(const struct cn_serve_config *c, int log_fd, struct cn_server **ret,
		    struct cn_error *err)
{
	struct cn_server *s = xcalloc(1, sizeof(*s));
	s->cfg = c;
	s->log_fd = log_fd;
	struct cn_regstore_options ro = { .upload_expiry_s = c->upload_expiry_s };
	int r = cn_regstore_open(c->storage, &ro, &s->rs, err);
	if (r >= 0)
		r = load_auth(s, err);
	if (r >= 0 && c->tls_cert) {
		s->tls = true;
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
			r = cn_error_set(err, -ENOTSUP, "tls: libmicrohttpd was built without TLS");
		else if ((r = read_pem(c->tls_cert, "certificate", &s->tls_cert_pem, err)) >= 0)
			r = read_pem(c->tls_key, "key", &s->tls_key_pem, err);
	}
	char host[INET6_ADDRSTRLEN + 2] = "";
	unsigned port = 0;
	int lfd = r < 0 ? r : listen_on(c->addr, host, sizeof(host), &port, err);
	if (lfd < 0) {
		cn_server_free(s);
		return lfd;
	}
	(void)snprintf(s->url, sizeof(s->url), "%s://%s:%u", s->tls ? "https" : "http", host, port);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cpus < 2 ? 2 : cpus > 16 ? 16 : (unsigned)cpus;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO |
			 (s->tls ? MHD_USE_TLS : 0);
	s->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, access_handler, s, MHD_OPTION_LISTEN_SOCKET, lfd,
		MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED,
		request_completed, NULL, MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
		s->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->tls_cert_pem,
		MHD_OPTION_HTTPS_MEM_KEY, s->tls_key_pem, MHD_OPTION_END);
	if (!s->mhd) {
		close(lfd);
		cn_server_free(s);
		return cn_error_set(err, -EIO, "starting the HTTP server on %s failed", c->addr);
	}
	*ret = s;
	return 0;
}

const char *cn_server_url(const struct cn_server *s)
{
	return s->url;
}

void cn_server_tick(struct cn_server *s)
{
	(void)cn_regstore_flush(s->rs, NULL);
	cn_regstore_expire_uploads(s->rs);
}

struct cn_server *cn_server_free(struct cn_server *s)
{
	if (!s)
		return NULL;
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	cn_regstore_free(s->rs);
	cn_htpasswd_free(s->users);
	cn_token_key_free(s->token_key);
	cn_access_rules_free(s->rules);
	free(s->tls_cert_pem);
	free(s->tls_key_pem);
	free(s);
	return NULL;
}
