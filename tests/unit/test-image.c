#include "lib/image/convert.h"
#include "lib/image/manifest.h"
#include "lib/image/platform.h"
#include "test.h"

#define D1 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define D2 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static const char docker_manifest[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" CN_MT_DOCKER_MANIFEST "\","
	"\"config\":{\"mediaType\":\"" CN_MT_DOCKER_CONFIG "\",\"size\":7,\"digest\":\"" D1 "\"},"
	"\"layers\":[{\"mediaType\":\"" CN_MT_DOCKER_LAYER_GZIP "\",\"size\":32,\"digest\":\"" D2
	"\"},"
	"{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"size\":9,"
	"\"digest\":\"" D1 "\",\"urls\":[\"https://example.invalid/l\"]}]}";

static const char docker_list[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" CN_MT_DOCKER_LIST "\",\"manifests\":["
	"{\"mediaType\":\"" CN_MT_DOCKER_MANIFEST "\",\"size\":100,\"digest\":\"" D1 "\","
	"\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
	"{\"mediaType\":\"" CN_MT_DOCKER_MANIFEST "\",\"size\":200,\"digest\":\"" D2 "\","
	"\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}]}";

TEST(parse_docker_manifest)
{
	cleanup_manifest struct cn_manifest *m = NULL;
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_OK(cn_manifest_parse(docker_manifest, sizeof(docker_manifest) - 1, NULL, &m, &err));
	ASSERT_EQ(m->kind, CN_MANIFEST_IMAGE);
	ASSERT_STREQ(m->media_type, CN_MT_DOCKER_MANIFEST);
	ASSERT_EQ(m->n_layers, 2);
	ASSERT_STREQ(m->layers[0].digest.str, D2);
	ASSERT_EQ(m->layers[0].size, 32);
	ASSERT_STREQ(m->config.digest.str, D1);
}

TEST(parse_index_platforms)
{
	cleanup_manifest struct cn_manifest *m = NULL;
	ASSERT_OK(cn_manifest_parse(docker_list, sizeof(docker_list) - 1, NULL, &m, NULL));
	ASSERT_EQ(m->kind, CN_MANIFEST_INDEX);
	ASSERT_EQ(m->n_manifests, 2);
	ASSERT_STREQ(m->manifests[1].architecture, "arm64");
	ASSERT_STREQ(m->manifests[1].variant, "v8");
}

TEST(media_type_from_content_type_when_absent)
{
	static const char body[] =
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":1,"
		"\"digest\":\"" D1 "\"},\"layers\":[]}";
	cleanup_manifest struct cn_manifest *m = NULL;
	ASSERT_OK(cn_manifest_parse(body, sizeof(body) - 1, CN_MT_DOCKER_MANIFEST "; charset=utf-8",
				    &m, NULL));
	ASSERT_STREQ(m->media_type, CN_MT_DOCKER_MANIFEST);
}

TEST(rejects_schema1_duplicates_and_bad_digests)
{
	struct cn_manifest *m = NULL;
	struct cn_error err = CN_ERROR_INIT;
	static const char s1[] = "{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}";
	ASSERT_ERR(cn_manifest_parse(s1, sizeof(s1) - 1, NULL, &m, &err), -EPROTONOSUPPORT);
	ASSERT_TRUE(strstr(err.msg, "schema 1 images are not supported") != NULL);
	static const char dup[] = "{\"schemaVersion\":2,\"schemaVersion\":2}";
	ASSERT_ERR(cn_manifest_parse(dup, sizeof(dup) - 1, NULL, &m, &err), -EBADMSG);
	ASSERT_TRUE(strstr(err.msg, "duplicate") != NULL);
	static const char bad[] = "{\"schemaVersion\":2,\"mediaType\":\"" CN_MT_OCI_INDEX "\","
				  "\"manifests\":[{\"digest\":\"sha256:12\",\"size\":1}]}";
	ASSERT_ERR(cn_manifest_parse(bad, sizeof(bad) - 1, NULL, &m, &err), -EBADMSG);
	ASSERT_TRUE(strstr(err.msg, "manifests[0]: invalid digest") != NULL);
	static const char neg[] = "{\"schemaVersion\":2,\"mediaType\":\"" CN_MT_OCI_INDEX "\","
				  "\"manifests\":[{\"digest\":\"" D1 "\",\"size\":-1}]}";
	ASSERT_ERR(cn_manifest_parse(neg, sizeof(neg) - 1, NULL, &m, &err), -EBADMSG);
	static const char other[] = "{\"schemaVersion\":2,\"mediaType\":\"text/html\"}";
	ASSERT_ERR(cn_manifest_parse(other, sizeof(other) - 1, NULL, &m, &err), -EMEDIUMTYPE);
}

TEST(config_history_and_diff_ids)
{
	static const char cfg[] =
		"{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\","
		"\"created\":\"2024-02-03T04:05:06.789+01:00\",\"config\":{\"Cmd\":[\"sh\"]},"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]},"
		"\"history\":[{\"created_by\":\"ADD "
		"x\"},{\"created_by\":\"CMD\",\"empty_layer\":true}]}";
	cleanup_image_config struct cn_image_config *c = NULL;
	ASSERT_OK(cn_image_config_parse(cfg, sizeof(cfg) - 1, &c, NULL));
	ASSERT_STREQ(c->variant, "v8");
	ASSERT_EQ(c->n_diff_ids, 1);
	ASSERT_EQ(c->n_history, 2);
	ASSERT_TRUE(c->history[1].empty_layer);
	ASSERT_FALSE(c->history[0].empty_layer);
	int64_t t;
	ASSERT_OK(cn_time_parse_rfc3339(c->created, &t));
	ASSERT_EQ(t, 1706929506); /* 03:05:06Z */
	ASSERT_ERR(cn_time_parse_rfc3339("2024-02-03", &t), -EINVAL);
}

