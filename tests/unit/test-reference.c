/*
 * Image references: the reference grammar, Docker's normalization and familiar form, limits
 * and error messages. The cases follow what distribution's own reference tests exercise.
 */
#include "lib/reference/reference.h"

#include "base/alloc.h"
#include "base/cleanup.h"
#include "test.h"

#define HEX64	 "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"
#define HEX64_UP "DBCC1C35AC38DF41FD2F5E4130B32FFDB93EBAE8B3DBE638C23575912276FC9C"
#define HEX32	 "d41d8cd98f00b204e9800998ecf8427e"
#define HEX96	 HEX64 HEX32
#define HEX128	 HEX64 HEX64
#define SHA256	 "sha256:" HEX64

/* strcmp that treats two NULLs as equal. */
static bool str_same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

#define EXPECT_FIELD(input, what, got, want)                                                       \
	do {                                                                                       \
		if (!str_same((got), (want)))                                                      \
			TEST_FAIL("\"%s\": %s = \"%s\", want \"%s\"", (input), (what),             \
				  (got) ? (got) : "(null)", (want) ? (want) : "(null)");           \
	} while (0)

/* The expected fields of a reference (struct cn_reference holds non-const strings). */
struct ref_strings {
	const char *domain;
	const char *path;
	const char *tag;
	const char *digest;
};

static struct ref_strings strings_of(const struct cn_reference *ref)
{
	return (struct ref_strings){ ref->domain, ref->path, ref->tag, ref->digest };
}

static void expect_same_ref(const char *input, const struct cn_reference *got,
			    struct ref_strings want)
{
	EXPECT_FIELD(input, "domain", got->domain, want.domain);
	EXPECT_FIELD(input, "path", got->path, want.path);
	EXPECT_FIELD(input, "tag", got->tag, want.tag);
	EXPECT_FIELD(input, "digest", got->digest, want.digest);
}

static void parse_or_fail(const char *input, struct cn_reference *ret)
{
	struct cn_error err = CN_ERROR_INIT;
	int r = cn_reference_parse(input, ret, &err);
	if (r < 0)
		TEST_FAIL("\"%s\": parse failed: %d: %s", input, r, err.msg);
}

/* Parses `input`, expects -EINVAL and a one-line message containing `want`. */
static void expect_invalid(const char *input, const char *want)
{
	struct cn_reference ref = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	int r = cn_reference_parse(input, &ref, &err);
	if (r != -EINVAL)
		TEST_FAIL("\"%s\": parse = %d, want -EINVAL", input, r);
	if (!strstr(err.msg, want))
		TEST_FAIL("\"%s\": message \"%s\" lacks \"%s\"", input, err.msg, want);
	if (strchr(err.msg, '\n') || strncmp(err.msg, "invalid reference \"", 19) != 0)
		TEST_FAIL("\"%s\": malformed message \"%s\"", input, err.msg);
	if (ref.domain || ref.path || ref.tag || ref.digest)
		TEST_FAIL("\"%s\": output written on failure", input);
}

struct valid_case {
	const char *input;
	struct ref_strings want;
	const char *familiar;
};

