/*
 * `cairn files IMAGE [PATH]`: the file tree of the merged image, or with --layer N what layer N
 * added (A), changed (C) and removed (D), drawn as a tree like dive's, or as JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/parse.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "lib/layer/pathset.h"
#include "lib/layer/tar.h"
#include "lib/layer/unpack.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cairn files [OPTIONS] IMAGE [PATH]\n\n"
		"Show the file tree of an image (all layers merged), or of one layer with\n"
		"--layer: each path it added (A), changed (C) or removed (D). PATH limits the\n"
		"output to that directory.\n\n"
		"Options:\n"
		"      --format FORMAT  table (default) or json\n"
		"  -l, --layer N        the changes of layer N (1 is the bottom layer)\n");
}

struct record {
	char *path;   /* cleaned, without the leading "/" */
	char change;  /* 'A', 'C', 'D', or ' ' (merged view; or a parent shown for context) */
	bool context; /* a parent the layer did not list itself */
	mode_t mode;
	uint32_t uid, gid;
	int64_t size;
	char *link;
	uint32_t layer;
	size_t seq; /* order of arrival: the last word on a path wins */
};

struct records {
	struct record *v;
	size_t n, alloc;
};

static void records_add(struct records *rs, const char *path, char change,
			const struct cn_tree_inode *ino)
{
	ALLOC_GROW(rs->v, rs->n + 1, rs->alloc);
	struct record *r = &rs->v[rs->n++];
	*r = (struct record){ .path = xstrdup(path), .change = change, .seq = rs->n };
	if (!ino) {
		r->context = true;
		r->mode = S_IFDIR;
		return;
	}
	r->mode = ino->mode;
	r->uid = ino->uid;
	r->gid = ino->gid;
	r->size = ino->size;
	r->link = ino->link ? xstrdup(ino->link) : NULL;
	r->layer = ino->layer;
}

static void records_release(struct records *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->v[i].path);
		free(rs->v[i].link);
	}
	free(rs->v);
}

/* Path order with "/" first, so that a directory's children follow it directly. */
static int path_cmp(const void *a, const void *b)
{
	const unsigned char *x = (const unsigned char *)((const struct record *)a)->path;
	const unsigned char *y = (const unsigned char *)((const struct record *)b)->path;
	for (; *x && *x == *y; x++, y++)
		;
	int cx = *x == '/' ? 1 : *x ? *x + 1 : 0, cy = *y == '/' ? 1 : *y ? *y + 1 : 0;
	if (cx != cy)
		return cx - cy;
	size_t sa = ((const struct record *)a)->seq, sb = ((const struct record *)b)->seq;
	return sa < sb ? -1 : sa > sb;
}

/* One record per path (sorted input): the last, except that added-then-changed is added. */
static void dedupe(struct records *rs)
{
	size_t kept = 0;
	for (size_t i = 0; i < rs->n; i++) {
		struct record *r = &rs->v[i];
		if (kept && !strcmp(rs->v[kept - 1].path, r->path)) {
			struct record *prev = &rs->v[kept - 1];
			char first = prev->change;
			free(prev->path);
			free(prev->link);
			*prev = *r;
			if (first == 'A' && r->change == 'C')
				prev->change = 'A';
			continue;
		}
		rs->v[kept++] = *r;
	}
	rs->n = kept;
}

static unsigned depth_of(const char *path)
{
	unsigned d = 0;
	for (; *path; path++)
		d += *path == '/';
	return d;
}

/* Records for the parents of layer entries that the layer does not list itself. */
static void add_context_parents(struct records *rs)
{
	struct cn_pathset seen = { 0 };
	size_t n = rs->n;
	for (size_t i = 0; i < n; i++)
		cn_pathset_add(&seen, rs->v[i].path, strlen(rs->v[i].path));
	for (size_t i = 0; i < n; i++) {
		const char *p = rs->v[i].path;
		for (const char *s = strchr(p, '/'); s; s = strchr(s + 1, '/'))
			if (cn_pathset_add(&seen, p, (size_t)(s - p))) {
				cleanup_free char *parent = xstrndup(p, (size_t)(s - p));
				records_add(rs, parent, ' ', NULL);
			}
	}
	cn_pathset_release(&seen);
}

