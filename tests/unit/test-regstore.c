/* The registry storage: names, uploads, blob visibility, manifests, listings, referrers,
 * search facts, gc, and recovery after a crash. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/regstore/regstore.h"
#include "test.h"

#define OCI_EMPTY "application/vnd.oci.empty.v1+json"
#define SIG_TYPE  "application/vnd.test.signature"

static const char *dir; /* this test's storage (test_fresh_dir) */

static struct cn_regstore *open_rs(const struct cn_regstore_options *opts)
{
	struct cn_regstore *rs = NULL;
	struct cn_error err = CN_ERROR_INIT;
	if (cn_regstore_open(dir, opts, &rs, &err) < 0)
		TEST_FAIL("cn_regstore_open: %s", err.msg);
	return rs;
}

/* A fresh storage in a new temporary directory (the previous test's one is removed). */
static struct cn_regstore *new_rs(const struct cn_regstore_options *opts)
{
	dir = test_fresh_dir("regstore");
	return open_rs(opts);
}

static bool file_exists(const char *rel)
{
	char path[1024];
	(void)snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return access(path, F_OK) == 0;
}

static bool blob_file_exists(const struct cn_digest *d)
{
	char rel[256];
	(void)snprintf(rel, sizeof(rel), "blobs/%s/%s", cn_digest_algo_name(d->algo),
		       cn_digest_hex(d));
	return file_exists(rel);
}

/* Uploads `data` into `repo` in two chunks with a release in between. */
static void push_blob_algo(struct cn_regstore *rs, const char *repo, const char *data,
			   enum cn_digest_algo algo, struct cn_digest *ret)
{
	char id[CN_UPLOAD_ID_MAX];
	struct cn_upload *u;
	struct cn_error err = CN_ERROR_INIT;
	size_t len = strlen(data), half = len / 2;
	cn_digest_of(algo, data, len, ret);
	ASSERT_OK(cn_regstore_upload_start(rs, repo, id, &err));
	ASSERT_OK(cn_regstore_upload_claim(rs, repo, id, &u));
	ASSERT_OK(cn_upload_write(u, data, half, &err));
	cn_upload_release(u);
	ASSERT_OK(cn_regstore_upload_claim(rs, repo, id, &u));
	ASSERT_EQ(cn_upload_size(u), half);
	ASSERT_OK(cn_upload_write(u, data + half, len - half, &err));
	if (cn_upload_finish(u, ret, &err) < 0)
		TEST_FAIL("finish: %s", err.msg);
}

static void push_blob(struct cn_regstore *rs, const char *repo, const char *data,
		      struct cn_digest *ret)
{
	push_blob_algo(rs, repo, data, CN_DIGEST_SHA256, ret);
}

static char *config_json(const char *description)
{
	if (!description)
		return xasprintf("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{"
				 "\"type\":\"layers\",\"diff_ids\":[]},\"config\":{}}");
	return xasprintf("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			 "\"layers\",\"diff_ids\":[]},\"config\":{\"Labels\":{"
			 "\"org.opencontainers.image.description\":\"%s\"}}}",
			 description);
}

/* An OCI image manifest of config `c` and layer `l` (both of the given sizes). */
static char *image_manifest(const struct cn_digest *c, size_t csize, const struct cn_digest *l,
			    size_t lsize)
{
	return xasprintf("{\"schemaVersion\":2,\"mediaType\":\"" CN_MT_OCI_MANIFEST "\","
			 "\"config\":{\"mediaType\":\"" CN_MT_OCI_CONFIG "\",\"digest\":\"%s\","
			 "\"size\":%zu},\"layers\":[{\"mediaType\":\"" CN_MT_OCI_LAYER_GZIP
			 "\",\"digest\":\"%s\",\"size\":%zu}]}",
			 c->str, csize, l->str, lsize);
}

/* Pushes a config (with `description`) and a layer `layer` and returns the manifest body. */
static char *push_image(struct cn_regstore *rs, const char *repo, const char *layer,
			const char *description)
{
	struct cn_digest c, l;
	cleanup_free char *config = config_json(description);
	push_blob(rs, repo, config, &c);
	push_blob(rs, repo, layer, &l);
	return image_manifest(&c, strlen(config), &l, strlen(layer));
}

static int put(struct cn_regstore *rs, const char *repo, const char *ref, const char *ct,
	       const char *body, struct cn_manifest_put_result *res)
{
	struct cn_error err = CN_ERROR_INIT;
	return cn_regstore_manifest_put(rs, repo, ref, ct, body, strlen(body), res, &err);
}

static void put_ok(struct cn_regstore *rs, const char *repo, const char *ref, const char *body,
		   struct cn_digest *ret)
{
	struct cn_error err = CN_ERROR_INIT;
	struct cn_manifest_put_result res;
	if (cn_regstore_manifest_put(rs, repo, ref, NULL, body, strlen(body), &res, &err) < 0)
		TEST_FAIL("put %s:%s: %s", repo, ref, err.msg);
	if (ret)
		*ret = res.digest;
}

