/*
 * The rpm cataloger (lib/sbom/catalog-rpm.c, rpm-db.c, rpm-header.c) over the real databases in
 * $CAIRN_FIXTURES/pkgdb/rpm: a Berkeley DB rpmdb from centos:8 (dive 0.9.2), an sqlite rpmdb made
 * by rpm 4.18 (epochs, a tilde, licenses) and CBL-Mariner's distroless manifest. Debian's rpm is
 * built without NDB, so the NDB case lays the sqlite fixture's real header blobs out in rpm's NDB
 * format (slot page + blobs) here. Every database is also truncated and mutated byte by byte:
 * each variant must parse or fail cleanly (run under ASan+UBSan).
 */
#include <fcntl.h>

#include "base/alloc.h"
#include "base/fd.h"
#include "base/strbuf.h"
#include "lib/sbom/catalog.h"
#include "lib/sbom/rpm-db.h"
#include "lib/sbom/rpm-header.h"

#include "test.h"

static void load_fixture(const char *name, struct strbuf *sb)
{
	const char *dir = test_fixtures_dir();
	if (!dir)
		SKIP("CAIRN_FIXTURES is not set");
	char path[4096];
	(void)snprintf(path, sizeof(path), "%s/pkgdb/rpm/%s", dir, name);
	int r = cn_read_file_at(AT_FDCWD, path, CN_CATALOG_WHOLE_MAX, sb);
	if (r == -ENOENT)
		SKIP("%s is missing", path);
	ASSERT_OK(r);
}

/* Runs the cataloger on a copy of exactly `len` bytes (so ASan sees reads past the end). */
static int catalog(const char *path, const void *data, size_t len, struct cn_found *f,
		   struct cn_error *err)
{
	uint8_t *copy = xmalloc(len ? len : 1);
	memcpy(copy, data, len);
	int r = cn_catalog_rpm.parse(path, copy, len, f, err);
	free(copy);
	return r;
}

static const struct cn_package *find_pkg(const struct cn_found *f, const char *name)
{
	for (size_t i = 0; i < f->n_pkgs; i++)
		if (strcmp(f->pkgs[i].name, name) == 0)
			return &f->pkgs[i];
	TEST_FAIL("package %s not found among %zu", name, f->n_pkgs);
}

