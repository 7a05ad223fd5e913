/*
 * The layer walk and assembly: small images made here (tar layers written with libarchive into
 * a temporary store) go through cn_sbom_build(); whiteouts, opaque directories, version
 * changes and hardlinks decide which packages remain and which layer added each. Assembly's
 * ownership rule is checked on hand-made walks (the language catalogers belong to others).
 */
#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/strbuf.h"
#include "lib/image/manifest.h"
#include "lib/sbom/catalog.h"
#include "lib/sbom/sbom-internal.h"
#include "lib/sbom/sbom.h"
#include "lib/store/resolve.h"
#include "lib/store/store.h"
#include "test.h"

/* ------------------------------------------------------------------ making images */

struct layer {
	struct archive *a;
	int fd;
};

static void layer_begin(struct layer *l)
{
	l->fd = memfd_create("test-sbom-layer", MFD_CLOEXEC);
	ASSERT_TRUE(l->fd >= 0);
	l->a = archive_write_new();
	ASSERT_EQ(archive_write_set_format_pax_restricted(l->a), ARCHIVE_OK);
	ASSERT_EQ(archive_write_open_fd(l->a, l->fd), ARCHIVE_OK);
}

static void add(struct layer *l, const char *name, mode_t mode, const char *data,
		const char *symlink, const char *hardlink)
{
	struct archive_entry *e = archive_entry_new();
	size_t len = data ? strlen(data) : 0;
	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_mtime(e, 1700000000, 0);
	archive_entry_set_size(e, (la_int64_t)len);
	if (symlink)
		archive_entry_set_symlink(e, symlink);
	if (hardlink)
		archive_entry_set_hardlink(e, hardlink);
	ASSERT_EQ(archive_write_header(l->a, e), ARCHIVE_OK);
	if (len)
		ASSERT_EQ(archive_write_data(l->a, data, len), (la_ssize_t)len);
	archive_entry_free(e);
}

static void add_file(struct layer *l, const char *name, const char *data)
{
	add(l, name, AE_IFREG | 0644, data, NULL, NULL);
}

/* Ends the layer and stores it (uncompressed: its digest is its diff_id). */
static void layer_store(struct layer *l, struct cn_store *s, struct cn_digest *ret,
			int64_t *ret_size)
{
	ASSERT_EQ(archive_write_close(l->a), ARCHIVE_OK);
	archive_write_free(l->a);
	ASSERT_EQ(lseek(l->fd, 0, SEEK_SET), 0);
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	ASSERT_OK(cn_read_fd(l->fd, 64u << 20, &sb));
	close(l->fd);
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_OK(cn_store_put_blob(s, sb.buf, sb.len, NULL, ret, &err));
	*ret_size = (int64_t)sb.len;
}

static json_t *descriptor(const char *mt, const struct cn_digest *d, int64_t size)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", d->str, "size",
			 (json_int_t)size);
}

static void put_json(struct cn_store *s, json_t *j, struct cn_digest *ret, int64_t *ret_size)
{
	cleanup_free char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_OK(cn_store_put_blob(s, text, strlen(text), NULL, ret, &err));
	*ret_size = (int64_t)strlen(text);
}

/* Tags `name` as an image of the stored layers; history has an empty_layer entry after the
 * first layer, as a Dockerfile's ENV makes. */
static void make_image(struct cn_store *s, const char *name, const struct cn_digest *layers,
		       const int64_t *sizes, size_t n)
{
	json_t *ls = json_array(), *diff_ids = json_array(), *history = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(ls, descriptor(CN_MT_OCI_LAYER_TAR, &layers[i], sizes[i]));
		json_array_append_new(diff_ids, json_string(layers[i].str));
		char by[64];
		(void)snprintf(by, sizeof(by), "RUN make layer %zu", i);
		json_array_append_new(history, json_pack("{s:s}", "created_by", by));
		if (i == 0)
			json_array_append_new(history, json_pack("{s:s, s:b}", "created_by",
								 "ENV X=1", "empty_layer", 1));
	}
	json_t *config =
		json_pack("{s:s, s:s, s:{s:s, s:o}, s:o}", "architecture", "amd64", "os", "linux",
			  "rootfs", "type", "layers", "diff_ids", diff_ids, "history", history);
	struct cn_digest cd, md;
	int64_t csize, msize;
	put_json(s, config, &cd, &csize);
	json_t *m = json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType",
			      CN_MT_OCI_MANIFEST, "config",
			      descriptor(CN_MT_OCI_CONFIG, &cd, csize), "layers", ls);
	put_json(s, m, &md, &msize);
	struct cn_descriptor d = { .media_type = (char *)CN_MT_OCI_MANIFEST,
				   .digest = md,
				   .size = msize };
	struct cn_error err = CN_ERROR_INIT;
	if (cn_store_set_tag(s, name, &d, NULL, NULL, &err) < 0)
		TEST_FAIL("set_tag: %s", err.msg);
}

