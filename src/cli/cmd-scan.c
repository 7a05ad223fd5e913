/*
 * `cairn scan REF|SBOM.json`: the packages of a local image (or of an SBOM document) against the
 * vulnerability database in the store, reported as a table, JSON or SARIF; --exit-code gates CI.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/parse.h"
#include "base/strbuf.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "lib/sbom/format.h"
#include "lib/sbom/sbom.h"
#include "lib/store/resolve.h"
#include "lib/store/store.h"
#include "lib/vuln/db.h"
#include "lib/vuln/match.h"
#include "lib/vuln/report.h"

struct scan_options {
	struct cn_scan_opts match;
	enum cn_scan_format format;
	const char *output;
	int exit_code;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cairn scan [OPTIONS] IMAGE|SBOM.json\n\n"
		"Find known vulnerabilities in the packages of a local image (or of an SBOM\n"
		"document: cairn json, SPDX or CycloneDX) using the database `cairn db update`\n"
		"fills.\n\n"
		"Options:\n"
		"      --severity LIST   only report these severities (comma-separated:\n"
		"                        CRITICAL,HIGH,MEDIUM,LOW,NONE,UNKNOWN)\n"
		"      --ignore-unfixed  only report vulnerabilities that have a fix\n"
		"      --exit-code N     exit with N when anything is reported (default 0)\n"
		"      --format FORMAT   table (default), json or sarif\n"
		"  -o, --output FILE     write the report to FILE instead of standard output\n");
}

static int parse_severities(const char *list, unsigned *ret)
{
	unsigned set = 0;

	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");
		char word[32];
		enum cn_severity s;
		while (n > 0 && *p == ' ')
			p++, n--;
		if (n == 0 || n >= sizeof(word))
			return -EINVAL;
		memcpy(word, p, n);
		word[n] = '\0';
		if (cn_severity_parse(word, &s) < 0)
			return -EINVAL;
		set |= 1u << s;
		if (!p[n])
			break;
		p += n + 1;
	}
	*ret = set;
	return 0;
}

/* Returns 0 to run, > 0 an exit code (usage errors, --help done: -1 mapped to 0). */
static int parse_options(struct cli_context *ctx, int argc, char **argv, struct scan_options *o)
{
	enum { OPT_SEVERITY = 256, OPT_IGNORE_UNFIXED, OPT_EXIT_CODE, OPT_FORMAT };
	static const struct option opts[] = {
		{ "severity", required_argument, NULL, OPT_SEVERITY },
		{ "ignore-unfixed", no_argument, NULL, OPT_IGNORE_UNFIXED },
		{ "exit-code", required_argument, NULL, OPT_EXIT_CODE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t n;
	int c;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SEVERITY:
			if (parse_severities(optarg, &o->match.severities) < 0)
				return cli_usage_error(ctx, "invalid --severity \"%s\"", optarg);
			break;
		case OPT_IGNORE_UNFIXED:
			o->match.ignore_unfixed = true;
			break;
		case OPT_EXIT_CODE:
			if (cn_parse_u64(optarg, 255, &n) < 0)
				return cli_usage_error(ctx, "invalid --exit-code \"%s\" (0-255)",
						       optarg);
			o->exit_code = (int)n;
			break;
		case OPT_FORMAT:
			if (cn_scan_format_parse(optarg, &o->format) < 0)
				return cli_usage_error(
					ctx, "unknown format \"%s\" (table, json, sarif)", optarg);
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(ctx, "expected one IMAGE or SBOM file (see --help)");
	return 0;
}

/* An SBOM document given by path. -ENOENT when `arg` is no regular file (then it is an image). */
static int read_sbom_file(const char *arg, struct cn_sbom **ret, struct cn_error *err)
{
	cleanup_strbuf struct strbuf data = STRBUF_INIT;
	struct stat st;
	int r;

	if (stat(arg, &st) < 0 || !S_ISREG(st.st_mode))
		return -ENOENT;
	r = cn_read_file_at(AT_FDCWD, arg, CN_SBOM_READ_MAX, &data);
	if (r < 0)
		return cn_error_errno(err, r, "reading %s", arg);
	r = cn_sbom_read(data.buf, data.len, ret, err);
	return r < 0 ? cn_error_prefix(err, r, "%s", arg) : 0;
}

static int image_sbom(struct cli_context *ctx, const char *spec, struct cn_sbom **ret)
{
	cleanup_store struct cn_store *store = NULL;
	cleanup_resolved struct cn_resolved img = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	int r;

	if (cli_open_image(ctx, spec, &store, &img) != 0)
		return 1;
	r = cn_sbom_build_cached(store, &img, ret, &err);
	if (r < 0)
		return cli_fail(ctx, cn_error_prefix(&err, r, "%s", spec), &err);
	return 0;
}

static void warn_if_stale(struct cli_context *ctx, struct cn_vulndb *db)
{
	int64_t age;
	int r = cn_vulndb_age(db, &age, NULL);

	if (r == -ENOENT)
		fprintf(stderr,
			"cairn: %s: warning: the vulnerability database was never updated; "
			"run `cairn db update`\n",
			ctx->command);
	else if (r >= 0 && age > CN_VULNDB_STALE_SECONDS)
		fprintf(stderr,
			"cairn: %s: warning: the vulnerability database is %lld days old; run "
			"`cairn db update`\n",
			ctx->command, (long long)(age / 86400));
}

int cmd_scan(struct cli_context *ctx, int argc, char **argv)
{
	struct scan_options o = { .format = CN_SCAN_TABLE };
	struct cn_error err = CN_ERROR_INIT;
	cleanup_free char *root = NULL;
	cleanup_vulndb struct cn_vulndb *db = NULL;
	cleanup_sbom struct cn_sbom *sbom = NULL;
	cleanup_scan_result struct cn_scan_result *res = NULL;
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	const char *arg;
	int r;

	r = parse_options(ctx, argc, argv, &o);
	if (r != 0)
		return r < 0 ? 0 : r;
	arg = argv[optind];

	/* The database first: without one there is nothing to scan against. */
	root = cli_store_root(ctx);
	r = cn_vulndb_open(root, 0, &db, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	warn_if_stale(ctx, db);

	r = read_sbom_file(arg, &sbom, &err);
	if (r < 0 && r != -ENOENT)
		return cli_fail(ctx, r, &err);
	if (r == -ENOENT) {
		cn_error_clear(&err);
		r = image_sbom(ctx, arg, &sbom);
		if (r != 0)
			return r;
	}

	r = cn_scan_match(db, sbom, &o.match, &res, &err);
	if (r >= 0)
		r = cn_scan_report_write(sbom, res, o.format, &out, &err);
	if (r < 0)
		return cli_fail(ctx, cn_error_prefix(&err, r, "%s", arg), &err);
	if (cli_output_write(ctx, o.output, out.buf, out.len) != 0)
		return 1;
	return res->n_findings > 0 ? o.exit_code : 0;
}
