/*
 * The in-memory image tree. Each directory keeps its children in an array sorted by name
 * (binary search; tars are mostly sorted, so inserts are mostly appends). Non-directories that
 * are hardlinks of each other share one refcounted inode. `touched` marks the nodes the current
 * layer made or went through, which is what a whiteout of that layer must spare.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/layer/tar.h"
#include "lib/layer/tree.h"

#define TREE_MAX_SYMLINK_HOPS 40 /* as the kernel's path walk */

struct tree_apply {
	struct cn_tree *t;
	uint32_t layer; /* index of the layer being applied */
	uint32_t mark;	/* layer + 1: the `touched` value of this layer */
	cn_tree_observer_fn observe;
	void *userdata;
	struct cn_tree_layer_stats *st;
	struct strbuf path, target;
};

static struct cn_tree_inode *inode_new(mode_t mode)
{
	struct cn_tree_inode *ino = xcalloc(1, sizeof(*ino));
	ino->refs = 1;
	ino->mode = mode;
	return ino;
}

static struct cn_tree_node *node_new(const char *name, size_t len, struct cn_tree_inode *ino)
{
	struct cn_tree_node *n = xcalloc(1, sizeof(*n));
	n->name = xstrndup(name, len);
	n->ino = ino;
	return n;
}

static bool is_dir(const struct cn_tree_node *n)
{
	return S_ISDIR(n->ino->mode);
}

/* Drops one name of an inode; the last one of a regular file a later layer removes is waste. */
static void inode_unref(struct cn_tree *t, struct cn_tree_inode *ino, uint32_t layer)
{
	if (--ino->refs)
		return;
	if (S_ISREG(ino->mode) && ino->layer < layer && ino->layer < t->n_layers)
		t->wasted[ino->layer] += (uint64_t)ino->size;
	free(ino->link);
	free(ino);
}

/* Frees n and its subtree; returns the number of nodes freed. */
static uint64_t node_free(struct cn_tree *t, struct cn_tree_node *n, uint32_t layer)
{
	uint64_t count = 1;
	for (size_t i = 0; i < n->n_children; i++)
		count += node_free(t, n->children[i], layer);
	free(n->children);
	inode_unref(t, n->ino, layer);
	free(n->name);
	free(n);
	return count;
}

/* strcmp() of a node name with the first len bytes of name. */
static int name_cmp(const char *node_name, const char *name, size_t len)
{
	int c = strncmp(node_name, name, len);
	return c ? c : node_name[len] ? 1 : 0;
}

