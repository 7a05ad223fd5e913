/*
 * Layer streams: the uncompressed bytes of a layer blob (plain tar, gzip or zstd, detected by
 * magic whatever the media type says), decompressed on a background thread so that inflating
 * and hashing overlap with whatever the reader does with the bytes (writing files, mostly).
 * The uncompressed bytes are hashed on the way: their sha256 is the layer's diff_id.
 *
 * gzip goes through isa-l's inflate (2-3x zlib's speed), zstd through libzstd; concatenated
 * gzip members and zstd frames are one stream, as in Go's readers that docker uses.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "lib/digest/digest.h"

enum cn_compression {
	CN_COMPRESSION_NONE,
	CN_COMPRESSION_GZIP,
	CN_COMPRESSION_ZSTD,
};

const char *cn_compression_name(enum cn_compression c);

/*
 * Recognises the compression from the first bytes of a blob (at least 6 wanted). Plain tar is
 * anything that is not a known magic. bzip2 and xz are recognised and refused (-EMEDIUMTYPE,
 * message in err): the OCI image-spec allows neither in layers.
 */
int cn_compression_detect(const void *buf, size_t len, enum cn_compression *ret,
			  struct cn_error *err);

struct cn_layer_stream;

/*
 * Starts decompressing `fd` from its current offset to EOF. The stream owns `fd` (closed by
 * free, or here on failure). The thread keeps a few MiB of decompressed data ahead of the reader.
 */
int cn_layer_stream_open(int fd, struct cn_layer_stream **ret, struct cn_error *err);
enum cn_layer_stream_flags {
	CN_LAYER_STREAM_HASH = 1 << 0,	/* hash the output (cn_layer_stream_open() does) */
	CN_LAYER_STREAM_LIGHT = 1 << 1, /* a small ring, for readers keeping several open */
};
/* cn_layer_stream_open() with flags: without CN_LAYER_STREAM_HASH, cn_layer_stream_finish()
 * gives no digest. */
int cn_layer_stream_open_flags(int fd, unsigned flags, struct cn_layer_stream **ret,
			       struct cn_error *err);
/*
 * The next block of uncompressed bytes: returns its length, 0 at the end of the stream, or a
 * negative errno with err set (-EBADMSG for corrupt or truncated data). The block stays valid
 * until the next call.
 */
ssize_t cn_layer_stream_next(struct cn_layer_stream *s, const void **ret, struct cn_error *err);
/*
 * Reads what is left, then gives the sha256 of the whole uncompressed stream and its size.
 * Either pointer may be NULL.
 */
int cn_layer_stream_finish(struct cn_layer_stream *s, struct cn_digest *ret_diff_id,
			   uint64_t *ret_size, struct cn_error *err);
enum cn_compression cn_layer_stream_compression(const struct cn_layer_stream *s);
/* False for streams opened without CN_LAYER_STREAM_HASH. */
bool cn_layer_stream_hashed(const struct cn_layer_stream *s);
/* Stops the thread (if running) and frees the stream. */
struct cn_layer_stream *cn_layer_stream_free(struct cn_layer_stream *s);

static inline void cn_layer_stream_freep(struct cn_layer_stream **s)
{
	cn_layer_stream_free(*s);
}
#define cleanup_layer_stream __attribute__((cleanup(cn_layer_stream_freep)))
