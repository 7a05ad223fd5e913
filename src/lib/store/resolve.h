/*
 * Resolving what a user typed (`redis`, `redis:7`, `name@sha256:..`, an image ID or a prefix of
 * one) to an image in the local store: its index.json entry, image manifest and config. Used by
 * the local image commands (images, inspect, history, tag, rmi).
 *
 * The image ID is the config digest, as in Docker. An entry whose manifest is an index
 * (`pull --all-platforms`) resolves to the host platform's image when the store holds it, else
 * to the first image of the index that it holds.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "lib/store/store.h"

#define CN_IMAGE_ID_PREFIX_MIN 4 /* shortest hex prefix accepted as an image ID */

struct cn_resolved {
	/* A copy of the index.json entry. Found by ID, it is the first entry (in index.json order)
	 * holding that image; tag.name is NULL when the entry has no ref.name annotation. */
	struct cn_store_tag tag;
	/* The image manifest: tag.desc itself, or the chosen child of the index tag.desc names. */
	struct cn_descriptor manifest_desc;
	struct cn_manifest *manifest; /* parsed image manifest (kind CN_MANIFEST_IMAGE) */
	struct cn_image_config *config;
	struct cn_digest id; /* config digest: the image ID */
	/*
	 * Sum of the layer sizes and the config size as stored, i.e. compressed. Docker shows the
	 * uncompressed size of an unpacked image; we have none until layers are unpacked, so this
	 * is what the registry transferred (what `docker images` shows on a registry's web page).
	 */
	uint64_t size;
	bool by_id; /* the spec was an image ID (or prefix) rather than a reference */
};

/*
 * Resolves `spec`:
 *  - "sha256:<hex>" (full or a prefix of >= CN_IMAGE_ID_PREFIX_MIN hex digits): by image ID;
 *  - a reference, normalized as Docker does (`redis` -> docker.io/library/redis:latest),
 *    matched against the entries' names; `name@digest` matches the entry named so, or an entry
 *    of that repository whose manifest (or chosen platform manifest) or repo digest is it;
 *  - otherwise, when `spec` is >= CN_IMAGE_ID_PREFIX_MIN lowercase hex digits: by image ID.
 * Names win over IDs, as in Docker.
 * Returns 0 and fills `ret` (release with cn_resolved_release()); -ENOENT "No such image",
 * -ENOTUNIQ when an ID prefix matches several images, -EINVAL for a malformed spec, or the
 * error reading the entry's blobs (-EBADMSG corrupt, -ENOENT missing blob).
 */
int cn_store_resolve(struct cn_store *s, const char *spec, struct cn_resolved *ret,
		     struct cn_error *err);
/* Resolves one index.json entry (its name need not be set). Same errors as above. */
int cn_store_resolve_tag(struct cn_store *s, const struct cn_store_tag *tag,
			 struct cn_resolved *ret, struct cn_error *err);
void cn_resolved_release(struct cn_resolved *r);

/* Called by cn_store_list_images() for an entry that does not resolve (missing or corrupt
 * blobs); the entry is left out of the list. */
typedef void (*cn_store_broken_fn)(void *userdata, const struct cn_store_tag *tag,
				   const struct cn_error *err);
/*
 * Resolves every index.json entry, in index.json order. Entries that fail to resolve are
 * reported through `broken` (may be NULL) and skipped. Free with cn_resolved_array_free().
 */
int cn_store_list_images(struct cn_store *s, cn_store_broken_fn broken, void *userdata,
			 struct cn_resolved **ret, size_t *ret_n, struct cn_error *err);
void cn_resolved_array_free(struct cn_resolved *r, size_t n);

/* Deep copy of an index.json entry (release with cn_store_tag_release()). */
void cn_store_tag_copy(const struct cn_store_tag *src, struct cn_store_tag *ret);
void cn_store_tag_release(struct cn_store_tag *t);

static inline void cn_resolved_releasep(struct cn_resolved *r)
{
	cn_resolved_release(r);
}
#define cleanup_resolved __attribute__((cleanup(cn_resolved_releasep)))
