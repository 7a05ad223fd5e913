#include "lib/registry/http.h"

#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "base/parse.h"

/* One connection cache and DNS cache shared by every handle in the process. */
static CURLSH *share;
static pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
static pthread_once_t share_once = PTHREAD_ONCE_INIT;

static void share_lock(CURL *c, curl_lock_data data, curl_lock_access access, void *ud)
{
	(void)c;
	(void)access;
	(void)ud;
	pthread_mutex_lock(&share_locks[data]);
}

static void share_unlock(CURL *c, curl_lock_data data, void *ud)
{
	(void)c;
	(void)ud;
	pthread_mutex_unlock(&share_locks[data]);
}

static void share_setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&share_locks[i], NULL);
	share = curl_share_init();
	if (!share)
		return;
	curl_share_setopt(share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
}

int cn_http_init(struct cn_http *h)
{
	pthread_once(&share_once, share_setup);
	h->curl = curl_easy_init();
	return h->curl ? 0 : -ENOMEM;
}

void cn_http_release(struct cn_http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
}

struct transfer {
	CURL *curl;
	const struct cn_http_request *req;
	struct cn_http_response *resp;
	int sink_error;
	bool body_too_big;   /* the collected (non-sink) body passed max_body */
	uint64_t source_pos; /* next offset asked of req->source */
	int source_error;
};

static void copy_value(char *dst, size_t len, const char *v, size_t vlen)
{
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
	if (vlen >= len)
		vlen = len - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
}

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	struct cn_http_response *resp = t->resp;
	size_t len = size * n;
	static const struct {
		const char *name;
		size_t off, cap;
	} wanted[] = {
#define H(name, field)                                                                             \
	{ name, offsetof(struct cn_http_response, field),                                          \
	  sizeof(((struct cn_http_response *)0)->field) }
		H("content-type", content_type),
		H("docker-content-digest", docker_digest),
		H("www-authenticate", www_authenticate),
		H("location", location),
		H("content-range", content_range),
		H("link", link),
		H("ratelimit-limit", ratelimit_limit),
		H("ratelimit-remaining", ratelimit_remaining),
		H("retry-after", retry_after),
		H("range", range),
		H("oci-chunk-min-length", chunk_min_length),
		H("oci-subject", oci_subject),
#undef H
	};
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or 100 Continue): forget the last one's headers.
		 */
		resp->content_type[0] = resp->docker_digest[0] = resp->www_authenticate[0] = '\0';
		resp->content_range[0] = resp->link[0] = resp->retry_after[0] = '\0';
		resp->range[0] = resp->chunk_min_length[0] = resp->oci_subject[0] = '\0';
		resp->content_length = -1;
		return len;
	}
	const char *colon = memchr(line, ':', len);
	if (!colon)
		return len;
	size_t nlen = (size_t)(colon - line);
	const char *v = colon + 1;
	while (v < line + len && (*v == ' ' || *v == '\t'))
		v++;
	size_t vlen = (size_t)(line + len - v);
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		if (strlen(wanted[i].name) == nlen && strncasecmp(line, wanted[i].name, nlen) == 0)
			copy_value((char *)resp + wanted[i].off, wanted[i].cap, v, vlen);
	}
	if (nlen == 14 && strncasecmp(line, "content-length", 14) == 0) {
		char num[32];
		uint64_t cl;
		copy_value(num, sizeof(num), v, vlen);
		if (cn_parse_u64(num, INT64_MAX, &cl) == 0)
			resp->content_length = (int64_t)cl;
	}
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	size_t len = size * n;
	long status = 0;
	t->resp->body_bytes += len;
	/* Only a successful response's body is content; an error's body (JSON errors) is kept
	 * in `body` for the message. */
	(void)curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
	t->resp->status = status; /* the sink may look at it */
	if (t->req->sink && status >= 200 && status < 300) {
		int r = t->req->sink(t->req->sink_userdata, data, len);
		if (r < 0) {
			t->sink_error = r;
			return CURL_WRITEFUNC_ERROR;
		}
		return len;
	}
	if (!t->req->body)
		return len;
	if (t->req->body->len + len > t->req->max_body) {
		t->body_too_big = true;
		return CURL_WRITEFUNC_ERROR;
	}
	strbuf_add(t->req->body, data, len);
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	ssize_t got = t->req->source(t->req->source_userdata, t->source_pos, buf, size * n);
	if (got < 0) {
		t->source_error = (int)got;
		return CURL_READFUNC_ABORT;
	}
	t->source_pos += (uint64_t)got;
	return (size_t)got;
}

