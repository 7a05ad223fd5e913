/*
 * SBOM writers (format.h): table, cairn json, SPDX 2.3 json, CycloneDX 1.5 json.
 *
 * cairn json ("cairn-sbom/1"), every string field null when unknown:
 *   {"schema": "cairn-sbom/1",
 *    "image": {"name", "manifest", "id", "os", "architecture"},
 *    "distro": {"id", "version_id", "codename", "pretty_name"},
 *    "layers": [{"index", "digest", "diff_id", "size", "created_by"}],  index from 1
 *    "packages": [{"type", "name", "version", "group", "source_name", "source_version", "arch",
 *                  "license", "maintainer", "description", "purl", "found_in", "layer",
 *                  "os_owned", "files": [...]}],
 *    "created": RFC 3339}
 * A package's "layer" is the index of its layer, from 1 as `cairn layers` counts (also in the
 * CycloneDX properties).
 */
#include "lib/sbom/format.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/sbom/catalog.h"
#include "lib/sbom/purl.h"
#include "lib/image/manifest.h"

#define LAYER_ID_LEN 12 /* hex digits of a layer digest in the table, like docker's IDs */

static const char *const format_names[] = {
	[CN_SBOM_TABLE] = "table",
	[CN_SBOM_JSON] = "json",
	[CN_SBOM_SPDX_JSON] = "spdx-json",
	[CN_SBOM_CYCLONEDX_JSON] = "cyclonedx-json",
};