static const struct valid_case valid_cases[] = {
	/* Docker Hub normalization. */
	{ "redis", { "docker.io", "library/redis", "latest", NULL }, "redis:latest" },
	{ "redis:7", { "docker.io", "library/redis", "7", NULL }, "redis:7" },
	{ "library/redis", { "docker.io", "library/redis", "latest", NULL }, "redis:latest" },
	{ "docker.io/redis", { "docker.io", "library/redis", "latest", NULL }, "redis:latest" },
	{ "docker.io/library/redis:7", { "docker.io", "library/redis", "7", NULL }, "redis:7" },
	{ "index.docker.io/redis",
	  { "docker.io", "library/redis", "latest", NULL },
	  "redis:latest" },
	{ "index.docker.io/docker/docker",
	  { "docker.io", "docker/docker", "latest", NULL },
	  "docker/docker:latest" },
	{ "user/app", { "docker.io", "user/app", "latest", NULL }, "user/app:latest" },
	{ "docker.io/user/app:1", { "docker.io", "user/app", "1", NULL }, "user/app:1" },
	{ "library/foo/bar",
	  { "docker.io", "library/foo/bar", "latest", NULL },
	  "library/foo/bar:latest" },
	{ "store/foo/bar",
	  { "docker.io", "store/foo/bar", "latest", NULL },
	  "store/foo/bar:latest" },
	{ "other/library",
	  { "docker.io", "other/library", "latest", NULL },
	  "other/library:latest" },
	{ "test_com/foo", { "docker.io", "test_com/foo", "latest", NULL }, "test_com/foo:latest" },
	{ "d/docker", { "docker.io", "d/docker", "latest", NULL }, "d/docker:latest" },
	/* Without a '/', "name:5000" is a name and a tag, never a domain and a port. */
	{ "localhost", { "docker.io", "library/localhost", "latest", NULL }, "localhost:latest" },
	{ "localhost:5000", { "docker.io", "library/localhost", "5000", NULL }, "localhost:5000" },
	{ "test.com:5000", { "docker.io", "library/test.com", "5000", NULL }, "test.com:5000" },
	{ "foo_bar.com:8080",
	  { "docker.io", "library/foo_bar.com", "8080", NULL },
	  "foo_bar.com:8080" },
	{ "foo/foo_bar.com:8080",
	  { "docker.io", "foo/foo_bar.com", "8080", NULL },
	  "foo/foo_bar.com:8080" },
	/* Domains: a '.', a ':', "localhost" or an uppercase letter makes one. */
	{ "host:5000/a/b:tag", { "host:5000", "a/b", "tag", NULL }, "host:5000/a/b:tag" },
	{ "localhost/x", { "localhost", "x", "latest", NULL }, "localhost/x:latest" },
	{ "localhost:5000/x:y", { "localhost:5000", "x", "y", NULL }, "localhost:5000/x:y" },
	{ "test.com/repo:tag", { "test.com", "repo", "tag", NULL }, "test.com/repo:tag" },
	{ "test-com:8080/foo",
	  { "test-com:8080", "foo", "latest", NULL },
	  "test-com:8080/foo:latest" },
	{ "xn--n3h.com:18080/foo",
	  { "xn--n3h.com:18080", "foo", "latest", NULL },
	  "xn--n3h.com:18080/foo:latest" },
	{ "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
	  { "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", NULL },
	  "sub-dom1.foo.com/bar/baz/quux:some-long-tag" },
	{ "b.gcr.io/test.example.com/my-app:test.example.com",
	  { "b.gcr.io", "test.example.com/my-app", "test.example.com", NULL },
	  "b.gcr.io/test.example.com/my-app:test.example.com" },
	{ "127.0.0.1:5000/debian",
	  { "127.0.0.1:5000", "debian", "latest", NULL },
	  "127.0.0.1:5000/debian:latest" },
	{ "quay.io/library/x",
	  { "quay.io", "library/x", "latest", NULL },
	  "quay.io/library/x:latest" },
	{ "redis:7/foo", { "redis:7", "foo", "latest", NULL }, "redis:7/foo:latest" },
	{ "Foo/bar", { "Foo", "bar", "latest", NULL }, "Foo/bar:latest" },
	{ "EXAMPLE.COM:443/app",
	  { "EXAMPLE.COM:443", "app", "latest", NULL },
	  "EXAMPLE.COM:443/app:latest" },
	{ "a/b", { "docker.io", "a/b", "latest", NULL }, "a/b:latest" },
	{ "1.2.3.4/x", { "1.2.3.4", "x", "latest", NULL }, "1.2.3.4/x:latest" },
	/* IPv6 in brackets. */
	{ "[::1]:5000/x", { "[::1]:5000", "x", "latest", NULL }, "[::1]:5000/x:latest" },
	{ "[::1]/x", { "[::1]", "x", "latest", NULL }, "[::1]/x:latest" },
	{ "[2001:DB8::1]:80/a/b:c",
	  { "[2001:DB8::1]:80", "a/b", "c", NULL },
	  "[2001:DB8::1]:80/a/b:c" },
	/* Digests, alone and with a tag. */
	{ "redis@" SHA256, { "docker.io", "library/redis", NULL, SHA256 }, "redis@" SHA256 },
	{ "redis:7@" SHA256, { "docker.io", "library/redis", "7", SHA256 }, "redis:7@" SHA256 },
	{ "test:5000/repo@" SHA256,
	  { "test:5000", "repo", NULL, SHA256 },
	  "test:5000/repo@" SHA256 },
	{ "test:5000/repo:tag@" SHA256,
	  { "test:5000", "repo", "tag", SHA256 },
	  "test:5000/repo:tag@" SHA256 },
	{ "x@sha384:" HEX96,
	  { "docker.io", "library/x", NULL, "sha384:" HEX96 },
	  "x@sha384:" HEX96 },
	{ "xn--7o8h.com/myimage:xn--7o8h.com@sha512:" HEX128,
	  { "xn--7o8h.com", "myimage", "xn--7o8h.com", "sha512:" HEX128 },
	  "xn--7o8h.com/myimage:xn--7o8h.com@sha512:" HEX128 },
	/* Separators inside path components. */
	{ "a__b", { "docker.io", "library/a__b", "latest", NULL }, "a__b:latest" },
	{ "a_b", { "docker.io", "library/a_b", "latest", NULL }, "a_b:latest" },
	{ "a-b", { "docker.io", "library/a-b", "latest", NULL }, "a-b:latest" },
	{ "a--b", { "docker.io", "library/a--b", "latest", NULL }, "a--b:latest" },
	{ "docker---rules/docker",
	  { "docker.io", "docker---rules/docker", "latest", NULL },
	  "docker---rules/docker:latest" },
	{ "a.b", { "docker.io", "library/a.b", "latest", NULL }, "a.b:latest" },
	{ "a.b_c__d-e--f.0",
	  { "docker.io", "library/a.b_c__d-e--f.0", "latest", NULL },
	  "a.b_c__d-e--f.0:latest" },
	{ "ubuntu-12.04-base",
	  { "docker.io", "library/ubuntu-12.04-base", "latest", NULL },
	  "ubuntu-12.04-base:latest" },
	/* Tags: word characters, '.', '-', any case, not starting with '.' or '-'. */
	{ "redis:_tag", { "docker.io", "library/redis", "_tag", NULL }, "redis:_tag" },
	{ "redis:TAG5", { "docker.io", "library/redis", "TAG5", NULL }, "redis:TAG5" },
	{ "redis:7.2-alpine_x",
	  { "docker.io", "library/redis", "7.2-alpine_x", NULL },
	  "redis:7.2-alpine_x" },
	/* 64 hex characters are an ID only when they are the whole input. */
	{ "docker.io/" HEX64, { "docker.io", "library/" HEX64, "latest", NULL }, HEX64 ":latest" },
	{ HEX64 ":tag", { "docker.io", "library/" HEX64, "tag", NULL }, HEX64 ":tag" },
	{ "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
	  { "docker.io", "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
	    "latest", NULL },
	  "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest" },
};

