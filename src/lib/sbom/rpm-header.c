/* rpm header blobs: the checked index/data walk and the mapping to struct cn_package. */
#include "lib/sbom/rpm-header.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/sbom/catalog.h"

#define ENTRY_SIZE 16u

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int cn_rpm_header_init(const uint8_t *blob, size_t len, struct cn_rpm_header *ret,
		       struct cn_error *err)
{
	if (len < 8)
		return cn_error_set(err, -EBADMSG, "rpm header: %zu bytes, too short", len);
	uint32_t il = be32(blob), dl = be32(blob + 4);
	if (il == 0 || il > CN_RPM_HEADER_TAGS_MAX)
		return cn_error_set(err, -EBADMSG, "rpm header: bad index count %u", il);
	if (dl > CN_RPM_HEADER_DATA_MAX)
		return cn_error_set(err, -EBADMSG, "rpm header: bad data size %u", dl);
	uint64_t need = 8 + (uint64_t)il * ENTRY_SIZE + dl;
	if (need > len)
		return cn_error_set(err, -EBADMSG, "rpm header: needs %llu bytes, has %zu",
				    (unsigned long long)need, len);
	*ret = (struct cn_rpm_header){
		.index = blob + 8,
		.il = il,
		.data = blob + 8 + (size_t)il * ENTRY_SIZE,
		.dl = dl,
	};
	return 0;
}

struct entry {
	uint32_t tag, type, offset, count;
};

/* Finds the first index entry of `tag`; its offset is checked to lie inside the data. */
static int find_entry(const struct cn_rpm_header *h, uint32_t tag, struct entry *ret,
		      struct cn_error *err)
{
	for (uint32_t i = 0; i < h->il; i++) {
		const uint8_t *e = h->index + (size_t)i * ENTRY_SIZE;
		if (be32(e) != tag)
			continue;
		*ret = (struct entry){ tag, be32(e + 4), be32(e + 8), be32(e + 12) };
		if (ret->offset >= h->dl || ret->count == 0)
			return cn_error_set(err, -EBADMSG,
					    "rpm header: tag %u: offset %u count %u out of bounds",
					    tag, ret->offset, ret->count);
		return 0;
	}
	return -ENOENT;
}

static bool is_string_type(uint32_t type)
{
	return type == CN_RPM_STRING || type == CN_RPM_STRING_ARRAY || type == CN_RPM_I18NSTRING;
}

/* Checks that `count` NUL-terminated strings start at e->offset; returns their pointers in a
 * new array (when ret is non-NULL). */
static int entry_strings(const struct cn_rpm_header *h, const struct entry *e, const char ***ret,
			 struct cn_error *err)
{
	if (!is_string_type(e->type))
		return cn_error_set(err, -EBADMSG, "rpm header: tag %u: type %u is not a string",
				    e->tag, e->type);
	/* Each string takes at least one byte: a count beyond the data cannot be right. */
	if (e->count > h->dl - e->offset)
		return cn_error_set(err, -EBADMSG, "rpm header: tag %u: %u strings do not fit",
				    e->tag, e->count);
	cleanup_free const char **v = ret ? xcalloc(e->count, sizeof(*v)) : NULL;
	size_t pos = e->offset;
	for (uint32_t i = 0; i < e->count; i++) {
		const uint8_t *nul = pos < h->dl ? memchr(h->data + pos, 0, h->dl - pos) : NULL;
		if (!nul)
			return cn_error_set(err, -EBADMSG,
					    "rpm header: tag %u: string %u not terminated", e->tag,
					    i);
		if (v)
			v[i] = (const char *)h->data + pos;
		pos = (size_t)(nul - h->data) + 1;
	}
	if (ret)
		*ret = TAKE_PTR(v);
	return 0;
}

int cn_rpm_header_string(const struct cn_rpm_header *h, uint32_t tag, const char **ret,
			 struct cn_error *err)
{
	struct entry e;
	int r = find_entry(h, tag, &e, err);
	if (r < 0)
		return r;
	/* Only the first string matters here: check just that one. */
	struct entry first = e;
	first.count = 1;
	r = entry_strings(h, &first, NULL, err);
	if (r < 0)
		return r;
	*ret = (const char *)h->data + e.offset;
	return 0;
}

/* Checks an INT32 entry of e->count values fits; values are read with be32(). */
static int entry_u32s(const struct cn_rpm_header *h, const struct entry *e, struct cn_error *err)
{
	if (e->type != CN_RPM_INT32)
		return cn_error_set(err, -EBADMSG, "rpm header: tag %u: type %u is not int32",
				    e->tag, e->type);
	if ((uint64_t)e->offset + (uint64_t)e->count * 4 > h->dl)
		return cn_error_set(err, -EBADMSG, "rpm header: tag %u: %u int32s do not fit",
				    e->tag, e->count);
	return 0;
}

