#include "lib/image/platform.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

static void set(char *dst, size_t len, const char *s)
{
	(void)snprintf(dst, len, "%s", s);
}

static void normalize(struct cn_platform *p)
{
	static const struct {
		const char *from, *arch, *variant;
	} aliases[] = {
		{ "x86_64", "amd64", "" }, { "x86-64", "amd64", "" }, { "aarch64", "arm64", "" },
		{ "armhf", "arm", "v7" },  { "armel", "arm", "v6" },  { "i386", "386", "" },
		{ "i686", "386", "" },
	};
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (strcmp(p->architecture, aliases[i].from) != 0)
			continue;
		set(p->architecture, sizeof(p->architecture), aliases[i].arch);
		if (!p->variant[0])
			set(p->variant, sizeof(p->variant), aliases[i].variant);
	}
	if (strcmp(p->architecture, "arm64") == 0 && strcmp(p->variant, "v8") == 0)
		p->variant[0] = '\0'; /* v8 is arm64's default: store it as none */
}

void cn_platform_host(struct cn_platform *ret)
{
	struct utsname u;
	memset(ret, 0, sizeof(*ret));
	set(ret->os, sizeof(ret->os), "linux");
	if (uname(&u) == 0)
		set(ret->architecture, sizeof(ret->architecture), u.machine);
	else
		set(ret->architecture, sizeof(ret->architecture), "amd64");
	if (strncmp(ret->architecture, "armv7", 5) == 0) {
		set(ret->architecture, sizeof(ret->architecture), "arm");
		set(ret->variant, sizeof(ret->variant), "v7");
	}
	normalize(ret);
}

int cn_platform_parse(const char *s, struct cn_platform *ret)
{
	struct cn_platform p = { 0 };
	char buf[96];
	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	char *arch = strchr(buf, '/');
	if (!arch)
		return -EINVAL;
	*arch++ = '\0';
	char *variant = strchr(arch, '/');
	if (variant)
		*variant++ = '\0';
	if (!buf[0] || !arch[0] || (variant && (!variant[0] || strchr(variant, '/'))))
		return -EINVAL;
	if (strlen(buf) >= sizeof(p.os) || strlen(arch) >= sizeof(p.architecture) ||
	    (variant && strlen(variant) >= sizeof(p.variant)))
		return -EINVAL;
	set(p.os, sizeof(p.os), buf);
	set(p.architecture, sizeof(p.architecture), arch);
	if (variant)
		set(p.variant, sizeof(p.variant), variant);
	normalize(&p);
	*ret = p;
	return 0;
}

const char *cn_platform_format(const struct cn_platform *p, char *buf, unsigned len)
{
	(void)snprintf(buf, len, "%s/%s%s%s", p->os, p->architecture, p->variant[0] ? "/" : "",
		       p->variant);
	return buf;
}

bool cn_platform_matches(const struct cn_platform *want, const char *os, const char *arch,
			 const char *variant)
{
	if (!os || !arch || strcmp(want->os, os) != 0 || strcmp(want->architecture, arch) != 0)
		return false;
	if (!want->variant[0])
		return !variant || !variant[0] || strcmp(arch, "arm64") != 0 ||
		       strcmp(variant, "v8") == 0;
	return variant && strcmp(want->variant, variant) == 0;
}
