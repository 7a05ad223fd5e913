/* Reading SBOM documents back: cairn json, CycloneDX json, SPDX json (format.h). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/parse.h"
#include "lib/sbom/format.h"
#include "lib/sbom/purl.h"

/* A string member, or NULL when absent, null or not a string. */
static const char *get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static char *dup_str(const json_t *o, const char *key)
{
	const char *s = get_str(o, key);
	return s ? xstrdup(s) : NULL;
}

/* An array member, checked against `max` entries; NULL (and 0) when absent. */
static int get_array(const json_t *o, const char *key, size_t max, json_t **ret,
		     struct cn_error *err)
{
	json_t *a = json_object_get(o, key);
	*ret = NULL;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return cn_error_set(err, -EBADMSG, "\"%s\" is not an array", key);
	if (json_array_size(a) > max)
		return cn_error_set(err, -E2BIG,
				    "\"%s\" has %zu entries, more than the limit of %zu", key,
				    json_array_size(a), max);
	*ret = a;
	return 0;
}

static void parse_digest(const char *s, struct cn_digest *ret)
{
	if (!s || cn_digest_parse(s, ret) < 0)
		memset(ret, 0, sizeof(*ret));
}

static struct cn_package *add_package(struct cn_sbom *s, size_t *alloc)
{
	ALLOC_GROW(s->pkgs, s->n_pkgs + 1, *alloc);
	struct cn_package *p = &s->pkgs[s->n_pkgs++];
	memset(p, 0, sizeof(*p));
	return p;
}

/* The distro from the first purl with a distro qualifier, when nothing else named it. */
static void distro_from_purls(struct cn_sbom *s)
{
	for (size_t i = 0; i < s->n_pkgs && !s->os.id; i++) {
		cleanup_purl struct cn_purl u = { 0 };
		if (!s->pkgs[i].purl || cn_purl_parse(s->pkgs[i].purl, &u) < 0)
			continue;
		const char *distro = cn_purl_qualifier(&u, "distro");
		if (distro)
			cn_purl_distro_to_os(distro, &s->os);
	}
}

/* A package from a purl (plus what the caller adds); skipped (0) for foreign purl types. */
static int package_from_purl(struct cn_sbom *s, size_t *alloc, const char *purl,
			     struct cn_package **ret)
{
	cleanup_purl struct cn_purl u = { 0 };
	*ret = NULL;
	if (!purl || cn_purl_parse(purl, &u) < 0)
		return 0;
	struct cn_package tmp = { 0 };
	if (cn_purl_to_package(&u, purl, &tmp) < 0)
		return 0;
	struct cn_package *p = add_package(s, alloc);
	*p = tmp;
	*ret = p;
	return 0;
}

/* ---------------------------------------------------------------- cairn json */

static int read_layers(struct cn_sbom *s, const json_t *doc, struct cn_error *err)
{
	json_t *layers = NULL, *l;
	size_t i;
	int r = get_array(doc, "layers", CN_SBOM_LAYERS_MAX, &layers, err);
	if (r < 0 || !layers)
		return r;
	s->layers = xcalloc(json_array_size(layers) + 1, sizeof(*s->layers));
	json_array_foreach (layers, i, l) {
		struct cn_sbom_layer *sl = &s->layers[s->n_layers++];
		parse_digest(get_str(l, "digest"), &sl->digest);
		parse_digest(get_str(l, "diff_id"), &sl->diff_id);
		json_int_t size = json_integer_value(json_object_get(l, "size"));
		sl->size = size > 0 ? (uint64_t)size : 0;
		sl->created_by = dup_str(l, "created_by");
	}
	return 0;
}

static int read_files(struct cn_package *p, const json_t *o, struct cn_error *err)
{
	json_t *files = NULL, *f;
	size_t i;
	int r = get_array(o, "files", CN_SBOM_FILES_MAX, &files, err);
	if (r < 0 || !files)
		return r;
	p->files = xcalloc(json_array_size(files) + 1, sizeof(*p->files));
	json_array_foreach (files, i, f) {
		if (json_is_string(f))
			p->files[p->n_files++] = xstrdup(json_string_value(f));
	}
	return 0;
}

