/*
 * Writing layer tars: libarchive's PAX writer (ustar headers, PAX records only where a field
 * needs them: long names, big ids, xattrs) compressed with gzip (isa-l's deflate) or zstd into
 * a sink, hashing both the tar (the diff_id) and what the sink receives (the blob digest).
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "lib/digest/digest.h"
#include "lib/layer/stream.h"

/* Where compressed bytes go: returns 0 or a negative errno with err set. */
typedef int (*cn_sink_fn)(void *userdata, const void *data, size_t len, struct cn_error *err);

struct cn_tar_result {
	struct cn_digest diff_id; /* sha256 of the tar */
	struct cn_digest digest;  /* sha256 of the compressed bytes */
	uint64_t size;		  /* tar bytes */
	uint64_t compressed_size;
};

enum cn_write_flags {
	CN_WRITE_NO_HASH = 1 << 0, /* no digests wanted (an export): cn_tar_result has none */
};

/* Compresses a byte stream into a sink; diff_id is the sha256 of the input. */
struct cn_compressor;
struct cn_compressor *cn_compressor_new(enum cn_compression c, unsigned flags, cn_sink_fn sink,
					void *userdata);
int cn_compressor_write(struct cn_compressor *z, const void *data, size_t len,
			struct cn_error *err);
int cn_compressor_finish(struct cn_compressor *z, struct cn_tar_result *ret, struct cn_error *err);
struct cn_compressor *cn_compressor_free(struct cn_compressor *z);
static inline void cn_compressor_freep(struct cn_compressor **z)
{
	cn_compressor_free(*z);
}
#define cleanup_compressor __attribute__((cleanup(cn_compressor_freep)))

struct cn_tar_writer;

struct cn_tar_writer *cn_tar_writer_new(enum cn_compression c, unsigned flags, cn_sink_fn sink,
					void *userdata);
/* Writes an entry header; then cn_tar_writer_data() its size in bytes (regular files). */
int cn_tar_writer_header(struct cn_tar_writer *w, struct archive_entry *e, struct cn_error *err);
int cn_tar_writer_data(struct cn_tar_writer *w, const void *buf, size_t len, struct cn_error *err);
/* Ends the archive, flushes the compressor and gives the digests. */
int cn_tar_writer_finish(struct cn_tar_writer *w, struct cn_tar_result *ret, struct cn_error *err);
struct cn_tar_writer *cn_tar_writer_free(struct cn_tar_writer *w);

static inline void cn_tar_writer_freep(struct cn_tar_writer **w)
{
	cn_tar_writer_free(*w);
}
#define cleanup_tar_writer __attribute__((cleanup(cn_tar_writer_freep)))

/* A sink writing to a file descriptor (userdata: a pointer to the int fd). */
int cn_sink_fd(void *userdata, const void *data, size_t len, struct cn_error *err);
/* The compression a file name asks for: .gz/.tgz gzip, .zst/.tzst zstd, else none. */
enum cn_compression cn_compression_for_name(const char *name);
