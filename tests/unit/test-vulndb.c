/* The vulnerability database: keys, imports of the real fixtures (OSV, Debian tracker, Alpine
 * secdb), lookups, incremental re-imports and transactional failure. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/strbuf.h"
#include "lib/vuln/db.h"
#include "test.h"

#define MAX_HITS 64

struct hit {
	char id[128], source[512], summary[256], severity[32], a_severity[32], cvss_v3[128];
	char aliases[512];  /* comma-joined */
	char ranges[512];   /* "E:introduced=0,fixed=1.2;S:..." */
	char versions[256]; /* comma-joined */
};

struct hits {
	size_t n;
	struct hit h[MAX_HITS];
};

static const char *kind_name(enum cn_vuln_event_kind k)
{
	static const char *const names[] = { "introduced", "fixed", "last_affected", "limit" };
	return names[k];
}

static void join(char *buf, size_t size, const char *s)
{
	size_t len = strlen(buf);
	(void)snprintf(buf + len, size - len, "%s%s", len ? "," : "", s);
}

static int collect(void *userdata, const struct cn_vuln_record *rec,
		   const struct cn_vuln_affected *a)
{
	struct hits *hs = userdata;
	if (hs->n == MAX_HITS)
		return -E2BIG;
	struct hit *h = &hs->h[hs->n++];
	memset(h, 0, sizeof(*h));
	(void)snprintf(h->id, sizeof(h->id), "%s", rec->id);
	(void)snprintf(h->source, sizeof(h->source), "%s", rec->source);
	(void)snprintf(h->summary, sizeof(h->summary), "%s", rec->summary ? rec->summary : "");
	(void)snprintf(h->severity, sizeof(h->severity), "%s", rec->severity ? rec->severity : "");
	(void)snprintf(h->a_severity, sizeof(h->a_severity), "%s", a->severity ? a->severity : "");
	(void)snprintf(h->cvss_v3, sizeof(h->cvss_v3), "%s", rec->cvss_v3 ? rec->cvss_v3 : "");
	for (size_t i = 0; i < rec->n_aliases; i++)
		join(h->aliases, sizeof(h->aliases), rec->aliases[i]);
	for (size_t i = 0; i < a->n_versions; i++)
		join(h->versions, sizeof(h->versions), a->versions[i]);
	for (size_t i = 0; i < a->n_ranges; i++) {
		const struct cn_vuln_range *r = &a->ranges[i];
		size_t len = strlen(h->ranges);
		(void)snprintf(h->ranges + len, sizeof(h->ranges) - len, "%s%s:", len ? ";" : "",
			       r->type == CN_VULN_RANGE_SEMVER ? "S" : "E");
		for (size_t j = 0; j < r->n_events; j++) {
			len = strlen(h->ranges);
			(void)snprintf(h->ranges + len, sizeof(h->ranges) - len, "%s%s=%s",
				       j ? "," : "", kind_name(r->events[j].kind),
				       r->events[j].version);
		}
	}
	return 0;
}

static void lookup(struct cn_vulndb *db, const char *eco, const char *pkg, struct hits *hs)
{
	struct cn_error err = CN_ERROR_INIT;
	hs->n = 0;
	int r = cn_vulndb_lookup(db, eco, pkg, collect, hs, &err);
	if (r < 0)
		TEST_FAIL("lookup %s %s: %s", eco, pkg, cn_error_message(&err, r));
}

static const struct hit *find_hit(const struct hits *hs, const char *id, const char *src_part)
{
	for (size_t i = 0; i < hs->n; i++)
		if (strcmp(hs->h[i].id, id) == 0 &&
		    (!src_part || strstr(hs->h[i].source, src_part)))
			return &hs->h[i];
	return NULL;
}

static char *fixture(const char *rel)
{
	const char *dir = test_fixtures_dir();
	if (!dir)
		SKIP("CAIRN_FIXTURES not set");
	char *p = xasprintf("%s/vuln/%s", dir, rel);
	if (access(p, F_OK) < 0) {
		free(p);
		SKIP("fixture %s/vuln/%s missing", dir, rel);
	}
	return p;
}

static void write_file(const char *dir, const char *name, const char *data)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(cn_write_file_atomic(fd, name, data, strlen(data)));
}

static char *read_file(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int r = cn_read_file_at(AT_FDCWD, path, 1 << 24, &sb);
	if (r < 0)
		TEST_FAIL("reading %s: %s", path, strerror(-r));
	return strbuf_detach(&sb, NULL);
}

