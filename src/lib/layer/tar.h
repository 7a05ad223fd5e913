/*
 * Reading layer tars: libarchive's tar reader (ustar, PAX, GNU; no filters: the layer stream has
 * already decompressed) over a cn_layer_stream, and the path rules every consumer of entry names
 * shares: how a name becomes a path under the root and which names are whiteouts.
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "lib/layer/stream.h"

#define CN_LAYER_PATH_MAX 4096 /* longest cleaned entry path accepted (PATH_MAX) */
#define CN_LAYER_NAME_MAX 255  /* longest path component (NAME_MAX) */

#define CN_WHITEOUT_PREFIX ".wh."
#define CN_WHITEOUT_OPAQUE ".wh..wh..opq"

struct cn_tar;

/* A tar reader over `s` (borrowed; it must outlive the reader). */
struct cn_tar *cn_tar_open(struct cn_layer_stream *s);
/*
 * The next entry: returns 1 and the entry (valid until the next call), 0 at the end of the
 * archive, or a negative errno with err set (corrupt or truncated tar, stream errors).
 */
int cn_tar_next(struct cn_tar *t, struct archive_entry **ret, struct cn_error *err);
/*
 * The current entry's data in blocks: returns 1 with a block and its offset in the file (sparse
 * files have holes between blocks), 0 at the end of the data, or a negative errno.
 */
int cn_tar_data(struct cn_tar *t, const void **ret_buf, size_t *ret_len, int64_t *ret_offset,
		struct cn_error *err);
/* Where cn_tar_copy_data() puts bytes: returns 0 or a negative errno with err set. */
typedef int (*cn_data_fn)(void *userdata, const void *buf, size_t len, struct cn_error *err);
/*
 * The current entry's `size` bytes in order, holes of sparse files (and a short tail) given
 * as zeros, to `fn`. For readers that want the flat content (hashing, copying).
 */
int cn_tar_copy_data(struct cn_tar *t, int64_t size, cn_data_fn fn, void *userdata,
		     struct cn_error *err);
struct cn_tar *cn_tar_free(struct cn_tar *t);

static inline void cn_tar_freep(struct cn_tar **t)
{
	cn_tar_free(*t);
}
#define cleanup_tar __attribute__((cleanup(cn_tar_freep)))

/*
 * Makes an entry name a path relative to the root, the way docker and umoci read layers: leading
 * "/" and "." components dropped, ".." removed together with the component before it and
 * clamped at the root (so "../../etc/x" is "etc/x"), repeated slashes collapsed. The root
 * itself is "". Returns 0, or -ENAMETOOLONG (over CN_LAYER_PATH_MAX, or a component over
 * CN_LAYER_NAME_MAX), -EINVAL (an empty name).
 */
int cn_layer_path_clean(const char *name, struct strbuf *out);

enum cn_whiteout {
	CN_WHITEOUT_NONE,   /* an ordinary name */
	CN_WHITEOUT_FILE,   /* ".wh.NAME": NAME is deleted */
	CN_WHITEOUT_DIR,    /* ".wh..wh..opq": the directory is opaque */
	CN_WHITEOUT_META,   /* other ".wh..wh." names (aufs metadata): ignored */
	CN_WHITEOUT_INVALID /* ".wh." naming nothing, ".", "..", or a path */
};

/* Classifies the last component `base` of a cleaned path; for CN_WHITEOUT_FILE *ret_target
 * is the name it deletes (a pointer into base). */
enum cn_whiteout cn_whiteout_parse(const char *base, const char **ret_target);

/* An entry's name cleaned and classified: what the applier and the in-memory tree share. */
struct cn_layer_name {
	const char *path; /* cleaned; "" is the root (it points into the caller's strbuf) */
	size_t dir_len;	  /* the parent directory is path[0, dir_len) */
	const char *base; /* the last component */
	enum cn_whiteout whiteout;
	const char *whiteout_target; /* CN_WHITEOUT_FILE: the name it deletes */
};

/*
 * Cleans entry e's name into `buf` and classifies it. An entry for the root itself must be a
 * directory. Returns 0, or a negative errno with err set ("name too long", "invalid
 * whiteout", "cannot replace the root directory").
 */
int cn_layer_name_parse(struct archive_entry *e, struct strbuf *buf, struct cn_layer_name *ret,
			struct cn_error *err);
/* Prefixes err with "entry 'NAME'" (quoted as cn_layer_quote() does); returns r. */
int cn_layer_entry_error(struct cn_error *err, int r, struct archive_entry *e);

/* Appends `s` for an error message in single quotes, control characters, DEL, backslashes and
 * quotes escaped (a hostile name cannot break the one-line error), cut after 200 bytes. */
void cn_layer_quote(struct strbuf *sb, const char *s);
