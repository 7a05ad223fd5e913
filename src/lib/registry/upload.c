/*
 * Blob uploads and manifest PUTs (the push half of the distribution spec). A blob's bytes are
 * read from the store with pread and streamed by curl: nothing is held in memory whole.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/log.h"
#include "base/parse.h"
#include "lib/registry/auth.h"
#include "lib/registry/client-internal.h"

#define MONOLITHIC_MAX	 (4u << 20) /* blobs up to this size go in the session's final PUT */
#define PUSH_ATTEMPTS	 5	    /* sessions started per blob, and resumes per session */
#define ERROR_BODY_LIMIT (64u << 10)
#define CHUNK_MIN_LIMIT	 (1ull << 32) /* an OCI-Chunk-Min-Length beyond this is ignored */

/* One upload session of one blob. */
struct session {
	struct cn_registry *reg;
	struct cn_http *h;
	const char *repo;
	const char *scope;
	const struct cn_blob_upload *up;
	uint64_t size;
	char *location;	   /* absolute URL of the session (query kept) */
	uint64_t chunk;	   /* 0: one streamed PATCH */
	uint64_t sent;	   /* bytes sent over the network, all attempts */
	uint64_t base;	   /* offset of the current request's body in the blob */
	uint64_t body_len; /* length of the current request's body */
};

static ssize_t read_blob(void *userdata, uint64_t offset, void *buf, size_t len)
{
	struct session *s = userdata;
	if (offset >= s->body_len)
		return 0;
	if (len > s->body_len - offset)
		len = (size_t)(s->body_len - offset);
	ssize_t n;
	do
		n = pread(s->up->fd, buf, len, (off_t)(s->base + offset));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EIO; /* the blob is shorter than its descriptor says */
	s->sent += (uint64_t)n;
	if (s->up->progress)
		s->up->progress(s->up->userdata, s->base + offset + (uint64_t)n, s->size);
	return n;
}

