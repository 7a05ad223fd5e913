/* Platforms ("linux/amd64", "linux/arm64/v8") and matching index entries to one. */
#pragma once

#include <stdbool.h>

struct cn_platform {
	char os[32];
	char architecture[32];
	char variant[16]; /* "" when none */
};

/* The platform this binary runs on, in OCI/GOARCH names. */
void cn_platform_host(struct cn_platform *ret);
/* Parses "os/arch[/variant]". Returns 0 or -EINVAL. Normalizes aliases (x86_64 -> amd64,
 * aarch64 -> arm64, armhf -> arm/v7). */
int cn_platform_parse(const char *s, struct cn_platform *ret);
/* "linux/amd64" or "linux/arm64/v8" into buf. */
const char *cn_platform_format(const struct cn_platform *p, char *buf, unsigned len);
/*
 * True when an index entry's platform satisfies `want`: os and architecture equal; variant
 * equal, or `want` has none, or the arm64 default "v8" against an entry without a variant.
 */
bool cn_platform_matches(const struct cn_platform *want, const char *os, const char *arch,
			 const char *variant);
