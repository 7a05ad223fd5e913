/* Package URLs, the SBOM writers and the SBOM reader (lib/sbom/purl.h, format.h). */
#include <jansson.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/sbom/format.h"
#include "lib/sbom/purl.h"
#include "test.h"

#define LAYER0	     "sha256:476bdec30e24bc94c9bc26a4b1b81c1b4cf62eceeb6ca398deca143ec6b05f1a"
#define LAYER1	     "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define MANIFEST_HEX "2222222222222222222222222222222222222222222222222222222222222222"
#define MANIFEST     "sha256:" MANIFEST_HEX

static struct cn_os debian12 = { (char *)"debian", (char *)"12", (char *)"bookworm",
				 (char *)"Debian GNU/Linux 12 (bookworm)" };

static char *purl_of(enum cn_pkg_type type, const char *name, const char *version,
		     const struct cn_os *os)
{
	struct cn_package p = { .type = type, .name = (char *)name, .version = (char *)version };
	return cn_purl_for(&p, os);
}

#define ASSERT_PURL(want, type, name, version, os)                                                 \
	do {                                                                                       \
		cleanup_free char *_got = purl_of(type, name, version, os);                        \
		ASSERT_STREQ(_got, want);                                                          \
	} while (0)

TEST(purl_os_packages)
{
	struct cn_package deb = { .type = CN_PKG_DEB,
				  .name = (char *)"libssl3",
				  .version = (char *)"3.0.11-1~deb12u2",
				  .arch = (char *)"amd64",
				  .source_name = (char *)"openssl",
				  .source_version = (char *)"3.0.11-1~deb12u2" };
	cleanup_free char *d = cn_purl_for(&deb, &debian12);
	ASSERT_STREQ(d, "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&"
			"upstream=openssl");
	deb.name = (char *)"openssl";
	cleanup_free char *d2 = cn_purl_for(&deb, &debian12);
	ASSERT_STREQ(d2, "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12");
	/* a binNMU: the source version differs; "+" is percent-encoded */
	struct cn_package nmu = { .type = CN_PKG_DEB,
				  .name = (char *)"libgcc-s1",
				  .version = (char *)"12.2.0-14+b1",
				  .arch = (char *)"amd64",
				  .source_name = (char *)"gcc-12",
				  .source_version = (char *)"12.2.0-14" };
	cleanup_free char *d3 = cn_purl_for(&nmu, &debian12);
	ASSERT_STREQ(d3, "pkg:deb/debian/libgcc-s1@12.2.0-14%2Bb1?arch=amd64&distro=debian-12&"
			 "upstream=gcc-12%4012.2.0-14");

	struct cn_os alpine = { (char *)"alpine", (char *)"3.16.2", NULL, NULL };
	struct cn_package apk = { .type = CN_PKG_APK,
				  .name = (char *)"musl",
				  .version = (char *)"1.2.3-r0",
				  .arch = (char *)"x86_64",
				  .source_name = (char *)"musl" };
	cleanup_free char *a = cn_purl_for(&apk, &alpine);
	ASSERT_STREQ(a, "pkg:apk/alpine/musl@1.2.3-r0?arch=x86_64&distro=alpine-3.16.2");

	struct cn_os rhel = { (char *)"rhel", (char *)"9", NULL, NULL };
	struct cn_package rpm = { .type = CN_PKG_RPM,
				  .name = (char *)"openssl-libs",
				  .version = (char *)"1:3.0.7-27.el9",
				  .arch = (char *)"x86_64" };
	cleanup_free char *r = cn_purl_for(&rpm, &rhel);
	ASSERT_STREQ(r, "pkg:rpm/rhel/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9&epoch=1");
	rpm.version = (char *)"3.0.7-27.el9";
	cleanup_free char *r2 = cn_purl_for(&rpm, NULL);
	ASSERT_STREQ(r2, "pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64");

	/* no VERSION_ID (debian sid): the codename names the distro */
	struct cn_os sid = { (char *)"debian", NULL, (char *)"trixie", NULL };
	ASSERT_PURL("pkg:deb/debian/bash@5.2-1?distro=debian-trixie", CN_PKG_DEB, "bash", "5.2-1",
		    &sid);
	/* an epoch stays in a deb version; ":" is not encoded */
	ASSERT_PURL("pkg:deb/debian/perl@1:5.36.0-7?distro=debian-12", CN_PKG_DEB, "perl",
		    "1:5.36.0-7", &debian12);
}