TEST(parse_valid_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(valid_cases); i++) {
		const struct valid_case *c = &valid_cases[i];
		struct cn_reference ref cleanup_reference = { 0 };
		parse_or_fail(c->input, &ref);
		expect_same_ref(c->input, &ref, c->want);
	}
}

TEST(familiar_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(valid_cases); i++) {
		const struct valid_case *c = &valid_cases[i];
		struct cn_reference ref cleanup_reference = { 0 };
		parse_or_fail(c->input, &ref);
		cleanup_free char *familiar = cn_reference_familiar(&ref);
		EXPECT_FIELD(c->input, "familiar", familiar, c->familiar);
	}
}

/* format() and familiar() both parse back to the same reference for every valid case. */
TEST(format_and_familiar_round_trip)
{
	for (size_t i = 0; i < ARRAY_SIZE(valid_cases); i++) {
		struct cn_reference ref cleanup_reference = { 0 };
		struct cn_reference again cleanup_reference = { 0 };
		struct cn_reference familiar_again cleanup_reference = { 0 };
		parse_or_fail(valid_cases[i].input, &ref);
		cleanup_free char *formatted = cn_reference_format(&ref);
		cleanup_free char *familiar = cn_reference_familiar(&ref);
		parse_or_fail(formatted, &again);
		parse_or_fail(familiar, &familiar_again);
		expect_same_ref(formatted, &again, strings_of(&ref));
		expect_same_ref(familiar, &familiar_again, strings_of(&ref));
	}
}

