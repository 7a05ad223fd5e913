/* The OCI layout store: blobs, resumable ingest, tags, gc, fsck, and resolving images. */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/image/platform.h"
#include "lib/store/remove.h"
#include "lib/store/resolve.h"
#include "lib/store/store.h"
#include "test.h"

static const char *store_dir; /* this test's store (test_fresh_dir) */

/* A fresh store in a new temporary directory (the previous test's one is removed). */
static struct cn_store *new_store(unsigned flags)
{
	struct cn_store *s = NULL;
	struct cn_error err = CN_ERROR_INIT;
	store_dir = test_fresh_dir("store");
	int r = cn_store_open(store_dir, CN_STORE_CREATE | flags, &s, &err);
	if (r < 0)
		TEST_FAIL("cn_store_open: %s", err.msg);
	return s;
}

/* Stores a blob; with a NULL store, only computes its digest. */
static void put(struct cn_store *s, const void *data, size_t len, struct cn_digest *ret)
{
	struct cn_error err = CN_ERROR_INIT;
	struct cn_digest d;
	if (!s) {
		cn_digest_of(CN_DIGEST_SHA256, data, len, ret ? ret : &d);
		return;
	}
	int r = cn_store_put_blob(s, data, len, NULL, ret, &err);
	if (r < 0)
		TEST_FAIL("put_blob: %s", err.msg);
}

/* Stores `j` (taken) compactly; fills a descriptor of it. */
static void put_json(struct cn_store *s, json_t *j, const char *media_type,
		     struct cn_descriptor *ret)
{
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	memset(ret, 0, sizeof(*ret));
	put(s, text, strlen(text), &ret->digest);
	ret->size = (int64_t)strlen(text);
	ret->media_type = (char *)media_type;
	free(text);
}

static json_t *descriptor_json(const char *media_type, const struct cn_digest *d, int64_t size)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", d->str, "size",
			 (json_int_t)size);
}

struct test_image {
	struct cn_descriptor manifest; /* media_type is a static string */
	struct cn_digest config;
	struct cn_digest layers[4];
	size_t n_layers;
};

/* An image with `n` layers "<seed>-layer-<i>" (plus any stored `shared` layer first) and a
 * config whose created time and seed make it unique. With a NULL store, only the digests. */
static void make_image(struct cn_store *s, const char *seed, const char *created, size_t n,
		       const struct cn_digest *shared, struct test_image *ret)
{
	json_t *layers = json_array(), *diff_ids = json_array(), *history = json_array();
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < n + (shared != NULL); i++) {
		char data[128];
		int64_t len = snprintf(data, sizeof(data), "%s-layer-%zu", seed, i);
		if (i == 0 && shared) {
			ret->layers[0] = *shared;
			ASSERT_EQ(cn_store_has_blob(s, shared, &len), 1);
		} else {
			put(s, data, (size_t)len, &ret->layers[i]);
		}
		json_array_append_new(layers,
				      descriptor_json(CN_MT_OCI_LAYER_GZIP, &ret->layers[i], len));
		json_array_append_new(diff_ids, json_string(ret->layers[i].str));
		json_array_append_new(history, json_pack("{s:s, s:s}", "created", created,
							 "created_by", "RUN make layer"));
		ret->n_layers++;
	}
	json_array_append_new(history, json_pack("{s:s, s:s, s:b}", "created", created,
						 "created_by", "CMD [\"sh\"]", "empty_layer", 1));
	json_t *config = json_pack("{s:s, s:s, s:s, s:{s:s, s:o}, s:o, s:{s:[s]}, s:s}", "created",
				   created, "architecture", "amd64", "os", "linux", "rootfs",
				   "type", "layers", "diff_ids", diff_ids, "history", history,
				   "config", "Env", "PATH=/bin", "comment", seed);
	struct cn_descriptor cd;
	put_json(s, config, CN_MT_OCI_CONFIG, &cd);
	ret->config = cd.digest;
	json_t *m = json_pack(
		"{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType", CN_MT_OCI_MANIFEST,
		"config", descriptor_json(CN_MT_OCI_CONFIG, &cd.digest, cd.size), "layers", layers);
	put_json(s, m, CN_MT_OCI_MANIFEST, &ret->manifest);
}