static int read_cairn_package(struct cn_sbom *s, const json_t *o, struct cn_package *p,
			      struct cn_error *err)
{
	if (!json_is_object(o) || !get_str(o, "name"))
		return cn_error_set(err, -EBADMSG, "a package without a name");
	if (cn_pkg_type_parse(get_str(o, "type"), &p->type) < 0)
		return cn_error_set(err, -EBADMSG, "package %s: unknown type \"%s\"",
				    get_str(o, "name"),
				    get_str(o, "type") ? get_str(o, "type") : "");
	p->name = dup_str(o, "name");
	p->version = dup_str(o, "version");
	p->group = dup_str(o, "group");
	p->source_name = dup_str(o, "source_name");
	p->source_version = dup_str(o, "source_version");
	p->arch = dup_str(o, "arch");
	p->license = dup_str(o, "license");
	p->maintainer = dup_str(o, "maintainer");
	p->description = dup_str(o, "description");
	p->purl = dup_str(o, "purl");
	p->found_in = dup_str(o, "found_in");
	if (json_is_true(json_object_get(o, "os_owned")))
		p->flags |= CN_PKG_OS_OWNED;
	/* layers count from 1; a document without layers may say 0 or 1 (or nothing) */
	json_int_t layer = json_integer_value(json_object_get(o, "layer"));
	if (layer < 0 || (s->n_layers ? layer == 0 || (size_t)layer > s->n_layers : layer > 1))
		return cn_error_set(err, -EBADMSG, "package %s: layer %lld out of range", p->name,
				    (long long)layer);
	p->layer = layer > 0 ? (uint32_t)layer - 1 : 0;
	return read_files(p, o, err);
}

static int read_cairn(struct cn_sbom *s, const json_t *doc, struct cn_error *err)
{
	const json_t *img = json_object_get(doc, "image"), *distro = json_object_get(doc, "distro");
	s->image = dup_str(img, "name");
	parse_digest(get_str(img, "manifest"), &s->manifest_digest);
	parse_digest(get_str(img, "id"), &s->image_id);
	s->image_os = dup_str(img, "os");
	s->architecture = dup_str(img, "architecture");
	s->os.id = dup_str(distro, "id");
	s->os.version_id = dup_str(distro, "version_id");
	s->os.codename = dup_str(distro, "codename");
	s->os.pretty_name = dup_str(distro, "pretty_name");
	int r = read_layers(s, doc, err);
	json_t *pkgs = NULL, *o;
	size_t i, alloc = 0;
	if (r >= 0)
		r = get_array(doc, "packages", CN_SBOM_PKGS_MAX, &pkgs, err);
	if (r < 0 || !pkgs)
		return r;
	json_array_foreach (pkgs, i, o) {
		r = read_cairn_package(s, o, add_package(s, &alloc), err);
		if (r < 0)
			return cn_error_prefix(err, r, "packages[%zu]", i);
	}
	return 0;
}

/* ---------------------------------------------------------------- CycloneDX */

/* Layer `index` of s, grown as needed (CycloneDX documents name layers by index). */
static struct cn_sbom_layer *layer_at(struct cn_sbom *s, uint64_t index)
{
	if (index >= CN_SBOM_LAYERS_MAX)
		return NULL;
	if (index >= s->n_layers) {
		s->layers = xreallocarray(s->layers, index + 1, sizeof(*s->layers));
		memset(&s->layers[s->n_layers], 0, (index + 1 - s->n_layers) * sizeof(*s->layers));
		s->n_layers = index + 1;
	}
	return &s->layers[index];
}

static void set_once(char **field, const char *value)
{
	if (!*field && value)
		*field = xstrdup(value);
}

