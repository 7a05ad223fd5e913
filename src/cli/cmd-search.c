/* search: Docker Hub's /v1/search where offered, else the /v2/_catalog filtered by the term. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/parse.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "cli/settings.h"
#include "cli/settings.h"
#include "lib/reference/reference.h"
#include "lib/registry/client.h"

#define CATALOG_SCAN_MAX 100000

struct search_opts {
	size_t limit;
	bool json;
	const char *config_dir;
};

struct hits {
	struct cn_search_result *v;
	size_t n, alloc;
};

static void usage(void)
{
	printf("Usage: cairn search [OPTIONS] [REGISTRY/]TERM\n\n"
	       "Search registries for images. Without REGISTRY/, asks the configured search\n"
	       "registries ($CAIRN_REGISTRIES, or \"registries\" in ~/.config/cairn/config.json;\n"
	       "default docker.io). Uses Docker Hub's search API where the registry offers it,\n"
	       "else the registry's catalog filtered by TERM.\n\n"
	       "Options:\n"
	       "      --limit N        at most N results per registry (default 25)\n"
	       "      --list-tags      list the tags of the repository TERM names\n"
	       "      --format FORMAT  table (default) or json\n");
}

/* "host:5000/term" -> domain "host:5000", term "term"; plain terms give NULL. */
static char *split_registry(const char *arg, const char **ret_term)
{
	const char *slash = strchr(arg, '/');
	*ret_term = arg;
	if (!slash)
		return NULL;
	size_t n = (size_t)(slash - arg);
	bool domain = memchr(arg, '.', n) || memchr(arg, ':', n) ||
		      (n == 9 && strncmp(arg, "localhost", 9) == 0);
	if (!domain)
		return NULL;
	*ret_term = slash + 1;
	return xstrndup(arg, n);
}

static void add_hit(struct hits *h, const char *domain, const struct cn_search_result *r)
{
	ALLOC_GROW(h->v, h->n + 1, h->alloc);
	struct cn_search_result *d = &h->v[h->n++];
	*d = *r;
	bool hub = strcmp(domain, "docker.io") == 0;
	d->name = hub ? xstrdup(r->name) : xasprintf("%s/%s", domain, r->name);
	d->description = xstrdup(r->description ? r->description : "");
}

static int search_catalog(struct cn_registry *reg, struct cn_http *h, const char *term,
			  const struct search_opts *o, struct hits *hits, struct cn_error *err)
{
	char **repos = NULL;
	size_t n = 0, found = 0;
	int r = cn_registry_catalog(reg, h, CATALOG_SCAN_MAX, &repos, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && found < o->limit; i++) {
		if (!strcasestr(repos[i], term))
			continue;
		struct cn_search_result res = { .name = repos[i], .description = (char *)"" };
		add_hit(hits, cn_registry_domain(reg), &res);
		found++;
	}
	cn_strv_free(repos, n);
	return 0;
}

static int search_one(const char *domain, const char *term, const struct search_opts *o,
		      struct hits *hits, struct cn_error *err)
{
	struct cn_registry_options ro = { .config_dir = o->config_dir };
	struct cn_registry *reg = NULL;
	struct cn_http h = { 0 };
	struct cn_search_result *res = NULL;
	size_t n = 0;
	int r = settings_registry_insecure(domain, &ro.insecure, err);
	if (r >= 0)
		r = cn_registry_new(domain, &ro, &reg, err);
	if (r >= 0)
		r = cn_http_init(&h);
	if (r >= 0)
		r = cn_registry_search_v1(reg, &h, term, o->limit, &res, &n, err);
	if (r == -ENOTSUP)
		r = search_catalog(reg, &h, term, o, hits, err);
	for (size_t i = 0; r >= 0 && i < n; i++)
		add_hit(hits, domain, &res[i]);
	cn_search_results_free(res, n);
	cn_http_release(&h);
	cn_registry_free(reg);
	return r;
}

