/*
 * Software bill of materials: the packages and libraries an image holds, found by reading its
 * layers straight from the store (nothing unpacked to disk), whiteouts honoured, each package
 * tied to the layer that added it. The model here is what every output format (format.h) and
 * the vulnerability matcher (lib/vuln/match.h) read.
 *
 * Data flow (docs/ARCHITECTURE.md): layers -> walk (walk.c: each layer's tar, entries the
 * catalogers want read into memory, whiteouts applied) -> per-file parsers (catalog-*.c) ->
 * assemble (one package list, layer attribution, file ownership, licenses) -> formats / scan.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "lib/digest/digest.h"

struct cn_store;
struct cn_resolved;

enum cn_pkg_type {
	CN_PKG_DEB,
	CN_PKG_APK,
	CN_PKG_RPM,
	CN_PKG_PYTHON,
	CN_PKG_NPM,
	CN_PKG_GO,   /* a Go module (or the Go toolchain "stdlib") built into a binary */
	CN_PKG_JAVA, /* a Maven artifact found in a jar/war/ear */
	CN_PKG_TYPE_MAX,
};

/* "deb", "apk", "rpm", "python", "npm", "go-module", "java-archive". */
const char *cn_pkg_type_name(enum cn_pkg_type t);
/* The inverse of cn_pkg_type_name(); -EINVAL when unknown. */
int cn_pkg_type_parse(const char *s, enum cn_pkg_type *ret);

enum cn_pkg_flags {
	/* A language package whose files an OS package owns (python3-cryptography's dist-info,
	 * a jar from a Debian package): it is matched against the distro's advisories through
	 * its OS package, not against the language ecosystem's. */
	CN_PKG_OS_OWNED = 1 << 0,
};

struct cn_package {
	enum cn_pkg_type type;
	unsigned flags;
	char *name;	   /* as the ecosystem spells it: "libssl3", "cryptography", "@babel/core",
			    * "github.com/foo/bar" (Go), "commons-lang3" (Maven artifactId) */
	char *version;	   /* as installed: deb "[E:]U[-R]", rpm "[E:]V-R", apk "V-rN", ... */
	char *group;	   /* Maven groupId; NULL elsewhere */
	char *source_name; /* deb Source (else name), rpm source rpm name, apk origin; or NULL */
	char *source_version; /* deb source version (else version), rpm/apk: version; or NULL */
	char *arch;	      /* deb/rpm/apk architecture, or NULL */
	char *maintainer;     /* maintainer, packager or author, or NULL */
	char *license;	      /* SPDX expression when every part was recognised, else as
			       * written; NULL when none found */
	char *description;    /* one line, or NULL */
	char *purl;	      /* package URL (purl.h), set by assembly once the OS is known */
	char *found_in;	      /* path of the database or file it was read from ("/var/lib/...") */
	char **files;	      /* files it installed ("/usr/bin/x"), sorted; may be empty */
	size_t n_files;
	uint32_t layer; /* index into cn_sbom.layers of the layer that added it */
};

/* The distribution, from /etc/os-release (or /usr/lib/os-release). */
struct cn_os {
	char *id;	  /* "debian", "alpine", "ubuntu", "rhel", ... or NULL when unknown */
	char *version_id; /* "12", "3.16.2", "22.04", or NULL (debian sid) */
	char *codename;	  /* VERSION_CODENAME: "bookworm", or NULL */
	char *pretty_name;
};

struct cn_sbom_layer {
	struct cn_digest digest;  /* the layer blob */
	struct cn_digest diff_id; /* from the config (zero when the image has none) */
	uint64_t size;		  /* stored (compressed) size */
	char *created_by;	  /* the history entry that made it, or NULL */
};

struct cn_sbom {
	char *image;			  /* the reference as resolved ("docker.io/library/x:1") */
	struct cn_digest manifest_digest; /* of the image manifest */
	struct cn_digest image_id;	  /* config digest */
	char *architecture, *image_os;
	struct cn_os os;
	struct cn_sbom_layer *layers;
	size_t n_layers;
	struct cn_package *pkgs; /* sorted by type, name, version, then found_in */
	size_t n_pkgs;
	int64_t created; /* when the SBOM was made, seconds since the epoch */
};

/*
 * Builds the SBOM of a resolved image of `store`: every layer read once (in parallel where
 * there are cores), each cataloger's files parsed, packages removed by later layers dropped.
 * Returns 0, or a negative errno with err naming the layer or file (a corrupt database is an
 * error naming it; a file a cataloger cannot parse is skipped with a warning through cn_log).
 */
int cn_sbom_build(struct cn_store *store, const struct cn_resolved *img, struct cn_sbom **ret,
		  struct cn_error *err);

/*
 * cn_sbom_build() through the cache in ROOT/state/sbom (cache.c): an image's SBOM is made once
 * per manifest digest and cairn revision, then read back. Purls are set. Same errors.
 */
int cn_sbom_build_cached(struct cn_store *store, const struct cn_resolved *img,
			 struct cn_sbom **ret, struct cn_error *err);

struct cn_sbom *cn_sbom_new(void);
struct cn_sbom *cn_sbom_free(struct cn_sbom *s);
void cn_package_release(struct cn_package *p);
/* Sorts s->pkgs into the order documented above. */
void cn_sbom_sort(struct cn_sbom *s);
/* Sets every package's purl from its fields and s->os (purl.h). */
void cn_sbom_set_purls(struct cn_sbom *s);

static inline void cn_sbom_freep(struct cn_sbom **s)
{
	cn_sbom_free(*s);
}
#define cleanup_sbom __attribute__((cleanup(cn_sbom_freep)))
