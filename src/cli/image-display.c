#include "cli/image-display.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/reference/reference.h"

void entry_name_parse(const char *name, struct entry_name *ret)
{
	cleanup_reference struct cn_reference ref = { 0 };
	memset(ret, 0, sizeof(*ret));
	if (!name)
		return;
	if (cn_reference_parse(name, &ref, NULL) < 0) {
		ret->tag = xstrdup(name);
		ret->familiar = xstrdup(name);
		return;
	}
	ret->repository = cn_reference_familiar_name(&ref);
	ret->full_repository = cn_reference_name(&ref);
	ret->tag = ref.tag ? xstrdup(ref.tag) : NULL;
	ret->digest = ref.digest ? xstrdup(ref.digest) : NULL;
	ret->familiar = cn_reference_familiar(&ref);
}

void entry_name_release(struct entry_name *e)
{
	free(e->repository);
	free(e->full_repository);
	free(e->tag);
	free(e->digest);
	free(e->familiar);
	memset(e, 0, sizeof(*e));
}

const char *entry_repo_digest(const struct cn_store_tag *t, const struct entry_name *n)
{
	return t->repo_digest ? t->repo_digest : n->digest;
}

const char *format_image_id(const struct cn_digest *id, bool full, char *buf, size_t len)
{
	if (full)
		(void)snprintf(buf, len, "%s", id->str);
	else
		(void)snprintf(buf, len, "%.*s", SHORT_ID_HEX, cn_digest_hex(id));
	return buf;
}

int64_t parse_created(const char *rfc3339)
{
	int64_t t = 0;
	if (!rfc3339 || cn_time_parse_rfc3339(rfc3339, &t) < 0 || t < 0)
		return 0;
	return t;
}

const char *format_time_rfc3339(int64_t when, char *buf, size_t len)
{
	struct tm tm;
	time_t t = (time_t)when;
	if (when <= 0 || !localtime_r(&t, &tm))
		return "N/A";
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	long off = tm.tm_gmtoff;
	if (n == 0)
		return "N/A";
	if (off == 0) {
		(void)snprintf(buf + n, len - n, "Z");
	} else {
		long a = off < 0 ? -off : off;
		(void)snprintf(buf + n, len - n, "%c%02ld:%02ld", off < 0 ? '-' : '+', a / 3600,
			       a % 3600 / 60);
	}
	return buf;
}

static bool utf8_continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

size_t utf8_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += !utf8_continuation((unsigned char)*s);
	return n;
}

char *utf8_ellipsis(const char *s, size_t max)
{
	if (max == 0 || utf8_width(s) <= max)
		return xstrdup(s);
	size_t chars = 0, i = 0;
	/* keep max-1 characters, then the ellipsis */
	for (; s[i]; i++) {
		if (!utf8_continuation((unsigned char)s[i]) && chars++ == max - 1)
			break;
	}
	return xasprintf("%.*s…", (int)i, s);
}

void table_print_utf8(const struct table *t, FILE *out)
{
	size_t *w = xcalloc(t->n_cols ? t->n_cols : 1, sizeof(*w));
	for (size_t i = 0; i < t->n_cells; i++)
		w[i % t->n_cols] = MAX(w[i % t->n_cols], utf8_width(t->cells[i]));
	for (size_t i = 0; i < t->n_cells; i++) {
		size_t col = i % t->n_cols;
		if (col + 1 == t->n_cols) {
			fprintf(out, "%s\n", t->cells[i]);
			continue;
		}
		fprintf(out, "%s%*s", t->cells[i], (int)(w[col] - utf8_width(t->cells[i]) + 3), "");
	}
	free(w);
}

void warn_broken_entry(void *userdata, const struct cn_store_tag *tag, const struct cn_error *err)
{
	const struct cli_context *ctx = userdata;
	fprintf(stderr, "cairn: %s: warning: skipping %s: %s\n", ctx->command,
		tag->name ? tag->name : tag->desc.digest.str, cn_error_message(err, err->code));
}

const char *image_layer_created_by(const struct cn_resolved *img, size_t index)
{
	const struct cn_image_config *c = img->config;
	size_t layer = 0;
	for (size_t i = 0; i < c->n_history; i++) {
		if (c->history[i].empty_layer)
			continue;
		if (layer++ == index)
			return c->history[i].created_by;
	}
	return NULL;
}