/* curl rewinds the body to resend it (a redirect, an auth round): restart from `offset`. */
static int on_seek(void *ud, curl_off_t offset, int origin)
{
	struct transfer *t = ud;
	if (origin != SEEK_SET || offset < 0)
		return CURL_SEEKFUNC_CANTSEEK;
	t->source_pos = (uint64_t)offset;
	return CURL_SEEKFUNC_OK;
}

static int map_curl_error(CURLcode c, const char *url, const char *detail, struct cn_error *err)
{
	const char *what = detail[0] ? detail : curl_easy_strerror(c);
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return cn_error_set(err, -EHOSTUNREACH, "unreachable: %s", what);
	case CURLE_COULDNT_CONNECT:
		return cn_error_set(err, -ECONNREFUSED, "unreachable: %s", what);
	case CURLE_OPERATION_TIMEDOUT:
		return cn_error_set(err, -ETIMEDOUT, "timed out: %s", what);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return cn_error_set(err, -EPROTO, "TLS error: %s", what);
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return cn_error_set(err, -ECONNRESET, "connection dropped: %s", what);
	default:
		return cn_error_set(err, -EPROTO, "%s: %s", url, what);
	}
}

int cn_http_error_is_transient(int r)
{
	return r == -ECONNRESET || r == -ETIMEDOUT;
}

int cn_http_perform(struct cn_http *h, const struct cn_http_request *req,
		    struct cn_http_response *resp, struct cn_error *err)
{
	struct transfer t = { h->curl, req, resp, 0, false, 0, 0 };
	char detail[CURL_ERROR_SIZE] = "";
	CURL *c = h->curl;
	const char *method = req->method ? req->method : "GET";

	memset(resp, 0, sizeof(*resp));
	resp->content_length = -1;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_SHARE, share);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cairn/" CAIRN_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, req->headers);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
	/* Redirects (blob storage): curl (>= 7.83) sends our Authorization header only to the
	 * original host, port and scheme, never to the storage host. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L); /* abort a stalled transfer */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024);
	if (req->timeout_s)
		curl_easy_setopt(c, CURLOPT_TIMEOUT, req->timeout_s);
	if (req->tls_ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, req->tls_ca_file);
	if (req->insecure_tls) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (req->source) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &t);
		curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(c, CURLOPT_SEEKDATA, &t);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->source_len);
		if (strcmp(method, "PUT") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	} else if (req->upload) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->upload);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->upload_len);
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}

	CURLcode cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	char *eff = NULL;
	if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
		(void)snprintf(resp->effective_url, sizeof(resp->effective_url), "%s", eff);
	cn_debug("%s %s -> %ld (%llu bytes)%s%s", method, req->url, resp->status,
		 (unsigned long long)resp->body_bytes, cc != CURLE_OK ? ": " : "",
		 cc != CURLE_OK ? curl_easy_strerror(cc) : "");
	if (t.body_too_big)
		return cn_error_set(err, -E2BIG, "response from %s exceeds %zu bytes", req->url,
				    req->max_body);
	if (t.sink_error)
		return t.sink_error;
	if (t.source_error)
		return t.source_error;
	if (cc != CURLE_OK)
		return map_curl_error(cc, req->url, detail, err);
	return 0;
}