int cn_sbom_format_parse(const char *s, enum cn_sbom_format *ret)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(format_names); i++) {
		if (strcmp(s, format_names[i]) == 0) {
			*ret = (enum cn_sbom_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *cn_sbom_format_name(enum cn_sbom_format f)
{
	return (size_t)f < ARRAY_SIZE(format_names) ? format_names[f] : "unknown";
}

const char *cn_sbom_format_media_type(enum cn_sbom_format f)
{
	switch (f) {
	case CN_SBOM_JSON:
		return CN_MT_CAIRN_SBOM;
	case CN_SBOM_SPDX_JSON:
		return CN_MT_SPDX_JSON;
	case CN_SBOM_CYCLONEDX_JSON:
		return CN_MT_CYCLONEDX_JSON;
	case CN_SBOM_TABLE:
		break;
	}
	return NULL;
}

char *cn_sbom_format_time(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, size, "1970-01-01T00:00:00Z");
	return buf;
}

/* Sets key to a string unless s is NULL or empty. */
static void set_opt(json_t *obj, const char *key, const char *s)
{
	if (s && *s)
		json_object_set_new(obj, key, cn_json_text(s));
}

static const struct cn_sbom_layer *pkg_layer(const struct cn_sbom *s, const struct cn_package *p)
{
	return p->layer < s->n_layers ? &s->layers[p->layer] : NULL;
}

static int dump(json_t *doc, struct strbuf *out, struct cn_error *err)
{
	if (!doc)
		return cn_error_set(err, -ENOMEM, "building the SBOM document");
	int r = cn_json_append(out, doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return r < 0 ? cn_error_set(err, r, "serialising the SBOM document") : 0;
}

/* ---------------------------------------------------------------- table */

/* Display width of UTF-8 text: code points (continuation bytes do not count). */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			w++;
	return w;
}

/* Control characters (tabs, newlines) as spaces so they cannot break the table. */
static char *one_line(const char *s)
{
	char *r = xstrdup(s && *s ? s : "-");
	for (char *p = r; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return r;
}

#define TABLE_COLS 4

static void table_row(struct strbuf *out, char *const cells[TABLE_COLS],
		      const size_t widths[TABLE_COLS])
{
	for (size_t c = 0; c < TABLE_COLS; c++) {
		strbuf_addstr(out, cells[c]);
		if (c + 1 == TABLE_COLS)
			break;
		for (size_t w = text_width(cells[c]); w < widths[c] + 3; w++)
			strbuf_addch(out, ' ');
	}
	strbuf_addch(out, '\n');
}

/* "2 fa460ca36d07": the layer's number (from 1, as `cairn layers` counts) and short ID, as
 * `cairn scan` shows it. */
static char *layer_cell(const struct cn_sbom *s, const struct cn_package *p)
{
	const struct cn_sbom_layer *l = pkg_layer(s, p);
	if (!l)
		return xstrdup("-");
	if (!l->digest.str[0])
		return xasprintf("%u", p->layer + 1);
	return xasprintf("%u %.*s", p->layer + 1, LAYER_ID_LEN, cn_digest_hex(&l->digest));
}

static void distro_line(const struct cn_os *os, struct strbuf *out)
{
	strbuf_addstr(out, "Distro: ");
	if (os->pretty_name && *os->pretty_name) {
		cleanup_free char *pn = one_line(os->pretty_name);
		strbuf_addstr(out, pn);
	} else if (os->id) {
		cleanup_free char *id = one_line(os->id);
		strbuf_addstr(out, id);
		if (os->version_id) {
			cleanup_free char *v = one_line(os->version_id);
			strbuf_addf(out, " %s", v);
		}
	} else {
		strbuf_addstr(out, "unknown");
	}
	strbuf_addch(out, '\n');
}

static int write_table(const struct cn_sbom *s, struct strbuf *out)
{
	static const char *const headers[TABLE_COLS] = { "NAME", "VERSION", "TYPE", "LAYER" };
	size_t widths[TABLE_COLS];
	char **cells = xcalloc(s->n_pkgs * TABLE_COLS + 1, sizeof(*cells));
	for (size_t c = 0; c < TABLE_COLS; c++)
		widths[c] = strlen(headers[c]);
	for (size_t i = 0; i < s->n_pkgs; i++) {
		const struct cn_package *p = &s->pkgs[i];
		char **row = &cells[i * TABLE_COLS];
		cleanup_free char *name = p->group ? xasprintf("%s:%s", p->group, p->name) : NULL;
		row[0] = one_line(name ? name : p->name);
		row[1] = one_line(p->version);
		row[2] = xstrdup(cn_pkg_type_name(p->type));
		row[3] = layer_cell(s, p);
		for (size_t c = 0; c < TABLE_COLS; c++)
			widths[c] = MAX(widths[c], text_width(row[c]));
	}
	distro_line(&s->os, out);
	table_row(out, (char *const *)headers, widths);
	for (size_t i = 0; i < s->n_pkgs; i++)
		table_row(out, &cells[i * TABLE_COLS], widths);
	for (size_t i = 0; i < s->n_pkgs * TABLE_COLS; i++)
		free(cells[i]);
	free(cells);
	return 0;
}

/* ---------------------------------------------------------------- cairn json */

static json_t *digest_or_null(const struct cn_digest *d)
{
	return d->str[0] ? json_string(d->str) : json_null();
}

static json_t *cairn_package(const struct cn_package *p)
{
	json_t *files = json_array();
	for (size_t i = 0; i < p->n_files; i++)
		json_array_append_new(files, cn_json_text(p->files[i]));
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(cn_pkg_type_name(p->type)));
	json_object_set_new(o, "name", cn_json_text(p->name));
	json_object_set_new(o, "version", cn_json_text(p->version));
	json_object_set_new(o, "group", cn_json_text(p->group));
	json_object_set_new(o, "source_name", cn_json_text(p->source_name));
	json_object_set_new(o, "source_version", cn_json_text(p->source_version));
	json_object_set_new(o, "arch", cn_json_text(p->arch));
	json_object_set_new(o, "license", cn_json_text(p->license));
	json_object_set_new(o, "maintainer", cn_json_text(p->maintainer));
	json_object_set_new(o, "description", cn_json_text(p->description));
	json_object_set_new(o, "purl", cn_json_text(p->purl));
	json_object_set_new(o, "found_in", cn_json_text(p->found_in));
	json_object_set_new(o, "layer", json_integer((json_int_t)p->layer + 1));
	json_object_set_new(o, "os_owned", json_boolean(p->flags & CN_PKG_OS_OWNED));
	json_object_set_new(o, "files", files);
	return o;
}

static json_t *cairn_json(const struct cn_sbom *s)
{
	char when[32];
	json_t *layers = json_array(), *pkgs = json_array();
	for (size_t i = 0; i < s->n_layers; i++) {
		const struct cn_sbom_layer *l = &s->layers[i];
		json_array_append_new(
			layers, json_pack("{s:I, s:o, s:o, s:I, s:o}", "index", (json_int_t)i + 1,
					  "digest", digest_or_null(&l->digest), "diff_id",
					  digest_or_null(&l->diff_id), "size", (json_int_t)l->size,
					  "created_by", cn_json_text(l->created_by)));
	}
	for (size_t i = 0; i < s->n_pkgs; i++)
		json_array_append_new(pkgs, cairn_package(&s->pkgs[i]));
	return json_pack(
		"{s:s, s:{s:o, s:o, s:o, s:o, s:o}, s:{s:o, s:o, s:o, s:o}, s:o, s:o, s:s}",
		"schema", CN_SBOM_SCHEMA, "image", "name", cn_json_text(s->image), "manifest",
		digest_or_null(&s->manifest_digest), "id", digest_or_null(&s->image_id), "os",
		cn_json_text(s->image_os), "architecture", cn_json_text(s->architecture), "distro",
		"id", cn_json_text(s->os.id), "version_id", cn_json_text(s->os.version_id),
		"codename", cn_json_text(s->os.codename), "pretty_name",
		cn_json_text(s->os.pretty_name), "layers", layers, "packages", pkgs, "created",
		cn_sbom_format_time(s->created, when, sizeof(when)));
}

/* ---------------------------------------------------------------- shared by SPDX/CycloneDX */

/* A UUID (version 4 layout) derived from what the document describes and when: the same SBOM
 * gets the same id, two SBOMs made at different times differ. */
static void document_uuid(const struct cn_sbom *s, const char *salt, char buf[37])
{
	cleanup_free char *seed = xasprintf("%s|%s|%s|%lld", salt, s->manifest_digest.str,
					    s->image ? s->image : "", (long long)s->created);
	struct cn_digest d;
	cn_digest_of(CN_DIGEST_SHA256, seed, strlen(seed), &d);
	char hex[33];
	memcpy(hex, cn_digest_hex(&d), 32);
	hex[32] = '\0';
	hex[12] = '4';
	hex[16] = "89ab"[(unsigned char)hex[16] & 3];
	(void)snprintf(buf, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
		       hex + 20);
}

/* The image reference without tag or digest ("127.0.0.1:5000/app"). */
static char *image_repository(const char *image)
{
	size_t len = strcspn(image, "@");
	const char *slash = memrchr(image, '/', len);
	const char *from = slash ? slash : image;
	const char *colon = memchr(from, ':', len - (size_t)(from - image));
	return xstrndup(image, colon ? (size_t)(colon - image) : len);
}

/* pkg:oci/NAME@DIGEST?repository_url=REPO: the image's own purl (NULL without a digest). */
static char *image_purl(const struct cn_sbom *s)
{
	if (!s->manifest_digest.str[0] || !s->image)
		return NULL;
	cleanup_free char *repo = image_repository(s->image);
	const char *name = strrchr(repo, '/');
	name = name ? name + 1 : repo;
	if (!*name)
		return NULL;
	cleanup_free char *lname = xstrdup(name);
	for (char *c = lname; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	struct cn_purl_qualifier q = { (char *)"repository_url", repo };
	struct cn_purl u = { .type = (char *)"oci",
			     .name = lname,
			     .version = (char *)s->manifest_digest.str,
			     .qualifiers = &q,
			     .n_qualifiers = 1 };
	return cn_purl_format(&u);
}

static const char *image_name(const struct cn_sbom *s)
{
	if (s->image && *s->image)
		return s->image;
	return s->manifest_digest.str[0] ? s->manifest_digest.str : "image";
}

/* The SPDX expression for a package's license, or NULL when it is not one. */
static char *spdx_license(const struct cn_package *p)
{
	if (!p->license || !*p->license)
		return NULL;
	return cn_license_spdx(p->license);
}

/* ---------------------------------------------------------------- SPDX 2.3 */

#define SPDX_NOASSERTION  "NOASSERTION"
#define SPDX_REF_TEXT_MAX 48

/* Appends `s` with every character outside SPDX's idstring ([A-Za-z0-9.-]) as "-". */
static void add_idstring(struct strbuf *sb, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		strbuf_addch(sb, isalnum(c) || c == '.' || c == '-' ? (char)c : '-');
	}
}

static char *spdx_package_id(const struct cn_package *p, size_t i)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "SPDXRef-Package-%s-", cn_pkg_type_name(p->type));
	add_idstring(&sb, p->name ? p->name : "unknown", 128);
	strbuf_addf(&sb, "-%zu", i);
	return strbuf_detach(&sb, NULL);
}

