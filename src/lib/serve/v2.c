/* The /v2 API: blobs, uploads, manifests, tags, catalog, referrers (OCI distribution v1.1). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/parse.h"
#include "lib/serve/server-internal.h"

#define LIST_MAX	1000 /* entries one tags or catalog page may carry */
#define CATALOG_DEFAULT 100  /* the catalog's page size when the client names none */

static const char *const INDEX_TYPE = "application/vnd.oci.image.index.v1+json";

static enum MHD_Result name_invalid(struct request *rq)
{
	return respond_error(rq, MHD_HTTP_BAD_REQUEST, "NAME_INVALID", "invalid repository name",
			     rq->route.name_too_long ? "longer than 255 bytes" : rq->route.name);
}

static enum MHD_Result digest_invalid(struct request *rq, const char *detail)
{
	return respond_error(rq, MHD_HTTP_BAD_REQUEST, "DIGEST_INVALID",
			     "provided digest did not match uploaded content", detail);
}

static enum MHD_Result method_not_allowed(struct request *rq)
{
	return respond_error(rq, MHD_HTTP_METHOD_NOT_ALLOWED, "UNSUPPORTED",
			     "the operation is unsupported", rq->method_name);
}

static enum MHD_Result internal_error(struct request *rq, int r, const struct cn_error *err)
{
	return respond_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "UNKNOWN", "unknown error",
			     cn_error_message(err, r));
}

/* Parses a digest; -EINVAL/-EOPNOTSUPP answer 400 DIGEST_INVALID. */
static bool parse_digest(struct request *rq, const char *s, struct cn_digest *d,
			 enum MHD_Result *ret)
{
	if (s && cn_digest_parse(s, d) == 0)
		return true;
	*ret = digest_invalid(rq, s ? s : "missing digest");
	return false;
}

/* --------------------------------------------------------------------- blobs */

/* Content is never read for HEAD: a reader that fails if it ever is. */
static ssize_t no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

static enum MHD_Result blob_get(struct request *rq, const struct cn_digest *d)
{
	const char *repo = rq->route.name;
	int64_t size;
	struct MHD_Response *resp;
	if (rq->method == M_HEAD) {
		int r = cn_regstore_blob_stat(rq->srv->rs, repo, d, &size);
		if (r < 0)
			return internal_error(rq, r, NULL);
		if (r == 0)
			goto unknown;
		resp = MHD_create_response_from_callback((uint64_t)size, 4096, no_body, NULL, NULL);
	} else {
		int fd = cn_regstore_blob_open(rq->srv->rs, repo, d, &size);
		if (fd == -ENOENT)
			goto unknown;
		if (fd < 0)
			return internal_error(rq, fd, NULL);
		struct cn_byte_range range = { 0, size ? (uint64_t)size - 1 : 0 };
		const char *rh = request_header(rq, "Range");
		int ranged = rh ? cn_range_parse(rh, (uint64_t)size, &range) : 0;
		if (ranged < 0) {
			close(fd);
			char cr[48];
			(void)snprintf(cr, sizeof(cr), "bytes */%lld", (long long)size);
			struct MHD_Response *e;
			respond_json(rq, 0, "application/json", "", 0, &e);
			add_header(e, "Content-Range", cr);
			return respond(rq, MHD_HTTP_RANGE_NOT_SATISFIABLE, e);
		}
		uint64_t len = size ? range.last - range.first + 1 : 0;
		resp = MHD_create_response_from_fd_at_offset64(len, fd, range.first);
		if (!resp) {
			close(fd);
			return MHD_NO;
		}
		rq->bytes_out = len;
		if (ranged) {
			char cr[80];
			(void)snprintf(cr, sizeof(cr), "bytes %llu-%llu/%lld",
				       (unsigned long long)range.first,
				       (unsigned long long)range.last, (long long)size);
			add_header(resp, "Content-Range", cr);
			add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
			add_header(resp, "Docker-Content-Digest", d->str);
			add_header(resp, "Accept-Ranges", "bytes");
			return respond(rq, MHD_HTTP_PARTIAL_CONTENT, resp);
		}
	}
	if (!resp)
		return MHD_NO;
	add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	add_header(resp, "Docker-Content-Digest", d->str);
	add_header(resp, "Accept-Ranges", "bytes");
	add_header(resp, MHD_HTTP_HEADER_ETAG, d->str);
	add_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "max-age=31536000");
	return respond(rq, MHD_HTTP_OK, resp);