static void mode_string(mode_t mode, char buf[11])
{
	static const char types[] = "?pc?d?b?-?l?s???";
	buf[0] = types[(mode >> 12) & 15];
	const char *rwx = "rwxrwxrwx";
	for (int i = 0; i < 9; i++)
		buf[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	if (mode & S_ISUID)
		buf[3] = (mode & 0100) ? 's' : 'S';
	if (mode & S_ISGID)
		buf[6] = (mode & 0010) ? 's' : 'S';
	if (mode & S_ISVTX)
		buf[9] = (mode & 0001) ? 't' : 'T';
	buf[10] = '\0';
}

static const char *type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return "dir";
	case S_IFLNK:
		return "symlink";
	case S_IFCHR:
		return "char";
	case S_IFBLK:
		return "block";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	}
	return "file";
}

/* True when a later record is a sibling of record i (same parent, same depth). */
static bool has_next_sibling(const struct records *rs, size_t i, unsigned depth)
{
	for (size_t j = i + 1; j < rs->n; j++) {
		unsigned d = depth_of(rs->v[j].path);
		if (d < depth)
			return false;
		if (d == depth)
			return true;
	}
	return false;
}

static void print_tree(const struct records *rs, bool layer_view, unsigned base_depth)
{
	bool more[CN_LAYER_PATH_MAX / 2 + 1] = { false }; /* per depth: siblings still to come */
	struct strbuf line;
	strbuf_init(&line, 256);
	printf("%s%-11s %-11s %9s  %s\n", layer_view ? "  " : "", "PERMISSIONS", "UID:GID", "SIZE",
	       "PATH");
	for (size_t i = 0; i < rs->n; i++) {
		const struct record *r = &rs->v[i];
		unsigned depth = depth_of(r->path) - base_depth;
		more[depth] = has_next_sibling(rs, i, depth + base_depth);
		strbuf_reset(&line);
		for (unsigned d = 0; d < depth; d++)
			strbuf_addstr(&line, more[d] ? "│   " : "    ");
		strbuf_addstr(&line, more[depth] ? "├── " : "└── ");
		const char *slash = strrchr(r->path, '/');
		strbuf_addstr(&line, slash ? slash + 1 : r->path);
		if (r->link)
			strbuf_addf(&line, " → %s", r->link);
		char mode[11], owner[32], size[32];
		mode[0] = owner[0] = '\0';
		snprintf(size, sizeof(size), "%s", r->context ? "" : "-");
		if (!r->context) {
			mode_string(r->mode, mode);
			snprintf(owner, sizeof(owner), "%u:%u", r->uid, r->gid);
			if (S_ISREG(r->mode) && r->change != 'D')
				format_size((uint64_t)r->size, size, sizeof(size));
		}
		if (layer_view)
			printf("%c ", r->change);
		printf("%-11s %-11s %9s  %s\n", mode, owner, size, line.buf);
	}
	strbuf_release(&line);
}

static void print_json_records(const struct records *rs, bool layer_view)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < rs->n; i++) {
		const struct record *r = &rs->v[i];
		if (r->context)
			continue;
		char mode[8];
		snprintf(mode, sizeof(mode), "%04o", (unsigned)(r->mode & 07777));
		cleanup_free char *path = xasprintf("/%s", r->path);
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "Path", path, "Type",
				      type_name(r->mode), "Mode", mode, "Uid", (json_int_t)r->uid,
				      "Gid", (json_int_t)r->gid, "Size",
				      (json_int_t)(S_ISREG(r->mode) ? r->size : 0), "Layer",
				      (json_int_t)r->layer + 1);
		if (r->link)
			json_object_set_new(o, "LinkTarget", json_string(r->link));
		if (layer_view)
			json_object_set_new(o, "Change",
					    json_string(r->change == 'A'   ? "added"
							: r->change == 'C' ? "changed"
									   : "removed"));
		json_array_append_new(arr, o);
	}
	print_json(arr, stdout); /* takes the reference */
}

static void on_change(void *userdata, enum cn_tree_change change, const char *path,
		      const struct cn_tree_node *node)
{
	static const char marks[] = {
		[CN_TREE_ADDED] = 'A', [CN_TREE_CHANGED] = 'C', [CN_TREE_REMOVED] = 'D'
	};
	records_add(userdata, path + 1, marks[change], node->ino);
}