/* "Name <mail>" -> "Person: Name (mail)", SPDX's supplier form. */
static char *spdx_supplier(const char *maintainer)
{
	cleanup_free char *m = one_line(maintainer);
	char *lt = strchr(m, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt) {
		*gt = '\0';
		char *end = lt;
		while (end > m && end[-1] == ' ')
			end--;
		*end = '\0';
		return xasprintf("Person: %s (%s)", m, lt + 1);
	}
	return xasprintf("Person: %s", m);
}

/* licenseDeclared: the SPDX expression, else a LicenseRef- to the text as written (listed in
 * hasExtractedLicensingInfos once per text), else NOASSERTION. */
static json_t *spdx_declared(const struct cn_package *p, json_t *extracted)
{
	cleanup_free char *expr = spdx_license(p);
	if (expr)
		return json_string(expr);
	if (!p->license || !*p->license)
		return json_string(SPDX_NOASSERTION);
	size_t i;
	json_t *info;
	json_array_foreach (extracted, i, info) {
		if (strcmp(json_string_value(json_object_get(info, "extractedText")), p->license) ==
		    0)
			return json_incref(json_object_get(info, "licenseId"));
	}
	cleanup_strbuf struct strbuf id = STRBUF_INIT;
	strbuf_addstr(&id, "LicenseRef-");
	add_idstring(&id, p->license, SPDX_REF_TEXT_MAX);
	strbuf_addf(&id, "-%zu", json_array_size(extracted));
	json_t *idj = json_string(id.buf);
	json_t *text = json_string(p->license);
	if (!idj || !text) {
		json_decref(idj);
		json_decref(text);
		return json_string(SPDX_NOASSERTION);
	}
	json_array_append_new(extracted, json_pack("{s:O, s:O, s:o}", "licenseId", idj,
						   "extractedText", text, "name", text));
	return idj;
}

