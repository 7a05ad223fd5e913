/*
 * rpm header blobs, read with no rpm library: the "index entries + data store" structure every
 * rpm database backend stores per installed package (rpm's docs/manual/format.md, "Header").
 *
 *   int32 il, int32 dl                      big-endian counts
 *   il x { int32 tag, type, offset, count } index entries (16 bytes each), big-endian
 *   dl bytes                                the data store the offsets point into
 *
 * Every offset and count is checked against the blob before use: a blob from an image is
 * untrusted input (fuzz/fuzz-rpm-header.c).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "lib/sbom/sbom.h"

/* rpm's own limits on a header (rpm's header.c: HEADER_TAGS_MAX, HEADER_DATA_MAX). */
#define CN_RPM_HEADER_TAGS_MAX 0xffffu
#define CN_RPM_HEADER_DATA_MAX 0x0fffffffu
/* Our limits on one package: a shared directory name must not multiply a small header into
 * gigabytes of paths. */
#define CN_RPM_PKG_FILES_MAX	  (1u << 20)
#define CN_RPM_PKG_FILE_BYTES_MAX (64u << 20)
#define CN_RPM_PATH_MAX		  4096u

enum cn_rpm_tag {
	CN_RPMTAG_NAME = 1000,
	CN_RPMTAG_VERSION = 1001,
	CN_RPMTAG_RELEASE = 1002,
	CN_RPMTAG_EPOCH = 1003,
	CN_RPMTAG_SUMMARY = 1004,
	CN_RPMTAG_VENDOR = 1011,
	CN_RPMTAG_LICENSE = 1014,
	CN_RPMTAG_PACKAGER = 1015,
	CN_RPMTAG_ARCH = 1022,
	CN_RPMTAG_OLDFILENAMES = 1027,
	CN_RPMTAG_SOURCERPM = 1044,
	CN_RPMTAG_DIRINDEXES = 1116,
	CN_RPMTAG_BASENAMES = 1117,
	CN_RPMTAG_DIRNAMES = 1118,
};

enum cn_rpm_type {
	CN_RPM_NULL = 0,
	CN_RPM_CHAR = 1,
	CN_RPM_INT8 = 2,
	CN_RPM_INT16 = 3,
	CN_RPM_INT32 = 4,
	CN_RPM_INT64 = 5,
	CN_RPM_STRING = 6,
	CN_RPM_BIN = 7,
	CN_RPM_STRING_ARRAY = 8,
	CN_RPM_I18NSTRING = 9,
};

/* A checked view of one blob; points into the caller's bytes (nothing owned). */
struct cn_rpm_header {
	const uint8_t *index; /* il entries of 16 bytes */
	uint32_t il;
	const uint8_t *data; /* dl bytes */
	uint32_t dl;
};

/*
 * Checks the intro and that index + data fit in `len` bytes (trailing bytes are allowed: some
 * backends pad). Returns 0 with *ret set, or -EBADMSG with err saying what is wrong.
 */
int cn_rpm_header_init(const uint8_t *blob, size_t len, struct cn_rpm_header *ret,
		       struct cn_error *err);

/*
 * The first string of tag `tag` (STRING, STRING_ARRAY or I18NSTRING) in *ret, pointing into the
 * blob. Returns 0, -ENOENT when the header lacks the tag, -EBADMSG when its entry is malformed
 * (wrong type, out of bounds, not NUL-terminated).
 */
int cn_rpm_header_string(const struct cn_rpm_header *h, uint32_t tag, const char **ret,
			 struct cn_error *err);

/* The first INT32 of `tag`. Returns 0, -ENOENT or -EBADMSG as above. */
int cn_rpm_header_u32(const struct cn_rpm_header *h, uint32_t tag, uint32_t *ret,
		      struct cn_error *err);

/*
 * Turns one installed package's header into *ret (zeroed by the caller; on failure its partial
 * contents are for cn_package_release()): name, "[E:]V-R", arch, source rpm name and version,
 * packager (else vendor), license (SPDX when recognised), summary and files (sorted). Returns
 * 1 when filled, 0 when the header is not a package to report (rpm's gpg-pubkey pseudo
 * packages), -EBADMSG with err set, or -E2BIG past CN_RPM_PKG_FILES_MAX files or
 * CN_RPM_PKG_FILE_BYTES_MAX bytes of file names.
 */
int cn_rpm_header_to_package(const uint8_t *blob, size_t len, struct cn_package *ret,
			     struct cn_error *err);

/*
 * Splits a source rpm file name "NAME-VERSION-RELEASE.src.rpm" (also ".nosrc.rpm") into newly
 * allocated *ret_name and *ret_vr ("VERSION-RELEASE"). Returns 0, or -EINVAL when `srpm` has
 * not that shape (nothing is set then).
 */
int cn_rpm_split_srpm(const char *srpm, char **ret_name, char **ret_vr);
