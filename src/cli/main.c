/* cairn's entry point: global options, then dispatch through the command table. */
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/log.h"
#include "cli/cli.h"
#include "lib/store/resolve.h"
#include "lib/store/store.h"

static const struct cli_command commands[] = {
#define X(name, summary) { #name, cmd_##name, summary },
	CLI_COMMANDS(X)
#undef X
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: cairn [OPTIONS] COMMAND [ARGS...]\n\n"
		     "A container-image system: pull, inspect, store and share OCI images.\n\n"
		     "Global options:\n"
		     "  --root DIR     store root (default $CAIRN_ROOT, ~/.local/share/cairn,\n"
		     "                 or /var/lib/cairn as root)\n"
		     "  --config DIR   client config directory holding config.json (default\n"
		     "                 $DOCKER_CONFIG or ~/.docker)\n"
		     "  --debug        debug output\n"
		     "  -h, --help     this help\n"
		     "  -v, --version  print the version\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'cairn COMMAND --help' for more information on a command.\n");
}

int cli_fail(struct cli_context *ctx, int code, const struct cn_error *err)
{
	fprintf(stderr, "cairn: %s: %s\n", ctx->command, cn_error_message(err, code));
	return 1;
}

static void vreport(struct cli_context *ctx, const char *fmt, va_list ap)
{
	char msg[1024];
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "cairn: %s: %s\n", ctx->command ? ctx->command : "error", msg);
}

int cli_failf(struct cli_context *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(ctx, fmt, ap);
	va_end(ap);
	return 1;
}

int cli_usage_error(struct cli_context *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(ctx, fmt, ap);
	va_end(ap);
	fprintf(stderr, "See 'cairn %s --help'.\n", ctx->command ? ctx->command : "");
	return EXIT_USAGE;
}

int cli_bad_option(struct cli_context *ctx, char **argv)
{
	char shortopt[3] = { '-', (char)optopt, '\0' };
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	/* optopt is set for a bad short option (or one missing its argument); then argv names
	 * the cluster it came from, which may hold other options. */
	if (optopt && (arg[0] != '-' || arg[1] != '-'))
		arg = shortopt;
	return cli_usage_error(ctx, "unknown option or missing argument: %s", arg);
}

int cli_parse_format(struct cli_context *ctx, const char *s, bool *ret_json)
{
	if (strcmp(s, "json") == 0 || strcmp(s, "table") == 0) {
		*ret_json = s[0] == 'j';
		return 0;
	}
	(void)cli_usage_error(ctx, "unknown --format \"%s\" (use table or json)", s);
	return -1;
}

char *cli_store_root(const struct cli_context *ctx)
{
	const char *e;
	if (ctx->root)
		return xstrdup(ctx->root);
	if ((e = getenv("CAIRN_ROOT")) && *e)
		return xstrdup(e);
	if (geteuid() == 0)
		return xstrdup("/var/lib/cairn");
	if ((e = getenv("XDG_DATA_HOME")) && *e)
		return xasprintf("%s/cairn", e);
	e = getenv("HOME");
	return xasprintf("%s/.local/share/cairn", e && *e ? e : ".");
}

int cli_store_open(const struct cli_context *ctx, unsigned flags, struct cn_store **ret,
		   struct cn_error *err)
{
	cleanup_free char *root = cli_store_root(ctx);
	return cn_store_open(root, flags, ret, err);
}

int cli_open_image(struct cli_context *ctx, const char *spec, struct cn_store **ret_store,
		   struct cn_resolved *ret_img)
{
	struct cn_error err = CN_ERROR_INIT;
	int r = cli_store_open(ctx, CN_STORE_WRITE, ret_store, &err);
	if (r >= 0)
		r = cn_store_resolve(*ret_store, spec, ret_img, &err);
	return r < 0 ? cli_fail(ctx, r, &err) : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{},
	};
	struct cli_context ctx = { 0 };
	int c;

	/*
	 * Names in layers are bytes, mostly UTF-8. With a UTF-8 character type, libarchive takes
	 * them as they are (PAX "path" records need no conversion) and marks only names that are
	 * not UTF-8 as binary; in the C locale it would mark every non-ASCII name. Nothing else
	 * here depends on the locale.
	 */
	(void)setlocale(LC_CTYPE, "C.UTF-8");

	/* "+" stops at the first non-option: global options stand before the command. */
	while ((c = getopt_long(argc, argv, "+hvD", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			ctx.root = optarg;
			break;
		case 'c':
			ctx.config_dir = optarg;
			break;
		case 'D':
			ctx.debug = true;
			cn_log_set_level(CN_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			ctx.command = "version";
			return cmd_version(&ctx, 1, (char *[]){ (char *)"version", NULL });
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[optind];
	if (strcmp(name, "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		int first = optind;
		ctx.command = name;
		opterr = 0; /* commands report bad options themselves, once */
		optind = 0; /* reset getopt for the command's own options */
		return commands[i].run(&ctx, argc - first, argv + first);
	}
	fprintf(stderr, "cairn: '%s' is not a cairn command.\nSee 'cairn --help'.\n", name);
	return EXIT_USAGE;
}
