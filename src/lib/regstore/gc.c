/*
 * Registry gc, safe next to a running server:
 *  1. mark (no lock): per repository, the live manifests (tagged, or linked within the grace
 *     period) with their closure and referrers, and blob links they use or fresh ones; every
 *     other link is a candidate;
 *  2. sweep (state/registry.lock exclusive: no writer is between storing a blob and linking
 *     it): a candidate is deleted only if its time is still older than the grace period (a
 *     push that touched it since keeps it), then every blob no remaining link names and older
 *     than the grace period, and stale upload files of crashed servers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/regstore/regstore-private.h"

#define LINKS_MAX (1u << 24) /* entries of one link directory */

/* ------------------------------------------------------------------ a string set */

struct strset {
	char **slots; /* open addressing; NULL = empty */
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool strset_has(const struct strset *set, const char *s)
{
	if (!set->cap)
		return false;
	for (size_t i = hash_str(s) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
		if (!set->slots[i])
			return false;
		if (strcmp(set->slots[i], s) == 0)
			return true;
	}
}

static void strset_put_owned(struct strset *set, char *s);

static void strset_grow(struct strset *set)
{
	struct strset bigger = { xcalloc(set->cap ? set->cap * 2 : 64, sizeof(char *)),
				 set->cap ? set->cap * 2 : 64, 0 };
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i])
			strset_put_owned(&bigger, set->slots[i]);
	free(set->slots);
	*set = bigger;
}

/* Takes `s`; a duplicate is freed. */
static void strset_put_owned(struct strset *set, char *s)
{
	if ((set->n + 1) * 2 > set->cap)
		strset_grow(set);
	size_t i = hash_str(s) & (set->cap - 1);
	for (; set->slots[i]; i = (i + 1) & (set->cap - 1)) {
		if (strcmp(set->slots[i], s) == 0) {
			free(s);
			return;
		}
	}
	set->slots[i] = s;
	set->n++;
}

/* Adds a copy of `s`; true when it was not there. */
static bool strset_add(struct strset *set, const char *s)
{
	if (strset_has(set, s))
		return false;
	strset_put_owned(set, xstrdup(s));
	return true;
}

static void strset_release(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	memset(set, 0, sizeof(*set));
}

/* ------------------------------------------------------------------ link directories */

struct link {
	char *path; /* relative to the storage root */
	struct cn_digest digest;
	time_t mtime;
};

struct links {
	struct link *v;
	size_t n, alloc;
};

static void links_release(struct links *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Appends every link under `dir` (<algo>/<hex> files). A missing dir is empty. */
static int read_links(struct cn_regstore *rs, const char *dir, struct links *out)
{
	static const char *const algos[] = { "sha256", "sha512" };
	for (size_t a = 0; a < ARRAY_SIZE(algos); a++) {
		char sub[REGSTORE_PATH_MAX];
		char **names = NULL;
		size_t n = 0;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, algos[a]) >= (int)sizeof(sub))
			return -ENAMETOOLONG;
		int r = regstore_list_dir(rs, sub, LINKS_MAX, &names, &n);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			struct link l = { xasprintf("%s/%s", sub, names[i]), { 0 }, 0 };
			cleanup_free char *ds = xasprintf("%s:%s", algos[a], names[i]);
			struct stat st;
			if (cn_digest_parse(ds, &l.digest) < 0 ||
			    fstatat(rs->root_fd, l.path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				free(l.path);
				continue;
			}
			l.mtime = st.st_mtime;
			ALLOC_GROW(out->v, out->n + 1, out->alloc);
			out->v[out->n++] = l;
		}
		cn_regstore_strv_free(names, n);
	}
	return 0;
}

/* ------------------------------------------------------------------ mark */

struct gc {
	struct cn_regstore *rs;
	bool dry_run;
	time_t cutoff; /* links and blobs newer than this are kept */
	cn_regstore_gc_fn fn;
	void *userdata;
	struct cn_regstore_gc_stats stats;
	struct strset doomed; /* paths of links to delete (or that would be, in a dry run) */
};

struct repo_mark {
	const char *repo;
	struct strset live;	 /* digests live in this repository */
	struct strset revisions; /* digests with a revision link */
	struct cn_digest *work;	 /* manifests still to visit */
	size_t n_work, alloc_work;
};