static void copy_fixture(const char *rel, const char *dir, const char *name)
{
	cleanup_free char *src = fixture(rel);
	cleanup_free char *data = read_file(src);
	write_file(dir, name, data);
}

static struct cn_vulndb *open_db(const char *root)
{
	struct cn_vulndb *db = NULL;
	struct cn_error err = CN_ERROR_INIT;
	int r = cn_vulndb_open(root, CN_VULNDB_WRITE, &db, &err);
	if (r < 0)
		TEST_FAIL("open: %s", cn_error_message(&err, r));
	return db;
}

static void update(struct cn_vulndb *db, const struct cn_vuln_source *src, size_t n,
		   struct cn_vulndb_update_stats *stats)
{
	struct cn_error err = CN_ERROR_INIT;
	int r = cn_vulndb_update(db, src, n, NULL, stats, &err);
	if (r < 0)
		TEST_FAIL("update: %s", cn_error_message(&err, r));
}

#define ASSERT_STATS(s, a, c, rm, u)                                                               \
	do {                                                                                       \
		ASSERT_EQ((s).added, a);                                                           \
		ASSERT_EQ((s).changed, c);                                                         \
		ASSERT_EQ((s).removed, rm);                                                        \
		ASSERT_EQ((s).unchanged, u);                                                       \
	} while (0)

TEST(ecosystem_keys)
{
	static const char *const cases[][2] = {
		{ "Debian:12", "debian:12" },
		{ "Debian:sid", "debian:unstable" },
		{ "Alpine:v3.16", "alpine:3.16" },
		{ "Alpine:v3.16.2", "alpine:3.16" },
		{ "Ubuntu:22.04:LTS", "ubuntu:22.04" },
		{ "Ubuntu:Pro:16.04:LTS", "ubuntu:16.04:pro" },
		{ "Red Hat:enterprise_linux:9::appstream", "redhat:9" },
		{ "Red Hat:rhel_aus:8.6::appstream", "redhat:8" },
		{ "PyPI", "pypi" },
		{ "npm", "npm" },
		{ "Go", "go" },
		{ "Maven", "maven" },
		{ "crates.io", "crates.io" },
		{ "Rocky Linux:8", "rockylinux:8" },
	};
	char buf[64];
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_OK(cn_vuln_ecosystem_key(cases[i][0], buf, sizeof(buf)));
		ASSERT_STREQ(buf, cases[i][1]);
	}
	ASSERT_ERR(cn_vuln_ecosystem_key("", buf, sizeof(buf)), -EINVAL);
	ASSERT_ERR(cn_vuln_ecosystem_key("Debian:12", buf, 4), -EINVAL);
}

TEST(pypi_names)
{
	char buf[64];
	ASSERT_OK(cn_vuln_pypi_name("Friendly-Bard", buf, sizeof(buf)));
	ASSERT_STREQ(buf, "friendly-bard");
	ASSERT_OK(cn_vuln_pypi_name("FRIENDLY._-bard", buf, sizeof(buf)));
	ASSERT_STREQ(buf, "friendly-bard");
	ASSERT_OK(cn_vuln_pypi_name("zope.interface", buf, sizeof(buf)));
	ASSERT_STREQ(buf, "zope-interface");
	ASSERT_ERR(cn_vuln_pypi_name("abcdef", buf, 4), -ENAMETOOLONG);
}

TEST(source_specs)
{
	struct cn_vuln_source s;
	ASSERT_OK(cn_vuln_source_parse("osv:/a/b", &s, NULL));
	ASSERT_EQ(s.kind, CN_VULN_SOURCE_OSV);
	ASSERT_STREQ(s.location, "/a/b");
	ASSERT_OK(cn_vuln_source_parse("debian-tracker:http://x/json", &s, NULL));
	ASSERT_EQ(s.kind, CN_VULN_SOURCE_DEBIAN_TRACKER);
	ASSERT_OK(cn_vuln_source_parse("alpine-secdb:f.json", &s, NULL));
	ASSERT_EQ(s.kind, CN_VULN_SOURCE_ALPINE_SECDB);
	ASSERT_ERR(cn_vuln_source_parse("osv:", &s, NULL), -EINVAL);
	ASSERT_ERR(cn_vuln_source_parse("nvd:/x", &s, NULL), -EINVAL);
	ASSERT_ERR(cn_vuln_source_parse("/x", &s, NULL), -EINVAL);
	size_t n;
	ASSERT_TRUE(cn_vuln_default_sources(&n) != NULL && n >= 9);
}

