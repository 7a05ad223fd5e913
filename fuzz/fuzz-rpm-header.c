/*
 * Fuzz target: rpm header blobs and the containers that hold them (src/lib/sbom/rpm-header.c,
 * rpm-db.c). The input is read as one header blob (cn_rpm_header_to_package), as a Berkeley DB,
 * an NDB and an sqlite rpmdb, and as CBL-Mariner's manifest. None may crash, leak or read out of
 * bounds; whatever parses must have a name and a version.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "lib/sbom/catalog.h"
#include "lib/sbom/rpm-db.h"
#include "lib/sbom/rpm-header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct cn_package *p)
{
	assert(p->name && *p->name && p->version && *p->version);
	for (size_t i = 1; i < p->n_files; i++)
		assert(strcmp(p->files[i - 1], p->files[i]) <= 0);
}

static int one_blob(const uint8_t *blob, size_t len, void *userdata, struct cn_error *err)
{
	(void)userdata;
	struct cn_package p = { 0 };
	int r = cn_rpm_header_to_package(blob, len, &p, err);
	if (r > 0)
		check(&p);
	cn_package_release(&p);
	return r < 0 ? r : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cn_error err = CN_ERROR_INIT;
	(void)one_blob(data, size, NULL, &err);
	(void)cn_rpm_bdb_foreach(data, size, one_blob, NULL, &err);
	(void)cn_rpm_ndb_foreach(data, size, one_blob, NULL, &err);
	(void)cn_rpm_sqlite_foreach(data, size, one_blob, NULL, &err);
	struct cn_found f = { 0 };
	if (cn_catalog_rpm.parse("var/lib/rpmmanifest/container-manifest-2", data, size, &f,
				 &err) == 0)
		for (size_t i = 0; i < f.n_pkgs; i++)
			check(&f.pkgs[i]);
	cn_found_release(&f);
	return 0;
}