TEST(purl_language_packages)
{
	ASSERT_PURL("pkg:pypi/cryptography@38.0.4", CN_PKG_PYTHON, "cryptography", "38.0.4", NULL);
	ASSERT_PURL("pkg:pypi/typing-extensions@4.8.0", CN_PKG_PYTHON, "Typing_Extensions", "4.8.0",
		    NULL);
	ASSERT_PURL("pkg:npm/%40babel/core@7.0.0", CN_PKG_NPM, "@babel/core", "7.0.0", NULL);
	ASSERT_PURL("pkg:npm/lodash@4.17.21", CN_PKG_NPM, "lodash", "4.17.21", NULL);
	ASSERT_PURL("pkg:golang/github.com/foo/bar@v1.2.3", CN_PKG_GO, "github.com/foo/bar",
		    "v1.2.3", NULL);
	ASSERT_PURL("pkg:golang/stdlib@go1.21.5", CN_PKG_GO, "stdlib", "go1.21.5", NULL);
	ASSERT_PURL("pkg:golang/golang.org/x/net@v0.0.0-20220722155237-a158d28d115b%2Bincompatible",
		    CN_PKG_GO, "golang.org/x/net",
		    "v0.0.0-20220722155237-a158d28d115b+incompatible", NULL);
	struct cn_package jar = { .type = CN_PKG_JAVA,
				  .name = (char *)"commons-lang3",
				  .group = (char *)"org.apache.commons",
				  .version = (char *)"3.12.0" };
	cleanup_free char *j = cn_purl_for(&jar, NULL);
	ASSERT_STREQ(j, "pkg:maven/org.apache.commons/commons-lang3@3.12.0");
	/* percent-encoding of what is not unreserved */
	ASSERT_PURL("pkg:npm/a%20b@1.0.0%2Fx%3Fy%23z", CN_PKG_NPM, "a b", "1.0.0/x?y#z", NULL);
	ASSERT_PURL("pkg:pypi/caf%C3%A9", CN_PKG_PYTHON, "caf\xc3\xa9", NULL, NULL);
	struct cn_package nameless = { .type = CN_PKG_NPM };
	ASSERT_NULL(cn_purl_for(&nameless, NULL));
}

TEST(purl_parse)
{
	cleanup_purl struct cn_purl u = { 0 };
	ASSERT_OK(cn_purl_parse("pkg:deb/debian/libgcc-s1@12.2.0-14%2Bb1?distro=debian-12&"
				"arch=amd64&upstream=gcc-12%4012.2.0-14",
				&u));
	ASSERT_STREQ(u.type, "deb");
	ASSERT_STREQ(u.namespace, "debian");
	ASSERT_STREQ(u.name, "libgcc-s1");
	ASSERT_STREQ(u.version, "12.2.0-14+b1");
	ASSERT_EQ(u.n_qualifiers, 3);
	ASSERT_STREQ(u.qualifiers[0].key, "arch"); /* sorted */
	ASSERT_STREQ(cn_purl_qualifier(&u, "upstream"), "gcc-12@12.2.0-14");
	cleanup_free char *canon = cn_purl_format(&u);
	ASSERT_STREQ(canon, "pkg:deb/debian/libgcc-s1@12.2.0-14%2Bb1?arch=amd64&distro=debian-12&"
			    "upstream=gcc-12%4012.2.0-14");

	cleanup_purl struct cn_purl n = { 0 };
	ASSERT_OK(cn_purl_parse("PKG:NPM/%40babel/core@7.0.0#lib/index.js", &n));
	ASSERT_STREQ(n.type, "npm");
	ASSERT_STREQ(n.namespace, "@babel");
	ASSERT_STREQ(n.name, "core");
	ASSERT_STREQ(n.subpath, "lib/index.js");

	cleanup_purl struct cn_purl g = { 0 };
	ASSERT_OK(cn_purl_parse("pkg://golang/github.com/foo/bar", &g));
	ASSERT_STREQ(g.namespace, "github.com/foo");
	ASSERT_STREQ(g.name, "bar");
	ASSERT_NULL(g.version);

	/* "@" inside the namespace (encoded) and the version after the last "@" */
	cleanup_purl struct cn_purl m = { 0 };
	ASSERT_OK(cn_purl_parse("pkg:maven/org.apache/x@1.0?classifier=&type=jar", &m));
	ASSERT_STREQ(m.version, "1.0");
	ASSERT_EQ(m.n_qualifiers, 1); /* empty values are dropped */

	static const char *const bad[] = {
		"",
		"deb/debian/x",
		"pkg:",
		"pkg:deb",
		"pkg:deb/",
		"pkg:/x",
		"pkg:1deb/x",
		"pkg:de b/x",
		"pkg:deb/%zz",
		"pkg:deb/x%4",
		"pkg:deb/x%00",
		"pkg:deb/x?a",
		"pkg:deb/x?=v",
		"pkg:deb/x?a=1&a=2",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct cn_purl b = { 0 };
		if (cn_purl_parse(bad[i], &b) != -EINVAL)
			TEST_FAIL("\"%s\" parsed", bad[i]);
	}
	char *longp = xmalloc(CN_PURL_MAX + 16);
	memset(longp, 'a', CN_PURL_MAX + 15);
	memcpy(longp, "pkg:npm/", 8);
	longp[CN_PURL_MAX + 15] = '\0';
	struct cn_purl l = { 0 };
	int rl = cn_purl_parse(longp, &l);
	free(longp);
	ASSERT_ERR(rl, -E2BIG);
}

