/*
 * A client for one registry (the pull side of the OCI distribution spec): ping, auth
 * (Basic, and Bearer per Docker's token spec with one cached token per scope), manifests
 * verified against their digest, resumable blob downloads into the store, tag lists,
 * the catalog and Docker Hub's /v1/search.
 *
 * Thread safety: one cn_registry may be shared by threads, each with its own cn_http handle.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "lib/image/manifest.h"
#include "lib/registry/http.h"
#include "lib/store/store.h"

struct cn_registry;

struct cn_registry_options {
	const char *config_dir; /* docker-style config dir for credentials; NULL = default */
	const char *username;	/* explicit credentials override config.json (login) */
	const char *password;
	bool insecure; /* plain HTTP even for a non-loopback host */
};

/* `domain` as in references ("docker.io", "localhost:5000"). Loopback hosts use plain HTTP. */
int cn_registry_new(const char *domain, const struct cn_registry_options *opts,
		    struct cn_registry **ret, struct cn_error *err);
struct cn_registry *cn_registry_free(struct cn_registry *reg);
const char *cn_registry_domain(const struct cn_registry *reg);
/* True when `host` (with optional :port) is loopback: localhost, 127.0.0.0/8, ::1. */
bool cn_registry_host_is_loopback(const char *domain);

/* GET /v2/ with auth: 0 when the registry answers and accepts our credentials. */
int cn_registry_ping(struct cn_registry *reg, struct cn_http *h, struct cn_error *err);

struct cn_fetched_manifest {
	struct strbuf body;
	char content_type[256];
	struct cn_digest digest; /* digest of the bytes, verified */
};

/*
 * GETs a manifest by tag or digest (`reference`), Accept listing every supported type. The bytes
 * are verified against `reference` when it is a digest, else against Docker-Content-Digest when
 * the registry sent one. Errors: -ENOENT (unknown), -EACCES, -EBADMSG (digest mismatch), ...
 */
int cn_registry_get_manifest(struct cn_registry *reg, struct cn_http *h, const char *repo,
			     const char *reference, struct cn_fetched_manifest *ret,
			     struct cn_error *err);
void cn_fetched_manifest_release(struct cn_fetched_manifest *m);

/* Progress of one blob download; called from the downloading thread. */
typedef void (*cn_blob_progress_fn)(void *userdata, uint64_t done, uint64_t total);

/*
 * Downloads blob `desc` of `repo` into the store, streaming to disk while hashing, resuming
 * with Range after a partial attempt (in this process or an earlier, killed one), retrying
 * transient failures with backoff. Returns 1 if the blob was already stored, 0 when fetched,
 * negative errno on failure (-EBADMSG digest mismatch: nothing is stored).
 * `ret_fetched` (may be NULL) receives the bytes transferred over the network.
 */
int cn_registry_fetch_blob(struct cn_registry *reg, struct cn_http *h, const char *repo,
			   const struct cn_descriptor *desc, struct cn_store *store,
			   cn_blob_progress_fn progress, void *userdata, uint64_t *ret_fetched,
			   struct cn_error *err);

/* Tags of a repository (following Link pagination). Free with cn_strv_free(). */
int cn_registry_list_tags(struct cn_registry *reg, struct cn_http *h, const char *repo, char ***ret,
			  size_t *ret_n, struct cn_error *err);
/* Repositories from /v2/_catalog (following Link pagination), at most `limit`. */
int cn_registry_catalog(struct cn_registry *reg, struct cn_http *h, size_t limit, char ***ret,
			size_t *ret_n, struct cn_error *err);
void cn_strv_free(char **v, size_t n);

struct cn_search_result {
	char *name;
	char *description;
	int64_t star_count;
	bool is_official;
	bool is_automated;
};

/*
 * Docker Hub's GET /v1/search?q=TERM&n=LIMIT. Returns 0 with results, -ENOTSUP when the
 * registry does not offer the API (404), or another error.
 */
int cn_registry_search_v1(struct cn_registry *reg, struct cn_http *h, const char *term,
			  size_t limit, struct cn_search_result **ret, size_t *ret_n,
			  struct cn_error *err);
void cn_search_results_free(struct cn_search_result *v, size_t n);

/* ------------------------------------------------------------------------------------------
 * Push (upload.c): blobs by HEAD, cross-repository mount or an upload session (monolithic PUT,
 * one streamed PATCH, or Content-Range chunks when the registry asks for them), resumed from
 * the registry's upload status after a transient failure; manifests by PUT.
 * Every request uses the scope "repository:REPO:pull,push" (plus "repository:FROM:pull" in
 * the same token request for a mount).
 * ------------------------------------------------------------------------------------------ */

/* What cn_registry_push_blob() did (its non-negative return values). */
enum cn_blob_push_outcome {
	CN_BLOB_UPLOADED = 0, /* bytes sent: ret_sent says how many */
	CN_BLOB_EXISTED = 1,  /* HEAD found it in the repository: nothing sent */
	CN_BLOB_MOUNTED = 2,  /* the registry mounted it from `mount_from`: nothing sent */
};

struct cn_blob_upload {
	/* Digest and size of the bytes. */
	const struct cn_descriptor *desc;
	/* Borrowed; read with pread from offset 0 (never seeked). */
	int fd;
	/* A repository of this registry that may hold the blob (a mount is tried), or NULL. */
	const char *mount_from;
	/* > 0: PATCH in chunks of this size; 0: one streamed PATCH (or chunks of the registry's
	 * OCI-Chunk-Min-Length when it sends one). */
	uint64_t chunk_size;
	/* Bytes of this blob sent so far (may be NULL). */
	cn_blob_progress_fn progress;
	void *userdata;
};

/*
 * Makes blob `up->desc` present in `repo`: HEAD, else mount, else upload, retrying transient
 * failures (5xx, 429, dropped connections) with backoff, resuming a session from its upload
 * status where the registry allows and restarting it otherwise. Returns an outcome (>= 0) or
 * a negative errno: -EACCES (credentials, or a token without push access), -EPROTO, -EIO, ...
 * `ret_sent` (may be NULL) receives the bytes sent over the network.
 */
int cn_registry_push_blob(struct cn_registry *reg, struct cn_http *h, const char *repo,
			  const struct cn_blob_upload *up, uint64_t *ret_sent,
			  struct cn_error *err);

/*
 * PUTs manifest bytes `data` as `reference` (a tag or the digest) with Content-Type
 * `media_type`. The registry's Docker-Content-Digest, when sent, must equal the digest of the
 * bytes (-EBADMSG otherwise). Returns 0 or a negative errno.
 */
int cn_registry_put_manifest(struct cn_registry *reg, struct cn_http *h, const char *repo,
			     const char *reference, const char *media_type, const void *data,
			     size_t len, struct cn_error *err);

/*
 * cn_registry_put_manifest() for a manifest with a `subject` (an SBOM, a signature): also
 * returns the registry's OCI-Subject answer in `ret_subject` ("" when it sent none: the
 * registry has no referrers API, and the client maintains the referrers tag schema instead).
 */
int cn_registry_put_referrer(struct cn_registry *reg, struct cn_http *h, const char *repo,
			     const char *reference, const char *media_type, const void *data,
			     size_t len, char ret_subject[CN_DIGEST_STR_MAX], struct cn_error *err);
