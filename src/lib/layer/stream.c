/*
 * Layer streams: a producer thread reads the blob and decompresses into a ring of STREAM_SLOTS
 * buffers; a hasher thread hashes each filled buffer; the consumer takes the buffers in order
 * and gives each back when it asks for the next. A buffer is refilled once both the hasher and
 * the consumer are done with it. Inflating, hashing and the consumer's work (writing files)
 * thus run side by side: on two cores an unpack costs about what writing the files costs.
 * Only the producer touches the decompressor, only the hasher the hasher state, until finish()
 * joins both threads.
 */
#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/layer/stream.h"

#define STREAM_SLOTS	 6 /* at most */
#define STREAM_SLOT_SIZE (1u << 20)
/* CN_LAYER_STREAM_LIGHT: for readers with several streams open at once (export). */
#define STREAM_LIGHT_SLOTS     2
#define STREAM_LIGHT_SLOT_SIZE (256u << 10)
#define STREAM_IN_SIZE	       (256u << 10)

struct cn_layer_stream {
	int fd;
	enum cn_compression compression;

	/* producer-only state */
	uint8_t *in;
	size_t in_pos, in_len;
	bool in_eof;
	struct inflate_state *gz;
	bool gz_member_done;
	ZSTD_DCtx *zs;
	size_t zs_last; /* last ZSTD_decompressStream() result: 0 at a frame boundary */
	struct cn_hasher hasher;
	uint64_t total;

	/* shared, under lock */
	pthread_mutex_t lock;
	pthread_cond_t can_produce, can_consume, can_hash;
	uint8_t *slot[STREAM_SLOTS];
	size_t slot_len[STREAM_SLOTS];
	size_t n_slots, slot_size;
	uint64_t produced, taken, released, hashed;
	bool done, stop, holding;
	int error;
	struct cn_error err;

	pthread_t thread, hash_thread;
	bool thread_running, hash_thread_running;
	bool hashing;
	struct cn_digest diff_id;
	bool finished;
};

const char *cn_compression_name(enum cn_compression c)
{
	switch (c) {
	case CN_COMPRESSION_GZIP:
		return "gzip";
	case CN_COMPRESSION_ZSTD:
		return "zstd";
	case CN_COMPRESSION_NONE:
		break;
	}
	return "none";
}

int cn_compression_detect(const void *buf, size_t len, enum cn_compression *ret,
			  struct cn_error *err)
{
	static const uint8_t gzip[] = { 0x1f, 0x8b }, zstd[] = { 0x28, 0xb5, 0x2f, 0xfd },
			     bzip2[] = { 'B', 'Z', 'h' }, xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
	const uint8_t *p = buf;

	*ret = CN_COMPRESSION_NONE;
	if (len >= sizeof(gzip) && !memcmp(p, gzip, sizeof(gzip)))
		*ret = CN_COMPRESSION_GZIP;
	else if (len >= sizeof(zstd) && !memcmp(p, zstd, sizeof(zstd)))
		*ret = CN_COMPRESSION_ZSTD;
	else if (len >= sizeof(xz) && !memcmp(p, xz, sizeof(xz)))
		return cn_error_set(err, -EMEDIUMTYPE,
				    "xz-compressed layer (not an OCI layer type)");
	else if (len >= sizeof(bzip2) && !memcmp(p, bzip2, sizeof(bzip2)) && len >= 4 &&
		 p[3] >= '1' && p[3] <= '9')
		return cn_error_set(err, -EMEDIUMTYPE,
				    "bzip2-compressed layer (not an OCI layer type)");
	return 0;
}

