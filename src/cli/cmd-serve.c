#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "cli/cli.h"
#include "lib/serve/server.h"

#define TICK_SECONDS 5

static void serve_help(void)
{
	printf("Usage: cairn serve [OPTIONS]\n\n"
	       "Run a registry: the OCI distribution API (push, pull, tags, catalog, referrers,\n"
	       "deletes), Docker Hub's /v1/search, and optional Basic or token auth and TLS.\n"
	       "docker, podman, skopeo and cairn push to it, pull from it and search it.\n"
	       "One line per request goes to stderr.\n\n"
	       "Options:\n"
	       "      --addr HOST:PORT     listen address (default 127.0.0.1:5000; port 0 picks\n"
	       "                           a free port, printed at start)\n"
	       "      --storage DIR        registry data (default ROOT/registry)\n"
	       "      --config-file FILE   JSON settings: tls, auth (htpasswd, token service,\n"
	       "                           access rules), uploads, log (see docs/registry.md)\n"
	       "      --log-format FORMAT  request logs as text (default) or json\n"
	       "Stop it with Ctrl-C or SIGTERM.\n");
}

int cmd_serve(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "storage", required_argument, NULL, 's' },
		{ "config-file", required_argument, NULL, 'c' },
		{ "log-format", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *addr = NULL, *storage = NULL, *config_file = NULL, *log_format = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			addr = optarg;
			break;
		case 's':
			storage = optarg;
			break;
		case 'c':
			config_file = optarg;
			break;
		case 'l':
			log_format = optarg;
			break;
		case 'h':
			serve_help();
			return 0;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(ctx, "takes no arguments");
	if (log_format && strcmp(log_format, "json") != 0 && strcmp(log_format, "text") != 0)
		return cli_usage_error(ctx, "--log-format: want text or json, not '%s'",
				       log_format);

	struct cn_serve_config cfg;
	struct cn_error err = CN_ERROR_INIT;
	cn_serve_config_init(&cfg);
	int r = config_file ? cn_serve_config_load(&cfg, config_file, &err) : 0;
	if (r < 0) {
		cn_serve_config_release(&cfg);
		return cli_fail(ctx, r, &err);
	}
	if (addr) {
		free(cfg.addr);
		cfg.addr = xstrdup(addr);
	} else if (!cfg.addr) {
		cfg.addr = xstrdup("127.0.0.1:5000");
	}
	if (storage) {
		free(cfg.storage);
		cfg.storage = xstrdup(storage);
	} else if (!cfg.storage) {
		cleanup_free char *root = cli_store_root(ctx);
		cfg.storage = xasprintf("%s/registry", root);
	}
	if (log_format)
		cfg.log_json = strcmp(log_format, "json") == 0;

	/* Every connection and upload session holds descriptors: allow as many as the hard limit
	 * lets this process have (the soft default, 1024, is reached by a few hundred pushes). */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}

	/* Signals are taken synchronously by this thread; the server's threads never see them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	struct cn_server *srv = NULL;
	r = cn_server_start(&cfg, STDERR_FILENO, &srv, &err);
	if (r < 0) {
		cn_serve_config_release(&cfg);
		return cli_fail(ctx, r, &err);
	}
	fprintf(stderr, "cairn serve: listening on %s (storage %s)\n", cn_server_url(srv),
		cfg.storage);
	for (;;) {
		struct timespec tick = { TICK_SECONDS, 0 };
		int sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		cn_server_tick(srv);
	}
	fprintf(stderr, "cairn serve: shutting down\n");
	cn_server_free(srv);
	cn_serve_config_release(&cfg);
	return 0;
}
