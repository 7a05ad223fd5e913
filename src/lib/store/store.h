/*
 * The local image store: an OCI image layout at ROOT (oci-layout, index.json, blobs/<algo>/<hex>)
 * that skopeo and umoci read as it is, plus cairn's own state in ROOT/state (locks, partial
 * downloads) which never lives inside blobs/.
 *
 * Invariants:
 *  - a file appears under blobs/ only after its bytes hashed to its name (temp file, fsync,
 *    rename); index.json is replaced atomically under ROOT/state/index.lock;
 *  - a process that may add blobs holds ROOT/state/gc.lock shared for its lifetime, and gc holds
 *    it exclusive, so gc never deletes a blob a concurrent pull has stored but not yet tagged;
 *  - a partial download lives in ROOT/state/partial/<algo>-<hex>, locked (flock) by its writer;
 *    two processes needing the same blob take turns, and the second finds it stored.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "lib/digest/digest.h"
#include "lib/image/manifest.h"

#define CN_ANNOTATION_REPO_DIGEST "dev.cairn.repo.digest"
/* On an entry converted from Docker schema 2 to OCI: the digest of the registry's original
 * manifest (or list), also kept in blobs/ and reachable for gc. */
#define CN_ANNOTATION_SOURCE_MANIFEST "dev.cairn.manifest.source"

struct cn_store;

enum cn_store_flags {
	CN_STORE_CREATE = 1 << 0, /* create the layout if missing */
	CN_STORE_WRITE = 1 << 1,  /* this process may add blobs: hold gc.lock shared */
	CN_STORE_GC = 1 << 2,	  /* hold gc.lock exclusive (waits for writers to finish) */
};

/* Opens the store at `root`. Returns 0, -ENOENT (no store and no CN_STORE_CREATE), -errno. */
int cn_store_open(const char *root, unsigned flags, struct cn_store **ret, struct cn_error *err);
struct cn_store *cn_store_free(struct cn_store *s);
const char *cn_store_root(const struct cn_store *s);

/* --- blobs --- */

/* 1 and the size when the blob is stored, 0 when not, -errno on error. */
int cn_store_has_blob(struct cn_store *s, const struct cn_digest *d, int64_t *ret_size);
/* Opens the blob read-only (O_CLOEXEC). Returns the fd or -ENOENT/-errno. */
int cn_store_open_blob(struct cn_store *s, const struct cn_digest *d);
/* Reads a whole (small) blob into `out`, verifying its digest; -E2BIG over `max`. */
int cn_store_read_blob(struct cn_store *s, const struct cn_digest *d, size_t max,
		       struct strbuf *out, struct cn_error *err);
/* Stores `data` as a blob. If `want` is non-NULL the data must hash to it (-EBADMSG if not).
 * The digest is written to `ret` (may be NULL). Storing an existing blob is a no-op. */
int cn_store_put_blob(struct cn_store *s, const void *data, size_t len,
		      const struct cn_digest *want, struct cn_digest *ret, struct cn_error *err);
/* Deletes one blob (used by rmi/gc). -ENOENT when absent. */
int cn_store_delete_blob(struct cn_store *s, const struct cn_digest *d);

/*
 * Streaming ingest of one blob with resume. begin() locks the blob's partial file (waiting for
 * another process that holds it) and returns 1 with *ret NULL if the blob is already stored;
 * otherwise 0 with a writer positioned after any bytes a previous attempt kept
 * (cn_blob_writer_offset()). write() hashes and appends; more bytes than `size` is -E2BIG.
 * commit() verifies size and digest and makes the blob visible; on a mismatch the partial file
 * is deleted and -EBADMSG returned. free() releases the lock and keeps the partial for resume.
 */
struct cn_blob_writer;
int cn_store_ingest_begin(struct cn_store *s, const struct cn_digest *want, int64_t size,
			  struct cn_blob_writer **ret, struct cn_error *err);
uint64_t cn_blob_writer_offset(const struct cn_blob_writer *w);
int cn_blob_writer_write(struct cn_blob_writer *w, const void *data, size_t len,
			 struct cn_error *err);
/* Drops the bytes written so far (the server ignored our Range request). */
int cn_blob_writer_reset(struct cn_blob_writer *w, struct cn_error *err);
int cn_blob_writer_commit(struct cn_blob_writer *w, struct cn_error *err);
struct cn_blob_writer *cn_blob_writer_free(struct cn_blob_writer *w);

/*
 * A new blob whose digest is known only at its end (a layer cairn makes): the bytes go to a
 * temporary file under ROOT/state/partial, hashed (sha256) on the way, and commit names it by
 * its digest (a no-op when the store has that blob already). free() without commit deletes it.
 */
struct cn_blob_new;
int cn_store_blob_create(struct cn_store *s, struct cn_blob_new **ret, struct cn_error *err);
int cn_blob_new_write(struct cn_blob_new *b, const void *data, size_t len, struct cn_error *err);
/* A read-only fd on the bytes written so far, from the start (to check them before commit). */
int cn_blob_new_reopen(struct cn_blob_new *b);
int cn_blob_new_commit(struct cn_blob_new *b, struct cn_digest *ret, int64_t *ret_size,
		       struct cn_error *err);