struct invalid_case {
	const char *input;
	const char *message; /* a part of the expected message */
};

static const struct invalid_case invalid_cases[] = {
	{ "", "empty reference" },
	{ HEX64, "cannot specify 64-byte hexadecimal strings" },
	/* Case: only domains may hold uppercase. */
	{ "Redis", "repository name must be lowercase" },
	{ "redis/Foo", "repository name must be lowercase" },
	{ "docker/Docker", "repository name must be lowercase" },
	{ "docker.io/docker/Docker", "repository name must be lowercase" },
	{ "host:5000/Foo", "repository name must be lowercase" },
	{ "//UPPERCASEISINVALID", "repository name must be lowercase" },
	/* Missing or empty pieces. */
	{ ":justtag", "missing repository name" },
	{ "@" SHA256, "missing repository name" },
	{ "localhost/", "missing repository name" },
	{ "docker/", "empty path component" },
	{ "/a", "empty path component" },
	{ "docker///docker", "empty path component" },
	{ "docker.io/docker///docker", "empty path component" },
	{ "https://github.com/docker/docker", "empty path component" },
	/* Path component grammar. */
	{ "aa/asdf$$^/aa", "invalid path component \"asdf$$^\"" },
	{ "a..b", "invalid path component \"a..b\"" },
	{ "a___b", "invalid path component \"a___b\"" },
	{ "a_-b", "invalid path component \"a_-b\"" },
	{ "a._b", "invalid path component \"a._b\"" },
	{ "-docker", "invalid path component \"-docker\"" },
	{ "-docker/docker", "invalid path component \"-docker\"" },
	{ "docker-/docker", "invalid path component \"docker-\"" },
	{ "-docker-/docker", "invalid path component \"-docker-\"" },
	{ "____/____", "invalid path component \"____\"" },
	{ "_docker/_docker", "invalid path component \"_docker\"" },
	{ "a.", "invalid path component \"a.\"" },
	{ ".a", "invalid path component \".a\"" },
	{ "a_", "invalid path component \"a_\"" },
	{ "user/a b", "invalid path component \"a b\"" },
	{ "redis\n", "invalid path component \"redis?\"" },
	/* Domains. */
	{ "-docker.io/docker/docker", "invalid domain \"-docker.io\"" },
	{ "dock..er/docker", "invalid domain \"dock..er\"" },
	{ "dock_.er/docker", "invalid domain \"dock_.er\"" },
	{ "dock-.er/docker", "invalid domain \"dock-.er\"" },
	{ "a_b.c/x", "invalid domain \"a_b.c\"" },
	{ "a.com./x", "invalid domain \"a.com.\"" },
	{ "host:/x", "invalid domain \"host:\"" },
	{ "host:abc/x", "invalid domain \"host:abc\"" },
	{ "host:1:2/x", "invalid domain \"host:1:2\"" },
	{ "[::1/x", "invalid domain \"[::1\"" },
	{ "[]:5000/x", "invalid domain \"[]:5000\"" },
	{ "[::1]5000/x", "invalid domain \"[::1]5000\"" },
	{ "[::g]/x", "invalid domain \"[::g]\"" },
	{ "[fc00::1%eth0]:5000/docker/docker", "invalid domain \"[fc00::1%eth0]:5000\"" },
	{ "FOO_BAR/x", "invalid domain \"FOO_BAR\"" },
	/* Tags. */
	{ "a:b:c", "invalid tag \"b:c\"" },
	{ "redis:", "invalid tag \"\"" },
	{ "redis:.tag", "invalid tag \".tag\"" },
	{ "redis:-tag", "invalid tag \"-tag\"" },
	{ "redis:t+g", "invalid tag \"t+g\"" },
	/* Digests. */
	{ "x@sha256:12", "invalid digest \"sha256:12\"" },
	{ "redis@", "invalid digest \"\"" },
	{ "redis:7@", "invalid digest \"\"" },
	{ "x@sha256", "invalid digest \"sha256\"" },
	{ "x@:" HEX64, "invalid digest \":" HEX64 "\"" },
	{ "x@sha256:" HEX64_UP, "invalid digest \"sha256:" HEX64_UP "\"" },
	{ "x@sha256:" HEX64 "a", "invalid digest" },
	{ "x@sha256:" HEX32, "invalid digest" },
	{ "x@sha512:" HEX64, "invalid digest" },
	{ "x@1sha:" HEX64, "invalid digest" },
	{ "x@sha-:" HEX64, "invalid digest" },
	{ "x@sha256:" HEX64 "@" SHA256, "invalid digest" },
	{ "x@sha256:xyz" HEX64, "invalid digest" },
	{ "validname@invaliddigest:" HEX64, "unsupported digest algorithm" },
	{ "x@md5:" HEX32, "unsupported digest algorithm" },
	{ "x@sha256+b64:" HEX64, "unsupported digest algorithm" },
};

