/* fsck: re-hash every blob, and check that every tag's manifest, config and layers exist. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/store/store-private.h"

struct fsck {
	cn_fsck_report_fn report;
	void *userdata;
	int problems;
	const char *tag;
};

static void problem(struct fsck *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct fsck *f, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	f->report(f->userdata, line);
	f->problems++;
}

static void check_blob_dir(struct cn_store *s, struct fsck *f, const char *algo)
{
	char path[32];
	(void)snprintf(path, sizeof(path), "blobs/%s", algo);
	int dfd = openat(s->root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	DIR *d = fdopendir(dfd);
	if (!d) {
		(void)close(dfd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		char name[CN_DIGEST_STR_MAX + 300];
		struct cn_digest want, got;
		if (e->d_name[0] == '.')
			continue;
		(void)snprintf(name, sizeof(name), "%s:%s", algo, e->d_name);
		if (cn_digest_parse(name, &want) < 0) {
			problem(f, "%s/%s: not a blob name", path, e->d_name);
			continue;
		}
		cleanup_close int fd = openat(dfd, e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || cn_digest_of_fd(want.algo, fd, &got) < 0) {
			problem(f, "blob %s: unreadable: %s", want.str, strerror(errno));
			continue;
		}
		if (!cn_digest_equal(&want, &got))
			problem(f, "blob %s: corrupt (content hashes to %s)", want.str, got.str);
	}
	closedir(d);
}

static int check_present(void *userdata, const struct cn_descriptor *d, bool present)
{
	struct fsck *f = userdata;
	if (!present)
		problem(f, "tag %s: missing blob %s (%s)", f->tag, d->digest.str,
			d->media_type ? d->media_type : "unknown media type");
	return 0;
}

int cn_store_fsck(struct cn_store *s, cn_fsck_report_fn report, void *userdata,
		  struct cn_error *err)
{
	struct fsck f = { report, userdata, 0, NULL };
	struct cn_store_tag *tags = NULL;
	size_t n = 0;

	check_blob_dir(s, &f, "sha256");
	check_blob_dir(s, &f, "sha512");
	int r = cn_store_list_tags(s, &tags, &n, err);
	if (r < 0) {
		problem(&f, "%s", cn_error_message(err, r));
		return f.problems;
	}
	for (size_t i = 0; i < n; i++) {
		struct cn_error werr = CN_ERROR_INIT;
		f.tag = tags[i].name ? tags[i].name : tags[i].desc.digest.str;
		r = cn_store_walk_tag(s, &tags[i], check_present, &f, &werr);
		if (r < 0)
			problem(&f, "tag %s: %s", f.tag, cn_error_message(&werr, r));
	}
	cn_store_tags_free(tags, n);
	return f.problems;
}