TEST(platform_parse_normalize_match)
{
	struct cn_platform p;
	char buf[64];
	ASSERT_OK(cn_platform_parse("linux/aarch64", &p));
	ASSERT_STREQ(cn_platform_format(&p, buf, sizeof(buf)), "linux/arm64");
	ASSERT_TRUE(cn_platform_matches(&p, "linux", "arm64", "v8"));
	ASSERT_TRUE(cn_platform_matches(&p, "linux", "arm64", NULL));
	ASSERT_FALSE(cn_platform_matches(&p, "linux", "amd64", NULL));
	ASSERT_OK(cn_platform_parse("linux/arm/v7", &p));
	ASSERT_TRUE(cn_platform_matches(&p, "linux", "arm", "v7"));
	ASSERT_FALSE(cn_platform_matches(&p, "linux", "arm", "v6"));
	ASSERT_ERR(cn_platform_parse("linux", &p), -EINVAL);
	ASSERT_ERR(cn_platform_parse("linux/", &p), -EINVAL);
	ASSERT_ERR(cn_platform_parse("linux/arm/v7/x", &p), -EINVAL);
}

TEST(convert_docker_manifest_to_oci)
{
	cleanup_manifest struct cn_manifest *m = NULL, *oci = NULL;
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	ASSERT_OK(cn_manifest_parse(docker_manifest, sizeof(docker_manifest) - 1, NULL, &m, NULL));
	ASSERT_OK(cn_manifest_to_oci(m, &out, NULL));
	ASSERT_OK(cn_manifest_parse(out.buf, out.len, NULL, &oci, NULL));
	ASSERT_STREQ(oci->media_type, CN_MT_OCI_MANIFEST);
	ASSERT_STREQ(oci->config.media_type, CN_MT_OCI_CONFIG);
	ASSERT_STREQ(oci->config.digest.str, D1);
	ASSERT_STREQ(oci->layers[0].media_type, CN_MT_OCI_LAYER_GZIP);
	ASSERT_STREQ(oci->layers[1].media_type,
		     "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip");
	ASSERT_EQ(oci->layers[0].size, 32);
	ASSERT_TRUE(strstr(out.buf, "example.invalid") != NULL); /* urls kept */
}

TEST(convert_docker_list_replaces_children)
{
	cleanup_manifest struct cn_manifest *m = NULL, *oci = NULL;
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	ASSERT_OK(cn_manifest_parse(docker_list, sizeof(docker_list) - 1, NULL, &m, NULL));
	struct cn_descriptor child = { .media_type = (char *)CN_MT_OCI_MANIFEST, .size = 123 };
	ASSERT_OK(cn_digest_parse(D2, &child.digest));
	const struct cn_descriptor *children[2] = { &child, NULL };
	ASSERT_OK(cn_index_to_oci(m, children, &out, NULL));
	ASSERT_OK(cn_manifest_parse(out.buf, out.len, NULL, &oci, NULL));
	ASSERT_STREQ(oci->media_type, CN_MT_OCI_INDEX);
	ASSERT_STREQ(oci->manifests[0].digest.str, D2);
	ASSERT_EQ(oci->manifests[0].size, 123);
	ASSERT_STREQ(oci->manifests[0].architecture, "amd64");
	ASSERT_STREQ(oci->manifests[1].media_type, CN_MT_OCI_MANIFEST); /* mapped */
	ASSERT_STREQ(oci->manifests[1].variant, "v8");
}