/* An artifact manifest whose subject is `subject` (a manifest of `size` bytes). */
static char *artifact(struct cn_regstore *rs, const char *repo, const char *artifact_type,
		      const struct cn_digest *subject, size_t size)
{
	struct cn_digest e;
	push_blob(rs, repo, "{}", &e);
	return xasprintf("{\"schemaVersion\":2,\"mediaType\":\"" CN_MT_OCI_MANIFEST "\","
			 "\"artifactType\":\"%s\",\"config\":{\"mediaType\":\"" OCI_EMPTY
			 "\",\"digest\":\"%s\",\"size\":2},\"layers\":[],\"subject\":{"
			 "\"mediaType\":\"" CN_MT_OCI_MANIFEST "\",\"digest\":\"%s\",\"size\":%zu},"
			 "\"annotations\":{\"org.example\":\"yes\"}}",
			 artifact_type, e.str, subject->str, size);
}

TEST(name_grammar)
{
	ASSERT_TRUE(cn_regstore_name_valid("library/redis"));
	ASSERT_TRUE(cn_regstore_name_valid("a"));
	ASSERT_TRUE(cn_regstore_name_valid("a.b_c__d---e/f0"));
	ASSERT_FALSE(cn_regstore_name_valid(""));
	ASSERT_FALSE(cn_regstore_name_valid("Upper"));
	ASSERT_FALSE(cn_regstore_name_valid("a//b"));
	ASSERT_FALSE(cn_regstore_name_valid("/a"));
	ASSERT_FALSE(cn_regstore_name_valid("a/"));
	ASSERT_FALSE(cn_regstore_name_valid("a/../b"));
	ASSERT_FALSE(cn_regstore_name_valid(".."));
	ASSERT_FALSE(cn_regstore_name_valid("a___b"));
	ASSERT_FALSE(cn_regstore_name_valid("a._b"));
	ASSERT_FALSE(cn_regstore_name_valid("a-"));
	ASSERT_FALSE(cn_regstore_name_valid("_a"));
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ASSERT_FALSE(cn_regstore_name_valid(longname));
	longname[255] = '\0';
	ASSERT_TRUE(cn_regstore_name_valid(longname));

	ASSERT_TRUE(cn_regstore_tag_valid("latest"));
	ASSERT_TRUE(cn_regstore_tag_valid("_x.Y-1"));
	ASSERT_FALSE(cn_regstore_tag_valid(""));
	ASSERT_FALSE(cn_regstore_tag_valid(".hidden"));
	ASSERT_FALSE(cn_regstore_tag_valid("-x"));
	ASSERT_FALSE(cn_regstore_tag_valid("a/b"));
	ASSERT_FALSE(cn_regstore_tag_valid("a:b"));
	char longtag[130];
	memset(longtag, 'a', sizeof(longtag) - 1);
	longtag[129] = '\0';
	ASSERT_FALSE(cn_regstore_tag_valid(longtag));
	longtag[128] = '\0';
	ASSERT_TRUE(cn_regstore_tag_valid(longtag));
}

TEST(upload_sha256_and_sha512)
{
	struct cn_regstore *rs = new_rs(NULL);
	struct cn_digest d256, d512;
	int64_t size = 0;
	push_blob(rs, "app", "hello, registry", &d256);
	push_blob_algo(rs, "app", "hello, sha512", CN_DIGEST_SHA512, &d512);
	ASSERT_EQ(cn_regstore_blob_stat(rs, "app", &d256, &size), 1);
	ASSERT_EQ(size, strlen("hello, registry"));
	ASSERT_EQ(cn_regstore_blob_stat(rs, "app", &d512, &size), 1);
	ASSERT_EQ(size, strlen("hello, sha512"));
	int fd = cn_regstore_blob_open(rs, "app", &d512, &size);
	ASSERT_OK(fd);
	char buf[64] = "";
	ASSERT_EQ(read(fd, buf, sizeof(buf)), strlen("hello, sha512"));
	close(fd);
	ASSERT_STREQ(buf, "hello, sha512");
	cn_regstore_free(rs);
}

TEST(upload_digest_mismatch_drops_session)
{
	struct cn_regstore *rs = new_rs(NULL);
	char id[CN_UPLOAD_ID_MAX];
	struct cn_upload *u;
	struct cn_error err = CN_ERROR_INIT;
	struct cn_digest want, got;
	cn_digest_of(CN_DIGEST_SHA256, "other", 5, &want);
	cn_digest_of(CN_DIGEST_SHA256, "data", 4, &got);
	ASSERT_OK(cn_regstore_upload_start(rs, "app", id, &err));
	ASSERT_OK(cn_regstore_upload_claim(rs, "app", id, &u));
	ASSERT_OK(cn_upload_write(u, "data", 4, &err));
	ASSERT_ERR(cn_upload_finish(u, &want, &err), -EBADMSG);
	ASSERT_ERR(cn_regstore_upload_claim(rs, "app", id, &u), -ENOENT);
	ASSERT_FALSE(blob_file_exists(&want));
	ASSERT_FALSE(blob_file_exists(&got));
	ASSERT_EQ(cn_regstore_blob_stat(rs, "app", &got, NULL), 0);

	/* sha512 is checked by reading the file back */
	cn_digest_of(CN_DIGEST_SHA512, "other", 5, &want);
	ASSERT_OK(cn_regstore_upload_start(rs, "app", id, &err));
	ASSERT_OK(cn_regstore_upload_claim(rs, "app", id, &u));
	ASSERT_OK(cn_upload_write(u, "data", 4, &err));
	ASSERT_ERR(cn_upload_finish(u, &want, &err), -EBADMSG);
	ASSERT_ERR(cn_regstore_upload_claim(rs, "app", id, &u), -ENOENT);

	/* cancel */
	ASSERT_OK(cn_regstore_upload_start(rs, "app", id, &err));
	ASSERT_OK(cn_regstore_upload_claim(rs, "app", id, &u));
	cn_upload_cancel(u);
	ASSERT_ERR(cn_regstore_upload_claim(rs, "app", id, &u), -ENOENT);
	cn_regstore_free(rs);
}

