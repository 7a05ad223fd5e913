/* The cataloger table and the struct cn_found helpers. */
#include "lib/sbom/catalog.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

const struct cn_cataloger *const cn_catalogers[] = {
	&cn_catalog_os_release, &cn_catalog_dpkg,   &cn_catalog_apk,
	&cn_catalog_rpm,	&cn_catalog_python, &cn_catalog_npm,
	&cn_catalog_go,		&cn_catalog_java,   NULL,
};

void cn_found_release(struct cn_found *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_pkgs; i++)
		cn_package_release(&f->pkgs[i]);
	free(f->pkgs);
	free(f->owner);
	for (size_t i = 0; i < f->n_files; i++)
		free(f->files[i]);
	free(f->files);
	free(f->license);
	if (f->os) {
		free(f->os->id);
		free(f->os->version_id);
		free(f->os->codename);
		free(f->os->pretty_name);
		free(f->os);
	}
	memset(f, 0, sizeof(*f));
}

struct cn_package *cn_found_add(struct cn_found *f)
{
	ALLOC_GROW(f->pkgs, f->n_pkgs + 1, f->alloc_pkgs);
	struct cn_package *p = &f->pkgs[f->n_pkgs++];
	memset(p, 0, sizeof(*p));
	return p;
}

void cn_found_add_file(struct cn_found *f, const char *path)
{
	ALLOC_GROW(f->files, f->n_files + 1, f->alloc_files);
	f->files[f->n_files++] = xstrdup(path);
}

char *cn_catalog_dup_trimmed(const char *s, size_t n, size_t max)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (!n || n > max || memchr(s, '\0', n))
		return NULL;
	return xstrndup(s, n);
}
