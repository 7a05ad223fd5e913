/* docker-style pull progress: one line per layer, redrawn in place on a terminal, plain
 * lines on state changes otherwise, nothing with -q. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "lib/pull/pull.h"

struct pull_progress {
	FILE *out;
	bool tty;
	bool quiet;
	struct progress_row *rows;
	size_t n_rows, alloc_rows;
	size_t drawn; /* rows currently on screen (tty) */
};

void pull_progress_init(struct pull_progress *pp, FILE *out, bool quiet);
void pull_progress_release(struct pull_progress *pp);
/* The observer to pass in cn_pull_options. */
struct cn_pull_observer pull_progress_observer(struct pull_progress *pp);
