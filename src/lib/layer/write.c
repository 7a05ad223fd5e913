/*
 * The tar writer. libarchive writes unblocked (every write reaches us at once, no padding to
 * 10 KiB records: the archive ends with the two zero blocks, as Go's tar writer ends it), and
 * the write callback hashes, compresses and hands the result to the sink.
 */
#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <string.h>
#include <zstd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/layer/write.h"

#define OUT_SIZE   (256u << 10)
#define GZIP_LEVEL 3 /* isa-l's best: about zlib -6's ratio at several times its speed */
#define ZSTD_LEVEL 3 /* zstd's default */

struct cn_compressor {
	enum cn_compression compression;
	bool hash;
	cn_sink_fn sink;
	void *userdata;
	struct cn_hasher in_hash, out_hash;
	uint64_t in_size, out_size;
	uint8_t *out;
	size_t out_len; /* uncompressed output waiting in out (few large writes, not many small) */
	struct isal_zstream *gz;
	uint8_t *gz_level_buf;
	ZSTD_CCtx *zs;
	struct cn_error *err;
};

struct cn_tar_writer {
	struct archive *a;
	struct cn_compressor *z;
	int error;
	struct cn_error err;
	bool finished;
};

static int emit(struct cn_compressor *z, const void *data, size_t len)
{
	if (!len)
		return 0;
	if (z->hash)
		cn_hasher_update(&z->out_hash, data, len);
	z->out_size += len;
	return z->sink(z->userdata, data, len, z->err);
}

static int compress_gzip(struct cn_compressor *z, const void *data, size_t len, bool end)
{
	struct isal_zstream *g = z->gz;
	g->next_in = (uint8_t *)(uintptr_t)data;
	g->avail_in = (uint32_t)len;
	g->end_of_stream = end;
	do {
		g->next_out = z->out;
		g->avail_out = OUT_SIZE;
		if (isal_deflate(g) != COMP_OK)
			return cn_error_set(z->err, -EIO, "gzip compression failed");
		int r = emit(z, z->out, OUT_SIZE - g->avail_out);
		if (r < 0)
			return r;
	} while (g->avail_in || (end && g->internal_state.state != ZSTATE_END));
	return 0;
}

static int compress_zstd(struct cn_compressor *z, const void *data, size_t len, bool end)
{
	ZSTD_inBuffer in = { data, len, 0 };
	size_t left;
	do {
		ZSTD_outBuffer out = { z->out, OUT_SIZE, 0 };
		left = ZSTD_compressStream2(z->zs, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(left))
			return cn_error_set(z->err, -EIO, "zstd compression failed: %s",
					    ZSTD_getErrorName(left));
		int r = emit(z, z->out, out.pos);
		if (r < 0)
			return r;
	} while (in.pos < in.size || (end && left));
	return 0;
}

static int compress(struct cn_compressor *z, const void *data, size_t len, bool end)
{
	switch (z->compression) {
	case CN_COMPRESSION_GZIP:
		return compress_gzip(z, data, len, end);
	case CN_COMPRESSION_ZSTD:
		return compress_zstd(z, data, len, end);
	case CN_COMPRESSION_NONE:
		break;
	}
	const uint8_t *p = data;
	while (len) {
		size_t k = MIN(len, OUT_SIZE - z->out_len);
		memcpy(z->out + z->out_len, p, k);
		z->out_len += k;
		p += k;
		len -= k;
		if (z->out_len == OUT_SIZE) {
			int r = emit(z, z->out, z->out_len);
			z->out_len = 0;
			if (r < 0)
				return r;
		}
	}
	if (end && z->out_len) {
		int r = emit(z, z->out, z->out_len);
		z->out_len = 0;
		return r;
	}
	return 0;
}

