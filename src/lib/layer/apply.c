/*
 * The layer applier. Each entry is handled relative to the fd of its parent directory, which
 * openat2(RESOLVE_IN_ROOT) finds inside the root; the entry's own name is then used only with
 * *at() calls that do not follow it (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, linkat without
 * AT_SYMLINK_FOLLOW, unlinkat). The last parent fd is cached while nothing is removed and no
 * symlink is made, since those are the only changes that can make the same path name another
 * directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/log.h"
#include "lib/layer/apply.h"
#include "lib/layer/pathset.h"
#include "lib/layer/tar.h"

/*
 * Directory times to set when a layer is done: those of the directories it declares, and the
 * old times of directories it changes without declaring them (a whiteout in a lower directory,
 * a new file in it), which the image-spec leaves unchanged.
 */
struct dirtime {
	char *path; /* "" for the root */
	struct timespec ts[2];
	bool declared;
};

struct cn_applier {
	int rootfd;
	bool rootless;
	uid_t euid;
	gid_t egid;
	struct cn_apply_stats stats;

	struct cn_pathset layer; /* paths this layer made, and their ancestors */
	struct dirtime *dirtimes;
	size_t n_dirtimes, alloc_dirtimes;
	struct cn_inomap noted; /* directories (by inode) whose old times are in dirtimes */

	struct strbuf cached_path; /* parent directory whose fd is cached_fd */
	int cached_fd;
	bool cached_stale;  /* the tree changed: look the parent up again next time */
	bool cached_setgid; /* the parent is setgid: what is made in it inherits its group */
	bool parent_setgid; /* that of the current entry's parent */

	/* per entry */
	struct strbuf path, target;
};

static int openat2_in_root(int rootfd, const char *path, uint64_t flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;
	do
		fd = syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN); /* a concurrent rename elsewhere in the tree */
	return fd < 0 ? -errno : (int)fd;
}

struct cn_applier *cn_applier_new(int rootfd, const struct cn_apply_options *o)
{
	struct cn_applier *a = xcalloc(1, sizeof(*a));
	a->rootfd = rootfd;
	a->rootless = o->rootless;
	a->euid = geteuid();
	a->egid = getegid();
	a->cached_fd = -1;
	strbuf_init(&a->cached_path, 0);
	strbuf_init(&a->path, 0);
	strbuf_init(&a->target, 0);
	return a;
}

static void forget_parent(struct cn_applier *a)
{
	if (a->cached_fd >= 0)
		close(a->cached_fd);
	a->cached_fd = -1;
	a->cached_stale = false;
	strbuf_reset(&a->cached_path);
}

/* Something was removed or a symlink made: the cached parent fd, which the current entry may
 * still use, is not trusted for the next one. */
static void invalidate_parent(struct cn_applier *a)
{
	a->cached_stale = true;
}

static void clear_dirtimes(struct cn_applier *a)
{
	for (size_t i = 0; i < a->n_dirtimes; i++)
		free(a->dirtimes[i].path);
	a->n_dirtimes = 0;
}

struct cn_applier *cn_applier_free(struct cn_applier *a)
{
	if (!a)
		return NULL;
	forget_parent(a);
	clear_dirtimes(a);
	free(a->dirtimes);
	cn_pathset_release(&a->layer);
	cn_inomap_release(&a->noted, false);
	strbuf_release(&a->cached_path);
	strbuf_release(&a->path);
	strbuf_release(&a->target);
	free(a);
	return NULL;
}

const struct cn_apply_stats *cn_applier_stats(const struct cn_applier *a)
{
	return &a->stats;
}

/* ------------------------------------------------------------------ removal */

static int remove_at(int dirfd, const char *name);

/* A directory stream of its own: a dup() would share (and move) the fd's read position. */
static DIR *open_dir_stream(int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return NULL;
	DIR *d = fdopendir(dfd);
	if (!d)
		close(dfd);
	return d;
}

static int remove_children(int fd)
{
	DIR *d = open_dir_stream(fd);
	if (!d)
		return -errno;
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = remove_at(fd, de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

/* rm -rf of dirfd/name, never following a symlink. */
static int remove_at(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR) /* what Linux says for a directory */
		return -errno;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0)
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	(void)fchmod(fd, 0700); /* rootless: a read-only directory of a lower layer */
	int r = remove_children(fd);
	close(fd);
	if (r < 0)
		return r;
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
}