TEST(purl_to_package)
{
	cleanup_purl struct cn_purl u = { 0 };
	const char *s = "pkg:rpm/rhel/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9&epoch=1"
			"&upstream=openssl-3.0.7-27.el9.src.rpm";
	ASSERT_OK(cn_purl_parse(s, &u));
	struct cn_package p = { 0 };
	ASSERT_OK(cn_purl_to_package(&u, s, &p));
	ASSERT_EQ(p.type, CN_PKG_RPM);
	ASSERT_STREQ(p.version, "1:3.0.7-27.el9");
	ASSERT_STREQ(p.arch, "x86_64");
	ASSERT_STREQ(p.source_name, "openssl-3.0.7-27.el9.src.rpm");
	ASSERT_STREQ(p.purl, s);
	cn_package_release(&p);

	cleanup_purl struct cn_purl n = { 0 };
	ASSERT_OK(cn_purl_parse("pkg:npm/%40babel/core@7.0.0", &n));
	ASSERT_OK(cn_purl_to_package(&n, NULL, &p));
	ASSERT_EQ(p.type, CN_PKG_NPM);
	ASSERT_STREQ(p.name, "@babel/core");
	cn_package_release(&p);

	cleanup_purl struct cn_purl o = { 0 };
	ASSERT_OK(cn_purl_parse("pkg:oci/app@sha256%3Aab", &o));
	ASSERT_ERR(cn_purl_to_package(&o, NULL, &p), -EOPNOTSUPP);

	struct cn_os os = { 0 };
	cn_purl_distro_to_os("opensuse-leap-15.4", &os);
	ASSERT_STREQ(os.id, "opensuse-leap");
	ASSERT_STREQ(os.version_id, "15.4");
	free(os.id);
	free(os.version_id);
	os = (struct cn_os){ 0 };
	cn_purl_distro_to_os("debian-trixie", &os);
	ASSERT_STREQ(os.codename, "trixie");
	ASSERT_NULL(os.version_id);
	free(os.id);
	free(os.codename);
}

/* ---------------------------------------------------------------- a hand-made SBOM */

static void add_pkg(struct cn_sbom *s, enum cn_pkg_type type, const char *name, const char *version,
		    const char *license, uint32_t layer)
{
	s->pkgs = xreallocarray(s->pkgs, s->n_pkgs + 1, sizeof(*s->pkgs));
	struct cn_package *p = &s->pkgs[s->n_pkgs++];
	*p = (struct cn_package){ .type = type, .name = xstrdup(name), .layer = layer };
	p->version = version ? xstrdup(version) : NULL;
	p->license = license ? xstrdup(license) : NULL;
}