TEST(upload_claim_busy_unknown_expired)
{
	struct cn_regstore_options opts = { .upload_expiry_s = 1 };
	struct cn_regstore *rs = new_rs(&opts);
	char id[CN_UPLOAD_ID_MAX], id2[CN_UPLOAD_ID_MAX];
	struct cn_upload *u, *v;
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_OK(cn_regstore_upload_start(rs, "app", id, &err));
	ASSERT_EQ(strlen(id), 32);
	ASSERT_OK(cn_regstore_upload_claim(rs, "app", id, &u));
	ASSERT_ERR(cn_regstore_upload_claim(rs, "app", id, &v), -EBUSY);
	ASSERT_ERR(cn_regstore_upload_claim(rs, "other", id, &v), -ENOENT);
	ASSERT_ERR(cn_regstore_upload_claim(rs, "app", "0123456789abcdef", &v), -ENOENT);
	cn_upload_release(u);
	ASSERT_OK(cn_regstore_upload_start(rs, "app", id2, &err));
	ASSERT_TRUE(strcmp(id, id2) != 0);
	ASSERT_ERR(cn_regstore_upload_start(rs, "Bad", id2, &err), -EINVAL);
	struct timespec ts = { 1, 300000000 };
	(void)nanosleep(&ts, NULL);
	ASSERT_ERR(cn_regstore_upload_claim(rs, "app", id, &v), -ENOENT); /* lazily */
	cn_regstore_expire_uploads(rs);
	ASSERT_ERR(cn_regstore_upload_claim(rs, "app", id2, &v), -ENOENT);
	cn_regstore_free(rs);
}

TEST(blob_visibility_and_mount)
{
	struct cn_regstore *rs = new_rs(NULL);
	struct cn_error err = CN_ERROR_INIT;
	struct cn_digest d, unknown;
	int64_t size;
	push_blob(rs, "a", "blob of a", &d);
	cn_digest_of(CN_DIGEST_SHA256, "nothing", 7, &unknown);
	ASSERT_EQ(cn_regstore_blob_stat(rs, "a", &d, &size), 1);
	ASSERT_EQ(cn_regstore_blob_stat(rs, "b", &d, &size), 0);
	ASSERT_ERR(cn_regstore_blob_open(rs, "b", &d, &size), -ENOENT);
	ASSERT_ERR(cn_regstore_blob_open(rs, "../a", &d, &size), -ENOENT);
	/* mount: allowed from a repository that has it, not from one that does not */
	ASSERT_EQ(cn_regstore_blob_mount(rs, "c", "b", &d, &err), 0);
	ASSERT_EQ(cn_regstore_blob_mount(rs, "b", "a", &unknown, &err), 0);
	ASSERT_EQ(cn_regstore_blob_mount(rs, "b", "a", &d, &err), 1);
	int fd = cn_regstore_blob_open(rs, "b", &d, &size);
	ASSERT_OK(fd);
	close(fd);
	ASSERT_EQ(size, 9);
	/* unlink from one repository only */
	ASSERT_OK(cn_regstore_blob_unlink(rs, "a", &d));
	ASSERT_ERR(cn_regstore_blob_unlink(rs, "a", &d), -ENOENT);
	ASSERT_EQ(cn_regstore_blob_stat(rs, "a", &d, &size), 0);
	ASSERT_EQ(cn_regstore_blob_stat(rs, "b", &d, &size), 1);
	cn_regstore_free(rs);
}