/*
 * Commits under a digest declared by the caller (a registry upload): sha256 is checked against
 * the running hash, any other algorithm by reading the file back. -EBADMSG on a mismatch (the
 * bytes stay until free(), which deletes them); call once.
 */
int cn_blob_new_commit_as(struct cn_blob_new *b, const struct cn_digest *want, int64_t *ret_size,
			  struct cn_error *err);
struct cn_blob_new *cn_blob_new_free(struct cn_blob_new *b);
static inline void cn_blob_new_freep(struct cn_blob_new **b)
{
	cn_blob_new_free(*b);
}
#define cleanup_blob_new __attribute__((cleanup(cn_blob_new_freep)))

/*
 * The diff_id (digest of the uncompressed tar) of layer blob `blob`, recorded once a full read
 * checked it against an image config (ROOT/state/diffids/<algo>-<hex>). A blob never changes,
 * so later reads need not hash it again. 1 and *ret when recorded, 0 when not.
 */
int cn_store_get_diff_id(struct cn_store *s, const struct cn_digest *blob, struct cn_digest *ret);
/* Records it (best effort: a failure only means the next read hashes again). gc removes the
 * records of deleted blobs. */
void cn_store_put_diff_id(struct cn_store *s, const struct cn_digest *blob,
			  const struct cn_digest *diff_id);

/* An unnamed temporary file in ROOT/state (O_TMPFILE: gone when closed), for spooling data too
 * large for memory. Returns the fd or -errno. */
int cn_store_tmpfile(struct cn_store *s);

/* --- tags (index.json entries named by org.opencontainers.image.ref.name) --- */

struct cn_store_tag {
	char *name;	     /* full normalized reference, e.g. docker.io/library/redis:7 */
	char *repo_digest;   /* digest the registry served for it (index or manifest), or NULL */
	char *source_digest; /* the original Docker manifest this OCI entry was converted from */
	struct cn_descriptor desc;
};

/* Reads index.json. The array is freed with cn_store_tags_free(). */
int cn_store_list_tags(struct cn_store *s, struct cn_store_tag **ret, size_t *ret_n,
		       struct cn_error *err);
void cn_store_tags_free(struct cn_store_tag *tags, size_t n);
/* Adds or replaces the entry `name` -> desc. `repo_digest` and `source_digest` may be NULL. */
int cn_store_set_tag(struct cn_store *s, const char *name, const struct cn_descriptor *desc,
		     const char *repo_digest, const char *source_digest, struct cn_error *err);
/* Removes the entry `name`; -ENOENT if there is none. */
int cn_store_remove_tag(struct cn_store *s, const char *name, struct cn_error *err);

/* --- whole-store maintenance (gc.c) --- */

struct cn_gc_stats {
	uint64_t blobs_deleted;
	uint64_t bytes_freed;
	uint64_t partials_deleted;
};

/* Called for each blob deleted (gc: or that would be, with dry_run), with its size. */
typedef void (*cn_store_deleted_fn)(void *userdata, const struct cn_digest *d, uint64_t size);

/* Deletes every blob no tag reaches, and stale partial downloads. Needs CN_STORE_GC. */
int cn_store_gc(struct cn_store *s, bool dry_run, struct cn_gc_stats *ret, struct cn_error *err);
/* cn_store_gc() that also calls `deleted` (may be NULL) for each blob (not partial) deleted. */
int cn_store_gc_report(struct cn_store *s, bool dry_run, cn_store_deleted_fn deleted,
		       void *userdata, struct cn_gc_stats *ret, struct cn_error *err);

/* fsck reports each problem through this callback, one line each. */
typedef void (*cn_fsck_report_fn)(void *userdata, const char *problem);
/* Re-hashes every blob and checks every tag's closure. Returns the number of problems. */
int cn_store_fsck(struct cn_store *s, cn_fsck_report_fn report, void *userdata,
		  struct cn_error *err);

/* Calls fn for every blob reachable from `desc` (itself, index children, config, layers).
 * Missing blobs are reported with present=false and not descended into. */
typedef int (*cn_store_walk_fn)(void *userdata, const struct cn_descriptor *d, bool present);
int cn_store_walk(struct cn_store *s, const struct cn_descriptor *desc, cn_store_walk_fn fn,
		  void *userdata, struct cn_error *err);
/* cn_store_walk() over everything an index.json entry keeps alive: its manifest's closure and
 * that of its source manifest, if any. */
int cn_store_walk_tag(struct cn_store *s, const struct cn_store_tag *tag, cn_store_walk_fn fn,
		      void *userdata, struct cn_error *err);

static inline void cn_store_freep(struct cn_store **s)
{
	cn_store_free(*s);
}
#define cleanup_store __attribute__((cleanup(cn_store_freep)))