static struct cn_sbom *build(struct cn_store *s, const char *name)
{
	struct cn_error err = CN_ERROR_INIT;
	cleanup_resolved struct cn_resolved img = { 0 };
	if (cn_store_resolve(s, name, &img, &err) < 0)
		TEST_FAIL("resolve %s: %s", name, err.msg);
	struct cn_sbom *sbom = NULL;
	if (cn_sbom_build(s, &img, &sbom, &err) < 0)
		TEST_FAIL("sbom %s: %s", name, err.msg);
	return sbom;
}

static const struct cn_package *find(const struct cn_sbom *s, enum cn_pkg_type t, const char *name)
{
	for (size_t i = 0; i < s->n_pkgs; i++)
		if (s->pkgs[i].type == t && strcmp(s->pkgs[i].name, name) == 0)
			return &s->pkgs[i];
	return NULL;
}

#define STANZA(name, version)                                                                      \
	"Package: " name "\nStatus: install ok installed\nArchitecture: amd64\nVersion: " version  \
	"\nDescription: " name "\n\n"

static const char os_release[] = "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"
				 "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";
static const char copyright_mit[] = "Format: https://www.debian.org/doc/packaging-manuals/"
				    "copyright-format/1.0/\n\nFiles: *\nLicense: Expat\n";
static const char apk_db[] = "P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\no:musl\nF:lib\n"
			     "R:ld-musl-x86_64.so.1\n\nP:zlib\nV:1.2.13-r1\nA:x86_64\nL:Zlib\n\n";

struct fixture {
	struct cn_store *store;
	struct cn_digest layers[6];
	int64_t sizes[6];
};

static void fixture_releasep(struct fixture *f)
{
	cn_store_free(f->store);
}
#define cleanup_fixture __attribute__((cleanup(fixture_releasep)))

/*
 * layers[0]: os-release (hardlinked from etc), dpkg status (a 1.0, b 1.0, c 1.0), a's file
 *            list, a's copyright and b's as a hardlink to it
 * layers[1]: an apk database; dpkg status with b 2.0 (a and c unchanged)
 * layers[2]: the apk database and usr/lib/os-release whited out
 * layers[3]: var/lib/dpkg/info made opaque (a's file list gone); usr/share/doc/a deleted;
 *            etc/os-release an absolute symlink to a new usr/lib/os-release
 * layers[4]: dpkg status deleted, then (layers[5]) written again with a 1.0 only
 */
static void make_fixture(struct fixture *f)
{
	struct cn_error err = CN_ERROR_INIT;
	const char *dir = test_fresh_dir("sbom-walk");
	if (cn_store_open(dir, CN_STORE_CREATE | CN_STORE_WRITE, &f->store, &err) < 0)
		TEST_FAIL("store: %s", err.msg);
	struct layer l;
	layer_begin(&l);
	add(&l, "etc/", AE_IFDIR | 0755, NULL, NULL, NULL);
	add_file(&l, "usr/lib/os-release", os_release);
	add(&l, "etc/os-release", AE_IFREG | 0644, NULL, NULL, "usr/lib/os-release");
	add_file(&l, "./var/lib/dpkg/status",
		 STANZA("a", "1.0") STANZA("b", "1.0") STANZA("c", "1.0"));
	add_file(&l, "var/lib/dpkg/info/a:amd64.list", "/.\n/usr\n/usr/bin/a\n");
	add_file(&l, "usr/share/doc/a/copyright", copyright_mit);
	add(&l, "usr/share/doc/b/copyright", AE_IFREG | 0644, NULL, NULL,
	    "usr/share/doc/a/copyright");
	layer_store(&l, f->store, &f->layers[0], &f->sizes[0]);

	layer_begin(&l);
	add_file(&l, "lib/apk/db/installed", apk_db);
	add_file(&l, "var/lib/dpkg/status",
		 STANZA("a", "1.0") STANZA("b", "2.0") STANZA("c", "1.0"));
	layer_store(&l, f->store, &f->layers[1], &f->sizes[1]);

	layer_begin(&l);
	add_file(&l, "lib/apk/db/.wh.installed", NULL);
	add_file(&l, "usr/lib/.wh.os-release", NULL);
	layer_store(&l, f->store, &f->layers[2], &f->sizes[2]);

	layer_begin(&l);
	add_file(&l, "var/lib/dpkg/info/.wh..wh..opq", NULL);
	add_file(&l, "var/lib/dpkg/info/c.list", "/usr/bin/c\n");
	add_file(&l, "usr/share/doc/.wh.a", NULL);
	add(&l, "etc/os-release", AE_IFLNK | 0777, NULL, "/usr/lib/os-release", NULL);
	add_file(&l, "usr/lib/os-release", "ID=debian\nVERSION_ID=13\n");
	layer_store(&l, f->store, &f->layers[3], &f->sizes[3]);

	layer_begin(&l);
	add_file(&l, "var/lib/dpkg/.wh.status", NULL);
	layer_store(&l, f->store, &f->layers[4], &f->sizes[4]);

	layer_begin(&l);
	add_file(&l, "var/lib/dpkg/status", STANZA("a", "1.0"));
	layer_store(&l, f->store, &f->layers[5], &f->sizes[5]);
}