TEST(manifest_put_get)
{
	struct cn_regstore *rs = new_rs(NULL);
	struct cn_error err = CN_ERROR_INIT;
	struct cn_regstore_manifest m;
	struct cn_digest d;
	cleanup_free char *body = push_image(rs, "lib/app", "layer-1", NULL);
	put_ok(rs, "lib/app", "v1", body, &d);
	for (int i = 0; i < 2; i++) { /* from disk, then from the cache */
		ASSERT_OK(cn_regstore_manifest_get(rs, "lib/app", "v1", true, &m, &err));
		ASSERT_EQ(m.body.len, strlen(body));
		ASSERT_TRUE(memcmp(m.body.buf, body, m.body.len) == 0);
		ASSERT_STREQ(m.media_type, CN_MT_OCI_MANIFEST);
		ASSERT_STREQ(m.digest.str, d.str);
		cn_regstore_manifest_release(&m);
		ASSERT_OK(cn_regstore_manifest_get(rs, "lib/app", d.str, false, &m, &err));
		ASSERT_STREQ(m.digest.str, d.str);
		ASSERT_STREQ(m.media_type, CN_MT_OCI_MANIFEST);
		cn_regstore_manifest_release(&m);
	}
	/* another repository does not see it, by tag or by digest */
	ASSERT_ERR(cn_regstore_manifest_get(rs, "other", d.str, false, &m, &err), -ENOENT);
	ASSERT_ERR(cn_regstore_manifest_get(rs, "lib/app", "v2", false, &m, &err), -ENOENT);
	ASSERT_ERR(cn_regstore_manifest_get(rs, "lib/app", "sha256:zz", false, &m, &err), -EINVAL);
	/* put by digest, then retag */
	put_ok(rs, "lib/app", d.str, body, NULL);
	put_ok(rs, "lib/app", "latest", body, NULL);
	ASSERT_OK(cn_regstore_manifest_get(rs, "lib/app", "latest", false, &m, &err));
	cn_regstore_manifest_release(&m);
	/* a manifest is a blob of its repository too */
	ASSERT_EQ(cn_regstore_blob_stat(rs, "lib/app", &d, NULL), 1);
	/* an index of it */
	cleanup_free char *index = xasprintf(
		"{\"schemaVersion\":2,\"mediaType\":\"" CN_MT_OCI_INDEX "\",\"manifests\":[{"
		"\"mediaType\":\"" CN_MT_OCI_MANIFEST "\",\"digest\":\"%s\",\"size\":%zu,"
		"\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}",
		d.str, strlen(body));
	struct cn_manifest_put_result res;
	ASSERT_OK(put(rs, "lib/app", "multi", CN_MT_OCI_INDEX, index, &res));
	ASSERT_ERR(put(rs, "other", "multi", CN_MT_OCI_INDEX, index, &res), -ENOENT);
	ASSERT_EQ(res.problem, CN_MANIFEST_BLOB_UNKNOWN);
	ASSERT_OK(cn_regstore_manifest_get(rs, "lib/app", "multi", false, &m, &err));
	ASSERT_STREQ(m.media_type, CN_MT_OCI_INDEX);
	cn_regstore_manifest_release(&m);
	cn_regstore_free(rs);
}

TEST(manifest_put_rejects)
{
	struct cn_regstore *rs = new_rs(NULL);
	struct cn_manifest_put_result res;
	struct cn_digest c, l;
	push_blob(rs, "app", "layer", &l);
	cn_digest_of(CN_DIGEST_SHA256, "not pushed", 10, &c);
	cleanup_free char *missing = image_manifest(&c, 10, &l, 5);
	ASSERT_ERR(put(rs, "app", "v1", NULL, missing, &res), -ENOENT);
	ASSERT_EQ(res.problem, CN_MANIFEST_BLOB_UNKNOWN);

	cleanup_free char *body = push_image(rs, "app", "layer", NULL);
	ASSERT_TRUE(put(rs, "app", "v1", NULL, "{not json", &res) < 0);
	ASSERT_EQ(res.problem, CN_MANIFEST_INVALID);
	cleanup_free char *dup = xasprintf("{\"schemaVersion\":2,%s", body + 1);
	ASSERT_ERR(put(rs, "app", "v1", NULL, dup, &res), -EBADMSG);
	ASSERT_EQ(res.problem, CN_MANIFEST_INVALID);
	ASSERT_ERR(put(rs, "app", "v1", CN_MT_DOCKER_MANIFEST, body, &res), -EBADMSG);
	ASSERT_EQ(res.problem, CN_MANIFEST_INVALID);
	ASSERT_TRUE(put(rs, "app", "bad:tag", NULL, body, &res) < 0);
	ASSERT_EQ(res.problem, CN_MANIFEST_DIGEST_INVALID);
	ASSERT_TRUE(put(rs, "app", ".bad", NULL, body, &res) < 0);
	ASSERT_EQ(res.problem, CN_MANIFEST_TAG_INVALID);
	ASSERT_ERR(put(rs, "app", c.str, NULL, body, &res), -EBADMSG);
	ASSERT_EQ(res.problem, CN_MANIFEST_DIGEST_INVALID);
	cleanup_free char *big = xmalloc(CN_MANIFEST_MAX + 2);
	memset(big, ' ', CN_MANIFEST_MAX + 1);
	big[CN_MANIFEST_MAX + 1] = '\0';
	ASSERT_ERR(put(rs, "app", "v1", NULL, big, &res), -E2BIG);
	ASSERT_EQ(res.problem, CN_MANIFEST_TOO_BIG);
	/* and a good one with the right content type and parameters */
	ASSERT_OK(put(rs, "app", "v1", CN_MT_OCI_MANIFEST "; charset=utf-8", body, &res));
	ASSERT_EQ(res.problem, CN_MANIFEST_OK);
	cn_regstore_free(rs);
}