/* Index of `name` among dir's children, or where it would go (*found says which). */
static size_t child_pos(const struct cn_tree_node *dir, const char *name, size_t len, bool *found)
{
	size_t lo = 0, hi = dir->n_children;
	*found = false;
	/* Sorted input: a new name usually goes last. */
	if (hi && name_cmp(dir->children[hi - 1]->name, name, len) < 0)
		return hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(dir->children[mid]->name, name, len);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct cn_tree_node *child_find(const struct cn_tree_node *dir, const char *name, size_t len)
{
	bool found;
	size_t i = child_pos(dir, name, len, &found);
	return found ? dir->children[i] : NULL;
}

static void child_insert(struct cn_tree_node *dir, struct cn_tree_node *n)
{
	bool found;
	size_t i = child_pos(dir, n->name, strlen(n->name), &found);
	ALLOC_GROW(dir->children, dir->n_children + 1, dir->alloc_children);
	memmove(dir->children + i + 1, dir->children + i,
		(dir->n_children - i) * sizeof(*dir->children));
	dir->children[i] = n;
	dir->n_children++;
	n->parent = dir;
}

static void child_remove(struct cn_tree_node *dir, struct cn_tree_node *n)
{
	bool found;
	size_t i = child_pos(dir, n->name, strlen(n->name), &found);
	if (!found || dir->children[i] != n)
		abort(); /* the tree is corrupt */
	memmove(dir->children + i, dir->children + i + 1,
		(dir->n_children - i - 1) * sizeof(*dir->children));
	dir->n_children--;
}

struct cn_tree *cn_tree_new(unsigned flags)
{
	struct cn_tree *t = xcalloc(1, sizeof(*t));
	t->flags = flags;
	t->root = node_new("", 0, inode_new(S_IFDIR | 0755));
	t->root->ino->implicit = true;
	return t;
}

struct cn_tree *cn_tree_free(struct cn_tree *t)
{
	if (!t)
		return NULL;
	node_free(t, t->root, 0);
	free(t->wasted);
	free(t);
	return NULL;
}

void cn_tree_path(const struct cn_tree_node *n, struct strbuf *sb)
{
	if (!n->parent) {
		strbuf_addch(sb, '/');
		return;
	}
	size_t start = sb->len;
	for (const struct cn_tree_node *p = n; p->parent; p = p->parent) {
		size_t len = strlen(p->name);
		strbuf_grow(sb, len + 1);
		memmove(sb->buf + start + len + 1, sb->buf + start, sb->len - start);
		sb->buf[start] = '/';
		memcpy(sb->buf + start + 1, p->name, len);
		strbuf_setlen(sb, sb->len + len + 1);
	}
}

/* ------------------------------------------------------------------ path resolution */

/*
 * Walks the directory path `p` (len bytes; may hold ".." from symlink targets) from `cur`,
 * following symlinks inside the root. With `a` set, missing directories are made (implicit)
 * and every directory passed is marked as touched by the layer. Returns the directory or NULL
 * with *ret_err (-ENOTDIR, -ELOOP, -ENOENT).
 */
static struct cn_tree_node *walk_dir(struct cn_tree *t, struct cn_tree_node *cur, const char *p,
				     size_t len, struct tree_apply *a, unsigned *hops, int *ret_err)
{
	const char *end = p + len;
	while (p < end) {
		while (p < end && *p == '/')
			p++;
		const char *c = p;
		while (p < end && *p != '/')
			p++;
		size_t clen = (size_t)(p - c);
		if (!clen || (clen == 1 && c[0] == '.'))
			continue;
		if (clen == 2 && c[0] == '.' && c[1] == '.') {
			if (cur->parent)
				cur = cur->parent;
			continue;
		}
		struct cn_tree_node *child = child_find(cur, c, clen);
		if (!child) {
			if (!a) {
				*ret_err = -ENOENT;
				return NULL;
			}
			child = node_new(c, clen, inode_new(S_IFDIR | 0755));
			child->ino->implicit = true;
			child->ino->layer = a->layer;
			child_insert(cur, child);
		}
		if (S_ISLNK(child->ino->mode)) {
			if (++*hops > TREE_MAX_SYMLINK_HOPS) {
				*ret_err = -ELOOP;
				return NULL;
			}
			const char *target = child->ino->link;
			struct cn_tree_node *from = target[0] == '/' ? t->root : cur;
			child = walk_dir(t, from, target, strlen(target), NULL, hops, ret_err);
			if (!child)
				return NULL;
		} else if (!is_dir(child)) {
			*ret_err = -ENOTDIR;
			return NULL;
		}
		if (a)
			child->touched = a->mark;
		cur = child;
	}
	return cur;
}

struct cn_tree_node *cn_tree_lookup(struct cn_tree *t, const char *path)
{
	if (!*path)
		return t->root;
	const char *slash = strrchr(path, '/');
	unsigned hops = 0;
	int e;
	struct cn_tree_node *dir =
		slash ? walk_dir(t, t->root, path, (size_t)(slash - path), NULL, &hops, &e)
		      : t->root;
	const char *base = slash ? slash + 1 : path;
	return dir ? child_find(dir, base, strlen(base)) : NULL;
}

/* ------------------------------------------------------------------ applying */

static void observe(struct tree_apply *a, enum cn_tree_change change, struct cn_tree_node *n)
{
	if (!a->observe)
		return;
	strbuf_reset(&a->target);
	cn_tree_path(n, &a->target);
	a->observe(a->userdata, change, a->target.buf, n);
}

static void remove_node(struct tree_apply *a, struct cn_tree_node *n, bool report)
{
	if (report)
		observe(a, CN_TREE_REMOVED, n);
	child_remove(n->parent, n);
	uint64_t count = node_free(a->t, n, a->layer);
	if (report)
		a->st->removed += count;
}

/* Removes what lower layers put below dir, sparing what this layer made or went through. */
static void prune_lower(struct tree_apply *a, struct cn_tree_node *dir)
{
	for (size_t i = dir->n_children; i-- > 0;) {
		struct cn_tree_node *c = dir->children[i];
		if (c->touched != a->mark)
			remove_node(a, c, true);
		else if (is_dir(c))
			prune_lower(a, c);
	}
}

struct xattr_ref {
	const char *name;
	const void *value;
	size_t size;
};

static int xattr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct xattr_ref *)a)->name, ((const struct xattr_ref *)b)->name);
}

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	for (const unsigned char *c = p; len--; c++) {
		h ^= *c;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* A hash of the entry's extended attributes in name order (tars list them in any order). */
static uint64_t xattrs_hash(struct archive_entry *e)
{
	int n = archive_entry_xattr_reset(e);
	if (n <= 0)
		return 0;
	struct xattr_ref *v = xcalloc((size_t)n, sizeof(*v));
	size_t k = 0;
	while (k < (size_t)n &&
	       archive_entry_xattr_next(e, &v[k].name, &v[k].value, &v[k].size) == ARCHIVE_OK)
		k++;
	qsort(v, k, sizeof(*v), xattr_cmp);
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < k; i++) {
		h = fnv(h, v[i].name, strlen(v[i].name) + 1);
		h = fnv(h, &v[i].size, sizeof(v[i].size));
		h = fnv(h, v[i].value, v[i].size);
	}
	free(v);
	return h ? h : 1;
}