/* Makes in[in_pos..in_len) non-empty unless the blob is at its end. */
static int refill(struct cn_layer_stream *s)
{
	if (s->in_pos < s->in_len || s->in_eof)
		return 0;
	for (;;) {
		ssize_t n = read(s->fd, s->in, STREAM_IN_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cn_error_errno(&s->err, -errno, "reading the layer blob");
		s->in_pos = 0;
		s->in_len = (size_t)n;
		s->in_eof = n == 0;
		return 0;
	}
}

static ssize_t fill_plain(struct cn_layer_stream *s, uint8_t *out, size_t cap)
{
	size_t used = 0;
	while (used < cap) {
		int r = refill(s);
		if (r < 0)
			return r;
		if (s->in_pos == s->in_len)
			break;
		size_t n = MIN(cap - used, s->in_len - s->in_pos);
		memcpy(out + used, s->in + s->in_pos, n);
		s->in_pos += n;
		used += n;
	}
	return (ssize_t)used;
}

static const char *isal_strerror(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK:
		return "invalid deflate block";
	case ISAL_INVALID_SYMBOL:
		return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK:
		return "invalid lookback distance";
	case ISAL_INVALID_WRAPPER:
		return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD:
		return "unsupported gzip method";
	case ISAL_INCORRECT_CHECKSUM:
		return "gzip checksum mismatch";
	case ISAL_NEED_DICT:
		return "preset dictionary required";
	}
	return "corrupt gzip data";
}

static void gz_start_member(struct cn_layer_stream *s)
{
	isal_inflate_reset(s->gz);
	s->gz->crc_flag = ISAL_GZIP;
	s->gz_member_done = false;
}

static ssize_t fill_gzip(struct cn_layer_stream *s, uint8_t *out, size_t cap)
{
	struct inflate_state *st = s->gz;
	size_t used = 0;

	while (used < cap) {
		int r = refill(s);
		if (r < 0)
			return r;
		bool no_input = s->in_pos == s->in_len;
		if (s->gz_member_done) {
			if (no_input)
				break; /* the end, after a whole member */
			/* Another member may follow (pigz, concatenated files), nothing else. */
			if (s->in[s->in_pos] != 0x1f)
				return cn_error_set(&s->err, -EBADMSG,
						    "corrupt gzip data: trailing garbage after the "
						    "compressed stream");
			gz_start_member(s);
		}
		st->next_in = s->in + s->in_pos;
		st->avail_in = (uint32_t)(s->in_len - s->in_pos);
		st->next_out = out + used;
		st->avail_out = (uint32_t)MIN(cap - used, UINT32_MAX);
		r = isal_inflate(st);
		size_t consumed = (size_t)(st->next_in - (s->in + s->in_pos));
		size_t produced = (size_t)(st->next_out - (out + used));
		s->in_pos += consumed;
		used += produced;
		if (r < 0)
			return cn_error_set(&s->err, -EBADMSG, "%s", isal_strerror(r));
		if (st->block_state == ISAL_BLOCK_FINISH) {
			s->gz_member_done = true;
			continue;
		}
		if (no_input && !consumed && !produced)
			return cn_error_set(&s->err, -EBADMSG,
					    "corrupt gzip data: unexpected end of stream");
	}
	return (ssize_t)used;
}

static ssize_t fill_zstd(struct cn_layer_stream *s, uint8_t *out, size_t cap)
{
	ZSTD_outBuffer ob = { out, cap, 0 };

	while (ob.pos < ob.size) {
		int r = refill(s);
		if (r < 0)
			return r;
		bool no_input = s->in_pos == s->in_len;
		if (no_input && s->zs_last == 0)
			break; /* the end, at a frame boundary */
		ZSTD_inBuffer ib = { s->in, s->in_len, s->in_pos };
		size_t before = ob.pos;
		size_t z = ZSTD_decompressStream(s->zs, &ob, &ib);
		if (ZSTD_isError(z))
			return cn_error_set(&s->err, -EBADMSG, "corrupt zstd data: %s",
					    ZSTD_getErrorName(z));
		bool progress = ib.pos != s->in_pos || ob.pos != before;
		s->in_pos = ib.pos;
		s->zs_last = z;
		if (no_input && !progress)
			return cn_error_set(&s->err, -EBADMSG,
					    "corrupt zstd data: unexpected end of stream");
	}
	return (ssize_t)ob.pos;
}

