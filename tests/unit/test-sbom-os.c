/*
 * The OS catalogers as pure parsers: dpkg status (real minbase and host databases from the
 * fixtures, hand-made edge cases), dpkg file lists and DEP-5 copyright files, distroless
 * status.d, apk's installed database, os-release, and license names to SPDX.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/strbuf.h"
#include "lib/sbom/catalog.h"
#include "test.h"

/* Reads fixture `rel` into `sb`; SKIPs when the fixtures are absent. */
static void read_fixture(const char *rel, struct strbuf *sb)
{
	const char *dir = test_fixtures_dir();
	if (!dir)
		SKIP("CAIRN_FIXTURES not set: no fixture %s", rel);
	cleanup_free char *path = xasprintf("%s/%s", dir, rel);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		SKIP("fixture %s missing", path);
	int r = cn_read_fd(fd, 64u << 20, sb);
	close(fd);
	ASSERT_OK(r);
}

static int parse_with(const struct cn_cataloger *c, const char *path, const char *data, size_t len,
		      struct cn_found *f)
{
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_EQ(c->wants(path, 0100644, (int64_t)len), CN_WANT_WHOLE);
	return c->parse(path, (const uint8_t *)data, len, f, &err);
}

static const struct cn_package *find(const struct cn_found *f, const char *name)
{
	for (size_t i = 0; i < f->n_pkgs; i++)
		if (strcmp(f->pkgs[i].name, name) == 0)
			return &f->pkgs[i];
	return NULL;
}

static void found_releasep(struct cn_found *f)
{
	cn_found_release(f);
}
#define cleanup_found __attribute__((cleanup(found_releasep)))

/* ------------------------------------------------------------------ dpkg */

TEST(dpkg_minbase_status)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	read_fixture("pkgdb/dpkg/bookworm-minbase-image.status", &sb);
	cleanup_found struct cn_found f = { 0 };
	ASSERT_OK(parse_with(&cn_catalog_dpkg, "var/lib/dpkg/status", sb.buf, sb.len, &f));
	ASSERT_EQ(f.n_pkgs, 88);
	/* a binNMU: the binary version has +b1, the source keeps its own */
	const struct cn_package *p = find(&f, "libcap2");
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(p->type, CN_PKG_DEB);
	ASSERT_STREQ(p->version, "1:2.66-4+deb12u3+b1");
	ASSERT_STREQ(p->source_name, "libcap2");
	ASSERT_STREQ(p->source_version, "1:2.66-4+deb12u3");
	ASSERT_STREQ(p->arch, "amd64");
	ASSERT_STREQ(p->maintainer, "Christian Kastner <ckk@debian.org>");
	ASSERT_STREQ(p->description, "POSIX 1003.1e capabilities (library)");
	/* no Source field: the package is its own source */
	p = find(&f, "apt");
	ASSERT_TRUE(p != NULL);
	ASSERT_STREQ(p->source_name, "apt");
	ASSERT_STREQ(p->source_version, p->version);
	for (size_t i = 0; i < f.n_pkgs; i++) {
		ASSERT_TRUE(f.pkgs[i].name && f.pkgs[i].version && f.pkgs[i].arch);
		ASSERT_NULL(f.pkgs[i].purl);
	}
}

TEST(dpkg_host_subset_status)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	read_fixture("pkgdb/dpkg/bookworm-older-host-subset.status", &sb);
	cleanup_found struct cn_found f = { 0 };
	ASSERT_OK(parse_with(&cn_catalog_dpkg, "var/lib/dpkg/status", sb.buf, sb.len, &f));
	ASSERT_EQ(f.n_pkgs, 175);
	const struct cn_package *p = find(&f, "liblzma5");
	ASSERT_TRUE(p != NULL);
	ASSERT_STREQ(p->version, "5.4.1-1");
	ASSERT_STREQ(p->source_name, "xz-utils");
}

static const char status_edge[] = "Package: keep\n"
				  "Status: install ok installed\n"
				  "Version: 1.0-1\n"
				  "Source: up (0.9-2)\n"
				  "Description: first line\n"
				  " second line: with a colon\n"
				  " .\n"
				  "\n"
				  "\n"
				  "Package: gone\n"
				  "Status: deinstall ok config-files\n"
				  "Version: 2.0\n"
				  "\n"
				  "Package: half\n"
				  "Status: install reinstreq half-installed\n"
				  "Version: 3.0\n"
				  "\n"
				  "package: lower-case-fields\r\n"
				  "status: install ok installed\r\n"
				  "version: 4.0\r\n"
				  "source: src-only\r\n";

