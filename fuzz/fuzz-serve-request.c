/*
 * Fuzz target: what the registry server parses from a request before anything touches storage
 * (src/lib/serve/route.c): the path, a Range and a Content-Range value, and an Authorization
 * header. The input is split at NUL bytes into those four fields. Every parser must stay
 * within its buffers and hand back names and ranges that obey its own contract.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/serve/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_route(const char *path)
{
	struct cn_route r;
	cn_route_parse(path, &r);
	assert(strlen(r.name) < sizeof(r.name));
	assert(strlen(r.arg) < sizeof(r.arg));
	if (r.kind == CN_ROUTE_MANIFEST || r.kind == CN_ROUTE_BLOB ||
	    r.kind == CN_ROUTE_REFERRERS || r.kind == CN_ROUTE_UPLOAD)
		assert(r.arg[0] != '\0' && !strchr(r.arg, '/'));
	if (r.kind >= CN_ROUTE_TAGS && r.kind <= CN_ROUTE_REFERRERS && !r.name_too_long)
		assert(r.name[0] != '\0' && strstr(path, r.name) != NULL);
}

static void check_range(const char *value)
{
	static const uint64_t sizes[] = { 0, 1, 1000, UINT64_MAX };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct cn_byte_range br;
		if (cn_range_parse(value, sizes[i], &br) == 1)
			assert(br.first <= br.last && br.last < sizes[i]);
	}
	struct cn_byte_range cr;
	if (cn_content_range_parse(value, &cr) == 0)
		assert(cr.first <= cr.last);
}

static void check_authorization(const char *value)
{
	struct cn_authorization a;
	if (cn_authorization_parse(value, &a) < 0)
		return;
	if (a.scheme == CN_AUTH_BASIC)
		assert(strlen(a.user) < sizeof(a.user) && strlen(a.password) < sizeof(a.password));
	if (a.scheme == CN_AUTH_BEARER)
		assert(a.token && *a.token);
	cn_authorization_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	const char *fields[3] = { "", "", "" };
	const char *p = buf, *end = buf + size;
	size_t len = strlen(p);
	check_route(p);
	for (size_t i = 0; i < 3 && p + len < end; i++) {
		p += len + 1;
		len = strlen(p);
		fields[i] = p;
	}
	check_range(fields[0]);
	check_range(fields[1]);
	check_authorization(fields[2]);
	check_authorization(buf);
	free(buf);
	return 0;
}
