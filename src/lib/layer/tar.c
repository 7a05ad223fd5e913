/* Tar entries from a layer stream (libarchive, tar formats only) and the entry-name rules. */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/layer/tar.h"

struct cn_tar {
	struct archive *a;
	struct archive_entry *entry;
	struct cn_layer_stream *stream;
	struct cn_error stream_err; /* the stream's own error, which libarchive only sees as -1 */
	int stream_code;
	bool open_failed; /* reported by the first cn_tar_next() */
	bool empty;	  /* the stream had no bytes at all: an empty layer */
	uint64_t bytes;
};

static la_ssize_t tar_read(struct archive *a, void *client, const void **buf)
{
	struct cn_tar *t = client;
	ssize_t n = cn_layer_stream_next(t->stream, buf, &t->stream_err);
	if (n < 0) {
		t->stream_code = (int)n;
		archive_set_error(a, EIO, "%s", cn_error_message(&t->stream_err, (int)n));
		return -1;
	}
	t->bytes += (uint64_t)n;
	return n;
}

struct cn_tar *cn_tar_open(struct cn_layer_stream *s)
{
	struct cn_tar *t = xcalloc(1, sizeof(*t));
	t->stream = s;
	t->a = archive_read_new();
	if (!t->a)
		abort(); /* out of memory */
	archive_read_support_format_tar(t->a);
	/* Opening reads the first block to recognise the format: a failure is reported by the
	 * first cn_tar_next(), and an empty stream is an empty layer. */
	if (archive_read_open(t->a, t, NULL, tar_read, NULL) != ARCHIVE_OK) {
		t->open_failed = true;
		t->empty = t->stream_code == 0 && t->bytes == 0;
	}
	return t;
}

static int tar_error(struct cn_tar *t, struct cn_error *err)
{
	if (t->stream_code < 0) {
		if (err)
			*err = t->stream_err;
		return t->stream_code;
	}
	const char *msg = archive_error_string(t->a);
	return cn_error_set(err, -EBADMSG, "corrupt tar: %s", msg ? msg : "unreadable header");
}

int cn_tar_next(struct cn_tar *t, struct archive_entry **ret, struct cn_error *err)
{
	if (t->empty)
		return 0;
	if (t->open_failed)
		return t->stream_code < 0 ? tar_error(t, err)
					  : cn_error_set(err, -EBADMSG, "not a tar archive");
	int r = archive_read_next_header(t->a, &t->entry);
	if (r == ARCHIVE_EOF)
		return 0;
	/* ARCHIVE_WARN: e.g. a name not convertible to the locale's charset; the raw bytes stay. */
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return tar_error(t, err);
	*ret = t->entry;
	return 1;
}

int cn_tar_data(struct cn_tar *t, const void **ret_buf, size_t *ret_len, int64_t *ret_offset,
		struct cn_error *err)
{
	la_int64_t off;
	int r = archive_read_data_block(t->a, ret_buf, ret_len, &off);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return tar_error(t, err);
	*ret_offset = off;
	return 1;
}