TEST(whiteout_removes_apk_and_versions_attribute_layers)
{
	cleanup_fixture struct fixture f = { 0 };
	make_fixture(&f);
	make_image(f.store, "test/two:1", f.layers, f.sizes, 2);
	make_image(f.store, "test/three:1", f.layers, f.sizes, 3);

	cleanup_sbom struct cn_sbom *two = build(f.store, "test/two:1");
	ASSERT_STREQ(two->image, "test/two:1");
	ASSERT_EQ(two->n_layers, 2);
	ASSERT_STREQ(two->layers[0].digest.str, f.layers[0].str);
	ASSERT_STREQ(two->layers[0].diff_id.str, f.layers[0].str);
	ASSERT_EQ(two->layers[1].size, f.sizes[1]);
	ASSERT_STREQ(two->layers[0].created_by, "RUN make layer 0");
	ASSERT_STREQ(two->layers[1].created_by, "RUN make layer 1"); /* ENV skipped */
	ASSERT_STREQ(two->architecture, "amd64");
	ASSERT_STREQ(two->os.id, "debian");
	ASSERT_STREQ(two->os.version_id, "12");
	ASSERT_STREQ(two->os.codename, "bookworm");
	ASSERT_EQ(two->n_pkgs, 5);
	const struct cn_package *musl = find(two, CN_PKG_APK, "musl");
	ASSERT_TRUE(musl != NULL);
	ASSERT_EQ(musl->layer, 1);
	ASSERT_STREQ(musl->found_in, "/lib/apk/db/installed");
	ASSERT_EQ(musl->n_files, 1);
	ASSERT_STREQ(musl->files[0], "/lib/ld-musl-x86_64.so.1");

	cleanup_sbom struct cn_sbom *three = build(f.store, "test/three:1");
	ASSERT_EQ(three->n_pkgs, 3);
	ASSERT_NULL(find(three, CN_PKG_APK, "musl"));
	ASSERT_NULL(find(three, CN_PKG_APK, "zlib"));
	const struct cn_package *a = find(three, CN_PKG_DEB, "a");
	const struct cn_package *b = find(three, CN_PKG_DEB, "b");
	const struct cn_package *c = find(three, CN_PKG_DEB, "c");
	ASSERT_TRUE(a && b && c);
	/* sorted by type then name */
	ASSERT_TRUE(a < b && b < c);
	ASSERT_EQ(a->layer, 0);
	ASSERT_EQ(b->layer, 1); /* its version changed in layer 1 */
	ASSERT_STREQ(b->version, "2.0");
	ASSERT_EQ(c->layer, 0);
	ASSERT_STREQ(a->found_in, "/var/lib/dpkg/status");
	/* a:amd64.list gives a's files; the copyright its license; b shares it by hardlink */
	ASSERT_EQ(a->n_files, 2);
	ASSERT_STREQ(a->files[0], "/usr");
	ASSERT_STREQ(a->files[1], "/usr/bin/a");
	ASSERT_STREQ(a->license, "MIT");
	/* the hardlink's copy keeps packages and os-release, not facts tied to the path */
	ASSERT_NULL(b->license);
	ASSERT_STREQ(three->os.version_id, "12"); /* etc/os-release: a hardlink */
	ASSERT_NULL(c->license);
	ASSERT_EQ(c->n_files, 0);
}

