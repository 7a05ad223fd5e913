/* Listings: tags of a repository, the catalog (both with Link pagination), /v1/search. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/registry/auth.h"
#include "lib/registry/client-internal.h"

#define LIST_BODY_MAX  (16u << 20)
#define LIST_PAGES_MAX 10000

void cn_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The next page's URL from `Link: <...>; rel="next"`, absolute, or NULL. */
static char *next_link(const struct cn_registry *reg, const char *link)
{
	const char *lt = strchr(link, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (!lt || !gt || !strstr(gt, "rel=\"next\""))
		return NULL;
	if (lt[1] == '/')
		return xasprintf("%s%.*s", cn_registry_base_url(reg), (int)(gt - lt - 1), lt + 1);
	return xasprintf("%.*s", (int)(gt - lt - 1), lt + 1);
}

/* GETs `url` and each next page, appending the strings of array member `key`. */
static int get_paged_list(struct cn_registry *reg, struct cn_http *h, const char *scope,
			  const char *first_url, const char *key, size_t limit, char ***ret,
			  size_t *ret_n, struct cn_error *err)
{
	char **v = NULL;
	size_t n = 0, alloc = 0;
	char *url = xstrdup(first_url);
	int r = 0;
	for (int page = 0; url && page < LIST_PAGES_MAX && n < limit; page++) {
		cleanup_strbuf struct strbuf body = STRBUF_INIT;
		struct cn_http_request req = {
			.url = url, .body = &body, .max_body = LIST_BODY_MAX, .timeout_s = 120
		};
		struct cn_http_response resp;
		r = cn_registry_request(reg, h, scope, &req, &resp, err);
		if (r >= 0 && resp.status != 200)
			r = cn_registry_status_error(reg, &resp, &body, err);
		cleanup_json json_t *j = NULL;
		if (r >= 0)
			r = cn_json_parse(body.buf, body.len, &j, err);
		if (r < 0)
			break;
		json_t *arr = json_object_get(j, key), *e;
		size_t i;
		json_array_foreach (arr, i, e) {
			if (!json_is_string(e) || n >= limit)
				continue;
			ALLOC_GROW(v, n + 1, alloc);
			v[n++] = xstrdup(json_string_value(e));
		}
		free(url);
		url = next_link(reg, resp.link);
	}
	free(url);
	if (r < 0) {
		cn_strv_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int cn_registry_list_tags(struct cn_registry *reg, struct cn_http *h, const char *repo, char ***ret,
			  size_t *ret_n, struct cn_error *err)
{
	cleanup_free char *url = xasprintf("%s/v2/%s/tags/list", cn_registry_base_url(reg), repo);
	cleanup_free char *scope = xasprintf("repository:%s:pull", repo);
	int r = get_paged_list(reg, h, scope, url, "tags", SIZE_MAX, ret, ret_n, err);
	if (r < 0)
		return cn_error_prefix(err, r, "registry %s: repository %s: tags",
				       cn_registry_domain(reg), repo);
	return 0;
}

int cn_registry_catalog(struct cn_registry *reg, struct cn_http *h, size_t limit, char ***ret,
			size_t *ret_n, struct cn_error *err)
{
	cleanup_free char *url = xasprintf("%s/v2/_catalog?n=100", cn_registry_base_url(reg));
	int r = get_paged_list(reg, h, "registry:catalog:*", url, "repositories", limit, ret, ret_n,
			       err);
	if (r < 0)
		return cn_error_prefix(err, r, "registry %s: catalog", cn_registry_domain(reg));
	return 0;
}

void cn_search_results_free(struct cn_search_result *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].description);
	}
	free(v);
}

int cn_registry_search_v1(struct cn_registry *reg, struct cn_http *h, const char *term,
			  size_t limit, struct cn_search_result **ret, size_t *ret_n,
			  struct cn_error *err)
{
	cleanup_free char *q = cn_url_escape(term);
	cleanup_free char *url =
		xasprintf("%s/v1/search?q=%s&n=%zu", cn_registry_search_url(reg), q, limit);
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	struct cn_http_request req = {
		.url = url, .body = &body, .max_body = LIST_BODY_MAX, .timeout_s = 60
	};
	struct cn_http_response resp;
	int r = cn_registry_request(reg, h, "", &req, &resp, err);
	if (r >= 0 && (resp.status == 404 || resp.status == 405))
		return -ENOTSUP;
	if (r >= 0 && resp.status != 200)
		r = cn_registry_status_error(reg, &resp, &body, err);
	cleanup_json json_t *j = NULL;
	if (r >= 0)
		r = cn_json_parse(body.buf, body.len, &j, err);
	if (r < 0)
		return cn_error_prefix(err, r, "registry %s: search", cn_registry_domain(reg));
	json_t *arr = json_object_get(j, "results"), *e;
	if (!json_is_array(arr))
		return -ENOTSUP;
	size_t i, n = 0;
	struct cn_search_result *v = xcalloc(json_array_size(arr) + 1, sizeof(*v));
	json_array_foreach (arr, i, e) {
		const char *name = cn_json_string(e, "name");
		const char *desc = cn_json_string(e, "description");
		if (!name || n >= limit)
			continue;
		v[n].name = xstrdup(name);
		v[n].description = xstrdup(desc ? desc : "");
		v[n].star_count = json_integer_value(json_object_get(e, "star_count"));
		v[n].is_official = json_is_true(json_object_get(e, "is_official"));
		v[n].is_automated = json_is_true(json_object_get(e, "is_automated"));
		n++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