/* Gives fn `n` zero bytes. */
static int zeros(cn_data_fn fn, void *userdata, int64_t n, struct cn_error *err)
{
	static const char z[4096];
	for (; n > 0; n -= (int64_t)sizeof(z)) {
		int r = fn(userdata, z, (size_t)MIN(n, (int64_t)sizeof(z)), err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cn_tar_copy_data(struct cn_tar *t, int64_t size, cn_data_fn fn, void *userdata,
		     struct cn_error *err)
{
	const void *buf;
	size_t len;
	int64_t off, pos = 0;
	int r;
	while ((r = cn_tar_data(t, &buf, &len, &off, err)) > 0) {
		if (off > pos && (r = zeros(fn, userdata, off - pos, err)) < 0)
			return r;
		if ((r = fn(userdata, buf, len, err)) < 0)
			return r;
		pos = off + (int64_t)len;
	}
	if (r < 0)
		return r;
	return size > pos ? zeros(fn, userdata, size - pos, err) : 0;
}

struct cn_tar *cn_tar_free(struct cn_tar *t)
{
	if (!t)
		return NULL;
	archive_read_free(t->a);
	free(t);
	return NULL;
}

int cn_layer_path_clean(const char *name, struct strbuf *out)
{
	strbuf_reset(out);
	if (!*name)
		return -EINVAL;
	for (const char *p = name; *p;) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = out->len ? memrchr(out->buf, '/', out->len) : NULL;
			strbuf_setlen(out, slash ? (size_t)(slash - out->buf) : 0);
		} else {
			if (len > CN_LAYER_NAME_MAX)
				return -ENAMETOOLONG;
			if (out->len)
				strbuf_addch(out, '/');
			strbuf_add(out, p, len);
			if (out->len > CN_LAYER_PATH_MAX)
				return -ENAMETOOLONG;
		}
		p = end;
	}
	return 0;
}

enum cn_whiteout cn_whiteout_parse(const char *base, const char **ret_target)
{
	static const char meta[] = CN_WHITEOUT_PREFIX CN_WHITEOUT_PREFIX;
	if (strncmp(base, CN_WHITEOUT_PREFIX, strlen(CN_WHITEOUT_PREFIX)) != 0)
		return CN_WHITEOUT_NONE;
	if (!strcmp(base, CN_WHITEOUT_OPAQUE))
		return CN_WHITEOUT_DIR;
	if (!strncmp(base, meta, strlen(meta)))
		return CN_WHITEOUT_META;
	const char *target = base + strlen(CN_WHITEOUT_PREFIX);
	if (!*target || !strcmp(target, ".") || !strcmp(target, "..") || strchr(target, '/'))
		return CN_WHITEOUT_INVALID;
	if (ret_target)
		*ret_target = target;
	return CN_WHITEOUT_FILE;
}

int cn_layer_name_parse(struct archive_entry *e, struct strbuf *buf, struct cn_layer_name *ret,
			struct cn_error *err)
{
	const char *name = archive_entry_pathname(e);
	if (!name)
		return cn_error_set(err, -EINVAL, "entry without a name");
	int r = cn_layer_path_clean(name, buf);
	if (r < 0)
		return cn_error_set(err, r, r == -ENAMETOOLONG ? "name too long" : "empty name");
	const char *slash = strrchr(buf->buf, '/');
	*ret = (struct cn_layer_name){
		.path = buf->buf,
		.dir_len = slash ? (size_t)(slash - buf->buf) : 0,
		.base = slash ? slash + 1 : buf->buf,
	};
	if (!buf->len) {
		if (archive_entry_hardlink(e) || archive_entry_filetype(e) != AE_IFDIR)
			return cn_error_set(err, -EINVAL, "cannot replace the root directory");
		return 0;
	}
	ret->whiteout = cn_whiteout_parse(ret->base, &ret->whiteout_target);
	if (ret->whiteout == CN_WHITEOUT_INVALID)
		return cn_error_set(err, -EINVAL, "invalid whiteout");
	return 0;
}

int cn_layer_entry_error(struct cn_error *err, int r, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	struct strbuf q;
	strbuf_init(&q, 64);
	cn_layer_quote(&q, name ? name : "");
	cn_error_prefix(err, r, "entry %s", q.buf);
	strbuf_release(&q);
	return r;
}

void cn_layer_quote(struct strbuf *sb, const char *s)
{
	size_t n = 0;
	strbuf_addch(sb, '\'');
	for (; *s && n < 200; s++, n++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\' || c == '\'')
			strbuf_addf(sb, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			strbuf_addf(sb, "\\x%02x", c);
		else
			strbuf_addch(sb, (char)c);
	}
	if (*s)
		strbuf_addstr(sb, "...");
	strbuf_addch(sb, '\'');
}
