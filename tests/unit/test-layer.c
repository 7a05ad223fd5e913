/*
 * The layer library: entry-name rules (path cleaning, whiteouts, quoting), path sets, layer
 * streams (plain, gzip, zstd) and the applier on a temporary root beside a canary file.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/strbuf.h"
#include "lib/digest/digest.h"
#include "lib/layer/apply.h"
#include "lib/layer/pathset.h"
#include "lib/layer/stream.h"
#include "lib/layer/tar.h"
#include "test.h"

#define SHA256_EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define MTIME	     1700000000
#define CANARY	     "canary\n"

/* ------------------------------------------------------------------ entry names */

static const struct {
	const char *name;
	int ret;
	const char *want;
} clean_cases[] = {
	{ ".", 0, "" },
	{ "/", 0, "" },
	{ "./", 0, "" },
	{ "..", 0, "" },
	{ "../../etc/x", 0, "etc/x" },
	{ "a/../../b", 0, "b" },
	{ "a//b/./c/", 0, "a/b/c" },
	{ "/etc/passwd", 0, "etc/passwd" },
	{ "//a///b//", 0, "a/b" },
	{ "a/b/..", 0, "a" },
	{ "a/b/../..", 0, "" },
	{ "a/./../b/../../c/.", 0, "c" },
	{ "...", 0, "..." },
	{ "a/.../b", 0, "a/.../b" },
	{ ".hidden/..x", 0, ".hidden/..x" },
	{ "a\nb/c d", 0, "a\nb/c d" },
	{ "", -EINVAL, NULL },
};

TEST(path_clean_table)
{
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	for (size_t i = 0; i < ARRAY_SIZE(clean_cases); i++) {
		int r = cn_layer_path_clean(clean_cases[i].name, &out);
		if (r != clean_cases[i].ret)
			TEST_FAIL("clean(\"%s\") = %d, want %d", clean_cases[i].name, r,
				  clean_cases[i].ret);
		if (r == 0 && strcmp(out.buf, clean_cases[i].want) != 0)
			TEST_FAIL("clean(\"%s\") = \"%s\", want \"%s\"", clean_cases[i].name,
				  out.buf, clean_cases[i].want);
		if (r == 0 && out.len != strlen(out.buf))
			TEST_FAIL("clean(\"%s\"): len %zu", clean_cases[i].name, out.len);
	}
}

/* A name of `n` components of `len` bytes ('a'..), joined by "/". */
static char *components(size_t n, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(&sb, '/');
		for (size_t k = 0; k < len; k++)
			strbuf_addch(&sb, (char)('a' + i % 26));
	}
	return strbuf_detach(&sb, NULL);
}

TEST(path_clean_limits)
{
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	cleanup_free char *c255 = components(1, 255), *c256 = components(1, 256);
	ASSERT_OK(cn_layer_path_clean(c255, &out));
	ASSERT_EQ(out.len, 255);
	ASSERT_ERR(cn_layer_path_clean(c256, &out), -ENAMETOOLONG);

	cleanup_free char *in_dir = xasprintf("dir/%s/x", c256);
	ASSERT_ERR(cn_layer_path_clean(in_dir, &out), -ENAMETOOLONG);
	/* the over-long component is refused even when ".." would drop it again */
	cleanup_free char *dropped = xasprintf("%s/..", c256);
	ASSERT_ERR(cn_layer_path_clean(dropped, &out), -ENAMETOOLONG);

	/* 40 components of 100 and one of 56: exactly 4096 bytes; one more byte is too long */
	cleanup_free char *c40 = components(40, 100);
	cleanup_free char *p4096 = xasprintf("%s/%056d", c40, 0);
	ASSERT_EQ(strlen(p4096), 4096);
	ASSERT_OK(cn_layer_path_clean(p4096, &out));
	ASSERT_EQ(out.len, 4096);
	cleanup_free char *p4097 = xasprintf("%s/%057d", c40, 0);
	ASSERT_EQ(strlen(p4097), 4097);
	ASSERT_ERR(cn_layer_path_clean(p4097, &out), -ENAMETOOLONG);
	/* the limit is on the cleaned path, not the raw name */
	cleanup_free char *slash4097 = xasprintf("/%s", p4096);
	ASSERT_OK(cn_layer_path_clean(slash4097, &out));
	ASSERT_EQ(out.len, 4096);
	struct strbuf loops = STRBUF_INIT;
	for (int i = 0; i < 2000; i++)
		strbuf_addstr(&loops, "a/../");
	strbuf_addstr(&loops, "b");
	int r = cn_layer_path_clean(loops.buf, &out);
	strbuf_release(&loops);
	ASSERT_OK(r);
	ASSERT_STREQ(out.buf, "b");
}

static const struct {
	const char *base;
	enum cn_whiteout want;
	const char *target;
} whiteout_cases[] = {
	{ "x", CN_WHITEOUT_NONE, NULL },
	{ ".wh", CN_WHITEOUT_NONE, NULL },
	{ ".whx", CN_WHITEOUT_NONE, NULL },
	{ ".WH.x", CN_WHITEOUT_NONE, NULL },
	{ "a.wh.x", CN_WHITEOUT_NONE, NULL },
	{ ".wh.x", CN_WHITEOUT_FILE, "x" },
	{ ".wh..x", CN_WHITEOUT_FILE, ".x" },
	{ ".wh....", CN_WHITEOUT_FILE, "..." },
	{ ".wh.wh.x", CN_WHITEOUT_FILE, "wh.x" },
	{ ".wh..wh..opq", CN_WHITEOUT_DIR, NULL },
	{ ".wh..wh.plnk", CN_WHITEOUT_META, NULL },
	{ ".wh..wh.aufs", CN_WHITEOUT_META, NULL },
	{ ".wh..wh..opqx", CN_WHITEOUT_META, NULL },
	{ ".wh..wh.", CN_WHITEOUT_META, NULL },
	{ ".wh.", CN_WHITEOUT_INVALID, NULL },
	{ ".wh..", CN_WHITEOUT_INVALID, NULL },	 /* "." */
	{ ".wh...", CN_WHITEOUT_INVALID, NULL }, /* ".." */
	{ ".wh.a/b", CN_WHITEOUT_INVALID, NULL },
};

TEST(whiteout_parse_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(whiteout_cases); i++) {
		const char *target = "(untouched)";
		enum cn_whiteout w = cn_whiteout_parse(whiteout_cases[i].base, &target);
		if (w != whiteout_cases[i].want)
			TEST_FAIL("whiteout(\"%s\") = %d, want %d", whiteout_cases[i].base, w,
				  whiteout_cases[i].want);
		const char *want =
			whiteout_cases[i].target ? whiteout_cases[i].target : "(untouched)";
		if (strcmp(target, want) != 0)
			TEST_FAIL("whiteout(\"%s\") target \"%s\", want \"%s\"",
				  whiteout_cases[i].base, target, want);
	}
	ASSERT_EQ(cn_whiteout_parse(".wh.x", NULL), CN_WHITEOUT_FILE);
}

static const struct {
	const char *in;
	const char *want;
} quote_cases[] = {
	{ "", "''" },
	{ "a/b", "'a/b'" },
	{ "a\nb", "'a\\x0ab'" },
	{ "\t\r\x1b[2J", "'\\x09\\x0d\\x1b[2J'" },
	{ "it's", "'it\\'s'" },
	{ "a\\b", "'a\\\\b'" },
	{ "\x7f", "'\\x7f'" },
	{ "caf\xc3\xa9", "'caf\xc3\xa9'" },
};

TEST(layer_quote_escapes_and_cuts)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < ARRAY_SIZE(quote_cases); i++) {
		strbuf_reset(&sb);
		cn_layer_quote(&sb, quote_cases[i].in);
		ASSERT_STREQ(sb.buf, quote_cases[i].want);
	}
	/* appends */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "entry ");
	cn_layer_quote(&sb, "x");
	ASSERT_STREQ(sb.buf, "entry 'x'");

	char long_name[301];
	memset(long_name, 'n', 300);
	long_name[300] = '\0';
	strbuf_reset(&sb);
	cn_layer_quote(&sb, long_name);
	ASSERT_EQ(sb.len, 1 + 200 + 3 + 1);
	ASSERT_EQ(strspn(sb.buf + 1, "n"), 200);
	ASSERT_STREQ(sb.buf + 201, "...'");
	long_name[200] = '\0'; /* exactly 200: whole, no ellipsis */
	strbuf_reset(&sb);
	cn_layer_quote(&sb, long_name);
	ASSERT_EQ(sb.len, 202);
	ASSERT_TRUE(strstr(sb.buf, "...") == NULL);
	/* 300 newlines: 200 escapes, the line stays one line */
	memset(long_name, '\n', 300);
	long_name[300] = '\0';
	strbuf_reset(&sb);
	cn_layer_quote(&sb, long_name);
	ASSERT_EQ(sb.len, 1 + 200 * 4 + 3 + 1);
	ASSERT_TRUE(strchr(sb.buf, '\n') == NULL);
}

