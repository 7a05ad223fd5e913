/* `cairn db update` and `cairn db status`: the vulnerability database in ROOT/vulndb. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "lib/vuln/db.h"

#define MAX_SOURCES 256

static void db_help(FILE *out)
{
	size_t n;
	const struct cn_vuln_source *def = cn_vuln_default_sources(&n);
	fprintf(out,
		"Usage: cairn db update [--source KIND:PATH_OR_URL ...] [-q]\n"
		"       cairn db status [--format table|json]\n\n"
		"Manage the vulnerability database `cairn scan` matches against\n"
		"(ROOT/vulndb/vuln.db).\n\n"
		"update   imports every source in one transaction: on any error the database\n"
		"         keeps its previous contents. Records unchanged since the last import\n"
		"         of a source are kept, changed ones rewritten, vanished ones removed.\n"
		"         KIND is osv (a directory of OSV .json records, a zip such as\n"
		"         osv.dev's all.zip, or a URL of either), debian-tracker (the security\n"
		"         tracker's JSON) or alpine-secdb (secdb vX.Y/main.json); URLs are\n"
		"         downloaded (conditionally, by ETag / Last-Modified).\n"
		"status   shows the sources, record counts per ecosystem and the last update.\n\n"
		"Default sources (without --source):\n");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %s:%s\n", cn_vuln_source_kind_name(def[i].kind), def[i].location);
}

static const char *format_utc(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t <= 0 || !gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, size, "never");
	return buf;
}

static int db_open(struct cli_context *ctx, unsigned flags, struct cn_vulndb **ret,
		   struct cn_error *err)
{
	cleanup_free char *root = cli_store_root(ctx);
	return cn_vulndb_open(root, flags, ret, err);
}

static void print_stats(const struct cn_vuln_source *src, const struct cn_vulndb_update_stats *s)
{
	const char *kind = cn_vuln_source_kind_name(src->kind);
	if (s->not_modified) {
		printf("%s:%s: not modified (%llu records)\n", kind, src->location,
		       (unsigned long long)s->unchanged);
		return;
	}
	printf("%s:%s: %llu added, %llu changed, %llu removed, %llu unchanged\n", kind,
	       src->location, (unsigned long long)s->added, (unsigned long long)s->changed,
	       (unsigned long long)s->removed, (unsigned long long)s->unchanged);
}

static int db_update(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	cleanup_free struct cn_vuln_source *sources = xcalloc(MAX_SOURCES, sizeof(*sources));
	size_t n = 0;
	bool quiet = false;
	struct cn_error err = CN_ERROR_INIT;
	int c;
	while ((c = getopt_long(argc, argv, "s:qh", opts, NULL)) != -1) {
		if (c == 's') {
			if (n == MAX_SOURCES)
				return cli_usage_error(ctx, "at most %d sources", MAX_SOURCES);
			if (cn_vuln_source_parse(optarg, &sources[n], &err) < 0)
				return cli_usage_error(ctx, "%s", err.msg);
			n++;
		} else if (c == 'q') {
			quiet = true;
		} else if (c == 'h') {
			db_help(stdout);
			return 0;
		} else {
			return cli_bad_option(ctx, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(ctx, "update takes no arguments (use --source)");
	if (n == 0) {
		const struct cn_vuln_source *def = cn_vuln_default_sources(&n);
		memcpy(sources, def, n * sizeof(*def));
	}
	cleanup_vulndb struct cn_vulndb *db = NULL;
	cleanup_free struct cn_vulndb_update_stats *stats = xcalloc(n, sizeof(*stats));
	int r = db_open(ctx, CN_VULNDB_WRITE, &db, &err);
	if (r >= 0)
		r = cn_vulndb_update(db, sources, n, NULL, stats, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	for (size_t i = 0; i < n && !quiet; i++)
		print_stats(&sources[i], &stats[i]);
	return 0;
}

static json_t *status_json(const struct cn_vulndb_status *st)
{
	char when[64];
	json_t *sources = json_array(), *ecos = json_array();
	for (size_t i = 0; i < st->n_sources; i++) {
		const struct cn_vulndb_source_status *s = &st->sources[i];
		(void)json_array_append_new(
			sources,
			json_pack("{sssssIss}", "kind", cn_vuln_source_kind_name(s->kind),
				  "location", s->location, "records", (json_int_t)s->records,
				  "updated", format_utc(s->updated, when, sizeof(when))));
	}
	for (size_t i = 0; i < st->n_ecosystems; i++) {
		const struct cn_vulndb_ecosystem_status *e = &st->ecosystems[i];
		(void)json_array_append_new(ecos, json_pack("{sssIsI}", "ecosystem", e->ecosystem,
							    "records", (json_int_t)e->records,
							    "packages", (json_int_t)e->packages));
	}
	return json_pack(
		"{sssisosIsoso}", "path", st->path, "schema_version", st->schema_version, "updated",
		st->updated > 0 ? json_string(format_utc(st->updated, when, sizeof(when)))
				: json_null(),
		"records", (json_int_t)st->records, "sources", sources, "ecosystems", ecos);
}

static void status_table(const struct cn_vulndb_status *st)
{
	char when[64], since[64];
	printf("Database:     %s (schema %d)\n", st->path, st->schema_version);
	printf("Last update:  %s", format_utc(st->updated, when, sizeof(when)));
	if (st->updated > 0)
		printf(" (%s)", format_since(st->updated, since, sizeof(since)));
	printf("\nRecords:      %llu\n\n", (unsigned long long)st->records);
	static const char *const sh[] = { "SOURCE", "LOCATION", "RECORDS", "UPDATED" };
	struct table t;
	table_init(&t, ARRAY_SIZE(sh), sh);
	for (size_t i = 0; i < st->n_sources; i++) {
		const struct cn_vulndb_source_status *s = &st->sources[i];
		table_add(&t, cn_vuln_source_kind_name(s->kind));
		table_add(&t, s->location);
		table_addf(&t, "%llu", (unsigned long long)s->records);
		table_add(&t, format_since(s->updated, since, sizeof(since)));
	}
	table_print(&t, stdout);
	table_release(&t);
	static const char *const eh[] = { "ECOSYSTEM", "RECORDS", "PACKAGES" };
	table_init(&t, ARRAY_SIZE(eh), eh);
	for (size_t i = 0; i < st->n_ecosystems; i++) {
		table_add(&t, st->ecosystems[i].ecosystem);
		table_addf(&t, "%llu", (unsigned long long)st->ecosystems[i].records);
		table_addf(&t, "%llu", (unsigned long long)st->ecosystems[i].packages);
	}
	printf("\n");
	table_print(&t, stdout);
	table_release(&t);
	if (st->updated > 0 && time(NULL) - st->updated > CN_VULNDB_STALE_SECONDS)
		printf("\nThe database is older than 7 days: run `cairn db update`.\n");
}

static int db_status(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'f') {
			if (cli_parse_format(ctx, optarg, &json) < 0)
				return EXIT_USAGE;
		} else if (c == 'h') {
			db_help(stdout);
			return 0;
		} else {
			return cli_bad_option(ctx, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(ctx, "status takes no arguments");
	cleanup_vulndb struct cn_vulndb *db = NULL;
	struct cn_error err = CN_ERROR_INIT;
	struct cn_vulndb_status st = { 0 };
	int r = db_open(ctx, 0, &db, &err);
	if (r >= 0)
		r = cn_vulndb_status(db, &st, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	if (json)
		print_json(status_json(&st), stdout);
	else
		status_table(&st);
	cn_vulndb_status_release(&st);
	return 0;
}

int cmd_db(struct cli_context *ctx, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		db_help(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	optind = 0; /* the subcommand parses its own options */
	if (strcmp(argv[1], "update") == 0)
		return db_update(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return db_status(ctx, argc - 1, argv + 1);
	return cli_usage_error(
		ctx, "unknown subcommand '%s' (try: cairn db update, cairn db status)", argv[1]);
}