unknown:
	return respond_error(rq, MHD_HTTP_NOT_FOUND, "BLOB_UNKNOWN", "blob unknown to registry",
			     d->str);
}

static enum MHD_Result blob_route(struct request *rq)
{
	struct cn_digest d;
	enum MHD_Result ret;
	if (!parse_digest(rq, rq->route.arg, &d, &ret))
		return ret;
	if (rq->method == M_GET || rq->method == M_HEAD)
		return blob_get(rq, &d);
	if (rq->method != M_DELETE)
		return method_not_allowed(rq);
	int r = cn_regstore_blob_unlink(rq->srv->rs, rq->route.name, &d);
	if (r == -ENOENT)
		return respond_error(rq, MHD_HTTP_NOT_FOUND, "BLOB_UNKNOWN",
				     "blob unknown to registry", d.str);
	if (r < 0)
		return internal_error(rq, r, NULL);
	struct MHD_Response *resp;
	respond_empty(rq, 0, &resp);
	add_header(resp, "Docker-Content-Digest", d.str);
	return respond(rq, MHD_HTTP_ACCEPTED, resp);
}

/* --------------------------------------------------------------------- uploads */

static void upload_location(struct request *rq, char *buf, size_t len)
{
	(void)snprintf(buf, len, "/v2/%s/blobs/uploads/%s", rq->route.name, rq->upload_id);
}

/* 202 (or 204 for a status GET) with Location, Range and the session id. */
static enum MHD_Result upload_progress(struct request *rq, unsigned status)
{
	char loc[CN_ROUTE_NAME_MAX + 64], range[48];
	uint64_t size = rq->upload ? cn_upload_size(rq->upload) : 0;
	upload_location(rq, loc, sizeof(loc));
	(void)snprintf(range, sizeof(range), "0-%llu", (unsigned long long)(size ? size - 1 : 0));
	struct MHD_Response *resp;
	respond_empty(rq, 0, &resp);
	add_header(resp, MHD_HTTP_HEADER_LOCATION, loc);
	add_header(resp, "Range", range);
	add_header(resp, "Docker-Upload-UUID", rq->upload_id);
	return respond(rq, status, resp);
}

static enum MHD_Result blob_created(struct request *rq, const struct cn_digest *d)
{
	char loc[CN_ROUTE_NAME_MAX + CN_DIGEST_STR_MAX + 16];
	(void)snprintf(loc, sizeof(loc), "/v2/%s/blobs/%s", rq->route.name, d->str);
	struct MHD_Response *resp;
	respond_empty(rq, 0, &resp);
	add_header(resp, MHD_HTTP_HEADER_LOCATION, loc);
	add_header(resp, "Docker-Content-Digest", d->str);
	return respond(rq, MHD_HTTP_CREATED, resp);
}

static enum MHD_Result upload_unknown(struct request *rq)
{
	return respond_error(rq, MHD_HTTP_NOT_FOUND, "BLOB_UPLOAD_UNKNOWN",
			     "blob upload unknown to registry", rq->route.arg);
}

/* 416 with the session's current Range: a chunk that does not continue the upload. */
static enum MHD_Result upload_out_of_order(struct request *rq)
{
	char range[48];
	uint64_t size = cn_upload_size(rq->upload);
	(void)snprintf(range, sizeof(range), "0-%llu", (unsigned long long)(size ? size - 1 : 0));
	struct MHD_Response *resp =
		error_response(rq, "BLOB_UPLOAD_INVALID",
			       "chunk out of order: the upload has a different size", NULL);
	if (resp) {
		add_header(resp, "Range", range);
		add_header(resp, "Docker-Upload-UUID", rq->upload_id);
	}
	return respond(rq, MHD_HTTP_RANGE_NOT_SATISFIABLE, resp);
}

void v2_upload_data(struct request *rq, const char *data, size_t len)
{
	if (rq->upload_err < 0)
		return;
	int r = cn_upload_write(rq->upload, data, len, &rq->err);
	if (r < 0)
		rq->upload_err = r;
}