/* ------------------------------------------------------------------ path sets */

TEST(pathset_add_has_clear)
{
	struct cn_pathset s = { 0 };
	ASSERT_FALSE(cn_pathset_has(&s, "a", 1)); /* empty, no table */
	ASSERT_TRUE(cn_pathset_add(&s, "a", 1));
	ASSERT_FALSE(cn_pathset_add(&s, "a", 1));
	ASSERT_TRUE(cn_pathset_add(&s, "a/b", 3));
	ASSERT_TRUE(cn_pathset_add(&s, "a/bc", 4));
	ASSERT_TRUE(cn_pathset_add(&s, "a/bcd/e", 5)); /* only len bytes: "a/bcd" */
	ASSERT_EQ(s.n, 4);
	ASSERT_TRUE(cn_pathset_has(&s, "a", 1));
	ASSERT_TRUE(cn_pathset_has(&s, "a/b", 3));
	ASSERT_TRUE(cn_pathset_has(&s, "a/bc", 4));
	ASSERT_TRUE(cn_pathset_has(&s, "a/bcd", 5));
	ASSERT_TRUE(cn_pathset_has(&s, "a/bcdef", 3)); /* a prefix of the buffer: "a/b" */
	ASSERT_FALSE(cn_pathset_has(&s, "a/bcd/e", 7));
	ASSERT_FALSE(cn_pathset_has(&s, "a/", 2));
	ASSERT_FALSE(cn_pathset_has(&s, "b", 1));
	ASSERT_FALSE(cn_pathset_has(&s, "", 0));
	ASSERT_TRUE(cn_pathset_add(&s, "", 0));
	ASSERT_TRUE(cn_pathset_has(&s, "", 0));

	size_t cap = s.cap;
	cn_pathset_clear(&s);
	ASSERT_EQ(s.n, 0);
	ASSERT_EQ(s.cap, cap);
	ASSERT_FALSE(cn_pathset_has(&s, "a", 1));
	ASSERT_TRUE(cn_pathset_add(&s, "a", 1));
	ASSERT_TRUE(cn_pathset_has(&s, "a", 1));
	cn_pathset_release(&s);
	ASSERT_EQ(s.n, 0);
	ASSERT_EQ(s.cap, 0);
	ASSERT_NULL(s.slots);
	cn_pathset_release(&s); /* twice is fine */
}

TEST(pathset_grows_past_10k)
{
	struct cn_pathset s = { 0 };
	char key[64];
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(key, sizeof(key), "usr/share/doc/pkg-%d/copyright", i);
		if (!cn_pathset_add(&s, key, (size_t)n))
			TEST_FAIL("add %s: already there", key);
	}
	ASSERT_EQ(s.n, 20000);
	ASSERT_TRUE(s.cap >= 20000 * 4 / 3);
	ASSERT_EQ(s.cap & (s.cap - 1), 0);
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(key, sizeof(key), "usr/share/doc/pkg-%d/copyright", i);
		if (!cn_pathset_has(&s, key, (size_t)n))
			TEST_FAIL("has %s: missing", key);
		if (cn_pathset_add(&s, key, (size_t)n))
			TEST_FAIL("add %s twice", key);
		n = snprintf(key, sizeof(key), "usr/share/doc/pkg-%d/copyrigh", i);
		if (cn_pathset_has(&s, key, (size_t)n))
			TEST_FAIL("has %s: a prefix", key);
	}
	ASSERT_EQ(s.n, 20000);
	cn_pathset_release(&s);
}

/* ------------------------------------------------------------------ compression and streams */

static const struct {
	const char *magic;
	size_t len;
	int ret;
	enum cn_compression want;
	const char *msg;
} detect_cases[] = {
	{ "\x1f\x8b\x08\x00\x00\x00", 6, 0, CN_COMPRESSION_GZIP, NULL },
	{ "\x1f\x8b", 2, 0, CN_COMPRESSION_GZIP, NULL },
	{ "\x28\xb5\x2f\xfd\x04\x58", 6, 0, CN_COMPRESSION_ZSTD, NULL },
	{ "\xfd"
	  "7zXZ\x00\x00",
	  7, -EMEDIUMTYPE, 0, "xz" },
	{ "BZh91AY&SY", 10, -EMEDIUMTYPE, 0, "bzip2" },
	{ "BZh0xxx", 7, 0, CN_COMPRESSION_NONE, NULL }, /* not a block size digit */
	{ "BZh", 3, 0, CN_COMPRESSION_NONE, NULL },
	{ "\xfd"
	  "7zXZ",
	  5, 0, CN_COMPRESSION_NONE, NULL },
	{ "\x28\xb5\x2f", 3, 0, CN_COMPRESSION_NONE, NULL },
	{ "\x1f", 1, 0, CN_COMPRESSION_NONE, NULL },
	{ "", 0, 0, CN_COMPRESSION_NONE, NULL },
	{ "etc/passwd\0\0\0", 13, 0, CN_COMPRESSION_NONE, NULL },
};

TEST(compression_detect_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(detect_cases); i++) {
		struct cn_error err = CN_ERROR_INIT;
		enum cn_compression c = (enum cn_compression)99;
		int r = cn_compression_detect(detect_cases[i].magic, detect_cases[i].len, &c, &err);
		if (r != detect_cases[i].ret)
			TEST_FAIL("case %zu: detect = %d, want %d", i, r, detect_cases[i].ret);
		if (r == 0 && c != detect_cases[i].want)
			TEST_FAIL("case %zu: compression %d, want %d", i, c, detect_cases[i].want);
		if (detect_cases[i].msg && !strstr(err.msg, detect_cases[i].msg))
			TEST_FAIL("case %zu: message \"%s\" lacks \"%s\"", i, err.msg,
				  detect_cases[i].msg);
	}
	ASSERT_STREQ(cn_compression_name(CN_COMPRESSION_NONE), "none");
	ASSERT_STREQ(cn_compression_name(CN_COMPRESSION_GZIP), "gzip");
	ASSERT_STREQ(cn_compression_name(CN_COMPRESSION_ZSTD), "zstd");
}

/* A memfd holding `len` bytes of `data`, at offset 0. */
static int memfd_with(const void *data, size_t len)
{
	int fd = memfd_create("test-layer", MFD_CLOEXEC);
	if (fd < 0)
		TEST_FAIL("memfd_create: %s", strerror(errno));
	if (cn_write_full(fd, data, len) < 0 || lseek(fd, 0, SEEK_SET) != 0)
		TEST_FAIL("memfd write: %s", strerror(errno));
	return fd;
}

/* Bytes that compress a little: text lines with pseudo-random runs between them. */
static char *make_payload(size_t len, uint32_t seed)
{
	char *p = xmalloc(len);
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (i / 64) % 3 ? "layer data line\n"[i % 16] : (char)(x >> 24);
	}
	return p;
}