static json_t *spdx_purl_ref(const char *purl)
{
	return json_pack("[{s:s, s:s, s:s}]", "referenceCategory", "PACKAGE-MANAGER",
			 "referenceType", "purl", "referenceLocator", purl);
}

static char *spdx_source_info(const struct cn_sbom *s, const struct cn_package *p)
{
	const struct cn_sbom_layer *l = pkg_layer(s, p);
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "acquired package info from %s", p->found_in ? p->found_in : "the image");
	if (l && l->digest.str[0])
		strbuf_addf(&sb, " in layer %u (%s)", p->layer, l->digest.str);
	return strbuf_detach(&sb, NULL);
}

static json_t *spdx_package(const struct cn_sbom *s, const struct cn_package *p, size_t i,
			    json_t *extracted)
{
	cleanup_free char *id = spdx_package_id(p, i);
	cleanup_free char *source = spdx_source_info(s, p);
	json_t *o = json_object();
	json_object_set_new(o, "name", cn_json_text(p->name ? p->name : "unknown"));
	json_object_set_new(o, "SPDXID", json_string(id));
	set_opt(o, "versionInfo", p->version);
	if (p->maintainer && *p->maintainer) {
		cleanup_free char *supplier = spdx_supplier(p->maintainer);
		set_opt(o, "supplier", supplier);
	}
	json_object_set_new(o, "downloadLocation", json_string(SPDX_NOASSERTION));
	json_object_set_new(o, "filesAnalyzed", json_false());
	set_opt(o, "sourceInfo", source);
	json_object_set_new(o, "licenseConcluded", json_string(SPDX_NOASSERTION));
	json_object_set_new(o, "licenseDeclared", spdx_declared(p, extracted));
	json_object_set_new(o, "copyrightText", json_string(SPDX_NOASSERTION));
	set_opt(o, "description", p->description);
	if (p->purl && *p->purl)
		json_object_set_new(o, "externalRefs", spdx_purl_ref(p->purl));
	json_object_set_new(o, "primaryPackagePurpose",
			    json_string(p->type <= CN_PKG_RPM ? "INSTALL" : "LIBRARY"));
	return o;
}