TEST(opaque_dirs_and_deleted_then_rewritten_files)
{
	cleanup_fixture struct fixture f = { 0 };
	make_fixture(&f);
	make_image(f.store, "test/four:1", f.layers, f.sizes, 4);
	make_image(f.store, "test/five:1", f.layers, f.sizes, 5);
	make_image(f.store, "test/six:1", f.layers, f.sizes, 6);

	cleanup_sbom struct cn_sbom *four = build(f.store, "test/four:1");
	ASSERT_EQ(four->n_pkgs, 3);
	const struct cn_package *a = find(four, CN_PKG_DEB, "a");
	const struct cn_package *c = find(four, CN_PKG_DEB, "c");
	ASSERT_EQ(a->n_files, 0); /* info/ opaque: a's list is gone */
	ASSERT_NULL(a->license);  /* doc/a deleted */
	ASSERT_EQ(c->n_files, 1);
	ASSERT_STREQ(c->files[0], "/usr/bin/c");
	ASSERT_STREQ(four->os.version_id, "13"); /* an absolute symlink */

	cleanup_sbom struct cn_sbom *five = build(f.store, "test/five:1");
	ASSERT_EQ(five->n_pkgs, 0);
	ASSERT_STREQ(five->os.id, "debian");
	ASSERT_STREQ(five->os.version_id, "13");

	/* written again after a deletion: the rewriting layer added it */
	cleanup_sbom struct cn_sbom *six = build(f.store, "test/six:1");
	ASSERT_EQ(six->n_pkgs, 1);
	ASSERT_EQ(six->pkgs[0].layer, 5);
}

TEST(corrupt_layer_names_its_digest)
{
	cleanup_fixture struct fixture f = { 0 };
	make_fixture(&f);
	/* a gzip header followed by garbage */
	static const unsigned char bad[] = { 0x1f, 0x8b, 0x08, 0x00, 0,	   0,	 0,    0,   0,
					     0x03, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03 };
	struct cn_error err = CN_ERROR_INIT;
	struct cn_digest layers[2] = { f.layers[0] };
	int64_t sizes[2] = { f.sizes[0], sizeof(bad) };
	ASSERT_OK(cn_store_put_blob(f.store, bad, sizeof(bad), NULL, &layers[1], &err));
	make_image(f.store, "test/bad:1", layers, sizes, 2);
	cleanup_resolved struct cn_resolved img = { 0 };
	ASSERT_OK(cn_store_resolve(f.store, "test/bad:1", &img, &err));
	struct cn_sbom *sbom = NULL;
	int r = cn_sbom_build(f.store, &img, &sbom, &err);
	ASSERT_TRUE(r < 0);
	ASSERT_NULL(sbom);
	if (!strstr(err.msg, layers[1].str))
		TEST_FAIL("error does not name the layer: %s", err.msg);
}

TEST(executables_are_streamed_and_hardlinks_follow)
{
	cleanup_fixture struct fixture f = { 0 };
	make_fixture(&f);
	/* executables go to the stream catalogers (Go build info): a large one that is not Go,
	 * an ELF-looking one, a hardlink to it, and an empty one */
	size_t big = 3u << 20;
	cleanup_free char *data = xmalloc(big + 1);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)('a' + i % 23);
	data[big] = '\0';
	struct layer l;
	layer_begin(&l);
	add(&l, "usr/bin/big", AE_IFREG | 0755, data, NULL, NULL);
	add(&l, "usr/bin/elf", AE_IFREG | 0755,
	    "\x7f"
	    "ELF\x02\x01\x01 not really an executable, "
	    "but long enough to be looked at by the Go cataloger",
	    NULL, NULL);
	add(&l, "usr/bin/elf-link", AE_IFREG | 0755, NULL, NULL, "usr/bin/elf");
	add(&l, "usr/bin/empty", AE_IFREG | 0755, NULL, NULL, NULL);
	add_file(&l, "var/lib/dpkg/status", STANZA("after", "1.0"));
	struct cn_digest layers[2] = { f.layers[0] };
	int64_t sizes[2] = { f.sizes[0] };
	layer_store(&l, f.store, &layers[1], &sizes[1]);
	make_image(f.store, "test/exe:1", layers, sizes, 2);
	cleanup_sbom struct cn_sbom *s = build(f.store, "test/exe:1");
	ASSERT_EQ(s->n_pkgs, 1);
	ASSERT_STREQ(s->pkgs[0].name, "after");
	ASSERT_EQ(s->pkgs[0].layer, 1);
}

