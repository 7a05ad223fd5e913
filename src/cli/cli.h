/* The command-line front end: a command table (main.c) and one cmd-<name>.c per command. */
#pragma once

#include <stdbool.h>

#include "base/error.h"

struct cn_store;

/* Exit codes: 0 success, 1 failure, 2 bad usage (DESIGN.md). */
#define EXIT_USAGE 2

struct cli_context {
	const char *root;	/* --root, else NULL (then resolved by cli_store_root()) */
	const char *config_dir; /* --config: docker-style client config dir, else NULL */
	bool debug;
	const char *command; /* name of the running command, for error lines */
};

struct cli_command {
	const char *name;
	int (*run)(struct cli_context *ctx, int argc, char **argv);
	const char *summary;
};

/* Prints "cairn: COMMAND: MESSAGE" once and returns 1 (the failure exit code). */
int cli_fail(struct cli_context *ctx, int code, const struct cn_error *err);
/* Prints "cairn: COMMAND: formatted message" and returns 1. */
int cli_failf(struct cli_context *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints a usage error and returns EXIT_USAGE. */
int cli_usage_error(struct cli_context *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* For getopt's '?': names the offending argument as a usage error; returns EXIT_USAGE. */
int cli_bad_option(struct cli_context *ctx, char **argv);
/* The store root: --root, $CAIRN_ROOT, $XDG_DATA_HOME/cairn, ~/.local/share/cairn, or
 * /var/lib/cairn for root. Newly allocated. */
char *cli_store_root(const struct cli_context *ctx);
/* Opens the store at cli_store_root() (see cn_store_open() for flags and errors). */
int cli_store_open(const struct cli_context *ctx, unsigned flags, struct cn_store **ret,
		   struct cn_error *err);
struct cn_resolved;
/*
 * For commands that read one image: opens the store (holding gc off while we read its blobs)
 * and resolves `spec`. Returns 0, or prints the error and returns 1.
 */
int cli_open_image(struct cli_context *ctx, const char *spec, struct cn_store **ret_store,
		   struct cn_resolved *ret_img);
/* True when `s` is "json" (for --format). Unknown formats are a usage error: returns -1. */
int cli_parse_format(struct cli_context *ctx, const char *s, bool *ret_json);

#define CLI_COMMANDS(X)                                                                            \
	X(append, "Create an image from a base image and a layer on top")                          \
	X(db, "Manage the vulnerability database (db update, db status)")                          \
	X(diff, "Show changes between two directories or images, or write them as a layer")        \
	X(export, "Write an image's filesystem as one tar archive")                                \
	X(files, "Show the file tree of an image or of one of its layers")                         \
	X(fsck, "Verify every blob and tag of the store")                                          \
	X(gc, "Delete blobs no tag reaches")                                                       \
	X(history, "Show the history of an image")                                                 \
	X(image, "Manage images (image ls, inspect, history, tag, rm, prune)")                     \
	X(images, "List images")                                                                   \
	X(import, "Create an image from a tarball or a directory")                                 \
	X(inspect, "Show details of one or more images")                                           \
	X(layers, "Show the layers of an image and what each changed")                             \
	X(login, "Log in to a registry")                                                           \
	X(logout, "Log out from a registry")                                                       \
	X(pull, "Download an image from a registry")                                               \
	X(push, "Upload an image to a registry")                                                   \
	X(registry, "Manage the registry's storage (registry gc)")                                 \
	X(rmi, "Remove one or more images")                                                        \
	X(sbom, "List the packages and libraries in an image (SBOM)")                              \
	X(scan, "Find known vulnerabilities in an image's packages")                               \
	X(search, "Search registries for images")                                                  \
	X(serve, "Run a registry that docker, skopeo and cairn push to and pull from")             \
	X(tag, "Create a tag TARGET that refers to SOURCE")                                        \
	X(unpack, "Unpack an image's layers into a root filesystem directory")                     \
	X(version, "Show the cairn version information")

#define X(name, summary) int cmd_##name(struct cli_context *ctx, int argc, char **argv);
CLI_COMMANDS(X)
#undef X
