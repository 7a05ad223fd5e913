#include "cli/format.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"

const char *format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000.0;
		u++;
	}
	if (u == 0)
		(void)snprintf(buf, len, "%lluB", (unsigned long long)bytes);
	else
		(void)snprintf(buf, len, "%.3g%s", v, units[u]);
	return buf;
}

const char *format_since(int64_t when, char *buf, size_t len)
{
	static const struct {
		int64_t secs;
		const char *one, *many;
	} steps[] = {
		{ 365 * 86400, "a year", "years" }, { 30 * 86400, "a month", "months" },
		{ 7 * 86400, "a week", "weeks" },   { 86400, "a day", "days" },
		{ 3600, "an hour", "hours" },	    { 60, "a minute", "minutes" },
	};
	if (when <= 0)
		return "N/A";
	int64_t d = (int64_t)time(NULL) - when;
	if (d < 1)
		return "Less than a second ago";
	if (d < 60) {
		(void)snprintf(buf, len, "%lld second%s ago", (long long)d, d == 1 ? "" : "s");
		return buf;
	}
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int64_t n = d / steps[i].secs;
		if (n < 1)
			continue;
		if (n == 1)
			(void)snprintf(buf, len, "About %s ago", steps[i].one);
		else
			(void)snprintf(buf, len, "%lld %s ago", (long long)n, steps[i].many);
		return buf;
	}
	return "N/A";
}

void table_init(struct table *t, size_t n_cols, const char *const *headers)
{
	memset(t, 0, sizeof(*t));
	t->n_cols = n_cols;
	for (size_t i = 0; headers && i < n_cols; i++)
		table_add(t, headers[i]);
}

void table_add(struct table *t, const char *cell)
{
	ALLOC_GROW(t->cells, t->n_cells + 1, t->alloc_cells);
	t->cells[t->n_cells++] = xstrdup(cell ? cell : "");
}

void table_addf(struct table *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	ALLOC_GROW(t->cells, t->n_cells + 1, t->alloc_cells);
	t->cells[t->n_cells++] = s;
}

void table_print(const struct table *t, FILE *out)
{
	size_t *w = xcalloc(t->n_cols, sizeof(*w));
	for (size_t i = 0; i < t->n_cells; i++) {
		size_t l = strlen(t->cells[i]);
		if (l > w[i % t->n_cols])
			w[i % t->n_cols] = l;
	}
	for (size_t i = 0; i < t->n_cells; i++) {
		size_t col = i % t->n_cols;
		if (col + 1 == t->n_cols)
			fprintf(out, "%s\n", t->cells[i]);
		else
			fprintf(out, "%-*s   ", (int)w[col], t->cells[i]);
	}
	free(w);
}

void table_release(struct table *t)
{
	for (size_t i = 0; i < t->n_cells; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

void print_json(json_t *j, FILE *out)
{
	char *s = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	if (s)
		fprintf(out, "%s\n", s);
	free(s);
	json_decref(j);
}