/* Appends one gzip member of `data`, written by zlib's gzip writer. */
static void gzip_append(struct strbuf *out, const void *data, size_t len)
{
	cleanup_close int fd = memfd_create("test-layer-gz", MFD_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	gzFile gz = gzdopen(dup(fd), "wb6");
	ASSERT_TRUE(gz != NULL);
	if (len)
		ASSERT_EQ(gzwrite(gz, data, (unsigned)len), len);
	ASSERT_EQ(gzclose(gz), Z_OK);
	ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
	ASSERT_OK(cn_read_fd(fd, 64u << 20, out));
}

/* Appends one zstd frame of `data`. */
static void zstd_append(struct strbuf *out, const void *data, size_t len)
{
	size_t bound = ZSTD_compressBound(len);
	strbuf_grow(out, bound);
	size_t n = ZSTD_compress(out->buf + out->len, bound, data, len, 3);
	if (ZSTD_isError(n))
		TEST_FAIL("ZSTD_compress: %s", ZSTD_getErrorName(n));
	strbuf_setlen(out, out->len + n);
}

struct stream_result {
	struct strbuf data; /* every byte the stream gave */
	enum cn_compression compression;
	struct cn_digest diff_id;
	uint64_t size;
	struct cn_error err;
};

/* Reads a stream over a copy of `blob` to its end; returns 0 or the first error. */
static int read_stream(const void *blob, size_t len, struct stream_result *res)
{
	cleanup_layer_stream struct cn_layer_stream *s = NULL;
	const void *buf;
	ssize_t n;

	strbuf_init(&res->data, 0);
	cn_error_clear(&res->err);
	int r = cn_layer_stream_open(memfd_with(blob, len), &s, &res->err);
	if (r < 0)
		return r;
	res->compression = cn_layer_stream_compression(s);
	while ((n = cn_layer_stream_next(s, &buf, &res->err)) > 0)
		strbuf_add(&res->data, buf, (size_t)n);
	if (n < 0)
		return (int)n;
	ASSERT_EQ(cn_layer_stream_next(s, &buf, &res->err), 0); /* the end stays the end */
	return cn_layer_stream_finish(s, &res->diff_id, &res->size, &res->err);
}

/* The stream of `blob` must give exactly `want` (len bytes), compressed as `c`. */
static void check_stream(const struct strbuf *blob, enum cn_compression c, const char *want,
			 size_t len)
{
	struct stream_result res;
	struct cn_digest d;
	int r = read_stream(blob->buf, blob->len, &res);
	if (r < 0)
		TEST_FAIL("stream: %d %s", r, res.err.msg);
	ASSERT_EQ(res.compression, c);
	ASSERT_EQ(res.data.len, len);
	ASSERT_TRUE(memcmp(res.data.buf, want, len) == 0);
	ASSERT_EQ(res.size, len);
	cn_digest_of(CN_DIGEST_SHA256, want, len, &d);
	ASSERT_STREQ(res.diff_id.str, d.str);
	strbuf_release(&res.data);
}

/* The stream of `blob` must fail with `code` and a message containing `needle`. */
static void check_stream_fails(const void *blob, size_t len, int code, const char *needle)
{
	struct stream_result res;
	int r = read_stream(blob, len, &res);
	strbuf_release(&res.data);
	if (r != code)
		TEST_FAIL("stream of %zu bytes: %d (%s), want %d", len, r, res.err.msg, code);
	if (!strstr(res.err.msg, needle))
		TEST_FAIL("stream error \"%s\" lacks \"%s\"", res.err.msg, needle);
}

#define BIG (3u * 1024 * 1024 + 12345) /* several 1 MiB slots and 256 KiB reads */

TEST(stream_plain_and_empty)
{
	cleanup_free char *p = make_payload(BIG, 1);
	struct strbuf blob = { 0, BIG, p };
	check_stream(&blob, CN_COMPRESSION_NONE, p, BIG);

	struct stream_result res;
	ASSERT_OK(read_stream("", 0, &res));
	ASSERT_EQ(res.compression, CN_COMPRESSION_NONE);
	ASSERT_EQ(res.data.len, 0);
	ASSERT_EQ(res.size, 0);
	ASSERT_STREQ(res.diff_id.str, SHA256_EMPTY);
	strbuf_release(&res.data);
}

TEST(stream_gzip_one_and_two_members)
{
	cleanup_free char *p = make_payload(BIG, 2);
	cleanup_strbuf struct strbuf blob = STRBUF_INIT;
	gzip_append(&blob, p, BIG);
	ASSERT_TRUE(blob.len < BIG);
	check_stream(&blob, CN_COMPRESSION_GZIP, p, BIG);

	/* two members are one stream (pigz, concatenated files) */
	strbuf_reset(&blob);
	gzip_append(&blob, p, 1000);
	gzip_append(&blob, p + 1000, BIG - 1000);
	check_stream(&blob, CN_COMPRESSION_GZIP, p, BIG);

	/* an empty member, then a small one */
	strbuf_reset(&blob);
	gzip_append(&blob, "", 0);
	gzip_append(&blob, "tail", 4);
	check_stream(&blob, CN_COMPRESSION_GZIP, "tail", 4);
}

TEST(stream_gzip_corrupt)
{
	cleanup_free char *p = make_payload(BIG, 3);
	cleanup_strbuf struct strbuf blob = STRBUF_INIT;
	gzip_append(&blob, p, BIG);
	size_t cuts[] = { 10, 100, blob.len / 2, blob.len - 8, blob.len - 1 };
	for (size_t i = 0; i < ARRAY_SIZE(cuts); i++)
		check_stream_fails(blob.buf, cuts[i], -EBADMSG, "gzip");

	struct strbuf more = STRBUF_INIT;
	strbuf_add(&more, blob.buf, blob.len);
	strbuf_addstr(&more, "garbage");
	check_stream_fails(more.buf, more.len, -EBADMSG, "trailing garbage");
	strbuf_setlen(&more, blob.len);
	strbuf_add(&more, "\0\0\0\0", 4); /* zero padding is garbage too */
	check_stream_fails(more.buf, more.len, -EBADMSG, "trailing garbage");
	strbuf_setlen(&more, blob.len);
	strbuf_addch(&more, '\x1f'); /* the start of a member that never comes */
	check_stream_fails(more.buf, more.len, -EBADMSG, "gzip");
	strbuf_release(&more);

	blob.buf[blob.len - 6] ^= 0x55; /* the CRC32 */
	check_stream_fails(blob.buf, blob.len, -EBADMSG, "checksum");
}

TEST(stream_zstd_frames_and_corrupt)
{
	cleanup_free char *p = make_payload(BIG, 4);
	cleanup_strbuf struct strbuf blob = STRBUF_INIT;
	zstd_append(&blob, p, BIG);
	check_stream(&blob, CN_COMPRESSION_ZSTD, p, BIG);

	strbuf_reset(&blob);
	zstd_append(&blob, p, 5000);
	zstd_append(&blob, p + 5000, BIG - 5000);
	check_stream(&blob, CN_COMPRESSION_ZSTD, p, BIG);

	size_t cuts[] = { 6, blob.len / 2, blob.len - 1 };
	for (size_t i = 0; i < ARRAY_SIZE(cuts); i++)
		check_stream_fails(blob.buf, cuts[i], -EBADMSG, "zstd");
	strbuf_addstr(&blob, "garbage!");
	check_stream_fails(blob.buf, blob.len, -EBADMSG, "zstd");
}

TEST(stream_finish_midway_and_free_early)
{
	cleanup_free char *p = make_payload(BIG, 5);
	cleanup_strbuf struct strbuf blob = STRBUF_INIT;
	struct cn_error err = CN_ERROR_INIT;
	struct cn_digest want, d, again;
	uint64_t size = 0;
	const void *buf;
	gzip_append(&blob, p, BIG);
	cn_digest_of(CN_DIGEST_SHA256, p, BIG, &want);

	struct cn_layer_stream *s = NULL;
	ASSERT_OK(cn_layer_stream_open(memfd_with(blob.buf, blob.len), &s, &err));
	ASSERT_TRUE(cn_layer_stream_next(s, &buf, &err) > 0);
	ASSERT_OK(cn_layer_stream_finish(s, &d, &size, &err));
	ASSERT_STREQ(d.str, want.str);
	ASSERT_EQ(size, BIG);
	ASSERT_OK(cn_layer_stream_finish(s, &again, NULL, &err)); /* twice: the same */
	ASSERT_STREQ(again.str, want.str);
	ASSERT_EQ(cn_layer_stream_next(s, &buf, &err), 0);
	s = cn_layer_stream_free(s);
	ASSERT_NULL(s);

	/* freed while the producer waits for room: it stops */
	ASSERT_OK(cn_layer_stream_open(memfd_with(blob.buf, blob.len), &s, &err));
	ASSERT_TRUE(cn_layer_stream_next(s, &buf, &err) > 0);
	usleep(20000);
	cn_layer_stream_free(s);
	ASSERT_NULL(cn_layer_stream_free(NULL));
}

TEST(stream_refuses_xz_and_closes_fd)
{
	struct cn_error err = CN_ERROR_INIT;
	struct cn_layer_stream *s = NULL;
	int fd = memfd_with("\xfd"
			    "7zXZ\x00\x00\x04",
			    8);
	ASSERT_ERR(cn_layer_stream_open(fd, &s, &err), -EMEDIUMTYPE);
	ASSERT_NULL(s);
	ASSERT_TRUE(strstr(err.msg, "xz") != NULL);
	ASSERT_EQ(fcntl(fd, F_GETFD), -1); /* the stream owned it */
	ASSERT_EQ(errno, EBADF);
}

/* ------------------------------------------------------------------ applier fixtures */

/*
 * Each applier test gets DIR = $TMPDIR/cairn-test-layer.XXXXXX holding the root "root" and a
 * file "canary"; nothing the layers do may change DIR other than inside root.
 */
static char test_dir[256];
static int dir_fd = -1, root_fd = -1;

static void cleanup_test_dir(void)
{
	if (dir_fd >= 0) {
		(void)cn_remove_tree_contents(dir_fd);
		close(dir_fd);
		(void)rmdir(test_dir);
	}
	if (root_fd >= 0)
		close(root_fd);
	dir_fd = root_fd = -1;
	test_dir[0] = '\0';
}

/* A fresh DIR; returns the fd of DIR/root. */
static int new_root(void)
{
	static bool registered;
	const char *tmp = getenv("TMPDIR");
	if (!registered)
		registered = atexit(cleanup_test_dir) == 0;
	cleanup_test_dir();
	(void)snprintf(test_dir, sizeof(test_dir), "%s/cairn-test-layer.XXXXXX",
		       tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(test_dir))
		TEST_FAIL("mkdtemp: %s", strerror(errno));
	dir_fd = open(test_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_TRUE(dir_fd >= 0);
	ASSERT_OK(mkdirat(dir_fd, "root", 0755));
	ASSERT_OK(cn_write_file_atomic(dir_fd, "canary", CANARY, strlen(CANARY)));
	root_fd = openat(dir_fd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_TRUE(root_fd >= 0);
	return root_fd;
}

/* "none" when DIR holds exactly root/ and the unchanged canary, else what differs. */
static const char *outside_changes(void)
{
	static char why[512];
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int fd = dup(dir_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d)
		return "cannot read DIR";
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "root") && strcmp(de->d_name, "canary"))
			strbuf_addf(&sb, " %s", de->d_name);
	closedir(d);
	if (sb.len) {
		(void)snprintf(why, sizeof(why), "DIR gained:%s", sb.buf);
		return why;
	}
	if (fstatat(dir_fd, "root", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return "DIR/root is no longer a directory";
	if (fstatat(dir_fd, "canary", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1)
		return "the canary is not a lone regular file";
	if (cn_read_file_at(dir_fd, "canary", 4096, &sb) < 0 || strcmp(sb.buf, CANARY) != 0)
		return "the canary changed";
	return "none";
}

/* What `path` under the root is: f d l c b p s, or '-' when missing. */
static char type_of(const char *path)
{
	struct stat st;
	if (fstatat(root_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return '-';
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		return 'f';
	case S_IFDIR:
		return 'd';
	case S_IFLNK:
		return 'l';
	case S_IFCHR:
		return 'c';
	case S_IFBLK:
		return 'b';
	case S_IFIFO:
		return 'p';
	}
	return 's';
}

static long long mode_of(const char *path)
{
	struct stat st;
	if (fstatat(root_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return st.st_mode & 07777;
}

static struct stat stat_of(const char *path)
{
	struct stat st;
	if (fstatat(root_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		TEST_FAIL("stat %s: %s", path, strerror(errno));
	return st;
}

/* The content of regular file `path` under the root, "(missing)" or "(not a file)". */
static const char *content_of(const char *path)
{
	static char buf[4096];
	if (type_of(path) == '-')
		return "(missing)";
	if (type_of(path) != 'f')
		return "(not a file)";
	cleanup_close int fd = openat(root_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : cn_read_full(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		TEST_FAIL("read %s: %s", path, strerror(errno));
	buf[n] = '\0';
	return buf;
}

static const char *target_of(const char *path)
{
	static char buf[4096];
	ssize_t n = readlinkat(root_fd, path, buf, sizeof(buf) - 1);
	if (n < 0)
		return "(not a symlink)";
	buf[n] = '\0';
	return buf;
}

static size_t count_entries(int fd)
{
	size_t n = 0;
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d)
		TEST_FAIL("opendir: %s", strerror(errno));
	struct dirent *de;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/* A layer tar written with libarchive (pax restricted) into a memfd. */
struct layer {
	struct archive *a;
	int fd;
	int64_t uid, gid; /* of the next entries: the caller's by default */
	time_t mtime;
	const char *xattr_name, *xattr_value; /* one extended attribute of the next entries */
};

static void layer_begin(struct layer *l)
{
	l->fd = memfd_create("test-layer-tar", MFD_CLOEXEC);
	ASSERT_TRUE(l->fd >= 0);
	l->a = archive_write_new();
	ASSERT_TRUE(l->a != NULL);
	ASSERT_EQ(archive_write_set_format_pax_restricted(l->a), ARCHIVE_OK);
	ASSERT_EQ(archive_write_open_fd(l->a, l->fd), ARCHIVE_OK);
	l->uid = geteuid();
	l->gid = getegid();
	l->mtime = MTIME;
	l->xattr_name = l->xattr_value = NULL;
}

static void add(struct layer *l, const char *name, mode_t mode, const char *data,
		const char *symlink, const char *hardlink, dev_t rdev)
{
	struct archive_entry *e = archive_entry_new();
	size_t len = data ? strlen(data) : 0;
	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_uid(e, l->uid);
	archive_entry_set_gid(e, l->gid);
	archive_entry_set_mtime(e, l->mtime, 0);
	archive_entry_set_size(e, (la_int64_t)len);
	if (symlink)
		archive_entry_set_symlink(e, symlink);
	if (hardlink)
		archive_entry_set_hardlink(e, hardlink);
	if (rdev)
		archive_entry_set_rdev(e, rdev);
	if (l->xattr_name)
		archive_entry_xattr_add_entry(e, l->xattr_name, l->xattr_value,
					      strlen(l->xattr_value));
	if (archive_write_header(l->a, e) != ARCHIVE_OK)
		TEST_FAIL("archive_write_header %s: %s", name, archive_error_string(l->a));
	if (len && archive_write_data(l->a, data, len) != (la_ssize_t)len)
		TEST_FAIL("archive_write_data %s: %s", name, archive_error_string(l->a));
	archive_entry_free(e);
}

static void add_file(struct layer *l, const char *name, mode_t perm, const char *data)
{
	add(l, name, AE_IFREG | perm, data, NULL, NULL, 0);
}

static void add_dir(struct layer *l, const char *name, mode_t perm)
{
	add(l, name, AE_IFDIR | perm, NULL, NULL, NULL, 0);
}

static void add_symlink(struct layer *l, const char *name, const char *target)
{
	add(l, name, AE_IFLNK | 0777, NULL, target, NULL, 0);
}

static void add_hardlink(struct layer *l, const char *name, const char *target)
{
	add(l, name, AE_IFREG | 0644, NULL, NULL, target, 0);
}

/* A sparse file of `size` bytes: "head!" at 0, "tail!" at the end (if `tail`), holes between. */
static void add_sparse(struct layer *l, const char *name, int64_t size, bool tail)
{
	struct archive_entry *e = archive_entry_new();
	char *data = xcalloc(1, (size_t)size);
	memcpy(data, "head!", 5);
	if (tail)
		memcpy(data + size - 5, "tail!", 5);
	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, AE_IFREG | 0644);
	archive_entry_set_uid(e, l->uid);
	archive_entry_set_gid(e, l->gid);
	archive_entry_set_size(e, size);
	archive_entry_sparse_add_entry(e, 0, 5);
	if (tail)
		archive_entry_sparse_add_entry(e, size - 5, 5);
	ASSERT_EQ(archive_write_header(l->a, e), ARCHIVE_OK);
	ASSERT_EQ(archive_write_data(l->a, data, (size_t)size), size);
	archive_entry_free(e);
	free(data);
}

/* Ends the tar; returns its memfd at offset 0 (the caller owns it). */
static int layer_end(struct layer *l)
{
	ASSERT_EQ(archive_write_close(l->a), ARCHIVE_OK);
	archive_write_free(l->a);
	l->a = NULL;
	ASSERT_EQ(lseek(l->fd, 0, SEEK_SET), 0);
	return l->fd;
}

/* The tar bytes of a finished layer. */
static void layer_bytes(struct layer *l, struct strbuf *out)
{
	int fd = layer_end(l);
	ASSERT_OK(cn_read_fd(fd, 64u << 20, out));
	close(fd);
}

/* Applies the blob in memfd `fd` (taken) with applier `a`. */
static int apply_fd(struct cn_applier *a, int fd, struct cn_error *err)
{
	cleanup_layer_stream struct cn_layer_stream *s = NULL;
	cn_error_clear(err);
	int r = cn_layer_stream_open(fd, &s, err);
	if (r < 0)
		return r;
	return cn_applier_apply(a, s, err);
}

static int apply_layer(struct cn_applier *a, struct layer *l, struct cn_error *err)
{
	return apply_fd(a, layer_end(l), err);
}

/* Applies a layer that must succeed. */
#define APPLY_OK(a, l)                                                                             \
	do {                                                                                       \
		struct cn_error _err = CN_ERROR_INIT;                                              \
		int _r = apply_layer((a), (l), &_err);                                             \
		if (_r < 0)                                                                        \
			TEST_FAIL("apply: %d %s", _r, _err.msg);                                   \
	} while (0)

static const struct cn_apply_options as_root = { .rootless = false };
static const struct cn_apply_options rootless = { .rootless = true };

static bool have_root(void)
{
	return geteuid() == 0;
}

/* ------------------------------------------------------------------ applier */

TEST(apply_file_dir_symlink_hardlink)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	add_dir(&l, "etc/", 0750);
	add_file(&l, "etc/hosts", 0644, "127.0.0.1 localhost\n");
	add_symlink(&l, "etc/localtime", "/usr/share/zoneinfo/UTC");
	add_hardlink(&l, "etc/hosts.bak", "etc/hosts");
	add_file(&l, "usr/bin/tool", 0755, "#!/bin/sh\n");
	APPLY_OK(a, &l);

	ASSERT_EQ(type_of("etc"), 'd');
	ASSERT_EQ(mode_of("etc"), 0750);
	ASSERT_STREQ(content_of("etc/hosts"), "127.0.0.1 localhost\n");
	ASSERT_EQ(mode_of("etc/hosts"), 0644);
	ASSERT_EQ(type_of("etc/localtime"), 'l');
	ASSERT_STREQ(target_of("etc/localtime"), "/usr/share/zoneinfo/UTC");
	struct stat h = stat_of("etc/hosts"), hb = stat_of("etc/hosts.bak");
	ASSERT_EQ(h.st_ino, hb.st_ino);
	ASSERT_EQ(h.st_nlink, 2);
	ASSERT_EQ(h.st_mtim.tv_sec, MTIME);
	/* directory times are set once the layer no longer writes into the directory */
	ASSERT_EQ(stat_of("etc").st_mtim.tv_sec, MTIME);
	ASSERT_EQ(stat_of("etc/localtime").st_mtim.tv_sec, MTIME);
	/* implicit parents: 0755 */
	ASSERT_EQ(type_of("usr/bin"), 'd');
	ASSERT_EQ(mode_of("usr"), 0755);
	ASSERT_EQ(mode_of("usr/bin"), 0755);
	ASSERT_STREQ(content_of("usr/bin/tool"), "#!/bin/sh\n");
	ASSERT_EQ(mode_of("usr/bin/tool"), 0755);

	const struct cn_apply_stats *st = cn_applier_stats(a);
	ASSERT_EQ(st->entries, 5);
	ASSERT_EQ(st->files, 2);
	ASSERT_EQ(st->bytes, 20 + 10);
	ASSERT_EQ(st->whiteouts, 0);
	ASSERT_EQ(st->devices_skipped, 0);
	ASSERT_STREQ(outside_changes(), "none");
}

TEST(apply_owner_kept_as_root)
{
	if (!have_root())
		SKIP("needs root to chown");
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	l.uid = 1000;
	l.gid = 1001;
	add_file(&l, "home/user/f", 0600, "x");
	add_symlink(&l, "home/user/l", "f");
	APPLY_OK(a, &l);
	ASSERT_EQ(stat_of("home/user/f").st_uid, 1000);
	ASSERT_EQ(stat_of("home/user/f").st_gid, 1001);
	ASSERT_EQ(stat_of("home/user/l").st_uid, 1000);
	ASSERT_EQ(stat_of("home").st_uid, 0); /* an implicit parent */
}

TEST(apply_whiteout_removes_lower_entries)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	add_file(&l, "a/x", 0644, "x");
	add_file(&l, "a/y", 0644, "y");
	add_file(&l, "d/sub/f", 0644, "f");
	add_symlink(&l, "link", "../..");
	add_symlink(&l, "d/sub/up", "../../../..");
	APPLY_OK(a, &l);

	layer_begin(&l);
	add_file(&l, "a/.wh.x", 0644, NULL);
	add_file(&l, ".wh.d", 0644, NULL);
	add_file(&l, ".wh.link", 0644, NULL);
	add_file(&l, ".wh.missing", 0644, NULL);
	add_file(&l, "nodir/.wh.x", 0644, NULL);
	APPLY_OK(a, &l);
	ASSERT_EQ(type_of("a/x"), '-');
	ASSERT_STREQ(content_of("a/y"), "y");
	ASSERT_EQ(type_of("d"), '-');
	ASSERT_EQ(type_of("link"), '-');
	ASSERT_EQ(type_of("nodir"), '-'); /* a whiteout makes nothing */
	ASSERT_EQ(type_of("a/.wh.x"), '-');
	ASSERT_EQ(cn_applier_stats(a)->whiteouts, 5);
	ASSERT_EQ(cn_applier_stats(a)->entries, 10);
	ASSERT_STREQ(outside_changes(), "none");
}

/* Layer 1 of the opaque tests: d/ with files and directories, and other/. */
static struct cn_applier *opaque_lower(void)
{
	int root = new_root();
	struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	add_file(&l, "d/lower", 0644, "l");
	add_file(&l, "d/sub/lower2", 0644, "l2");
	add_file(&l, "d/keep/lower3", 0644, "l3");
	add_symlink(&l, "d/out", "../../..");
	add_file(&l, "other/f", 0644, "o");
	APPLY_OK(a, &l);
	return a;
}

TEST(apply_opaque_marker_first)
{
	cleanup_applier struct cn_applier *a = opaque_lower();
	struct layer l;
	layer_begin(&l);
	add_dir(&l, "d/", 0755);
	add_file(&l, "d/.wh..wh..opq", 0644, NULL);
	add_file(&l, "d/new", 0644, "n");
	add_file(&l, "d/keep/new2", 0644, "n2");
	APPLY_OK(a, &l);
	ASSERT_EQ(type_of("d/lower"), '-');
	ASSERT_EQ(type_of("d/sub"), '-');
	ASSERT_EQ(type_of("d/out"), '-');
	ASSERT_EQ(type_of("d/keep/lower3"), '-');
	ASSERT_STREQ(content_of("d/new"), "n");
	ASSERT_STREQ(content_of("d/keep/new2"), "n2");
	ASSERT_EQ(type_of("d/.wh..wh..opq"), '-');
	ASSERT_STREQ(content_of("other/f"), "o");
	ASSERT_EQ(count_entries(root_fd), 2);
	ASSERT_STREQ(outside_changes(), "none");
}

TEST(apply_opaque_marker_last_keeps_same_layer_entries)
{
	cleanup_applier struct cn_applier *a = opaque_lower();
	struct layer l;
	layer_begin(&l);
	add_file(&l, "d/new", 0644, "n");
	add_file(&l, "d/keep/new2", 0644, "n2");
	add_file(&l, "d/.wh..wh..opq", 0644, NULL);
	APPLY_OK(a, &l);
	ASSERT_STREQ(content_of("d/new"), "n");
	ASSERT_STREQ(content_of("d/keep/new2"), "n2");
	ASSERT_EQ(type_of("d/keep/lower3"), '-'); /* keep/ was made by this layer: pruned */
	ASSERT_EQ(type_of("d/lower"), '-');
	ASSERT_EQ(type_of("d/sub"), '-');
	ASSERT_EQ(type_of("d/out"), '-');
	ASSERT_STREQ(content_of("other/f"), "o");
	ASSERT_EQ(cn_applier_stats(a)->whiteouts, 1);
	ASSERT_STREQ(outside_changes(), "none");
}

TEST(apply_whiteout_of_same_layer_entry_ignored)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	add_file(&l, "f", 0644, "lower-f");
	add_file(&l, "g", 0644, "lower-g");
	add_file(&l, "dd/lowerfile", 0644, "lower");
	APPLY_OK(a, &l);

	layer_begin(&l);
	add_file(&l, "f", 0644, "upper-f"); /* entry, then its whiteout */
	add_file(&l, ".wh.f", 0644, NULL);
	add_file(&l, ".wh.g", 0644, NULL); /* whiteout, then the entry */
	add_file(&l, "g", 0644, "upper-g");
	add_file(&l, ".wh.h", 0644, NULL); /* only this layer: both orders */
	add_file(&l, "h", 0644, "h");
	add_file(&l, "i", 0644, "i");
	add_file(&l, ".wh.i", 0644, NULL);
	add_file(&l, "dd/x", 0644, "x"); /* a directory of both layers: the lower part goes */
	add_file(&l, ".wh.dd", 0644, NULL);
	APPLY_OK(a, &l);
	ASSERT_STREQ(content_of("f"), "upper-f");
	ASSERT_STREQ(content_of("g"), "upper-g");
	ASSERT_STREQ(content_of("h"), "h");
	ASSERT_STREQ(content_of("i"), "i");
	ASSERT_STREQ(content_of("dd/x"), "x");
	ASSERT_EQ(type_of("dd/lowerfile"), '-');
	ASSERT_EQ(cn_applier_stats(a)->whiteouts, 5);

	/* the next layer may white out what this one made */
	layer_begin(&l);
	add_file(&l, ".wh.f", 0644, NULL);
	add_file(&l, ".wh.dd", 0644, NULL);
	APPLY_OK(a, &l);
	ASSERT_EQ(type_of("f"), '-');
	ASSERT_EQ(type_of("dd"), '-');
	ASSERT_STREQ(outside_changes(), "none");
}

/*
 * Escapes write names that harm nothing if confinement ever breaks (never the host's
 * /etc/passwd), and the host paths they would reach are checked.
 */
#define ESCAPE "cairn-test-layer-escape"

static bool host_has(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

TEST(apply_symlink_to_root_stays_inside)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	add_symlink(&l, "r", "/");
	add_file(&l, "r/etc/" ESCAPE, 0644, "pwned\n");
	add_symlink(&l, "up", "../../../../../../../..");
	add_file(&l, "up/" ESCAPE, 0644, "up\n");
	add_file(&l, "up/canary", 0644, "pwned\n");
	add_symlink(&l, "etc2", "../../real");
	add_dir(&l, "real/", 0755);
	add_file(&l, "etc2/passwd", 0644, "redirected\n");
	APPLY_OK(a, &l);
	ASSERT_STREQ(content_of("etc/" ESCAPE), "pwned\n");
	ASSERT_STREQ(content_of(ESCAPE), "up\n");
	ASSERT_STREQ(content_of("canary"), "pwned\n");
	ASSERT_STREQ(content_of("real/passwd"), "redirected\n");
	ASSERT_STREQ(target_of("r"), "/");
	ASSERT_STREQ(outside_changes(), "none");
	ASSERT_FALSE(host_has("/etc/" ESCAPE));
	ASSERT_FALSE(host_has("/" ESCAPE));
}

TEST(apply_symlink_etc_loop_refused_inside)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct cn_error err = CN_ERROR_INIT;
	struct layer l;
	/* in the root "/etc" is the link itself: ELOOP, never the host's /etc */
	layer_begin(&l);
	add_symlink(&l, "etc", "/etc");
	add_file(&l, "etc/" ESCAPE, 0644, "pwned\n");
	ASSERT_ERR(apply_layer(a, &l, &err), -ELOOP);
	ASSERT_TRUE(strstr(err.msg, "entry 'etc/" ESCAPE "': ") == err.msg);
	ASSERT_STREQ(target_of("etc"), "/etc");
	ASSERT_EQ(count_entries(root_fd), 1);
	ASSERT_STREQ(outside_changes(), "none");
	ASSERT_FALSE(host_has("/etc/" ESCAPE));
}

TEST(apply_symlink_of_lower_layer_stays_inside)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	add_symlink(&l, "x", "../..");
	add_symlink(&l, "abs", "/");
	APPLY_OK(a, &l);
	layer_begin(&l);
	add_file(&l, "x/canary", 0644, "pwned\n");
	add_file(&l, "abs/y", 0644, "y");
	add_dir(&l, "x/newdir/", 0700);
	add_file(&l, "x/.wh.canary", 0644, NULL); /* of this layer's own file: ignored */
	APPLY_OK(a, &l);
	ASSERT_STREQ(content_of("canary"), "pwned\n");
	ASSERT_STREQ(content_of("y"), "y");
	ASSERT_EQ(type_of("newdir"), 'd');
	ASSERT_EQ(type_of("x"), 'l');

	/* and a whiteout through the link removes inside, not the outside canary */
	layer_begin(&l);
	add_file(&l, "x/.wh.canary", 0644, NULL);
	APPLY_OK(a, &l);
	ASSERT_EQ(type_of("canary"), '-');
	ASSERT_STREQ(outside_changes(), "none");
}

TEST(apply_dotdot_names_clamped)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	add_file(&l, "../x", 0644, "1");
	add_file(&l, "../../../../../../../../y", 0644, "2");
	add_file(&l, "a/../../z", 0644, "3");
	add_file(&l, "/abs", 0644, "4");
	add_file(&l, "../canary", 0644, "5");
	add_dir(&l, "../", 0700); /* the root itself */
	APPLY_OK(a, &l);
	ASSERT_STREQ(content_of("x"), "1");
	ASSERT_STREQ(content_of("y"), "2");
	ASSERT_STREQ(content_of("z"), "3");
	ASSERT_STREQ(content_of("abs"), "4");
	ASSERT_STREQ(content_of("canary"), "5");
	ASSERT_EQ(type_of("a"), '-'); /* "a/.." was dropped before anything was made */
	ASSERT_EQ(count_entries(root_fd), 5);
	ASSERT_STREQ(outside_changes(), "none");
}

TEST(apply_root_entry)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct cn_error err = CN_ERROR_INIT;
	struct layer l;
	struct stat st;
	layer_begin(&l);
	add_dir(&l, "./", 0751);
	APPLY_OK(a, &l);
	ASSERT_OK(fstat(root_fd, &st));
	ASSERT_EQ(st.st_mode & 07777, 0751);

	layer_begin(&l);
	add_file(&l, ".", 0644, "x");
	ASSERT_ERR(apply_layer(a, &l, &err), -EINVAL);
	ASSERT_STREQ(err.msg, "entry '.': cannot replace the root directory");
	layer_begin(&l);
	add_symlink(&l, "/", "/tmp");
	ASSERT_ERR(apply_layer(a, &l, &err), -EINVAL);
	ASSERT_TRUE(strstr(err.msg, "cannot replace the root directory") != NULL);
	ASSERT_EQ(count_entries(root_fd), 0);

	cleanup_applier struct cn_applier *ra = cn_applier_new(root, &rootless);
	layer_begin(&l);
	add_dir(&l, ".", 0500);
	APPLY_OK(ra, &l);
	ASSERT_OK(fstat(root_fd, &st));
	ASSERT_EQ(st.st_mode & 07777, 0700);
	ASSERT_STREQ(outside_changes(), "none");
}

TEST(apply_hardlink_errors_name_the_entry)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct cn_error err = CN_ERROR_INIT;
	struct layer l;
	layer_begin(&l);
	add_file(&l, "a", 0644, "a");
	add_hardlink(&l, "hl", "missing");
	add_file(&l, "after", 0644, "never");
	ASSERT_ERR(apply_layer(a, &l, &err), -ENOENT);
	ASSERT_STREQ(err.msg, "entry 'hl': hardlink target 'missing' not found: No such file or "
			      "directory");
	ASSERT_STREQ(content_of("a"), "a"); /* what was applied before stays */
	ASSERT_EQ(type_of("hl"), '-');
	ASSERT_EQ(type_of("after"), '-');

	/* through a symlink to DIR: the target is looked up inside the root */
	layer_begin(&l);
	add_symlink(&l, "d", "../..");
	add_hardlink(&l, "h", "d/canary");
	ASSERT_ERR(apply_layer(a, &l, &err), -ENOENT);
	ASSERT_TRUE(strstr(err.msg, "entry 'h': ") != NULL);
	ASSERT_EQ(type_of("h"), '-');

	layer_begin(&l);
	add_dir(&l, "dir/", 0755);
	add_hardlink(&l, "hd", "dir");
	ASSERT_ERR(apply_layer(a, &l, &err), -EPERM);
	ASSERT_STREQ(err.msg, "entry 'hd': hardlink to a directory ('dir')");

	/* a target name from the layer cannot break the one-line error */
	layer_begin(&l);
	add_hardlink(&l, "h", "x\ny");
	ASSERT_ERR(apply_layer(a, &l, &err), -ENOENT);
	ASSERT_TRUE(strchr(err.msg, '\n') == NULL);
	ASSERT_TRUE(strstr(err.msg, "hardlink target 'x\\x0ay' not found") != NULL);

	layer_begin(&l);
	add_hardlink(&l, "bad\nname", "../../nope");
	ASSERT_ERR(apply_layer(a, &l, &err), -ENOENT);
	ASSERT_TRUE(strstr(err.msg, "entry 'bad\\x0aname': hardlink target 'nope' not found") ==
		    err.msg);
	ASSERT_TRUE(strchr(err.msg, '\n') == NULL);

	layer_begin(&l);
	add_hardlink(&l, "hdot", "./");
	ASSERT_ERR(apply_layer(a, &l, &err), -EINVAL);
	ASSERT_STREQ(err.msg, "entry 'hdot': invalid hardlink target");

	/* a hardlink to a file of a lower layer, and an absolute target */
	layer_begin(&l);
	add_hardlink(&l, "a2", "/a");
	APPLY_OK(a, &l);
	ASSERT_EQ(stat_of("a2").st_ino, stat_of("a").st_ino);
	ASSERT_STREQ(outside_changes(), "none");
}

TEST(apply_file_replaces_symlink_and_dirs)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	add_file(&l, "target", 0644, "orig");
	add_symlink(&l, "x", "target");
	add_symlink(&l, "y", "../canary");
	add_file(&l, "f", 0644, "file");
	add_file(&l, "d/inner", 0644, "inner");
	APPLY_OK(a, &l);

	layer_begin(&l);
	add_file(&l, "x", 0600, "new");
	add_file(&l, "y", 0644, "new-y");
	add_dir(&l, "f/", 0755); /* a directory over a file */
	add_file(&l, "f/in", 0644, "in");
	add_file(&l, "d", 0644, "now a file"); /* a file over a directory tree */
	APPLY_OK(a, &l);
	ASSERT_STREQ(content_of("x"), "new");
	ASSERT_EQ(mode_of("x"), 0600);
	ASSERT_STREQ(content_of("target"), "orig");
	ASSERT_STREQ(content_of("y"), "new-y");
	ASSERT_EQ(type_of("f"), 'd');
	ASSERT_STREQ(content_of("f/in"), "in");
	ASSERT_STREQ(content_of("d"), "now a file");

	/* the same within one layer: a symlink, then a file of that name */
	layer_begin(&l);
	add_symlink(&l, "z", "../canary");
	add_file(&l, "z", 0644, "z");
	APPLY_OK(a, &l);
	ASSERT_STREQ(content_of("z"), "z");
	ASSERT_STREQ(outside_changes(), "none");
}

TEST(apply_keeps_setuid_setgid_sticky)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	if (have_root())
		l.uid = 1000; /* chown first, then chmod: the bits survive */
	add_file(&l, "bin/su", 04755, "su");
	add_file(&l, "bin/wall", 02755, "wall");
	add_dir(&l, "tmp/", 01777);
	add_dir(&l, "srv/", 02770);
	APPLY_OK(a, &l);
	ASSERT_EQ(mode_of("bin/su"), 04755);
	ASSERT_EQ(mode_of("bin/wall"), 02755);
	ASSERT_EQ(mode_of("tmp"), 01777);
	ASSERT_EQ(mode_of("srv"), 02770);
	if (have_root())
		ASSERT_EQ(stat_of("bin/su").st_uid, 1000);
}

