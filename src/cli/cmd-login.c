/* login / logout: credentials in docker's config.json, checked against the registry first. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/strbuf.h"
#include "cli/cli.h"
#include "cli/settings.h"
#include "lib/reference/reference.h"
#include "lib/registry/client.h"
#include "lib/registry/credentials.h"

#define SECRET_MAX 8192

/* Reads one line from `fd` (without the newline), echo off when `hide` and it is a tty. */
static int read_line(int fd, bool hide, struct strbuf *out)
{
	struct termios old, quiet;
	bool restore = hide && isatty(fd) && tcgetattr(fd, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	int r = 0;
	for (;;) {
		char ch;
		ssize_t n = read(fd, &ch, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || ch == '\n')
			break;
		if (out->len >= SECRET_MAX) {
			r = -E2BIG;
			break;
		}
		strbuf_addch(out, ch);
	}
	if (restore) {
		(void)tcsetattr(fd, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (out->len && out->buf[out->len - 1] == '\r')
		strbuf_setlen(out, out->len - 1);
	return r;
}

/* "docker.io" for none or Docker Hub's spellings; the host[:port] otherwise. */
static const char *registry_domain(const char *arg)
{
	if (!arg)
		return "docker.io";
	const char *p = strstr(arg, "://");
	p = p ? p + 3 : arg;
	static char buf[512];
	(void)snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(p, "/"), p);
	if (strcmp(buf, "index.docker.io") == 0 || strcmp(buf, "registry-1.docker.io") == 0)
		return "docker.io";
	return buf;
}

static void login_usage(void)
{
	printf("Usage: cairn login [OPTIONS] [SERVER]\n\n"
	       "Log in to a registry (default: Docker Hub). Credentials are checked against the\n"
	       "registry, then stored in config.json in the client config directory (--config,\n"
	       "$DOCKER_CONFIG or ~/.docker), in docker's format.\n\n"
	       "Options:\n"
	       "  -u, --username USER     username\n"
	       "  -p, --password PASS     password (prefer --password-stdin)\n"
	       "      --password-stdin    read the password from standard input\n");
}

int cmd_login(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "username", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "password-stdin", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	cleanup_strbuf struct strbuf user = STRBUF_INIT, pass = STRBUF_INIT;
	bool from_stdin = false;
	int c, r;
	while ((c = getopt_long(argc, argv, "u:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			strbuf_addstr(&user, optarg);
			break;
		case 'p':
			strbuf_addstr(&pass, optarg);
			break;
		case 's':
			from_stdin = true;
			break;
		case 'h':
			login_usage();
			return 0;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(ctx, "takes at most one server");
	if (from_stdin && pass.len)
		return cli_usage_error(ctx, "--password and --password-stdin exclude each other");
	if (from_stdin && !user.len)
		return cli_usage_error(ctx, "--password-stdin requires --username");
	const char *domain = registry_domain(optind < argc ? argv[optind] : NULL);

	if (!user.len) {
		fprintf(stderr, "Username: ");
		if (read_line(STDIN_FILENO, false, &user) < 0 || !user.len)
			return cli_failf(ctx, "%s: no username given", domain);
	}
	if (!pass.len) {
		if (!from_stdin)
			fprintf(stderr, "Password: ");
		r = read_line(STDIN_FILENO, !from_stdin, &pass);
		if (r < 0 || !pass.len)
			return cli_failf(ctx, "%s: no password given", domain);
	}

	struct cn_error err = CN_ERROR_INIT;
	struct cn_registry_options ro = { .config_dir = ctx->config_dir,
					  .username = user.buf,
					  .password = pass.buf };
	struct cn_registry *reg = NULL;
	struct cn_http h = { 0 };
	r = settings_registry_insecure(domain, &ro.insecure, &err);
	if (r >= 0)
		r = cn_registry_new(domain, &ro, &reg, &err);
	if (r >= 0)
		r = cn_http_init(&h);
	if (r >= 0)
		r = cn_registry_ping(reg, &h, &err);
	cn_http_release(&h);
	cn_registry_free(reg);
	if (r >= 0) {
		cleanup_free char *dir = cn_credentials_config_dir(ctx->config_dir);
		r = cn_credentials_store(dir, domain, user.buf, pass.buf, &err);
	}
	explicit_bzero(pass.buf, pass.len);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	printf("Login Succeeded\n");
	return 0;
}

int cmd_logout(struct cli_context *ctx, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("Usage: cairn logout [SERVER]\n\n"
		       "Remove the stored credentials for a registry (default: Docker Hub).\n");
		return 0;
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return cli_usage_error(ctx, "takes at most one server");
	const char *domain = registry_domain(argc == 2 ? argv[1] : NULL);
	cleanup_free char *dir = cn_credentials_config_dir(ctx->config_dir);
	struct cn_error err = CN_ERROR_INIT;
	int r = cn_credentials_store(dir, domain, NULL, NULL, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	printf("Removing login credentials for %s\n", cn_credentials_key(domain));
	return 0;
}
