/*
 * A small HTTP layer over libcurl's easy interface: one request, response headers the registry
 * protocol needs captured, the body streamed to a sink or collected with a size limit.
 * Connections are kept alive and reused through the handle (and a shared connection cache).
 */
#pragma once

#include <curl/curl.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "base/strbuf.h"

struct cn_http_response {
	long status;
	char content_type[256];
	char docker_digest[160]; /* Docker-Content-Digest */
	char www_authenticate[1024];
	char location[2048];
	char content_range[128];
	char link[2048];
	char ratelimit_limit[64];     /* RateLimit-Limit (Docker Hub) */
	char ratelimit_remaining[64]; /* RateLimit-Remaining */
	char retry_after[64];
	char range[128];	   /* Range (upload status: "0-N") */
	char chunk_min_length[32]; /* OCI-Chunk-Min-Length (upload session start) */
	char oci_subject[160];	  /* OCI-Subject (manifest PUT: the registry indexed its subject) */
	int64_t content_length;	  /* -1 when not sent */
	char effective_url[2048]; /* after redirects */
	uint64_t body_bytes;
};

/* Receives body bytes; returns 0 to continue, negative errno to abort the transfer. */
typedef int (*cn_http_sink_fn)(void *userdata, const void *data, size_t len);
/* Supplies request body bytes at `offset` (0 at the start of every attempt; curl may rewind):
 * returns the count copied into buf (0 at the end) or a negative errno to abort. */
typedef ssize_t (*cn_http_source_fn)(void *userdata, uint64_t offset, void *buf, size_t len);

struct cn_http_request {
	const char *method; /* "GET" (default), "HEAD", ... */
	const char *url;
	struct curl_slist *headers; /* borrowed */
	cn_http_sink_fn sink;	    /* or NULL: collect into `body` up to `max_body` */
	void *sink_userdata;
	struct strbuf *body;
	size_t max_body;
	const char *upload; /* request body for POST/PUT, or NULL */
	size_t upload_len;
	cn_http_source_fn source; /* or a streamed request body (PUT/PATCH/POST), or NULL */
	void *source_userdata;
	int64_t source_len; /* bytes `source` supplies; -1 = unknown (chunked encoding) */
	long timeout_s; /* whole-transfer limit, 0 = none (blobs); low-speed abort applies anyway */
	const char *tls_ca_file; /* extra CA bundle, or NULL */
	int insecure_tls;	 /* skip verification (only for registries listed as insecure) */
};

struct cn_http {
	CURL *curl;
};

int cn_http_init(struct cn_http *h);
void cn_http_release(struct cn_http *h);

/*
 * Performs `req`. Returns 0 when a response arrived (any status; see resp->status), or a
 * negative errno with a one-line cause in err: -ECONNREFUSED/-EHOSTUNREACH (unreachable),
 * -EPROTO (TLS or protocol), -ETIMEDOUT, -ECONNRESET (dropped mid-body; retryable), -E2BIG
 * (body over max_body), or the sink's own error.
 */
int cn_http_perform(struct cn_http *h, const struct cn_http_request *req,
		    struct cn_http_response *resp, struct cn_error *err);
/* True for curl failures worth retrying (dropped connection, timeout, reset). */
int cn_http_error_is_transient(int r);