/* Claims the session the route names; answers 404 (or 416 while another request holds it). */
static bool claim(struct request *rq, enum MHD_Result *ret)
{
	size_t len = strlen(rq->route.arg);
	if (len >= sizeof(rq->upload_id)) {
		*ret = upload_unknown(rq);
		return false;
	}
	memcpy(rq->upload_id, rq->route.arg, len + 1);
	int r = cn_regstore_upload_claim(rq->srv->rs, rq->route.name, rq->route.arg, &rq->upload);
	if (r == -EBUSY) {
		*ret = respond_error(rq, MHD_HTTP_RANGE_NOT_SATISFIABLE, "BLOB_UPLOAD_INVALID",
				     "another request is writing this upload", rq->route.arg);
		return false;
	}
	if (r < 0) {
		*ret = upload_unknown(rq);
		return false;
	}
	return true;
}

/* A Content-Range must continue the upload exactly where it stands. */
static bool check_content_range(struct request *rq, enum MHD_Result *ret)
{
	const char *cr = request_header(rq, "Content-Range");
	if (!cr)
		return true;
	struct cn_byte_range range;
	if (cn_content_range_parse(cr, &range) < 0) {
		*ret = respond_error(rq, MHD_HTTP_BAD_REQUEST, "BLOB_UPLOAD_INVALID",
				     "malformed Content-Range", cr);
		return false;
	}
	const char *cl = request_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t len;
	if (range.first != cn_upload_size(rq->upload) ||
	    (cl && cn_parse_u64(cl, UINT64_MAX, &len) == 0 &&
	     len != range.last - range.first + 1)) {
		*ret = upload_out_of_order(rq);
		return false;
	}
	return true;
}

static enum MHD_Result upload_begin(struct request *rq)
{
	enum MHD_Result ret;
	const char *repo = rq->route.name;
	if (rq->route.kind == CN_ROUTE_UPLOAD_START) {
		if (rq->method != M_POST)
			return method_not_allowed(rq);
		const char *mount = request_query(rq, "mount"), *from = request_query(rq, "from");
		struct cn_digest d;
		if (mount && from) {
			if (!parse_digest(rq, mount, &d, &ret))
				return ret;
			bool may_read = cn_regstore_name_valid(from) &&
					(allowed_actions(rq, "repository", from) & CN_ACTION_PULL);
			int r = may_read ? cn_regstore_blob_mount(rq->srv->rs, repo, from, &d,
								  &rq->err)
					 : 0;
			if (r < 0)
				return internal_error(rq, r, &rq->err);
			if (r > 0)
				return blob_created(rq, &d);
			/* Not mountable: a normal upload session, as the spec says. */
		}
		int r = cn_regstore_upload_start(rq->srv->rs, repo, rq->upload_id, &rq->err);
		if (r < 0)
			return internal_error(rq, r, &rq->err);
		rq->upload_new = true;
		r = cn_regstore_upload_claim(rq->srv->rs, repo, rq->upload_id, &rq->upload);
		if (r < 0)
			return internal_error(rq, r, NULL);
		rq->body_mode = BODY_UPLOAD;
		return MHD_YES;
	}
	switch (rq->method) {
	case M_GET:
		if (!claim(rq, &ret))
			return ret;
		return upload_progress(rq, MHD_HTTP_NO_CONTENT);
	case M_DELETE:
		if (!claim(rq, &ret))
			return ret;
		cn_upload_cancel(rq->upload);
		rq->upload = NULL;
		return respond_empty(rq, MHD_HTTP_NO_CONTENT, NULL);
	case M_PATCH:
	case M_PUT:
		if (!claim(rq, &ret) || !check_content_range(rq, &ret))
			return ret;
		rq->body_mode = BODY_UPLOAD;
		return MHD_YES;
	default:
		return method_not_allowed(rq);
	}
}

/* Ends the session under `digest`; answers 201 or 400. */
static enum MHD_Result upload_complete(struct request *rq, const char *digest)
{
	struct cn_digest d;
	enum MHD_Result ret;
	if (!parse_digest(rq, digest, &d, &ret)) {
		if (rq->upload_new) { /* a monolithic POST with a bad digest leaves nothing */
			cn_upload_cancel(rq->upload);
			rq->upload = NULL;
		}
		return ret;
	}
	struct cn_upload *u = rq->upload;
	rq->upload = NULL;
	int r = cn_upload_finish(u, &d, &rq->err);
	if (r == -EBADMSG)
		return digest_invalid(rq, cn_error_message(&rq->err, r));
	if (r < 0)
		return internal_error(rq, r, &rq->err);
	return blob_created(rq, &d);
}

