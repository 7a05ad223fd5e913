/*
 * The language catalogers (catalog-python.c, catalog-npm.c, catalog-go.c, catalog-java.c):
 * which paths each wants, and what each reads from real files: the fixtures' dist-info
 * METADATA and package.json files, the Go toolchain's own binary (real build info), Debian's
 * jars in /usr/share/java; plus build info and archives made here for the cases no real file
 * on this machine has (replacements, block boundaries, nested wars, damaged input).
 */
#include <archive.h>
#include <archive_entry.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/sbom/catalog.h"

#include "test.h"

static void found_releasep(struct cn_found *f)
{
	cn_found_release(f);
}
#define cleanup_found __attribute__((cleanup(found_releasep)))

static const struct cn_package *find_pkg(const struct cn_found *f, const char *name)
{
	for (size_t i = 0; i < f->n_pkgs; i++)
		if (strcmp(f->pkgs[i].name, name) == 0)
			return &f->pkgs[i];
	return NULL;
}

#define ASSERT_PKG(f, n, v)                                                                        \
	({                                                                                         \
		const struct cn_package *_p = find_pkg((f), (n));                                  \
		if (!_p)                                                                           \
			TEST_FAIL("package %s not found", (n));                                    \
		ASSERT_STREQ(_p->version, (v));                                                    \
		_p;                                                                                \
	})

/* The whole of a file, or NULL when it cannot be read. */
static uint8_t *read_file(const char *path, size_t *ret_len)
{
	_cleanup_(fclosep) FILE *fp = fopen(path, "rbe");
	if (!fp)
		return NULL;
	size_t alloc = 1 << 16, len = 0;
	uint8_t *buf = xmalloc(alloc);
	size_t n;
	while ((n = fread(buf + len, 1, alloc - len, fp)) > 0) {
		len += n;
		if (len == alloc)
			buf = xrealloc(buf, alloc *= 2);
	}
	*ret_len = len;
	return buf;
}

static uint8_t *fixture(const char *rel, size_t *ret_len)
{
	const char *dir = test_fixtures_dir();
	if (!dir)
		SKIP("CAIRN_FIXTURES not set");
	_cleanup_(freep) char *path = xasprintf("%s/%s", dir, rel);
	uint8_t *data = read_file(path, ret_len);
	if (!data)
		SKIP("fixture %s not found", path);
	return data;
}

static void parse_whole(const struct cn_cataloger *c, const char *path, const uint8_t *data,
			size_t len, struct cn_found *f)
{
	struct cn_error err = CN_ERROR_INIT;
	int64_t size = (int64_t)len;
	if (c->wants(path, S_IFREG | 0644, size) != CN_WANT_WHOLE)
		TEST_FAIL("%s: %s not wanted", c->name, path);
	int r = c->parse(path, data, len, f, &err);
	if (r < 0)
		TEST_FAIL("%s: %s", path, cn_error_message(&err, r));
}

/* ---------------------------------------------------------------- python */

TEST(python_wants)
{
	const struct cn_cataloger *c = &cn_catalog_python;
	static const char *const yes[] = {
		"usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA",
		"usr/local/lib/python3.11/site-packages/PyYAML-6.0.dist-info/METADATA",
		"usr/local/lib/python3.11/site-packages/PyYAML-6.0.dist-info/RECORD",
		"opt/venv/lib/python3.9/site-packages/six-1.16.0.egg-info/PKG-INFO",
		"usr/lib/python3/dist-packages/distro_info-1.5.egg-info",
	};
	static const char *const no[] = {
		"usr/lib/python3/dist-packages/pip-23.0.1.dist-info/WHEEL",
		"usr/lib/python3/dist-packages/pip/_vendor/x.dist-info/METADATA",
		"home/u/src/pkg.egg-info/PKG-INFO",
		"METADATA",
		"site-packages/a.dist-info",
	};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (c->wants(yes[i], S_IFREG | 0644, 1000) != CN_WANT_WHOLE)
			TEST_FAIL("should want %s", yes[i]);
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (c->wants(no[i], S_IFREG | 0644, 1000) != CN_WANT_NONE)
			TEST_FAIL("should not want %s", no[i]);
	ASSERT_EQ(c->wants(yes[0], S_IFREG | 0644, INT64_MAX), CN_WANT_NONE);
}