static void set_inode_meta(struct tree_apply *a, struct cn_tree_inode *ino, struct archive_entry *e,
			   uint64_t ordinal)
{
	ino->mode = archive_entry_filetype(e) | (archive_entry_perm(e) & 07777);
	ino->uid = (uint32_t)archive_entry_uid(e);
	ino->gid = (uint32_t)archive_entry_gid(e);
	ino->size = S_ISREG(ino->mode) ? archive_entry_size(e) : 0;
	ino->mtime = archive_entry_mtime(e);
	ino->rdev = archive_entry_rdev(e);
	free(ino->link);
	ino->link = S_ISLNK(ino->mode) ? xstrdup(archive_entry_symlink(e)) : NULL;
	ino->layer = a->layer;
	ino->entry = ordinal;
	ino->implicit = false;
	ino->xattrs = xattrs_hash(e);
}

static int to_hasher(void *userdata, const void *buf, size_t len, struct cn_error *err)
{
	(void)err;
	cn_hasher_update(userdata, buf, len);
	return 0;
}

static int hash_content(struct cn_tar *tar, struct cn_tree_inode *ino, struct cn_error *err)
{
	struct cn_hasher h;
	cn_hasher_init(&h, CN_DIGEST_SHA256);
	int r = cn_tar_copy_data(tar, ino->size, to_hasher, &h, err);
	struct cn_digest d;
	cn_hasher_final(&h, &d);
	cn_hasher_release(&h);
	if (r < 0)
		return r;
	const char *hex = cn_digest_hex(&d);
	for (size_t i = 0; i < sizeof(ino->sha256); i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		ino->sha256[i] = (uint8_t)v;
	}
	ino->hashed = true;
	return 0;
}

static int tree_whiteout(struct tree_apply *a, struct cn_tree_node *dir, enum cn_whiteout kind,
			 const char *name)
{
	if (kind == CN_WHITEOUT_DIR) {
		prune_lower(a, dir);
		return 0;
	}
	struct cn_tree_node *n = child_find(dir, name, strlen(name));
	if (!n)
		return 0;
	if (n->touched != a->mark)
		remove_node(a, n, true);
	else if (is_dir(n))
		prune_lower(a, n);
	return 0;
}

