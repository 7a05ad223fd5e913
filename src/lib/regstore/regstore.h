/*
 * The registry's storage (what `cairn serve` keeps in --storage, by default ROOT/registry):
 * repositories, their tags and manifests, the blobs each repository may read, upload
 * sessions, referrers, and the per-repository facts search needs (description, pull count).
 *
 * Layout under DIR:
 *   oci-layout, index.json, blobs/<algo>/<hex>, state/   the content-addressed store (store.h):
 *                                                        every blob once, whatever repository
 *   repositories/<name>/_layers/<algo>/<hex>             blob links: a blob is readable in <name>
 *                                                        only through its link (pushed or mounted)
 *   repositories/<name>/_manifests/revisions/<algo>/<hex> manifest links; content: media type
 *   repositories/<name>/_manifests/tags/<tag>            content: the digest it points at
 *   repositories/<name>/_referrers/<algo>-<hex>/<algo>-<hex>
 *                                                        subject -> referrer; content: the
 *                                                        referrer's descriptor (JSON)
 *   repositories/<name>/_meta/description, pulls         search facts
 *   (manifests are blobs too: their bytes live in blobs/ like any other)
 *
 * Invariants: every file appears atomically (temp + rename), so a crash leaves either the old
 * or the new state; a link is made only after its blob is stored; a blob or manifest is
 * deleted from blobs/ only by cn_regstore_gc(). Upload data lives in a temporary file of the
 * store until its digest is verified: a crash mid-upload leaves nothing visible.
 *
 * Thread safety: one cn_regstore serves every thread of the server; each function takes the
 * locks it needs. Another process (`cairn registry gc`) may run cn_regstore_gc() on the same
 * DIR while the server runs; see gc below for the protocol that keeps in-flight pushes safe.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "lib/digest/digest.h"
#include "lib/image/manifest.h" /* CN_MT_*, CN_MANIFEST_MAX (4 MiB) */

struct cn_regstore;

struct cn_regstore_options {
	int64_t upload_expiry_s; /* idle upload sessions older than this are dropped; 0 = 3600 */
	int64_t gc_grace_s;	 /* blobs/manifests linked or touched more recently are kept by
				    gc even when nothing references them; 0 = 3600 */
};

/* Opens (creating when missing) the storage at `dir`. `opts` may be NULL. */
int cn_regstore_open(const char *dir, const struct cn_regstore_options *opts,
		     struct cn_regstore **ret, struct cn_error *err);
/* Flushes pull counts, drops upload sessions (their temporary files vanish), frees. */
struct cn_regstore *cn_regstore_free(struct cn_regstore *rs);

/* OCI distribution spec grammar: repository names
 * [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*, at most 255 bytes;
 * tags [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}. */
bool cn_regstore_name_valid(const char *name);
bool cn_regstore_tag_valid(const char *tag);

/* --- blobs --- */

/* 1 and the size when `d` is readable in `repo` (a blob pushed or mounted there, or one of its
 * manifests), 0 when not, -errno. A hit refreshes the link's time (gc grace), so a client that
 * HEADs a blob before pushing a manifest that uses it does not race gc. */
int cn_regstore_blob_stat(struct cn_regstore *rs, const char *repo, const struct cn_digest *d,
			  int64_t *ret_size);
/* Opens a blob readable in `repo`: the fd (O_RDONLY|O_CLOEXEC) and its size; -ENOENT. */
int cn_regstore_blob_open(struct cn_regstore *rs, const char *repo, const struct cn_digest *d,
			  int64_t *ret_size);
/* Removes the blob's link from `repo` (the bytes stay until gc). -ENOENT when not linked. */
int cn_regstore_blob_unlink(struct cn_regstore *rs, const char *repo, const struct cn_digest *d);
/* Links into `repo` a blob readable in `from`: 1 when mounted, 0 when `from` cannot read it. */
int cn_regstore_blob_mount(struct cn_regstore *rs, const char *repo, const char *from,
			   const struct cn_digest *d, struct cn_error *err);

/* --- uploads --- */

#define CN_UPLOAD_ID_MAX     40			/* uuid-like session ids, NUL included */
#define CN_REGSTORE_BLOB_MAX ((int64_t)1 << 40) /* bytes one upload may carry */

