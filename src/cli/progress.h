/* docker-style transfer progress for pull and push: one line per layer, redrawn in place on a
 * terminal, plain lines on state changes otherwise, nothing with -q. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "lib/pull/pull.h"
#include "lib/push/push.h"

struct progress {
	FILE *out;
	bool tty;
	bool quiet;
	const struct progress_kind *kind; /* pull or push: set by the observer getters */
	struct progress_row *rows;
	size_t n_rows, alloc_rows;
	size_t drawn; /* rows currently on screen (tty) */
};

void progress_init(struct progress *pp, FILE *out, bool quiet);
void progress_release(struct progress *pp);
/* The observer to pass in cn_pull_options / cn_push_options; one per `pp`. */
struct cn_pull_observer progress_pull_observer(struct progress *pp);
struct cn_push_observer progress_push_observer(struct progress *pp);
