/* Scan reports (report.h): table, cairn JSON and SARIF 2.1.0. */
#include "lib/vuln/report.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/image/manifest.h"

#ifndef CAIRN_VERSION
#define CAIRN_VERSION "0"
#endif

#define TITLE_MAX 60 /* characters of a title in the table */

/* The table's section order: worst first, UNKNOWN last. */
static const enum cn_severity section_order[] = { CN_SEV_CRITICAL, CN_SEV_HIGH, CN_SEV_MEDIUM,
						  CN_SEV_LOW,	   CN_SEV_NONE, CN_SEV_UNKNOWN };

int cn_scan_format_parse(const char *s, enum cn_scan_format *ret)
{
	if (!s)
		return -EINVAL;
	if (strcmp(s, "table") == 0)
		*ret = CN_SCAN_TABLE;
	else if (strcmp(s, "json") == 0)
		*ret = CN_SCAN_JSON;
	else if (strcmp(s, "sarif") == 0)
		*ret = CN_SCAN_SARIF;
	else
		return -EINVAL;
	return 0;
}

void cn_scan_count(const struct cn_scan_result *res, size_t counts[CN_SEV_MAX])
{
	memset(counts, 0, CN_SEV_MAX * sizeof(counts[0]));
	for (size_t i = 0; i < res->n_findings; i++)
		if ((unsigned)res->findings[i].severity < CN_SEV_MAX)
			counts[res->findings[i].severity]++;
}

static const struct cn_sbom_layer *layer_of(const struct cn_sbom *sbom,
					    const struct cn_scan_finding *f)
{
	return f->layer < sbom->n_layers ? &sbom->layers[f->layer] : NULL;
}

/* ---- table ------------------------------------------------------------------------------ */

enum { COL_PKG, COL_INSTALLED, COL_FIXED, COL_ID, COL_SEV, COL_LAYER, COL_TITLE, N_COLS };

/* Display width in characters (UTF-8 continuation bytes do not count). */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* One line, at most max characters (an ellipsis marks a cut), tabs and newlines as spaces. */
static char *cell(const char *s, size_t max)
{
	struct strbuf sb = STRBUF_INIT;
	size_t w = 0;

	for (const char *p = s ? s : ""; *p; p++) {
		bool start = ((unsigned char)*p & 0xc0) != 0x80;
		if (start && ++w > max) {
			strbuf_addstr(&sb, "…");
			break;
		}
		strbuf_addch(&sb, (*p == '\t' || *p == '\n' || *p == '\r') ? ' ' : *p);
	}
	return strbuf_detach(&sb, NULL);
}

static void layer_label(const struct cn_sbom *sbom, const struct cn_scan_finding *f, char *buf,
			size_t size)
{
	const struct cn_sbom_layer *l = layer_of(sbom, f);
	const char *hex = l ? strchr(l->digest.str, ':') : NULL;

	if (hex)
		(void)snprintf(buf, size, "%u %.12s", f->layer + 1, hex + 1);
	else
		(void)snprintf(buf, size, "%u", f->layer + 1);
}

static void add_padded(struct strbuf *out, const char *s, size_t w, bool last)
{
	strbuf_addstr(out, s);
	if (last)
		return;
	for (size_t i = width(s); i < w + 2; i++)
		strbuf_addch(out, ' ');
}

static void write_table(const struct cn_sbom *sbom, const struct cn_scan_result *res,
			struct strbuf *out)
{
	static const char *const headers[N_COLS] = { "PACKAGE",	      "INSTALLED", "FIXED",
						     "VULNERABILITY", "SEVERITY",  "LAYER",
						     "TITLE" };
	size_t counts[CN_SEV_MAX], w[N_COLS];
	char ***rows = xcalloc(res->n_findings ? res->n_findings : 1, sizeof(*rows));