/* Starts an upload session in `repo`; its id (random, URL-safe) is written to `ret_id`. */
int cn_regstore_upload_start(struct cn_regstore *rs, const char *repo,
			     char ret_id[CN_UPLOAD_ID_MAX], struct cn_error *err);

/*
 * Claims session `id` of `repo` for one request: -ENOENT when unknown or expired (or of
 * another repo), -EBUSY when another request holds it. Release with cn_upload_release().
 */
struct cn_upload;
int cn_regstore_upload_claim(struct cn_regstore *rs, const char *repo, const char *id,
			     struct cn_upload **ret);
/* Bytes received so far. */
uint64_t cn_upload_size(const struct cn_upload *u);
/* Appends (streamed to disk, hashed on the way). -E2BIG past the store's blob limit. */
int cn_upload_write(struct cn_upload *u, const void *data, size_t len, struct cn_error *err);
/*
 * Ends the session: the bytes must hash to `want` (-EBADMSG when not: the session and its data
 * are dropped). On success the blob is stored and linked into the session's repo. Either way
 * `u` is freed.
 */
int cn_upload_finish(struct cn_upload *u, const struct cn_digest *want, struct cn_error *err);
/* Drops the session and its data; `u` is freed. */
void cn_upload_cancel(struct cn_upload *u);
/* Gives the session back (it stays open for the next request). */
void cn_upload_release(struct cn_upload *u);

/* --- manifests and tags --- */

/* CN_MANIFEST_MAX (manifest.h): bytes a manifest PUT may carry */
#define CN_MEDIA_TYPE_MAX 256

struct cn_regstore_manifest {
	struct strbuf body;
	char media_type[CN_MEDIA_TYPE_MAX];
	struct cn_digest digest;
};
void cn_regstore_manifest_release(struct cn_regstore_manifest *m);

/* GET/HEAD by tag or digest. -ENOENT (unknown manifest or tag), -EINVAL (bad reference).
 * `count_pull` adds one to the repository's pull count (a GET by a client, not a HEAD). */
int cn_regstore_manifest_get(struct cn_regstore *rs, const char *repo, const char *reference,
			     bool count_pull, struct cn_regstore_manifest *ret,
			     struct cn_error *err);

/* What a PUT found wrong, for the spec's error codes. */
enum cn_manifest_problem {
	CN_MANIFEST_OK,
	CN_MANIFEST_INVALID,	    /* MANIFEST_INVALID: not JSON, dup keys, wrong shape/type */
	CN_MANIFEST_BLOB_UNKNOWN,   /* MANIFEST_BLOB_UNKNOWN: config/layer/child not in repo */
	CN_MANIFEST_DIGEST_INVALID, /* DIGEST_INVALID: reference is a digest the body does not hash
				       to */
	CN_MANIFEST_TAG_INVALID,    /* TAG_INVALID */
	CN_MANIFEST_TOO_BIG,	    /* SIZE_INVALID / 413 */
};

struct cn_manifest_put_result {
	struct cn_digest digest;
	bool has_subject; /* the manifest names a subject: answer with OCI-Subject */
	struct cn_digest subject;
	enum cn_manifest_problem problem;
};

/*
 * PUT /v2/<repo>/manifests/<reference> with `content_type`: validates (cn_manifest_validate()),
 * checks every referenced blob/child is readable in `repo` (a subject need not exist), stores
 * the bytes, links the revision, points the tag (when `reference` is a tag) and records the
 * referrer (when it has a subject) and the repository's description (from the config's
 * org.opencontainers.image.description label). Returns 0, or a negative errno with
 * ret->problem saying which error code the client should see.
 */
int cn_regstore_manifest_put(struct cn_regstore *rs, const char *repo, const char *reference,
			     const char *content_type, const void *body, size_t len,
			     struct cn_manifest_put_result *ret, struct cn_error *err);

/* DELETE by digest (the manifest, every tag pointing at it, its referrer record) or by tag
 * (the tag only). -ENOENT when unknown. */
int cn_regstore_manifest_delete(struct cn_regstore *rs, const char *repo, const char *reference,
				struct cn_error *err);