TEST(apply_keeps_times_of_lower_dirs_it_only_changes)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	add_dir(&l, "d/", 0755);
	add_file(&l, "d/a", 0644, "a");
	add_dir(&l, "e/", 0755);
	add_file(&l, "e/x", 0644, "x");
	APPLY_OK(a, &l);
	struct stat root_before;
	ASSERT_OK(fstat(root_fd, &root_before));

	/* a new file in d/, a whiteout in e/, a new entry at the top: none declares its dir */
	layer_begin(&l);
	l.mtime = MTIME + 100;
	add_file(&l, "d/new", 0644, "n");
	add_file(&l, "e/.wh.x", 0644, NULL);
	add_file(&l, "top", 0644, "t");
	APPLY_OK(a, &l);
	ASSERT_EQ(type_of("e/x"), '-');
	ASSERT_EQ(stat_of("d").st_mtim.tv_sec, MTIME);
	ASSERT_EQ(stat_of("e").st_mtim.tv_sec, MTIME);
	ASSERT_EQ(stat_of("d/new").st_mtim.tv_sec, MTIME + 100);
	struct stat root_after;
	ASSERT_OK(fstat(root_fd, &root_after));
	ASSERT_EQ(root_after.st_mtim.tv_sec, root_before.st_mtim.tv_sec);
	ASSERT_EQ(root_after.st_mtim.tv_nsec, root_before.st_mtim.tv_nsec);

	/* a layer that declares the directory gives it the entry's times */
	layer_begin(&l);
	l.mtime = MTIME + 200;
	add_file(&l, "d/other", 0644, "o");
	add_dir(&l, "d/", 0755);
	APPLY_OK(a, &l);
	ASSERT_EQ(stat_of("d").st_mtim.tv_sec, MTIME + 200);
}