static void backoff(int attempt, const char *retry_after)
{
	uint64_t secs = 0;
	long ms = 250L << (attempt < 5 ? attempt : 5);
	if (retry_after && retry_after[0] && cn_parse_u64(retry_after, 30, &secs) == 0)
		ms = (long)secs * 1000;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Worth another attempt: a dropped or timed-out connection, 429, or a 5xx (-EIO). */
static bool transient(int r)
{
	return r == -EAGAIN || r == -EIO || cn_http_error_is_transient(r);
}

/* A 401/403 whose challenge says insufficient_scope: the credentials are fine, but do not
 * allow pushing; say so rather than "wrong credentials". */
static int push_status_error(struct session *s, const struct cn_http_response *resp,
			     const struct strbuf *body, struct cn_error *err)
{
	if ((resp->status == 401 || resp->status == 403) &&
	    strstr(resp->www_authenticate, "insufficient_scope"))
		return cn_error_set(err, -EACCES,
				    "push access denied to %s (%ld insufficient_scope: the "
				    "credentials do not grant push)",
				    s->repo, resp->status);
	return cn_registry_status_error(s->reg, resp, body, err);
}

/* The absolute URL for a Location header (absolute, or relative to the registry). */
static int absolute_location(struct session *s, const struct cn_http_response *resp,
			     struct cn_error *err)
{
	const char *loc = resp->location;
	if (!loc[0])
		return cn_error_set(err, -EPROTO, "the registry sent no upload Location (HTTP %ld)",
				    resp->status);
	char *url;
	if (strncmp(loc, "http://", 7) == 0 || strncmp(loc, "https://", 8) == 0)
		url = xstrdup(loc);
	else
		url = xasprintf("%s%s%s", cn_registry_base_url(s->reg), loc[0] == '/' ? "" : "/",
				loc);
	free(s->location);
	s->location = url;
	return 0;
}

static char *url_with_digest(const char *location, const struct cn_digest *d)
{
	cleanup_free char *esc = cn_url_escape(d->str);
	return xasprintf("%s%cdigest=%s", location, strchr(location, '?') ? '&' : '?', esc);
}

/* Runs one request of the session with the push scope; the response body (errors) goes to
 * `body`. `source`: send blob bytes [s->base, s->base + s->body_len) as the body. */
static int session_request(struct session *s, const char *method, const char *url,
			   struct curl_slist *headers, bool source, struct cn_http_response *resp,
			   struct strbuf *body, struct cn_error *err)
{
	headers = curl_slist_append(headers, "Expect:");
	struct cn_http_request req = { .method = method,
				       .url = url,
				       .headers = headers,
				       .body = body,
				       .max_body = ERROR_BODY_LIMIT };
	if (source) {
		headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
		req.headers = headers;
		req.source = read_blob;
		req.source_userdata = s;
		req.source_len = (int64_t)s->body_len;
	} else if (strcmp(method, "HEAD") != 0 && strcmp(method, "GET") != 0) {
		req.upload = "";
		req.upload_len = 0;
	}
	int r = cn_registry_request(s->reg, s->h, s->scope, &req, resp, err);
	curl_slist_free_all(headers);
	return r;
}

/* HEAD: 1 when the repository has the blob, 0 when not. */
static int blob_exists(struct session *s, struct cn_error *err)
{
	cleanup_free char *url = xasprintf("%s/v2/%s/blobs/%s", cn_registry_base_url(s->reg),
					   s->repo, s->up->desc->digest.str);
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	struct cn_http_response resp;
	int r = session_request(s, "HEAD", url, NULL, false, &resp, &body, err);
	if (r < 0)
		return r;
	if (resp.status == 200)
		return 1;
	if (resp.status == 404)
		return 0;
	return push_status_error(s, &resp, &body, err);
}

/* POST a new session (a mount when `from`): 1 when the mount succeeded, 0 with a session. */
static int start_session(struct session *s, const char *from, struct cn_error *err)
{
	cleanup_free char *url = NULL;
	if (from) {
		cleanup_free char *d = cn_url_escape(s->up->desc->digest.str);
		cleanup_free char *f = cn_url_escape(from);
		url = xasprintf("%s/v2/%s/blobs/uploads/?mount=%s&from=%s",
				cn_registry_base_url(s->reg), s->repo, d, f);
	} else {
		url = xasprintf("%s/v2/%s/blobs/uploads/", cn_registry_base_url(s->reg), s->repo);
	}
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	struct cn_http_response resp;
	int r = session_request(s, "POST", url, NULL, false, &resp, &body, err);
	if (r < 0)
		return r;
	if (from && resp.status == 201)
		return 1;
	if (resp.status != 202)
		return push_status_error(s, &resp, &body, err);
	uint64_t min = 0;
	s->chunk = s->up->chunk_size;
	if (resp.chunk_min_length[0] &&
	    cn_parse_u64(resp.chunk_min_length, CHUNK_MIN_LIMIT, &min) == 0 && min > 0)
		s->chunk = MAX(s->chunk, min);
	return absolute_location(s, &resp, err);
}

/* PATCHes bytes [offset, offset + len); with a Content-Range unless it is a single streamed
 * PATCH from the start (docker and skopeo upload so; every registry accepts it). */
static int patch(struct session *s, uint64_t offset, uint64_t len, bool ranged,
		 struct cn_error *err)
{
	char range[96];
	struct curl_slist *headers = NULL;
	if (ranged) {
		(void)snprintf(range, sizeof(range), "Content-Range: %llu-%llu",
			       (unsigned long long)offset, (unsigned long long)(offset + len - 1));
		headers = curl_slist_append(NULL, range);
	}
	s->base = offset;
	s->body_len = len;
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	struct cn_http_response resp;
	int r = session_request(s, "PATCH", s->location, headers, true, &resp, &body, err);
	if (r < 0)
		return r;
	/* Out of step with what the registry kept: ask again (upload()), or start over. */
	if (resp.status == 416)
		return cn_error_set(err, -EIO, "the registry refused bytes %llu-%llu (416)",
				    (unsigned long long)offset,
				    (unsigned long long)(offset + len - 1));
	if (resp.status != 202)
		return push_status_error(s, &resp, &body, err);
	return absolute_location(s, &resp, err);
}

/* The final PUT ?digest=, with the bytes from `offset` as its body (none when at the end). */
static int finish(struct session *s, uint64_t offset, struct cn_error *err)
{
	cleanup_free char *url = url_with_digest(s->location, &s->up->desc->digest);
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	struct cn_http_response resp;
	s->base = offset;
	s->body_len = s->size - offset;
	int r = session_request(s, "PUT", url, NULL, s->body_len > 0, &resp, &body, err);
	if (r < 0)
		return r;
	if (resp.status != 201 && resp.status != 204)
		return push_status_error(s, &resp, &body, err);
	struct cn_digest got;
	if (resp.docker_digest[0] && cn_digest_parse(resp.docker_digest, &got) == 0 &&
	    !cn_digest_equal(&got, &s->up->desc->digest))
		return cn_error_set(err, -EBADMSG, "the registry stored digest %s", got.str);
	return 0;
}

/* GET the session's status: how many bytes the registry kept ("Range: 0-N"). */
static int query_offset(struct session *s, uint64_t *ret, struct cn_error *err)
{
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	struct cn_http_response resp;
	uint64_t end = 0;
	int r = session_request(s, "GET", s->location, NULL, false, &resp, &body, err);
	if (r < 0)
		return r;
	if (resp.status != 204 && resp.status != 200)
		return push_status_error(s, &resp, &body, err);
	const char *dash = strchr(resp.range, '-');
	if (strncmp(resp.range, "0-", 2) != 0 || cn_parse_u64(dash + 1, s->size, &end) < 0)
		return cn_error_set(err, -EPROTO, "bad upload Range \"%s\"", resp.range);
	/* "0-0" is both "nothing" and "one byte" (distribution's convention): resend it. */
	*ret = end == 0 ? 0 : end + 1;
	if (resp.location[0])
		return absolute_location(s, &resp, err);
	return 0;
}

/* Sends every byte from `offset` on, in the session's PATCH mode. */
static int send_from(struct session *s, uint64_t offset, struct cn_error *err)
{
	if (!s->chunk)
		return offset < s->size ? patch(s, offset, s->size - offset, offset > 0, err) : 0;
	while (offset < s->size) {
		uint64_t n = MIN(s->chunk, s->size - offset);
		int r = patch(s, offset, n, true, err);
		if (r < 0)
			return r;
		offset += n;
	}
	return 0;
}

/* Uploads through the open session, resuming after transient failures where the registry
 * reports what it kept. A failure that cannot resume is returned for a new session. */
static int upload(struct session *s, struct cn_error *err)
{
	uint64_t whole =
		s->up->chunk_size ? MIN(s->up->chunk_size, MONOLITHIC_MAX) : MONOLITHIC_MAX;
	if (s->size <= whole && s->chunk == s->up->chunk_size)
		return finish(s, 0, err); /* one PUT, unless the registry asked for chunks */
	uint64_t offset = 0;
	int r = 0;
	for (int attempt = 0; attempt < PUSH_ATTEMPTS; attempt++) {
		r = send_from(s, offset, err);
		if (r >= 0)
			return finish(s, s->size, err);
		if (!transient(r))
			return r;
		backoff(attempt, NULL);
		struct cn_error qerr = CN_ERROR_INIT;
		if (query_offset(s, &offset, &qerr) < 0) {
			cn_debug("blob %s: upload status: %s", s->up->desc->digest.str,
				 cn_error_message(&qerr, -EPROTO));
			return r;
		}
		cn_debug("blob %s: resuming the upload at byte %llu", s->up->desc->digest.str,
			 (unsigned long long)offset);
	}
	return r;
}

static int push_blob(struct session *s, struct cn_error *err)
{
	int r = blob_exists(s, err);
	for (int attempt = 0; transient(r) && attempt + 1 < PUSH_ATTEMPTS; attempt++) {
		backoff(attempt, NULL);
		cn_error_clear(err);
		r = blob_exists(s, err);
	}
	if (r != 0)
		return r < 0 ? r : CN_BLOB_EXISTED;
	for (int attempt = 0; attempt < PUSH_ATTEMPTS; attempt++) {
		if (attempt > 0) {
			cn_debug("blob %s: attempt %d failed (%s), new upload session",
				 s->up->desc->digest.str, attempt, cn_error_message(err, r));
			backoff(attempt - 1, NULL);
			cn_error_clear(err);
		}
		r = start_session(s, attempt == 0 ? s->up->mount_from : NULL, err);
		if (r == 1)
			return CN_BLOB_MOUNTED;
		if (r >= 0)
			r = upload(s, err);
		if (r >= 0)
			return CN_BLOB_UPLOADED;
		if (!transient(r))
			return r;
	}
	return r;
}

int cn_registry_push_blob(struct cn_registry *reg, struct cn_http *h, const char *repo,
			  const struct cn_blob_upload *up, uint64_t *ret_sent, struct cn_error *err)
{
	if (up->desc->size < 0)
		return cn_error_set(err, -EINVAL, "blob %s: unknown size", up->desc->digest.str);
	cleanup_free char *scope = up->mount_from
					   ? xasprintf("repository:%s:pull,push repository:%s:pull",
						       repo, up->mount_from)
					   : xasprintf("repository:%s:pull,push", repo);
	struct session s = { .reg = reg,
			     .h = h,
			     .repo = repo,
			     .scope = scope,
			     .up = up,
			     .size = (uint64_t)up->desc->size };
	int r = push_blob(&s, err);
	free(s.location);
	if (ret_sent)
		*ret_sent = s.sent;
	if (r < 0)
		return cn_error_prefix(err, r, "blob %s: upload", up->desc->digest.str);
	return r;
}

static int put_manifest(struct cn_registry *reg, struct cn_http *h, const char *repo,
			const char *reference, const char *media_type, const void *data, size_t len,
			char *ret_subject, size_t subject_size, struct cn_error *err)
{
	cleanup_free char *url =
		xasprintf("%s/v2/%s/manifests/%s", cn_registry_base_url(reg), repo, reference);
	cleanup_free char *scope = xasprintf("repository:%s:pull,push", repo);
	cleanup_free char *ctype = xasprintf("Content-Type: %s", media_type);
	struct session s = { .reg = reg, .h = h, .repo = repo, .scope = scope };
	int r = 0;
	for (int attempt = 0; attempt < PUSH_ATTEMPTS; attempt++) {
		if (attempt > 0) {
			backoff(attempt - 1, NULL);
			cn_error_clear(err);
		}
		struct curl_slist *headers = curl_slist_append(NULL, ctype);
		headers = curl_slist_append(headers, "Expect:");
		cleanup_strbuf struct strbuf body = STRBUF_INIT;
		struct cn_http_request req = { .method = "PUT",
					       .url = url,
					       .headers = headers,
					       .body = &body,
					       .max_body = ERROR_BODY_LIMIT,
					       .upload = data,
					       .upload_len = len,
					       .timeout_s = 120 };
		struct cn_http_response resp;
		r = cn_registry_request(reg, h, scope, &req, &resp, err);
		curl_slist_free_all(headers);
		if (r >= 0 && resp.status != 201 && resp.status != 200 && resp.status != 202)
			r = push_status_error(&s, &resp, &body, err);
		if (r >= 0) {
			struct cn_digest want, got;
			cn_digest_of(CN_DIGEST_SHA256, data, len, &want);
			if (resp.docker_digest[0] &&
			    cn_digest_parse(resp.docker_digest, &got) == 0 &&
			    got.algo == want.algo && !cn_digest_equal(&got, &want))
				r = cn_error_set(err, -EBADMSG,
						 "the registry stored digest %s (sent %s)", got.str,
						 want.str);
			if (ret_subject)
				(void)snprintf(ret_subject, subject_size, "%s", resp.oci_subject);
			break;
		}
		if (!transient(r))
			break;
	}
	if (r < 0)
		return cn_error_prefix(err, r, "manifest %s: upload", reference);
	return 0;
}

int cn_registry_put_manifest(struct cn_registry *reg, struct cn_http *h, const char *repo,
			     const char *reference, const char *media_type, const void *data,
			     size_t len, struct cn_error *err)
{
	return put_manifest(reg, h, repo, reference, media_type, data, len, NULL, 0, err);
}

int cn_registry_put_referrer(struct cn_registry *reg, struct cn_http *h, const char *repo,
			     const char *reference, const char *media_type, const void *data,
			     size_t len, char ret_subject[CN_DIGEST_STR_MAX], struct cn_error *err)
{
	ret_subject[0] = '\0';
	return put_manifest(reg, h, repo, reference, media_type, data, len, ret_subject,
			    CN_DIGEST_STR_MAX, err);
}