static json_t *spdx_image_package(const struct cn_sbom *s)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s}", "name", image_name(s),
			      "SPDXID", "SPDXRef-Image", "downloadLocation", SPDX_NOASSERTION,
			      "filesAnalyzed", 0, "licenseConcluded", SPDX_NOASSERTION,
			      "licenseDeclared", SPDX_NOASSERTION, "copyrightText",
			      SPDX_NOASSERTION, "primaryPackagePurpose", "CONTAINER");
	if (!o)
		return NULL;
	set_opt(o, "versionInfo", s->manifest_digest.str);
	cleanup_free char *purl = image_purl(s);
	if (purl)
		json_object_set_new(o, "externalRefs", spdx_purl_ref(purl));
	if (s->manifest_digest.str[0])
		json_object_set_new(
			o, "checksums",
			json_pack("[{s:s, s:s}]", "algorithm",
				  s->manifest_digest.algo == CN_DIGEST_SHA512 ? "SHA512" : "SHA256",
				  "checksumValue", cn_digest_hex(&s->manifest_digest)));
	return o;
}

static json_t *relationship(const char *from, const char *type, const char *to)
{
	return json_pack("{s:s, s:s, s:s}", "spdxElementId", from, "relationshipType", type,
			 "relatedSpdxElement", to);
}

static json_t *spdx_json(const struct cn_sbom *s)
{
	char when[32], uuid[37];
	json_t *pkgs = json_array(), *rels = json_array(), *extracted = json_array();
	json_array_append_new(pkgs, spdx_image_package(s));
	json_array_append_new(rels, relationship("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image"));
	for (size_t i = 0; i < s->n_pkgs; i++) {
		json_t *p = spdx_package(s, &s->pkgs[i], i, extracted);
		json_array_append_new(
			rels, relationship("SPDXRef-Image", "CONTAINS",
					   json_string_value(json_object_get(p, "SPDXID"))));
		json_array_append_new(pkgs, p);
	}
	document_uuid(s, "spdx", uuid);
	cleanup_strbuf struct strbuf ns = STRBUF_INIT;
	strbuf_addstr(&ns, "https://cairn.invalid/spdx/");
	add_idstring(&ns, image_name(s), 200);
	strbuf_addf(&ns, "-%s", uuid);
	json_t *doc = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s]}, s:o, s:o}", "spdxVersion", "SPDX-2.3",
		"dataLicense", "CC0-1.0", "SPDXID", "SPDXRef-DOCUMENT", "name", image_name(s),
		"documentNamespace", ns.buf, "creationInfo", "created",
		cn_sbom_format_time(s->created, when, sizeof(when)), "creators",
		"Tool: cairn-" CAIRN_VERSION, "packages", pkgs, "relationships", rels);
	if (doc && json_array_size(extracted))
		json_object_set(doc, "hasExtractedLicensingInfos", extracted);
	json_decref(extracted);
	return doc;
}

/* ---------------------------------------------------------------- CycloneDX 1.5 */

static void add_property(json_t *props, const char *name, const char *value)
{
	if (value && *value) {
		json_t *v = json_string(value);
		if (v)
			json_array_append_new(props,
					      json_pack("{s:s, s:o}", "name", name, "value", v));
	}
}

static json_t *cdx_properties(const struct cn_sbom *s, const struct cn_package *p)
{
	json_t *props = json_array();
	char index[16];
	add_property(props, "cairn:package:type", cn_pkg_type_name(p->type));
	add_property(props, "cairn:package:found_in", p->found_in);
	add_property(props, "cairn:package:arch", p->arch);
	add_property(props, "cairn:package:source_name", p->source_name);
	add_property(props, "cairn:package:source_version", p->source_version);
	if (p->flags & CN_PKG_OS_OWNED)
		add_property(props, "cairn:package:os_owned", "true");
	const struct cn_sbom_layer *l = pkg_layer(s, p);
	if (l) {
		(void)snprintf(index, sizeof(index), "%u", p->layer + 1);
		add_property(props, "cairn:layer:index", index);
		add_property(props, "cairn:layer:digest", l->digest.str);
		add_property(props, "cairn:layer:diff_id", l->diff_id.str);
		add_property(props, "cairn:layer:created_by", l->created_by);
	}
	return props;
}