TEST(dpkg_status_edge_cases)
{
	cleanup_found struct cn_found f = { 0 };
	ASSERT_OK(parse_with(&cn_catalog_dpkg, "var/lib/dpkg/status", status_edge,
			     strlen(status_edge), &f));
	ASSERT_EQ(f.n_pkgs, 2);
	ASSERT_STREQ(f.pkgs[0].name, "keep");
	ASSERT_STREQ(f.pkgs[0].source_name, "up");
	ASSERT_STREQ(f.pkgs[0].source_version, "0.9-2");
	ASSERT_STREQ(f.pkgs[0].description, "first line");
	ASSERT_NULL(f.pkgs[0].arch);
	ASSERT_STREQ(f.pkgs[1].name, "lower-case-fields");
	ASSERT_STREQ(f.pkgs[1].version, "4.0");
	ASSERT_STREQ(f.pkgs[1].source_name, "src-only");
	ASSERT_STREQ(f.pkgs[1].source_version, "4.0");

	cleanup_found struct cn_found bad = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	const char junk[] = "\x7f"
			    "ELF\x01\x02";
	ASSERT_ERR(cn_catalog_dpkg.parse("var/lib/dpkg/status", (const uint8_t *)junk, sizeof(junk),
					 &bad, &err),
		   -EBADMSG);
	ASSERT_OK(cn_catalog_dpkg.parse("var/lib/dpkg/status", (const uint8_t *)"", 0, &bad, &err));
	ASSERT_EQ(bad.n_pkgs, 0);
}

TEST(dpkg_distroless_status_d)
{
	static const char two[] = "Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\n"
				  "Source: glibc\n\nPackage: libssl3\nVersion: 3.0.11-1~deb12u2\n";
	cleanup_found struct cn_found f = { 0 };
	ASSERT_OK(
		parse_with(&cn_catalog_dpkg, "var/lib/dpkg/status.d/libc6", two, strlen(two), &f));
	ASSERT_EQ(f.n_pkgs, 2);
	ASSERT_STREQ(f.pkgs[0].source_name, "glibc");
	ASSERT_STREQ(f.pkgs[0].source_version, "2.36-9+deb12u4");
	ASSERT_EQ(cn_catalog_dpkg.wants("var/lib/dpkg/status.d/libc6.md5sums", 0100644, 10),
		  CN_WANT_NONE);
	ASSERT_EQ(cn_catalog_dpkg.wants("var/lib/dpkg/status.d/x/y", 0100644, 10), CN_WANT_NONE);
	ASSERT_EQ(cn_catalog_dpkg.wants("var/lib/dpkg/status-old", 0100644, 10), CN_WANT_NONE);
	ASSERT_EQ(cn_catalog_dpkg.wants("var/lib/dpkg/info/bash.md5sums", 0100644, 10),
		  CN_WANT_NONE);
	ASSERT_EQ(cn_catalog_dpkg.wants("usr/share/doc/bash/changelog.gz", 0100644, 10),
		  CN_WANT_NONE);
	ASSERT_EQ(cn_catalog_dpkg.wants("usr/share/doc/copyright", 0100644, 10), CN_WANT_NONE);
}

