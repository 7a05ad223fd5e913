#include "cli/progress.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cli/format.h"

struct progress_row {
	char id[13];
	enum cn_pull_blob_state state;
	uint64_t done, total;
};

void pull_progress_init(struct pull_progress *pp, FILE *out, bool quiet)
{
	memset(pp, 0, sizeof(*pp));
	pp->out = out;
	pp->quiet = quiet;
	pp->tty = isatty(fileno(out)) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
}

void pull_progress_release(struct pull_progress *pp)
{
	free(pp->rows);
	pp->rows = NULL;
}

static const char *state_text(const struct progress_row *row, char *buf, size_t len)
{
	char a[16], b[16];
	switch (row->state) {
	case CN_PULL_BLOB_WAITING:
		return "Waiting";
	case CN_PULL_BLOB_EXISTS:
		return "Already exists";
	case CN_PULL_BLOB_DOWNLOADING:
		(void)snprintf(buf, len, "Downloading %s/%s", format_size(row->done, a, sizeof(a)),
			       format_size(row->total, b, sizeof(b)));
		return buf;
	case CN_PULL_BLOB_VERIFYING:
		return "Verifying Checksum";
	case CN_PULL_BLOB_COMPLETE:
		return "Pull complete";
	case CN_PULL_BLOB_FAILED:
		return "Failed";
	}
	return "";
}

static void draw_row(struct pull_progress *pp, const struct progress_row *row)
{
	char buf[64];
	fprintf(pp->out, "%s: %s", row->id, state_text(row, buf, sizeof(buf)));
	if (pp->tty)
		fputs("\033[K", pp->out);
	fputc('\n', pp->out);
}

static void redraw(struct pull_progress *pp)
{
	if (pp->drawn)
		fprintf(pp->out, "\033[%zuA", pp->drawn);
	for (size_t i = 0; i < pp->n_rows; i++)
		draw_row(pp, &pp->rows[i]);
	pp->drawn = pp->n_rows;
	fflush(pp->out);
}

static void on_resolved(void *userdata, const char *tag, const char *repo)
{
	struct pull_progress *pp = userdata;
	if (!pp->quiet)
		fprintf(pp->out, "%s: Pulling from %s\n", tag, repo);
}

static struct progress_row *find_row(struct pull_progress *pp, const char *id)
{
	for (size_t i = 0; i < pp->n_rows; i++)
		if (strncmp(pp->rows[i].id, id, sizeof(pp->rows[i].id) - 1) == 0)
			return &pp->rows[i];
	ALLOC_GROW(pp->rows, pp->n_rows + 1, pp->alloc_rows);
	struct progress_row *row = &pp->rows[pp->n_rows++];
	memset(row, 0, sizeof(*row));
	(void)snprintf(row->id, sizeof(row->id), "%s", id);
	return row;
}

static void on_blob(void *userdata, const struct cn_descriptor *d, bool is_layer,
		    enum cn_pull_blob_state state, uint64_t done, uint64_t total)
{
	struct pull_progress *pp = userdata;
	if (pp->quiet || !is_layer)
		return;
	struct progress_row *row = find_row(pp, cn_digest_hex(&d->digest));
	bool changed = row->state != state || state == CN_PULL_BLOB_WAITING;
	if (state == CN_PULL_BLOB_DOWNLOADING && row->state == CN_PULL_BLOB_DOWNLOADING &&
	    pp->tty && done != total && (done - row->done) < total / 100 + 1)
		return; /* redraw about once per percent */
	row->state = state;
	row->done = done;
	row->total = total;
	if (pp->tty)
		redraw(pp);
	else if (changed)
		draw_row(pp, row);
}

struct cn_pull_observer pull_progress_observer(struct pull_progress *pp)
{
	return (struct cn_pull_observer){ on_resolved, on_blob, pp };
}