	cn_scan_count(res, counts);
	for (int c = 0; c < N_COLS; c++)
		w[c] = strlen(headers[c]);
	for (size_t i = 0; i < res->n_findings; i++) {
		const struct cn_scan_finding *f = &res->findings[i];
		char layer[64];
		layer_label(sbom, f, layer, sizeof(layer));
		rows[i] = xcalloc(N_COLS, sizeof(char *));
		rows[i][COL_PKG] = cell(sbom->pkgs[f->pkg].name, 60);
		rows[i][COL_INSTALLED] = cell(f->installed, 60);
		rows[i][COL_FIXED] = cell(f->fixed ? f->fixed : "no fix yet", 60);
		rows[i][COL_ID] = cell(f->id, 60);
		rows[i][COL_SEV] = cell(cn_severity_name(f->severity), 20);
		rows[i][COL_LAYER] = cell(layer, 30);
		rows[i][COL_TITLE] = cell(f->title ? f->title : "", TITLE_MAX);
		for (int c = 0; c < N_COLS; c++)
			w[c] = MAX(w[c], width(rows[i][c]));
	}

	if (sbom->image)
		strbuf_addf(out, "%s", sbom->image);
	if (sbom->os.id)
		strbuf_addf(out, "%s(%s %s)", sbom->image ? " " : "", sbom->os.id,
			    sbom->os.version_id ? sbom->os.version_id : "");
	if (sbom->image || sbom->os.id)
		strbuf_addch(out, '\n');
	strbuf_addf(out,
		    "Total: %zu (CRITICAL: %zu, HIGH: %zu, MEDIUM: %zu, LOW: %zu, UNKNOWN: %zu)\n",
		    res->n_findings, counts[CN_SEV_CRITICAL], counts[CN_SEV_HIGH],
		    counts[CN_SEV_MEDIUM], counts[CN_SEV_LOW] + counts[CN_SEV_NONE],
		    counts[CN_SEV_UNKNOWN]);
	if (res->n_unsupported || res->n_unknown_version)
		strbuf_addf(out,
			    "Not matched: %zu package%s (no advisories for its distribution or "
			    "ecosystem: %zu, version not understood: %zu)\n",
			    res->n_unsupported + res->n_unknown_version,
			    res->n_unsupported + res->n_unknown_version == 1 ? "" : "s",
			    res->n_unsupported, res->n_unknown_version);
	for (size_t s = 0; s < ARRAY_SIZE(section_order); s++) {
		enum cn_severity sev = section_order[s];
		if (!counts[sev])
			continue;
		strbuf_addf(out, "\n%s (%zu)\n", cn_severity_name(sev), counts[sev]);
		for (int c = 0; c < N_COLS; c++)
			add_padded(out, headers[c], w[c], c == N_COLS - 1);
		strbuf_addch(out, '\n');
		for (size_t i = 0; i < res->n_findings; i++) {
			if (res->findings[i].severity != sev)
				continue;
			for (int c = 0; c < N_COLS; c++)
				add_padded(out, rows[i][c], w[c], c == N_COLS - 1);
			strbuf_addch(out, '\n');
		}
	}
	for (size_t i = 0; i < res->n_findings; i++) {
		for (int c = 0; c < N_COLS; c++)
			free(rows[i][c]);
		free(rows[i]);
	}
	free(rows);
}

/* ---- JSON ------------------------------------------------------------------------------- */

static json_t *score_json(const struct cn_scan_finding *f)
{
	if (f->severity_source != CN_SEV_FROM_CVSS_V4 && f->severity_source != CN_SEV_FROM_CVSS_V3)
		return json_null();
	return json_real((double)f->score10 / 10.0);
}

