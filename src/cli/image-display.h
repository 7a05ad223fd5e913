/* Shared by the local image commands (images, inspect, history, tag, rmi, image prune): how
 * store entries, image IDs and times are shown, Docker's way. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"
#include "cli/format.h"
#include "lib/digest/digest.h"
#include "lib/store/resolve.h"

#define SHORT_ID_HEX 12 /* `docker images` shows the first 12 hex digits of an image ID */

/* An index.json entry name in Docker's familiar terms. All fields are owned. */
struct entry_name {
	char *repository;      /* familiar: "redis", "localhost:5000/x"; NULL when none */
	char *full_repository; /* normalized: "docker.io/library/redis"; NULL when none */
	char *tag;	       /* NULL for digest-only (name@digest) and unnamed entries */
	char *digest;	       /* the digest pinned in the name, or NULL */
	char *familiar;	       /* "redis:7", "redis@sha256:.."; NULL for unnamed entries */
};

/*
 * Splits `name` (may be NULL: an entry without ref.name). A name that is not a reference (other
 * tools write bare tags such as "v1") has no repository; its tag and familiar form are `name`.
 */
void entry_name_parse(const char *name, struct entry_name *ret);
void entry_name_release(struct entry_name *e);

/* The digest the entry's repository serves it under: the repo digest annotation, else the
 * digest pinned in its name; NULL when neither. Borrowed. */
const char *entry_repo_digest(const struct cn_store_tag *t, const struct entry_name *n);

/* "0123456789ab" (SHORT_ID_HEX hex digits), or the whole "sha256:<hex>" when `full`. */
const char *format_image_id(const struct cn_digest *id, bool full, char *buf, size_t len);
/* Seconds since the epoch of an RFC 3339 time, or 0 when absent or malformed. */
int64_t parse_created(const char *rfc3339);
/* RFC 3339 in local time with seconds ("2024-05-01T10:00:00+02:00", or "...Z" in UTC), as Go
 * formats time.RFC3339 for `docker history -H=false`; "N/A" for 0. */
const char *format_time_rfc3339(int64_t when, char *buf, size_t len);

/* Number of UTF-8 characters in `s` (a terminal column each, as Go's tabwriter counts). */
size_t utf8_width(const char *s);
/* Newly allocated: `s` cut to `max` characters, the last one replaced by "…" when cut. */
char *utf8_ellipsis(const char *s, size_t max);
/* table_print() that pads by characters instead of bytes (for cells holding "…"). */
void table_print_utf8(const struct table *t, FILE *out);

/* cn_store_list_images() `broken` callback: one warning line on stderr; userdata is the
 * struct cli_context. */
void warn_broken_entry(void *userdata, const struct cn_store_tag *tag, const struct cn_error *err);

/* The CREATED BY of the history entry that made layer `index` (history entries marked
 * empty_layer made none), or NULL when the history does not say. Borrowed. */
const char *image_layer_created_by(const struct cn_resolved *img, size_t index);