static struct cn_sbom *sample(void)
{
	struct cn_sbom *s = cn_sbom_new();
	s->image = xstrdup("127.0.0.1:5000/demo/app:1");
	ASSERT_OK(cn_digest_parse(MANIFEST, &s->manifest_digest));
	ASSERT_OK(cn_digest_parse(LAYER1, &s->image_id));
	s->architecture = xstrdup("amd64");
	s->image_os = xstrdup("linux");
	s->os = (struct cn_os){ xstrdup("debian"), xstrdup("12"), xstrdup("bookworm"),
				xstrdup("Debian GNU/Linux 12 (bookworm)") };
	s->layers = xcalloc(2, sizeof(*s->layers));
	s->n_layers = 2;
	ASSERT_OK(cn_digest_parse(LAYER0, &s->layers[0].digest));
	ASSERT_OK(cn_digest_parse(LAYER1, &s->layers[0].diff_id));
	s->layers[0].size = 29123456;
	s->layers[0].created_by = xstrdup("debootstrap --variant=minbase bookworm");
	ASSERT_OK(cn_digest_parse(LAYER1, &s->layers[1].digest));
	s->layers[1].size = 1234;
	s->layers[1].created_by = xstrdup("RUN pip install cryptography\tlodash");

	add_pkg(s, CN_PKG_DEB, "libssl3", "3.0.11-1~deb12u2", "Apache-2.0", 0);
	struct cn_package *p = &s->pkgs[0];
	p->arch = xstrdup("amd64");
	p->source_name = xstrdup("openssl");
	p->source_version = xstrdup("3.0.11-1~deb12u2");
	p->maintainer = xstrdup("Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>");
	p->description = xstrdup("Secure Sockets Layer toolkit - shared libraries");
	p->found_in = xstrdup("/var/lib/dpkg/status");
	p->files = xcalloc(2, sizeof(*p->files));
	p->files[p->n_files++] = xstrdup("/usr/lib/x86_64-linux-gnu/libssl.so.3");
	p->files[p->n_files++] = xstrdup("/usr/share/doc/libssl3/copyright");
	add_pkg(s, CN_PKG_DEB, "tzdata", "2024a-0+deb12u1", "public-domain and GPL-2+", 0);
	s->pkgs[1].found_in = xstrdup("/var/lib/dpkg/status");
	add_pkg(s, CN_PKG_PYTHON, "cryptography", "38.0.4", NULL, 1);
	s->pkgs[2].flags = CN_PKG_OS_OWNED;
	s->pkgs[2].found_in =
		xstrdup("/usr/lib/python3/dist-packages/cryptography-38.0.4.dist-info/"
			"METADATA");
	add_pkg(s, CN_PKG_NPM, "@babel/core", "7.0.0", "MIT", 1);
	add_pkg(s, CN_PKG_JAVA, "commons-lang3", "3.12.0", "Apache-2.0", 1);
	s->pkgs[4].group = xstrdup("org.apache.commons");
	add_pkg(s, CN_PKG_GO, "github.com/foo/bar", "v1.2.3", NULL, 1);
	s->created = 1764288000; /* 2025-11-28T00:00:00Z */
	for (size_t i = 0; i < s->n_pkgs; i++)
		s->pkgs[i].purl = cn_purl_for(&s->pkgs[i], &s->os);
	cn_sbom_sort(s);
	return s;
}

static char *write_fmt(const struct cn_sbom *s, enum cn_sbom_format f)
{
	struct strbuf out = STRBUF_INIT;
	struct cn_error err = CN_ERROR_INIT;
	if (cn_sbom_write(s, f, &out, &err) < 0)
		TEST_FAIL("writing %s: %s", cn_sbom_format_name(f), err.msg);
	return strbuf_detach(&out, NULL);
}

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	if (!j)
		TEST_FAIL("not JSON: %s", e.text);
	return j;
}