static int tree_entry(struct tree_apply *a, struct cn_tar *tar, struct archive_entry *e,
		      uint64_t ordinal, struct cn_error *err)
{
	struct cn_tree *t = a->t;
	struct cn_layer_name name;
	int r = cn_layer_name_parse(e, &a->path, &name, err);
	if (r < 0)
		return r;
	const char *path = name.path, *base = name.base;
	size_t dir_len = name.dir_len;
	const char *link = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e);

	if (!a->path.len) {
		set_inode_meta(a, t->root->ino, e, ordinal);
		return 0;
	}
	enum cn_whiteout wh = name.whiteout;
	if (wh == CN_WHITEOUT_META)
		return 0;
	unsigned hops = 0;
	int e_walk = 0;
	if (wh != CN_WHITEOUT_NONE) {
		struct cn_tree_node *dir =
			walk_dir(t, t->root, path, dir_len, NULL, &hops, &e_walk);
		return dir ? tree_whiteout(a, dir, wh, name.whiteout_target) : 0;
	}

	struct cn_tree_node *dir = walk_dir(t, t->root, path, dir_len, a, &hops, &e_walk);
	if (!dir)
		return cn_error_set(err, -ENOTDIR, "a parent is not a directory");
	struct cn_tree_node *old = child_find(dir, base, strlen(base));

	if (link) {
		r = cn_layer_path_clean(link, &a->target);
		struct cn_tree_node *target =
			r < 0 || !a->target.len ? NULL : cn_tree_lookup(t, a->target.buf);
		if (!target || is_dir(target)) {
			struct strbuf q; /* a name from the layer: quoted, one line */
			strbuf_init(&q, 64);
			cn_layer_quote(&q, r < 0 ? "" : a->target.buf);
			r = target ? cn_error_set(err, -EPERM, "hardlink to a directory (%s)",
						  q.buf)
				   : cn_error_set(err, -ENOENT, "hardlink target %s not found",
						  q.buf);
			strbuf_release(&q);
			return r;
		}
		if (old == target || (old && old->ino == target->ino))
			return 0;
		struct cn_tree_inode *ino = target->ino;
		ino->refs++;
		if (old)
			remove_node(a, old, false);
		struct cn_tree_node *n = node_new(base, strlen(base), ino);
		n->touched = a->mark;
		child_insert(dir, n);
		old ? a->st->changed++ : a->st->added++;
		observe(a, old ? CN_TREE_CHANGED : CN_TREE_ADDED, n);
		return 0;
	}

	if (type == AE_IFDIR && old && is_dir(old)) {
		/* Tools re-declare the parents of what they change: only new metadata counts. */
		struct cn_tree_inode *ino = old->ino;
		if (ino->implicit || ino->uid != (uint32_t)archive_entry_uid(e) ||
		    ino->gid != (uint32_t)archive_entry_gid(e) ||
		    (ino->mode & 07777) != (archive_entry_perm(e) & 07777))
			a->st->changed++;
		old->touched = a->mark;
		set_inode_meta(a, ino, e, ordinal);
		observe(a, CN_TREE_CHANGED, old);
		return 0;
	}
	if (!type || (type & ~(mode_t)S_IFMT))
		return cn_error_set(err, -EINVAL, "entry of unknown type (0%o)", (unsigned)type);
	if (old)
		remove_node(a, old, false);
	struct cn_tree_node *n = node_new(base, strlen(base), inode_new(0));
	n->touched = a->mark;
	set_inode_meta(a, n->ino, e, ordinal);
	child_insert(dir, n);
	old ? a->st->changed++ : a->st->added++;
	if (type == AE_IFREG && (t->flags & CN_TREE_HASH)) {
		r = hash_content(tar, n->ino, err);
		if (r < 0)
			return r;
	}
	observe(a, old ? CN_TREE_CHANGED : CN_TREE_ADDED, n);
	return 0;
}

int cn_tree_apply(struct cn_tree *t, struct cn_layer_stream *s, cn_tree_observer_fn observe_fn,
		  void *userdata, struct cn_tree_layer_stats *ret_stats, struct cn_error *err)
{
	struct cn_tree_layer_stats st = { 0 };
	struct tree_apply a = {
		.t = t,
		.layer = t->n_layers,
		.mark = t->n_layers + 1,
		.observe = observe_fn,
		.userdata = userdata,
		.st = &st,
	};
	t->wasted = xreallocarray(t->wasted, t->n_layers + 1, sizeof(*t->wasted));
	t->wasted[t->n_layers] = 0;
	t->n_layers++;
	strbuf_init(&a.path, 0);
	strbuf_init(&a.target, 0);

	cleanup_tar struct cn_tar *tar = cn_tar_open(s);
	struct archive_entry *e;
	int r;
	uint64_t ordinal = 0;
	while ((r = cn_tar_next(tar, &e, err)) > 0) {
		r = tree_entry(&a, tar, e, ordinal++, err);
		if (r < 0) {
			cn_layer_entry_error(err, r, e);
			break;
		}
	}
	st.entries = ordinal;
	if (r >= 0)
		r = cn_layer_stream_finish(s, NULL, &st.size, err);
	strbuf_release(&a.path);
	strbuf_release(&a.target);
	if (ret_stats)
		*ret_stats = st;
	return r;
}

/* ------------------------------------------------------------------ walking */

static int walk(const struct cn_tree_node *n, unsigned depth, cn_tree_visit_fn fn, void *ud)
{
	for (size_t i = 0; i < n->n_children; i++) {
		const struct cn_tree_node *c = n->children[i];
		int r = fn(ud, c, depth);
		if (r < 0)
			return r;
		if (r == 0 && is_dir(c)) {
			r = walk(c, depth + 1, fn, ud);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int cn_tree_walk(const struct cn_tree_node *n, cn_tree_visit_fn fn, void *userdata)
{
	return walk(n, 0, fn, userdata);
}
