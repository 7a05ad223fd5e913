/*
 * Flattening an image: its merged file tree as one tar, without whiteouts, read in two passes
 * over the layers (headers first, to know which entry of which layer survives, then the
 * surviving entries with their data) and never unpacked to disk.
 */
#pragma once

#include "base/error.h"
#include "lib/layer/write.h"
#include "lib/store/resolve.h"

/*
 * Writes the image's final filesystem to `w`: each surviving entry once, with its metadata and
 * extended attributes from the layer that last wrote it; names that are hardlinks of each other
 * as one file and hardlinks to it; directories no layer declared as 0755 root-owned.
 */
int cn_export_image(struct cn_store *s, const struct cn_resolved *img, struct cn_tar_writer *w,
		    struct cn_error *err);