TEST(validate_shapes)
{
	struct cn_manifest_refs r;
	struct cn_error err = CN_ERROR_INIT;
	static const char list[] =
		"{\"schemaVersion\":2,\"mediaType\":\"" CN_MT_DOCKER_LIST "\",\"manifests\":[]}";
	ASSERT_OK(cn_manifest_validate(list, strlen(list), NULL, &r, &err));
	ASSERT_TRUE(r.is_index);
	cn_manifest_refs_release(&r);
	ASSERT_ERR(cn_manifest_validate(list, strlen(list), CN_MT_OCI_INDEX, &r, &err), -EBADMSG);
	static const char v1[] =
		"{\"schemaVersion\":1,\"mediaType\":\"" CN_MT_OCI_INDEX "\",\"manifests\":[]}";
	ASSERT_ERR(cn_manifest_validate(v1, strlen(v1), NULL, &r, &err), -EBADMSG);
	static const char neg[] =
		"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\",\"digest\":"
		"\"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
		"\"size\":-1}]}";
	ASSERT_ERR(cn_manifest_validate(neg, strlen(neg), NULL, &r, &err), -EBADMSG);
	static const char art[] =
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/"
		"x-custom\",\"digest\":"
		"\"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
		"\"size\":0},\"layers\":[]}";
	ASSERT_OK(cn_manifest_validate(art, strlen(art), NULL, &r, &err));
	ASSERT_STREQ(r.media_type, CN_MT_OCI_MANIFEST);
	ASSERT_STREQ(r.artifact_type, "application/x-custom");
	ASSERT_EQ(r.n, 1);
	cn_manifest_refs_release(&r);
	ASSERT_ERR(cn_manifest_validate("[]", 2, NULL, &r, &err), -EBADMSG);
	ASSERT_ERR(cn_manifest_validate("", 0, NULL, &r, &err), -EBADMSG);
}

TEST(manifest_delete)
{
	struct cn_regstore *rs = new_rs(NULL);
	struct cn_error err = CN_ERROR_INIT;
	struct cn_regstore_manifest m;
	struct cn_digest d;
	cleanup_free char *body = push_image(rs, "app", "layer", NULL);
	put_ok(rs, "app", "v1", body, &d);
	put_ok(rs, "app", "v2", body, NULL);
	ASSERT_OK(cn_regstore_manifest_delete(rs, "app", "v1", &err));
	ASSERT_ERR(cn_regstore_manifest_delete(rs, "app", "v1", &err), -ENOENT);
	ASSERT_ERR(cn_regstore_manifest_get(rs, "app", "v1", false, &m, &err), -ENOENT);
	ASSERT_OK(cn_regstore_manifest_get(rs, "app", d.str, false, &m, &err));
	cn_regstore_manifest_release(&m);
	ASSERT_OK(cn_regstore_manifest_delete(rs, "app", d.str, &err));
	ASSERT_ERR(cn_regstore_manifest_get(rs, "app", d.str, false, &m, &err), -ENOENT);
	ASSERT_ERR(cn_regstore_manifest_get(rs, "app", "v2", false, &m, &err), -ENOENT);
	ASSERT_ERR(cn_regstore_manifest_delete(rs, "app", d.str, &err), -ENOENT);
	ASSERT_ERR(cn_regstore_manifest_delete(rs, "nope", "v2", &err), -ENOENT);
	cn_regstore_free(rs);
}

TEST(tags_and_catalog_paging)
{
	struct cn_regstore *rs = new_rs(NULL);
	struct cn_error err = CN_ERROR_INIT;
	char **v;
	size_t n;
	bool more;
	cleanup_free char *body = push_image(rs, "b/app", "layer", NULL);
	static const char *const tags[] = { "c", "a", "b", "d" };
	for (size_t i = 0; i < ARRAY_SIZE(tags); i++)
		put_ok(rs, "b/app", tags[i], body, NULL);
	struct cn_digest x;
	push_blob(rs, "a", "x", &x);
	push_blob(rs, "b", "x", &x);
	push_blob(rs, "b/app/sub", "x", &x);

	static const struct {
		const char *repo; /* NULL: the catalog */
		const char *last;
		size_t limit;
		const char *want; /* the names listed, space-separated */
		bool more;
	} pages[] = {
		{ "b/app", NULL, 0, "a b c d", false },
		{ "b/app", "a", 2, "b c", true },
		{ "b/app", "c", 2, "d", false },
		{ "a", NULL, 0, "", false },
		{ NULL, NULL, 0, "a b b/app b/app/sub", false },
		{ NULL, "b", 1, "b/app", true },
	};
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++) {
		if (pages[i].repo)
			ASSERT_OK(cn_regstore_tags(rs, pages[i].repo, pages[i].last, pages[i].limit,
						   &v, &n, &more, &err));
		else
			ASSERT_OK(cn_regstore_catalog(rs, pages[i].last, pages[i].limit, &v, &n,
						      &more, &err));
		cleanup_strbuf struct strbuf got = STRBUF_INIT;
		for (size_t k = 0; k < n; k++)
			strbuf_addf(&got, "%s%s", k ? " " : "", v[k]);
		cn_regstore_strv_free(v, n);
		if (strcmp(got.buf, pages[i].want) != 0 || more != pages[i].more)
			TEST_FAIL("page %zu: \"%s\" more=%d, want \"%s\" more=%d", i, got.buf, more,
				  pages[i].want, pages[i].more);
	}
	ASSERT_ERR(cn_regstore_tags(rs, "nope", NULL, 0, &v, &n, &more, &err), -ENOENT);
	cn_regstore_free(rs);
}