static json_t *cdx_licenses(const struct cn_package *p)
{
	cleanup_free char *expr = spdx_license(p);
	if (expr)
		return json_pack("[{s:s}]", "expression", expr);
	json_t *name = json_string(p->license);
	return name ? json_pack("[{s:{s:o}}]", "license", "name", name) : NULL;
}

static json_t *cdx_component(const struct cn_sbom *s, const struct cn_package *p, size_t i)
{
	char ref[32];
	(void)snprintf(ref, sizeof(ref), "pkg-%zu", i);
	json_t *o = json_pack("{s:s, s:s, s:o}", "bom-ref", ref, "type", "library", "name",
			      cn_json_text(p->name ? p->name : "unknown"));
	if (!o)
		return NULL;
	set_opt(o, "group", p->group);
	set_opt(o, "version", p->version);
	set_opt(o, "publisher", p->maintainer);
	set_opt(o, "description", p->description);
	if (p->license && *p->license) {
		json_t *l = cdx_licenses(p);
		if (l)
			json_object_set_new(o, "licenses", l);
	}
	set_opt(o, "purl", p->purl);
	json_object_set_new(o, "properties", cdx_properties(s, p));
	return o;
}

static json_t *cdx_os_component(const struct cn_os *os)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "bom-ref", "os", "type", "operating-system",
			      "name", os->id);
	if (!o)
		return NULL;
	set_opt(o, "version", os->version_id);
	set_opt(o, "description", os->pretty_name);
	if (os->codename) {
		json_t *props = json_array();
		add_property(props, "cairn:distro:codename", os->codename);
		json_object_set_new(o, "properties", props);
	}
	return o;
}

static json_t *cdx_image_component(const struct cn_sbom *s)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "bom-ref", "image", "type", "container", "name",
			      image_name(s));
	if (!o)
		return NULL;
	set_opt(o, "version", s->manifest_digest.str);
	cleanup_free char *purl = image_purl(s);
	set_opt(o, "purl", purl);
	json_t *props = json_array();
	add_property(props, "cairn:image:id", s->image_id.str);
	add_property(props, "cairn:image:os", s->image_os);
	add_property(props, "cairn:image:architecture", s->architecture);
	for (size_t i = 0; i < s->n_layers; i++) {
		char name[48];
		(void)snprintf(name, sizeof(name), "cairn:layer:%zu:digest", i + 1);
		add_property(props, name, s->layers[i].digest.str);
	}
	json_object_set_new(o, "properties", props);
	return o;
}

static json_t *cyclonedx_json(const struct cn_sbom *s)
{
	char when[32], uuid[37];
	json_t *comps = json_array();
	if (s->os.id)
		json_array_append_new(comps, cdx_os_component(&s->os));
	for (size_t i = 0; i < s->n_pkgs; i++)
		json_array_append_new(comps, cdx_component(s, &s->pkgs[i], i));
	document_uuid(s, "cyclonedx", uuid);
	cleanup_free char *serial = xasprintf("urn:uuid:%s", uuid);
	return json_pack("{s:s, s:s, s:s, s:i, s:{s:s, s:{s:[{s:s, s:s, s:s}]}, s:o}, s:o}",
			 "bomFormat", "CycloneDX", "specVersion", "1.5", "serialNumber", serial,
			 "version", 1, "metadata", "timestamp",
			 cn_sbom_format_time(s->created, when, sizeof(when)), "tools", "components",
			 "type", "application", "name", "cairn", "version", CAIRN_VERSION,
			 "component", cdx_image_component(s), "components", comps);
}

int cn_sbom_write(const struct cn_sbom *s, enum cn_sbom_format f, struct strbuf *out,
		  struct cn_error *err)
{
	if (s->n_pkgs > CN_SBOM_PKGS_MAX)
		return cn_error_set(err, -E2BIG, "%zu packages: more than the limit of %u",
				    s->n_pkgs, CN_SBOM_PKGS_MAX);
	switch (f) {
	case CN_SBOM_TABLE:
		return write_table(s, out);
	case CN_SBOM_JSON:
		return dump(cairn_json(s), out, err);
	case CN_SBOM_SPDX_JSON:
		return dump(spdx_json(s), out, err);
	case CN_SBOM_CYCLONEDX_JSON:
		return dump(cyclonedx_json(s), out, err);
	}
	return cn_error_set(err, -EINVAL, "unknown SBOM format %d", (int)f);
}