TEST(dpkg_list_and_copyright)
{
	static const char list[] = "/.\n/usr\n/usr/lib/x86_64-linux-gnu/libcap.so.2.66\n"
				   "/usr/lib/x86_64-linux-gnu/libcap.so.2\n";
	cleanup_found struct cn_found f = { 0 };
	ASSERT_OK(parse_with(&cn_catalog_dpkg, "var/lib/dpkg/info/libcap2:amd64.list", list,
			     strlen(list), &f));
	ASSERT_STREQ(f.owner, "libcap2:amd64");
	ASSERT_EQ(f.n_files, 3);
	ASSERT_STREQ(f.files[0], "/usr");
	ASSERT_STREQ(f.files[2], "/usr/lib/x86_64-linux-gnu/libcap.so.2");

	static const char dep5[] =
		"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
		"Upstream-Name: bash\n\n"
		"Files: *\nCopyright: 1987-2022 Free Software Foundation, Inc.\n"
		"License: GPL-3+\n\n"
		"Files: lib/sh/*\nLicense: BSD-3-clause\n\n"
		"Files: doc/*\nLicense: GPL-2+ or Artistic-2.0\n\n"
		"License: GPL-3+\n On Debian systems the full text is in\n"
		" /usr/share/common-licenses/GPL-3.\n";
	cleanup_found struct cn_found c = { 0 };
	ASSERT_OK(parse_with(&cn_catalog_dpkg, "usr/share/doc/bash/copyright", dep5, strlen(dep5),
			     &c));
	ASSERT_STREQ(c.owner, "bash");
	ASSERT_STREQ(c.license, "GPL-3.0-or-later AND BSD-3-Clause AND "
				"(GPL-2.0-or-later OR Artistic-2.0)");

	static const char mixed[] = "Format: http://dep.debian.net/deps/dep5\n\n"
				    "Files: *\nLicense: GPL-2+\n\nFiles: x\nLicense: Frobnitz\n";
	cleanup_found struct cn_found m = { 0 };
	ASSERT_OK(parse_with(&cn_catalog_dpkg, "usr/share/doc/x/copyright", mixed, strlen(mixed),
			     &m));
	ASSERT_STREQ(m.license, "GPL-2+ AND Frobnitz");

	static const char prose[] = "This is Debian's prepackaged version of foo.\n"
				    "See /usr/share/common-licenses/GPL-2.\n";
	cleanup_found struct cn_found p = { 0 };
	ASSERT_OK(parse_with(&cn_catalog_dpkg, "usr/share/doc/foo/copyright", prose, strlen(prose),
			     &p));
	ASSERT_NULL(p.license);
}

/* ------------------------------------------------------------------ apk */

TEST(apk_installed_small)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	read_fixture("pkgdb/apk/installed-small", &sb);
	cleanup_found struct cn_found f = { 0 };
	ASSERT_OK(parse_with(&cn_catalog_apk, "lib/apk/db/installed", sb.buf, sb.len, &f));
	ASSERT_EQ(f.n_pkgs, 4);
	const struct cn_package *p = find(&f, "busybox-binsh");
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(p->type, CN_PKG_APK);
	ASSERT_STREQ(p->version, "1.36.1-r15");
	ASSERT_STREQ(p->arch, "x86_64");
	ASSERT_STREQ(p->source_name, "busybox");
	ASSERT_STREQ(p->source_version, "1.36.1-r15");
	ASSERT_STREQ(p->license, "GPL-2.0-only");
	ASSERT_STREQ(p->description, "busybox ash /bin/sh");
	ASSERT_EQ(p->n_files, 1);
	ASSERT_STREQ(p->files[0], "/bin/sh");
	p = find(&f, "musl");
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(p->n_files, 2);
	ASSERT_STREQ(p->files[0], "/lib/ld-musl-x86_64.so.1");
}

TEST(apk_installed_alpine_316)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	read_fixture("pkgdb/apk/installed-alpine-3.16-multiple", &sb);
	cleanup_found struct cn_found f = { 0 };
	ASSERT_OK(parse_with(&cn_catalog_apk, "lib/apk/db/installed", sb.buf, sb.len, &f));
	ASSERT_EQ(f.n_pkgs, 14);
	const struct cn_package *p = find(&f, "libcrypto1.1");
	ASSERT_TRUE(p != NULL);
	ASSERT_STREQ(p->version, "1.1.1q-r0");
	ASSERT_STREQ(p->source_name, "openssl");
	ASSERT_STREQ(p->license, "OpenSSL");
	p = find(&f, "ca-certificates-bundle");
	ASSERT_STREQ(p->license, "MPL-2.0 AND MIT");
	/* an old-style list is not an expression: kept as written */
	p = find(&f, "musl-utils");
	ASSERT_STREQ(p->license, "MIT BSD GPL2+");
	p = find(&f, "zlib");
	ASSERT_STREQ(p->version, "1.2.12-r3");
}

/* ------------------------------------------------------------------ os-release */