TEST(open_missing)
{
	const char *root = test_fresh_dir("vulndb");
	struct cn_vulndb *db = NULL;
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_ERR(cn_vulndb_open(root, 0, &db, &err), -ENOENT);
	ASSERT_TRUE(strstr(err.msg, "cairn db update") != NULL);
	cleanup_vulndb struct cn_vulndb *w = open_db(root);
	int64_t age;
	ASSERT_ERR(cn_vulndb_age(w, &age, NULL), -ENOENT);
}

TEST(import_fixtures)
{
	cleanup_free char *osv = fixture("osv");
	cleanup_free char *tracker = fixture("debian-tracker/vunnel-debian.json");
	cleanup_free char *secdb15 = fixture("alpine-secdb/vunnel-v3.15-main.DERIVED.json");
	cleanup_free char *secdb12 = fixture("alpine-secdb/vuln-list-update-v3.12-main.json");
	const char *root = test_fresh_dir("vulndb");
	cleanup_vulndb struct cn_vulndb *db = open_db(root);
	const struct cn_vuln_source src[] = {
		{ CN_VULN_SOURCE_OSV, osv },
		{ CN_VULN_SOURCE_DEBIAN_TRACKER, tracker },
		{ CN_VULN_SOURCE_ALPINE_SECDB, secdb15 },
		{ CN_VULN_SOURCE_ALPINE_SECDB, secdb12 },
	};
	struct cn_vulndb_update_stats st[ARRAY_SIZE(src)];
	update(db, src, ARRAY_SIZE(src), st);
	/* 96 derived Debian records + 5 Go + 2 PyPI JSON + 2 npm + Ubuntu + Red Hat (YAML not
	 * read) */
	ASSERT_STATS(st[0], 107, 0, 0, 0);
	ASSERT_STATS(st[1], 5, 0, 0, 0);
	ASSERT_TRUE(st[2].added > 5);
	ASSERT_STATS(st[3], 1, 0, 0, 0); /* the `"2.8.0-r0": {}` entry tolerated */

	struct hits hs;
	lookup(db, "npm", "lodash", &hs);
	ASSERT_EQ(hs.n, 1);
	ASSERT_STREQ(hs.h[0].id, "GHSA-p6mc-m468-83gw");
	ASSERT_STREQ(hs.h[0].aliases, "CVE-2020-8203");
	ASSERT_STREQ(hs.h[0].severity, "HIGH");
	ASSERT_STREQ(hs.h[0].ranges, "E:introduced=0,fixed=4.17.20");
	ASSERT_TRUE(strncmp(hs.h[0].cvss_v3, "CVSS:3.1/", 9) == 0);
	ASSERT_STREQ(hs.h[0].summary, "Prototype Pollution in lodash");

	lookup(db, "npm", "semver", &hs);
	ASSERT_EQ(hs.n, 3); /* three affected ranges of GHSA-c2qf-rxjj-qqgw */

	lookup(db, "debian:12", "zlib", &hs);
	const struct hit *h = find_hit(&hs, "x_DEB12-zlib-CVE-2022-37434", NULL);
	ASSERT_TRUE(h != NULL);
	ASSERT_STREQ(h->aliases, "CVE-2022-37434");
	ASSERT_STREQ(h->ranges, "E:introduced=0,fixed=1:1.2.11.dfsg-4.1");

	lookup(db, "alpine:3.15", "zlib", &hs);
	h = find_hit(&hs, "CVE-2022-37434", NULL);
	ASSERT_TRUE(h != NULL);
	ASSERT_STREQ(h->ranges, "E:introduced=0,fixed=1.2.12-r2");
	ASSERT_TRUE(strstr(h->source, "alpine-secdb:") == h->source);

	lookup(db, "go", "stdlib", &hs);
	h = find_hit(&hs, "GO-2024-2963", NULL);
	ASSERT_TRUE(h != NULL);
	ASSERT_STREQ(h->ranges, "S:introduced=0,fixed=1.21.12,introduced=1.22.0-0,fixed=1.22.5");
	ASSERT_STREQ(h->aliases, "CVE-2024-24791");

	lookup(db, "pypi", "gradio", &hs); /* "Gradio" stored PEP 503-normalised */
	ASSERT_EQ(hs.n, 1);
	ASSERT_STREQ(hs.h[0].versions, "4.36.1,4.36.-1");
	ASSERT_STREQ(hs.h[0].severity, "CRITICAL");

	lookup(db, "ubuntu:22.04", "dnsmasq", &hs);
	ASSERT_EQ(hs.n, 1);
	ASSERT_STREQ(hs.h[0].a_severity, "medium");
	ASSERT_STREQ(hs.h[0].ranges, "E:introduced=0,fixed=2.86-1.1ubuntu0.1");

	lookup(db, "redhat:8", "git-lfs", &hs);
	ASSERT_TRUE(hs.n >= 1);
	ASSERT_STREQ(hs.h[0].aliases, "CVE-2023-45288"); /* from "upstream" */

	lookup(db, "debian:unstable", "prototypejs", &hs);
	h = find_hit(&hs, "CVE-2008-7220", NULL);
	ASSERT_TRUE(h != NULL);
	ASSERT_STREQ(h->a_severity, "high"); /* "high**" */
	ASSERT_STREQ(h->ranges, "E:introduced=0,fixed=1.6.0.2-1");

	lookup(db, "debian:12", "no-such-package", &hs);
	ASSERT_EQ(hs.n, 0);

	/* the same data again: nothing rewritten */
	update(db, src, ARRAY_SIZE(src), st);
	ASSERT_STATS(st[0], 0, 0, 0, 107);
	ASSERT_STATS(st[1], 0, 0, 0, 5);
	ASSERT_STATS(st[3], 0, 0, 0, 1);

	struct cn_vulndb_status status;
	ASSERT_OK(cn_vulndb_status(db, &status, NULL));
	ASSERT_EQ(status.n_sources, 4);
	ASSERT_EQ(status.schema_version, 1);
	ASSERT_TRUE(status.updated > 0);
	bool found = false;
	for (size_t i = 0; i < status.n_ecosystems; i++)
		if (strcmp(status.ecosystems[i].ecosystem, "debian:12") == 0)
			found = status.ecosystems[i].records >= 96;
	cn_vulndb_status_release(&status);
	ASSERT_TRUE(found);
	int64_t age = -1;
	ASSERT_OK(cn_vulndb_age(db, &age, NULL));
	ASSERT_TRUE(age >= 0 && age < 60);

	/* a reader sees the same */
	cleanup_vulndb struct cn_vulndb *ro = NULL;
	ASSERT_OK(cn_vulndb_open(root, 0, &ro, NULL));
	lookup(ro, "npm", "lodash", &hs);
	ASSERT_EQ(hs.n, 1);
}