TEST(parse_invalid_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(invalid_cases); i++)
		expect_invalid(invalid_cases[i].input, invalid_cases[i].message);
}

TEST(error_messages_exact)
{
	struct cn_reference ref = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_ERR(cn_reference_parse("Redis", &ref, &err), -EINVAL);
	ASSERT_STREQ(err.msg, "invalid reference \"Redis\": repository name must be lowercase");
	ASSERT_EQ(err.code, -EINVAL);
	ASSERT_ERR(cn_reference_parse("a:b:c", &ref, &err), -EINVAL);
	ASSERT_STREQ(err.msg, "invalid reference \"a:b:c\": invalid tag \"b:c\"");
	ASSERT_ERR(cn_reference_parse("x@sha256:12", &ref, &err), -EINVAL);
	ASSERT_STREQ(err.msg, "invalid reference \"x@sha256:12\": invalid digest \"sha256:12\"");
	ASSERT_ERR(cn_reference_parse("", &ref, &err), -EINVAL);
	ASSERT_STREQ(err.msg, "invalid reference \"\": empty reference");
	ASSERT_ERR(cn_reference_parse(NULL, &ref, &err), -EINVAL);
	ASSERT_STREQ(err.msg, "invalid reference \"\": empty reference");
	ASSERT_ERR(cn_reference_parse(HEX64, &ref, &err), -EINVAL);
	ASSERT_STREQ(err.msg,
		     "invalid reference \"" HEX64 "\": cannot specify 64-byte hexadecimal strings");
}

TEST(errors_without_error_struct)
{
	struct cn_reference ref = { 0 };
	ASSERT_ERR(cn_reference_parse("Redis", &ref, NULL), -EINVAL);
	ASSERT_ERR(cn_reference_parse_repository("redis:7", &ref, NULL), -EINVAL);
	ASSERT_NULL(ref.domain);
}

/* A string of `n` copies of `c` after `prefix` and before `suffix`, newly allocated. */
static char *repeat(const char *prefix, char c, size_t n, const char *suffix)
{
	cleanup_free char *run = xmalloc(n + 1);
	memset(run, c, n);
	run[n] = '\0';
	return xasprintf("%s%s%s", prefix, run, suffix);
}

static void expect_name_len(const char *input, size_t want_len)
{
	struct cn_reference ref cleanup_reference = { 0 };
	parse_or_fail(input, &ref);
	cleanup_free char *name = cn_reference_name(&ref);
	ASSERT_EQ(strlen(name), want_len);
}

/* The limit counts the normalized name, "docker.io/library/" (18 characters) included. */
TEST(name_length_limit)
{
	cleanup_free char *bare_ok = repeat("", 'a', 237, ":tag");
	cleanup_free char *bare_long = repeat("", 'a', 238, "");
	cleanup_free char *user_ok = repeat("user/", 'a', 240, "");
	cleanup_free char *user_long = repeat("user/", 'a', 241, "");
	cleanup_free char *domain_ok = repeat("a.com/", 'b', 249, "@" SHA256);
	cleanup_free char *domain_long = repeat("a.com/", 'b', 250, "");
	expect_name_len(bare_ok, 255);
	expect_name_len(user_ok, 255);
	expect_name_len(domain_ok, 255);
	expect_invalid(bare_long, "name longer than 255 characters");
	expect_invalid(user_long, "name longer than 255 characters");
	expect_invalid(domain_long, "name longer than 255 characters");
}