TEST(apply_sparse_file)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	add_sparse(&l, "sparse", 1 << 20, true);
	add_sparse(&l, "small", 10, true);	  /* no hole at all */
	add_sparse(&l, "trailing", 65536, false); /* a hole up to the end */
	APPLY_OK(a, &l);
	struct stat st = stat_of("sparse");
	ASSERT_EQ(st.st_size, 1 << 20);
	ASSERT_TRUE(st.st_blocks * 512 < 1 << 20); /* the holes stay holes */
	char buf[6] = { 0 };
	cleanup_close int fd = openat(root_fd, "sparse", O_RDONLY | O_CLOEXEC);
	ASSERT_EQ(pread(fd, buf, 5, 0), 5);
	ASSERT_STREQ(buf, "head!");
	ASSERT_EQ(pread(fd, buf, 5, (1 << 20) - 5), 5);
	ASSERT_STREQ(buf, "tail!");
	ASSERT_EQ(pread(fd, buf, 5, 4096), 5);
	ASSERT_TRUE(memcmp(buf, "\0\0\0\0\0", 5) == 0);
	ASSERT_STREQ(content_of("small"), "head!tail!");
	ASSERT_EQ(stat_of("trailing").st_size, 65536);
	ASSERT_STREQ(content_of("trailing"), "head!");
	ASSERT_EQ(cn_applier_stats(a)->bytes, (1 << 20) + 10 + 65536);
}

