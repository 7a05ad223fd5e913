/*
 * The registry server's request parsing (src/lib/serve/route.c): paths to routes the way the
 * distribution spec's grammar reads them, Range and Content-Range values, Authorization.
 */
#include <errno.h>
#include <string.h>

#include "lib/serve/route.h"
#include "test.h"

#define HEX64 "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"

struct route_case {
	const char *path;
	enum cn_route_kind kind;
	const char *name;
	const char *arg;
};

TEST(routes)
{
	static const struct route_case cases[] = {
		{ "/v2/", CN_ROUTE_PING, "", "" },
		{ "/v2", CN_ROUTE_PING, "", "" },
		{ "/v2/_catalog", CN_ROUTE_CATALOG, "", "" },
		{ "/v2/alpine/tags/list", CN_ROUTE_TAGS, "alpine", "" },
		{ "/v2/a/b/c/tags/list", CN_ROUTE_TAGS, "a/b/c", "" },
		{ "/v2/library/redis/manifests/7", CN_ROUTE_MANIFEST, "library/redis", "7" },
		{ "/v2/x/manifests/sha256:" HEX64, CN_ROUTE_MANIFEST, "x", "sha256:" HEX64 },
		/* A repository may have a component named like an endpoint: the tail decides. */
		{ "/v2/manifests/manifests/latest", CN_ROUTE_MANIFEST, "manifests", "latest" },
		{ "/v2/a/blobs/b/blobs/sha256:" HEX64, CN_ROUTE_BLOB, "a/blobs/b",
		  "sha256:" HEX64 },
		{ "/v2/x/blobs/uploads/", CN_ROUTE_UPLOAD_START, "x", "" },
		{ "/v2/x/blobs/uploads", CN_ROUTE_UPLOAD_START, "x", "" },
		{ "/v2/x/y/blobs/uploads/abc-123", CN_ROUTE_UPLOAD, "x/y", "abc-123" },
		{ "/v2/x/referrers/sha256:" HEX64, CN_ROUTE_REFERRERS, "x", "sha256:" HEX64 },
		{ "/v1/_ping", CN_ROUTE_V1_PING, "", "" },
		{ "/v1/search", CN_ROUTE_V1_SEARCH, "", "" },
		{ "/token", CN_ROUTE_TOKEN, "", "" },
		{ "/", CN_ROUTE_NOT_FOUND, "", "" },
		{ "/v3/", CN_ROUTE_NOT_FOUND, "", "" },
		{ "/v2//manifests/x", CN_ROUTE_NOT_FOUND, "", "" },
		{ "/v2/x/manifests/", CN_ROUTE_NOT_FOUND, "", "" },
		{ "/v2/x/manifests/a/", CN_ROUTE_NOT_FOUND, "", "" },
		{ "/v2/x/tags/lists", CN_ROUTE_NOT_FOUND, "", "" },
		{ "/v2/x/unknown/y", CN_ROUTE_NOT_FOUND, "", "" },
		{ "/v2/manifests/x", CN_ROUTE_NOT_FOUND, "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cn_route r;
		cn_route_parse(cases[i].path, &r);
		if (r.kind != cases[i].kind ||
		    (r.kind != CN_ROUTE_NOT_FOUND &&
		     (strcmp(r.name, cases[i].name) != 0 || strcmp(r.arg, cases[i].arg) != 0)))
			TEST_FAIL("%s: kind %d name '%s' arg '%s', want %d '%s' '%s'",
				  cases[i].path, r.kind, r.name, r.arg, cases[i].kind,
				  cases[i].name, cases[i].arg);
	}
}

TEST(route_limits)
{
	char path[1024] = "/v2/";
	memset(path + 4, 'a', 300);
	memcpy(path + 304, "/manifests/latest", 18);
	struct cn_route r;
	cn_route_parse(path, &r);
	ASSERT_EQ(r.kind, CN_ROUTE_MANIFEST);
	ASSERT_TRUE(r.name_too_long);
	ASSERT_STREQ(r.name, "");

	char longref[400] = "/v2/x/manifests/";
	memset(longref + 16, 't', 300);
	cn_route_parse(longref, &r);
	ASSERT_EQ(r.kind, CN_ROUTE_NOT_FOUND);
}

struct range_case {
	const char *value;
	uint64_t size;
	int want;
	uint64_t first, last;
};

TEST(ranges)
{
	static const struct range_case cases[] = {
		{ "bytes=0-99", 1000, 1, 0, 99 },
		{ "bytes=100-", 1000, 1, 100, 999 },
		{ "bytes=-100", 1000, 1, 900, 999 },
		{ "bytes=-5000", 1000, 1, 0, 999 },
		{ "bytes=990-5000", 1000, 1, 990, 999 },
		{ "bytes=999-999", 1000, 1, 999, 999 },
		{ "BYTES=1-2", 1000, 1, 1, 2 },
		{ "bytes=1000-", 1000, -ERANGE, 0, 0 },
		{ "bytes=5000-6000", 1000, -ERANGE, 0, 0 },
		{ "bytes=-0", 1000, -ERANGE, 0, 0 },
		{ "bytes=0-", 0, -ERANGE, 0, 0 },
		/* Not one satisfiable-or-not bytes range: the whole resource is served. */
		{ "bytes=5-1", 1000, 0, 0, 0 },
		{ "bytes=0-1,5-6", 1000, 0, 0, 0 },
		{ "items=0-1", 1000, 0, 0, 0 },
		{ "bytes=a-b", 1000, 0, 0, 0 },
		{ "bytes=+1-2", 1000, 0, 0, 0 },
		{ "bytes= 1-2", 1000, 0, 0, 0 },
		{ "bytes=-", 1000, 0, 0, 0 },
		{ "bytes=99999999999999999999999-", 1000, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cn_byte_range br = { 0, 0 };
		int r = cn_range_parse(cases[i].value, cases[i].size, &br);
		if (r != cases[i].want ||
		    (r == 1 && (br.first != cases[i].first || br.last != cases[i].last)))
			TEST_FAIL("'%s' size %llu: %d [%llu,%llu]", cases[i].value,
				  (unsigned long long)cases[i].size, r,
				  (unsigned long long)br.first, (unsigned long long)br.last);
	}
}

TEST(content_ranges)
{
	struct cn_byte_range br;
	ASSERT_OK(cn_content_range_parse("0-99", &br));
	ASSERT_EQ(br.first, 0);
	ASSERT_EQ(br.last, 99);
	ASSERT_OK(cn_content_range_parse("bytes 100-199/*", &br));
	ASSERT_EQ(br.first, 100);
	ASSERT_OK(cn_content_range_parse("bytes 100-199/1000", &br));
	ASSERT_EQ(br.last, 199);
	ASSERT_ERR(cn_content_range_parse("5-1", &br), -EINVAL);
	ASSERT_ERR(cn_content_range_parse("-1", &br), -EINVAL);
	ASSERT_ERR(cn_content_range_parse("1-", &br), -EINVAL);
	ASSERT_ERR(cn_content_range_parse("", &br), -EINVAL);
	ASSERT_ERR(cn_content_range_parse("bytes 1-2/x", &br), -EINVAL);
	ASSERT_ERR(cn_content_range_parse("1-2-3", &br), -EINVAL);
}

TEST(authorization)
{
	struct cn_authorization a;
	ASSERT_OK(cn_authorization_parse(NULL, &a));
	ASSERT_EQ(a.scheme, CN_AUTH_NONE);
	/* base64("alice:s3cr:et") */
	ASSERT_OK(cn_authorization_parse("Basic YWxpY2U6czNjcjpldA==", &a));
	ASSERT_EQ(a.scheme, CN_AUTH_BASIC);
	ASSERT_STREQ(a.user, "alice");
	ASSERT_STREQ(a.password, "s3cr:et");
	cn_authorization_release(&a);
	ASSERT_OK(cn_authorization_parse("basic  YTpi", &a)); /* "a:b", scheme any case */
	ASSERT_STREQ(a.user, "a");
	ASSERT_STREQ(a.password, "b");
	ASSERT_OK(cn_authorization_parse("Bearer abc.def.ghi", &a));
	ASSERT_EQ(a.scheme, CN_AUTH_BEARER);
	ASSERT_STREQ(a.token, "abc.def.ghi");
	ASSERT_OK(cn_authorization_parse("Negotiate xyz", &a));
	ASSERT_EQ(a.scheme, CN_AUTH_NONE);
	ASSERT_ERR(cn_authorization_parse("Basic !!!!", &a), -EINVAL);
	ASSERT_ERR(cn_authorization_parse("Basic bm9jb2xvbg==", &a), -EINVAL); /* "nocolon" */
	ASSERT_ERR(cn_authorization_parse("Basic YQBiOmM=", &a), -EINVAL);     /* NUL inside */
	ASSERT_ERR(cn_authorization_parse("Basic ====", &a), -EINVAL);	       /* fuzz find */
	ASSERT_ERR(cn_authorization_parse("Bearer a b", &a), -EINVAL);
	char big[20000] = "Bearer ";
	memset(big + 7, 'x', sizeof(big) - 8);
	ASSERT_ERR(cn_authorization_parse(big, &a), -EINVAL);
}