static ssize_t fill(struct cn_layer_stream *s, uint8_t *out, size_t cap)
{
	switch (s->compression) {
	case CN_COMPRESSION_GZIP:
		return fill_gzip(s, out, cap);
	case CN_COMPRESSION_ZSTD:
		return fill_zstd(s, out, cap);
	case CN_COMPRESSION_NONE:
		break;
	}
	return fill_plain(s, out, cap);
}

static void *producer(void *arg)
{
	struct cn_layer_stream *s = arg;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (s->produced - MIN(s->released, s->hashed) >= s->n_slots && !s->stop)
			pthread_cond_wait(&s->can_produce, &s->lock);
		bool stop = s->stop;
		size_t slot = s->produced % s->n_slots;
		pthread_mutex_unlock(&s->lock);
		if (stop)
			break;

		ssize_t n = fill(s, s->slot[slot], s->slot_size);
		if (n > 0)
			s->total += (uint64_t)n;
		pthread_mutex_lock(&s->lock);
		if (n > 0) {
			s->slot_len[slot] = (size_t)n;
			s->produced++;
		} else {
			s->done = true;
			s->error = (int)n;
		}
		pthread_cond_signal(&s->can_consume);
		pthread_cond_signal(&s->can_hash);
		pthread_mutex_unlock(&s->lock);
		if (n <= 0)
			break;
	}
	return NULL;
}

static void *hasher(void *arg)
{
	struct cn_layer_stream *s = arg;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (s->hashed == s->produced && !s->done && !s->stop)
			pthread_cond_wait(&s->can_hash, &s->lock);
		if (s->stop || s->hashed == s->produced)
			break; /* stopped, or everything produced is hashed */
		size_t slot = s->hashed % s->n_slots;
		size_t len = s->slot_len[slot];
		pthread_mutex_unlock(&s->lock);
		cn_hasher_update(&s->hasher, s->slot[slot], len);
		pthread_mutex_lock(&s->lock);
		s->hashed++;
		pthread_cond_signal(&s->can_produce);
		pthread_cond_signal(&s->can_consume); /* finish() may wait for the hasher */
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int cn_layer_stream_open_flags(int fd, unsigned flags, struct cn_layer_stream **ret,
			       struct cn_error *err)
{
	bool hash = flags & CN_LAYER_STREAM_HASH, light = flags & CN_LAYER_STREAM_LIGHT;
	struct cn_layer_stream *s = xcalloc(1, sizeof(*s));
	int r;

	s->fd = fd;
	s->in = xmalloc(STREAM_IN_SIZE);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->can_produce, NULL);
	pthread_cond_init(&s->can_consume, NULL);
	pthread_cond_init(&s->can_hash, NULL);
	cn_hasher_init(&s->hasher, CN_DIGEST_SHA256);

	/* Enough bytes to recognise a magic (a pipe may return fewer in one read). */
	while (s->in_len < 6 && !s->in_eof) {
		ssize_t n = read(fd, s->in + s->in_len, STREAM_IN_SIZE - s->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = cn_error_errno(err, -errno, "reading the layer blob");
			goto fail;
		}
		s->in_len += (size_t)n;
		s->in_eof = n == 0;
	}
	r = cn_compression_detect(s->in, s->in_len, &s->compression, err);
	if (r < 0)
		goto fail;
	if (s->compression == CN_COMPRESSION_GZIP) {
		s->gz = xmalloc(sizeof(*s->gz));
		isal_inflate_init(s->gz);
		gz_start_member(s);
	} else if (s->compression == CN_COMPRESSION_ZSTD) {
		s->zs = ZSTD_createDCtx();
		if (!s->zs) {
			r = cn_error_set(err, -ENOMEM, "cannot create a zstd context");
			goto fail;
		}
		s->zs_last = 1; /* inside a frame until the first one ends */
	}
	s->n_slots = light ? STREAM_LIGHT_SLOTS : STREAM_SLOTS;
	s->slot_size = light ? STREAM_LIGHT_SLOT_SIZE : STREAM_SLOT_SIZE;
	for (size_t i = 0; i < s->n_slots; i++)
		s->slot[i] = xmalloc(s->slot_size);

	/* Without a hasher, the producer waits for the reader only. */
	s->hashed = hash ? 0 : UINT64_MAX;
	s->hashing = hash;
	if (hash)
		r = -pthread_create(&s->hash_thread, NULL, hasher, s);
	if (r < 0) {
		cn_error_errno(err, r, "cannot start the hashing thread");
		goto fail;
	}
	s->hash_thread_running = hash;
	r = -pthread_create(&s->thread, NULL, producer, s);
	if (r < 0) {
		cn_error_errno(err, r, "cannot start the decompression thread");
		goto fail;
	}
	s->thread_running = true;
	*ret = s;
	return 0;
fail:
	cn_layer_stream_free(s);
	return r;
}

