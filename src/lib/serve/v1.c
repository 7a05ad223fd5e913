/*
 * Docker Hub's v1 endpoints that clients still use: /v1/_ping (docker search pings it) and
 * /v1/search, answered in Hub's shape and ranked: exact name, then prefix, then substring of
 * the name, then a match in the description; ties by pull count, then name.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/parse.h"
#include "lib/serve/server-internal.h"

#define SEARCH_DEFAULT_N 25
#define SEARCH_MAX_N	 100
#define SEARCH_QUERY_MAX 256

enum MHD_Result handle_v1_ping(struct request *rq)
{
	struct MHD_Response *resp;
	const char *body = "{\"standalone\":true}";
	enum MHD_Result r = respond_json(rq, 0, "application/json", body, strlen(body), &resp);
	if (r != MHD_YES)
		return r;
	add_header(resp, "X-Docker-Registry-Standalone", "true");
	return respond(rq, MHD_HTTP_OK, resp);
}

struct hit {
	const struct cn_regstore_repo_info *info;
	int rank;
};

/* The name's last component: "library/redis" -> "redis". */
static const char *short_name(const char *name)
{
	const char *s = strrchr(name, '/');
	return s ? s + 1 : name;
}

static bool has_prefix_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* 0 exact, 1 prefix, 2 substring, 3 description; -1 no match. */
static int rank_of(const struct cn_regstore_repo_info *info, const char *q)
{
	if (!*q)
		return 2;
	const char *name = info->name, *base = short_name(name);
	if (strcasecmp(name, q) == 0 || strcasecmp(base, q) == 0)
		return 0;
	if (has_prefix_ci(name, q) || has_prefix_ci(base, q))
		return 1;
	if (strcasestr(name, q))
		return 2;
	if (info->description && strcasestr(info->description, q))
		return 3;
	return -1;
}

static int hit_compare(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->info->pull_count != y->info->pull_count)
		return x->info->pull_count > y->info->pull_count ? -1 : 1;
	return strcmp(x->info->name, y->info->name);
}

static uint64_t query_number(struct request *rq, const char *key, uint64_t def, uint64_t min,
			     uint64_t max)
{
	const char *s = request_query(rq, key);
	uint64_t v;
	if (!s || cn_parse_u64(s, UINT64_MAX, &v) < 0)
		return def;
	return v < min ? min : v > max ? max : v;
}

static json_t *result_json(const struct cn_regstore_repo_info *info)
{
	bool official = strncmp(info->name, "library/", 8) == 0;
	return json_pack("{s:s,s:s,s:I,s:I,s:b,s:b}", "name", info->name, "description",
			 info->description ? info->description : "", "star_count", (json_int_t)0,
			 "pull_count", (json_int_t)info->pull_count, "is_official", official,
			 "is_automated", false);
}

enum MHD_Result handle_v1_search(struct request *rq)
{
	if (rq->method != M_GET && rq->method != M_HEAD)
		return respond_error(rq, MHD_HTTP_METHOD_NOT_ALLOWED, "UNSUPPORTED",
				     "the operation is unsupported", rq->method_name);
	const char *q = request_query(rq, "q");
	if (!q)
		q = "";
	if (strlen(q) > SEARCH_QUERY_MAX)
		return respond_error(rq, MHD_HTTP_BAD_REQUEST, "UNSUPPORTED", "query too long",
				     NULL);
	/* Hub accepts 1..100 results per page; out-of-range values are clamped. */
	uint64_t n = query_number(rq, "n", SEARCH_DEFAULT_N, 1, SEARCH_MAX_N);
	uint64_t page = query_number(rq, "page", 1, 1, UINT32_MAX);

	struct cn_regstore_repo_info *infos = NULL;
	size_t count = 0;
	int r = cn_regstore_repo_infos(rq->srv->rs, &infos, &count, &rq->err);
	if (r < 0)
		return respond_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "UNKNOWN", "unknown error",
				     cn_error_message(&rq->err, r));
	cleanup_free struct hit *hits = xcalloc(count ? count : 1, sizeof(*hits));
	size_t nhits = 0;
	for (size_t i = 0; i < count; i++) {
		int rank = rank_of(&infos[i], q);
		/* Only what this client may pull shows up. */
		if (rank < 0 || !listing_visible(rq, infos[i].name))
			continue;
		hits[nhits++] = (struct hit){ &infos[i], rank };
	}
	qsort(hits, nhits, sizeof(*hits), hit_compare);

	json_t *results = json_array();
	uint64_t first = (page - 1) * n;
	for (uint64_t i = first; i < nhits && i < first + n; i++)
		json_array_append_new(results, result_json(hits[i].info));
	uint64_t pages = (nhits + n - 1) / n;
	json_t *doc = json_pack("{s:I,s:I,s:I,s:I,s:s,s:o}", "num_pages", (json_int_t)pages,
				"num_results", (json_int_t)nhits, "page_size", (json_int_t)n,
				"page", (json_int_t)page, "query", q, "results", results);
	cn_regstore_repo_infos_free(infos, count);
	char *s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	enum MHD_Result ret = respond_json(rq, MHD_HTTP_OK, "application/json", s, strlen(s), NULL);
	free(s);
	return ret;
}
