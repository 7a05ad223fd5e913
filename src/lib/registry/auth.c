#include "lib/registry/auth.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/strbuf.h"

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

/* Reads a token or quoted-string value into buf; returns the position after it. */
static const char *read_value(const char *p, char *buf, size_t len)
{
	size_t n = 0;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 < len)
				buf[n++] = *p;
		}
		if (*p == '"')
			p++;
	} else {
		for (; *p && *p != ',' && *p != ' '; p++)
			if (n + 1 < len)
				buf[n++] = *p;
	}
	buf[n] = '\0';
	return p;
}

int cn_challenge_parse(const char *header, struct cn_challenge *ret)
{
	struct cn_challenge c = { 0 };
	const char *p = skip_space(header);
	size_t n = strcspn(p, " \t");
	if (n == 0 || n >= sizeof(c.scheme))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		c.scheme[i] = (char)tolower((unsigned char)p[i]);
	p = skip_space(p + n);
	while (*p) {
		char ignored[64];
		char *dst = ignored;
		size_t cap = sizeof(ignored);
		size_t nl = strcspn(p, "= \t,");
		if (p[nl] != '=' || nl == 0)
			break;
		if (nl == 5 && strncasecmp(p, "realm", 5) == 0)
			dst = c.realm, cap = sizeof(c.realm);
		else if (nl == 7 && strncasecmp(p, "service", 7) == 0)
			dst = c.service, cap = sizeof(c.service);
		else if (nl == 5 && strncasecmp(p, "scope", 5) == 0)
			dst = c.scope, cap = sizeof(c.scope);
		p = skip_space(read_value(p + nl + 1, dst, cap));
	}
	if (strcmp(c.scheme, "bearer") == 0 && !c.realm[0])
		return -EINVAL;
	*ret = c;
	return 0;
}

char *cn_url_escape(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("-._~", *p))
			strbuf_addch(&sb, (char)*p);
		else
			strbuf_addf(&sb, "%%%02X", *p);
	}
	return strbuf_detach(&sb, NULL);
}
