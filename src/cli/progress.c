#include "cli/progress.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "cli/format.h"

/* States are cn_pull_blob_state or cn_push_blob_state values, per progress.kind. */
struct progress_row {
	char id[13];
	int state;
	uint64_t done, total;
	char from[128]; /* push: the repository a blob was mounted from */
};

/* What differs between pull and push progress. */
struct progress_kind {
	const char *(*text)(const struct progress_row *row, char *buf, size_t len);
	int first;  /* the state a new row starts in: printed even when it repeats */
	int moving; /* the state with done/total: redrawn about once per percent */
};

void progress_init(struct progress *pp, FILE *out, bool quiet)
{
	memset(pp, 0, sizeof(*pp));
	pp->out = out;
	pp->quiet = quiet;
	pp->tty = isatty(fileno(out)) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
}

void progress_release(struct progress *pp)
{
	free(pp->rows);
	pp->rows = NULL;
}

static const char *pull_text(const struct progress_row *row, char *buf, size_t len)
{
	char a[16], b[16];
	switch ((enum cn_pull_blob_state)row->state) {
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

static const char *push_text(const struct progress_row *row, char *buf, size_t len)
{
	char a[16], b[16], bar[52];
	switch ((enum cn_push_blob_state)row->state) {
	case CN_PUSH_BLOB_PREPARING:
		return "Preparing";
	case CN_PUSH_BLOB_WAITING:
		return "Waiting";
	case CN_PUSH_BLOB_PUSHING: {
		size_t w = row->total ? (size_t)(row->done * 50 / row->total) : 0;
		memset(bar, '=', MIN(w, 50));
		bar[MIN(w, 50)] = '\0';
		(void)snprintf(buf, len, "Pushing [%s>%*s] %s/%s", bar, (int)(50 - MIN(w, 50)), "",
			       format_size(row->done, a, sizeof(a)),
			       format_size(row->total, b, sizeof(b)));
		return buf;
	}
	case CN_PUSH_BLOB_PUSHED:
		return "Pushed";
	case CN_PUSH_BLOB_EXISTS:
		return "Layer already exists";
	case CN_PUSH_BLOB_MOUNTED:
		(void)snprintf(buf, len, "Mounted from %s", row->from);
		return buf;
	case CN_PUSH_BLOB_SKIPPED:
		return "Skipped foreign layer";
	case CN_PUSH_BLOB_FAILED:
		return "Failed";
	}
	return "";
}

static const struct progress_kind pull_kind = { pull_text, CN_PULL_BLOB_WAITING,
						CN_PULL_BLOB_DOWNLOADING };
static const struct progress_kind push_kind = { push_text, CN_PUSH_BLOB_PREPARING,
						CN_PUSH_BLOB_PUSHING };

static void draw_row(struct progress *pp, const struct progress_row *row)
{
	char buf[160];
	fprintf(pp->out, "%s: %s", row->id, pp->kind->text(row, buf, sizeof(buf)));
	if (pp->tty)
		fputs("\033[K", pp->out);
	fputc('\n', pp->out);
}

static void redraw(struct progress *pp)
{
	if (pp->drawn)
		fprintf(pp->out, "\033[%zuA", pp->drawn);
	for (size_t i = 0; i < pp->n_rows; i++)
		draw_row(pp, &pp->rows[i]);
	pp->drawn = pp->n_rows;
	fflush(pp->out);
}

static struct progress_row *find_row(struct progress *pp, const char *id)
{
	for (size_t i = 0; i < pp->n_rows; i++)
		if (strncmp(pp->rows[i].id, id, sizeof(pp->rows[i].id) - 1) == 0)
			return &pp->rows[i];
	ALLOC_GROW(pp->rows, pp->n_rows + 1, pp->alloc_rows);
	struct progress_row *row = &pp->rows[pp->n_rows++];
	memset(row, 0, sizeof(*row));
	row->state = pp->kind->first;
	(void)snprintf(row->id, sizeof(row->id), "%s", id);
	return row;
}

/* A layer changed state or made progress; `from` is NULL but for a push's mount. */
static void update(struct progress *pp, const struct cn_descriptor *d, bool is_layer, int state,
		   uint64_t done, uint64_t total, const char *from)
{
	if (pp->quiet || !is_layer)
		return;
	struct progress_row *row = find_row(pp, cn_digest_hex(&d->digest));
	bool changed = row->state != state || state == pp->kind->first;
	if (state == pp->kind->moving && row->state == state && pp->tty && done != total &&
	    (done - row->done) < total / 100 + 1)
		return; /* redraw about once per percent */
	row->state = state;
	row->done = done;
	row->total = total;
	if (from)
		(void)snprintf(row->from, sizeof(row->from), "%s", from);
	if (pp->tty)
		redraw(pp);
	else if (changed)
		draw_row(pp, row);
}

static void on_pull_resolved(void *userdata, const char *tag, const char *repo)
{
	struct progress *pp = userdata;
	if (!pp->quiet)
		fprintf(pp->out, "%s: Pulling from %s\n", tag, repo);
}

static void on_pull_blob(void *userdata, const struct cn_descriptor *d, bool is_layer,
			 enum cn_pull_blob_state state, uint64_t done, uint64_t total)
{
	update(userdata, d, is_layer, (int)state, done, total, NULL);
}

static void on_push_resolved(void *userdata, const char *repo_name, const char *tag)
{
	struct progress *pp = userdata;
	(void)tag;
	if (!pp->quiet)
		fprintf(pp->out, "The push refers to repository [%s]\n", repo_name);
}

static void on_push_blob(void *userdata, const struct cn_descriptor *d, bool is_layer,
			 enum cn_push_blob_state state, uint64_t done, uint64_t total,
			 const char *from)
{
	update(userdata, d, is_layer, (int)state, done, total, from);
}

struct cn_pull_observer progress_pull_observer(struct progress *pp)
{
	pp->kind = &pull_kind;
	return (struct cn_pull_observer){ on_pull_resolved, on_pull_blob, pp };
}

struct cn_push_observer progress_push_observer(struct progress *pp)
{
	pp->kind = &push_kind;
	return (struct cn_push_observer){ on_push_resolved, on_push_blob, pp };
}
