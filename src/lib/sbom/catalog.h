/*
 * Catalogers: which files of an image hold package facts, and how each one is read. The layer
 * walk (walk.c) asks every cataloger about every entry of every layer; a wanted file is read
 * into memory (CN_WANT_WHOLE) or shown to the cataloger block by block (CN_WANT_STREAM, for
 * executables that are mostly not Go binaries) and turned into a `struct cn_found` right away,
 * so no layer's content is kept. After the walk, assembly (assemble.c) takes the founds of the
 * files still present in the final image and makes the package list.
 *
 * Parsers are pure functions of (path, bytes): unit tests feed them fixture files directly.
 * Paths given to catalogers are cleaned and relative ("var/lib/dpkg/status").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "lib/sbom/sbom.h"

/* Largest file read whole for any cataloger (an rpmdb, a war). Bigger ones are skipped with a
 * warning. */
#define CN_CATALOG_WHOLE_MAX (256u << 20)

enum cn_catalog_want {
	CN_WANT_NONE = 0,
	CN_WANT_WHOLE,	/* parse() gets the whole content */
	CN_WANT_STREAM, /* stream_begin/feed/end see the content in blocks */
};

/* What one file (one version of it, in one layer) says. Every field is optional. */
struct cn_found {
	/* Packages the file declares (a database lists many, a METADATA one). Their `layer` and
	 * `found_in` are set by assembly; parsers set the rest (not purl). */
	struct cn_package *pkgs;
	size_t n_pkgs, alloc_pkgs;
	/* Facts about a package declared elsewhere, by name (dpkg's info/NAME[:ARCH].list and
	 * usr/share/doc/NAME/copyright): its files ("/usr/bin/x") and/or its license. */
	char *owner;
	char **files;
	size_t n_files, alloc_files;
	char *license;
	/* os-release only */
	struct cn_os *os;
};

void cn_found_release(struct cn_found *f);
/* Appends a zeroed package to f and returns it (the caller fills it in). */
struct cn_package *cn_found_add(struct cn_found *f);
/* Appends a copy of `path` to f->files. */
void cn_found_add_file(struct cn_found *f, const char *path);

struct cn_cataloger {
	const char *name; /* "dpkg", "apk", "rpm", "python", "npm", "go", "java", "os-release" */
	/* Does it want this entry? `mode` has the file type bits (only regular files are asked). */
	enum cn_catalog_want (*wants)(const char *path, mode_t mode, int64_t size);
	/* CN_WANT_WHOLE: returns 0 (f filled, possibly empty), or a negative errno with err set
	 * when the file is corrupt (the walk warns and goes on) or memory/limits fail. */
	int (*parse)(const char *path, const uint8_t *data, size_t len, struct cn_found *f,
		     struct cn_error *err);
	/* CN_WANT_STREAM: begin returns a state (NULL: not interested after all); feed returns
	 * 0 to go on, 1 when it needs no more bytes, or a negative errno; end fills f and frees
	 * the state (also called after feed returned 1 or an error). */
	void *(*stream_begin)(const char *path, int64_t size);
	int (*stream_feed)(void *state, const uint8_t *data, size_t len, struct cn_error *err);
	int (*stream_end)(void *state, struct cn_found *f, struct cn_error *err);
};

extern const struct cn_cataloger cn_catalog_os_release;
extern const struct cn_cataloger cn_catalog_dpkg;
extern const struct cn_cataloger cn_catalog_apk;
extern const struct cn_cataloger cn_catalog_rpm;
extern const struct cn_cataloger cn_catalog_python;
extern const struct cn_cataloger cn_catalog_npm;
extern const struct cn_cataloger cn_catalog_go;
extern const struct cn_cataloger cn_catalog_java;

/* A copy of [s, s+n) without surrounding blanks (space, tab, a CR at the end); NULL when that
 * is empty, longer than `max` or holds a NUL. For "Key: value" metadata lines. */
char *cn_catalog_dup_trimmed(const char *s, size_t n, size_t max);

/* Every cataloger, in the order above; NULL-terminated. */
extern const struct cn_cataloger *const cn_catalogers[];

/*
 * Recognises a license as written in package metadata ("GPL-2+", "Apache License 2.0",
 * "MIT/X11", "GPLv2+ and LGPLv2+", an SPDX expression) and returns an SPDX expression when
 * every part maps to an SPDX id, else NULL. license.c.
 */
char *cn_license_spdx(const char *text);