static void check_python(const char *dir, const char *name, const char *version,
			 const char *license, const char *author)
{
	_cleanup_(freep) char *rel = xasprintf("pkgdb/python/debian-bookworm/%s/METADATA", dir);
	_cleanup_(freep) char *path = xasprintf("usr/lib/python3/dist-packages/%s/METADATA", dir);
	size_t len;
	_cleanup_(freep) uint8_t *data = fixture(rel, &len);
	cleanup_found struct cn_found f = { 0 };
	parse_whole(&cn_catalog_python, path, data, len, &f);
	ASSERT_EQ(f.n_pkgs, 1);
	const struct cn_package *p = ASSERT_PKG(&f, name, version);
	ASSERT_EQ(p->type, CN_PKG_PYTHON);
	ASSERT_STREQ(p->license, license);
	ASSERT_STREQ(p->maintainer, author);
	ASSERT_TRUE(p->description && !strchr(p->description, '\n'));
}

TEST(python_debian_dist_info)
{
	check_python("cryptography-38.0.4.dist-info", "cryptography", "38.0.4",
		     "BSD-3-Clause OR Apache-2.0",
		     "The Python Cryptographic Authority and individual contributors");
	check_python("pip-23.0.1.dist-info", "pip", "23.0.1", "MIT", "The pip developers");
	check_python("PyYAML-6.0.dist-info", "PyYAML", "6.0", "MIT", "Kirill Simonov");
}

TEST(python_license_from_classifier)
{
	size_t len;
	_cleanup_(freep) uint8_t *data =
		fixture("pkgdb/python/syft-with-license-file.METADATA", &len);
	cleanup_found struct cn_found f = { 0 };
	parse_whole(&cn_catalog_python,
		    "usr/lib/python3.8/site-packages/Pygments-2.6.1.dist-info/METADATA", data, len,
		    &f);
	const struct cn_package *p = ASSERT_PKG(&f, "Pygments", "2.6.1");
	ASSERT_STREQ(p->license, "BSD License");
	ASSERT_STREQ(p->maintainer, "Georg Brandl");
	ASSERT_STREQ(p->description,
		     "Pygments is a syntax highlighting package written in Python.");
}

TEST(python_egg_info_and_edge_cases)
{
	/* a License field holding the license text is not a license name; the body is ignored */
	static const char meta[] = "Metadata-Version: 1.1\r\n"
				   "Name: six\r\n"
				   "Version: 1.16.0\r\n"
				   "License: Copyright (c) 2010 someone\r\n"
				   "        Permission is hereby granted\r\n"
				   "Maintainer: M <m@example.org>\r\n"
				   "Classifier: License :: OSI Approved :: MIT License\r\n"
				   "\r\n"
				   "Name: not-this\r\n";
	cleanup_found struct cn_found f = { 0 };
	parse_whole(&cn_catalog_python, "usr/lib/python3/dist-packages/six-1.16.0.egg-info",
		    (const uint8_t *)meta, sizeof(meta) - 1, &f);
	ASSERT_EQ(f.n_pkgs, 1);
	const struct cn_package *p = ASSERT_PKG(&f, "six", "1.16.0");
	ASSERT_STREQ(p->license, "MIT License");
	ASSERT_STREQ(p->maintainer, "M <m@example.org>");

	/* License-Expression wins; UNKNOWN is no license; no version, no package */
	static const char m2[] = "Name: a\nVersion: 1\nLicense: UNKNOWN\nLicense-Expression: "
				 "Apache-2.0 OR MIT\n";
	static const char m3[] = "Name: b\nSummary: no version\n";
	cleanup_found struct cn_found f2 = { 0 }, f3 = { 0 };
	parse_whole(&cn_catalog_python, "x/site-packages/a-1.dist-info/METADATA",
		    (const uint8_t *)m2, sizeof(m2) - 1, &f2);
	p = ASSERT_PKG(&f2, "a", "1");
	ASSERT_STREQ(p->license, "Apache-2.0 OR MIT");
	parse_whole(&cn_catalog_python, "x/site-packages/b-1.dist-info/METADATA",
		    (const uint8_t *)m3, sizeof(m3) - 1, &f3);
	ASSERT_EQ(f3.n_pkgs, 0);
}

