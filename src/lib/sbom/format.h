/*
 * SBOM output formats and the reader for SBOM documents.
 *
 *  table          NAME VERSION TYPE LAYER columns (docker-like), after a "Distro:" line
 *  json           cairn's own, lossless (schema "cairn-sbom/1"; see format.c for the shape)
 *  spdx-json      SPDX 2.3: the image as one package that DESCRIBES/CONTAINS every package
 *  cyclonedx-json CycloneDX 1.5: metadata.component is the image, one component per package,
 *                 layer facts as "cairn:layer:*" properties
 *
 * Writers take packages in the order s->pkgs has them (cn_sbom_sort()'s) and never fail
 * except on limits; the reader accepts all three JSON formats.
 */
#pragma once

#include <stddef.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "lib/sbom/sbom.h"

#define CN_SBOM_SCHEMA	   "cairn-sbom/1"
#define CN_SBOM_READ_MAX   (256u << 20) /* largest SBOM document cn_sbom_read() takes */
#define CN_SBOM_PKGS_MAX   1000000	/* packages in one document */
#define CN_SBOM_FILES_MAX  1000000	/* files of one package */
#define CN_SBOM_LAYERS_MAX 10000

#define CN_MT_SPDX_JSON	     "application/spdx+json"
#define CN_MT_CYCLONEDX_JSON "application/vnd.cyclonedx+json"
#define CN_MT_CAIRN_SBOM     "application/vnd.cairn.sbom.v1+json"

enum cn_sbom_format {
	CN_SBOM_TABLE,
	CN_SBOM_JSON,
	CN_SBOM_SPDX_JSON,
	CN_SBOM_CYCLONEDX_JSON,
};

/* "table", "json", "spdx-json", "cyclonedx-json" <-> the enum; parse returns -EINVAL. */
int cn_sbom_format_parse(const char *s, enum cn_sbom_format *ret);
const char *cn_sbom_format_name(enum cn_sbom_format f);
/* The media type of a JSON format's documents (the table has none: NULL). */
const char *cn_sbom_format_media_type(enum cn_sbom_format f);

/*
 * Appends `s` in format `f` to `out` (JSON formats end with a newline). Package purls are
 * written as they are (call cn_sbom_set_purls() first). Returns 0 or -E2BIG.
 */
int cn_sbom_write(const struct cn_sbom *s, enum cn_sbom_format f, struct strbuf *out,
		  struct cn_error *err);

/*
 * Reads an SBOM document: cairn json (everything back), CycloneDX json or SPDX json (packages
 * from their purls, with cairn's layer properties when a CycloneDX document has them; the
 * distro from a purl's distro qualifier or the operating-system component). Components and
 * packages without a purl of a known type are skipped. Returns 0 and a new SBOM (packages
 * sorted), -EBADMSG when the document is not one of these (the message says why), -E2BIG past
 * the limits above.
 */
int cn_sbom_read(const void *data, size_t len, struct cn_sbom **ret, struct cn_error *err);

/* RFC 3339 UTC ("2026-11-28T01:02:03Z") of `t` into buf (>= 21 bytes); returns buf. */
char *cn_sbom_format_time(int64_t t, char *buf, size_t size);