TEST(apply_xattrs_set_and_replaced_on_dirs)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	char buf[64];
	layer_begin(&l);
	l.xattr_name = "user.cairn";
	l.xattr_value = "v1";
	add_file(&l, "f", 0644, "f");
	l.xattr_name = "user.old";
	l.xattr_value = "o";
	add_dir(&l, "d/", 0755);
	APPLY_OK(a, &l);
	if (cn_applier_stats(a)->xattrs_skipped)
		SKIP("user xattrs refused here: %s", strerror(cn_applier_stats(a)->xattr_errno));
	cleanup_close int f = openat(root_fd, "f", O_RDONLY | O_CLOEXEC);
	ssize_t n = fgetxattr(f, "user.cairn", buf, sizeof(buf));
	ASSERT_EQ(n, 2);
	ASSERT_TRUE(memcmp(buf, "v1", 2) == 0);

	/* the directory declared again: its attributes are the entry's, the old one goes */
	layer_begin(&l);
	l.xattr_name = "user.new";
	l.xattr_value = "n";
	add_dir(&l, "d/", 0755);
	APPLY_OK(a, &l);
	cleanup_close int d = openat(root_fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_EQ(fgetxattr(d, "user.new", buf, sizeof(buf)), 1);
	ASSERT_EQ(fgetxattr(d, "user.old", buf, sizeof(buf)), -1);
	ASSERT_EQ(errno, ENODATA);
	ASSERT_EQ(cn_applier_stats(a)->xattrs_skipped, 0);
}