TEST(debian_tracker_derived)
{
	cleanup_free char *tracker =
		fixture("debian-tracker/bookworm-minbase.DERIVED.tracker.json");
	cleanup_free char *vlu = fixture("debian-tracker/vuln-list-update-debian.json");
	const char *root = test_fresh_dir("vulndb");
	cleanup_vulndb struct cn_vulndb *db = open_db(root);
	const struct cn_vuln_source src[] = {
		{ CN_VULN_SOURCE_DEBIAN_TRACKER, tracker },
		{ CN_VULN_SOURCE_DEBIAN_TRACKER, vlu },
	};
	struct cn_vulndb_update_stats st[2];
	update(db, src, 2, st);
	ASSERT_TRUE(st[0].added > 80);
	ASSERT_TRUE(st[1].added > 0);
	struct hits hs;
	lookup(db, "debian:12", "zlib", &hs);
	const struct hit *h = find_hit(&hs, "CVE-2022-37434", NULL);
	ASSERT_TRUE(h != NULL);
	ASSERT_STREQ(h->ranges, "E:introduced=0,fixed=1:1.2.11.dfsg-4.1");
	ASSERT_STREQ(h->a_severity, "medium");
}

/* Two npm records in a directory of our own, then changes to it. */
TEST(incremental)
{
	const char *root = test_fresh_dir("vulndb");
	cleanup_free char *dir = xasprintf("%s/osv", root);
	ASSERT_TRUE(mkdir(dir, 0755) == 0);
	copy_fixture("osv/npm/GHSA-p6mc-m468-83gw.json", dir, "a.json");
	copy_fixture("osv/npm/GHSA-c2qf-rxjj-qqgw.json", dir, "b.json");
	cleanup_vulndb struct cn_vulndb *db = open_db(root);
	const struct cn_vuln_source src = { CN_VULN_SOURCE_OSV, dir };
	struct cn_vulndb_update_stats st;
	update(db, &src, 1, &st);
	ASSERT_STATS(st, 2, 0, 0, 0);

	/* modify one record: 1 changed, 1 unchanged */
	cleanup_free char *path = xasprintf("%s/a.json", dir);
	cleanup_free char *data = read_file(path);
	char *p = strstr(data, "Prototype Pollution in lodash");
	ASSERT_TRUE(p != NULL);
	memcpy(p, "Prototype Pollution in LODASH", 29);
	write_file(dir, "a.json", data);
	update(db, &src, 1, &st);
	ASSERT_STATS(st, 0, 1, 0, 1);
	struct hits hs;
	lookup(db, "npm", "lodash", &hs);
	ASSERT_EQ(hs.n, 1);
	ASSERT_STREQ(hs.h[0].summary, "Prototype Pollution in LODASH");

	/* remove a file: 1 removed, and its affected rows are gone */
	cleanup_free char *bpath = xasprintf("%s/b.json", dir);
	ASSERT_TRUE(unlink(bpath) == 0);
	update(db, &src, 1, &st);
	ASSERT_STATS(st, 0, 0, 1, 1);
	lookup(db, "npm", "semver", &hs);
	ASSERT_EQ(hs.n, 0);

	/* a subdirectory with a record array */
	cleanup_free char *sub = xasprintf("%s/deep/er", dir);
	ASSERT_OK(cn_mkdir_p_at(AT_FDCWD, sub, 0755));
	write_file(
		sub, "arr.json",
		"[{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{"
		"\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"Foo_Bar\"},\"ranges\":[{"
		"\"type\":\"GIT\",\"repo\":\"r\",\"events\":[{\"introduced\":\"0\"}]},{\"type\":"
		"\"ECOSYSTEM\",\"events\":[{\"introduced\":\"1.0\"},{\"fixed\":\"1.2\"}]}]}]},"
		"{\"id\":\"X-2\",\"withdrawn\":\"2024-01-02T00:00:00Z\",\"affected\":[{"
		"\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"foo-bar\"},\"versions\":[\"1\"]}]}"
		"]");
	update(db, &src, 1, &st);
	ASSERT_STATS(st, 1, 0, 0, 1);
	lookup(db, "pypi", "foo-bar", &hs);
	ASSERT_EQ(hs.n, 1);
	ASSERT_STREQ(hs.h[0].ranges, "E:introduced=1.0,fixed=1.2"); /* GIT skipped */
}