TEST(format_names)
{
	enum cn_sbom_format f;
	ASSERT_OK(cn_sbom_format_parse("cyclonedx-json", &f));
	ASSERT_EQ(f, CN_SBOM_CYCLONEDX_JSON);
	ASSERT_STREQ(cn_sbom_format_name(CN_SBOM_SPDX_JSON), "spdx-json");
	ASSERT_STREQ(cn_sbom_format_media_type(CN_SBOM_SPDX_JSON), "application/spdx+json");
	ASSERT_ERR(cn_sbom_format_parse("xml", &f), -EINVAL);
	char buf[32];
	ASSERT_STREQ(cn_sbom_format_time(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
}

TEST(table)
{
	cleanup_sbom struct cn_sbom *s = sample();
	cleanup_free char *t = write_fmt(s, CN_SBOM_TABLE);
	/* columns 3 blanks apart after the widest cell: NAME org.apache.commons:commons-lang3
	 * (32), VERSION 3.0.11-1~deb12u2 (16), TYPE java-archive (12) */
	cleanup_free char *want = xasprintf("Distro: Debian GNU/Linux 12 (bookworm)\n"
					    "NAME%*sVERSION%*sTYPE%*sLAYER\n"
					    "libssl3%*s3.0.11-1~deb12u2   deb%*s1 476bdec30e24\n",
					    31, "", 12, "", 11, "", 28, "", 12, "");
	if (strncmp(t, want, strlen(want)) != 0)
		TEST_FAIL("table starts:\n%s\nwant:\n%s", t, want);
	ASSERT_TRUE(strstr(t, "\norg.apache.commons:commons-lang3   3.12.0 "));
	/* no tabs, every line ends without trailing blanks */
	ASSERT_NULL(strchr(t, '\t'));
	ASSERT_NULL(strstr(t, " \n"));

	cleanup_sbom struct cn_sbom *empty = cn_sbom_new();
	cleanup_free char *e = write_fmt(empty, CN_SBOM_TABLE);
	ASSERT_STREQ(e, "Distro: unknown\nNAME   VERSION   TYPE   LAYER\n");
}

TEST(cairn_json)
{
	cleanup_sbom struct cn_sbom *s = sample();
	cleanup_free char *t = write_fmt(s, CN_SBOM_JSON);
	json_t *j = load(t);
	ASSERT_STREQ(json_string_value(json_object_get(j, "schema")), "cairn-sbom/1");
	ASSERT_STREQ(json_string_value(json_object_get(j, "created")), "2025-11-28T00:00:00Z");
	json_t *img = json_object_get(j, "image");
	ASSERT_STREQ(json_string_value(json_object_get(img, "manifest")), MANIFEST);
	json_t *p0 = json_array_get(json_object_get(j, "packages"), 0);
	ASSERT_STREQ(json_string_value(json_object_get(p0, "purl")),
		     "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&"
		     "upstream=openssl");
	ASSERT_EQ(json_array_size(json_object_get(p0, "files")), 2);
	ASSERT_TRUE(json_is_null(json_object_get(p0, "group")));
	json_t *l1 = json_array_get(json_object_get(j, "layers"), 1);
	ASSERT_TRUE(json_is_null(json_object_get(l1, "diff_id")));
	json_decref(j);
}

TEST(spdx_json)
{
	cleanup_sbom struct cn_sbom *s = sample();
	cleanup_free char *t = write_fmt(s, CN_SBOM_SPDX_JSON);
	json_t *j = load(t);
	ASSERT_STREQ(json_string_value(json_object_get(j, "spdxVersion")), "SPDX-2.3");
	ASSERT_STREQ(json_string_value(json_array_get(
			     json_object_get(json_object_get(j, "creationInfo"), "creators"), 0)),
		     "Tool: cairn-" CAIRN_VERSION);
	json_t *pkgs = json_object_get(j, "packages");
	ASSERT_EQ(json_array_size(pkgs), s->n_pkgs + 1);
	json_t *image = json_array_get(pkgs, 0);
	ASSERT_STREQ(json_string_value(json_object_get(image, "primaryPackagePurpose")),
		     "CONTAINER");
	json_t *ssl = json_array_get(pkgs, 1);
	ASSERT_STREQ(json_string_value(json_object_get(ssl, "SPDXID")),
		     "SPDXRef-Package-deb-libssl3-0");
	ASSERT_STREQ(json_string_value(json_object_get(ssl, "supplier")),
		     "Person: Debian OpenSSL Team (pkg-openssl-devel@alioth-lists.debian.net)");
	json_t *ref = json_array_get(json_object_get(ssl, "externalRefs"), 0);
	ASSERT_STREQ(json_string_value(json_object_get(ref, "referenceType")), "purl");
	json_t *rels = json_object_get(j, "relationships");
	ASSERT_EQ(json_array_size(rels), s->n_pkgs + 1);
	ASSERT_STREQ(
		json_string_value(json_object_get(json_array_get(rels, 0), "relationshipType")),
		"DESCRIBES");
	/* a package without a license says NOASSERTION */
	json_t *crypto = json_array_get(pkgs, 3);
	ASSERT_STREQ(json_string_value(json_object_get(crypto, "licenseDeclared")), "NOASSERTION");
	json_decref(j);
}

TEST(cyclonedx_json)
{
	cleanup_sbom struct cn_sbom *s = sample();
	cleanup_free char *t = write_fmt(s, CN_SBOM_CYCLONEDX_JSON);
	json_t *j = load(t);
	ASSERT_STREQ(json_string_value(json_object_get(j, "specVersion")), "1.5");
	const char *serial = json_string_value(json_object_get(j, "serialNumber"));
	ASSERT_TRUE(serial && strncmp(serial, "urn:uuid:", 9) == 0 && strlen(serial) == 45);
	json_t *meta = json_object_get(json_object_get(j, "metadata"), "component");
	ASSERT_STREQ(json_string_value(json_object_get(meta, "type")), "container");
	ASSERT_STREQ(json_string_value(json_object_get(meta, "purl")),
		     "pkg:oci/app@sha256:" MANIFEST_HEX
		     "?repository_url=127.0.0.1:5000%2Fdemo%2Fapp");
	json_t *comps = json_object_get(j, "components");
	ASSERT_EQ(json_array_size(comps), s->n_pkgs + 1);
	ASSERT_STREQ(json_string_value(json_object_get(json_array_get(comps, 0), "type")),
		     "operating-system");
	json_t *ssl = json_array_get(comps, 1);
	json_t *props = json_object_get(ssl, "properties");
	bool saw_layer = false;
	size_t i;
	json_t *prop;
	json_array_foreach (props, i, prop) {
		if (strcmp(json_string_value(json_object_get(prop, "name")),
			   "cairn:layer:digest") == 0) {
			ASSERT_STREQ(json_string_value(json_object_get(prop, "value")), LAYER0);
			saw_layer = true;
		}
	}
	ASSERT_TRUE(saw_layer);
	json_decref(j);
}

/* ---------------------------------------------------------------- reading back */

static struct cn_sbom *round_trip(const struct cn_sbom *s, enum cn_sbom_format f)
{
	cleanup_free char *t = write_fmt(s, f);
	struct cn_sbom *back = NULL;
	struct cn_error err = CN_ERROR_INIT;
	if (cn_sbom_read(t, strlen(t), &back, &err) < 0)
		TEST_FAIL("reading %s back: %s", cn_sbom_format_name(f), err.msg);
	return back;
}

/* Finds the package of `type` and `name` in s. */
static const struct cn_package *find(const struct cn_sbom *s, enum cn_pkg_type type,
				     const char *name)
{
	for (size_t i = 0; i < s->n_pkgs; i++)
		if (s->pkgs[i].type == type && strcmp(s->pkgs[i].name, name) == 0)
			return &s->pkgs[i];
	TEST_FAIL("no %s package %s", cn_pkg_type_name(type), name);
}

static void same_packages(const struct cn_sbom *a, const struct cn_sbom *b)
{
	ASSERT_EQ(a->n_pkgs, b->n_pkgs);
	for (size_t i = 0; i < a->n_pkgs; i++) {
		const struct cn_package *p = &a->pkgs[i], *q = find(b, p->type, p->name);
		ASSERT_STREQ(q->version, p->version);
		ASSERT_STREQ(q->purl, p->purl);
	}
	ASSERT_STREQ(b->os.id, "debian");
	ASSERT_STREQ(b->os.version_id, "12");
}

TEST(read_cairn_json)
{
	cleanup_sbom struct cn_sbom *s = sample();
	cleanup_sbom struct cn_sbom *b = round_trip(s, CN_SBOM_JSON);
	same_packages(s, b);
	ASSERT_STREQ(b->image, s->image);
	ASSERT_STREQ(b->manifest_digest.str, MANIFEST);
	ASSERT_STREQ(b->os.pretty_name, s->os.pretty_name);
	ASSERT_EQ(b->n_layers, 2);
	ASSERT_EQ(b->layers[0].size, 29123456);
	ASSERT_STREQ(b->layers[1].created_by, s->layers[1].created_by);
	const struct cn_package *ssl = find(b, CN_PKG_DEB, "libssl3");
	ASSERT_EQ(ssl->n_files, 2);
	ASSERT_STREQ(ssl->maintainer, s->pkgs[0].maintainer);
	ASSERT_STREQ(ssl->source_name, "openssl");
	ASSERT_TRUE(find(b, CN_PKG_PYTHON, "cryptography")->flags & CN_PKG_OS_OWNED);
	ASSERT_STREQ(find(b, CN_PKG_JAVA, "commons-lang3")->group, "org.apache.commons");
	ASSERT_EQ(find(b, CN_PKG_NPM, "@babel/core")->layer, 1);
	ASSERT_EQ(b->created, 0); /* the reader does not make an SBOM: no creation time */
	/* and it writes out the same again */
	b->created = s->created;
	cleanup_free char *t1 = write_fmt(s, CN_SBOM_JSON);
	cleanup_free char *t2 = write_fmt(b, CN_SBOM_JSON);
	ASSERT_STREQ(t2, t1);
}

TEST(read_cyclonedx)
{
	cleanup_sbom struct cn_sbom *s = sample();
	cleanup_sbom struct cn_sbom *b = round_trip(s, CN_SBOM_CYCLONEDX_JSON);
	same_packages(s, b);
	ASSERT_STREQ(b->os.codename, "bookworm");
	ASSERT_STREQ(b->manifest_digest.str, MANIFEST);
	const struct cn_package *ssl = find(b, CN_PKG_DEB, "libssl3");
	ASSERT_STREQ(ssl->source_name, "openssl");
	ASSERT_STREQ(ssl->source_version, "3.0.11-1~deb12u2");
	ASSERT_STREQ(ssl->found_in, "/var/lib/dpkg/status");
	ASSERT_EQ(find(b, CN_PKG_GO, "github.com/foo/bar")->layer, 1);
	ASSERT_TRUE(find(b, CN_PKG_PYTHON, "cryptography")->flags & CN_PKG_OS_OWNED);
	ASSERT_EQ(b->n_layers, 2);
	ASSERT_STREQ(b->layers[0].digest.str, LAYER0);
	ASSERT_STREQ(b->layers[0].created_by, s->layers[0].created_by);
}

TEST(read_spdx)
{
	cleanup_sbom struct cn_sbom *s = sample();
	cleanup_sbom struct cn_sbom *b = round_trip(s, CN_SBOM_SPDX_JSON);
	same_packages(s, b);
	ASSERT_STREQ(b->image, s->image);
	ASSERT_STREQ(b->manifest_digest.str, MANIFEST);
	const struct cn_package *ssl = find(b, CN_PKG_DEB, "libssl3");
	ASSERT_STREQ(ssl->source_name, "openssl"); /* from the upstream qualifier */
	ASSERT_STREQ(ssl->arch, "amd64");
	ASSERT_STREQ(find(b, CN_PKG_JAVA, "commons-lang3")->group, "org.apache.commons");
}

TEST(read_foreign)
{
	/* a syft-like CycloneDX document: no cairn properties, distro only in purls */
	const char *cdx =
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.4\",\"version\":1,"
		"\"components\":[{\"type\":\"library\",\"name\":\"musl\",\"version\":\"1.2.3-r0\","
		"\"purl\":\"pkg:apk/alpine/musl@1.2.3-r0?arch=x86_64&distro=alpine-3.16.2\"},"
		"{\"type\":\"file\",\"name\":\"/etc/passwd\"},"
		"{\"type\":\"library\",\"name\":\"x\",\"purl\":\"pkg:generic/x@1\"}]}";
	cleanup_sbom struct cn_sbom *s = NULL;
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_OK(cn_sbom_read(cdx, strlen(cdx), &s, &err));
	ASSERT_EQ(s->n_pkgs, 1);
	ASSERT_EQ(s->pkgs[0].type, CN_PKG_APK);
	ASSERT_STREQ(s->pkgs[0].arch, "x86_64");
	ASSERT_STREQ(s->os.id, "alpine");
	ASSERT_STREQ(s->os.version_id, "3.16.2");

	static const char *const bad[] = {
		"",
		"[]",
		"{\"a\":1}",
		"{\"schema\":\"cairn-sbom/2\"}",
		"{\"a\":1,\"a\":2}",
		"{\"schema\":\"cairn-sbom/1\",\"packages\":{}}",
		"{\"schema\":\"cairn-sbom/1\",\"packages\":[{\"type\":\"x\",\"name\":\"y\"}]}",
		"{\"schema\":\"cairn-sbom/1\",\"layers\":[],\"packages\":[{\"type\":\"deb\","
		"\"name\":\"y\",\"layer\":3}]}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct cn_sbom *b = NULL;
		int r = cn_sbom_read(bad[i], strlen(bad[i]), &b, &err);
		if (r != -EBADMSG)
			TEST_FAIL("\"%s\": %d, want -EBADMSG", bad[i], r);
	}
}
