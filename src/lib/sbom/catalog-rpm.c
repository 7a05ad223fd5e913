/*
 * The rpm cataloger: installed packages from an rpm database (sqlite, Berkeley DB or NDB, told
 * apart by their first bytes; rpm-db.h) whose header blobs rpm-header.h turns into packages,
 * and from CBL-Mariner's distroless manifest (one tab-separated line per package).
 */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/parse.h"
#include "lib/sbom/catalog.h"
#include "lib/sbom/rpm-db.h"
#include "lib/sbom/rpm-header.h"

static const char *const db_paths[] = {
	"var/lib/rpm/Packages",
	"var/lib/rpm/Packages.db",
	"var/lib/rpm/rpmdb.sqlite",
	"usr/lib/sysimage/rpm/Packages",
	"usr/lib/sysimage/rpm/Packages.db",
	"usr/lib/sysimage/rpm/rpmdb.sqlite",
};

#define MARINER_MANIFEST "var/lib/rpmmanifest/container-manifest-2"

static enum cn_catalog_want wants(const char *path, mode_t mode, int64_t size)
{
	(void)mode;
	(void)size;
	if (strcmp(path, MARINER_MANIFEST) == 0)
		return CN_WANT_WHOLE;
	for (size_t i = 0; i < ARRAY_SIZE(db_paths); i++)
		if (strcmp(path, db_paths[i]) == 0)
			return CN_WANT_WHOLE;
	return CN_WANT_NONE;
}

/* Limits on one database's file lists (a large Fedora image has ~300,000 files). */
#define DB_FILES_MAX	  (4u << 20)
#define DB_FILE_BYTES_MAX (256u << 20)

struct db_walk {
	struct cn_found *f;
	size_t files, file_bytes;
};

static int add_header(const uint8_t *blob, size_t len, void *userdata, struct cn_error *err)
{
	struct db_walk *w = userdata;
	struct cn_package p = { 0 };
	int r = cn_rpm_header_to_package(blob, len, &p, err);
	if (r > 0) {
		w->files += p.n_files;
		for (size_t i = 0; i < p.n_files; i++)
			w->file_bytes += strlen(p.files[i]) + 1;
		if (w->files > DB_FILES_MAX || w->file_bytes > DB_FILE_BYTES_MAX)
			r = cn_error_set(err, -E2BIG, "more than %u files or %u bytes of names",
					 DB_FILES_MAX, DB_FILE_BYTES_MAX);
	}
	if (r <= 0) {
		cn_package_release(&p);
		return r;
	}
	*cn_found_add(w->f) = p;
	return 0;
}

/* Fields of a manifest line: name, version-release, install time, build time, vendor, epoch,
 * size, arch, (unused), source rpm. */
enum {
	MF_NAME,
	MF_VR,
	MF_VENDOR = 4,
	MF_EPOCH = 5,
	MF_ARCH = 7,
	MF_SRPM = 9,
	MF_FIELDS = 10,
};

static int manifest_line(char *line, struct cn_found *f, struct cn_error *err)
{
	char *fields[MF_FIELDS];
	size_t n = 0;
	for (char *s = line; n < MF_FIELDS; n++) {
		fields[n] = s;
		s = strchr(s, '\t');
		if (!s) {
			n++;
			break;
		}
		*s++ = '\0';
	}
	if (n < MF_FIELDS || !*fields[MF_NAME] || !*fields[MF_VR])
		return cn_error_set(err, -EBADMSG, "rpm manifest: %zu fields, want %d", n,
				    MF_FIELDS);
	uint64_t epoch = 0;
	bool has_epoch = strcmp(fields[MF_EPOCH], "(none)") != 0 && *fields[MF_EPOCH];
	if (has_epoch && cn_parse_u64(fields[MF_EPOCH], UINT32_MAX, &epoch) < 0)
		return cn_error_set(err, -EBADMSG, "rpm manifest: %s: bad epoch \"%s\"",
				    fields[MF_NAME], fields[MF_EPOCH]);
	cleanup_free char *eprefix =
		has_epoch ? xasprintf("%llu:", (unsigned long long)epoch) : xstrdup("");
	struct cn_package *p = cn_found_add(f);
	p->type = CN_PKG_RPM;
	p->name = xstrdup(fields[MF_NAME]);
	p->version = xasprintf("%s%s", eprefix, fields[MF_VR]);
	if (*fields[MF_ARCH])
		p->arch = xstrdup(fields[MF_ARCH]);
	if (*fields[MF_VENDOR] && strcmp(fields[MF_VENDOR], "(none)") != 0)
		p->maintainer = xstrdup(fields[MF_VENDOR]);
	cleanup_free char *svr = NULL;
	if (cn_rpm_split_srpm(fields[MF_SRPM], &p->source_name, &svr) == 0)
		p->source_version = xasprintf("%s%s", eprefix, svr);
	else
		p->source_version = xstrdup(p->version);
	return 0;
}

static int parse_manifest(const uint8_t *data, size_t len, struct cn_found *f, struct cn_error *err)
{
	if (memchr(data, '\0', len))
		return cn_error_set(err, -EBADMSG, "rpm manifest: binary data");
	cleanup_free char *text = xstrndup((const char *)data, len);
	size_t lines = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line)
			continue;
		if (++lines > CN_RPM_DB_MAX_PKGS)
			return cn_error_set(err, -E2BIG, "rpm manifest: more than %u packages",
					    CN_RPM_DB_MAX_PKGS);
		int r = manifest_line(line, f, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse(const char *path, const uint8_t *data, size_t len, struct cn_found *f,
		 struct cn_error *err)
{
	if (strcmp(path, MARINER_MANIFEST) == 0)
		return parse_manifest(data, len, f, err);
	struct db_walk w = { .f = f };
	if (len >= 16 && memcmp(data, "SQLite format 3", 16) == 0)
		return cn_rpm_sqlite_foreach(data, len, add_header, &w, err);
	if (len >= 4 && memcmp(data, "RpmP", 4) == 0)
		return cn_rpm_ndb_foreach(data, len, add_header, &w, err);
	return cn_rpm_bdb_foreach(data, len, add_header, &w, err);
}

const struct cn_cataloger cn_catalog_rpm = {
	.name = "rpm",
	.wants = wants,
	.parse = parse,
};