/* cairn's own properties on a component (written by format.c). */
static void cdx_apply_properties(struct cn_sbom *s, const json_t *comp, struct cn_package *p)
{
	json_t *props = json_object_get(comp, "properties"), *prop;
	size_t i;
	const char *digest = NULL, *diff_id = NULL, *created_by = NULL;
	uint64_t index = UINT64_MAX;
	json_array_foreach (props, i, prop) {
		const char *name = get_str(prop, "name"), *value = get_str(prop, "value");
		if (!name || !value || strncmp(name, "cairn:", 6) != 0)
			continue;
		name += 6;
		if (strcmp(name, "package:found_in") == 0)
			set_once(&p->found_in, value);
		else if (strcmp(name, "package:arch") == 0)
			set_once(&p->arch, value);
		else if (strcmp(name, "package:source_name") == 0)
			set_once(&p->source_name, value);
		else if (strcmp(name, "package:source_version") == 0)
			set_once(&p->source_version, value);
		else if (strcmp(name, "package:os_owned") == 0 && strcmp(value, "true") == 0)
			p->flags |= CN_PKG_OS_OWNED;
		else if (strcmp(name, "layer:index") == 0 &&
			 cn_parse_u64(value, CN_SBOM_LAYERS_MAX, &index) == 0)
			index = index ? index - 1 : UINT64_MAX; /* counted from 1 */
		else if (strcmp(name, "layer:digest") == 0)
			digest = value;
		else if (strcmp(name, "layer:diff_id") == 0)
			diff_id = value;
		else if (strcmp(name, "layer:created_by") == 0)
			created_by = value;
	}
	struct cn_sbom_layer *l = index != UINT64_MAX ? layer_at(s, index) : NULL;
	if (!l)
		return;
	p->layer = (uint32_t)index;
	if (!l->digest.str[0])
		parse_digest(digest, &l->digest);
	if (!l->diff_id.str[0])
		parse_digest(diff_id, &l->diff_id);
	set_once(&l->created_by, created_by);
}

static const char *cdx_license(const json_t *comp)
{
	const json_t *l = json_array_get(json_object_get(comp, "licenses"), 0);
	const char *expr = get_str(l, "expression");
	if (expr)
		return expr;
	const json_t *lic = json_object_get(l, "license");
	return get_str(lic, "id") ? get_str(lic, "id") : get_str(lic, "name");
}

static void cdx_os(struct cn_sbom *s, const json_t *comp)
{
	if (s->os.id)
		return;
	s->os.id = dup_str(comp, "name");
	s->os.version_id = dup_str(comp, "version");
	s->os.pretty_name = dup_str(comp, "description");
	json_t *props = json_object_get(comp, "properties"), *prop;
	size_t i;
	json_array_foreach (props, i, prop) {
		const char *name = get_str(prop, "name");
		if (name && strcmp(name, "cairn:distro:codename") == 0)
			set_once(&s->os.codename, get_str(prop, "value"));
	}
}

static int read_cyclonedx(struct cn_sbom *s, const json_t *doc, struct cn_error *err)
{
	const json_t *image = json_object_get(json_object_get(doc, "metadata"), "component");
	s->image = dup_str(image, "name");
	parse_digest(get_str(image, "version"), &s->manifest_digest);
	json_t *comps = NULL, *c;
	size_t i, alloc = 0;
	int r = get_array(doc, "components", CN_SBOM_PKGS_MAX, &comps, err);
	if (r < 0 || !comps)
		return r;
	json_array_foreach (comps, i, c) {
		const char *type = get_str(c, "type");
		if (type && strcmp(type, "operating-system") == 0) {
			cdx_os(s, c);
			continue;
		}
		struct cn_package *p;
		(void)package_from_purl(s, &alloc, get_str(c, "purl"), &p);
		if (!p)
			continue;
		set_once(&p->description, get_str(c, "description"));
		set_once(&p->maintainer, get_str(c, "publisher"));
		set_once(&p->license, cdx_license(c));
		cdx_apply_properties(s, c, p);
	}
	return 0;
}

/* ---------------------------------------------------------------- SPDX */

