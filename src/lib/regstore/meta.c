/*
 * Search facts per repository: pull counts (counted in memory, added to _meta/pulls by
 * cn_regstore_flush()) and the description recorded at manifest PUT (_meta/description).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/parse.h"
#include "lib/regstore/regstore-private.h"

#define META_MAX 4096

/* Index of `repo` in the sorted counters, or where it would go (*found false). */
static size_t counter_index(struct cn_regstore *rs, const char *repo, bool *found)
{
	size_t lo = 0, hi = rs->n_pulls;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(rs->pulls[mid].repo, repo);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static void add_pending(struct cn_regstore *rs, const char *repo, uint64_t n)
{
	bool found;
	size_t i = counter_index(rs, repo, &found);
	if (!found) {
		ALLOC_GROW(rs->pulls, rs->n_pulls + 1, rs->alloc_pulls);
		memmove(&rs->pulls[i + 1], &rs->pulls[i], (rs->n_pulls - i) * sizeof(*rs->pulls));
		rs->pulls[i] = (struct pull_counter){ xstrdup(repo), 0 };
		rs->n_pulls++;
	}
	rs->pulls[i].pending += n;
}

void regstore_count_pull(struct cn_regstore *rs, const char *repo)
{
	pthread_mutex_lock(&rs->pulls_lock);
	add_pending(rs, repo, 1);
	pthread_mutex_unlock(&rs->pulls_lock);
}

uint64_t regstore_pending_pulls(struct cn_regstore *rs, const char *repo)
{
	bool found;
	pthread_mutex_lock(&rs->pulls_lock);
	size_t i = counter_index(rs, repo, &found);
	uint64_t n = found ? rs->pulls[i].pending : 0;
	pthread_mutex_unlock(&rs->pulls_lock);
	return n;
}

void regstore_pulls_release(struct cn_regstore *rs)
{
	for (size_t i = 0; i < rs->n_pulls; i++)
		free(rs->pulls[i].repo);
	free(rs->pulls);
	rs->pulls = NULL;
	rs->n_pulls = rs->alloc_pulls = 0;
}

/* The flushed pull count of `repo` (0 when none or unreadable). */
static uint64_t stored_pulls(struct cn_regstore *rs, const char *repo)
{
	char path[REGSTORE_PATH_MAX];
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	uint64_t n = 0;
	if (regstore_path(path, sizeof(path), repo, "_meta/pulls") < 0 ||
	    regstore_read(rs, path, 32, &sb) < 0 || cn_parse_u64(sb.buf, UINT64_MAX / 2, &n) < 0)
		return 0;
	return n;
}

static int flush_one(struct cn_regstore *rs, const char *repo, uint64_t pending)
{
	char path[REGSTORE_PATH_MAX], buf[32];
	int r = regstore_path(path, sizeof(path), repo, "_meta/pulls");
	if (r < 0)
		return r;
	int len = snprintf(buf, sizeof(buf), "%llu",
			   (unsigned long long)(stored_pulls(rs, repo) + pending));
	return regstore_write(rs, path, buf, (size_t)len);
}

int cn_regstore_flush(struct cn_regstore *rs, struct cn_error *err)
{
	int ret = 0;
	pthread_mutex_lock(&rs->flush_lock);
	/* Take the counts, then write without holding pulls_lock (GETs keep counting). */
	pthread_mutex_lock(&rs->pulls_lock);
	struct pull_counter *todo = xcalloc(rs->n_pulls ? rs->n_pulls : 1, sizeof(*todo));
	size_t n = 0;
	for (size_t i = 0; i < rs->n_pulls; i++) {
		if (!rs->pulls[i].pending)
			continue;
		todo[n++] =
			(struct pull_counter){ xstrdup(rs->pulls[i].repo), rs->pulls[i].pending };
		rs->pulls[i].pending = 0;
	}
	pthread_mutex_unlock(&rs->pulls_lock);
	for (size_t i = 0; i < n; i++) {
		int r = flush_one(rs, todo[i].repo, todo[i].pending);
		if (r < 0) {
			pthread_mutex_lock(&rs->pulls_lock);
			add_pending(rs, todo[i].repo, todo[i].pending);
			pthread_mutex_unlock(&rs->pulls_lock);
			if (ret == 0)
				ret = cn_error_errno(err, r, "pull count of %s", todo[i].repo);
		}
		free(todo[i].repo);
	}
	free(todo);
	pthread_mutex_unlock(&rs->flush_lock);
	return ret;
}

static char *read_description(struct cn_regstore *rs, const char *repo)
{
	char path[REGSTORE_PATH_MAX];
	struct strbuf sb = STRBUF_INIT;
	if (regstore_path(path, sizeof(path), repo, "_meta/description") < 0 ||
	    regstore_read(rs, path, META_MAX, &sb) < 0) {
		strbuf_release(&sb);
		return xstrdup("");
	}
	return strbuf_detach(&sb, NULL);
}

int cn_regstore_repo_infos(struct cn_regstore *rs, struct cn_regstore_repo_info **ret,
			   size_t *ret_n, struct cn_error *err)
{
	char **names = NULL;
	size_t n = 0;
	int r = regstore_list_repos(rs, &names, &n, err);
	if (r < 0)
		return r;
	struct cn_regstore_repo_info *v = xcalloc(n ? n : 1, sizeof(*v));
	pthread_mutex_lock(&rs->flush_lock); /* no count is both flushed and pending */
	for (size_t i = 0; i < n; i++) {
		v[i].name = TAKE_PTR(names[i]);
		v[i].description = read_description(rs, v[i].name);
		v[i].pull_count =
			stored_pulls(rs, v[i].name) + regstore_pending_pulls(rs, v[i].name);
	}
	pthread_mutex_unlock(&rs->flush_lock);
	free(names);
	*ret = v;
	*ret_n = n;
	return 0;
}

void cn_regstore_repo_infos_free(struct cn_regstore_repo_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].description);
	}
	free(v);
}