TEST(python_record)
{
	static const char rec[] = "yaml/__init__.py,sha256=abc,12693\n"
				  "\"yaml/odd,name.py\",sha256=def,1\n"
				  "PyYAML-6.0.dist-info/RECORD,,\n"
				  "../../../bin/yamlcheck,sha256=x,10\n"
				  "\n";
	cleanup_found struct cn_found f = { 0 };
	parse_whole(&cn_catalog_python,
		    "usr/local/lib/python3.11/site-packages/PyYAML-6.0.dist-info/RECORD",
		    (const uint8_t *)rec, sizeof(rec) - 1, &f);
	ASSERT_EQ(f.n_pkgs, 0);
	ASSERT_STREQ(f.owner, "PyYAML");
	ASSERT_EQ(f.n_files, 4);
	ASSERT_STREQ(f.files[0], "/usr/local/lib/python3.11/site-packages/yaml/__init__.py");
	ASSERT_STREQ(f.files[1], "/usr/local/lib/python3.11/site-packages/yaml/odd,name.py");
	ASSERT_STREQ(f.files[2],
		     "/usr/local/lib/python3.11/site-packages/PyYAML-6.0.dist-info/RECORD");
	ASSERT_STREQ(f.files[3], "/usr/local/bin/yamlcheck");
}

/* ---------------------------------------------------------------- npm */

TEST(npm_wants)
{
	const struct cn_cataloger *c = &cn_catalog_npm;
	static const char *const yes[] = {
		"app/node_modules/lodash/package.json",
		"node_modules/@babel/core/package.json",
		"usr/lib/node_modules/npm/node_modules/semver/package.json",
		"a/node_modules/x/node_modules/@s/y/package.json",
	};
	static const char *const no[] = {
		"app/package.json",
		"app/node_modules/x/lib/package.json",
		"app/node_modules/@babel/package.json",
		"app/node_modules/.bin/package.json",
		"app/node_modules/@s/y/lib/package.json",
		"node_modules/x/package.json.bak",
		"package.json",
	};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (c->wants(yes[i], S_IFREG | 0644, 1000) != CN_WANT_WHOLE)
			TEST_FAIL("should want %s", yes[i]);
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (c->wants(no[i], S_IFREG | 0644, 1000) != CN_WANT_NONE)
			TEST_FAIL("should not want %s", no[i]);
}

TEST(npm_registry_packages)
{
	static const struct {
		const char *dir, *name, *version, *license, *author, *desc;
	} cases[] = {
		{ "node_modules-lodash-4.17.15", "lodash", "4.17.15", "MIT",
		  "John-David Dalton <john.david.dalton@gmail.com>", "Lodash modular utilities." },
		{ "node_modules-semver-7.5.1", "semver", "7.5.1", "ISC", "GitHub Inc.",
		  "The semantic version parser used by npm." },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_(freep) char *rel = xasprintf("pkgdb/npm/%s/package.json", cases[i].dir);
		_cleanup_(freep) char *path =
			xasprintf("app/node_modules/%s/package.json", cases[i].name);
		size_t len;
		_cleanup_(freep) uint8_t *data = fixture(rel, &len);
		cleanup_found struct cn_found f = { 0 };
		parse_whole(&cn_catalog_npm, path, data, len, &f);
		ASSERT_EQ(f.n_pkgs, 1);
		const struct cn_package *p = ASSERT_PKG(&f, cases[i].name, cases[i].version);
		ASSERT_EQ(p->type, CN_PKG_NPM);
		ASSERT_STREQ(p->license, cases[i].license);
		ASSERT_STREQ(p->maintainer, cases[i].author);
		ASSERT_STREQ(p->description, cases[i].desc);
	}
}