static void print_hits(const struct hits *h, bool json)
{
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < h->n; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:b, s:b}", "Name",
							     h->v[i].name, "Description",
							     h->v[i].description, "StarCount",
							     (json_int_t)h->v[i].star_count,
							     "IsOfficial", h->v[i].is_official,
							     "IsAutomated", h->v[i].is_automated));
		print_json(arr, stdout);
		return;
	}
	static const char *const headers[] = { "NAME", "DESCRIPTION", "STARS", "OFFICIAL" };
	struct table t;
	table_init(&t, 4, headers);
	for (size_t i = 0; i < h->n; i++) {
		char desc[64];
		const char *d = h->v[i].description;
		if (strlen(d) > 45)
			(void)snprintf(desc, sizeof(desc), "%.44s…", d);
		else
			(void)snprintf(desc, sizeof(desc), "%s", d);
		table_add(&t, h->v[i].name);
		table_add(&t, desc);
		table_addf(&t, "%lld", (long long)h->v[i].star_count);
		table_add(&t, h->v[i].is_official ? "[OK]" : "");
	}
	table_print(&t, stdout);
	table_release(&t);
}

static int list_tags(struct cli_context *ctx, const char *arg, const struct search_opts *o)
{
	cleanup_reference struct cn_reference ref = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	struct cn_registry_options ro = { .config_dir = o->config_dir };
	struct cn_registry *reg = NULL;
	struct cn_http h = { 0 };
	char **tags = NULL;
	size_t n = 0;
	int r = cn_reference_parse_repository(arg, &ref, &err);
	if (r >= 0)
		r = settings_registry_insecure(ref.domain, &ro.insecure, &err);
	if (r >= 0)
		r = cn_registry_new(ref.domain, &ro, &reg, &err);
	if (r >= 0)
		r = cn_http_init(&h);
	if (r >= 0)
		r = cn_registry_list_tags(reg, &h, ref.path, &tags, &n, &err);
	cn_http_release(&h);
	cn_registry_free(reg);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	cleanup_free char *name = cn_reference_name(&ref);
	if (o->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n && i < o->limit; i++)
			json_array_append_new(arr,
					      json_pack("{s:s,s:s}", "Name", name, "Tag", tags[i]));
		print_json(arr, stdout);
	} else {
		static const char *const headers[] = { "NAME", "TAG" };
		struct table t;
		table_init(&t, 2, headers);
		for (size_t i = 0; i < n && i < o->limit; i++) {
			table_add(&t, name);
			table_add(&t, tags[i]);
		}
		table_print(&t, stdout);
		table_release(&t);
	}
	cn_strv_free(tags, n);
	return 0;
}

int cmd_search(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'l' },
		{ "list-tags", no_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct search_opts o = { .limit = 25, .config_dir = ctx->config_dir };
	bool tags = false;
	uint64_t n;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (cn_parse_u64(optarg, 100, &n) < 0 || n == 0)
				return cli_usage_error(ctx, "--limit must be 1..100, not \"%s\"",
						       optarg);
			o.limit = (size_t)n;
			break;
		case 't':
			tags = true;
			break;
		case 'f':
			if (cli_parse_format(ctx, optarg, &o.json) < 0)
				return EXIT_USAGE;
			break;
		case 'h':
			usage();
			return 0;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(ctx, "requires exactly one search term");
	if (tags)
		return list_tags(ctx, argv[optind], &o);

	const char *term;
	cleanup_free char *domain = split_registry(argv[optind], &term);
	struct cn_error err = CN_ERROR_INIT;
	char **regs = NULL;
	size_t n_regs = 0, failed = 0;
	int r = 0, last = 0;
	if (domain) {
		regs = xcalloc(1, sizeof(*regs));
		regs[n_regs++] = xstrdup(domain);
	} else if ((r = settings_search_registries(&regs, &n_regs, &err)) < 0) {
		return cli_fail(ctx, r, &err);
	}
	struct hits hits = { 0 };
	for (size_t i = 0; i < n_regs; i++) {
		r = search_one(regs[i], term, &o, &hits, &err);
		if (r < 0) {
			failed++;
			last = r;
			if (n_regs > 1)
				fprintf(stderr, "cairn: search: %s\n", cn_error_message(&err, r));
		}
	}
	if (failed == n_regs) {
		cn_strv_free(regs, n_regs);
		cn_search_results_free(hits.v, hits.n);
		return n_regs > 1 ? 1 : cli_fail(ctx, last, &err);
	}
	print_hits(&hits, o.json);
	cn_search_results_free(hits.v, hits.n);
	cn_strv_free(regs, n_regs);
	return 0;
}