/* ------------------------------------------------------------------ assembly on walks */

static struct sbom_entry *entry(struct sbom_layer_walk *w, const char *path)
{
	ALLOC_GROW(w->entries, w->n_entries + 1, w->alloc_entries);
	struct sbom_entry *e = &w->entries[w->n_entries];
	*e = (struct sbom_entry){ .path = xstrdup(path), .seq = w->n_entries };
	w->n_entries++;
	return e;
}

static struct cn_found *part(struct sbom_entry *e, const struct cn_cataloger *cat)
{
	e->parts = xreallocarray(e->parts, e->n_parts + 1, sizeof(*e->parts));
	e->parts[e->n_parts] = (struct sbom_part){ .cat = cat };
	return &e->parts[e->n_parts++].found;
}

static void pkg(struct cn_found *f, enum cn_pkg_type t, const char *name, const char *version)
{
	struct cn_package *p = cn_found_add(f);
	p->type = t;
	p->name = xstrdup(name);
	p->version = xstrdup(version);
}

TEST(assembly_marks_os_owned_language_packages)
{
	struct sbom_layer_walk w[2] = { 0 };
	struct cn_found *f = part(entry(&w[0], "var/lib/dpkg/status"), &cn_catalog_dpkg);
	pkg(f, CN_PKG_DEB, "python3-cryptography", "38.0.4-3");
	f = part(entry(&w[0], "var/lib/dpkg/info/python3-cryptography.list"), &cn_catalog_dpkg);
	f->owner = xstrdup("python3-cryptography");
	cn_found_add_file(f, "/usr/lib/python3/dist-packages/cryptography-38.0.4.dist-info");
	f = part(entry(&w[0], "usr/lib/python3/dist-packages/cryptography-38.0.4.dist-info/"
			      "METADATA"),
		 &cn_catalog_python);
	pkg(f, CN_PKG_PYTHON, "cryptography", "38.0.4");
	/* pip-installed in a later layer: not owned */
	f = part(entry(&w[1], "usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/"
			      "METADATA"),
		 &cn_catalog_python);
	pkg(f, CN_PKG_PYTHON, "requests", "2.31.0");
	/* a second entry of one path in one layer: the later one wins */
	f = part(entry(&w[1], "app/package.json"), &cn_catalog_npm);
	pkg(f, CN_PKG_NPM, "app", "0.1.0");
	f = part(entry(&w[1], "app/package.json"), &cn_catalog_npm);
	pkg(f, CN_PKG_NPM, "app", "0.2.0");

	cleanup_sbom struct cn_sbom *s = cn_sbom_new();
	sbom_assemble(s, w, 2);
	sbom_layer_walk_release(&w[0]);
	sbom_layer_walk_release(&w[1]);
	ASSERT_EQ(s->n_pkgs, 4);
	const struct cn_package *crypto = find(s, CN_PKG_PYTHON, "cryptography");
	ASSERT_TRUE(crypto->flags & CN_PKG_OS_OWNED);
	ASSERT_EQ(crypto->layer, 0);
	const struct cn_package *req = find(s, CN_PKG_PYTHON, "requests");
	ASSERT_FALSE(req->flags & CN_PKG_OS_OWNED);
	ASSERT_EQ(req->layer, 1);
	ASSERT_STREQ(find(s, CN_PKG_NPM, "app")->version, "0.2.0");
	ASSERT_STREQ(find(s, CN_PKG_DEB, "python3-cryptography")->files[0],
		     "/usr/lib/python3/dist-packages/cryptography-38.0.4.dist-info");
}

TEST(package_type_names)
{
	enum cn_pkg_type t;
	for (int i = 0; i < CN_PKG_TYPE_MAX; i++) {
		ASSERT_OK(cn_pkg_type_parse(cn_pkg_type_name((enum cn_pkg_type)i), &t));
		ASSERT_EQ(t, i);
	}
	ASSERT_STREQ(cn_pkg_type_name(CN_PKG_GO), "go-module");
	ASSERT_STREQ(cn_pkg_type_name(CN_PKG_JAVA), "java-archive");
	ASSERT_ERR(cn_pkg_type_parse("gem", &t), -EINVAL);
	ASSERT_NULL(cn_sbom_free(NULL));
}