/* A corrupt file in the middle of a directory fails the whole update (all sources): the
 * database keeps exactly its previous contents. */
TEST(transactional_failure)
{
	const char *root = test_fresh_dir("vulndb");
	cleanup_free char *dir = xasprintf("%s/osv", root);
	ASSERT_TRUE(mkdir(dir, 0755) == 0);
	copy_fixture("osv/npm/GHSA-p6mc-m468-83gw.json", dir, "a.json");
	copy_fixture("osv/npm/GHSA-c2qf-rxjj-qqgw.json", dir, "z.json");
	cleanup_free char *secdb = fixture("alpine-secdb/vunnel-v3.15-main.DERIVED.json");
	cleanup_vulndb struct cn_vulndb *db = open_db(root);
	struct cn_vuln_source src[] = {
		{ CN_VULN_SOURCE_ALPINE_SECDB, secdb },
		{ CN_VULN_SOURCE_OSV, dir },
	};
	struct cn_vulndb_update_stats st[2];
	update(db, &src[1], 1, st);
	ASSERT_STATS(st[0], 2, 0, 0, 0);

	write_file(dir, "m.json", "{\"id\": \"BROKEN-1\", \"affected\": [");
	cleanup_free char *apath = xasprintf("%s/a.json", dir);
	ASSERT_TRUE(unlink(apath) == 0);
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_ERR(cn_vulndb_update(db, src, 2, NULL, st, &err), -EBADMSG);
	ASSERT_TRUE(strstr(err.msg, "m.json") != NULL);
	ASSERT_TRUE(strstr(err.msg, "bad JSON") != NULL);

	struct hits hs;
	lookup(db, "npm", "lodash", &hs); /* a.json's record is still there */
	ASSERT_EQ(hs.n, 1);
	lookup(db, "alpine:3.15", "zlib", &hs); /* the first source's import was rolled back */
	ASSERT_EQ(hs.n, 0);
	struct cn_vulndb_status status;
	ASSERT_OK(cn_vulndb_status(db, &status, NULL));
	ASSERT_EQ(status.n_sources, 1);
	ASSERT_EQ(status.records, 2);
	cn_vulndb_status_release(&status);

	/* a record without an id: named by file and index */
	write_file(dir, "m.json", "[{\"id\":\"OK-1\",\"affected\":[]},{\"summary\":\"x\"}]");
	cn_error_clear(&err);
	ASSERT_ERR(cn_vulndb_update(db, &src[1], 1, NULL, st, &err), -EBADMSG);
	ASSERT_TRUE(strstr(err.msg, "m.json: record 1") != NULL);

	/* a tracker file that is valid JSON of the wrong shape */
	write_file(root, "t.json", "[1, 2]");
	cleanup_free char *tpath = xasprintf("%s/t.json", root);
	const struct cn_vuln_source bad = { CN_VULN_SOURCE_DEBIAN_TRACKER, tpath };
	ASSERT_ERR(cn_vulndb_update(db, &bad, 1, NULL, st, NULL), -EBADMSG);
	const struct cn_vuln_source missing = { CN_VULN_SOURCE_ALPINE_SECDB, "/nonexistent/x" };
	ASSERT_ERR(cn_vulndb_update(db, &missing, 1, NULL, st, NULL), -ENOENT);
	lookup(db, "npm", "lodash", &hs);
	ASSERT_EQ(hs.n, 1);
}