static enum MHD_Result upload_finish(struct request *rq)
{
	if (rq->upload_err < 0) {
		int r = rq->upload_err;
		cn_upload_cancel(rq->upload);
		rq->upload = NULL;
		if (r == -E2BIG)
			return respond_error(rq, MHD_HTTP_CONTENT_TOO_LARGE, "SIZE_INVALID",
					     "blob too large", cn_error_message(&rq->err, r));
		return internal_error(rq, r, &rq->err);
	}
	const char *digest = request_query(rq, "digest");
	if (rq->method == M_PUT)
		return upload_complete(rq, digest);
	if (rq->method == M_POST && digest)
		return upload_complete(rq, digest);
	return upload_progress(rq, MHD_HTTP_ACCEPTED);
}

/* --------------------------------------------------------------------- manifests */

static bool is_digest_ref(const char *ref)
{
	return strchr(ref, ':') != NULL;
}

static enum MHD_Result manifest_unknown(struct request *rq)
{
	return respond_error(rq, MHD_HTTP_NOT_FOUND, "MANIFEST_UNKNOWN",
			     "manifest unknown to registry", rq->route.arg);
}

static enum MHD_Result manifest_get(struct request *rq)
{
	const char *ref = rq->route.arg;
	struct cn_digest d;
	enum MHD_Result ret;
	if (is_digest_ref(ref)) {
		if (!parse_digest(rq, ref, &d, &ret))
			return ret;
	} else if (!cn_regstore_tag_valid(ref)) {
		return manifest_unknown(rq);
	}
	struct cn_regstore_manifest m;
	int r = cn_regstore_manifest_get(rq->srv->rs, rq->route.name, ref, rq->method == M_GET, &m,
					 &rq->err);
	if (r == -ENOENT)
		return manifest_unknown(rq);
	if (r < 0)
		return internal_error(rq, r, &rq->err);
	struct MHD_Response *resp;
	ret = respond_json(rq, 0, m.media_type, m.body.buf, m.body.len, &resp);
	if (ret == MHD_YES) {
		add_header(resp, "Docker-Content-Digest", m.digest.str);
		char etag[CN_DIGEST_STR_MAX + 2];
		(void)snprintf(etag, sizeof(etag), "\"%s\"", m.digest.str);
		add_header(resp, MHD_HTTP_HEADER_ETAG, etag);
		ret = respond(rq, MHD_HTTP_OK, resp);
	}
	cn_regstore_manifest_release(&m);
	return ret;
}

static enum MHD_Result manifest_put(struct request *rq)
{
	if (rq->body_too_big)
		return respond_error(rq, MHD_HTTP_CONTENT_TOO_LARGE, "SIZE_INVALID",
				     "manifest too large", "the limit is 4 MiB");
	const char *ct = request_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
	struct cn_manifest_put_result res;
	memset(&res, 0, sizeof(res));
	int r = cn_regstore_manifest_put(rq->srv->rs, rq->route.name, rq->route.arg, ct,
					 rq->body.buf ? rq->body.buf : "", rq->body.len, &res,
					 &rq->err);
	if (r < 0) {
		const char *msg = cn_error_message(&rq->err, r);
		switch (res.problem) {
		case CN_MANIFEST_BLOB_UNKNOWN:
			return respond_error(
				rq, MHD_HTTP_BAD_REQUEST, "MANIFEST_BLOB_UNKNOWN",
				"manifest references a manifest or blob unknown to registry", msg);
		case CN_MANIFEST_DIGEST_INVALID:
			return digest_invalid(rq, msg);
		case CN_MANIFEST_TAG_INVALID:
			return respond_error(rq, MHD_HTTP_BAD_REQUEST, "TAG_INVALID",
					     "manifest tag did not match URI", msg);
		case CN_MANIFEST_TOO_BIG:
			return respond_error(rq, MHD_HTTP_CONTENT_TOO_LARGE, "SIZE_INVALID",
					     "manifest too large", msg);
		case CN_MANIFEST_INVALID:
			return respond_error(rq, MHD_HTTP_BAD_REQUEST, "MANIFEST_INVALID",
					     "manifest invalid", msg);
		default:
			return internal_error(rq, r, &rq->err);
		}
	}
	char loc[CN_ROUTE_NAME_MAX + CN_DIGEST_STR_MAX + 16];
	(void)snprintf(loc, sizeof(loc), "/v2/%s/manifests/%s", rq->route.name, res.digest.str);
	struct MHD_Response *resp;
	respond_empty(rq, 0, &resp);
	add_header(resp, MHD_HTTP_HEADER_LOCATION, loc);
	add_header(resp, "Docker-Content-Digest", res.digest.str);
	if (res.has_subject)
		add_header(resp, "OCI-Subject", res.subject.str);
	return respond(rq, MHD_HTTP_CREATED, resp);
}

