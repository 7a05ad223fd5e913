/*
 * The SBOM cache: an image is immutable, so its package list is a function of its manifest
 * digest and of what the catalogers know. `cairn sbom` and `cairn scan` keep it in
 * ROOT/state/sbom/<algo>-<hex>.json (cairn json after a one-line header naming the cache
 * revision), so that a second look at an image reads one small file instead of every layer.
 * Anything unexpected in a cache file (another revision, a parse error) means a rebuild; a
 * cache that cannot be written is only a debug line. `cairn gc` drops the files of manifests
 * the store no longer holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "lib/sbom/format.h"
#include "lib/sbom/sbom.h"
#include "lib/store/resolve.h"
#include "lib/store/store.h"

/* Bump whenever a cataloger or the assembly changes what an image's SBOM says. */
#define CACHE_REVISION "cairn-sbom-cache r2\n"
#define CACHE_DIR      "state/sbom"

static int open_cache_dir(struct cn_store *store, bool create)
{
	cleanup_free char *path = xasprintf("%s/" CACHE_DIR, cn_store_root(store));
	if (create && mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static char *cache_name(const struct cn_digest *manifest)
{
	cleanup_free char *name = xstrdup(manifest->str);
	char *colon = strchr(name, ':');
	if (colon)
		*colon = '-';
	return xasprintf("%s.json", name);
}

static struct cn_sbom *cache_load(struct cn_store *store, const char *name)
{
	cleanup_close int dfd = open_cache_dir(store, false);
	if (dfd < 0)
		return NULL;
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	if (cn_read_file_at(dfd, name, CN_SBOM_READ_MAX, &sb) < 0)
		return NULL;
	size_t hlen = strlen(CACHE_REVISION);
	if (sb.len < hlen || memcmp(sb.buf, CACHE_REVISION, hlen) != 0)
		return NULL;
	struct cn_sbom *s = NULL;
	struct cn_error err = CN_ERROR_INIT;
	if (cn_sbom_read(sb.buf + hlen, sb.len - hlen, &s, &err) < 0) {
		cn_debug("sbom cache %s: %s: rebuilding", name, err.msg);
		return NULL;
	}
	return s;
}

static void cache_store(struct cn_store *store, const char *name, const struct cn_sbom *s)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	struct cn_error err = CN_ERROR_INIT;
	strbuf_addstr(&sb, CACHE_REVISION);
	if (cn_sbom_write(s, CN_SBOM_JSON, &sb, &err) < 0)
		return;
	cleanup_close int dfd = open_cache_dir(store, true);
	int r = dfd < 0 ? dfd : cn_write_file_atomic(dfd, name, sb.buf, sb.len);
	if (r < 0)
		cn_debug("sbom cache %s: not written: %s", name, strerror(-r));
}

int cn_sbom_build_cached(struct cn_store *store, const struct cn_resolved *img,
			 struct cn_sbom **ret, struct cn_error *err)
{
	cleanup_free char *name = cache_name(&img->manifest_desc.digest);
	struct cn_sbom *s = cache_load(store, name);
	if (s) {
		/* the same image may be known by several names: say the one asked for */
		free(s->image);
		s->image = img->tag.name ? xstrdup(img->tag.name) : NULL;
		s->created = time(NULL);
		*ret = s;
		return 0;
	}
	int r = cn_sbom_build(store, img, &s, err);
	if (r < 0)
		return r;
	cn_sbom_set_purls(s);
	cache_store(store, name, s);
	*ret = s;
	return 0;
}