int cn_rpm_header_u32(const struct cn_rpm_header *h, uint32_t tag, uint32_t *ret,
		      struct cn_error *err)
{
	struct entry e;
	int r = find_entry(h, tag, &e, err);
	if (r < 0)
		return r;
	r = entry_u32s(h, &e, err);
	if (r < 0)
		return r;
	*ret = be32(h->data + e.offset);
	return 0;
}

/* An optional string: NULL when absent or empty ("(none)" is rpm's own placeholder). */
static int opt_string(const struct cn_rpm_header *h, uint32_t tag, char **ret, struct cn_error *err)
{
	const char *s;
	int r = cn_rpm_header_string(h, tag, &s, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (*s && strcmp(s, "(none)") != 0)
		*ret = xstrdup(s);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void files_sort(struct cn_package *p)
{
	if (p->n_files > 1)
		qsort(p->files, p->n_files, sizeof(*p->files), cmp_str);
}

/* Old headers (rpm < 4) list whole paths in OLDFILENAMES. */
static int old_files(const struct cn_rpm_header *h, struct cn_package *p, struct cn_error *err)
{
	struct entry e;
	int r = find_entry(h, CN_RPMTAG_OLDFILENAMES, &e, err);
	if (r == -ENOENT)
		return 0;
	cleanup_free const char **names = NULL;
	if (r >= 0)
		r = entry_strings(h, &e, &names, err);
	if (r < 0)
		return r;
	if (e.count > CN_RPM_PKG_FILES_MAX)
		return cn_error_set(err, -E2BIG, "rpm header: more than %u files",
				    CN_RPM_PKG_FILES_MAX);
	p->files = xcalloc(e.count, sizeof(*p->files));
	for (uint32_t i = 0; i < e.count; i++)
		p->files[p->n_files++] = xstrdup(names[i]);
	files_sort(p);
	return 0;
}

/* Files are BASENAMES[i] appended to DIRNAMES[DIRINDEXES[i]]. */
static int files(const struct cn_rpm_header *h, struct cn_package *p, struct cn_error *err)
{
	struct entry eb, ed, ei;
	int r = find_entry(h, CN_RPMTAG_BASENAMES, &eb, err);
	if (r == -ENOENT)
		return old_files(h, p, err);
	cleanup_free const char **bases = NULL, **dirs = NULL;
	if (r >= 0)
		r = entry_strings(h, &eb, &bases, err);
	if (r >= 0)
		r = find_entry(h, CN_RPMTAG_DIRNAMES, &ed, err);
	if (r >= 0)
		r = entry_strings(h, &ed, &dirs, err);
	if (r >= 0)
		r = find_entry(h, CN_RPMTAG_DIRINDEXES, &ei, err);
	if (r >= 0)
		r = entry_u32s(h, &ei, err);
	if (r < 0)
		return r == -ENOENT ? cn_error_set(err, -EBADMSG,
						   "rpm header: basenames without directories")
				    : r;
	if (ei.count != eb.count)
		return cn_error_set(err, -EBADMSG, "rpm header: %u basenames but %u dir indexes",
				    eb.count, ei.count);
	if (eb.count > CN_RPM_PKG_FILES_MAX)
		return cn_error_set(err, -E2BIG, "rpm header: more than %u files",
				    CN_RPM_PKG_FILES_MAX);
	p->files = xcalloc(eb.count, sizeof(*p->files));
	size_t bytes = 0;
	for (uint32_t i = 0; i < eb.count; i++) {
		uint32_t d = be32(h->data + ei.offset + (size_t)i * 4);
		if (d >= ed.count)
			return cn_error_set(err, -EBADMSG,
					    "rpm header: dir index %u of %u directories", d,
					    ed.count);
		/* strnlen: a long shared directory name is not rescanned per file. */
		size_t n = strnlen(dirs[d], CN_RPM_PATH_MAX) + strnlen(bases[i], CN_RPM_PATH_MAX);
		if (n >= CN_RPM_PATH_MAX)
			return cn_error_set(err, -EBADMSG, "rpm header: file name too long");
		bytes += n + 1;
		if (bytes > CN_RPM_PKG_FILE_BYTES_MAX)
			return cn_error_set(err, -E2BIG,
					    "rpm header: more than %u bytes of file names",
					    CN_RPM_PKG_FILE_BYTES_MAX);
		p->files[p->n_files++] = xasprintf("%s%s", dirs[d], bases[i]);
	}
	files_sort(p);
	return 0;
}

int cn_rpm_split_srpm(const char *srpm, char **ret_name, char **ret_vr)
{
	static const char *const suffixes[] = { ".src.rpm", ".nosrc.rpm" };
	size_t len = strlen(srpm), stem = 0;
	for (size_t i = 0; i < ARRAY_SIZE(suffixes) && !stem; i++) {
		size_t sl = strlen(suffixes[i]);
		if (len > sl && strcmp(srpm + len - sl, suffixes[i]) == 0)
			stem = len - sl;
	}
	if (!stem)
		return -EINVAL;
	/* The last two dashes of the stem separate VERSION and RELEASE. */
	const char *rel = memrchr(srpm, '-', stem);
	if (!rel || rel == srpm)
		return -EINVAL;
	const char *ver = memrchr(srpm, '-', (size_t)(rel - srpm));
	if (!ver || ver == srpm || ver + 1 == rel || rel + 1 == srpm + stem)
		return -EINVAL;
	*ret_name = xstrndup(srpm, (size_t)(ver - srpm));
	*ret_vr = xstrndup(ver + 1, (size_t)(srpm + stem - ver - 1));
	return 0;
}

static int versions(const struct cn_rpm_header *h, struct cn_package *p, struct cn_error *err)
{
	const char *v, *rel = NULL;
	int r = cn_rpm_header_string(h, CN_RPMTAG_VERSION, &v, err);
	if (r == -ENOENT)
		return cn_error_set(err, -EBADMSG, "rpm header: package %s has no version",
				    p->name);
	if (r < 0)
		return r;
	if (!*v)
		return cn_error_set(err, -EBADMSG, "rpm header: empty version");
	r = cn_rpm_header_string(h, CN_RPMTAG_RELEASE, &rel, err);
	if (r < 0 && r != -ENOENT)
		return r;
	uint32_t epoch;
	r = cn_rpm_header_u32(h, CN_RPMTAG_EPOCH, &epoch, err);
	if (r < 0 && r != -ENOENT)
		return r;
	cleanup_free char *eprefix = r == 0 ? xasprintf("%u:", epoch) : xstrdup("");
	p->version =
		rel && *rel ? xasprintf("%s%s-%s", eprefix, v, rel) : xasprintf("%s%s", eprefix, v);

	const char *srpm;
	r = cn_rpm_header_string(h, CN_RPMTAG_SOURCERPM, &srpm, err);
	if (r < 0 && r != -ENOENT)
		return r;
	cleanup_free char *sname = NULL, *svr = NULL;
	if (r == 0 && cn_rpm_split_srpm(srpm, &sname, &svr) == 0) {
		p->source_name = TAKE_PTR(sname);
		p->source_version = xasprintf("%s%s", eprefix, svr);
	} else {
		p->source_version = xstrdup(p->version);
	}
	return 0;
}

static int people(const struct cn_rpm_header *h, struct cn_package *p, struct cn_error *err)
{
	int r = opt_string(h, CN_RPMTAG_PACKAGER, &p->maintainer, err);
	if (r >= 0 && !p->maintainer)
		r = opt_string(h, CN_RPMTAG_VENDOR, &p->maintainer, err);
	cleanup_free char *license = NULL;
	if (r >= 0)
		r = opt_string(h, CN_RPMTAG_LICENSE, &license, err);
	if (r < 0)
		return r;
	if (license) {
		p->license = cn_license_spdx(license);
		if (!p->license)
			p->license = TAKE_PTR(license);
	}
	return 0;
}

int cn_rpm_header_to_package(const uint8_t *blob, size_t len, struct cn_package *ret,
			     struct cn_error *err)
{
	struct cn_rpm_header h;
	const char *name;
	int r = cn_rpm_header_init(blob, len, &h, err);
	if (r < 0)
		return r;
	r = cn_rpm_header_string(&h, CN_RPMTAG_NAME, &name, err);
	if (r == -ENOENT)
		return cn_error_set(err, -EBADMSG, "rpm header: no package name");
	if (r < 0)
		return r;
	if (!*name)
		return cn_error_set(err, -EBADMSG, "rpm header: empty package name");
	/* Imported signing keys are stored as packages named gpg-pubkey: not software. */
	if (strcmp(name, "gpg-pubkey") == 0)
		return 0;
	ret->type = CN_PKG_RPM;
	ret->name = xstrdup(name);
	r = versions(&h, ret, err);
	if (r >= 0)
		r = opt_string(&h, CN_RPMTAG_ARCH, &ret->arch, err);
	if (r >= 0)
		r = opt_string(&h, CN_RPMTAG_SUMMARY, &ret->description, err);
	if (r >= 0)
		r = people(&h, ret, err);
	if (r >= 0)
		r = files(&h, ret, err);
	if (r < 0)
		return cn_error_prefix(err, r, "package %s", ret->name);
	return 1;
}