TEST(apply_setgid_parent_does_not_decide_the_group)
{
	if (!have_root())
		SKIP("needs root to chown");
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	l.gid = 1234;
	add_dir(&l, "sg/", 02775);
	l.gid = getegid();
	add_file(&l, "sg/f", 0644,
		 "f"); /* the caller's group: no chown needed, were it not for sg */
	add_symlink(&l, "sg/l", "f");
	APPLY_OK(a, &l);
	ASSERT_EQ(stat_of("sg").st_gid, 1234);
	ASSERT_EQ(mode_of("sg"), 02775);
	ASSERT_EQ(stat_of("sg/f").st_gid, getegid());
	ASSERT_EQ(stat_of("sg/l").st_gid, getegid());
}

TEST(apply_rootless_dirs_writable_devices_skipped)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &rootless);
	struct layer l;
	layer_begin(&l);
	l.uid = 1000; /* not applied: the caller keeps ownership */
	l.gid = 1000;
	add_dir(&l, "ro/", 0500);
	add_dir(&l, "none/", 0000);
	add_file(&l, "ro/f", 0400, "f");
	add(&l, "dev/null", AE_IFCHR | 0666, NULL, NULL, NULL, makedev(1, 3));
	add(&l, "dev/fifo", AE_IFIFO | 0640, NULL, NULL, NULL, 0);
	APPLY_OK(a, &l);
	ASSERT_EQ(mode_of("ro"), 0700);
	ASSERT_EQ(mode_of("none"), 0700);
	ASSERT_STREQ(content_of("ro/f"), "f");
	ASSERT_EQ(mode_of("ro/f"), 0400);
	ASSERT_EQ(stat_of("ro/f").st_uid, geteuid());
	ASSERT_EQ(type_of("dev/null"), '-');
	ASSERT_EQ(type_of("dev/fifo"), 'p');
	ASSERT_EQ(mode_of("dev/fifo"), 0640);
	ASSERT_EQ(cn_applier_stats(a)->devices_skipped, 1);
	ASSERT_EQ(cn_applier_stats(a)->entries, 5);

	/* a second layer writes into the read-only directory of the first */
	layer_begin(&l);
	add_file(&l, "ro/g", 0644, "g");
	add_file(&l, "none/.wh.x", 0644, NULL);
	APPLY_OK(a, &l);
	ASSERT_STREQ(content_of("ro/g"), "g");
	ASSERT_OK(cn_remove_tree_contents(root_fd));
	ASSERT_EQ(count_entries(root_fd), 0);
	ASSERT_STREQ(outside_changes(), "none");
}