static enum MHD_Result manifest_delete(struct request *rq)
{
	const char *ref = rq->route.arg;
	struct cn_digest d;
	enum MHD_Result ret;
	if (is_digest_ref(ref) && !parse_digest(rq, ref, &d, &ret))
		return ret;
	int r = cn_regstore_manifest_delete(rq->srv->rs, rq->route.name, ref, &rq->err);
	if (r == -ENOENT)
		return manifest_unknown(rq);
	if (r < 0)
		return internal_error(rq, r, &rq->err);
	return respond_empty(rq, MHD_HTTP_ACCEPTED, NULL);
}

/* --------------------------------------------------------------------- listings */

/* `n` and `last` of a paged list; answers 400 for a bad n. */
static bool page_args(struct request *rq, size_t def, size_t *n, const char **last,
		      enum MHD_Result *ret)
{
	const char *ns = request_query(rq, "n");
	uint64_t v = def;
	if (ns && cn_parse_u64(ns, UINT32_MAX, &v) < 0) {
		*ret = respond_error(rq, MHD_HTTP_BAD_REQUEST, "PAGINATION_NUMBER_INVALID",
				     "invalid number of results requested", ns);
		return false;
	}
	*n = v > LIST_MAX ? LIST_MAX : (size_t)v;
	*last = request_query(rq, "last");
	return true;
}

static enum MHD_Result list_answer(struct request *rq, json_t *doc, const char *base, size_t n,
				   char **items, size_t count, bool more)
{
	char *s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	struct MHD_Response *resp;
	enum MHD_Result ret = respond_json(rq, 0, "application/json", s, strlen(s), &resp);
	free(s);
	if (ret != MHD_YES)
		return ret;
	if (more && count > 0) {
		/* Tags and names are plain ASCII from the spec's grammars: no escaping needed. */
		cleanup_free char *link =
			xasprintf("<%s?n=%zu&last=%s>; rel=\"next\"", base, n, items[count - 1]);
		add_header(resp, "Link", link);
	}
	return respond(rq, MHD_HTTP_OK, resp);
}

static enum MHD_Result tags_list(struct request *rq)
{
	size_t n;
	const char *last;
	enum MHD_Result ret;
	if (!page_args(rq, 0, &n, &last, &ret))
		return ret;
	if (request_query(rq, "n") && n == 0)
		return list_answer(rq, json_pack("{s:s,s:[]}", "name", rq->route.name, "tags"), "",
				   0, NULL, 0, false);
	char **tags = NULL;
	size_t count = 0;
	bool more = false;
	int r = cn_regstore_tags(rq->srv->rs, rq->route.name, last, n ? n : LIST_MAX, &tags, &count,
				 &more, &rq->err);
	if (r == -ENOENT)
		return respond_error(rq, MHD_HTTP_NOT_FOUND, "NAME_UNKNOWN",
				     "repository name not known to registry", rq->route.name);
	if (r < 0)
		return internal_error(rq, r, &rq->err);
	json_t *arr = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(arr, json_string(tags[i]));
	cleanup_free char *base = xasprintf("/v2/%s/tags/list", rq->route.name);
	ret = list_answer(rq, json_pack("{s:s,s:o}", "name", rq->route.name, "tags", arr), base,
			  n ? n : LIST_MAX, tags, count, more);
	cn_regstore_strv_free(tags, count);
	return ret;
}

static enum MHD_Result catalog(struct request *rq)
{
	size_t n;
	const char *last;
	enum MHD_Result ret;
	if (!page_args(rq, CATALOG_DEFAULT, &n, &last, &ret))
		return ret;
	if (n == 0)
		return list_answer(rq, json_pack("{s:[]}", "repositories"), "", 0, NULL, 0, false);
	char **names = NULL;
	size_t count = 0;
	bool more = false;
	int r = cn_regstore_catalog(rq->srv->rs, last, n, &names, &count, &more, &rq->err);
	if (r < 0)
		return internal_error(rq, r, &rq->err);
	/* Only what this client may pull is listed; the page's Link still follows the last name
	 * looked at, so paging goes on past repositories left out. */
	json_t *arr = json_array();
	for (size_t i = 0; i < count; i++)
		if (listing_visible(rq, names[i]))
			json_array_append_new(arr, json_string(names[i]));
	ret = list_answer(rq, json_pack("{s:o}", "repositories", arr), "/v2/_catalog", n, names,
			  count, more);
	cn_regstore_strv_free(names, count);
	return ret;
}

