/*
 * Fuzz target: applying a hostile layer blob (plain tar, gzip or zstd) to a root directory.
 *
 * Input: one flag byte, then the blob. Flag bit 0: rootless; bit 1: apply the blob a second
 * time, as an upper layer over the first (whiteouts and symlinks then meet lower entries).
 *
 * Each run applies into a fresh DIR/root, where DIR also holds a canary file. Whatever the
 * layer says, afterwards DIR must hold exactly root/ and the unchanged canary (nothing written,
 * linked, removed or replaced beside the root), a failure must leave a one-line message, and
 * cn_remove_tree_contents() must empty the root. Any violation abort()s.
 *
 * Run it with small inputs (decompression bombs are skipped, but big tars are slow):
 *     fuzz-layer-apply -max_len=65536 CORPUS_DIR fuzz/corpus/layer-apply
 * The work directory is made under $TMPDIR (a tmpfs such as /dev/shm is fastest).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/layer/apply.h"
#include "lib/layer/stream.h"

#define FUZZ_MAX_INPUT	  (1u << 20)  /* larger inputs are not looked at */
#define FUZZ_MAX_UNPACKED (16u << 20) /* uncompressed bytes: beyond, a bomb, skipped */
#define CANARY		  "canary\n"
#define FLAG_ROOTLESS	  1
#define FLAG_TWO_LAYERS	  2

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char work_dir[256];
static int work_fd = -1;

static void remove_work_dir(void)
{
	if (work_fd < 0)
		return;
	(void)cn_remove_tree_contents(work_fd);
	close(work_fd);
	(void)rmdir(work_dir);
	work_fd = -1;
}

/* DIR with its canary, made once per process. */
static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	(void)snprintf(work_dir, sizeof(work_dir), "%s/cairn-fuzz-layer.XXXXXX",
		       tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(work_dir))
		abort();
	work_fd = open(work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (work_fd < 0 || cn_write_file_atomic(work_fd, "canary", CANARY, strlen(CANARY)) < 0)
		abort();
	atexit(remove_work_dir);
}

/* A memfd holding the blob, at offset 0. */
static int blob_fd(const uint8_t *blob, size_t len)
{
	int fd = memfd_create("fuzz-layer", MFD_CLOEXEC);
	if (fd < 0 || cn_write_full(fd, blob, len) < 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

/* The uncompressed size, read up to the limit: false for bombs (and no matter for errors). */
static bool small_enough(const uint8_t *blob, size_t len)
{
	cleanup_layer_stream struct cn_layer_stream *s = NULL;
	struct cn_error err = CN_ERROR_INIT;
	enum cn_compression c;
	const void *buf;
	ssize_t n;
	uint64_t total = 0;
	if (cn_compression_detect(blob, len, &c, &err) < 0 || c == CN_COMPRESSION_NONE)
		return true; /* refused, or no bigger than the input */
	if (cn_layer_stream_open_flags(blob_fd(blob, len), CN_LAYER_STREAM_LIGHT, &s, &err) < 0)
		return true;
	while ((n = cn_layer_stream_next(s, &buf, &err)) > 0)
		if ((total += (uint64_t)n) > FUZZ_MAX_UNPACKED)
			return false;
	return true;
}

static void check_error(int r, const struct cn_error *err)
{
	if (getenv("FUZZ_LAYER_VERBOSE")) /* what each input did, when replaying by hand */
		fprintf(stderr, "fuzz-layer-apply: %d %s\n", r, r < 0 ? err->msg : "ok");
	if (r >= 0)
		return;
	if (!err->msg[0] || strchr(err->msg, '\n')) {
		fprintf(stderr, "fuzz-layer-apply: bad error message (%d): \"%s\"\n", r, err->msg);
		abort();
	}
}

static void apply(struct cn_applier *a, const uint8_t *blob, size_t len)
{
	cleanup_layer_stream struct cn_layer_stream *s = NULL;
	struct cn_error err = CN_ERROR_INIT;
	int r = cn_layer_stream_open_flags(blob_fd(blob, len),
					   CN_LAYER_STREAM_LIGHT | CN_LAYER_STREAM_HASH, &s, &err);
	if (r >= 0) {
		r = cn_applier_apply(a, s, &err);
		if (r >= 0) /* the rest of the blob: trailing data, checksums */
			r = cn_layer_stream_finish(s, NULL, NULL, &err);
	}
	check_error(r, &err);
}

/* DIR must hold exactly root/ and the canary, unchanged. */
static void check_confined(void)
{
	int fd = openat(work_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	struct stat st;
	if (!d)
		abort();
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "root") && strcmp(de->d_name, "canary")) {
			fprintf(stderr, "fuzz-layer-apply: escaped: DIR/%s\n", de->d_name);
			abort();
		}
	}
	closedir(d);
	if (fstatat(work_fd, "root", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		abort();
	if (fstatat(work_fd, "canary", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1 || st.st_size != (off_t)strlen(CANARY)) {
		fprintf(stderr, "fuzz-layer-apply: the canary changed\n");
		abort();
	}
	char buf[sizeof(CANARY)] = { 0 };
	cleanup_close int cfd = openat(work_fd, "canary", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0 || cn_read_full(cfd, buf, sizeof(buf) - 1) < 0 || strcmp(buf, CANARY) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	if (work_fd < 0)
		setup();
	const uint8_t flags = data[0], *blob = data + 1;
	size_t len = size - 1;
	if (!small_enough(blob, len))
		return 0;

	if (mkdirat(work_fd, "root", 0755) < 0)
		abort();
	int root = openat(work_fd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		abort();
	const struct cn_apply_options o = { .rootless = flags & FLAG_ROOTLESS };
	struct cn_applier *a = cn_applier_new(root, &o);
	apply(a, blob, len);
	if (flags & FLAG_TWO_LAYERS)
		apply(a, blob, len);
	cn_applier_free(a);

	check_confined();
	/* A layer may have made the root itself read-only. */
	if (fchmod(root, 0700) < 0 || cn_remove_tree_contents(root) < 0) {
		fprintf(stderr, "fuzz-layer-apply: cannot empty the root\n");
		abort();
	}
	close(root);
	if (unlinkat(work_fd, "root", AT_REMOVEDIR) < 0) {
		fprintf(stderr, "fuzz-layer-apply: root not empty after removal\n");
		abort();
	}
	return 0;
}