TEST(apply_device_nodes_as_root)
{
	if (!have_root())
		SKIP("needs root for device nodes");
	int root = new_root();
	if (mknodat(root, "probe", S_IFCHR | 0600, makedev(1, 3)) < 0)
		SKIP("mknod refused here: %s", strerror(errno));
	ASSERT_OK(unlinkat(root, "probe", 0));
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct layer l;
	layer_begin(&l);
	add(&l, "dev/null", AE_IFCHR | 0666, NULL, NULL, NULL, makedev(1, 3));
	add_symlink(&l, "dev/zero", "../../canary");
	add(&l, "dev/zero", AE_IFCHR | 0666, NULL, NULL, NULL, makedev(1, 5)); /* over a link */
	APPLY_OK(a, &l);
	ASSERT_EQ(type_of("dev/null"), 'c');
	ASSERT_EQ(mode_of("dev/null"), 0666);
	ASSERT_EQ(major(stat_of("dev/null").st_rdev), 1);
	ASSERT_EQ(minor(stat_of("dev/null").st_rdev), 3);
	ASSERT_EQ(type_of("dev/zero"), 'c');
	ASSERT_EQ(minor(stat_of("dev/zero").st_rdev), 5);
	ASSERT_EQ(cn_applier_stats(a)->devices_skipped, 0);
	ASSERT_STREQ(outside_changes(), "none");
}

TEST(apply_invalid_whiteouts_and_names)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct cn_error err = CN_ERROR_INIT;
	struct layer l;
	static const char *const invalid[] = { ".wh.", ".wh..", ".wh...", "d/.wh..." };
	for (size_t i = 0; i < ARRAY_SIZE(invalid); i++) {
		layer_begin(&l);
		add_file(&l, invalid[i], 0644, NULL);
		ASSERT_ERR(apply_layer(a, &l, &err), -EINVAL);
		ASSERT_TRUE(strstr(err.msg, ": invalid whiteout") != NULL);
	}
	layer_begin(&l);
	add_file(&l, ".wh..wh.plnk", 0644, "aufs hardlink metadata");
	add_dir(&l, "d/.wh..wh.aufs", 0755);
	APPLY_OK(a, &l);
	ASSERT_EQ(type_of(".wh..wh.plnk"), '-');
	ASSERT_EQ(type_of("d/.wh..wh.aufs"), '-');

	cleanup_free char *c256 = components(1, 256);
	layer_begin(&l);
	add_file(&l, c256, 0644, "x");
	ASSERT_ERR(apply_layer(a, &l, &err), -ENAMETOOLONG);
	ASSERT_TRUE(strstr(err.msg, ": name too long") != NULL);
	ASSERT_TRUE(strstr(err.msg, "...'") != NULL); /* the name is cut in the message */
	ASSERT_EQ(count_entries(root_fd), 0);
	ASSERT_STREQ(outside_changes(), "none");
}

TEST(apply_bad_blobs)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct cn_error err = CN_ERROR_INIT;
	struct layer l;

	ASSERT_OK(apply_fd(a, memfd_with("", 0), &err)); /* an empty layer */
	ASSERT_EQ(cn_applier_stats(a)->entries, 0);
	ASSERT_ERR(apply_fd(a, memfd_with("hello, world\n", 13), &err), -EBADMSG);
	ASSERT_TRUE(strstr(err.msg, "not a tar archive") != NULL);

	char big[3000];
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cleanup_strbuf struct strbuf tar = STRBUF_INIT;
	layer_begin(&l);
	add_file(&l, "first", 0644, "1");
	add_file(&l, "big", 0644, big);
	layer_bytes(&l, &tar);
	/* headers: first at 0 (its data at 512), big at 1024, its data from 1536 */
	ASSERT_ERR(apply_fd(a, memfd_with(tar.buf, 2048), &err), -EBADMSG);
	ASSERT_TRUE(strstr(err.msg, "entry 'big': ") == err.msg);
	ASSERT_STREQ(content_of("first"), "1");

	/* a gzip layer cut short: the stream's own error comes through */
	cleanup_strbuf struct strbuf gz = STRBUF_INIT;
	gzip_append(&gz, tar.buf, tar.len);
	ASSERT_ERR(apply_fd(a, memfd_with(gz.buf, gz.len - 20), &err), -EBADMSG);
	ASSERT_TRUE(strstr(err.msg, "gzip") != NULL);
	ASSERT_STREQ(outside_changes(), "none");
}

TEST(apply_compressed_layers_and_diff_id)
{
	int root = new_root();
	cleanup_applier struct cn_applier *a = cn_applier_new(root, &as_root);
	struct cn_error err = CN_ERROR_INIT;
	cleanup_strbuf struct strbuf tar = STRBUF_INIT, gz = STRBUF_INIT, zs = STRBUF_INIT;
	struct layer l;
	struct cn_digest want, d;
	uint64_t size;
	layer_begin(&l);
	add_file(&l, "etc/os-release", 0644, "ID=cairn\n");
	add_symlink(&l, "lib", "usr/lib");
	layer_bytes(&l, &tar);
	cn_digest_of(CN_DIGEST_SHA256, tar.buf, tar.len, &want);
	gzip_append(&gz, tar.buf, tar.len);
	zstd_append(&zs, tar.buf, tar.len);

	const struct strbuf *blobs[] = { &tar, &gz, &zs };
	const enum cn_compression kinds[] = { CN_COMPRESSION_NONE, CN_COMPRESSION_GZIP,
					      CN_COMPRESSION_ZSTD };
	for (size_t i = 0; i < ARRAY_SIZE(blobs); i++) {
		ASSERT_OK(cn_remove_tree_contents(root_fd));
		cleanup_layer_stream struct cn_layer_stream *s = NULL;
		ASSERT_OK(cn_layer_stream_open(memfd_with(blobs[i]->buf, blobs[i]->len), &s, &err));
		ASSERT_EQ(cn_layer_stream_compression(s), kinds[i]);
		ASSERT_OK(cn_applier_apply(a, s, &err));
		ASSERT_OK(cn_layer_stream_finish(s, &d, &size, &err));
		ASSERT_STREQ(d.str, want.str);
		ASSERT_EQ(size, tar.len);
		ASSERT_STREQ(content_of("etc/os-release"), "ID=cairn\n");
		ASSERT_STREQ(target_of("lib"), "usr/lib");
	}
	ASSERT_EQ(cn_applier_stats(a)->entries, 6);
	ASSERT_EQ(cn_applier_stats(a)->files, 3);
	ASSERT_STREQ(outside_changes(), "none");
}

/* ------------------------------------------------------------------ removal */

/* root/: top, a/ (0500: f, s -> ../../canary, b/ (0500: g)), z/ (0000: h), hl -> top */
static void make_readonly_tree(int root)
{
	ASSERT_OK(cn_write_file_atomic(root, "top", "t", 1));
	ASSERT_OK(mkdirat(root, "a", 0755));
	ASSERT_OK(mkdirat(root, "a/b", 0755));
	ASSERT_OK(mkdirat(root, "z", 0755));
	ASSERT_OK(cn_write_file_atomic(root, "a/f", "f", 1));
	ASSERT_OK(cn_write_file_atomic(root, "a/b/g", "g", 1));
	ASSERT_OK(cn_write_file_atomic(root, "z/h", "h", 1));
	ASSERT_OK(symlinkat("../../canary", root, "a/s"));
	ASSERT_OK(linkat(root, "top", root, "hl", 0));
	ASSERT_OK(fchmodat(root, "a/b", 0500, 0));
	ASSERT_OK(fchmodat(root, "a", 0500, 0));
	ASSERT_OK(fchmodat(root, "z", 0000, 0));
}

TEST(remove_tree_contents_readonly_dirs)
{
	int root = new_root();
	make_readonly_tree(root);
	if (!have_root()) {
		ASSERT_OK(cn_remove_tree_contents(root));
	} else {
		/* root ignores modes: remove as an unprivileged owner of the tree instead */
		static const char *const paths[] = { "",      "top", "a", "a/b", "a/f",
						     "a/b/g", "a/s", "z", "z/h", "hl" };
		for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
			ASSERT_OK(fchownat(root, paths[i], 65534, 65534,
					   AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
		pid_t pid = fork();
		ASSERT_TRUE(pid >= 0);
		if (pid == 0) {
			if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
				_exit(2);
			_exit(cn_remove_tree_contents(root) < 0 ? 1 : 0);
		}
		int status;
		ASSERT_EQ(waitpid(pid, &status, 0), pid);
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(WEXITSTATUS(status), 0);
	}
	ASSERT_EQ(count_entries(root), 0);
	struct stat st;
	ASSERT_OK(fstat(root, &st)); /* the directory itself stays */
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_STREQ(outside_changes(), "none");
	ASSERT_OK(cn_remove_tree_contents(root)); /* an empty directory: fine */
}