TEST(referrers)
{
	struct cn_regstore *rs = new_rs(NULL);
	struct cn_error err = CN_ERROR_INIT;
	struct cn_manifest_put_result res;
	struct cn_digest subject, sig, other;
	cleanup_free char *body = push_image(rs, "app", "layer", NULL);
	put_ok(rs, "app", "v1", body, &subject);
	cleanup_free char *a = artifact(rs, "app", SIG_TYPE, &subject, strlen(body));
	cleanup_free char *b = artifact(rs, "app", "application/vnd.test.sbom", &subject, 10);
	ASSERT_OK(put(rs, "app", "sig", NULL, a, &res));
	ASSERT_TRUE(res.has_subject);
	ASSERT_STREQ(res.subject.str, subject.str);
	sig = res.digest;
	put_ok(rs, "app", "sbom", b, &other);

	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	ASSERT_OK(cn_regstore_referrers(rs, "app", &subject, NULL, &sb, &err));
	ASSERT_TRUE(strstr(sb.buf, sig.str) != NULL);
	ASSERT_TRUE(strstr(sb.buf, other.str) != NULL);
	ASSERT_TRUE(strstr(sb.buf, "\"org.example\"") != NULL);
	ASSERT_TRUE(strstr(sb.buf, CN_MT_OCI_INDEX) != NULL);
	strbuf_reset(&sb);
	ASSERT_OK(cn_regstore_referrers(rs, "app", &subject, SIG_TYPE, &sb, &err));
	ASSERT_TRUE(strstr(sb.buf, sig.str) != NULL);
	ASSERT_TRUE(strstr(sb.buf, other.str) == NULL);
	strbuf_reset(&sb);
	/* another repository, an unknown subject: empty */
	ASSERT_OK(cn_regstore_referrers(rs, "other", &subject, NULL, &sb, &err));
	ASSERT_TRUE(strstr(sb.buf, "\"manifests\":[]") != NULL);
	strbuf_reset(&sb);
	/* a deleted referrer is gone */
	ASSERT_OK(cn_regstore_manifest_delete(rs, "app", sig.str, &err));
	ASSERT_OK(cn_regstore_referrers(rs, "app", &subject, NULL, &sb, &err));
	ASSERT_TRUE(strstr(sb.buf, sig.str) == NULL);
	ASSERT_TRUE(strstr(sb.buf, other.str) != NULL);
	cn_regstore_free(rs);
}

static struct cn_regstore_repo_info *find_info(struct cn_regstore_repo_info *v, size_t n,
					       const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	TEST_FAIL("no repository %s", name);
}

TEST(repo_infos_description_and_pulls)
{
	struct cn_regstore *rs = new_rs(NULL);
	struct cn_error err = CN_ERROR_INIT;
	struct cn_regstore_manifest m;
	struct cn_regstore_repo_info *v;
	size_t n;
	struct cn_digest d;
	cleanup_free char *body = push_image(rs, "library/web", "layer", "A small web server");
	cleanup_free char *plain = push_image(rs, "plain", "layer", NULL);
	put_ok(rs, "library/web", "v1", body, &d);
	put_ok(rs, "plain", "v1", plain, NULL);
	/* an index takes its first child's description */
	cleanup_free char *body2 = push_image(rs, "multi", "layer", "Multi arch");
	struct cn_digest child;
	put_ok(rs, "multi", "child", body2, &child);
	cleanup_free char *index = xasprintf(
		"{\"schemaVersion\":2,\"mediaType\":\"" CN_MT_OCI_INDEX "\",\"manifests\":[{"
		"\"mediaType\":\"" CN_MT_OCI_MANIFEST "\",\"digest\":\"%s\",\"size\":%zu}]}",
		child.str, strlen(body2));
	put_ok(rs, "multi", "latest", index, NULL);

	for (int i = 0; i < 3; i++) {
		ASSERT_OK(cn_regstore_manifest_get(rs, "library/web", "v1", true, &m, &err));
		cn_regstore_manifest_release(&m);
	}
	ASSERT_OK(cn_regstore_manifest_get(rs, "library/web", "v1", false, &m, &err)); /* HEAD */
	cn_regstore_manifest_release(&m);
	ASSERT_OK(cn_regstore_repo_infos(rs, &v, &n, &err));
	ASSERT_EQ(n, 3);
	ASSERT_STREQ(find_info(v, n, "library/web")->description, "A small web server");
	ASSERT_EQ(find_info(v, n, "library/web")->pull_count, 3);
	ASSERT_STREQ(find_info(v, n, "plain")->description, "");
	ASSERT_EQ(find_info(v, n, "plain")->pull_count, 0);
	ASSERT_STREQ(find_info(v, n, "multi")->description, "Multi arch");
	cn_regstore_repo_infos_free(v, n);

	ASSERT_OK(cn_regstore_flush(rs, &err));
	ASSERT_OK(cn_regstore_manifest_get(rs, "library/web", d.str, true, &m, &err));
	cn_regstore_manifest_release(&m);
	ASSERT_OK(cn_regstore_repo_infos(rs, &v, &n, &err));
	ASSERT_EQ(find_info(v, n, "library/web")->pull_count, 4);
	cn_regstore_repo_infos_free(v, n);
	cn_regstore_free(rs); /* flushes */
	rs = open_rs(NULL);
	ASSERT_OK(cn_regstore_repo_infos(rs, &v, &n, &err));
	ASSERT_EQ(find_info(v, n, "library/web")->pull_count, 4);
	cn_regstore_repo_infos_free(v, n);
	cn_regstore_free(rs);
}

