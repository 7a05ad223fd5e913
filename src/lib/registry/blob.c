/* Blob downloads: streamed into the store while hashing, resumed with Range, retried. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/log.h"
#include "base/parse.h"
#include "lib/registry/client-internal.h"

#define BLOB_ATTEMPTS 6

struct blob_sink {
	struct cn_blob_writer *w;
	struct cn_http_response *resp;
	uint64_t requested_offset;
	bool checked; /* first body bytes seen: the response kind is validated */
	uint64_t fetched;
	uint64_t total;
	cn_blob_progress_fn progress;
	void *userdata;
	struct cn_error *err;
};

/* "bytes START-END/TOTAL" -> START */
static int content_range_start(const char *s, uint64_t *ret)
{
	if (strncmp(s, "bytes ", 6) != 0)
		return -EINVAL;
	s += 6;
	return cn_parse_u64_n(s, strcspn(s, "-"), UINT64_MAX, ret);
}

static int sink_write(void *userdata, const void *data, size_t len)
{
	struct blob_sink *b = userdata;
	int r;
	if (!b->checked) {
		b->checked = true;
		uint64_t start = 0;
		/* A 200 to a Range request restarts from byte 0; a 206 must start where we are. */
		if (b->resp->status == 200 && b->requested_offset > 0) {
			r = cn_blob_writer_reset(b->w, b->err);
			if (r < 0)
				return r;
		} else if (b->resp->status == 206 &&
			   (content_range_start(b->resp->content_range, &start) < 0 ||
			    start != b->requested_offset)) {
			return cn_error_set(b->err, -ERANGE, "bad Content-Range \"%s\"",
					    b->resp->content_range);
		}
	}
	r = cn_blob_writer_write(b->w, data, len, b->err);
	if (r < 0)
		return r;
	b->fetched += len;
	if (b->progress)
		b->progress(b->userdata, cn_blob_writer_offset(b->w), b->total);
	return 0;
}

static void backoff(int attempt, const char *retry_after)
{
	uint64_t secs = 0;
	long ms = 250L << (attempt < 5 ? attempt : 5);
	if (retry_after[0] && cn_parse_u64(retry_after, 30, &secs) == 0)
		ms = (long)secs * 1000;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool status_transient(long status)
{
	return status == 408 || status == 429 || status >= 500;
}

/* One GET of the blob from the writer's current offset. */
static int fetch_once(struct cn_registry *reg, struct cn_http *h, const char *url,
		      const char *scope, struct blob_sink *b, struct cn_http_response *resp,
		      struct cn_error *err)
{
	char range[64];
	cleanup_strbuf struct strbuf ebody = STRBUF_INIT;
	struct curl_slist *headers = NULL;
	b->requested_offset = cn_blob_writer_offset(b->w);
	b->checked = false;
	if (b->requested_offset > 0) {
		(void)snprintf(range, sizeof(range), "Range: bytes=%llu-",
			       (unsigned long long)b->requested_offset);
		headers = curl_slist_append(NULL, range);
	}
	struct cn_http_request req = { .url = url,
				       .headers = headers,
				       .sink = sink_write,
				       .sink_userdata = b,
				       .body = &ebody,
				       .max_body = 64u << 10 };
	int r = cn_registry_request(reg, h, scope, &req, resp, err);
	curl_slist_free_all(headers);
	if (r < 0)
		return r;
	if (resp->status == 200 || resp->status == 206)
		return 0;
	if (resp->status == 416) /* our partial bytes are bogus: start over */
		return cn_blob_writer_reset(b->w, err) < 0 ? -EIO : -EAGAIN;
	return cn_registry_status_error(reg, resp, &ebody, err);
}

int cn_registry_fetch_blob(struct cn_registry *reg, struct cn_http *h, const char *repo,
			   const struct cn_descriptor *desc, struct cn_store *store,
			   cn_blob_progress_fn progress, void *userdata, uint64_t *ret_fetched,
			   struct cn_error *err)
{
	struct cn_blob_writer *w = NULL;
	int r = cn_store_ingest_begin(store, &desc->digest, desc->size, &w, err);
	if (r == 0 && desc->size >= 0 && cn_blob_writer_offset(w) == (uint64_t)desc->size) {
		/* A previous attempt got every byte but died before the commit: no Range request
		 * can be asked for (registries answer 416 or drop the connection); verify now. */
		r = cn_blob_writer_commit(w, err);
		cn_blob_writer_free(w);
		if (r != -EBADMSG)
			return r < 0 ? cn_error_prefix(
					       err, r, "registry %s: repository %s: blob %s",
					       cn_registry_domain(reg), repo, desc->digest.str)
				     : 0;
		/* The stale partial was wrong and is gone: download from scratch. */
		r = cn_store_ingest_begin(store, &desc->digest, desc->size, &w, err);
	}
	if (r != 0)
		return r;
	cleanup_free char *url =
		xasprintf("%s/v2/%s/blobs/%s", cn_registry_base_url(reg), repo, desc->digest.str);
	cleanup_free char *scope = xasprintf("repository:%s:pull", repo);
	struct blob_sink b = { .w = w,
			       .total = (uint64_t)desc->size,
			       .progress = progress,
			       .userdata = userdata,
			       .err = err };
	struct cn_http_response resp;
	if (progress && cn_blob_writer_offset(w) > 0)
		progress(userdata, cn_blob_writer_offset(w), b.total);
	b.resp = &resp;
	for (int attempt = 0;; attempt++) {
		r = fetch_once(reg, h, url, scope, &b, &resp, err);
		bool transient = r == -EAGAIN || cn_http_error_is_transient(r) ||
				 (r < 0 && r != -E2BIG && r != -EBADMSG && resp.status &&
				  status_transient(resp.status));
		if (r >= 0 || !transient || attempt + 1 >= BLOB_ATTEMPTS)
			break;
		cn_debug("blob %s: attempt %d failed (%s), retrying from byte %llu",
			 desc->digest.str, attempt + 1, cn_error_message(err, r),
			 (unsigned long long)cn_blob_writer_offset(w));
		backoff(attempt, resp.retry_after);
	}
	if (r >= 0)
		r = cn_blob_writer_commit(w, err);
	cn_blob_writer_free(w);
	if (ret_fetched)
		*ret_fetched = b.fetched;
	if (r < 0)
		return cn_error_prefix(err, r, "registry %s: repository %s: blob %s",
				       cn_registry_domain(reg), repo, desc->digest.str);
	return 0;
}