static void os_case(const char *text, const char *id, const char *version, const char *codename,
		    const char *pretty)
{
	cleanup_found struct cn_found f = { 0 };
	ASSERT_OK(parse_with(&cn_catalog_os_release, "etc/os-release", text, strlen(text), &f));
	ASSERT_TRUE(f.os != NULL);
	if (id)
		ASSERT_STREQ(f.os->id, id);
	else
		ASSERT_NULL(f.os->id);
	if (version)
		ASSERT_STREQ(f.os->version_id, version);
	else
		ASSERT_NULL(f.os->version_id);
	if (codename)
		ASSERT_STREQ(f.os->codename, codename);
	else
		ASSERT_NULL(f.os->codename);
	if (pretty)
		ASSERT_STREQ(f.os->pretty_name, pretty);
}

TEST(os_release_strings)
{
	os_case("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
		"VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\n"
		"ID=debian\nHOME_URL=\"https://www.debian.org/\"\n",
		"debian", "12", "bookworm", "Debian GNU/Linux 12 (bookworm)");
	os_case("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.16.2\n"
		"PRETTY_NAME=\"Alpine Linux v3.16\"\n",
		"alpine", "3.16.2", NULL, "Alpine Linux v3.16");
	/* sid: no VERSION_ID; comments, blank lines, single quotes, escapes, CRLF */
	os_case("# comment\n\n  ID='debian'\r\nPRETTY_NAME=\"say \\\"hi\\\" \\$x\"\n", "debian",
		NULL, NULL, "say \"hi\" $x");
	os_case("ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"\nID=\"later wins\"\n",
		"later wins", "22.04", NULL, NULL);
	ASSERT_EQ(cn_catalog_os_release.wants("usr/lib/os-release", 0100644, 100), CN_WANT_WHOLE);
	ASSERT_EQ(cn_catalog_os_release.wants("etc/os-release.d/x", 0100644, 100), CN_WANT_NONE);
}

/* ------------------------------------------------------------------ licenses */

static const struct {
	const char *in, *want;
} license_cases[] = {
	{ "GPL-2+", "GPL-2.0-or-later" },
	{ "GPL-2", "GPL-2.0-only" },
	{ "GPLv2+", "GPL-2.0-or-later" },
	{ "GPL-3.0-or-later", "GPL-3.0-or-later" },
	{ "gpl-3.0-only", "GPL-3.0-only" },
	{ "LGPL-2.1", "LGPL-2.1-only" },
	{ "LGPL-2.1+", "LGPL-2.1-or-later" },
	{ "LGPLv3+", "LGPL-3.0-or-later" },
	{ "GPL-2 or later", "GPL-2.0-or-later" },
	{ "Apache-2.0", "Apache-2.0" },
	{ "Apache License 2.0", "Apache-2.0" },
	{ "ASL 2.0", "Apache-2.0" },
	{ "BSD-3-clause", "BSD-3-Clause" },
	{ "MIT", "MIT" },
	{ "Expat", "MIT" },
	{ "MIT/X11", "MIT" },
	{ "public-domain", "LicenseRef-public-domain" },
	{ "GPL-2+ or Artistic-2.0", "GPL-2.0-or-later OR Artistic-2.0" },
	{ "GPLv2+ and LGPLv2+", "GPL-2.0-or-later AND LGPL-2.0-or-later" },
	{ "MIT, BSD-2-clause", "MIT AND BSD-2-Clause" },
	{ "(MIT OR Apache-2.0) AND Zlib", "(MIT OR Apache-2.0) AND Zlib" },
	{ "GPL-2.0-or-later WITH Classpath-exception-2.0",
	  "GPL-2.0-or-later WITH Classpath-exception-2.0" },
	/* not recognised: NULL */
	{ "GPL-2+ with OpenSSL exception", NULL },
	{ "BSD", NULL },
	{ "Artistic", NULL },
	{ "GPL-4", NULL },
	{ "LGPL-2.2", NULL },
	{ "MIT BSD GPL2+", NULL },
	{ "MIT and", NULL },
	{ "(MIT", NULL },
	{ "", NULL },
	{ "and", NULL },
	{ "LicenseRef-bad name", NULL },
};

TEST(license_spdx_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(license_cases); i++) {
		cleanup_free char *got = cn_license_spdx(license_cases[i].in);
		const char *want = license_cases[i].want;
		if ((!got) != (!want) || (got && strcmp(got, want) != 0))
			TEST_FAIL("license \"%s\" = \"%s\", want \"%s\"", license_cases[i].in,
				  got ? got : "(null)", want ? want : "(null)");
	}
	ASSERT_NULL(cn_license_spdx(NULL));
}