struct cn_compressor *cn_compressor_new(enum cn_compression c, unsigned flags, cn_sink_fn sink,
					void *userdata)
{
	struct cn_compressor *z = xcalloc(1, sizeof(*z));
	z->compression = c;
	z->hash = !(flags & CN_WRITE_NO_HASH);
	z->sink = sink;
	z->userdata = userdata;
	z->out = xmalloc(OUT_SIZE);
	cn_hasher_init(&z->in_hash, CN_DIGEST_SHA256);
	cn_hasher_init(&z->out_hash, CN_DIGEST_SHA256);
	if (c == CN_COMPRESSION_GZIP) {
		z->gz = xmalloc(sizeof(*z->gz));
		isal_deflate_init(z->gz);
		z->gz->gzip_flag = IGZIP_GZIP;
		z->gz->level = GZIP_LEVEL;
		z->gz->level_buf_size = ISAL_DEF_LVL3_DEFAULT;
		z->gz_level_buf = xmalloc(ISAL_DEF_LVL3_DEFAULT);
		z->gz->level_buf = z->gz_level_buf;
	} else if (c == CN_COMPRESSION_ZSTD) {
		z->zs = ZSTD_createCCtx();
		if (!z->zs)
			abort();
		ZSTD_CCtx_setParameter(z->zs, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	}
	return z;
}

int cn_compressor_write(struct cn_compressor *z, const void *data, size_t len, struct cn_error *err)
{
	if (z->hash)
		cn_hasher_update(&z->in_hash, data, len);
	z->in_size += len;
	z->err = err;
	return compress(z, data, len, false);
}

int cn_compressor_finish(struct cn_compressor *z, struct cn_tar_result *ret, struct cn_error *err)
{
	z->err = err;
	int r = compress(z, NULL, 0, true);
	if (r < 0)
		return r;
	*ret = (struct cn_tar_result){ 0 };
	if (z->hash) {
		cn_hasher_final(&z->in_hash, &ret->diff_id);
		cn_hasher_final(&z->out_hash, &ret->digest);
	}
	ret->size = z->in_size;
	ret->compressed_size = z->out_size;
	return 0;
}

struct cn_compressor *cn_compressor_free(struct cn_compressor *z)
{
	if (!z)
		return NULL;
	cn_hasher_release(&z->in_hash);
	cn_hasher_release(&z->out_hash);
	free(z->gz);
	free(z->gz_level_buf);
	ZSTD_freeCCtx(z->zs);
	free(z->out);
	free(z);
	return NULL;
}

static la_ssize_t tar_write(struct archive *a, void *client, const void *buf, size_t len)
{
	struct cn_tar_writer *w = client;
	int r = cn_compressor_write(w->z, buf, len, &w->err);
	if (r < 0) {
		w->error = r;
		archive_set_error(a, -r, "%s", w->err.msg);
		return -1;
	}
	return (la_ssize_t)len;
}

struct cn_tar_writer *cn_tar_writer_new(enum cn_compression c, unsigned flags, cn_sink_fn sink,
					void *userdata)
{
	struct cn_tar_writer *w = xcalloc(1, sizeof(*w));
	w->z = cn_compressor_new(c, flags, sink, userdata);
	w->a = archive_write_new();
	if (!w->a)
		abort();
	archive_write_set_format_pax_restricted(w->a);
	/* xattrs as SCHILY.xattr records only (what GNU tar and Go read), not a second copy. */
	archive_write_set_format_option(w->a, "pax", "xattrheader", "SCHILY");
	archive_write_set_bytes_per_block(w->a, 0);
	if (archive_write_open(w->a, w, NULL, tar_write, NULL) != ARCHIVE_OK)
		abort();
	return w;
}

static int archive_failed(struct cn_tar_writer *w, struct cn_error *err, const char *what)
{
	if (w->error < 0) {
		if (err)
			*err = w->err;
		return w->error;
	}
	const char *msg = archive_error_string(w->a);
	return cn_error_set(err, -EIO, "%s: %s", what, msg ? msg : "tar writer failed");
}

int cn_tar_writer_header(struct cn_tar_writer *w, struct archive_entry *e, struct cn_error *err)
{
	int r = archive_write_header(w->a, e);
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return archive_failed(w, err, "writing a tar header");
	return 0;
}

int cn_tar_writer_data(struct cn_tar_writer *w, const void *buf, size_t len, struct cn_error *err)
{
	const char *p = buf;
	while (len) {
		la_ssize_t n = archive_write_data(w->a, p, len);
		if (n <= 0)
			return archive_failed(w, err, "writing tar data");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int cn_tar_writer_finish(struct cn_tar_writer *w, struct cn_tar_result *ret, struct cn_error *err)
{
	if (archive_write_close(w->a) != ARCHIVE_OK)
		return archive_failed(w, err, "finishing the tar");
	w->finished = true;
	return cn_compressor_finish(w->z, ret, err);
}

struct cn_tar_writer *cn_tar_writer_free(struct cn_tar_writer *w)
{
	if (!w)
		return NULL;
	if (!w->finished)
		archive_write_fail(w->a); /* no trailer into a sink that failed or is abandoned */
	archive_write_free(w->a);
	cn_compressor_free(w->z);
	free(w);
	return NULL;
}

int cn_sink_fd(void *userdata, const void *data, size_t len, struct cn_error *err)
{
	int r = cn_write_full(*(int *)userdata, data, len);
	return r < 0 ? cn_error_errno(err, r, "write") : 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

enum cn_compression cn_compression_for_name(const char *name)
{
	if (ends_with(name, ".gz") || ends_with(name, ".tgz"))
		return CN_COMPRESSION_GZIP;
	if (ends_with(name, ".zst") || ends_with(name, ".tzst"))
		return CN_COMPRESSION_ZSTD;
	return CN_COMPRESSION_NONE;
}