TEST(long_input_message_is_truncated)
{
	cleanup_free char *input = repeat("", 'a', 5000, "");
	struct cn_reference ref = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_ERR(cn_reference_parse(input, &ref, &err), -EINVAL);
	ASSERT_TRUE(strstr(err.msg, "...\": name longer than 255 characters") != NULL);
	ASSERT_TRUE(strlen(err.msg) < 300);
}

TEST(tag_length_limit)
{
	cleanup_free char *tag128 = repeat("", 'a', 128, "");
	cleanup_free char *tag129 = repeat("", 'a', 129, "");
	cleanup_free char *ref128 = repeat("redis:", 't', 128, "");
	cleanup_free char *ref129 = repeat("redis:", 't', 129, "");
	struct cn_reference ref cleanup_reference = { 0 };
	ASSERT_TRUE(cn_reference_tag_valid(tag128));
	ASSERT_FALSE(cn_reference_tag_valid(tag129));
	parse_or_fail(ref128, &ref);
	ASSERT_EQ(strlen(ref.tag), 128);
	expect_invalid(ref129, "invalid tag \"ttt");
}

TEST(tag_valid)
{
	static const char *const good[] = {
		"a", "_", "0", "latest", "A.b-c_d", "7.2", "a--", "a.."
	};
	static const char *const bad[] = { "", ".a", "-a", "a:b", "a/b", "a@b", "a b", "a+b", "é" };
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!cn_reference_tag_valid(good[i]))
			TEST_FAIL("tag \"%s\" should be valid", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (cn_reference_tag_valid(bad[i]))
			TEST_FAIL("tag \"%s\" should be invalid", bad[i]);
	ASSERT_FALSE(cn_reference_tag_valid(NULL));
}

TEST(digest_valid)
{
	static const char *const good[] = { SHA256, "sha384:" HEX96, "sha512:" HEX128 };
	static const char *const bad[] = {
		"",
		"sha256",
		"sha256:",
		":" HEX64,
		"sha256:" HEX64_UP,
		"sha256:" HEX32,
		"sha256:" HEX64 "0",
		"sha512:" HEX64,
		"md5:" HEX32,
		"foo+bar.baz:" HEX64,
		"1sha:" HEX64,
		"sha256:" HEX64 " ",
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!cn_reference_digest_valid(good[i]))
			TEST_FAIL("digest \"%s\" should be valid", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (cn_reference_digest_valid(bad[i]))
			TEST_FAIL("digest \"%s\" should be invalid", bad[i]);
	ASSERT_FALSE(cn_reference_digest_valid(NULL));
}

struct output_case {
	const char *input;
	const char *format;
	const char *name;
	const char *familiar_name;
};

static const struct output_case output_cases[] = {
	{ "redis", "docker.io/library/redis:latest", "docker.io/library/redis", "redis" },
	{ "redis@" SHA256, "docker.io/library/redis@" SHA256, "docker.io/library/redis", "redis" },
	{ "busybox:latest@" SHA256, "docker.io/library/busybox:latest@" SHA256,
	  "docker.io/library/busybox", "busybox" },
	{ "user/app:1", "docker.io/user/app:1", "docker.io/user/app", "user/app" },
	{ "localhost:5000/x:y", "localhost:5000/x:y", "localhost:5000/x", "localhost:5000/x" },
	{ "library/foo/bar", "docker.io/library/foo/bar:latest", "docker.io/library/foo/bar",
	  "library/foo/bar" },
	{ "index.docker.io/library/ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base:latest",
	  "docker.io/library/ubuntu-12.04-base", "ubuntu-12.04-base" },
	{ "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase:latest",
	  "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase" },
	{ "example.com/privatebase", "example.com/privatebase:latest", "example.com/privatebase",
	  "example.com/privatebase" },
	/* As in Docker, this familiar name reads back as a domain: it is for display only. */
	{ "docker.io/foo.bar/x", "docker.io/foo.bar/x:latest", "docker.io/foo.bar/x", "foo.bar/x" },
};

TEST(output_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(output_cases); i++) {
		const struct output_case *c = &output_cases[i];
		struct cn_reference ref cleanup_reference = { 0 };
		parse_or_fail(c->input, &ref);
		cleanup_free char *format = cn_reference_format(&ref);
		cleanup_free char *name = cn_reference_name(&ref);
		cleanup_free char *familiar_name = cn_reference_familiar_name(&ref);
		EXPECT_FIELD(c->input, "format", format, c->format);
		EXPECT_FIELD(c->input, "name", name, c->name);
		EXPECT_FIELD(c->input, "familiar_name", familiar_name, c->familiar_name);
	}
}