static enum MHD_Result referrers(struct request *rq)
{
	struct cn_digest d;
	enum MHD_Result ret;
	if (!parse_digest(rq, rq->route.arg, &d, &ret))
		return ret;
	const char *type = request_query(rq, "artifactType");
	struct strbuf body;
	strbuf_init(&body, 256);
	int r = cn_regstore_referrers(rq->srv->rs, rq->route.name, &d, type, &body, &rq->err);
	if (r < 0) {
		strbuf_release(&body);
		return internal_error(rq, r, &rq->err);
	}
	struct MHD_Response *resp;
	ret = respond_json(rq, 0, INDEX_TYPE, body.buf, body.len, &resp);
	strbuf_release(&body);
	if (ret != MHD_YES)
		return ret;
	if (type)
		add_header(resp, "OCI-Filters-Applied", "artifactType");
	return respond(rq, MHD_HTTP_OK, resp);
}

/* --------------------------------------------------------------------- dispatch */

/* The actions a route needs on its repository. */
static unsigned route_actions(const struct request *rq)
{
	switch (rq->method) {
	case M_GET:
	case M_HEAD:
		return CN_ACTION_PULL;
	case M_DELETE:
		/* Cancelling one's own upload is part of pushing. */
		return rq->route.kind == CN_ROUTE_UPLOAD ? CN_ACTION_PUSH : CN_ACTION_DELETE;
	default:
		return CN_ACTION_PUSH;
	}
}

enum MHD_Result v2_begin(struct request *rq)
{
	enum MHD_Result ret;
	const struct cn_route *rt = &rq->route;
	if (rt->kind == CN_ROUTE_PING || rt->kind == CN_ROUTE_CATALOG) {
		if (rq->method != M_GET && rq->method != M_HEAD)
			return method_not_allowed(rq);
		if (!authorize(rq, NULL, CN_ACTION_PULL, &ret))
			return ret;
		if (rt->kind == CN_ROUTE_CATALOG)
			return catalog(rq);
		return respond_json(rq, MHD_HTTP_OK, "application/json", "{}", 2, NULL);
	}
	if (rt->name_too_long || !cn_regstore_name_valid(rt->name))
		return name_invalid(rq);
	if (!authorize(rq, rt->name, route_actions(rq), &ret))
		return ret;
	switch (rt->kind) {
	case CN_ROUTE_TAGS:
		return rq->method == M_GET ? tags_list(rq) : method_not_allowed(rq);
	case CN_ROUTE_REFERRERS:
		return rq->method == M_GET ? referrers(rq) : method_not_allowed(rq);
	case CN_ROUTE_BLOB:
		return blob_route(rq);
	case CN_ROUTE_UPLOAD_START:
	case CN_ROUTE_UPLOAD:
		return upload_begin(rq);
	case CN_ROUTE_MANIFEST:
		if (rq->method == M_GET || rq->method == M_HEAD)
			return manifest_get(rq);
		if (rq->method == M_DELETE)
			return manifest_delete(rq);
		if (rq->method != M_PUT)
			return method_not_allowed(rq);
		const char *cl = request_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
		uint64_t len;
		if (cl && cn_parse_u64(cl, UINT64_MAX, &len) == 0 && len > CN_MANIFEST_MAX)
			return respond_error(rq, MHD_HTTP_CONTENT_TOO_LARGE, "SIZE_INVALID",
					     "manifest too large", "the limit is 4 MiB");
		rq->body_mode = BODY_BUFFER;
		rq->body_limit = CN_MANIFEST_MAX;
		return MHD_YES;
	default:
		return respond_error(rq, MHD_HTTP_NOT_FOUND, "NOT_FOUND", "no such endpoint",
				     rq->path);
	}
}

enum MHD_Result v2_finish(struct request *rq)
{
	switch (rq->route.kind) {
	case CN_ROUTE_MANIFEST:
		return manifest_put(rq);
	case CN_ROUTE_UPLOAD_START:
	case CN_ROUTE_UPLOAD:
		return upload_finish(rq);
	default:
		return respond_error(rq, MHD_HTTP_NOT_FOUND, "NOT_FOUND", "no such endpoint",
				     rq->path);
	}
}