/* The tracker file is parsed one source package at a time: its framing errors are caught. */
TEST(tracker_edge_cases)
{
	const char *root = test_fresh_dir("vulndb");
	cleanup_vulndb struct cn_vulndb *db = open_db(root);
	cleanup_free char *path = xasprintf("%s/t.json", root);
	const struct cn_vuln_source src = { CN_VULN_SOURCE_DEBIAN_TRACKER, path };
	struct cn_vulndb_update_stats st;
	static const char *const bad[] = {
		"",
		"{",
		"{\"a\": {}",
		"{\"a\": {}} x",
		"{\"a\" {}}",
		"{\"a\": {},}",
		"{1: {}}",
		"{\"a\": {\"CVE-1\": {\"releases\": {\"sid\": {\"status\": \"open\"}}}, \"CVE-1\": "
		"{}}}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		write_file(root, "t.json", bad[i]);
		struct cn_error err = CN_ERROR_INIT;
		if (cn_vulndb_update(db, &src, 1, NULL, &st, &err) != -EBADMSG)
			TEST_FAIL("case %zu (%s) not rejected", i, bad[i]);
		ASSERT_TRUE(strstr(err.msg, "t.json") != NULL);
	}
	write_file(root, "t.json", " { } ");
	update(db, &src, 1, &st);
	ASSERT_STATS(st, 0, 0, 0, 0);
	/* two source packages share a CVE: one record, both entries; "0" = not affected */
	write_file(root, "t.json",
		   "{\"a\": {\"CVE-1\": {\"description\": \"first\\nsecond\", \"releases\": {"
		   "\"bookworm\": {\"status\": \"resolved\", \"fixed_version\": \"1.2-1\", "
		   "\"urgency\": \"low*\"}, \"trixie\": {\"status\": \"resolved\", "
		   "\"fixed_version\": \"0\"}, \"sid\": {\"status\": \"open\", \"urgency\": \"not "
		   "yet assigned\"}}}},\n"
		   " \"b\": {\"CVE-1\": {\"releases\": {\"bookworm\": {\"status\": "
		   "\"undetermined\"}}},"
		   " \"TEMP-1\": {\"releases\": {\"woody\": {\"status\": \"open\"}}}}}");
	update(db, &src, 1, &st);
	ASSERT_STATS(st, 1, 0, 0, 0);
	struct hits hs;
	lookup(db, "debian:12", "a", &hs);
	ASSERT_EQ(hs.n, 1);
	ASSERT_STREQ(hs.h[0].id, "CVE-1");
	ASSERT_STREQ(hs.h[0].summary, "first");
	ASSERT_STREQ(hs.h[0].a_severity, "low");
	ASSERT_STREQ(hs.h[0].ranges, "E:introduced=0,fixed=1.2-1");
	lookup(db, "debian:13", "a", &hs);
	ASSERT_EQ(hs.n, 0);
	lookup(db, "debian:unstable", "a", &hs);
	ASSERT_EQ(hs.n, 1);
	ASSERT_STREQ(hs.h[0].ranges, "E:introduced=0");
	ASSERT_STREQ(hs.h[0].a_severity, "");
	lookup(db, "debian:12", "b", &hs);
	ASSERT_EQ(hs.n, 1);
	ASSERT_STREQ(hs.h[0].id, "CVE-1");
}