/* Tags of `repo` in lexical order, at most `n` (0 = all) after `last` (NULL = from the start).
 * -ENOENT when the repository does not exist. `*ret_more` says whether more follow. */
int cn_regstore_tags(struct cn_regstore *rs, const char *repo, const char *last, size_t n,
		     char ***ret, size_t *ret_n, bool *ret_more, struct cn_error *err);
/* Repositories in lexical order, same paging. */
int cn_regstore_catalog(struct cn_regstore *rs, const char *last, size_t n, char ***ret,
			size_t *ret_n, bool *ret_more, struct cn_error *err);
void cn_regstore_strv_free(char **v, size_t n);

/* The referrers of `subject` in `repo` as an OCI image index
 * (application/vnd.oci.image.index.v1+json), only those of `artifact_type` when non-NULL. An
 * unknown subject gives an empty index. */
int cn_regstore_referrers(struct cn_regstore *rs, const char *repo, const struct cn_digest *subject,
			  const char *artifact_type, struct strbuf *ret_index,
			  struct cn_error *err);

/* --- search --- */

struct cn_regstore_repo_info {
	char *name;
	char *description; /* "" when none */
	uint64_t pull_count;
};
/* Every repository with its search facts (pull counts include those not yet flushed). */
int cn_regstore_repo_infos(struct cn_regstore *rs, struct cn_regstore_repo_info **ret,
			   size_t *ret_n, struct cn_error *err);
void cn_regstore_repo_infos_free(struct cn_regstore_repo_info *v, size_t n);
/* Writes pull counts kept in memory to disk (the server calls it every few seconds). */
int cn_regstore_flush(struct cn_regstore *rs, struct cn_error *err);
/* Drops upload sessions idle longer than the expiry (the server calls it now and then). */
void cn_regstore_expire_uploads(struct cn_regstore *rs);

/* --- gc (another process may run it while a server uses DIR) --- */

struct cn_regstore_gc_stats {
	uint64_t manifests_deleted;
	uint64_t blobs_deleted;
	uint64_t links_deleted;
	uint64_t bytes_freed;
};
typedef void (*cn_regstore_gc_fn)(void *userdata, const char *what, const struct cn_digest *d,
				  uint64_t size);
/*
 * Mark and sweep. Live: every tagged manifest of every repository, their closure (index
 * children, config, layers), referrers of live manifests (transitively), and anything linked or
 * touched within the grace period (an in-flight push). Untagged manifests and blob links of a
 * repository that nothing live uses are removed, then blobs no repository links. Reports
 * each deletion through `fn` (may be NULL); with `dry_run` deletes nothing.
 * Safe with a running server: writers hold STORAGE/state/registry.lock shared for the short
 * critical sections that create links; gc re-checks under the exclusive lock before deleting.
 */
int cn_regstore_gc(struct cn_regstore *rs, bool dry_run, cn_regstore_gc_fn fn, void *userdata,
		   struct cn_regstore_gc_stats *ret, struct cn_error *err);

/* --- manifest validation (validate.c; pure, fuzzed) --- */

#define CN_MANIFEST_REFS_MAX 10000

struct cn_manifest_refs {
	char media_type[CN_MEDIA_TYPE_MAX]; /* the type it declares (or the Content-Type) */
	bool is_index;			    /* children are manifests, not blobs */
	struct cn_digest *digests;	    /* config + layers, or index children */
	size_t n;
	bool has_subject;
	struct cn_digest subject;
	char artifact_type[CN_MEDIA_TYPE_MAX]; /* artifactType, else config.mediaType ("" if none)
						*/
	char description[512]; /* unused by validation; filled by the store from the config */
};
void cn_manifest_refs_release(struct cn_manifest_refs *r);

/*
 * Checks a manifest body as a registry must before storing it: JSON without duplicate keys,
 * an object of a supported media type (OCI image manifest or index, Docker schema 2 manifest
 * or list; OCI artifacts with any config type) matching `content_type` when both are known,
 * schemaVersion 2, descriptors with valid digests and non-negative sizes. Returns 0 and the
 * references, or -EBADMSG with a one-line reason in `err`.
 */
int cn_manifest_validate(const void *body, size_t len, const char *content_type,
			 struct cn_manifest_refs *ret, struct cn_error *err);
