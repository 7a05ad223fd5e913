/*
 * Fuzz target: the vulnerability feed importers (src/lib/vuln/import-*.c, db-update.c). The
 * first byte picks the kind (OSV record file or zip, Debian tracker JSON, Alpine secdb JSON);
 * the rest is the file, imported into a scratch database. Nothing may crash or leak; after a
 * failed import the database must still answer lookups, and a successful one must leave every
 * stored affected entry readable.
 */
#include <assert.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/vuln/db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[] = "/tmp/cairn-fuzz-vuln.XXXXXX";
static char file[sizeof(root) + 16];
static struct cn_vulndb *db;

static int count(void *userdata, const struct cn_vuln_record *rec, const struct cn_vuln_affected *a)
{
	assert(rec->id && a->ecosystem && a->package);
	for (size_t i = 0; i < a->n_ranges; i++)
		for (size_t k = 0; k < a->ranges[i].n_events; k++)
			assert(a->ranges[i].events[k].version);
	(*(size_t *)userdata)++;
	return 0;
}

/* The scratch database goes when the process ends (replay in tests, or a fuzzing run). */
static void teardown(void)
{
	static const char *const files[] = { "input", "vulndb/vuln.db", "vulndb/vuln.db-wal",
					     "vulndb/vuln.db-shm", "vulndb/vuln.db-journal" };
	char path[sizeof(root) + 32];
	cn_vulndb_free(db);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/vulndb", root);
	rmdir(path);
	rmdir(root);
}

static void setup(void)
{
	struct cn_error err = CN_ERROR_INIT;
	if (!mkdtemp(root) || cn_vulndb_open(root, CN_VULNDB_WRITE, &db, &err) < 0) {
		fprintf(stderr, "fuzz-vuln-import: cannot make a scratch database: %s\n", err.msg);
		abort();
	}
	snprintf(file, sizeof(file), "%s/input", root);
	atexit(teardown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db)
		setup();
	if (size < 1)
		return 0;
	static const enum cn_vuln_source_kind kinds[] = {
		CN_VULN_SOURCE_OSV,
		CN_VULN_SOURCE_DEBIAN_TRACKER,
		CN_VULN_SOURCE_ALPINE_SECDB,
	};
	enum cn_vuln_source_kind kind = kinds[data[0] % 3];
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert(fd >= 0);
	assert(write(fd, data + 1, size - 1) == (ssize_t)(size - 1));
	close(fd);
	struct cn_vuln_source src = { kind, file };
	struct cn_vulndb_update_stats stats;
	struct cn_error err = CN_ERROR_INIT;
	(void)cn_vulndb_update(db, &src, 1, NULL, &stats, &err);
	/* the package names the seed corpus uses; any answer is fine, a crash is not */
	static const char *const probes[][2] = {
		{ "debian:12", "openssl" }, { "alpine:3.15", "zlib" }, { "pypi", "demo" },
		{ "npm", "demo" },	    { "go", "stdlib" },
	};
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		size_t n = 0;
		struct cn_error lerr = CN_ERROR_INIT;
		int r = cn_vulndb_lookup(db, probes[i][0], probes[i][1], count, &n, &lerr);
		assert(r >= 0);
	}
	return 0;
}
