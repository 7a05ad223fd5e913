/* Whole-store maintenance: reachability walks, garbage collection and fsck. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/store/store-private.h"

static int walk(struct cn_store *s, const struct cn_descriptor *desc, cn_store_walk_fn fn,
		void *userdata, unsigned depth, struct cn_error *err)
{
	int present = cn_store_has_blob(s, &desc->digest, NULL);
	if (present < 0)
		return cn_error_errno(err, present, "blob %s", desc->digest.str);
	int r = fn(userdata, desc, present);
	if (r < 0 || !present || (desc->media_type && !cn_media_type_is_manifest(desc->media_type)))
		return r;
	if (depth > 4)
		return cn_error_set(err, -ELOOP, "index %s nests too deeply", desc->digest.str);

	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	cleanup_manifest struct cn_manifest *m = NULL;
	r = cn_store_read_blob(s, &desc->digest, CN_MANIFEST_MAX, &sb, err);
	if (r >= 0)
		r = cn_manifest_parse(sb.buf, sb.len, desc->media_type, &m, err);
	if (r < 0)
		return desc->media_type ? cn_error_prefix(err, r, "manifest %s", desc->digest.str)
					: 0;
	for (size_t i = 0; r >= 0 && i < m->n_manifests; i++)
		r = walk(s, &m->manifests[i], fn, userdata, depth + 1, err);
	if (r >= 0 && m->kind == CN_MANIFEST_IMAGE)
		r = walk(s, &m->config, fn, userdata, depth + 1, err);
	for (size_t i = 0; r >= 0 && i < m->n_layers; i++)
		r = walk(s, &m->layers[i], fn, userdata, depth + 1, err);
	return r;
}

int cn_store_walk(struct cn_store *s, const struct cn_descriptor *desc, cn_store_walk_fn fn,
		  void *userdata, struct cn_error *err)
{
	return walk(s, desc, fn, userdata, 0, err);
}

int cn_store_walk_tag(struct cn_store *s, const struct cn_store_tag *tag, cn_store_walk_fn fn,
		      void *userdata, struct cn_error *err)
{
	int r = cn_store_walk(s, &tag->desc, fn, userdata, err);
	if (r < 0 || !tag->source_digest)
		return r;
	struct cn_descriptor source = { .size = -1 };
	if (cn_digest_parse(tag->source_digest, &source.digest) < 0)
		return 0;
	return cn_store_walk(s, &source, fn, userdata, err);
}

/* The set of reachable digests: a binary tree of strings (tsearch). */
struct reach {
	void *root;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int mark(void *userdata, const struct cn_descriptor *d, bool present)
{
	struct reach *set = userdata;
	(void)present;
	if (!tfind(d->digest.str, &set->root, cmp_str)) {
		char *copy = xstrdup(d->digest.str);
		if (!tsearch(copy, &set->root, cmp_str))
			abort();
	}
	return 0;
}

static int mark_all(struct cn_store *s, struct reach *set, struct cn_error *err)
{
	struct cn_store_tag *tags = NULL;
	size_t n = 0;
	int r = cn_store_list_tags(s, &tags, &n, err);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = cn_store_walk_tag(s, &tags[i], mark, set, err);
	cn_store_tags_free(tags, n);
	return r;
}

/* Removes every entry of directory `dirfd` for which keep() is false; removed() (may be NULL)
 * is told about each. */
static int sweep_dir(int dirfd, bool (*keep)(const char *name, void *ud),
		     void (*removed)(const char *name, uint64_t size, void *ud), void *ud,
		     bool dry_run, struct cn_gc_stats *stats, uint64_t *counter)
{
	int fd = dup(dirfd);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return -errno;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.' &&
		    (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		if (keep(e->d_name, ud) || fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISREG(st.st_mode) || (!dry_run && unlinkat(dirfd, e->d_name, 0) < 0))
			continue;
		(*counter)++;
		stats->bytes_freed += (uint64_t)st.st_size;
		if (removed)
			removed(e->d_name, (uint64_t)st.st_size, ud);
	}
	closedir(d);
	return 0;
}

struct blob_dir {
	struct reach *set;
	const char *algo;
	cn_store_deleted_fn deleted;
	void *userdata;
};

static bool blob_reachable(const char *name, void *ud)
{
	struct blob_dir *bd = ud;
	char key[CN_DIGEST_STR_MAX + 8];
	(void)snprintf(key, sizeof(key), "%s:%s", bd->algo, name);
	return tfind(key, &bd->set->root, cmp_str) != NULL;
}

static void blob_removed(const char *name, uint64_t size, void *ud)
{
	struct blob_dir *bd = ud;
	char str[CN_DIGEST_STR_MAX + 8];
	struct cn_digest d;
	(void)snprintf(str, sizeof(str), "%s:%s", bd->algo, name);
	if (bd->deleted && cn_digest_parse(str, &d) >= 0)
		bd->deleted(bd->userdata, &d, size);
}

/* A diffids record "<algo>-<hex>" stays while its blob does. */
static bool diff_id_reachable(const char *name, void *ud)
{
	struct blob_dir bd = { ud, NULL, NULL, NULL };
	const char *dash = strchr(name, '-');
	if (!dash)
		return false;
	char algo[16];
	(void)snprintf(algo, sizeof(algo), "%.*s", (int)(dash - name), name);
	bd.algo = algo;
	return blob_reachable(dash + 1, &bd);
}

/* A cached SBOM "<algo>-<hex>.json" (src/lib/sbom/cache.c) stays while its manifest does. */
static bool sbom_cache_reachable(const char *name, void *ud)
{
	char key[CN_DIGEST_STR_MAX + 8];
	const char *dot = strchr(name, '.');
	size_t n = dot ? (size_t)(dot - name) : strlen(name);
	if (n >= sizeof(key))
		return false;
	memcpy(key, name, n);
	key[n] = '\0';
	return diff_id_reachable(key, ud);
}

static bool keep_none(const char *name, void *ud)
{
	(void)name;
	(void)ud;
	return false;
}

int cn_store_gc(struct cn_store *s, bool dry_run, struct cn_gc_stats *ret, struct cn_error *err)
{
	return cn_store_gc_report(s, dry_run, NULL, NULL, ret, err);
}

int cn_store_gc_report(struct cn_store *s, bool dry_run, cn_store_deleted_fn deleted,
		       void *userdata, struct cn_gc_stats *ret, struct cn_error *err)
{
	static const char *const algos[] = { "sha256", "sha512" };
	struct reach set = { NULL };
	struct cn_gc_stats stats = { 0 };
	int r = mark_all(s, &set, err);

	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(algos); i++) {
		char path[32];
		(void)snprintf(path, sizeof(path), "blobs/%s", algos[i]);
		cleanup_close int dfd =
			openat(s->root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		struct blob_dir bd = { &set, algos[i], deleted, userdata };
		r = sweep_dir(dfd, blob_reachable, blob_removed, &bd, dry_run, &stats,
			      &stats.blobs_deleted);
		if (r < 0)
			r = cn_error_errno(err, r, "sweeping %s", path);
	}
	if (r >= 0) {
		/* Exclusive gc.lock: no writer runs, so every partial download is stale. */
		cleanup_close int pfd =
			openat(s->state_fd, "partial", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		uint64_t freed = stats.bytes_freed;
		if (pfd >= 0)
			(void)sweep_dir(pfd, keep_none, NULL, NULL, dry_run, &stats,
					&stats.partials_deleted);
		cleanup_close int dfd =
			openat(s->state_fd, "diffids", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		uint64_t n_records = 0;
		if (dfd >= 0)
			(void)sweep_dir(dfd, diff_id_reachable, NULL, &set, dry_run, &stats,
					&n_records);
		cleanup_close int sfd =
			openat(s->state_fd, "sbom", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sfd >= 0)
			(void)sweep_dir(sfd, sbom_cache_reachable, NULL, &set, dry_run, &stats,
					&n_records);
		stats.bytes_freed = freed; /* state is not counted as freed image data */
	}
	tdestroy(set.root, free);
	if (r >= 0 && ret)
		*ret = stats;
	return r;
}