struct walk_ctx {
	struct records *rs;
	struct strbuf path;
};

static int collect(void *userdata, const struct cn_tree_node *n, unsigned depth)
{
	(void)depth;
	struct walk_ctx *w = userdata;
	strbuf_reset(&w->path);
	cn_tree_path(n, &w->path);
	records_add(w->rs, w->path.buf + 1, ' ', n->ino);
	return 0;
}

/* Keeps the records at or below `prefix` (cleaned; "" keeps all). */
static void filter_prefix(struct records *rs, const char *prefix)
{
	size_t len = strlen(prefix), kept = 0;
	if (!len)
		return;
	for (size_t i = 0; i < rs->n; i++) {
		struct record *r = &rs->v[i];
		if (!strncmp(r->path, prefix, len) &&
		    (r->path[len] == '\0' || r->path[len] == '/')) {
			rs->v[kept++] = *r;
		} else {
			free(r->path);
			free(r->link);
		}
	}
	rs->n = kept;
}

int cmd_files(struct cli_context *ctx, int argc, char **argv)
{
	enum { OPT_FORMAT = 256 };
	static const struct option opts[] = { { "format", required_argument, NULL, OPT_FORMAT },
					      { "layer", required_argument, NULL, 'l' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	bool json = false;
	uint64_t layer = 0;
	int c;
	while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (cli_parse_format(ctx, optarg, &json) < 0)
				return EXIT_USAGE;
			break;
		case 'l':
			if (cn_parse_u64(optarg, UINT32_MAX, &layer) < 0 || layer == 0)
				return cli_usage_error(ctx, "invalid --layer '%s': want 1, 2, ...",
						       optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(ctx, "requires 1 or 2 arguments: IMAGE [PATH]");
	const char *spec = argv[optind];
	cleanup_strbuf struct strbuf prefix = STRBUF_INIT;
	if (argc - optind == 2 && cn_layer_path_clean(argv[optind + 1], &prefix) < 0)
		return cli_usage_error(ctx, "invalid PATH '%s'", argv[optind + 1]);

	struct cn_error err = CN_ERROR_INIT;
	cleanup_store struct cn_store *store = NULL;
	cleanup_resolved struct cn_resolved img = { 0 };
	if (cli_open_image(ctx, spec, &store, &img) != 0)
		return 1;
	size_t n_layers = img.manifest->n_layers;
	if (layer > n_layers)
		return cli_failf(ctx, "%s has %zu layer%s, there is no layer %llu", spec, n_layers,
				 n_layers == 1 ? "" : "s", (unsigned long long)layer);

	struct records rs = { 0 };
	cleanup_tree struct cn_tree *t = NULL;
	int r = cn_image_tree(store, &img, layer ? layer : n_layers, 0,
			      layer ? layer - 1 : SIZE_MAX, on_change, &rs, &t, NULL, &err);
	if (r < 0) {
		records_release(&rs);
		return cli_fail(ctx, cn_error_prefix(&err, r, "%s", spec), &err);
	}
	if (!layer) {
		struct cn_tree_node *start = cn_tree_lookup(t, prefix.buf);
		if (!start) {
			records_release(&rs);
			return cli_failf(ctx, "%s: no such path in %s", argv[optind + 1], spec);
		}
		struct walk_ctx w = { .rs = &rs };
		strbuf_init(&w.path, 256);
		if (start != t->root) {
			strbuf_reset(&w.path);
			cn_tree_path(start, &w.path);
			records_add(&rs, w.path.buf + 1, ' ', start->ino);
		}
		cn_tree_walk(start, collect, &w);
		strbuf_release(&w.path);
	} else {
		add_context_parents(&rs);
		filter_prefix(&rs, prefix.buf);
	}
	if (rs.n)
		qsort(rs.v, rs.n, sizeof(*rs.v), path_cmp);
	dedupe(&rs);
	if (json)
		print_json_records(&rs, layer != 0);
	else
		print_tree(&rs, layer != 0, rs.n ? depth_of(rs.v[0].path) : 0);
	records_release(&rs);
	return 0;
}