TEST(npm_license_shapes)
{
	static const struct {
		const char *json, *license, *author;
	} cases[] = {
		{ "{\"name\":\"@s/a\",\"version\":\"1.0.0\",\"license\":{\"type\":\"BSD-2-Clause\","
		  "\"url\":\"u\"},\"author\":{\"name\":\"Ann\",\"email\":\"a@b\"}}",
		  "BSD-2-Clause", "Ann" },
		{ "{\"name\":\"@s/a\",\"version\":\"1.0.0\",\"licenses\":[{\"type\":\"MIT\"},"
		  "{\"type\":\"Apache-2.0\"}]}",
		  "MIT OR Apache-2.0", NULL },
		{ "{\"name\":\"@s/a\",\"version\":\"1.0.0\",\"license\":[\"MIT\",\"GPL-2.0\"]}",
		  "MIT OR GPL-2.0", NULL },
		{ "{\"name\":\"@s/a\",\"version\":\"1.0.0\",\"license\":42,\"author\":[]}", NULL,
		  NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cleanup_found struct cn_found f = { 0 };
		parse_whole(&cn_catalog_npm, "node_modules/@s/a/package.json",
			    (const uint8_t *)cases[i].json, strlen(cases[i].json), &f);
		const struct cn_package *p = ASSERT_PKG(&f, "@s/a", "1.0.0");
		if (cases[i].license)
			ASSERT_STREQ(p->license, cases[i].license);
		else
			ASSERT_NULL(p->license);
		if (cases[i].author)
			ASSERT_STREQ(p->maintainer, cases[i].author);
		else
			ASSERT_NULL(p->maintainer);
	}
}

TEST(npm_skips_and_errors)
{
	static const char *const skipped[] = {
		"{\"name\":\"x\"}",
		"{\"version\":\"1.0.0\"}",
		"{\"name\":\"\",\"version\":\"1.0.0\"}",
		"{\"name\":\"x\",\"version\":7}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(skipped); i++) {
		cleanup_found struct cn_found f = { 0 };
		parse_whole(&cn_catalog_npm, "node_modules/x/package.json",
			    (const uint8_t *)skipped[i], strlen(skipped[i]), &f);
		ASSERT_EQ(f.n_pkgs, 0);
	}
	static const char *const bad[] = { "{\"name\":", "[1,2]", "" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cleanup_found struct cn_found f = { 0 };
		struct cn_error err = CN_ERROR_INIT;
		ASSERT_ERR(cn_catalog_npm.parse("node_modules/x/package.json",
						(const uint8_t *)bad[i], strlen(bad[i]), &f, &err),
			   -EBADMSG);
		ASSERT_TRUE(strstr(err.msg, "node_modules/x/package.json") != NULL);
	}
}

/* ---------------------------------------------------------------- go */

/* Streams data through the Go cataloger in blocks of `block` bytes. */
static void go_stream(const uint8_t *data, size_t len, size_t block, struct cn_found *f)
{
	const struct cn_cataloger *c = &cn_catalog_go;
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_EQ(c->wants("usr/bin/app", S_IFREG | 0755, (int64_t)len), CN_WANT_STREAM);
	void *st = c->stream_begin("usr/bin/app", (int64_t)len);
	ASSERT_TRUE(st != NULL);
	int r = 0;
	for (size_t off = 0; off < len && r == 0; off += block)
		r = c->stream_feed(st, data + off, MIN(block, len - off), &err);
	int e = c->stream_end(st, f, &err);
	ASSERT_OK(r);
	ASSERT_OK(e);
}

static size_t put_uvarint(uint8_t *p, size_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* An ELF-looking image with build info at `at` (16-aligned), preceded by decoys: the magic
 * unaligned, and aligned with a bad pointer size. flags 0 writes the pre-1.18 format. */
static uint8_t *fake_binary(size_t at, uint8_t flags, const char *version, const char *mod,
			    size_t *ret_len)
{
	static const uint8_t start[16] = { 0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02,
					   0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6 };
	static const uint8_t end[16] = { 0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72,
					 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2 };
	static const char magic[] = "\xff Go buildinf:";
	size_t len = at + 4096 + strlen(mod);
	uint8_t *b = xcalloc(1, len);
	memcpy(b,
	       "\x7f"
	       "ELF",
	       4);
	memset(b + 4, 0xff, at - 4);
	memcpy(b + 99, magic, 14);
	memcpy(b + 256, magic, 14);
	b[256 + 14] = 3;
	b[256 + 15] = 2;
	uint8_t *p = b + at;
	memcpy(p, magic, 14);
	p[14] = 8;
	p[15] = flags;
	memset(p + 16, 0, 16);
	size_t pos = 32;
	pos += put_uvarint(p + pos, strlen(version));
	memcpy(p + pos, version, strlen(version));
	pos += strlen(version);
	pos += put_uvarint(p + pos, strlen(mod) + 32);
	memcpy(p + pos, start, 16);
	memcpy(p + pos + 16, mod, strlen(mod));
	memcpy(p + pos + 16 + strlen(mod), end, 16);
	*ret_len = len;
	return b;
}

static const char fake_mod[] =
	"path\texample.com/app\n"
	"mod\texample.com/app\t(devel)\t\n"
	"dep\tgolang.org/x/text\tv0.3.7\th1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk=\n"
	"dep\texample.com/old\tv1.0.0\th1:x=\n"
	"=>\texample.com/new\tv1.2.0\th1:y=\n"
	"dep\texample.com/local\tv0.0.0\n"
	"=>\t../local\t(devel)\t\n"
	"dep\texample.com/vendored\tv0.1.0\n"
	"=>\t/src/vendored\t\t\n"
	"build\t-compiler=gc\n"
	"build\tGOOS=linux\n";

TEST(go_build_info_any_block_size)
{
	size_t len;
	_cleanup_(freep) uint8_t *bin = fake_binary(4096, 2, "go1.21rc2", fake_mod, &len);
	static const size_t blocks[] = { 1, 3, 13, 14, 16, 17, 4095, 65536 };
	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++) {
		cleanup_found struct cn_found f = { 0 };
		go_stream(bin, len, blocks[i], &f);
		if (f.n_pkgs != 6)
			TEST_FAIL("block %zu: %zu packages, want 6", blocks[i], f.n_pkgs);
		ASSERT_PKG(&f, "example.com/app", "(devel)");
		ASSERT_PKG(&f, "golang.org/x/text", "v0.3.7");
		ASSERT_PKG(&f, "example.com/new", "v1.2.0");
		ASSERT_PKG(&f, "example.com/local", "(devel)");
		ASSERT_PKG(&f, "example.com/vendored", "(devel)");
		ASSERT_EQ(find_pkg(&f, "stdlib")->type, CN_PKG_GO);
		ASSERT_PKG(&f, "stdlib", "1.21.0-rc.2");
		ASSERT_NULL(find_pkg(&f, "example.com/old"));
	}
}

TEST(go_versions_and_formats)
{
	static const struct {
		const char *go, *want;
	} v[] = {
		{ "go1.19.8", "1.19.8" },	    { "go1.20", "1.20.0" },
		{ "go1.22beta1", "1.22.0-beta.1" }, { "go1.21.0 X:loopvar", "1.21.0" },
		{ "devel go1.23-abc", "devel" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		size_t len;
		_cleanup_(freep) uint8_t *bin = fake_binary(1024, 2, v[i].go, "", &len);
		cleanup_found struct cn_found f = { 0 };
		go_stream(bin, len, 100, &f);
		ASSERT_EQ(f.n_pkgs, 1);
		ASSERT_PKG(&f, "stdlib", v[i].want);
	}
	/* the pre-1.18 pointer format is skipped */
	size_t len;
	_cleanup_(freep) uint8_t *old = fake_binary(1024, 0, "go1.16", fake_mod, &len);
	cleanup_found struct cn_found f = { 0 };
	go_stream(old, len, 512, &f);
	ASSERT_EQ(f.n_pkgs, 0);
	/* not ELF (a script with the magic in it): nothing */
	_cleanup_(freep) uint8_t *script = fake_binary(1024, 2, "go1.19.8", fake_mod, &len);
	memcpy(script, "#!/b", 4);
	cleanup_found struct cn_found f2 = { 0 };
	go_stream(script, len, 512, &f2);
	ASSERT_EQ(f2.n_pkgs, 0);
	/* not executable: not wanted */
	ASSERT_EQ(cn_catalog_go.wants("usr/lib/x.so", S_IFREG | 0644, 1 << 20), CN_WANT_NONE);
}

TEST(go_real_toolchain_binary)
{
	char path[PATH_MAX];
	if (!realpath("/usr/bin/go", path))
		SKIP("no /usr/bin/go (Debian's golang-go)");
	_cleanup_(fclosep) FILE *fp = fopen(path, "rbe");
	if (!fp)
		SKIP("cannot open %s", path);
	const struct cn_cataloger *c = &cn_catalog_go;
	struct cn_error err = CN_ERROR_INIT;
	void *st = c->stream_begin(path, -1);
	static uint8_t buf[65536];
	size_t n, total = 0;
	int r = 0;
	while (r == 0 && (n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		r = c->stream_feed(st, buf, n, &err);
		total += n;
	}
	cleanup_found struct cn_found f = { 0 };
	ASSERT_OK(c->stream_end(st, &f, &err));
	ASSERT_EQ(r, 1); /* stopped early: the build info sits before the data segment's end */
	/* cmd/go is part of the toolchain: no main module line, only the toolchain itself */
	const struct cn_package *p = find_pkg(&f, "stdlib");
	ASSERT_TRUE(p != NULL);
	ASSERT_TRUE(strncmp(p->version, "1.", 2) == 0);
	ASSERT_TRUE(strchr(p->version, 'g') == NULL);
}

/* ---------------------------------------------------------------- java */

struct zip_entry {
	const char *name;
	const void *data;
	size_t len; /* 0: strlen(data) */
};

/* A zip archive in memory with the given entries. */
static uint8_t *make_zip(const struct zip_entry *ents, size_t n, size_t *ret_len)
{
	size_t alloc = 1 << 20, used = 0;
	for (size_t i = 0; i < n; i++)
		alloc += ents[i].len ? ents[i].len : strlen(ents[i].data);
	uint8_t *buf = xmalloc(alloc);
	struct archive *a = archive_write_new();
	ASSERT_TRUE(a);
	ASSERT_EQ(archive_write_set_format_zip(a), ARCHIVE_OK);
	ASSERT_EQ(archive_write_open_memory(a, buf, alloc, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		size_t len = ents[i].len ? ents[i].len : strlen(ents[i].data);
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK);
		ASSERT_EQ(archive_write_data(a, ents[i].data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*ret_len = used;
	return buf;
}

static void check_debian_jar(const char *jar, const char *group, const char *name,
			     const char *version)
{
	char path[PATH_MAX];
	_cleanup_(freep) char *link = xasprintf("/usr/share/java/%s", jar);
	if (!realpath(link, path))
		SKIP("%s not installed (Debian's java library packages)", link);
	size_t len;
	_cleanup_(freep) uint8_t *data = read_file(path, &len);
	ASSERT_TRUE(data != NULL);
	cleanup_found struct cn_found f = { 0 };
	parse_whole(&cn_catalog_java, path + 1, data, len, &f);
	ASSERT_EQ(f.n_pkgs, 1);
	const struct cn_package *p = ASSERT_PKG(&f, name, version);
	ASSERT_EQ(p->type, CN_PKG_JAVA);
	ASSERT_STREQ(p->group, group);
}

TEST(java_debian_jars)
{
	/* bookworm's libcommons-lang3-java, libguava-java, libslf4j-java */
	check_debian_jar("commons-lang3.jar", "org.apache.commons", "commons-lang3", "3.12.0");
	check_debian_jar("guava.jar", "com.google.guava", "guava", "31.1-jre");
	check_debian_jar("slf4j-api.jar", "org.slf4j", "slf4j-api", "1.7.32");
}

TEST(java_war_nesting_jars)
{
	static const char pom[] = "#Generated by Maven\nversion=2.1\ngroupId=org.example\n"
				  "artifactId=inner-lib\n";
	static const char plain_mf[] =
		"Manifest-Version: 1.0\r\n"
		"Implementation-Title: Plain\r\n"
		"Implementation-Version: 0.9.1\r\n"
		"Implementation-Vendor: Example Org\r\n"
		"Bundle-License: https://www.apache.org/licenses/LICENSE-2.\r\n"
		" 0.txt\r\n"
		"\r\n"
		"Name: org/example/\r\n"
		"Implementation-Version: 9.9.9\r\n";
	static const char war_mf[] = "Manifest-Version: 1.0\nImplementation-Title: Shop\n"
				     "Implementation-Version: 1.4.0\n"
				     "Bundle-License: MIT;link=x\n";
	size_t inner_len, plain_len, war_len;
	struct zip_entry inner[] = {
		{ "META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nBundle-License: EPL-2.0\n", 0 },
		{ "META-INF/maven/org.example/inner-lib/pom.properties", pom, 0 },
		{ "org/example/Inner.class", "\xca\xfe\xba\xbe", 4 },
	};
	_cleanup_(freep) uint8_t *inner_zip = make_zip(inner, ARRAY_SIZE(inner), &inner_len);
	struct zip_entry plain[] = { { "META-INF/MANIFEST.MF", plain_mf, 0 } };
	_cleanup_(freep) uint8_t *plain_zip = make_zip(plain, ARRAY_SIZE(plain), &plain_len);
	struct zip_entry war[] = {
		{ "META-INF/MANIFEST.MF", war_mf, 0 },
		{ "WEB-INF/lib/inner-lib-2.1.jar", inner_zip, inner_len },
		{ "WEB-INF/lib/plain-util-0.9.1.jar", plain_zip, plain_len },
		{ "WEB-INF/lib/broken-1.0.jar", "not a zip at all", 0 },
		{ "index.html", "<html/>", 0 },
	};
	_cleanup_(freep) uint8_t *war_zip = make_zip(war, ARRAY_SIZE(war), &war_len);

	cleanup_found struct cn_found f = { 0 };
	parse_whole(&cn_catalog_java, "srv/app/shop-1.4.war", war_zip, war_len, &f);
	ASSERT_EQ(f.n_pkgs, 3);
	const struct cn_package *p = ASSERT_PKG(&f, "inner-lib", "2.1");
	ASSERT_STREQ(p->group, "org.example");
	ASSERT_STREQ(p->license, "EPL-2.0");
	p = ASSERT_PKG(&f, "plain-util", "0.9.1");
	ASSERT_NULL(p->group);
	ASSERT_STREQ(p->license, "Apache-2.0");
	ASSERT_STREQ(p->maintainer, "Example Org");
	p = ASSERT_PKG(&f, "shop", "1.4.0");
	ASSERT_STREQ(p->license, "MIT");
}

TEST(java_depth_limit_and_damage)
{
	/* a.jar holding b.jar holding ... six levels, each with its own pom.properties */
	_cleanup_(freep) uint8_t *cur = NULL;
	size_t cur_len = 0;
	for (int level = 5; level >= 0; level--) {
		_cleanup_(freep) char *pom =
			xasprintf("groupId=g\nartifactId=level%d\nversion=1.%d\n", level, level);
		_cleanup_(freep) char *pom_path =
			xasprintf("META-INF/maven/g/level%d/pom.properties", level);
		struct zip_entry ents[] = { { pom_path, pom, 0 },
					    { "BOOT-INF/lib/next-1.0.jar", cur, cur_len } };
		size_t len;
		uint8_t *z = make_zip(ents, cur ? 2 : 1, &len);
		free(cur);
		cur = z;
		cur_len = len;
	}
	cleanup_found struct cn_found f = { 0 };
	parse_whole(&cn_catalog_java, "app.jar", cur, cur_len, &f);
	ASSERT_EQ(f.n_pkgs, 4);
	ASSERT_PKG(&f, "level0", "1.0");
	ASSERT_PKG(&f, "level3", "1.3");
	ASSERT_NULL(find_pkg(&f, "level4"));

	/* not a zip: an error naming the file; a truncated one: error or what came before */
	static const char junk[] = "PK\x03\x04 this is not really a zip archive";
	cleanup_found struct cn_found f2 = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_ERR(cn_catalog_java.parse("x/junk-1.0.jar", (const uint8_t *)junk, sizeof(junk) - 1,
					 &f2, &err),
		   -EBADMSG);
	ASSERT_TRUE(strstr(err.msg, "junk-1.0.jar") != NULL);
	for (size_t cut = 1; cut < cur_len; cut += cur_len / 64 + 1) {
		cleanup_found struct cn_found f3 = { 0 };
		(void)cn_catalog_java.parse("x/app.jar", cur, cut, &f3, &err);
	}
	ASSERT_EQ(cn_catalog_java.wants("x/readme.txt", S_IFREG | 0644, 10), CN_WANT_NONE);
	ASSERT_EQ(cn_catalog_java.wants("x/A.JAR", S_IFREG | 0644, 10), CN_WANT_WHOLE);
}