static int age_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	struct timespec t[2] = { { st->st_mtime - 7200, 0 }, { st->st_mtime - 7200, 0 } };
	(void)utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/* Makes every file of the storage two hours old. */
static void age_all(void)
{
	(void)nftw(dir, age_entry, 16, FTW_PHYS);
}

struct gc_log {
	unsigned manifests, links, blobs;
};

static void count_deleted(void *userdata, const char *what, const struct cn_digest *d,
			  uint64_t size)
{
	struct gc_log *log = userdata;
	(void)d;
	(void)size;
	if (strcmp(what, "manifest") == 0)
		log->manifests++;
	else if (strcmp(what, "blob") == 0)
		log->blobs++;
	else
		log->links++;
}

TEST(gc)
{
	struct cn_regstore *rs = new_rs(NULL);
	struct cn_error err = CN_ERROR_INIT;
	struct cn_regstore_manifest m;
	struct cn_regstore_gc_stats st;
	struct cn_digest live, dead, sig, dead_sig, fresh, l2;
	cleanup_free char *b1 = push_image(rs, "app", "layer-live", NULL);
	cleanup_free char *b2 = push_image(rs, "app", "layer-dead", "dead config");
	put_ok(rs, "app", "v1", b1, &live);
	put_ok(rs, "app", "gone", b2, &dead);
	cn_digest_of(CN_DIGEST_SHA256, "layer-dead", 10, &l2);
	ASSERT_OK(cn_regstore_manifest_delete(rs, "app", "gone", &err)); /* untagged now */
	cleanup_free char *a1 = artifact(rs, "app", SIG_TYPE, &live, strlen(b1));
	cleanup_free char *a2 = artifact(rs, "app", SIG_TYPE, &dead, strlen(b2));
	put_ok(rs, "app", "placeholder", a1, &sig);
	ASSERT_OK(cn_regstore_manifest_delete(rs, "app", "placeholder", &err)); /* untagged */
	put_ok(rs, "app", "placeholder", a2, &dead_sig);
	ASSERT_OK(cn_regstore_manifest_delete(rs, "app", "placeholder", &err));
	/* fresh: nothing goes */
	ASSERT_OK(cn_regstore_gc(rs, false, NULL, NULL, &st, &err));
	ASSERT_EQ(st.manifests_deleted + st.links_deleted + st.blobs_deleted, 0);

	age_all();
	/* an in-flight push: a fresh untagged manifest and its blobs are kept */
	cleanup_free char *b3 = push_image(rs, "app", "layer-fresh", NULL);
	put_ok(rs, "app", "placeholder", b3, &fresh);
	ASSERT_OK(cn_regstore_manifest_delete(rs, "app", "placeholder", &err));

	struct gc_log log = { 0 };
	ASSERT_OK(cn_regstore_gc(rs, true, count_deleted, &log, &st, &err));
	/* manifests: dead, dead_sig; links: dead's config and layer; blobs: those four */
	ASSERT_EQ(st.manifests_deleted, 2);
	ASSERT_EQ(st.links_deleted, 2);
	ASSERT_EQ(st.blobs_deleted, 4);
	ASSERT_TRUE(st.bytes_freed > 0);
	ASSERT_EQ(log.manifests, 2);
	ASSERT_EQ(log.links, 2);
	ASSERT_EQ(log.blobs, 4);
	ASSERT_OK(cn_regstore_manifest_get(rs, "app", dead.str, false, &m, &err)); /* dry run */
	cn_regstore_manifest_release(&m);

	ASSERT_OK(cn_regstore_gc(rs, false, NULL, NULL, &st, &err));
	ASSERT_EQ(st.manifests_deleted, 2);
	ASSERT_EQ(st.links_deleted, 2);
	ASSERT_EQ(st.blobs_deleted, 4);
	ASSERT_ERR(cn_regstore_manifest_get(rs, "app", dead.str, false, &m, &err), -ENOENT);
	ASSERT_ERR(cn_regstore_manifest_get(rs, "app", dead_sig.str, false, &m, &err), -ENOENT);
	ASSERT_FALSE(blob_file_exists(&dead));
	ASSERT_FALSE(blob_file_exists(&l2));
	ASSERT_EQ(cn_regstore_blob_stat(rs, "app", &l2, NULL), 0);
	ASSERT_OK(cn_regstore_manifest_get(rs, "app", "v1", false, &m, &err));
	cn_regstore_manifest_release(&m);
	ASSERT_OK(cn_regstore_manifest_get(rs, "app", sig.str, false, &m, &err)); /* referrer */
	cn_regstore_manifest_release(&m);
	ASSERT_OK(cn_regstore_manifest_get(rs, "app", fresh.str, false, &m, &err)); /* grace */
	cn_regstore_manifest_release(&m);
	ASSERT_TRUE(blob_file_exists(&sig));
	/* the live image pulls whole */
	cn_digest_of(CN_DIGEST_SHA256, "layer-live", 10, &l2);
	ASSERT_EQ(cn_regstore_blob_stat(rs, "app", &l2, NULL), 1);
	/* idempotent */
	ASSERT_OK(cn_regstore_gc(rs, false, NULL, NULL, &st, &err));
	ASSERT_EQ(st.manifests_deleted + st.links_deleted + st.blobs_deleted, 0);
	cn_regstore_free(rs);
}