int cn_layer_stream_open(int fd, struct cn_layer_stream **ret, struct cn_error *err)
{
	return cn_layer_stream_open_flags(fd, CN_LAYER_STREAM_HASH, ret, err);
}

ssize_t cn_layer_stream_next(struct cn_layer_stream *s, const void **ret, struct cn_error *err)
{
	ssize_t n = 0;

	pthread_mutex_lock(&s->lock);
	if (s->holding) {
		s->released++;
		s->holding = false;
		pthread_cond_signal(&s->can_produce);
	}
	while (s->taken == s->produced && !s->done)
		pthread_cond_wait(&s->can_consume, &s->lock);
	if (s->taken < s->produced) {
		size_t slot = s->taken++ % s->n_slots;
		s->holding = true;
		*ret = s->slot[slot];
		n = (ssize_t)s->slot_len[slot];
	} else if (s->error < 0) {
		n = s->error;
		if (err)
			*err = s->err;
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

static void stop_threads(struct cn_layer_stream *s)
{
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->can_produce);
	pthread_cond_signal(&s->can_hash);
	pthread_mutex_unlock(&s->lock);
	if (s->thread_running)
		pthread_join(s->thread, NULL);
	if (s->hash_thread_running)
		pthread_join(s->hash_thread, NULL);
	s->thread_running = s->hash_thread_running = false;
}

int cn_layer_stream_finish(struct cn_layer_stream *s, struct cn_digest *ret_diff_id,
			   uint64_t *ret_size, struct cn_error *err)
{
	if (!s->finished) {
		const void *buf;
		ssize_t n;
		while ((n = cn_layer_stream_next(s, &buf, err)) > 0)
			;
		if (n < 0)
			return (int)n;
		/* The producer is done; the hasher ends once it has hashed everything. */
		pthread_mutex_lock(&s->lock);
		while (s->hashing && s->hashed < s->produced)
			pthread_cond_wait(&s->can_consume, &s->lock);
		pthread_mutex_unlock(&s->lock);
		stop_threads(s);
		if (s->hashing)
			cn_hasher_final(&s->hasher, &s->diff_id);
		s->finished = true;
	}
	if (ret_diff_id)
		*ret_diff_id = s->diff_id;
	if (ret_size)
		*ret_size = s->total;
	return 0;
}

enum cn_compression cn_layer_stream_compression(const struct cn_layer_stream *s)
{
	return s->compression;
}

bool cn_layer_stream_hashed(const struct cn_layer_stream *s)
{
	return s->hashing;
}

struct cn_layer_stream *cn_layer_stream_free(struct cn_layer_stream *s)
{
	if (!s)
		return NULL;
	stop_threads(s);
	for (size_t i = 0; i < STREAM_SLOTS; i++)
		free(s->slot[i]);
	free(s->in);
	free(s->gz);
	ZSTD_freeDCtx(s->zs);
	if (s->fd >= 0)
		close(s->fd);
	cn_hasher_release(&s->hasher);
	pthread_cond_destroy(&s->can_produce);
	pthread_cond_destroy(&s->can_consume);
	pthread_cond_destroy(&s->can_hash);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return NULL;
}
