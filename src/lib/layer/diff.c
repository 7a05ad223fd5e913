/*
 * Changesets between two directory trees (and between two image trees). Both trees are walked
 * together, one directory at a time, children merged in sorted order. Files are compared by
 * metadata, as docker's naive differ and rsync do: a file whose size and mtime (to the
 * nanosecond), mode, owner and xattrs are equal is taken as unchanged. A directory whose mtime
 * changed is written too, so that the applied layer reproduces it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/layer/diff.h"
#include "lib/layer/pathset.h"
#include "lib/layer/tar.h"

#define COPY_BUF (256u << 10)

struct differ {
	const struct cn_diff_options *o;
	struct cn_diff_stats st;
	struct cn_error *err;
	struct strbuf path; /* of the directory being compared, relative, no leading "/" */
	struct strbuf scratch, reported, xa_old, xa_new;
	bool err_named;		/* the error already names its path */
	struct cn_inomap links; /* NEW's inodes with several names: the first name seen */
	char *buf;
};

/* ------------------------------------------------------------------ small helpers */

struct names {
	char **v;
	size_t n, alloc;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_release(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

static int list_dir(int fd, struct names *ret)
{
	*ret = (struct names){ 0 };
	if (fd < 0)
		return 0;
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		int r = -errno;
		if (dfd >= 0)
			close(dfd);
		return r;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ALLOC_GROW(ret->v, ret->n + 1, ret->alloc);
		ret->v[ret->n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (ret->n) /* qsort() wants a valid pointer even for 0 elements */
		qsort(ret->v, ret->n, sizeof(*ret->v), name_cmp);
	return 0;
}

static void report(struct differ *d, char kind, const char *path)
{
	if (kind == 'A')
		d->st.added++;
	else if (kind == 'C')
		d->st.changed++;
	else
		d->st.deleted++;
	if (!d->o->report)
		return;
	strbuf_reset(&d->reported);
	strbuf_addch(&d->reported, '/');
	strbuf_addstr(&d->reported, path);
	d->o->report(d->o->userdata, kind, d->reported.buf);
}

/* "dir/name" into sb. */
static void join(struct strbuf *sb, const struct strbuf *dir, const char *name)
{
	strbuf_reset(sb);
	if (dir->len) {
		strbuf_add(sb, dir->buf, dir->len);
		strbuf_addch(sb, '/');
	}
	strbuf_addstr(sb, name);
}

/* Extended attributes of an open file, sorted, as "name\0<len>\0value" records. */
static int read_xattrs(int fd, struct strbuf *out)
{
	strbuf_reset(out);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = listxattr(proc, NULL, 0);
	if (n < 0)
		return errno == ENOTSUP ? 0 : -errno;
	if (n == 0)
		return 0;
	cleanup_free char *list = xmalloc((size_t)n);
	n = listxattr(proc, list, (size_t)n);
	if (n < 0)
		return -errno;
	struct names ns = { 0 };
	for (char *p = list; p < list + n; p += strlen(p) + 1) {
		ALLOC_GROW(ns.v, ns.n + 1, ns.alloc);
		ns.v[ns.n++] = xstrdup(p);
	}
	if (ns.n)
		qsort(ns.v, ns.n, sizeof(*ns.v), name_cmp);
	int r = 0;
	for (size_t i = 0; i < ns.n && r >= 0; i++) {
		ssize_t vlen = getxattr(proc, ns.v[i], NULL, 0);
		if (vlen < 0) {
			r = -errno;
			break;
		}
		cleanup_free char *val = xmalloc((size_t)vlen + 1);
		vlen = getxattr(proc, ns.v[i], val, (size_t)vlen);
		if (vlen < 0) {
			r = -errno;
			break;
		}
		strbuf_addstr(out, ns.v[i]);
		strbuf_addch(out, '\0');
		strbuf_addf(out, "%zd", vlen);
		strbuf_addch(out, '\0');
		strbuf_add(out, val, (size_t)vlen);
	}
	names_release(&ns);
	return r;
}

/* An O_PATH fd is enough for /proc-based xattr reads and never opens a device or fifo. */
static int open_path(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int xattrs_of(int dirfd, const char *name, const struct stat *st, struct strbuf *out)
{
	strbuf_reset(out);
	if (S_ISLNK(st->st_mode))
		return 0; /* not carried by layers (see apply.c) */
	int fd = open_path(dirfd, name);
	if (fd < 0)
		return fd;
	int r = read_xattrs(fd, out);
	close(fd);
	return r;
}

/* ------------------------------------------------------------------ hardlinks of NEW */

/* The first name seen for the inode, or NULL after remembering `path` for it. */
static const char *link_seen(struct differ *d, const struct stat *st, const char *path)
{
	char *copy = xstrdup(path);
	const char *first = cn_inomap_get_or_put(&d->links, st->st_dev, st->st_ino, copy);
	if (first)
		free(copy);
	return first;
}

/* ------------------------------------------------------------------ writing entries */

static void set_times(const struct differ *d, struct archive_entry *e, const struct stat *st)
{
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	archive_entry_unset_birthtime(e);
	if (d->o->reproducible)
		archive_entry_set_mtime(e, d->o->epoch, 0);
	else
		archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

static int add_xattrs(struct archive_entry *e, const struct strbuf *xa)
{
	for (size_t off = 0; off < xa->len;) {
		const char *name = xa->buf + off;
		off += strlen(name) + 1;
		size_t vlen = strtoull(xa->buf + off, NULL, 10);
		off += strlen(xa->buf + off) + 1;
		archive_entry_xattr_add_entry(e, name, xa->buf + off, vlen);
		off += vlen;
	}
	return 0;
}

static int copy_file(struct differ *d, int dirfd, const char *name, int64_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cn_error_errno(d->err, -errno, "cannot read");
	int64_t done = 0;
	int r = 0;
	while (done < size) {
		ssize_t n = read(fd, d->buf, (size_t)MIN((int64_t)COPY_BUF, size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? cn_error_errno(d->err, -errno, "cannot read")
				  : cn_error_set(d->err, -EAGAIN, "file shrank while read");
			break;
		}
		r = cn_tar_writer_data(d->o->w, d->buf, (size_t)n, d->err);
		if (r < 0)
			break;
		done += n;
	}
	close(fd);
	return r;
}

/* Writes the entry for NEW's `path` (name in dirfd, stat st, xattrs xa). */
static int write_entry(struct differ *d, int dirfd, const char *name, const char *path,
		       const struct stat *st, const struct strbuf *xa)
{
	if (S_ISSOCK(st->st_mode))
		return 0; /* tar has no sockets */
	const char *first =
		S_ISDIR(st->st_mode) || st->st_nlink < 2 ? NULL : link_seen(d, st, path);
	if (!d->o->w)
		return 0;
	struct archive_entry *e = archive_entry_new();
	archive_entry_copy_stat(e, st);
	archive_entry_set_pathname(e, path);
	archive_entry_set_uname(e, NULL);
	archive_entry_set_gname(e, NULL);
	set_times(d, e, st);
	int r = 0;
	if (S_ISLNK(st->st_mode)) {
		char target[CN_LAYER_PATH_MAX + 1];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0)
			r = cn_error_errno(d->err, -errno, "cannot read the symlink");
		else {
			target[n] = '\0';
			archive_entry_set_symlink(e, target);
		}
	}
	if (first) {
		archive_entry_set_hardlink(e, first);
		archive_entry_set_size(e, 0);
	} else if (!S_ISREG(st->st_mode)) {
		archive_entry_set_size(e, 0);
	}
	if (r >= 0)
		add_xattrs(e, xa);
	if (r >= 0)
		r = cn_tar_writer_header(d->o->w, e, d->err);
	if (r >= 0 && S_ISREG(st->st_mode) && !first && st->st_size > 0)
		r = copy_file(d, dirfd, name, st->st_size);
	archive_entry_free(e);
	return r;
}

static int write_whiteout(struct differ *d, const char *name)
{
	if (!d->o->w)
		return 0;
	strbuf_reset(&d->scratch);
	if (d->path.len) {
		strbuf_add(&d->scratch, d->path.buf, d->path.len);
		strbuf_addch(&d->scratch, '/');
	}
	strbuf_addstr(&d->scratch, name);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, d->scratch.buf);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0);
	archive_entry_set_size(e, 0);
	archive_entry_set_mtime(e, d->o->reproducible ? d->o->epoch : 0, 0);
	int r = cn_tar_writer_header(d->o->w, e, d->err);
	archive_entry_free(e);
	return r;
}

/* ------------------------------------------------------------------ comparing */

static bool meta_differs(const struct stat *a, const struct stat *b)
{
	if ((a->st_mode & S_IFMT) != (b->st_mode & S_IFMT) || a->st_mode != b->st_mode ||
	    a->st_uid != b->st_uid || a->st_gid != b->st_gid)
		return true;
	if (S_ISCHR(a->st_mode) || S_ISBLK(a->st_mode))
		return a->st_rdev != b->st_rdev;
	if (S_ISREG(a->st_mode) && a->st_size != b->st_size)
		return true;
	/* Symlinks are compared by target; a directory's mtime says its entries changed. */
	if (S_ISREG(a->st_mode) || S_ISDIR(a->st_mode))
		return a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
		       a->st_mtim.tv_nsec != b->st_mtim.tv_nsec;
	return false;
}

static int symlinks_differ(int ofd, int nfd, const char *name)
{
	char a[CN_LAYER_PATH_MAX + 1], b[CN_LAYER_PATH_MAX + 1];
	ssize_t x = readlinkat(ofd, name, a, sizeof(a)), y = readlinkat(nfd, name, b, sizeof(b));
	if (x < 0 || y < 0)
		return -errno;
	return x != y || memcmp(a, b, (size_t)x) != 0;
}

static int diff_dir(struct differ *d, int ofd, int nfd);

/* NEW's `name` and everything below it are added. */
static int add_tree(struct differ *d, int nfd, const char *name, const struct stat *st)
{
	size_t len = d->path.len;
	join(&d->scratch, &d->path, name);
	cleanup_free char *path = xstrdup(d->scratch.buf);
	int r = xattrs_of(nfd, name, st, &d->xa_new);
	if (r < 0)
		return cn_error_errno(d->err, r, "cannot read extended attributes");
	report(d, 'A', path);
	r = write_entry(d, nfd, name, path, st, &d->xa_new);
	if (r < 0 || !S_ISDIR(st->st_mode))
		return r;
	int cfd = openat(nfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return cn_error_errno(d->err, -errno, "cannot open the directory");
	strbuf_reset(&d->path);
	strbuf_addstr(&d->path, path);
	r = diff_dir(d, -1, cfd);
	close(cfd);
	strbuf_setlen(&d->path, len); /* path began with it */
	return r;
}

static int compare_entry(struct differ *d, int ofd, int nfd, const char *name)
{
	struct stat os, ns;
	if (fstatat(ofd, name, &os, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fstatat(nfd, name, &ns, AT_SYMLINK_NOFOLLOW) < 0)
		return cn_error_errno(d->err, -errno, "stat");
	join(&d->scratch, &d->path, name);
	cleanup_free char *path = xstrdup(d->scratch.buf);

	int r = xattrs_of(ofd, name, &os, &d->xa_old);
	if (r >= 0)
		r = xattrs_of(nfd, name, &ns, &d->xa_new);
	if (r < 0)
		return cn_error_errno(d->err, r, "cannot read extended attributes");
	bool changed = meta_differs(&os, &ns) || d->xa_old.len != d->xa_new.len ||
		       memcmp(d->xa_old.buf, d->xa_new.buf, d->xa_old.len) != 0;
	if (!changed && S_ISLNK(ns.st_mode)) {
		r = symlinks_differ(ofd, nfd, name);
		if (r < 0)
			return cn_error_errno(d->err, r, "cannot read the symlink");
		changed = r;
	}
	bool both_dirs = S_ISDIR(os.st_mode) && S_ISDIR(ns.st_mode);
	if (changed) {
		report(d, 'C', path);
		r = write_entry(d, nfd, name, path, &ns, &d->xa_new);
	} else if (S_ISREG(ns.st_mode) && ns.st_nlink > 1) {
		link_seen(d, &ns, path); /* unchanged, but a later name may link to it */
	}
	if (r < 0 || !S_ISDIR(ns.st_mode))
		return r;

	size_t len = d->path.len;
	int ocfd =
		both_dirs ? openat(ofd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	int ncfd = openat(nfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if ((both_dirs && ocfd < 0) || ncfd < 0) {
		r = cn_error_errno(d->err, -errno, "cannot open the directory");
	} else {
		strbuf_reset(&d->path);
		strbuf_addstr(&d->path, path);
		r = diff_dir(d, ocfd, ncfd);
		strbuf_setlen(&d->path, len);
	}
	if (ocfd >= 0)
		close(ocfd);
	if (ncfd >= 0)
		close(ncfd);
	return r;
}

static int diff_dir(struct differ *d, int ofd, int nfd)
{
	struct names on, nn;
	int r = list_dir(ofd, &on);
	if (r < 0)
		return cn_error_errno(d->err, r, "cannot list the directory");
	r = list_dir(nfd, &nn);
	if (r < 0) {
		names_release(&on);
		return cn_error_errno(d->err, r, "cannot list the directory");
	}
	/* A directory that kept none of its entries was replaced: one opaque marker. */
	size_t common = 0;
	for (size_t i = 0, j = 0; i < on.n && j < nn.n;) {
		int c = strcmp(on.v[i], nn.v[j]);
		common += c == 0;
		i += c <= 0;
		j += c >= 0;
	}
	bool opaque = on.n && nn.n && !common;
	if (opaque)
		r = write_whiteout(d, CN_WHITEOUT_OPAQUE);

	for (size_t i = 0, j = 0; r >= 0 && (i < on.n || j < nn.n);) {
		int c = i == on.n ? 1 : j == nn.n ? -1 : strcmp(on.v[i], nn.v[j]);
		if (c < 0) {
			join(&d->scratch, &d->path, on.v[i]);
			report(d, 'D', d->scratch.buf);
			if (!opaque) {
				cleanup_free char *wh = xasprintf(CN_WHITEOUT_PREFIX "%s", on.v[i]);
				r = write_whiteout(d, wh);
			}
			i++;
		} else if (c > 0) {
			struct stat st;
			if (fstatat(nfd, nn.v[j], &st, AT_SYMLINK_NOFOLLOW) < 0)
				r = cn_error_errno(d->err, -errno, "stat");
			else
				r = add_tree(d, nfd, nn.v[j], &st);
			j++;
		} else {
			r = compare_entry(d, ofd, nfd, nn.v[j]);
			i++;
			j++;
		}
		if (r < 0 && !d->err_named) {
			const char *n = c < 0 ? on.v[i - 1] : nn.v[j - 1];
			join(&d->scratch, &d->path, n);
			cn_error_prefix(d->err, r, "/%s", d->scratch.buf);
			d->err_named = true;
		}
	}
	names_release(&on);
	names_release(&nn);
	return r;
}

int cn_diff_dirs(int old_fd, int new_fd, const struct cn_diff_options *o,
		 struct cn_diff_stats *ret_stats, struct cn_error *err)
{
	struct differ d = { .o = o, .err = err };
	strbuf_init(&d.path, 256);
	strbuf_init(&d.scratch, 256);
	strbuf_init(&d.reported, 256);
	strbuf_init(&d.xa_old, 0);
	strbuf_init(&d.xa_new, 0);
	d.buf = xmalloc(COPY_BUF);
	int r = diff_dir(&d, old_fd, new_fd);
	cn_inomap_release(&d.links, true);
	free(d.buf);
	strbuf_release(&d.path);
	strbuf_release(&d.scratch);
	strbuf_release(&d.reported);
	strbuf_release(&d.xa_old);
	strbuf_release(&d.xa_new);
	if (ret_stats)
		*ret_stats = d.st;
	return r;
}

/* ------------------------------------------------------------------ image trees */

struct tree_differ {
	cn_change_fn report;
	void *userdata;
	struct cn_diff_stats st;
	struct strbuf path;
};

static void tree_report(struct tree_differ *t, char kind, const struct cn_tree_node *n)
{
	if (kind == 'A')
		t->st.added++;
	else if (kind == 'C')
		t->st.changed++;
	else
		t->st.deleted++;
	if (!t->report)
		return;
	strbuf_reset(&t->path);
	cn_tree_path(n, &t->path);
	t->report(t->userdata, kind, t->path.buf);
}

static bool inodes_differ(const struct cn_tree_inode *a, const struct cn_tree_inode *b)
{
	if (a == b)
		return false;
	if (a->mode != b->mode || a->uid != b->uid || a->gid != b->gid || a->xattrs != b->xattrs)
		return true;
	if (S_ISDIR(a->mode))
		return a->mtime != b->mtime;
	if (S_ISLNK(a->mode))
		return strcmp(a->link ? a->link : "", b->link ? b->link : "") != 0;
	if (S_ISCHR(a->mode) || S_ISBLK(a->mode))
		return a->rdev != b->rdev;
	if (S_ISREG(a->mode))
		return a->size != b->size || a->mtime != b->mtime || a->hashed != b->hashed ||
		       memcmp(a->sha256, b->sha256, sizeof(a->sha256)) != 0;
	return false;
}

static void tree_added(struct tree_differ *t, const struct cn_tree_node *n)
{
	tree_report(t, 'A', n);
	for (size_t i = 0; i < n->n_children; i++)
		tree_added(t, n->children[i]);
}

static void diff_nodes(struct tree_differ *t, const struct cn_tree_node *o,
		       const struct cn_tree_node *n)
{
	size_t i = 0, j = 0;
	while (i < o->n_children || j < n->n_children) {
		const struct cn_tree_node *a = i < o->n_children ? o->children[i] : NULL;
		const struct cn_tree_node *b = j < n->n_children ? n->children[j] : NULL;
		int c = !a ? 1 : !b ? -1 : strcmp(a->name, b->name);
		if (c < 0) {
			tree_report(t, 'D', a);
			i++;
		} else if (c > 0) {
			tree_added(t, b);
			j++;
		} else {
			if (inodes_differ(a->ino, b->ino))
				tree_report(t, 'C', b);
			if (S_ISDIR(b->ino->mode)) {
				if (S_ISDIR(a->ino->mode))
					diff_nodes(t, a, b);
				else
					for (size_t k = 0; k < b->n_children; k++)
						tree_added(t, b->children[k]);
			}
			i++;
			j++;
		}
	}
}

void cn_diff_trees(const struct cn_tree *old, const struct cn_tree *new, cn_change_fn report_fn,
		   void *userdata, struct cn_diff_stats *ret_stats)
{
	struct tree_differ t = { .report = report_fn, .userdata = userdata };
	strbuf_init(&t.path, 256);
	diff_nodes(&t, old->root, new->root);
	strbuf_release(&t.path);
	if (ret_stats)
		*ret_stats = t.st;
}