static json_t *finding_json(const struct cn_sbom *sbom, const struct cn_scan_finding *f)
{
	const struct cn_package *p = &sbom->pkgs[f->pkg];
	const struct cn_sbom_layer *l = layer_of(sbom, f);
	json_t *o = json_object(), *aliases = json_array(), *layer = json_object();

	for (size_t i = 0; i < f->n_aliases; i++)
		json_array_append_new(aliases, cn_json_text(f->aliases[i]));
	json_object_set_new(layer, "index", json_integer((json_int_t)f->layer + 1));
	json_object_set_new(layer, "digest", cn_json_text(l ? l->digest.str : NULL));
	json_object_set_new(layer, "created_by", cn_json_text(l ? l->created_by : NULL));

	json_object_set_new(o, "id", cn_json_text(f->id));
	json_object_set_new(o, "aliases", aliases);
	json_object_set_new(o, "package", cn_json_text(p->name));
	json_object_set_new(o, "type", json_string(cn_pkg_type_name(p->type)));
	json_object_set_new(o, "purl", cn_json_text(p->purl));
	json_object_set_new(o, "installed", cn_json_text(f->installed));
	json_object_set_new(o, "fixed", cn_json_text(f->fixed));
	json_object_set_new(o, "severity", json_string(cn_severity_name(f->severity)));
	json_object_set_new(o, "severity_source",
			    json_string(cn_sev_source_name(f->severity_source)));
	json_object_set_new(o, "score", score_json(f));
	json_object_set_new(o, "vector", cn_json_text(f->vector));
	json_object_set_new(o, "title", cn_json_text(f->title));
	json_object_set_new(o, "ecosystem", cn_json_text(f->ecosystem));
	json_object_set_new(o, "matched_name", cn_json_text(f->matched_name));
	json_object_set_new(o, "matched_version", cn_json_text(f->matched_version));
	json_object_set_new(o, "source", cn_json_text(f->source));
	json_object_set_new(o, "found_in", cn_json_text(p->found_in));
	json_object_set_new(o, "layer", layer);
	return o;
}

static json_t *report_json(const struct cn_sbom *sbom, const struct cn_scan_result *res)
{
	json_t *o = json_object(), *os = json_object(), *sum = json_object(), *st = json_object();
	json_t *arr = json_array();
	size_t counts[CN_SEV_MAX];

	cn_scan_count(res, counts);
	json_object_set_new(os, "id", cn_json_text(sbom->os.id));
	json_object_set_new(os, "version_id", cn_json_text(sbom->os.version_id));
	json_object_set_new(sum, "total", json_integer((json_int_t)res->n_findings));
	for (size_t s = 0; s < ARRAY_SIZE(section_order); s++) {
		cleanup_free char *key = xstrdup(cn_severity_name(section_order[s]));
		for (char *k = key; *k; k++)
			*k = (char)(*k - 'A' + 'a');
		json_object_set_new(sum, key, json_integer((json_int_t)counts[section_order[s]]));
	}
	json_object_set_new(st, "packages", json_integer((json_int_t)res->n_packages));
	json_object_set_new(st, "lookups", json_integer((json_int_t)res->n_lookups));
	json_object_set_new(st, "unsupported", json_integer((json_int_t)res->n_unsupported));
	json_object_set_new(st, "os_owned", json_integer((json_int_t)res->n_os_owned));
	json_object_set_new(st, "unknown_version",
			    json_integer((json_int_t)res->n_unknown_version));
	json_object_set_new(st, "filtered", json_integer((json_int_t)res->n_filtered));
	for (size_t i = 0; i < res->n_findings; i++)
		json_array_append_new(arr, finding_json(sbom, &res->findings[i]));

	json_object_set_new(o, "schema", json_string(CN_SCAN_SCHEMA));
	json_object_set_new(o, "image", cn_json_text(sbom->image));
	json_object_set_new(
		o, "manifest_digest",
		cn_json_text(sbom->manifest_digest.str[0] ? sbom->manifest_digest.str : NULL));
	json_object_set_new(o, "os", os);
	json_object_set_new(o, "summary", sum);
	json_object_set_new(o, "stats", st);
	json_object_set_new(o, "findings", arr);
	return o;
}

/* ---- SARIF 2.1.0 ------------------------------------------------------------------------ */

static const char *sarif_level(enum cn_severity s)
{
	switch (s) {
	case CN_SEV_CRITICAL:
	case CN_SEV_HIGH:
		return "error";
	case CN_SEV_MEDIUM:
		return "warning";
	default:
		return "note";
	}
}

/* GitHub reads "security-severity" as a CVSS-like number: the score, else the rating's floor. */
static unsigned security_severity10(const struct cn_scan_finding *f)
{
	static const unsigned floor10[CN_SEV_MAX] = {
		[CN_SEV_UNKNOWN] = 0, [CN_SEV_NONE] = 0,  [CN_SEV_LOW] = 10,
		[CN_SEV_MEDIUM] = 40, [CN_SEV_HIGH] = 70, [CN_SEV_CRITICAL] = 90,
	};
	if (f->severity_source == CN_SEV_FROM_CVSS_V4 || f->severity_source == CN_SEV_FROM_CVSS_V3)
		return f->score10;
	return (unsigned)f->severity < CN_SEV_MAX ? floor10[f->severity] : 0;
}

