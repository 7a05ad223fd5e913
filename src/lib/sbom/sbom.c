/* The SBOM model: names of package types, freeing, ordering, package URLs. */
#include "lib/sbom/sbom.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"

#include "lib/sbom/purl.h"

static const char *const type_names[CN_PKG_TYPE_MAX] = {
	[CN_PKG_DEB] = "deb",		[CN_PKG_APK] = "apk", [CN_PKG_RPM] = "rpm",
	[CN_PKG_PYTHON] = "python",	[CN_PKG_NPM] = "npm", [CN_PKG_GO] = "go-module",
	[CN_PKG_JAVA] = "java-archive",
};

const char *cn_pkg_type_name(enum cn_pkg_type t)
{
	if ((unsigned)t >= CN_PKG_TYPE_MAX)
		return "unknown";
	return type_names[t];
}

int cn_pkg_type_parse(const char *s, enum cn_pkg_type *ret)
{
	for (unsigned i = 0; s && i < CN_PKG_TYPE_MAX; i++) {
		if (strcmp(s, type_names[i]) == 0) {
			*ret = (enum cn_pkg_type)i;
			return 0;
		}
	}
	return -EINVAL;
}

struct cn_sbom *cn_sbom_new(void)
{
	return xcalloc(1, sizeof(struct cn_sbom));
}

void cn_package_release(struct cn_package *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->version);
	free(p->group);
	free(p->source_name);
	free(p->source_version);
	free(p->arch);
	free(p->maintainer);
	free(p->license);
	free(p->description);
	free(p->purl);
	free(p->found_in);
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i]);
	free(p->files);
	memset(p, 0, sizeof(*p));
}

static void os_release(struct cn_os *os)
{
	free(os->id);
	free(os->version_id);
	free(os->codename);
	free(os->pretty_name);
	memset(os, 0, sizeof(*os));
}

struct cn_sbom *cn_sbom_free(struct cn_sbom *s)
{
	if (!s)
		return NULL;
	free(s->image);
	free(s->architecture);
	free(s->image_os);
	os_release(&s->os);
	for (size_t i = 0; i < s->n_layers; i++)
		free(s->layers[i].created_by);
	free(s->layers);
	for (size_t i = 0; i < s->n_pkgs; i++)
		cn_package_release(&s->pkgs[i]);
	free(s->pkgs);
	free(s);
	return NULL;
}

static int strcmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int package_cmp(const void *x, const void *y)
{
	const struct cn_package *a = x, *b = y;
	int c;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if ((c = strcmp_null(a->name, b->name)) != 0)
		return c;
	if ((c = strcmp_null(a->version, b->version)) != 0)
		return c;
	if ((c = strcmp_null(a->found_in, b->found_in)) != 0)
		return c;
	if ((c = strcmp_null(a->arch, b->arch)) != 0)
		return c;
	return strcmp_null(a->group, b->group);
}

void cn_sbom_sort(struct cn_sbom *s)
{
	if (s->n_pkgs > 1)
		qsort(s->pkgs, s->n_pkgs, sizeof(*s->pkgs), package_cmp);
}

void cn_sbom_set_purls(struct cn_sbom *s)
{
	for (size_t i = 0; i < s->n_pkgs; i++) {
		struct cn_package *p = &s->pkgs[i];
		free(p->purl);
		p->purl = cn_purl_for(p, &s->os);
	}
}
