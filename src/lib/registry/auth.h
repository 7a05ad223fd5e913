/* WWW-Authenticate challenges and Docker token-spec bearer tokens (internal to the client). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cn_challenge {
	char scheme[16]; /* "basic" or "bearer" (lowercased) */
	char realm[1024];
	char service[256];
	char scope[512];
};

/* Parses one challenge: `Bearer realm="...",service="...",scope="..."`. 0 or -EINVAL. */
int cn_challenge_parse(const char *header, struct cn_challenge *ret);
/* Percent-encodes `s` for a URL query into a new string. */
char *cn_url_escape(const char *s);
