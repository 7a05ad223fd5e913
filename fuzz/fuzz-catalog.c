/*
 * Fuzz target: every cataloger's parser (src/lib/sbom/catalog-*.c) and the license recogniser.
 * The first byte picks a path (so a cataloger and, for dpkg, which of its file kinds); the rest
 * is the file's content. Stream catalogers (Go binaries) get it in blocks whose size the
 * second byte picks. Nothing may crash, leak or read out of bounds; every package a parser
 * returns must have a name and a version.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "lib/sbom/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
	"var/lib/dpkg/status",
	"var/lib/dpkg/status.d/base",
	"var/lib/dpkg/info/libc6:amd64.list",
	"usr/share/doc/libc6/copyright",
	"lib/apk/db/installed",
	"etc/os-release",
	"usr/lib/python3/dist-packages/x-1.0.dist-info/METADATA",
	"usr/lib/python3/dist-packages/x-1.0.dist-info/RECORD",
	"usr/lib/python3.11/site-packages/x.egg-info/PKG-INFO",
	"app/node_modules/@scope/x/package.json",
	"usr/share/java/x-1.0.jar",
	"usr/bin/x",
};

static void check(const struct cn_found *f)
{
	for (size_t i = 0; i < f->n_pkgs; i++)
		assert(f->pkgs[i].name && *f->pkgs[i].name && f->pkgs[i].version);
}

static void run(const struct cn_cataloger *c, const char *path, enum cn_catalog_want want,
		const uint8_t *data, size_t size, size_t block)
{
	struct cn_error err = CN_ERROR_INIT;
	struct cn_found f = { 0 };
	if (want == CN_WANT_WHOLE) {
		if (c->parse(path, data, size, &f, &err) == 0)
			check(&f);
	} else if (want == CN_WANT_STREAM) {
		void *state = c->stream_begin(path, (int64_t)size);
		if (state) {
			int r = 0;
			for (size_t off = 0; off < size && r == 0; off += block)
				r = c->stream_feed(state, data + off,
						   size - off < block ? size - off : block, &err);
			if (c->stream_end(state, &f, &err) == 0)
				check(&f);
		}
	}
	cn_found_release(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const char *path = paths[data[0] % (sizeof(paths) / sizeof(paths[0]))];
	size_t block = 1 + (size_t)data[1] * 67;
	data += 2;
	size -= 2;
	for (const struct cn_cataloger *const *c = cn_catalogers; *c; c++) {
		enum cn_catalog_want want = (*c)->wants(path, S_IFREG | 0755, (int64_t)size);
		run(*c, path, want, data, size, block);
	}
	/* The license recogniser on the same bytes as text. */
	char *text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	free(cn_license_spdx(text));
	free(text);
	return 0;
}
