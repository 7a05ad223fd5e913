/* Human output shared by the commands: docker-style sizes, relative times, aligned tables. */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* "0B", "512B", "1.5kB", "23.4MB", "1.2GB" (decimal units, 3 significant digits, like docker). */
const char *format_size(uint64_t bytes, char *buf, size_t len);
/* "About a minute ago", "3 days ago", "2 years ago"; "N/A" when `when` is 0. */
const char *format_since(int64_t when, char *buf, size_t len);

/* A table printed with columns padded to their widest cell (3 spaces apart, like docker). */
struct table {
	size_t n_cols;
	char **cells; /* row-major */
	size_t n_cells, alloc_cells;
};

void table_init(struct table *t, size_t n_cols, const char *const *headers);
/* Appends one cell (copied); rows fill left to right. */
void table_add(struct table *t, const char *cell);
void table_addf(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void table_print(const struct table *t, FILE *out);
void table_release(struct table *t);

/* Prints `j` as indented JSON followed by a newline, then releases it. */
void print_json(json_t *j, FILE *out);
