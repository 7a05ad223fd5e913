/*
 * Docker schema 2 -> OCI conversion of manifests and indexes, for the store's index.json:
 * skopeo's oci: transport and oci-image-tool only read OCI-typed entries, so a Docker image is
 * kept twice: the registry's exact bytes (for digests, `inspect --raw` and push) and an OCI
 * manifest naming the same config and layer blobs (bytes unchanged, media types mapped).
 */
#pragma once

#include <stdbool.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "lib/image/manifest.h"

/* True for Docker's manifest list and schema 2 manifest media types. */
bool cn_media_type_is_docker_manifest(const char *mt);
/* The OCI media type for a Docker config or layer media type (others are returned as is). */
const char *cn_media_type_to_oci(const char *mt);

/* Serializes the OCI form of Docker schema 2 manifest `m` into `out` (appended). */
int cn_manifest_to_oci(const struct cn_manifest *m, struct strbuf *out, struct cn_error *err);
/*
 * Serializes the OCI form of index `idx` into `out`, with entry i replaced by `children[i]`
 * where that is non-NULL (the converted child; its platform is kept from `idx`).
 */
int cn_index_to_oci(const struct cn_manifest *idx, const struct cn_descriptor *const *children,
		    struct strbuf *out, struct cn_error *err);