/* Entries of a directory other than . and .. */
static int count_files(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

TEST(crash_leaves_nothing_visible)
{
	struct cn_regstore *rs = new_rs(NULL);
	cn_regstore_free(rs);
	struct cn_digest d;
	cn_digest_of(CN_DIGEST_SHA256, "half a blob", 11, &d);
	pid_t pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		/* The child starts an upload, writes, and dies without cleaning up. */
		struct cn_regstore *c = NULL;
		struct cn_upload *u;
		char id[CN_UPLOAD_ID_MAX];
		if (cn_regstore_open(dir, NULL, &c, NULL) < 0 ||
		    cn_regstore_upload_start(c, "app", id, NULL) < 0 ||
		    cn_regstore_upload_claim(c, "app", id, &u) < 0 ||
		    cn_upload_write(u, "half a blob", 11, NULL) < 0)
			_exit(1);
		_exit(0);
	}
	int status;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	rs = open_rs(NULL);
	char partial[300];
	(void)snprintf(partial, sizeof(partial), "%s/state/partial", dir);
	ASSERT_EQ(count_files(partial), 1);
	ASSERT_EQ(cn_regstore_blob_stat(rs, "app", &d, NULL), 0);
	ASSERT_FALSE(blob_file_exists(&d));
	char **v;
	size_t n;
	bool more;
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_OK(cn_regstore_catalog(rs, NULL, 0, &v, &n, &more, &err));
	ASSERT_EQ(n, 0);
	cn_regstore_strv_free(v, n);
	/* gc removes the stale upload file */
	age_all();
	struct cn_regstore_gc_stats st;
	ASSERT_OK(cn_regstore_gc(rs, false, NULL, NULL, &st, &err));
	ASSERT_EQ(count_files(partial), 0);
	cn_regstore_free(rs);
}

struct worker {
	struct cn_regstore *rs;
	int id;
	int failures;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct cn_error err = CN_ERROR_INIT;
	for (int i = 0; i < 200; i++) {
		struct cn_regstore_manifest m;
		if (cn_regstore_manifest_get(w->rs, "app", "v1", true, &m, &err) < 0) {
			w->failures++;
			continue;
		}
		cn_regstore_manifest_release(&m);
		if (i % 50 != 0)
			continue;
		char id[CN_UPLOAD_ID_MAX], data[32];
		struct cn_upload *u;
		struct cn_digest d;
		int len = snprintf(data, sizeof(data), "blob %d %d", w->id, i);
		cn_digest_of(CN_DIGEST_SHA256, data, (size_t)len, &d);
		if (cn_regstore_upload_start(w->rs, "app", id, &err) < 0 ||
		    cn_regstore_upload_claim(w->rs, "app", id, &u) < 0 ||
		    cn_upload_write(u, data, (size_t)len, &err) < 0 ||
		    cn_upload_finish(u, &d, &err) < 0)
			w->failures++;
	}
	return NULL;
}

TEST(concurrent_gets_and_uploads)
{
	struct cn_regstore *rs = new_rs(NULL);
	struct cn_error err = CN_ERROR_INIT;
	cleanup_free char *body = push_image(rs, "app", "layer", NULL);
	put_ok(rs, "app", "v1", body, NULL);
	pthread_t threads[4];
	struct worker workers[4];
	for (int i = 0; i < 4; i++) {
		workers[i] = (struct worker){ rs, i, 0 };
		ASSERT_EQ(pthread_create(&threads[i], NULL, worker_main, &workers[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(pthread_join(threads[i], NULL), 0);
		ASSERT_EQ(workers[i].failures, 0);
	}
	struct cn_regstore_repo_info *v;
	size_t n;
	ASSERT_OK(cn_regstore_repo_infos(rs, &v, &n, &err));
	ASSERT_EQ(n, 1);
	ASSERT_EQ(v[0].pull_count, 800);
	cn_regstore_repo_infos_free(v, n);
	cn_regstore_free(rs);
}