int cn_remove_tree_contents(int dirfd)
{
	return remove_children(dirfd);
}

/*
 * Deletes what lower layers put in the directory fd (at `path`): every child this layer did not
 * make goes; a directory this layer made (or made something in) is pruned in turn.
 */
static int prune_lower(struct cn_applier *a, int fd, struct strbuf *path)
{
	DIR *d = open_dir_stream(fd);
	if (!d)
		return -errno;
	size_t base_len = path->len;
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_setlen(path, base_len);
		if (base_len)
			strbuf_addch(path, '/');
		strbuf_addstr(path, de->d_name);
		if (!cn_pathset_has(&a->layer, path->buf, path->len)) {
			r = remove_at(fd, de->d_name);
		} else {
			int cfd = openat(fd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd >= 0) {
				r = prune_lower(a, cfd, path);
				close(cfd);
			}
		}
		if (r < 0)
			break;
	}
	strbuf_setlen(path, base_len);
	closedir(d);
	return r;
}

/* ------------------------------------------------------------------ paths */

/*
 * Opens the directory that holds the last component of the cleaned `path` (the root for a name
 * without a slash) and points *ret_base at that component.
 */
static int open_containing(int rootfd, char *path, const char **ret_base)
{
	char *slash = strrchr(path, '/');
	if (!slash) {
		*ret_base = path;
		int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	*slash = '\0';
	int fd = openat2_in_root(rootfd, path, O_PATH | O_DIRECTORY);
	*slash = '/';
	*ret_base = slash + 1;
	return fd;
}

static void remember(struct cn_applier *a, const char *path, size_t len)
{
	/* The path and its ancestors: a whiteout of an ancestor must keep the way to it. */
	while (len && cn_pathset_add(&a->layer, path, len)) {
		const char *slash = memrchr(path, '/', len);
		len = slash ? (size_t)(slash - path) : 0;
	}
}

/*
 * Makes the missing directories of `dir` (cleaned), walking down from the root one component
 * at a time (linear in the depth, where reopening every prefix from the root would be
 * quadratic: a layer of a few deep paths could take minutes). A component that is a symlink is
 * resolved inside the root by the kernel, as everywhere else.
 */
static int mkdir_parents(struct cn_applier *a, const char *dir)
{
	cleanup_free char *p = xstrdup(dir);
	int fd = fcntl(a->rootfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = 0;
	for (char *c = p;;) {
		char *end = strchrnul(c, '/');
		char saved = *end;
		*end = '\0'; /* c is the component, p the path up to it */
		int nfd = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT) {
			/* Implicit parents are 0755 root-owned, as docker makes them (whatever
			 * the umask). */
			if (mkdirat(fd, c, 0755) == 0)
				(void)fchmodat(fd, c, 0755, 0);
			else if (errno != EEXIST)
				r = -errno;
			remember(a, p, strlen(p));
			nfd = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (nfd < 0 && r == 0 && (errno == ENOTDIR || errno == ELOOP))
			nfd = openat2_in_root(a->rootfd, p, O_PATH | O_DIRECTORY); /* a symlink */
		else if (nfd < 0 && r == 0)
			nfd = -errno;
		close(fd);
		if (r < 0 || nfd < 0)
			return r < 0 ? r : nfd;
		fd = nfd;
		*end = saved;
		if (!saved)
			break;
		c = end + 1;
	}
	close(fd);
	return 0;
}

static void add_dirtime(struct cn_applier *a, const char *path, size_t len,
			const struct timespec ts[2], bool declared)
{
	ALLOC_GROW(a->dirtimes, a->n_dirtimes + 1, a->alloc_dirtimes);
	struct dirtime *dt = &a->dirtimes[a->n_dirtimes++];
	dt->path = xstrndup(path, len);
	dt->ts[0] = ts[0];
	dt->ts[1] = ts[1];
	dt->declared = declared;
}

/*
 * Remembers the times of directory `dir` (stat st) before this layer first changes it. Keyed by
 * inode: two paths (through symlinks) may name one directory, and only the first note has its
 * old times.
 */
static void note_dir(struct cn_applier *a, const char *dir, size_t len, const struct stat *st)
{
	if (cn_inomap_get_or_put(&a->noted, st->st_dev, st->st_ino, (void *)1))
		return;
	const struct timespec ts[2] = { st->st_atim, st->st_mtim };
	add_dirtime(a, dir, len, ts, false);
}

/* The fd of directory `dir` (cleaned, "" for the root) inside the root, made if missing. */
static int parent_fd(struct cn_applier *a, const char *dir, size_t len)
{
	if (a->cached_fd >= 0 && !a->cached_stale && a->cached_path.len == len &&
	    !memcmp(a->cached_path.buf, dir, len))
		return a->cached_fd;
	/* Not cached: noted (if at all) by an earlier lookup, or noted now. */
	forget_parent(a);
	int fd = openat2_in_root(a->rootfd, dir, O_PATH | O_DIRECTORY);
	if (fd == -ENOENT) {
		int r = mkdir_parents(a, dir);
		if (r < 0)
			return r;
		fd = openat2_in_root(a->rootfd, dir, O_PATH | O_DIRECTORY);
	}
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	note_dir(a, dir, len, &st);
	strbuf_add(&a->cached_path, dir, len);
	a->cached_fd = fd;
	a->cached_setgid = st.st_mode & S_ISGID;
	return fd;
}

/* ------------------------------------------------------------------ metadata */

static void xattr_refused(struct cn_applier *a, int e)
{
	a->stats.xattrs_skipped++;
	a->stats.xattr_errno = e;
}

/* What we make is ours, or in a setgid directory has that directory's group. */
static bool needs_chown(const struct cn_applier *a, uid_t uid, gid_t gid)
{
	return !a->rootless && (uid != a->euid || gid != a->egid || a->parent_setgid);
}

/*
 * Owner, mode, extended attributes, in that order: chown clears setuid/setgid bits and
 * security.capability, so both are set after it.
 */
static int set_metadata_fd(struct cn_applier *a, int fd, struct archive_entry *e, bool dir)
{
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	mode_t mode = archive_entry_perm(e) & 07777;

	if (needs_chown(a, uid, gid) && fchown(fd, uid, gid) < 0)
		return -errno;
	if (a->rootless && dir)
		mode |= 0700;
	if (fchmod(fd, mode) < 0)
		return -errno;

	const char *name;
	const void *value;
	size_t size;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (fsetxattr(fd, name, value, size, 0) < 0)
			xattr_refused(a, errno);
	}
	return 0;
}

/* For entries without an fd of their own (symlinks, devices, fifos). */
static int set_metadata_at(struct cn_applier *a, int pfd, const char *base, struct archive_entry *e,
			   bool symlink)
{
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);

	if (needs_chown(a, uid, gid) && fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (symlink)
		return 0; /* no mode; xattrs on symlinks are not carried over (as umoci) */
	if (fchmodat(pfd, base, archive_entry_perm(e) & 07777, 0) < 0)
		return -errno;
	if (!archive_entry_xattr_count(e))
		return 0;
	/* A device must not be opened: set its xattrs through an O_PATH fd's /proc link. */
	int fd = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	const char *name;
	const void *value;
	size_t size;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
		if (setxattr(proc, name, value, size, 0) < 0)
			xattr_refused(a, errno);
	close(fd);
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

/* ------------------------------------------------------------------ entries */

/* Clears the name for a new non-directory entry (an existing directory goes with its tree). */
static int make_room(struct cn_applier *a, int pfd, const char *base)
{
	invalidate_parent(a);
	if (unlinkat(pfd, base, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return -errno;
	return remove_at(pfd, base);
}

static int write_data(struct cn_tar *t, int fd, struct archive_entry *e, uint64_t *written,
		      struct cn_error *err)
{
	int64_t pos = 0, size = archive_entry_size(e);
	const void *buf;
	size_t len;
	int64_t off;
	int r;

	while ((r = cn_tar_data(t, &buf, &len, &off, err)) > 0) {
		if (off != pos && lseek(fd, off, SEEK_SET) < 0) /* a hole in a sparse file */
			return cn_error_errno(err, -errno, "seek");
		r = cn_write_full(fd, buf, len);
		if (r < 0)
			return cn_error_errno(err, r, "write");
		pos = off + (int64_t)len;
	}
	if (r < 0)
		return r;
	if (size > pos && ftruncate(fd, size) < 0) /* a trailing hole */
		return cn_error_errno(err, -errno, "truncate");
	*written += (uint64_t)MAX(size, pos);
	return 0;
}

static int apply_file(struct cn_applier *a, struct cn_tar *t, int pfd, const char *base,
		      struct archive_entry *e, struct cn_error *err)
{
	int fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		int r = make_room(a, pfd, base);
		if (r < 0)
			return cn_error_errno(err, r, "cannot replace the existing entry");
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return cn_error_errno(err, -errno, "cannot create the file");
	int r = write_data(t, fd, e, &a->stats.bytes, err);
	if (r >= 0 && (r = set_metadata_fd(a, fd, e, false)) < 0)
		cn_error_errno(err, r, "cannot set owner or mode");
	if (r >= 0) {
		struct timespec ts[2];
		entry_times(e, ts);
		if (futimens(fd, ts) < 0)
			r = cn_error_errno(err, -errno, "cannot set times");
	}
	if (close(fd) < 0 && r >= 0)
		r = cn_error_errno(err, -errno, "write");
	a->stats.files++;
	return r;
}

/* Removes the directory's extended attributes that the entry does not list. */
static void drop_other_xattrs(int fd, struct archive_entry *e)
{
	char names[4096];
	ssize_t n = flistxattr(fd, names, sizeof(names));
	for (const char *p = names; n > 0 && p < names + n; p += strlen(p) + 1) {
		const char *name;
		const void *value;
		size_t size;
		bool listed = false;
		archive_entry_xattr_reset(e);
		while (!listed && archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
			listed = !strcmp(name, p);
		if (!listed)
			(void)fremovexattr(fd, p);
	}
}

static int apply_dir(struct cn_applier *a, int pfd, const char *base, struct archive_entry *e,
		     struct cn_error *err)
{
	struct stat st;
	bool existed = false; /* a directory was there: keep it (its contents stay) */
	if (mkdirat(pfd, base, 0700) < 0) {
		if (errno != EEXIST)
			return cn_error_errno(err, -errno, "cannot create the directory");
		if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return cn_error_errno(err, -errno, "stat");
		existed = S_ISDIR(st.st_mode);
		if (!existed) { /* anything else is replaced */
			int r = make_room(a, pfd, base);
			if (r < 0)
				return cn_error_errno(err, r, "cannot replace the existing entry");
			if (mkdirat(pfd, base, 0700) < 0)
				return cn_error_errno(err, -errno, "cannot create the directory");
		}
	}
	int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cn_error_errno(err, -errno, "cannot open the directory");
	if (existed)
		drop_other_xattrs(fd, e); /* the entry's attributes replace the old ones */
	int r = set_metadata_fd(a, fd, e, true);
	close(fd);
	if (r < 0)
		return cn_error_errno(err, r, "cannot set owner or mode");
	/* Its times are set when the layer is done: entries made inside would change them. */
	struct timespec ts[2];
	entry_times(e, ts);
	add_dirtime(a, a->path.buf, a->path.len, ts, true);
	return 0;
}

static int apply_symlink(struct cn_applier *a, int pfd, const char *base, struct archive_entry *e,
			 struct cn_error *err)
{
	const char *target = archive_entry_symlink(e);
	if (!target || !*target)
		return cn_error_set(err, -EINVAL, "symlink without a target");
	invalidate_parent(a); /* the name may be a directory on the cached path */
	int r = make_room(a, pfd, base);
	if (r < 0)
		return cn_error_errno(err, r, "cannot replace the existing entry");
	if (symlinkat(target, pfd, base) < 0)
		return cn_error_errno(err, -errno, "cannot create the symlink");
	r = set_metadata_at(a, pfd, base, e, true);
	if (r < 0)
		return cn_error_errno(err, r, "cannot set the owner");
	struct timespec ts[2];
	entry_times(e, ts);
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return cn_error_errno(err, -errno, "cannot set times");
	return 0;
}

enum link_failure { LINK_NO_TARGET, LINK_TO_DIR, LINK_FAILED };

/* Links `base` to the file the cleaned target names (inside the root); -errno, err unset. */
static int link_to(struct cn_applier *a, int pfd, const char *base, enum link_failure *why)
{
	const char *tbase;
	struct stat tst, st;
	*why = LINK_NO_TARGET;
	cleanup_close int tfd = open_containing(a->rootfd, a->target.buf, &tbase);
	if (tfd < 0)
		return tfd;
	if (fstatat(tfd, tbase, &tst, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	*why = LINK_TO_DIR;
	if (S_ISDIR(tst.st_mode))
		return -EPERM;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == tst.st_dev &&
	    st.st_ino == tst.st_ino)
		return 0; /* already that file */
	*why = LINK_FAILED;
	int r = make_room(a, pfd, base);
	if (r >= 0 && linkat(tfd, tbase, pfd, base, 0) < 0)
		r = -errno;
	return r;
}

static int apply_hardlink(struct cn_applier *a, int pfd, const char *base, const char *link,
			  struct cn_error *err)
{
	int r = cn_layer_path_clean(link, &a->target);
	if (r < 0 || !a->target.len)
		return cn_error_set(err, r < 0 ? r : -EINVAL, "invalid hardlink target");
	enum link_failure why;
	r = link_to(a, pfd, base, &why);
	if (r < 0) {
		struct strbuf shown;
		strbuf_init(&shown, 64);
		cn_layer_quote(&shown, a->target.buf); /* a name from the layer: one line */
		if (why == LINK_NO_TARGET)
			cn_error_errno(err, r, "hardlink target %s not found", shown.buf);
		else if (why == LINK_TO_DIR)
			cn_error_set(err, r, "hardlink to a directory (%s)", shown.buf);
		else
			cn_error_errno(err, r, "cannot create the hardlink to %s", shown.buf);
		strbuf_release(&shown);
	}
	return r;
}

static int apply_node(struct cn_applier *a, int pfd, const char *base, struct archive_entry *e,
		      mode_t type, struct cn_error *err)
{
	if (type != AE_IFIFO && a->rootless) {
		a->stats.devices_skipped++;
		return 0;
	}
	int r = make_room(a, pfd, base);
	if (r < 0)
		return cn_error_errno(err, r, "cannot replace the existing entry");
	dev_t dev = type == AE_IFIFO ? 0 : archive_entry_rdev(e);
	if (mknodat(pfd, base, type | 0600, dev) < 0)
		return cn_error_errno(err, -errno, "cannot create the %s",
				      type == AE_IFIFO ? "fifo" : "device node");
	r = set_metadata_at(a, pfd, base, e, false);
	if (r < 0)
		return cn_error_errno(err, r, "cannot set owner or mode");
	struct timespec ts[2];
	entry_times(e, ts);
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return cn_error_errno(err, -errno, "cannot set times");
	return 0;
}

static int apply_whiteout(struct cn_applier *a, enum cn_whiteout kind, const char *dir,
			  size_t dir_len, const char *name, struct cn_error *err)
{
	a->stats.whiteouts++;
	int pfd = openat2_in_root(a->rootfd, dir, O_PATH | O_DIRECTORY);
	if (pfd == -ENOENT || pfd == -ENOTDIR)
		return 0; /* nothing below to hide */
	if (pfd < 0)
		return cn_error_errno(err, pfd, "cannot open the directory");
	invalidate_parent(a);
	struct stat st;
	if (fstat(pfd, &st) == 0)
		note_dir(a, dir, dir_len, &st);

	struct strbuf p;
	strbuf_init(&p, dir_len + 256);
	strbuf_add(&p, dir, dir_len);
	int r = 0;
	if (kind == CN_WHITEOUT_DIR) {
		int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = fd < 0 ? -errno : prune_lower(a, fd, &p);
		if (fd >= 0)
			close(fd);
	} else {
		if (p.len)
			strbuf_addch(&p, '/');
		strbuf_addstr(&p, name);
		if (!cn_pathset_has(&a->layer, p.buf, p.len)) {
			r = remove_at(pfd, name);
		} else {
			/* This layer made the name: only what lower layers put inside goes. */
			int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0) {
				r = prune_lower(a, fd, &p);
				close(fd);
			}
		}
	}
	strbuf_release(&p);
	close(pfd);
	if (r < 0)
		return cn_error_errno(err, r, "cannot apply the whiteout");
	return 0;
}

static int apply_entry(struct cn_applier *a, struct cn_tar *t, struct archive_entry *e,
		       struct cn_error *err)
{
	struct cn_layer_name n;
	int r = cn_layer_name_parse(e, &a->path, &n, err);
	if (r < 0)
		return r;
	const char *path = n.path, *base = n.base;
	size_t dir_len = n.dir_len;
	const char *link = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e);

	a->parent_setgid = false;
	if (!a->path.len) {
		/* The root itself: its metadata; nothing replaces it. */
		drop_other_xattrs(a->rootfd, e);
		r = set_metadata_fd(a, a->rootfd, e, true);
		if (r < 0)
			return cn_error_errno(err, r, "cannot set owner or mode");
		struct timespec ts[2];
		entry_times(e, ts);
		add_dirtime(a, "", 0, ts, true);
		return 0;
	}
	enum cn_whiteout wh = n.whiteout;
	if (wh == CN_WHITEOUT_META)
		return 0;
	cleanup_free char *dir = xstrndup(path, dir_len);
	if (wh != CN_WHITEOUT_NONE)
		return apply_whiteout(a, wh, dir, dir_len, n.whiteout_target, err);

	int pfd = parent_fd(a, dir, dir_len);
	a->parent_setgid = pfd >= 0 && a->cached_setgid;
	if (pfd < 0) {
		if (pfd == -ENOTDIR || pfd == -EEXIST)
			return cn_error_set(err, -ENOTDIR, "a parent is not a directory");
		return cn_error_errno(err, pfd, "cannot open the parent directory");
	}
	remember(a, path, a->path.len);

	if (link)
		return apply_hardlink(a, pfd, base, link, err);
	switch (type) {
	case AE_IFREG:
		return apply_file(a, t, pfd, base, e, err);
	case AE_IFDIR:
		return apply_dir(a, pfd, base, e, err);
	case AE_IFLNK:
		return apply_symlink(a, pfd, base, e, err);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return apply_node(a, pfd, base, e, type, err);
	case AE_IFSOCK:
		cn_debug("layer entry %s: skipping a socket", path);
		return 0;
	default:
		/* libarchive's reading of an entry it cannot type (e.g. a hardlink with an
		 * empty link name): refused rather than silently left out. */
		return cn_error_set(err, -EINVAL, "entry of unknown type (0%o)", (unsigned)type);
	}
}

/* Directory times, once the layer no longer writes into them. */
static void set_dirtime(struct cn_applier *a, struct dirtime *dt)
{
	if (!*dt->path) {
		(void)futimens(a->rootfd, dt->ts);
		return;
	}
	if (!dt->declared) {
		/* A parent path as the layer named it: resolved like it was, through symlinks. */
		int fd = openat2_in_root(a->rootfd, dt->path, O_RDONLY | O_DIRECTORY);
		if (fd >= 0) {
			(void)futimens(fd, dt->ts);
			close(fd);
		}
		return;
	}
	const char *base;
	int pfd = open_containing(a->rootfd, dt->path, &base);
	if (pfd < 0)
		return; /* gone again, later in the layer */
	(void)utimensat(pfd, base, dt->ts, AT_SYMLINK_NOFOLLOW);
	close(pfd);
}

/* Old times back on the directories the layer changed without declaring, then the declared
 * ones' own times (a directory both changed and declared gets the entry's). */
static void apply_dirtimes(struct cn_applier *a)
{
	for (size_t i = 0; i < a->n_dirtimes; i++)
		if (!a->dirtimes[i].declared)
			set_dirtime(a, &a->dirtimes[i]);
	for (size_t i = 0; i < a->n_dirtimes; i++)
		if (a->dirtimes[i].declared)
			set_dirtime(a, &a->dirtimes[i]);
	clear_dirtimes(a);
	cn_inomap_clear(&a->noted, false);
}

int cn_applier_apply(struct cn_applier *a, struct cn_layer_stream *s, struct cn_error *err)
{
	cleanup_tar struct cn_tar *t = cn_tar_open(s);
	struct archive_entry *e;
	int r;

	cn_pathset_clear(&a->layer);
	forget_parent(a);
	while ((r = cn_tar_next(t, &e, err)) > 0) {
		a->stats.entries++;
		r = apply_entry(a, t, e, err);
		if (r < 0) {
			cn_layer_entry_error(err, r, e);
			break;
		}
	}
	apply_dirtimes(a);
	forget_parent(a);
	return r;
}