TEST(parse_repository)
{
	struct cn_reference ref cleanup_reference = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_OK(cn_reference_parse_repository("redis", &ref, &err));
	ASSERT_STREQ(ref.domain, "docker.io");
	ASSERT_STREQ(ref.path, "library/redis");
	ASSERT_NULL(ref.tag);
	ASSERT_NULL(ref.digest);
	cn_reference_release(&ref);
	ASSERT_OK(cn_reference_parse_repository("localhost:5000/a/b", &ref, &err));
	ASSERT_STREQ(ref.domain, "localhost:5000");
	ASSERT_STREQ(ref.path, "a/b");
	ASSERT_NULL(ref.tag);
	cleanup_free char *format = cn_reference_format(&ref);
	ASSERT_STREQ(format, "localhost:5000/a/b");
}

TEST(parse_repository_rejects_tag_and_digest)
{
	static const char *const bad[] = { "redis:7",	     "redis@" SHA256, "redis:7@" SHA256,
					   "localhost:5000", "Redis",	      "" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct cn_reference ref = { 0 };
		struct cn_error err = CN_ERROR_INIT;
		if (cn_reference_parse_repository(bad[i], &ref, &err) != -EINVAL)
			TEST_FAIL("\"%s\": accepted as a repository", bad[i]);
		if (ref.domain || !strstr(err.msg, "invalid reference \""))
			TEST_FAIL("\"%s\": bad failure (\"%s\")", bad[i], err.msg);
	}
	struct cn_error err = CN_ERROR_INIT;
	struct cn_reference ref = { 0 };
	ASSERT_ERR(cn_reference_parse_repository("redis:7", &ref, &err), -EINVAL);
	ASSERT_STREQ(err.msg,
		     "invalid reference \"redis:7\": a repository name takes no tag or digest");
}

TEST(copy_is_deep)
{
	struct cn_reference ref cleanup_reference = { 0 };
	struct cn_reference copy cleanup_reference = { 0 };
	parse_or_fail("localhost:5000/x:y@" SHA256, &ref);
	ASSERT_OK(cn_reference_copy(&ref, &copy));
	expect_same_ref("copy", &copy, strings_of(&ref));
	ASSERT_TRUE(copy.domain != ref.domain && copy.path != ref.path);
	ASSERT_TRUE(copy.tag != ref.tag && copy.digest != ref.digest);
	cn_reference_release(&ref);
	ASSERT_STREQ(copy.digest, SHA256);
}

TEST(copy_keeps_null_fields)
{
	struct cn_reference ref cleanup_reference = { 0 };
	struct cn_reference copy cleanup_reference = { 0 };
	parse_or_fail("redis@" SHA256, &ref);
	ASSERT_OK(cn_reference_copy(&ref, &copy));
	ASSERT_NULL(copy.tag);
	ASSERT_STREQ(copy.digest, SHA256);
}

TEST(release_is_idempotent)
{
	struct cn_reference ref = { 0 };
	parse_or_fail("redis", &ref);
	cn_reference_release(&ref);
	ASSERT_NULL(ref.domain);
	ASSERT_NULL(ref.path);
	ASSERT_NULL(ref.tag);
	cn_reference_release(&ref);
	cn_reference_release(NULL);
}