static void set_tag(struct cn_store *s, const char *name, const struct cn_descriptor *d,
		    const char *repo_digest)
{
	struct cn_error err = CN_ERROR_INIT;
	int r = cn_store_set_tag(s, name, d, repo_digest, NULL, &err);
	if (r < 0)
		TEST_FAIL("set_tag %s: %s", name, err.msg);
}

static bool has(struct cn_store *s, const struct cn_digest *d)
{
	return cn_store_has_blob(s, d, NULL) == 1;
}

TEST(put_blob_stores_verified_content)
{
	struct cn_store *s = new_store(CN_STORE_WRITE);
	struct cn_digest d, want;
	struct strbuf sb = STRBUF_INIT;
	int64_t size = 0;
	put(s, "hello", 5, &d);
	ASSERT_STREQ(d.str,
		     "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	ASSERT_EQ(cn_store_has_blob(s, &d, &size), 1);
	ASSERT_EQ(size, 5);
	ASSERT_OK(cn_store_read_blob(s, &d, 100, &sb, NULL));
	ASSERT_EQ(sb.len, 5);
	ASSERT_TRUE(memcmp(sb.buf, "hello", 5) == 0);
	strbuf_release(&sb);
	ASSERT_ERR(cn_store_read_blob(s, &d, 4, &sb, NULL), -E2BIG);
	strbuf_release(&sb);
	put(s, "hello", 5, NULL); /* again: a no-op */

	cn_digest_of(CN_DIGEST_SHA256, "other", 5, &want);
	ASSERT_ERR(cn_store_put_blob(s, "hello!", 6, &want, NULL, NULL), -EBADMSG);
	ASSERT_FALSE(has(s, &want));
	ASSERT_OK(cn_store_delete_blob(s, &d));
	ASSERT_EQ(cn_store_has_blob(s, &d, NULL), 0);
	ASSERT_ERR(cn_store_delete_blob(s, &d), -ENOENT);
	cn_store_free(s);
}

TEST(ingest_resumes_after_interrupted_write)
{
	struct cn_store *s = new_store(CN_STORE_WRITE);
	char data[1000];
	struct cn_digest want;
	struct cn_blob_writer *w = NULL;
	struct cn_error err = CN_ERROR_INIT;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	cn_digest_of(CN_DIGEST_SHA256, data, sizeof(data), &want);

	ASSERT_EQ(cn_store_ingest_begin(s, &want, sizeof(data), &w, &err), 0);
	ASSERT_EQ(cn_blob_writer_offset(w), 0);
	ASSERT_OK(cn_blob_writer_write(w, data, 400, &err));
	w = cn_blob_writer_free(w); /* interrupted: the partial stays for resume */
	ASSERT_FALSE(has(s, &want));

	ASSERT_EQ(cn_store_ingest_begin(s, &want, sizeof(data), &w, &err), 0);
	ASSERT_EQ(cn_blob_writer_offset(w), 400);
	ASSERT_ERR(cn_blob_writer_write(w, data, sizeof(data), &err), -E2BIG);
	ASSERT_OK(cn_blob_writer_write(w, data + 400, sizeof(data) - 400, &err));
	ASSERT_OK(cn_blob_writer_commit(w, &err));
	w = cn_blob_writer_free(w);
	ASSERT_TRUE(has(s, &want));

	/* stored already: begin says so and hands out no writer */
	ASSERT_EQ(cn_store_ingest_begin(s, &want, sizeof(data), &w, &err), 1);
	ASSERT_NULL(w);
	cn_store_free(s);
}

TEST(ingest_digest_mismatch_leaves_nothing_visible)
{
	struct cn_store *s = new_store(CN_STORE_WRITE);
	struct cn_digest want;
	struct cn_blob_writer *w = NULL;
	struct cn_error err = CN_ERROR_INIT;
	cn_digest_of(CN_DIGEST_SHA256, "expected", 8, &want);

	ASSERT_EQ(cn_store_ingest_begin(s, &want, 8, &w, &err), 0);
	ASSERT_OK(cn_blob_writer_write(w, "tampered", 8, &err));
	ASSERT_ERR(cn_blob_writer_commit(w, &err), -EBADMSG);
	ASSERT_TRUE(strstr(err.msg, "digest mismatch") != NULL);
	w = cn_blob_writer_free(w);
	ASSERT_FALSE(has(s, &want));

	/* the bad bytes were dropped: a new attempt starts from zero */
	ASSERT_EQ(cn_store_ingest_begin(s, &want, 8, &w, &err), 0);
	ASSERT_EQ(cn_blob_writer_offset(w), 0);
	ASSERT_OK(cn_blob_writer_write(w, "short", 5, &err));
	ASSERT_ERR(cn_blob_writer_commit(w, &err), -EBADMSG); /* size mismatch */
	w = cn_blob_writer_free(w);
	ASSERT_FALSE(has(s, &want));
	cn_store_free(s);
}

static const struct cn_store_tag *find_tag(const struct cn_store_tag *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].name && strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

TEST(tags_set_replace_list_remove)
{
	struct cn_store *s = new_store(CN_STORE_WRITE);
	struct test_image a, b;
	struct cn_store_tag *tags = NULL;
	size_t n = 0;
	make_image(s, "a", "2024-01-01T00:00:00Z", 1, NULL, &a);
	make_image(s, "b", "2024-01-02T00:00:00Z", 1, NULL, &b);
	set_tag(s, "docker.io/library/a:1", &a.manifest,
		"sha256:"
		"1111111111111111111111111111111111111111111111111111111111111111");
	set_tag(s, "docker.io/library/b:1", &b.manifest, NULL);
	set_tag(s, "docker.io/library/a:1", &b.manifest, NULL); /* replaces */

	ASSERT_OK(cn_store_list_tags(s, &tags, &n, NULL));
	ASSERT_EQ(n, 2);
	const struct cn_store_tag *t = find_tag(tags, n, "docker.io/library/a:1");
	ASSERT_TRUE(t != NULL);
	ASSERT_STREQ(t->desc.digest.str, b.manifest.digest.str);
	ASSERT_EQ(t->desc.size, b.manifest.size);
	ASSERT_STREQ(t->desc.media_type, CN_MT_OCI_MANIFEST);
	ASSERT_NULL(t->repo_digest);
	cn_store_tags_free(tags, n);

	set_tag(s, "docker.io/library/c:1", &a.manifest,
		"sha256:"
		"2222222222222222222222222222222222222222222222222222222222222222");
	ASSERT_OK(cn_store_remove_tag(s, "docker.io/library/a:1", NULL));
	ASSERT_ERR(cn_store_remove_tag(s, "docker.io/library/a:1", NULL), -ENOENT);
	ASSERT_OK(cn_store_list_tags(s, &tags, &n, NULL));
	ASSERT_EQ(n, 2);
	ASSERT_NULL(find_tag(tags, n, "docker.io/library/a:1"));
	t = find_tag(tags, n, "docker.io/library/c:1");
	ASSERT_TRUE(t != NULL);
	ASSERT_STREQ(t->repo_digest,
		     "sha256:2222222222222222222222222222222222222222222222222222222222222222");
	cn_store_tags_free(tags, n);
	cn_store_free(s);
}

TEST(gc_removes_unreachable_keeps_reachable)
{
	struct cn_store *s = new_store(CN_STORE_GC);
	struct test_image keep, drop;
	struct cn_digest stray;
	struct cn_gc_stats st;
	make_image(s, "keep", "2024-01-01T00:00:00Z", 2, NULL, &keep);
	make_image(s, "drop", "2024-01-01T00:00:00Z", 2, &keep.layers[0], &drop);
	put(s, "stray", 5, &stray);
	set_tag(s, "docker.io/library/keep:1", &keep.manifest, NULL);

	ASSERT_OK(cn_store_gc(s, true, &st, NULL)); /* dry run */
	ASSERT_EQ(st.blobs_deleted, 5); /* drop's manifest, config, 2 own layers; the stray */
	ASSERT_TRUE(has(s, &stray));
	ASSERT_OK(cn_store_gc(s, false, &st, NULL));
	ASSERT_EQ(st.blobs_deleted, 5);
	ASSERT_TRUE(st.bytes_freed > 0);
	ASSERT_FALSE(has(s, &stray));
	ASSERT_FALSE(has(s, &drop.manifest.digest));
	ASSERT_FALSE(has(s, &drop.config));
	ASSERT_FALSE(has(s, &drop.layers[1]));
	ASSERT_TRUE(has(s, &keep.manifest.digest));
	ASSERT_TRUE(has(s, &keep.config));
	ASSERT_TRUE(has(s, &keep.layers[0])); /* shared with drop */
	ASSERT_TRUE(has(s, &keep.layers[1]));
	ASSERT_OK(cn_store_gc(s, false, &st, NULL));
	ASSERT_EQ(st.blobs_deleted, 0);
	cn_store_free(s);
}

struct problems {
	char text[4096];
	int n;
};

static void collect_problem(void *userdata, const char *problem)
{
	struct problems *p = userdata;
	size_t len = strlen(p->text);
	(void)snprintf(p->text + len, sizeof(p->text) - len, "%s\n", problem);
	p->n++;
}

TEST(fsck_reports_corrupt_blob_and_missing_layer)
{
	struct cn_store *s = new_store(CN_STORE_WRITE);
	struct test_image a, b;
	struct problems p = { "", 0 };
	char path[512];
	make_image(s, "a", "2024-01-01T00:00:00Z", 1, NULL, &a);
	make_image(s, "b", "2024-01-01T00:00:00Z", 2, NULL, &b);
	set_tag(s, "docker.io/library/a:1", &a.manifest, NULL);
	set_tag(s, "docker.io/library/b:1", &b.manifest, NULL);
	ASSERT_EQ(cn_store_fsck(s, collect_problem, &p, NULL), 0);

	(void)snprintf(path, sizeof(path), "%s/blobs/sha256/%s", store_dir,
		       cn_digest_hex(&a.layers[0]));
	FILE *f = fopen(path, "r+");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(fputs("XX", f) >= 0, 1);
	fclose(f);
	ASSERT_OK(cn_store_delete_blob(s, &b.layers[1]));

	ASSERT_EQ(cn_store_fsck(s, collect_problem, &p, NULL), 2);
	ASSERT_TRUE(strstr(p.text, "corrupt") != NULL);
	ASSERT_TRUE(strstr(p.text, a.layers[0].str) != NULL);
	ASSERT_TRUE(strstr(p.text, "tag docker.io/library/b:1: missing blob") != NULL);
	ASSERT_TRUE(strstr(p.text, b.layers[1].str) != NULL);
	cn_store_free(s);
}

TEST(resolve_by_name_and_digest)
{
	struct cn_store *s = new_store(CN_STORE_WRITE);
	struct test_image a;
	struct cn_resolved r = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	const char *rd = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
	make_image(s, "a", "2024-01-01T00:00:00Z", 2, NULL, &a);
	set_tag(s, "docker.io/library/redis:7", &a.manifest, rd);
	set_tag(s, "localhost:5000/x/y:1", &a.manifest, NULL);

	ASSERT_OK(cn_store_resolve(s, "redis:7", &r, &err));
	ASSERT_STREQ(r.tag.name, "docker.io/library/redis:7");
	ASSERT_STREQ(r.tag.repo_digest, rd);
	ASSERT_STREQ(r.id.str, a.config.str);
	ASSERT_STREQ(r.manifest_desc.digest.str, a.manifest.digest.str);
	ASSERT_EQ(r.manifest->n_layers, 2);
	ASSERT_EQ(r.config->n_history, 3);
	ASSERT_FALSE(r.by_id);
	/* size: config + layers, as stored */
	int64_t cfg_size = 0;
	ASSERT_EQ(cn_store_has_blob(s, &a.config, &cfg_size), 1);
	ASSERT_EQ(r.size, (uint64_t)cfg_size + strlen("a-layer-0") + strlen("a-layer-1"));
	cn_resolved_release(&r);

	ASSERT_OK(cn_store_resolve(s, "docker.io/library/redis:7", &r, &err));
	cn_resolved_release(&r);
	ASSERT_OK(cn_store_resolve(s, "localhost:5000/x/y:1", &r, &err));
	cn_resolved_release(&r);
	char *pinned = NULL;
	ASSERT_TRUE(asprintf(&pinned, "redis@%s", rd) > 0);
	ASSERT_OK(cn_store_resolve(s, pinned, &r, &err)); /* by repo digest */
	ASSERT_STREQ(r.tag.name, "docker.io/library/redis:7");
	cn_resolved_release(&r);
	free(pinned);
	ASSERT_TRUE(asprintf(&pinned, "redis@%s", a.manifest.digest.str) > 0);
	ASSERT_OK(cn_store_resolve(s, pinned, &r, &err)); /* by manifest digest */
	cn_resolved_release(&r);
	free(pinned);
	ASSERT_TRUE(asprintf(&pinned, "other@%s", rd) > 0);
	ASSERT_ERR(cn_store_resolve(s, pinned, &r, &err), -ENOENT); /* other repository */
	free(pinned);

	ASSERT_ERR(cn_store_resolve(s, "redis", &r, &err), -ENOENT); /* redis:latest */
	ASSERT_TRUE(strstr(err.msg, "No such image: redis") != NULL);
	ASSERT_ERR(cn_store_resolve(s, "Redis:7", &r, &err), -EINVAL);
	cn_store_free(s);
}

TEST(resolve_by_short_and_full_id)
{
	struct cn_store *s = new_store(CN_STORE_WRITE);
	struct test_image a;
	struct cn_resolved r = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	char spec[80];
	make_image(s, "a", "2024-01-01T00:00:00Z", 1, NULL, &a);
	set_tag(s, "docker.io/library/a:1", &a.manifest, NULL);

	(void)snprintf(spec, sizeof(spec), "%.12s", cn_digest_hex(&a.config));
	ASSERT_OK(cn_store_resolve(s, spec, &r, &err));
	ASSERT_TRUE(r.by_id);
	ASSERT_STREQ(r.id.str, a.config.str);
	ASSERT_STREQ(r.tag.name, "docker.io/library/a:1");
	cn_resolved_release(&r);
	ASSERT_OK(cn_store_resolve(s, a.config.str, &r, &err));
	cn_resolved_release(&r);
	ASSERT_OK(cn_store_resolve(s, cn_digest_hex(&a.config), &r, &err));
	cn_resolved_release(&r);
	(void)snprintf(spec, sizeof(spec), "sha256:%.6s", cn_digest_hex(&a.config));
	ASSERT_OK(cn_store_resolve(s, spec, &r, &err));
	cn_resolved_release(&r);
	(void)snprintf(spec, sizeof(spec), "%.3s", cn_digest_hex(&a.config));
	ASSERT_ERR(cn_store_resolve(s, spec, &r, &err), -ENOENT); /* too short to be an ID */
	/* the manifest digest is not the image ID */
	ASSERT_ERR(cn_store_resolve(s, cn_digest_hex(&a.manifest.digest), &r, &err), -ENOENT);
	cn_store_free(s);
}

TEST(resolve_ambiguous_id_prefix)
{
	struct cn_store *s = new_store(CN_STORE_WRITE);
	struct test_image img[2];
	struct cn_resolved r = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	char seeds[2][32], created[2][32], spec[16];
	/* Find two configs whose IDs share 4 hex digits: vary the created time (birthday bound,
	 * a few hundred tries), then store just those two. */
	struct {
		struct cn_digest id;
		unsigned n;
	} seen[4096];
	size_t n_seen = 0;
	bool found = false;
	for (unsigned i = 0; !found && i < 4096; i++) {
		struct cn_store *probe = NULL; /* digests only */
		char when[32];
		struct test_image t;
		(void)snprintf(when, sizeof(when), "2024-01-01T00:%02u:%02uZ", i / 60 % 60, i % 60);
		(void)snprintf(seeds[0], sizeof(seeds[0]), "amb%u", i);
		make_image(probe, seeds[0], when, 1, NULL, &t);
		for (size_t k = 0; k < n_seen && !found; k++) {
			if (strncmp(cn_digest_hex(&seen[k].id), cn_digest_hex(&t.config), 4) != 0)
				continue;
			(void)snprintf(seeds[0], sizeof(seeds[0]), "amb%u", seen[k].n);
			(void)snprintf(created[0], sizeof(created[0]), "2024-01-01T00:%02u:%02uZ",
				       seen[k].n / 60 % 60, seen[k].n % 60);
			(void)snprintf(seeds[1], sizeof(seeds[1]), "amb%u", i);
			(void)snprintf(created[1], sizeof(created[1]), "%s", when);
			found = true;
		}
		seen[n_seen].id = t.config;
		seen[n_seen++].n = i;
	}
	ASSERT_TRUE(found);
	make_image(s, seeds[0], created[0], 1, NULL, &img[0]);
	make_image(s, seeds[1], created[1], 1, NULL, &img[1]);
	set_tag(s, "docker.io/library/one:1", &img[0].manifest, NULL);
	set_tag(s, "docker.io/library/two:1", &img[1].manifest, NULL);
	set_tag(s, "docker.io/library/two:also", &img[1].manifest, NULL);

	(void)snprintf(spec, sizeof(spec), "%.4s", cn_digest_hex(&img[0].config));
	ASSERT_ERR(cn_store_resolve(s, spec, &r, &err), -ENOTUNIQ);
	ASSERT_TRUE(strstr(err.msg, "ambiguous") != NULL);
	/* a longer prefix tells them apart; two tags of one image are not ambiguous */
	ASSERT_OK(cn_store_resolve(s, cn_digest_hex(&img[1].config), &r, &err));
	ASSERT_STREQ(r.id.str, img[1].config.str);
	cn_resolved_release(&r);
	cn_store_free(s);
}

/* An index of two images: a foreign platform first, then the host's. */
static void make_index(struct cn_store *s, struct test_image *foreign, struct test_image *host,
		       struct cn_descriptor *ret)
{
	struct cn_platform p;
	cn_platform_host(&p);
	make_image(s, "foreign", "2024-01-01T00:00:00Z", 1, NULL, foreign);
	make_image(s, "host", "2024-01-01T00:00:00Z", 1, NULL, host);
	json_t *fd = descriptor_json(CN_MT_OCI_MANIFEST, &foreign->manifest.digest,
				     foreign->manifest.size);
	json_object_set_new(fd, "platform",
			    json_pack("{s:s, s:s}", "os", "linux", "architecture", "s390x"));
	json_t *hd =
		descriptor_json(CN_MT_OCI_MANIFEST, &host->manifest.digest, host->manifest.size);
	json_t *hp = json_pack("{s:s, s:s}", "os", p.os, "architecture", p.architecture);
	if (p.variant[0])
		json_object_set_new(hp, "variant", json_string(p.variant));
	json_object_set_new(hd, "platform", hp);
	json_t *idx = json_pack("{s:i, s:s, s:[o, o]}", "schemaVersion", 2, "mediaType",
				CN_MT_OCI_INDEX, "manifests", fd, hd);
	put_json(s, idx, CN_MT_OCI_INDEX, ret);
}

TEST(resolve_index_picks_host_platform)
{
	struct cn_store *s = new_store(CN_STORE_WRITE);
	struct test_image foreign, host;
	struct cn_descriptor index;
	struct cn_resolved r = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	make_index(s, &foreign, &host, &index);
	set_tag(s, "docker.io/library/multi:1", &index, NULL);

	ASSERT_OK(cn_store_resolve(s, "multi:1", &r, &err));
	ASSERT_STREQ(r.id.str, host.config.str);
	ASSERT_STREQ(r.manifest_desc.digest.str, host.manifest.digest.str);
	ASSERT_STREQ(r.tag.desc.digest.str, index.digest.str);
	cn_resolved_release(&r);

	/* without the host's image, the first one the store holds */
	ASSERT_OK(cn_store_delete_blob(s, &host.manifest.digest));
	ASSERT_OK(cn_store_resolve(s, "multi:1", &r, &err));
	ASSERT_STREQ(r.id.str, foreign.config.str);
	cn_resolved_release(&r);
	ASSERT_OK(cn_store_delete_blob(s, &foreign.manifest.digest));
	ASSERT_ERR(cn_store_resolve(s, "multi:1", &r, &err), -ENOENT);
	ASSERT_TRUE(strstr(err.msg, "none of its images") != NULL);
	cn_store_free(s);
}

static void count_broken(void *userdata, const struct cn_store_tag *tag, const struct cn_error *err)
{
	(void)tag;
	(void)err;
	(*(int *)userdata)++;
}

TEST(list_images_skips_broken_entries)
{
	struct cn_store *s = new_store(CN_STORE_WRITE);
	struct test_image a, b;
	struct cn_resolved *imgs = NULL;
	size_t n = 0;
	int broken = 0;
	make_image(s, "a", "2024-01-01T00:00:00Z", 1, NULL, &a);
	make_image(s, "b", "2024-01-01T00:00:00Z", 1, NULL, &b);
	set_tag(s, "docker.io/library/a:1", &a.manifest, NULL);
	set_tag(s, "docker.io/library/b:1", &b.manifest, NULL);
	ASSERT_OK(cn_store_delete_blob(s, &b.config));
	ASSERT_OK(cn_store_list_images(s, count_broken, &broken, &imgs, &n, NULL));
	ASSERT_EQ(n, 1);
	ASSERT_EQ(broken, 1);
	ASSERT_STREQ(imgs[0].tag.name, "docker.io/library/a:1");
	cn_resolved_array_free(imgs, n);
	cn_store_free(s);
}

static void collect_deleted(void *userdata, const struct cn_digest *d, uint64_t size)
{
	(void)size;
	struct problems *p = userdata;
	collect_problem(p, d->str);
}

TEST(delete_unreferenced_keeps_shared_blobs)
{
	struct cn_store *s = new_store(CN_STORE_GC);
	struct test_image a, b;
	struct problems deleted = { "", 0 };
	struct cn_error err = CN_ERROR_INIT;
	make_image(s, "a", "2024-01-01T00:00:00Z", 1, NULL, &a);
	make_image(s, "b", "2024-01-01T00:00:00Z", 1, &a.layers[0], &b);
	set_tag(s, "docker.io/library/a:1", &a.manifest, NULL);
	set_tag(s, "docker.io/library/b:1", &b.manifest, NULL);
	set_tag(s, "docker.io/library/b:2", &b.manifest, NULL);

	ASSERT_OK(cn_store_remove_tag(s, "docker.io/library/b:1", NULL));
	ASSERT_EQ(cn_store_delete_unreferenced(s, &b.manifest, collect_deleted, &deleted, &err), 0);
	ASSERT_OK(cn_store_remove_tag(s, "docker.io/library/b:2", NULL));
	ASSERT_EQ(cn_store_delete_unreferenced(s, &b.manifest, collect_deleted, &deleted, &err), 3);
	/* in walk order: manifest, config, b's own layer; a's layer stays */
	char want[1024];
	(void)snprintf(want, sizeof(want), "%s\n%s\n%s\n", b.manifest.digest.str, b.config.str,
		       b.layers[1].str);
	ASSERT_STREQ(deleted.text, want);
	ASSERT_TRUE(has(s, &a.layers[0]));
	ASSERT_TRUE(has(s, &a.manifest.digest));
	cn_store_free(s);
}

TEST(gc_keeps_the_source_of_a_converted_entry)
{
	struct cn_store *s = new_store(CN_STORE_GC);
	struct test_image oci, original;
	struct cn_gc_stats st;
	make_image(s, "oci", "2024-01-01T00:00:00Z", 1, NULL, &oci);
	make_image(s, "docker", "2024-01-01T00:00:00Z", 1, NULL, &original);
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_OK(cn_store_set_tag(s, "docker.io/library/x:1", &oci.manifest, NULL,
				   original.manifest.digest.str, &err));
	struct cn_store_tag *tags = NULL;
	size_t n = 0;
	ASSERT_OK(cn_store_list_tags(s, &tags, &n, &err));
	ASSERT_EQ(n, 1);
	ASSERT_STREQ(tags[0].source_digest, original.manifest.digest.str);
	cn_store_tags_free(tags, n);
	ASSERT_OK(cn_store_gc(s, false, &st, NULL));
	ASSERT_EQ(st.blobs_deleted, 0);
	ASSERT_TRUE(has(s, &original.manifest.digest));
	ASSERT_TRUE(has(s, &original.layers[0]));
	ASSERT_OK(cn_store_remove_tag(s, "docker.io/library/x:1", &err));
	ASSERT_OK(cn_store_gc(s, false, &st, NULL));
	ASSERT_EQ(st.blobs_deleted, 6);
	cn_store_free(s);
}

/* Feeds data[from, to) to the writer in odd-sized chunks, as a network would. */
static void feed(struct cn_blob_writer *w, const unsigned char *data, size_t from, size_t to)
{
	struct cn_error err = CN_ERROR_INIT;
	for (size_t off = from; off < to;) {
		size_t n = MIN((size_t)16381, to - off);
		if (cn_blob_writer_write(w, data + off, n, &err) < 0)
			TEST_FAIL("write at %zu: %s", off, err.msg);
		off += n;
	}
}

TEST(ingest_large_blob_through_the_appender)
{
	struct cn_store *s = new_store(CN_STORE_WRITE);
	const size_t size = (5u << 20) + 12345; /* several 1 MiB buffers and a tail */
	unsigned char *data = xmalloc(size);
	struct cn_digest want;
	struct cn_blob_writer *w = NULL;
	struct cn_error err = CN_ERROR_INIT;
	for (size_t i = 0; i < size; i++)
		data[i] = (unsigned char)((i * 2654435761u) >> 13);
	cn_digest_of(CN_DIGEST_SHA256, data, size, &want);

	/* Interrupted at an odd offset past the first buffers: resume continues exactly there. */
	ASSERT_EQ(cn_store_ingest_begin(s, &want, (int64_t)size, &w, &err), 0);
	feed(w, data, 0, (3u << 20) + 7);
	w = cn_blob_writer_free(w);
	ASSERT_EQ(cn_store_ingest_begin(s, &want, (int64_t)size, &w, &err), 0);
	ASSERT_EQ(cn_blob_writer_offset(w), (3u << 20) + 7);

	/* A server ignoring Range: reset drops everything, queued writes included. */
	feed(w, data, (3u << 20) + 7, (4u << 20) + 3);
	ASSERT_OK(cn_blob_writer_reset(w, &err));
	ASSERT_EQ(cn_blob_writer_offset(w), 0);
	feed(w, data, 0, size);
	ASSERT_OK(cn_blob_writer_commit(w, &err));
	w = cn_blob_writer_free(w);

	struct strbuf sb = STRBUF_INIT;
	ASSERT_OK(cn_store_read_blob(s, &want, size, &sb, &err)); /* verifies the digest */
	ASSERT_EQ(sb.len, size);
	ASSERT_EQ(memcmp(sb.buf, data, size), 0);
	strbuf_release(&sb);
	free(data);
	cn_store_free(s);
}