static void push_manifest(struct repo_mark *m, const struct cn_digest *d)
{
	if (!strset_has(&m->revisions, d->str) || strset_has(&m->live, d->str))
		return;
	ALLOC_GROW(m->work, m->n_work + 1, m->alloc_work);
	m->work[m->n_work++] = *d;
}

/* Pushes the referrers of `subject` recorded in the repository. */
static void push_referrers(struct gc *gc, struct repo_mark *m, const struct cn_digest *subject)
{
	char dir[REGSTORE_PATH_MAX];
	char **names = NULL;
	size_t n = 0;
	if (regstore_path(dir, sizeof(dir), m->repo, "_referrers/%s-%s",
			  cn_digest_algo_name(subject->algo), cn_digest_hex(subject)) < 0 ||
	    regstore_list_dir(gc->rs, dir, LINKS_MAX, &names, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char *dash = strchr(names[i], '-');
		struct cn_digest d;
		if (!dash)
			continue;
		*dash = ':';
		if (cn_digest_parse(names[i], &d) == 0)
			push_manifest(m, &d);
	}
	cn_regstore_strv_free(names, n);
}

/* Marks manifest `d` and what it references. An unreadable manifest keeps only itself. */
static void visit(struct gc *gc, struct repo_mark *m, const struct cn_digest *d)
{
	if (!strset_add(&m->live, d->str))
		return;
	push_referrers(gc, m, d);
	char path[REGSTORE_PATH_MAX];
	cleanup_strbuf struct strbuf type = STRBUF_INIT;
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	struct cn_manifest_refs refs;
	if (regstore_revision_path(path, sizeof(path), m->repo, d) < 0 ||
	    regstore_read(gc->rs, path, CN_MEDIA_TYPE_MAX, &type) < 0 ||
	    cn_store_read_blob(gc->rs->store, d, CN_MANIFEST_MAX, &body, NULL) < 0 ||
	    cn_manifest_validate(body.buf, body.len, type.len ? type.buf : NULL, &refs, NULL) < 0)
		return;
	for (size_t i = 0; i < refs.n; i++) {
		if (refs.is_index)
			push_manifest(m, &refs.digests[i]);
		else
			(void)strset_add(&m->live, refs.digests[i].str);
	}
	cn_manifest_refs_release(&refs);
}

static void push_tags(struct gc *gc, struct repo_mark *m)
{
	char dir[REGSTORE_PATH_MAX], path[REGSTORE_PATH_MAX];
	char **tags = NULL;
	size_t n = 0;
	if (regstore_path(dir, sizeof(dir), m->repo, "_manifests/tags") < 0 ||
	    regstore_list_dir(gc->rs, dir, LINKS_MAX, &tags, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		cleanup_strbuf struct strbuf sb = STRBUF_INIT;
		struct cn_digest d;
		if (snprintf(path, sizeof(path), "%s/%s", dir, tags[i]) < (int)sizeof(path) &&
		    regstore_read(gc->rs, path, CN_DIGEST_STR_MAX, &sb) == 0 &&
		    cn_digest_parse(sb.buf, &d) == 0)
			push_manifest(m, &d);
	}
	cn_regstore_strv_free(tags, n);
}

/* Marks one repository and adds its dead links to gc->doomed. */
static int mark_repo(struct gc *gc, const char *repo)
{
	char dir[REGSTORE_PATH_MAX];
	struct repo_mark m = { .repo = repo };
	struct links revs = { 0 }, layers = { 0 };
	int r = regstore_path(dir, sizeof(dir), repo, "_manifests/revisions");
	if (r >= 0)
		r = read_links(gc->rs, dir, &revs);
	if (r >= 0)
		r = regstore_path(dir, sizeof(dir), repo, "_layers");
	if (r >= 0)
		r = read_links(gc->rs, dir, &layers);
	if (r >= 0) {
		for (size_t i = 0; i < revs.n; i++)
			(void)strset_add(&m.revisions, revs.v[i].digest.str);
		push_tags(gc, &m);
		for (size_t i = 0; i < revs.n; i++)
			if (revs.v[i].mtime >= gc->cutoff)
				push_manifest(&m, &revs.v[i].digest);
		while (m.n_work > 0) {
			struct cn_digest d = m.work[--m.n_work];
			visit(gc, &m, &d);
		}
		for (size_t i = 0; i < revs.n; i++)
			if (!strset_has(&m.live, revs.v[i].digest.str))
				(void)strset_add(&gc->doomed, revs.v[i].path);
		for (size_t i = 0; i < layers.n; i++)
			if (layers.v[i].mtime < gc->cutoff &&
			    !strset_has(&m.live, layers.v[i].digest.str))
				(void)strset_add(&gc->doomed, layers.v[i].path);
	}
	links_release(&revs);
	links_release(&layers);
	strset_release(&m.live);
	strset_release(&m.revisions);
	free(m.work);
	return r;
}

/* ------------------------------------------------------------------ sweep */

static void report(struct gc *gc, const char *what, const struct cn_digest *d, uint64_t size)
{
	if (gc->fn)
		gc->fn(gc->userdata, what, d, size);
}

/* Deletes the doomed links of `repo` still older than the cutoff; records the survivors'
 * digests in `linked`. */
static int sweep_repo(struct gc *gc, const char *repo, struct strset *linked)
{
	char dir[REGSTORE_PATH_MAX];
	for (int kind = 0; kind < 2; kind++) {
		struct links l = { 0 };
		int r = regstore_path(dir, sizeof(dir), repo,
				      kind == 0 ? "_manifests/revisions" : "_layers");
		if (r >= 0)
			r = read_links(gc->rs, dir, &l);
		if (r < 0) {
			links_release(&l);
			return r;
		}
		for (size_t i = 0; i < l.n; i++) {
			const struct link *k = &l.v[i];
			if (k->mtime >= gc->cutoff || !strset_has(&gc->doomed, k->path)) {
				(void)strset_add(linked, k->digest.str);
				continue;
			}
			if (!gc->dry_run && unlinkat(gc->rs->root_fd, k->path, 0) < 0 &&
			    errno != ENOENT) {
				(void)strset_add(linked, k->digest.str);
				continue;
			}
			int64_t size = 0;
			(void)cn_store_has_blob(gc->rs->store, &k->digest, &size);
			if (kind == 0)
				gc->stats.manifests_deleted++;
			else
				gc->stats.links_deleted++;
			report(gc, kind == 0 ? "manifest" : "blob link", &k->digest,
			       (uint64_t)size);
		}
		links_release(&l);
	}
	return 0;
}

/* Removes referrer records whose referrer is no longer linked. */
static void sweep_referrers(struct gc *gc, const char *repo)
{
	char dir[REGSTORE_PATH_MAX], sub[REGSTORE_PATH_MAX], path[REGSTORE_PATH_MAX];
	char **subjects = NULL;
	size_t n = 0;
	if (gc->dry_run || regstore_path(dir, sizeof(dir), repo, "_referrers") < 0 ||
	    regstore_list_dir(gc->rs, dir, LINKS_MAX, &subjects, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char **names = NULL;
		size_t m = 0;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, subjects[i]) >= (int)sizeof(sub) ||
		    regstore_list_dir(gc->rs, sub, LINKS_MAX, &names, &m) < 0)
			continue;
		for (size_t j = 0; j < m; j++) {
			struct cn_digest d;
			char *dash = strchr(names[j], '-');
			if (!dash)
				continue;
			*dash = ':';
			bool gone = cn_digest_parse(names[j], &d) == 0 &&
				    regstore_revision_path(path, sizeof(path), repo, &d) == 0 &&
				    faccessat(gc->rs->root_fd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0;
			*dash = '-';
			if (gone && snprintf(path, sizeof(path), "%s/%s", sub, names[j]) <
					    (int)sizeof(path))
				(void)unlinkat(gc->rs->root_fd, path, 0);
		}
		cn_regstore_strv_free(names, m);
		(void)unlinkat(gc->rs->root_fd, sub, AT_REMOVEDIR); /* only when empty */
	}
	cn_regstore_strv_free(subjects, n);
}

/* Deletes blobs no link names (and older than the cutoff). */
static int sweep_blobs(struct gc *gc, const struct strset *linked)
{
	static const char *const algos[] = { "sha256", "sha512" };
	for (size_t a = 0; a < ARRAY_SIZE(algos); a++) {
		char dir[32];
		char **names = NULL;
		size_t n = 0;
		(void)snprintf(dir, sizeof(dir), "blobs/%s", algos[a]);
		int r = regstore_list_dir(gc->rs, dir, SIZE_MAX, &names, &n);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			cleanup_free char *ds = xasprintf("%s:%s", algos[a], names[i]);
			cleanup_free char *path = xasprintf("%s/%s", dir, names[i]);
			struct cn_digest d;
			struct stat st;
			if (cn_digest_parse(ds, &d) < 0 || strset_has(linked, d.str) ||
			    fstatat(gc->rs->root_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    st.st_mtime >= gc->cutoff)
				continue;
			if (!gc->dry_run && cn_store_delete_blob(gc->rs->store, &d) < 0)
				continue;
			gc->stats.blobs_deleted++;
			gc->stats.bytes_freed += (uint64_t)st.st_size;
			report(gc, "blob", &d, (uint64_t)st.st_size);
		}
		cn_regstore_strv_free(names, n);
	}
	return 0;
}

/* Upload files left by a server that crashed (a live server's sessions expire sooner). */
static void sweep_partials(struct gc *gc)
{
	int64_t age = MAX(gc->rs->opts.gc_grace_s, gc->rs->opts.upload_expiry_s);
	time_t cutoff = time(NULL) - (time_t)age;
	if (gc->dry_run)
		return;
	/* Temporary files are dot files, which regstore_list_dir() hides. */
	cleanup_close int dfd =
		openat(gc->rs->root_fd, "state/partial", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	DIR *dir = fdopendir(dfd);
	if (!dir)
		return;
	dfd = -1; /* owned by dir now */
	struct dirent *de;
	while ((de = readdir(dir))) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_mtime < cutoff)
			(void)unlinkat(dirfd(dir), de->d_name, 0);
	}
	(void)closedir(dir);
}

static int sweep(struct gc *gc, char **repos, size_t n_repos, struct cn_error *err)
{
	struct strset linked = { 0 };
	int r = 0;
	for (size_t i = 0; i < n_repos && r >= 0; i++) {
		r = sweep_repo(gc, repos[i], &linked);
		if (r >= 0)
			sweep_referrers(gc, repos[i]);
		else
			(void)cn_error_errno(err, r, "gc of %s", repos[i]);
	}
	if (r >= 0) {
		r = sweep_blobs(gc, &linked);
		if (r < 0)
			(void)cn_error_errno(err, r, "gc of blobs");
	}
	if (r >= 0)
		sweep_partials(gc);
	strset_release(&linked);
	return r;
}

int cn_regstore_gc(struct cn_regstore *rs, bool dry_run, cn_regstore_gc_fn fn, void *userdata,
		   struct cn_regstore_gc_stats *ret, struct cn_error *err)
{
	struct gc gc = { .rs = rs, .dry_run = dry_run, .fn = fn, .userdata = userdata };
	gc.cutoff = time(NULL) - (time_t)rs->opts.gc_grace_s;
	char **repos = NULL;
	size_t n_repos = 0;
	int r = regstore_list_repos(rs, &repos, &n_repos, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_repos && r >= 0; i++) {
		r = mark_repo(&gc, repos[i]);
		if (r < 0)
			(void)cn_error_errno(err, r, "gc of %s", repos[i]);
	}
	if (r >= 0) {
		/* Repositories created during the mark have only fresh links: listed again. */
		cn_regstore_strv_free(repos, n_repos);
		repos = NULL;
		n_repos = 0;
		r = regstore_list_repos(rs, &repos, &n_repos, err);
	}
	if (r >= 0) {
		cleanup_close int lock = regstore_lock(rs, true);
		r = lock < 0 ? cn_error_errno(err, lock, "registry lock")
			     : sweep(&gc, repos, n_repos, err);
	}
	cn_regstore_strv_free(repos, n_repos);
	strset_release(&gc.doomed);
	if (r >= 0 && ret)
		*ret = gc.stats;
	return r < 0 ? r : 0;
}
