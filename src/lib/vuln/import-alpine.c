/*
 * Alpine's secdb (https://secdb.alpinelinux.org/vX.Y/main.json): {distroversion: "v3.15",
 * packages: [{pkg: {name, secfixes: {"1.2.12-r2": ["CVE-..."]}}}]} becomes one record per
 * CVE with, per package, the range introduced 0 .. fixed VERSION. The "0" key lists CVEs that
 * never affected Alpine's package: skipped. A secfix entry may read "CVE-A ALPINE-B": the first
 * word is the id, the others aliases.
 */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "lib/vuln/db-internal.h"

static void add_fix(json_t *recs, const char *key, const char *pkg, const char *fixed,
		    const char *entry)
{
	char words[4][CN_VULN_MAX_ID + 1];
	size_t n = 0;
	for (const char *p = entry; *p && n < ARRAY_SIZE(words);) {
		p += strspn(p, " \t");
		size_t len = strcspn(p, " \t");
		if (len == 0)
			break;
		if (len <= CN_VULN_MAX_ID) {
			memcpy(words[n], p, len);
			words[n++][len] = '\0';
		}
		p += len;
	}
	if (n == 0)
		return;
	json_t *rec = json_object_get(recs, words[0]);
	if (!rec) {
		rec = json_pack("{sss[]s[]}", "id", words[0], "aliases", "affected");
		(void)json_object_set_new(recs, words[0], rec);
	}
	json_t *aliases = json_object_get(rec, "aliases");
	for (size_t i = 1; i < n; i++)
		if (json_array_size(aliases) < 64)
			(void)json_array_append_new(aliases, json_string(words[i]));
	json_t *affected = json_object_get(rec, "affected");
	if (json_array_size(affected) < CN_VULN_MAX_AFFECTED)
		(void)json_array_append_new(affected,
					    json_pack("{sssss[{sss[{ss}{ss}]}]}", "ecosystem", key,
						      "package", pkg, "ranges", "type", "ECOSYSTEM",
						      "events", "introduced", "0", "fixed", fixed));
}

static void add_package(json_t *recs, const char *key, json_t *pkg)
{
	const char *name = json_string_value(json_object_get(pkg, "name"));
	const char *fixed;
	json_t *ids, *id;
	size_t i;
	if (!name || !*name)
		return;
	json_object_foreach (json_object_get(pkg, "secfixes"), fixed, ids) {
		if (!*fixed || strcmp(fixed, "0") == 0)
			continue;
		/* json_array_foreach tolerates the `"2.8.0-r0": {}` seen in real files. */
		json_array_foreach (ids, i, id)
			if (json_string_length(id) > 0)
				add_fix(recs, key, name, fixed, json_string_value(id));
	}
}

int cn_vuln_import_alpine_secdb(struct cn_vuln_import *imp, int fd, const char *name,
				struct cn_error *err)
{
	json_t *root = NULL;
	int r = cn_vuln_load_json_fd(fd, CN_VULN_MAX_FEED_FILE, name, &root, err);
	if (r < 0)
		return r;
	const char *distro = json_string_value(json_object_get(root, "distroversion"));
	json_t *packages = json_object_get(root, "packages");
	char osv_eco[96], key[96];
	if (!distro || !json_is_array(packages) || strlen(distro) > 32) {
		json_decref(root);
		return cn_error_set(
			err, -EBADMSG,
			"%s: not an Alpine secdb file (want distroversion and packages)", name);
	}
	(void)snprintf(osv_eco, sizeof(osv_eco), "Alpine:%s", distro);
	if (cn_vuln_ecosystem_key(osv_eco, key, sizeof(key)) < 0) {
		json_decref(root);
		return cn_error_set(err, -EBADMSG, "%s: bad distroversion '%s'", name, distro);
	}
	json_t *recs = json_object(), *p, *rec;
	size_t i;
	json_array_foreach (packages, i, p)
		add_package(recs, key, json_object_get(p, "pkg"));
	json_decref(root);
	const char *id;
	json_object_foreach (recs, id, rec) {
		if (json_array_size(json_object_get(rec, "aliases")) == 0)
			(void)json_object_del(rec, "aliases");
		r = cn_vuln_import_add(imp, rec, err);
		if (r < 0) {
			r = cn_error_prefix(err, r, "%s", name);
			break;
		}
	}
	json_decref(recs);
	return r;
}