static const char *spdx_purl(const json_t *pkg)
{
	json_t *refs = json_object_get(pkg, "externalRefs"), *ref;
	size_t i;
	json_array_foreach (refs, i, ref) {
		const char *type = get_str(ref, "referenceType");
		if (type && strcmp(type, "purl") == 0)
			return get_str(ref, "referenceLocator");
	}
	return NULL;
}

static const char *spdx_license_value(const json_t *pkg)
{
	const char *l = get_str(pkg, "licenseDeclared");
	if (!l || strcmp(l, "NOASSERTION") == 0 || strcmp(l, "NONE") == 0 ||
	    strncmp(l, "LicenseRef-", 11) == 0)
		return NULL;
	return l;
}

/* The text a LicenseRef- stands for, from hasExtractedLicensingInfos. */
static const char *spdx_extracted(const json_t *doc, const char *id)
{
	json_t *infos = json_object_get(doc, "hasExtractedLicensingInfos"), *info;
	size_t i;
	json_array_foreach (infos, i, info) {
		const char *lid = get_str(info, "licenseId");
		if (lid && strcmp(lid, id) == 0)
			return get_str(info, "extractedText");
	}
	return NULL;
}

static int read_spdx(struct cn_sbom *s, const json_t *doc, struct cn_error *err)
{
	s->image = dup_str(doc, "name");
	json_t *pkgs = NULL, *o;
	size_t i, alloc = 0;
	int r = get_array(doc, "packages", CN_SBOM_PKGS_MAX, &pkgs, err);
	if (r < 0 || !pkgs)
		return r;
	json_array_foreach (pkgs, i, o) {
		const char *purpose = get_str(o, "primaryPackagePurpose");
		if (purpose && strcmp(purpose, "CONTAINER") == 0) {
			if (!s->manifest_digest.str[0])
				parse_digest(get_str(o, "versionInfo"), &s->manifest_digest);
			continue;
		}
		struct cn_package *p;
		(void)package_from_purl(s, &alloc, spdx_purl(o), &p);
		if (!p)
			continue;
		set_once(&p->description, get_str(o, "description"));
		const char *declared = get_str(o, "licenseDeclared");
		if (declared && strncmp(declared, "LicenseRef-", 11) == 0)
			set_once(&p->license, spdx_extracted(doc, declared));
		else
			set_once(&p->license, spdx_license_value(o));
	}
	return 0;
}

int cn_sbom_read(const void *data, size_t len, struct cn_sbom **ret, struct cn_error *err)
{
	if (len > CN_SBOM_READ_MAX)
		return cn_error_set(err, -E2BIG, "SBOM of %zu bytes: larger than the limit of %u",
				    len, CN_SBOM_READ_MAX);
	json_error_t jerr;
	_cleanup_(json_decrefp) json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return cn_error_set(err, -EBADMSG, "not JSON: %s (line %d)", jerr.text, jerr.line);
	if (!json_is_object(doc))
		return cn_error_set(err, -EBADMSG, "not an SBOM: the document is not an object");
	cleanup_sbom struct cn_sbom *s = cn_sbom_new();
	const char *schema = get_str(doc, "schema"), *bom = get_str(doc, "bomFormat");
	const char *spdx = get_str(doc, "spdxVersion");
	int r;
	if (schema && strncmp(schema, "cairn-sbom/", 11) == 0) {
		if (strcmp(schema, CN_SBOM_SCHEMA) != 0)
			return cn_error_set(err, -EBADMSG, "unsupported SBOM schema \"%s\"",
					    schema);
		r = read_cairn(s, doc, err);
	} else if (bom && strcmp(bom, "CycloneDX") == 0) {
		r = read_cyclonedx(s, doc, err);
	} else if (spdx && strncmp(spdx, "SPDX-2.", 7) == 0) {
		r = read_spdx(s, doc, err);
	} else {
		return cn_error_set(
			err, -EBADMSG,
			"not an SBOM cairn reads (cairn json, CycloneDX or SPDX 2 json)");
	}
	if (r < 0)
		return r;
	distro_from_purls(s);
	cn_sbom_sort(s);
	*ret = TAKE_PTR(s);
	return 0;
}
