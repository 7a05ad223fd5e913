/*
 * Image references, parsed and normalized exactly as Docker does (distribution's reference
 * grammar with docker.io normalization):
 *
 *   redis                      -> docker.io/library/redis:latest
 *   user/app                   -> docker.io/user/app:latest
 *   host:5000/a/b:tag          -> host:5000/a/b:tag
 *   localhost/x                -> localhost/x:latest
 *   name@sha256:<64 hex>       -> docker.io/library/name@sha256:...
 *   name:tag@sha256:<64 hex>   -> keeps both
 *
 * Limits: path components lowercase [a-z0-9] with separators ., _, __, -+; tag
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; the name (domain + "/" + path) at most 255 characters.
 */
#pragma once

#include <stdbool.h>

#include "base/error.h"

struct cn_reference {
	char *domain; /* "docker.io", "localhost:5000", ... never NULL after parse */
	char *path;   /* "library/redis"; never NULL after parse */
	char *tag;    /* "latest" when neither tag nor digest was given; NULL with a bare digest */
	char *digest; /* "sha256:<hex>" or NULL */
};

/*
 * Parses and normalizes `s`. On success fills `ret` (release with cn_reference_release()).
 * Returns 0, or -EINVAL with a one-line message in `err` naming the bad part, e.g.
 * `invalid reference "Redis": repository name must be lowercase`.
 */
int cn_reference_parse(const char *s, struct cn_reference *ret, struct cn_error *err);
/*
 * Parses a repository name only (no tag or digest allowed), normalized: "redis" ->
 * domain docker.io, path library/redis, tag and digest NULL.
 */
int cn_reference_parse_repository(const char *s, struct cn_reference *ret, struct cn_error *err);
void cn_reference_release(struct cn_reference *ref);
int cn_reference_copy(const struct cn_reference *src, struct cn_reference *ret);

/* "docker.io/library/redis" (newly allocated). */
char *cn_reference_name(const struct cn_reference *ref);
/* Full normalized string: "docker.io/library/redis:7", "...@sha256:..", "...:7@sha256:.." */
char *cn_reference_format(const struct cn_reference *ref);
/* Docker's familiar form: "redis:7", "user/app:1", "localhost:5000/x:y" (tag/digest as present). */
char *cn_reference_familiar(const struct cn_reference *ref);
/* Familiar repository name only: "redis", "user/app", "localhost:5000/x". */
char *cn_reference_familiar_name(const struct cn_reference *ref);

/* True when `s` is a valid tag (charset and length). */
bool cn_reference_tag_valid(const char *s);
/*
 * True when `s` is a digest "algo:encoded" that cn_reference_parse() accepts: the reference
 * grammar, and (as Docker's go-digest check) a supported algorithm, sha256/sha384/sha512, with
 * lowercase hex of its exact length. Unknown algorithms are rejected like Docker rejects them.
 */
bool cn_reference_digest_valid(const char *s);

static inline void cn_reference_releasep(struct cn_reference *ref)
{
	cn_reference_release(ref);
}
#define cleanup_reference __attribute__((cleanup(cn_reference_releasep)))
