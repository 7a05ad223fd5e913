/*
 * The pure parsing half of the registry server: request paths to routes, Range and
 * Content-Range values, Authorization headers. No I/O, no allocation beyond the route's own
 * copies; every input comes from the network and is fuzzed (fuzz/fuzz-serve-request.c).
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CN_ROUTE_NAME_MAX 256 /* repository names: at most 255 bytes by the spec */
#define CN_ROUTE_ARG_MAX  192 /* a tag, digest or upload id */

enum cn_route_kind {
	CN_ROUTE_NOT_FOUND,
	CN_ROUTE_PING,	       /* /v2/ */
	CN_ROUTE_CATALOG,      /* /v2/_catalog */
	CN_ROUTE_TAGS,	       /* /v2/NAME/tags/list */
	CN_ROUTE_MANIFEST,     /* /v2/NAME/manifests/REF */
	CN_ROUTE_BLOB,	       /* /v2/NAME/blobs/DIGEST */
	CN_ROUTE_UPLOAD_START, /* /v2/NAME/blobs/uploads/ */
	CN_ROUTE_UPLOAD,       /* /v2/NAME/blobs/uploads/ID */
	CN_ROUTE_REFERRERS,    /* /v2/NAME/referrers/DIGEST */
	CN_ROUTE_V1_PING,      /* /v1/_ping */
	CN_ROUTE_V1_SEARCH,    /* /v1/search */
	CN_ROUTE_TOKEN,	       /* /token: the built-in token service */
};

struct cn_route {
	enum cn_route_kind kind;
	char name[CN_ROUTE_NAME_MAX]; /* repository, "" when the route has none */
	char arg[CN_ROUTE_ARG_MAX];   /* reference, digest or upload id; "" when none */
	bool name_too_long;	      /* the path named a repository longer than the limit */
};

/*
 * Splits a request path (already percent-decoded, without the query) into a route. Repository
 * names may contain '/', so the route is read from the path's last components, as the spec's
 * grammar implies. Names and args are copied but not validated (the caller checks the
 * grammar and answers NAME_INVALID / DIGEST_INVALID); unknown paths are CN_ROUTE_NOT_FOUND.
 */
void cn_route_parse(const char *path, struct cn_route *ret);

/* A byte range [first, last] (inclusive) of a resource of `size` bytes. */
struct cn_byte_range {
	uint64_t first;
	uint64_t last;
};

/*
 * A Range header of one range: "bytes=a-b", "bytes=a-", "bytes=-n". Returns 1 and the range
 * clamped to `size`, 0 when the header should be ignored (not a single bytes range: serve the
 * whole resource, as RFC 9110 allows), -ERANGE when unsatisfiable (416).
 */
int cn_range_parse(const char *value, uint64_t size, struct cn_byte_range *ret);

/* An upload PATCH's Content-Range "a-b" (the OCI spec's form; "bytes a-b/TOTAL" and "bytes
 * a-b/STAR" are accepted too). Returns 0, or -EINVAL when malformed. */
int cn_content_range_parse(const char *value, struct cn_byte_range *ret);

enum cn_auth_scheme {
	CN_AUTH_NONE,
	CN_AUTH_BASIC,
	CN_AUTH_BEARER,
};

#define CN_AUTH_USER_MAX     128 /* htpasswd names fit a token subject */
#define CN_AUTH_PASSWORD_MAX 512

struct cn_authorization {
	enum cn_auth_scheme scheme;
	char user[CN_AUTH_USER_MAX];	     /* Basic */
	char password[CN_AUTH_PASSWORD_MAX]; /* Basic */
	const char *token;		     /* Bearer: points into the header value */
};

/* Parses an Authorization header value (NULL = none). -EINVAL when malformed or over the
 * limits; an unknown scheme is CN_AUTH_NONE. */
int cn_authorization_parse(const char *value, struct cn_authorization *ret);
/* Wipes the password. */
void cn_authorization_release(struct cn_authorization *a);