static json_t *sarif_rule(const struct cn_scan_finding *f, unsigned sev10)
{
	char num[16];
	const char *text = f->title ? f->title : f->id;

	(void)snprintf(num, sizeof(num), "%u.%u", sev10 / 10, sev10 % 10);
	return json_pack("{s:o, s:o, s:{s:o}, s:{s:o}, s:{s:s}, s:{s:s, s:[s,s,s]}}", "id",
			 cn_json_text(f->id), "name", cn_json_text(f->id), "shortDescription",
			 "text", cn_json_text(text), "fullDescription", "text", cn_json_text(text),
			 "defaultConfiguration", "level", sarif_level(f->severity), "properties",
			 "security-severity", num, "tags", "vulnerability", "security",
			 cn_severity_name(f->severity));
}

static json_t *sarif_result(const struct cn_sbom *sbom, const struct cn_scan_finding *f,
			    size_t rule)
{
	const struct cn_package *p = &sbom->pkgs[f->pkg];
	const char *uri = p->found_in ? p->found_in : "";
	cleanup_free char *msg = NULL;

	while (*uri == '/')
		uri++;
	msg = xasprintf("Package: %s\nInstalled version: %s\nVulnerability: %s\nSeverity: %s\n"
			"Fixed version: %s%s%s",
			p->name, f->installed, f->id, cn_severity_name(f->severity),
			f->fixed ? f->fixed : "no fix yet", f->title ? "\n" : "",
			f->title ? f->title : "");
	return json_pack("{s:o, s:I, s:s, s:{s:o}, s:[{s:{s:{s:o}, s:{s:i}}}]}", "ruleId",
			 cn_json_text(f->id), "ruleIndex", (json_int_t)rule, "level",
			 sarif_level(f->severity), "message", "text", cn_json_text(msg),
			 "locations", "physicalLocation", "artifactLocation", "uri",
			 cn_json_text(*uri ? uri : "unknown"), "region", "startLine", 1);
}

static json_t *report_sarif(const struct cn_sbom *sbom, const struct cn_scan_result *res)
{
	json_t *rules = json_array(), *results = json_array(), *ids = json_object();

	for (size_t i = 0; i < res->n_findings; i++) {
		const struct cn_scan_finding *f = &res->findings[i];
		unsigned sev10 = security_severity10(f);
		json_t *idx = json_object_get(ids, f->id);
		size_t rule;

		if (!idx) {
			rule = json_array_size(rules);
			json_object_set_new(ids, f->id, json_integer((json_int_t)rule));
			json_array_append_new(rules, sarif_rule(f, sev10));
		} else {
			rule = (size_t)json_integer_value(idx);
		}
		json_array_append_new(results, sarif_result(sbom, f, rule));
	}
	json_decref(ids);
	return json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:o}}, s:o}]}", "version", "2.1.0",
			 "$schema", "https://json.schemastore.org/sarif-2.1.0.json", "runs", "tool",
			 "driver", "name", "cairn", "version", CAIRN_VERSION, "rules", rules,
			 "results", results);
}

int cn_scan_report_write(const struct cn_sbom *sbom, const struct cn_scan_result *res,
			 enum cn_scan_format f, struct strbuf *out, struct cn_error *err)
{
	json_t *doc;

	if (f == CN_SCAN_TABLE) {
		write_table(sbom, res, out);
		return 0;
	}
	doc = f == CN_SCAN_JSON ? report_json(sbom, res) : report_sarif(sbom, res);
	if (!doc)
		return cn_error_set(err, -ENOMEM, "building the %s report",
				    f == CN_SCAN_JSON ? "json" : "sarif");
	int r = cn_json_append(out, doc,
			       JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
	json_decref(doc);
	return r < 0 ? cn_error_set(err, r, "encoding the report") : 0;
}
