/* Listings: tags of a repository, the catalog of repositories, both paged by (n, last). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/regstore/regstore-private.h"

#define TAGS_MAX  100000 /* tags of one repository */
#define REPOS_MAX 100000
#define DEPTH_MAX 128 /* a 255-byte name has at most 128 components */

struct strv {
	char **v;
	size_t n, alloc;
};

/* Moves the page of `all` (sorted) after `last`, at most `n` (0 = all), into *ret. */
static void page(char **all, size_t n_all, const char *last, size_t n, char ***ret, size_t *ret_n,
		 bool *ret_more)
{
	size_t start = 0;
	if (last)
		while (start < n_all && strcmp(all[start], last) <= 0)
			start++;
	size_t count = n_all - start;
	if (n && count > n)
		count = n;
	char **v = xcalloc(count ? count : 1, sizeof(*v));
	for (size_t i = 0; i < count; i++)
		v[i] = TAKE_PTR(all[start + i]);
	*ret = v;
	*ret_n = count;
	*ret_more = start + count < n_all;
}

int cn_regstore_tags(struct cn_regstore *rs, const char *repo, const char *last, size_t n,
		     char ***ret, size_t *ret_n, bool *ret_more, struct cn_error *err)
{
	char path[REGSTORE_PATH_MAX];
	if (!cn_regstore_name_valid(repo) || !regstore_repo_exists(rs, repo))
		return cn_error_set(err, -ENOENT, "repository %s not known", repo ? repo : "");
	char **all = NULL;
	size_t n_all = 0;
	int r = regstore_path(path, sizeof(path), repo, "_manifests/tags");
	if (r >= 0)
		r = regstore_list_dir(rs, path, TAGS_MAX, &all, &n_all);
	if (r < 0 && r != -ENOENT)
		return cn_error_errno(err, r, "tags of %s", repo);
	size_t kept = 0;
	for (size_t i = 0; i < n_all; i++) {
		if (cn_regstore_tag_valid(all[i]))
			all[kept++] = all[i];
		else
			free(all[i]);
	}
	page(all, kept, last, n, ret, ret_n, ret_more);
	cn_regstore_strv_free(all, kept);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_entry(int dfd, const char *name)
{
	return faccessat(dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Adds the repositories under directory `dfd` (named `prefix`) to `out`. */
static int walk_repos(int dfd, const char *prefix, int depth, struct strv *out)
{
	if (depth > DEPTH_MAX)
		return 0;
	if (prefix[0] && (has_entry(dfd, "_manifests") || has_entry(dfd, "_layers"))) {
		if (out->n >= REPOS_MAX)
			return -E2BIG;
		ALLOC_GROW(out->v, out->n + 1, out->alloc);
		out->v[out->n++] = xstrdup(prefix);
	}
	int fd = dup(dfd);
	if (fd < 0)
		return -errno;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		(void)close(fd);
		return -errno;
	}
	rewinddir(dir);
	int r = 0;
	struct dirent *de;
	while (r >= 0 && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || de->d_name[0] == '_')
			continue;
		cleanup_free char *name =
			prefix[0] ? xasprintf("%s/%s", prefix, de->d_name) : xstrdup(de->d_name);
		if (!cn_regstore_name_valid(name))
			continue;
		cleanup_close int sub =
			openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			r = walk_repos(sub, name, depth + 1, out);
	}
	(void)closedir(dir);
	return r;
}

int regstore_list_repos(struct cn_regstore *rs, char ***ret, size_t *ret_n, struct cn_error *err)
{
	struct strv out = { NULL, 0, 0 };
	cleanup_close int dfd =
		openat(rs->root_fd, REGSTORE_REPOS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cn_error_errno(err, -errno, "repositories");
	int r = walk_repos(dfd, "", 0, &out);
	if (r < 0) {
		cn_regstore_strv_free(out.v, out.n);
		return cn_error_errno(err, r, "listing repositories");
	}
	/* "a/b" sorts by the whole name, not by the walk's order. */
	if (out.n)
		qsort(out.v, out.n, sizeof(*out.v), cmp_str);
	*ret = out.v;
	*ret_n = out.n;
	return 0;
}

int cn_regstore_catalog(struct cn_regstore *rs, const char *last, size_t n, char ***ret,
			size_t *ret_n, bool *ret_more, struct cn_error *err)
{
	char **all = NULL;
	size_t n_all = 0;
	int r = regstore_list_repos(rs, &all, &n_all, err);
	if (r < 0)
		return r;
	page(all, n_all, last, n, ret, ret_n, ret_more);
	cn_regstore_strv_free(all, n_all);
	return 0;
}
