/*
 * Between the layer walk (walk.c) and assembly (assemble.c): what one layer says about the
 * files the catalogers want, and its whiteouts. Internal to cairn-sbom (and its unit tests).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "lib/sbom/catalog.h"

/* What one cataloger made of one file. */
struct sbom_part {
	const struct cn_cataloger *cat;
	struct cn_found found;
};

/*
 * One wanted path in one layer. An entry with no parts still hides older versions of the path
 * (a file nobody could parse, a symlink or hardlink nobody could resolve).
 */
struct sbom_entry {
	char *path; /* cleaned, relative: "var/lib/dpkg/status" */
	char *link; /* symlink target as written, or NULL */
	struct sbom_part *parts;
	size_t n_parts;
	size_t seq;   /* position in the layer: the later of two entries of one path wins */
	int64_t size; /* of the regular file (what a hardlink to it is asked with) */
};

struct sbom_layer_walk {
	struct sbom_entry *entries;
	size_t n_entries, alloc_entries;
	char **whiteouts; /* paths deleted (with everything below them) from lower layers */
	size_t n_whiteouts, alloc_whiteouts;
	char **opaques; /* directories whose lower content is hidden ("" for the root) */
	size_t n_opaques, alloc_opaques;
};

void sbom_layer_walk_release(struct sbom_layer_walk *w);

/*
 * Reads one layer tar from `fd` (taken; any compression) and fills `ret` (release it even on
 * failure). Returns 0 or a negative errno with err set (corrupt tar or compressed data).
 */
int sbom_walk_fd(int fd, struct sbom_layer_walk *ret, struct cn_error *err);

/*
 * Merges the walks of an image's layers (bottom first) into s->pkgs and s->os: whiteouts
 * applied, each package tied to the layer that added it, dpkg file lists and licenses
 * attached, language packages owned by OS packages flagged. Takes the founds out of `layers`.
 */
void sbom_assemble(struct cn_sbom *s, struct sbom_layer_walk *layers, size_t n_layers);
