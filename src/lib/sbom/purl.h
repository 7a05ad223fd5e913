/*
 * Package URLs (github.com/package-url/purl-spec): "pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS
 * #SUBPATH". Made for every package of an SBOM (cn_purl_for) and read back from foreign SBOMs
 * (cn_purl_parse), so `cairn scan SBOM.json` knows each package's ecosystem and distro.
 *
 * Encoding: the type is lowercase and never encoded; namespace segments, name, version,
 * qualifier values and subpath segments are percent-encoded except for the unreserved
 * characters (ALPHA DIGIT "." "-" "_" "~") and ":"; qualifier keys are lowercase and sorted,
 * empty values are left out.
 */
#pragma once

#include <stddef.h>

#include "lib/sbom/sbom.h"

#define CN_PURL_MAX 8192 /* longest purl cn_purl_parse() accepts */

struct cn_purl_qualifier {
	char *key; /* lowercase */
	char *value;
};

/* A parsed purl; every string decoded. */
struct cn_purl {
	char *type;	 /* lowercase: "deb", "npm", ... */
	char *namespace; /* "debian", "@babel", "github.com/foo", or NULL */
	char *name;
	char *version;			      /* or NULL */
	struct cn_purl_qualifier *qualifiers; /* sorted by key */
	size_t n_qualifiers;
	char *subpath; /* or NULL */
};

/*
 * The purl of `p` for an image whose distribution is `os` (may be NULL or have NULL fields).
 * deb: pkg:deb/ID/NAME@VERSION?arch=A&distro=ID-VERSION_ID[&upstream=SRC[@SRCVER]]
 * apk: pkg:apk/ID/NAME@VERSION?arch=A&distro=ID-VERSION_ID[&upstream=ORIGIN]
 * rpm: pkg:rpm/ID/NAME@V-R?arch=A&distro=ID-VERSION_ID[&epoch=E][&upstream=SRPM]
 * python pkg:pypi/NAME (lowercased, "_" -> "-"), npm pkg:npm/[%40SCOPE/]NAME, go
 * pkg:golang/PATH-UP-TO-LAST-SLASH/LAST, java pkg:maven/GROUP/ARTIFACT.
 * Returns a newly allocated string, or NULL when the package has no name.
 */
char *cn_purl_for(const struct cn_package *p, const struct cn_os *os);

/*
 * Parses `s` into `ret` (release with cn_purl_release()). Returns 0, -EINVAL when `s` is not
 * a purl (no "pkg:" scheme, no type or name, a bad percent escape, a bad type or qualifier
 * key), -E2BIG when it is longer than CN_PURL_MAX.
 */
int cn_purl_parse(const char *s, struct cn_purl *ret);
void cn_purl_release(struct cn_purl *p);
/* The canonical form of `p` (newly allocated). */
char *cn_purl_format(const struct cn_purl *p);
/* The value of qualifier `key`, or NULL. */
const char *cn_purl_qualifier(const struct cn_purl *p, const char *key);

/*
 * Fills the package fields a purl carries into `ret` (zeroed by the caller): type, name,
 * version (rpm: with "E:" from the epoch qualifier), group (maven), arch, source_name and
 * source_version (the upstream qualifier), purl. Returns 0, or -EOPNOTSUPP for a purl type
 * that is no cn_pkg_type (pkg:oci, pkg:generic, ...).
 */
int cn_purl_to_package(const struct cn_purl *u, const char *purl, struct cn_package *ret);
/* Splits a distro qualifier ("debian-12", "alpine-3.16.2", "opensuse-leap-15.4") into `ret`
 * (id and version_id, or codename when the part after the last "-" is not a number). */
void cn_purl_distro_to_os(const char *distro, struct cn_os *ret);

static inline void cn_purl_releasep(struct cn_purl *p)
{
	cn_purl_release(p);
}
#define cleanup_purl __attribute__((cleanup(cn_purl_releasep)))