TEST(wants)
{
	static const char *const yes[] = {
		"var/lib/rpm/Packages",
		"var/lib/rpm/Packages.db",
		"var/lib/rpm/rpmdb.sqlite",
		"usr/lib/sysimage/rpm/Packages",
		"usr/lib/sysimage/rpm/Packages.db",
		"usr/lib/sysimage/rpm/rpmdb.sqlite",
		"var/lib/rpmmanifest/container-manifest-2",
	};
	static const char *const no[] = {
		"var/lib/rpm/Name",	    "var/lib/rpm/rpmdb.sqlite-wal",
		"usr/var/lib/rpm/Packages", "var/lib/rpm/Packages/x",
		"var/lib/dpkg/status",	    "",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		ASSERT_EQ(cn_catalog_rpm.wants(yes[i], S_IFREG | 0644, 100), CN_WANT_WHOLE);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		ASSERT_EQ(cn_catalog_rpm.wants(no[i], S_IFREG | 0644, 100), CN_WANT_NONE);
	ASSERT_STREQ(cn_catalog_rpm.name, "rpm");
}

TEST(bdb_centos8_dive)
{
	struct strbuf sb = STRBUF_INIT;
	struct cn_found f = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	load_fixture("Packages.bdb-centos8-dive", &sb);
	ASSERT_OK(catalog("var/lib/rpm/Packages", sb.buf, sb.len, &f, &err));
	ASSERT_EQ(f.n_pkgs, 1);
	const struct cn_package *p = &f.pkgs[0];
	ASSERT_EQ(p->type, CN_PKG_RPM);
	ASSERT_STREQ(p->name, "dive");
	ASSERT_STREQ(p->version, "0.9.2-1");
	ASSERT_STREQ(p->arch, "x86_64");
	ASSERT_STREQ(p->source_name, "dive");
	ASSERT_STREQ(p->source_version, "0.9.2-1");
	ASSERT_STREQ(p->maintainer, "Alex Goodman");
	ASSERT_STREQ(p->license, "MIT");
	ASSERT_STREQ(p->description, "no description given");
	ASSERT_EQ(p->n_files, 1);
	ASSERT_STREQ(p->files[0], "/usr/local/bin/dive");
	cn_found_release(&f);
	strbuf_release(&sb);
}

static void swap16(struct strbuf *sb, size_t off)
{
	char t = sb->buf[off];
	sb->buf[off] = sb->buf[off + 1];
	sb->buf[off + 1] = t;
}

static void swap32(struct strbuf *sb, size_t off)
{
	for (size_t i = 0; i < 2; i++) {
		char t = sb->buf[off + i];
		sb->buf[off + i] = sb->buf[off + 3 - i];
		sb->buf[off + 3 - i] = t;
	}
}

static uint32_t get_le(const struct strbuf *sb, size_t off, size_t n)
{
	uint32_t v = 0;
	for (size_t i = n; i-- > 0;)
		v = v << 8 | (uint8_t)sb->buf[off + i];
	return v;
}

/* Rewrites a little-endian Berkeley DB hash file as a big-endian machine (s390x, ppc64) would
 * have written it: meta fields, page headers, item offsets and off-page references. */
static void bdb_to_big_endian(struct strbuf *sb)
{
	uint32_t pagesize = get_le(sb, 20, 4);
	for (size_t pg = 0; pg < sb->len / pagesize; pg++) {
		size_t base = pg * pagesize;
		uint8_t type = (uint8_t)sb->buf[base + 25];
		if (pg == 0) {
			for (size_t off = 8; off < 52; off += 4)
				if (off != 24)
					swap32(sb, off);
			continue;
		}
		uint32_t entries = get_le(sb, base + 20, 2);
		if (type == 13 || type == 2)
			for (uint32_t i = 0; i < entries; i++) {
				size_t item = base + get_le(sb, base + 26 + 2 * i, 2);
				if (sb->buf[item] == 3) { /* H_OFFPAGE: page number, length */
					swap32(sb, item + 4);
					swap32(sb, item + 8);
				} else if (i % 2 == 0) { /* a key: the 4-byte package number */
					swap32(sb, item + 1);
				}
				swap16(sb, base + 26 + 2 * i);
			}
		swap32(sb, base + 8);
		swap32(sb, base + 12);
		swap32(sb, base + 16);
		swap16(sb, base + 20);
		swap16(sb, base + 22);
	}
}

TEST(bdb_big_endian)
{
	struct strbuf sb = STRBUF_INIT;
	struct cn_found f = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	load_fixture("Packages.bdb-centos8-dive", &sb);
	bdb_to_big_endian(&sb);
	ASSERT_EQ((uint8_t)sb.buf[12], 0x00);
	ASSERT_EQ((uint8_t)sb.buf[15], 0x61);
	ASSERT_OK(catalog("var/lib/rpm/Packages", sb.buf, sb.len, &f, &err));
	ASSERT_EQ(f.n_pkgs, 1);
	ASSERT_STREQ(f.pkgs[0].name, "dive");
	ASSERT_STREQ(f.pkgs[0].version, "0.9.2-1");
	ASSERT_EQ(f.pkgs[0].n_files, 1);
	cn_found_release(&f);
	strbuf_release(&sb);
}

static void check_generated(const struct cn_found *f)
{
	ASSERT_EQ(f->n_pkgs, 3);
	const struct cn_package *p = find_pkg(f, "fixture-hello");
	ASSERT_STREQ(p->version, "1.0-1.fc39");
	ASSERT_STREQ(p->source_name, "fixture-hello");
	ASSERT_STREQ(p->source_version, "1.0-1.fc39");
	ASSERT_STREQ(p->arch, "noarch");
	ASSERT_STREQ(p->license, "MIT");
	ASSERT_STREQ(p->description, "fixture package fixture-hello");
	ASSERT_NULL(p->maintainer);
	bool readme = false;
	for (size_t i = 0; i < p->n_files; i++) {
		readme |= strcmp(p->files[i], "/usr/share/fixture-hello/README") == 0;
		if (i > 0)
			ASSERT_TRUE(strcmp(p->files[i - 1], p->files[i]) < 0);
	}
	ASSERT_TRUE(readme);

	p = find_pkg(f, "fixture-epoch");
	ASSERT_STREQ(p->version, "2:3.0.7-27.el9");
	ASSERT_STREQ(p->source_name, "fixture-epoch");
	ASSERT_STREQ(p->source_version, "2:3.0.7-27.el9");
	ASSERT_STREQ(p->license, "Apache-2.0");

	p = find_pkg(f, "fixture-tilde");
	ASSERT_STREQ(p->version, "1.2.3~rc1-1");
	ASSERT_STREQ(p->source_version, "1.2.3~rc1-1");
	ASSERT_STREQ(p->license, "GPL-2.0-or-later");
}

TEST(sqlite_generated)
{
	struct strbuf sb = STRBUF_INIT;
	struct cn_found f = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	load_fixture("rpmdb.sqlite-debian-rpm-4.18-generated", &sb);
	ASSERT_OK(catalog("var/lib/rpm/rpmdb.sqlite", sb.buf, sb.len, &f, &err));
	check_generated(&f);
	cn_found_release(&f);
	/* The same file under the rpm >= 4.17 path, with the header marked WAL as rpm leaves it. */
	sb.buf[18] = sb.buf[19] = 2;
	ASSERT_OK(catalog("usr/lib/sysimage/rpm/rpmdb.sqlite", sb.buf, sb.len, &f, &err));
	check_generated(&f);
	cn_found_release(&f);
	strbuf_release(&sb);
}

static void put_le32(struct strbuf *sb, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		sb->buf[off + i] = (char)(v >> (8 * i));
}

static int collect_blob(const uint8_t *blob, size_t len, void *userdata, struct cn_error *err)
{
	(void)err;
	struct strbuf *ndb = userdata;
	/* Blob head (16) + blob + tail (12), in 16-byte blocks, as rpm's NDB backend lays it out.
	 */
	size_t off = ndb->len, blocks = (16 + len + 12 + 15) / 16;
	uint32_t pkgidx = (uint32_t)((off - 4096) / 16 + 1), slot = 2 + pkgidx - 1;
	strbuf_grow(ndb, blocks * 16);
	memset(ndb->buf + off, 0, blocks * 16);
	strbuf_setlen(ndb, off + blocks * 16);
	memcpy(ndb->buf + off, "BlbS", 4);
	put_le32(ndb, off + 4, pkgidx);
	put_le32(ndb, off + 8, 1);
	put_le32(ndb, off + 12, (uint32_t)len);
	memcpy(ndb->buf + off + 16, blob, len);
	memcpy(ndb->buf + off + blocks * 16 - 4, "BlbE", 4);
	put_le32(ndb, off + blocks * 16 - 8, (uint32_t)len);
	put_le32(ndb, slot * 16 + 4, pkgidx);
	put_le32(ndb, slot * 16 + 8, (uint32_t)(off / 16));
	put_le32(ndb, slot * 16 + 12, (uint32_t)blocks);
	return 0;
}

/* An NDB database holding the sqlite fixture's header blobs. */
static void make_ndb(struct strbuf *ndb)
{
	struct strbuf sq = STRBUF_INIT;
	struct cn_error err = CN_ERROR_INIT;
	load_fixture("rpmdb.sqlite-debian-rpm-4.18-generated", &sq);
	strbuf_grow(ndb, 4096);
	memset(ndb->buf, 0, 4096);
	strbuf_setlen(ndb, 4096);
	memcpy(ndb->buf, "RpmP", 4);
	put_le32(ndb, 8, 1);  /* generation */
	put_le32(ndb, 12, 1); /* slot pages */
	for (size_t off = 32; off < 4096; off += 16)
		memcpy(ndb->buf + off, "Slot", 4);
	ASSERT_OK(cn_rpm_sqlite_foreach((const uint8_t *)sq.buf, sq.len, collect_blob, ndb, &err));
	strbuf_release(&sq);
}

TEST(ndb_from_real_headers)
{
	struct strbuf ndb = STRBUF_INIT;
	struct cn_found f = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	make_ndb(&ndb);
	ASSERT_OK(catalog("var/lib/rpm/Packages.db", ndb.buf, ndb.len, &f, &err));
	check_generated(&f);
	cn_found_release(&f);
	/* Slots sharing one blob cannot multiply it: blobs add up to more than the file. */
	struct strbuf alias = STRBUF_INIT;
	strbuf_add(&alias, ndb.buf, ndb.len);
	for (size_t slot = 5; slot < 256; slot++)
		memcpy(alias.buf + slot * 16, alias.buf + 2 * 16, 16);
	ASSERT_ERR(catalog("var/lib/rpm/Packages.db", alias.buf, alias.len, &f, &err), -EBADMSG);
	ASSERT_TRUE(strstr(err.msg, "overlap") != NULL);
	cn_found_release(&f);
	strbuf_release(&alias);
	/* A tail that does not repeat the blob's length is corruption. */
	struct strbuf tail = STRBUF_INIT;
	strbuf_add(&tail, ndb.buf, ndb.len);
	tail.buf[tail.len - 8] ^= 1;
	ASSERT_ERR(catalog("var/lib/rpm/Packages.db", tail.buf, tail.len, &f, &err), -EBADMSG);
	cn_found_release(&f);
	strbuf_release(&tail);
	/* A blob header naming another package than its slot is corruption. */
	put_le32(&ndb, 4096 + 4, 77);
	ASSERT_ERR(catalog("var/lib/rpm/Packages.db", ndb.buf, ndb.len, &f, &err), -EBADMSG);
	cn_found_release(&f);
	strbuf_release(&ndb);
}

TEST(mariner_manifest)
{
	struct strbuf sb = STRBUF_INIT;
	struct cn_found f = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	load_fixture("container-manifest-2-mariner", &sb);
	ASSERT_OK(catalog("var/lib/rpmmanifest/container-manifest-2", sb.buf, sb.len, &f, &err));
	ASSERT_EQ(f.n_pkgs, 5);
	const struct cn_package *p = find_pkg(&f, "vim");
	ASSERT_STREQ(p->version, "2:9.0-1.cm2");
	ASSERT_STREQ(p->arch, "x86_64");
	ASSERT_STREQ(p->source_name, "vim");
	ASSERT_STREQ(p->source_version, "2:9.0-1.cm2");
	ASSERT_STREQ(p->maintainer, "Microsoft Corporation");
	p = find_pkg(&f, "openssl-libs");
	ASSERT_STREQ(p->version, "1.1.1k-15.cm2");
	ASSERT_STREQ(p->source_name, "openssl");
	p = find_pkg(&f, "mariner-release");
	ASSERT_STREQ(p->arch, "noarch");
	cn_found_release(&f);
	static const char bad[] = "name\t1.0-1\t0\t0\tv\tx\t1\tnoarch\t0\tname-1.0-1.src.rpm\n";
	ASSERT_ERR(
		catalog("var/lib/rpmmanifest/container-manifest-2", bad, sizeof(bad) - 1, &f, &err),
		-EBADMSG);
	cn_found_release(&f);
	static const char short_line[] = "name\t1.0-1\t0\n";
	ASSERT_ERR(catalog("var/lib/rpmmanifest/container-manifest-2", short_line,
			   sizeof(short_line) - 1, &f, &err),
		   -EBADMSG);
	cn_found_release(&f);
	strbuf_release(&sb);
}

TEST(split_srpm)
{
	char *n = NULL, *vr = NULL;
	ASSERT_OK(cn_rpm_split_srpm("openssl-1.1.1k-15.cm2.src.rpm", &n, &vr));
	ASSERT_STREQ(n, "openssl");
	ASSERT_STREQ(vr, "1.1.1k-15.cm2");
	free(n);
	free(vr);
	ASSERT_OK(cn_rpm_split_srpm("python-cryptography-3.2.1-7.el8_9.nosrc.rpm", &n, &vr));
	ASSERT_STREQ(n, "python-cryptography");
	ASSERT_STREQ(vr, "3.2.1-7.el8_9");
	free(n);
	free(vr);
	static const char *const bad[] = { "x.src.rpm",	   "-1-2.src.rpm",
					   "a-1.src.rpm",  "a-1-.src.rpm",
					   "a--2.src.rpm", "a-1-2.rpm",
					   ".src.rpm",	   "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ASSERT_ERR(cn_rpm_split_srpm(bad[i], &n, &vr), -EINVAL);
}

/* The first header blob of the BDB fixture (an exact-size copy). */
static int first_blob(const uint8_t *blob, size_t len, void *userdata, struct cn_error *err)
{
	(void)err;
	struct strbuf *sb = userdata;
	if (sb->len == 0)
		strbuf_add(sb, blob, len);
	return 0;
}

TEST(header_truncated_and_mutated)
{
	struct strbuf db = STRBUF_INIT, blob = STRBUF_INIT;
	struct cn_error err = CN_ERROR_INIT;
	load_fixture("Packages.bdb-centos8-dive", &db);
	ASSERT_OK(cn_rpm_bdb_foreach((const uint8_t *)db.buf, db.len, first_blob, &blob, &err));
	ASSERT_TRUE(blob.len > 100);
	for (size_t n = 0; n < blob.len; n++) {
		struct cn_package p = { 0 };
		uint8_t *copy = xmalloc(n ? n : 1);
		memcpy(copy, blob.buf, n);
		ASSERT_ERR(cn_rpm_header_to_package(copy, n, &p, &err), -EBADMSG);
		cn_package_release(&p);
		free(copy);
	}
	static const uint8_t values[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
	for (size_t i = 0; i < blob.len; i++)
		for (size_t v = 0; v < sizeof(values); v++) {
			struct cn_package p = { 0 };
			uint8_t *copy = xmalloc(blob.len);
			memcpy(copy, blob.buf, blob.len);
			copy[i] = values[v];
			int r = cn_rpm_header_to_package(copy, blob.len, &p, &err);
			ASSERT_TRUE(r == 1 || r == 0 || r == -EBADMSG);
			cn_package_release(&p);
			free(copy);
		}
	strbuf_release(&db);
	strbuf_release(&blob);
}

/* Prefixes shorter than the file fail; single-byte mutations parse or fail (every `step` bytes:
 * 3 is co-prime with every field alignment). */
static void corrupt_all(const char *path, const struct strbuf *sb, size_t step, bool prefix_fails)
{
	struct cn_error err = CN_ERROR_INIT;
	for (size_t n = 0; n < sb->len; n += step) {
		struct cn_found f = { 0 };
		int r = catalog(path, sb->buf, n, &f, &err);
		if (prefix_fails && r >= 0)
			TEST_FAIL("%s: prefix of %zu bytes parsed", path, n);
		ASSERT_TRUE(r >= 0 || r == -EBADMSG);
		cn_found_release(&f);
	}
	uint8_t *copy = xmalloc(sb->len);
	for (size_t i = 0; i < sb->len; i += step) {
		struct cn_found f = { 0 };
		memcpy(copy, sb->buf, sb->len);
		copy[i] ^= 0xa5;
		int r = cn_catalog_rpm.parse(path, copy, sb->len, &f, &err);
		ASSERT_TRUE(r >= 0 || r == -EBADMSG);
		cn_found_release(&f);
	}
	free(copy);
}

TEST(bdb_corrupt)
{
	struct strbuf sb = STRBUF_INIT;
	load_fixture("Packages.bdb-centos8-dive", &sb);
	corrupt_all("var/lib/rpm/Packages", &sb, 3, true);
	strbuf_release(&sb);
}

TEST(ndb_corrupt)
{
	struct strbuf ndb = STRBUF_INIT;
	make_ndb(&ndb);
	corrupt_all("var/lib/rpm/Packages.db", &ndb, 3, true);
	strbuf_release(&ndb);
}

TEST(sqlite_corrupt)
{
	struct strbuf sb = STRBUF_INIT;
	load_fixture("rpmdb.sqlite-debian-rpm-4.18-generated", &sb);
	/* sqlite checks its own pages; a prefix may still hold every row, so only no-crash. */
	corrupt_all("var/lib/rpm/rpmdb.sqlite", &sb, 1021, false);
	struct cn_found f = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_ERR(catalog("var/lib/rpm/rpmdb.sqlite", sb.buf, 4096, &f, &err), -EBADMSG);
	cn_found_release(&f);
	strbuf_release(&sb);
}

TEST(garbage)
{
	static const char *const paths[] = { "var/lib/rpm/Packages", "var/lib/rpm/Packages.db",
					     "var/lib/rpm/rpmdb.sqlite" };
	static const char zeros[8192];
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
		struct cn_found f = { 0 };
		struct cn_error err = CN_ERROR_INIT;
		ASSERT_ERR(catalog(paths[i], zeros, sizeof(zeros), &f, &err), -EBADMSG);
		ASSERT_TRUE(err.msg[0] != '\0');
		ASSERT_ERR(catalog(paths[i], "", 0, &f, &err), -EBADMSG);
		cn_found_release(&f);
	}
}

/* A header blob made entry by entry (tags in the order added), for cases no real rpm writes. */
struct hdr {
	struct strbuf index, data;
	uint32_t il;
};

static void put_be32(struct strbuf *sb, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	strbuf_add(sb, b, 4);
}

static void hdr_add(struct hdr *h, uint32_t tag, uint32_t type, const void *data, size_t len,
		    uint32_t count)
{
	put_be32(&h->index, tag);
	put_be32(&h->index, type);
	put_be32(&h->index, (uint32_t)h->data.len);
	put_be32(&h->index, count);
	strbuf_add(&h->data, data, len);
	h->il++;
}

static void hdr_str(struct hdr *h, uint32_t tag, const char *s)
{
	hdr_add(h, tag, CN_RPM_STRING, s, strlen(s) + 1, 1);
}

/* Returns the blob (caller frees) and its length. */
static uint8_t *hdr_blob(struct hdr *h, size_t *ret_len)
{
	struct strbuf b = STRBUF_INIT;
	put_be32(&b, h->il);
	put_be32(&b, (uint32_t)h->data.len);
	strbuf_add(&b, h->index.buf, h->index.len);
	strbuf_add(&b, h->data.buf, h->data.len);
	strbuf_release(&h->index);
	strbuf_release(&h->data);
	h->il = 0;
	return (uint8_t *)strbuf_detach(&b, ret_len);
}

static int hdr_package(struct hdr *h, struct cn_package *p, struct cn_error *err)
{
	size_t len;
	uint8_t *blob = hdr_blob(h, &len);
	int r = cn_rpm_header_to_package(blob, len, p, err);
	free(blob);
	return r;
}

TEST(header_made_cases)
{
	struct hdr h = { STRBUF_INIT, STRBUF_INIT, 0 };
	struct cn_package p = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	uint8_t zero_be[4] = { 0 };

	/* Epoch 0 when set, no release, no files. */
	hdr_str(&h, CN_RPMTAG_NAME, "a");
	hdr_str(&h, CN_RPMTAG_VERSION, "1.0");
	hdr_add(&h, CN_RPMTAG_EPOCH, CN_RPM_INT32, zero_be, 4, 1);
	ASSERT_EQ(hdr_package(&h, &p, &err), 1);
	ASSERT_STREQ(p.version, "0:1.0");
	ASSERT_EQ(p.n_files, 0);
	cn_package_release(&p);

	/* Signing keys are not packages. */
	hdr_str(&h, CN_RPMTAG_NAME, "gpg-pubkey");
	hdr_str(&h, CN_RPMTAG_VERSION, "fd431d51");
	ASSERT_EQ(hdr_package(&h, &p, &err), 0);
	cn_package_release(&p);

	/* An epoch that is not an int32 and a directory index past the directories. */
	hdr_str(&h, CN_RPMTAG_NAME, "a");
	hdr_str(&h, CN_RPMTAG_VERSION, "1");
	hdr_str(&h, CN_RPMTAG_EPOCH, "1");
	ASSERT_ERR(hdr_package(&h, &p, &err), -EBADMSG);
	cn_package_release(&p);
	uint8_t one_be[4] = { 0, 0, 0, 1 };
	hdr_str(&h, CN_RPMTAG_NAME, "a");
	hdr_str(&h, CN_RPMTAG_VERSION, "1");
	hdr_add(&h, CN_RPMTAG_DIRINDEXES, CN_RPM_INT32, one_be, 4, 1);
	hdr_add(&h, CN_RPMTAG_BASENAMES, CN_RPM_STRING_ARRAY, "f", 2, 1);
	hdr_add(&h, CN_RPMTAG_DIRNAMES, CN_RPM_STRING_ARRAY, "/d/", 4, 1);
	ASSERT_ERR(hdr_package(&h, &p, &err), -EBADMSG);
	ASSERT_TRUE(strstr(err.msg, "dir index") != NULL);
	cn_package_release(&p);

	/* A shared 4000-byte directory cannot turn 17,000 one-byte names into 68 MB. */
	enum { N = 17000 };
	char *dir = xmalloc(4001);
	memset(dir, 'd', 4000);
	dir[0] = '/';
	dir[4000] = '\0';
	uint8_t *idx = xcalloc(N, 4);
	char *bases = xmalloc(2 * N);
	for (size_t i = 0; i < N; i++)
		memcpy(bases + 2 * i, "b", 2);
	hdr_str(&h, CN_RPMTAG_NAME, "a");
	hdr_str(&h, CN_RPMTAG_VERSION, "1");
	hdr_add(&h, CN_RPMTAG_DIRINDEXES, CN_RPM_INT32, idx, 4 * N, N);
	hdr_add(&h, CN_RPMTAG_BASENAMES, CN_RPM_STRING_ARRAY, bases, 2 * N, N);
	hdr_add(&h, CN_RPMTAG_DIRNAMES, CN_RPM_STRING_ARRAY, dir, 4001, 1);
	ASSERT_ERR(hdr_package(&h, &p, &err), -E2BIG);
	cn_package_release(&p);
	free(dir);
	free(idx);
	free(bases);
}
