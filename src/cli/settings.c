#include "cli/settings.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/image/manifest.h"
#include "lib/registry/client.h"

#define SETTINGS_MAX (1u << 20)

static char *settings_path(void)
{
	const char *e;
	if ((e = getenv("CAIRN_CONFIG_FILE")) && *e)
		return xstrdup(e);
	if ((e = getenv("XDG_CONFIG_HOME")) && *e)
		return xasprintf("%s/cairn/config.json", e);
	e = getenv("HOME");
	return xasprintf("%s/.config/cairn/config.json", e && *e ? e : ".");
}

static void push(char ***v, size_t *n, size_t *alloc, const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len)
		return;
	ALLOC_GROW(*v, *n + 1, *alloc);
	(*v)[(*n)++] = xstrndup(s, len);
}

/* The list `key` from $env (comma-separated) or the settings file. */
static int settings_list(const char *env_name, const char *key, char ***ret, size_t *ret_n,
			 struct cn_error *err)
{
	char **v = NULL;
	size_t n = 0, alloc = 0;
	const char *env = getenv(env_name);
	if (env && *env) {
		for (const char *p = env; *p;) {
			size_t len = strcspn(p, ",");
			push(&v, &n, &alloc, p, len);
			p += len + (p[len] == ',');
		}
	} else {
		cleanup_free char *path = settings_path();
		cleanup_strbuf struct strbuf sb = STRBUF_INIT;
		int r = cn_read_file_at(AT_FDCWD, path, SETTINGS_MAX, &sb);
		if (r < 0 && r != -ENOENT)
			return cn_error_errno(err, r, "reading %s", path);
		if (r >= 0) {
			cleanup_json json_t *j = NULL;
			r = cn_json_parse(sb.buf, sb.len, &j, err);
			if (r < 0)
				return cn_error_prefix(err, r, "%s", path);
			json_t *list = json_object_get(j, key), *e;
			size_t i;
			json_array_foreach (list, i, e) {
				if (json_is_string(e))
					push(&v, &n, &alloc, json_string_value(e),
					     json_string_length(e));
			}
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int settings_search_registries(char ***ret, size_t *ret_n, struct cn_error *err)
{
	int r = settings_list("CAIRN_REGISTRIES", "registries", ret, ret_n, err);
	if (r >= 0 && *ret_n == 0) {
		size_t alloc = 0;
		push(ret, ret_n, &alloc, "docker.io", 9);
	}
	return r;
}

int settings_registry_insecure(const char *domain, bool *ret, struct cn_error *err)
{
	char **v = NULL;
	size_t n = 0;
	int r = settings_list("CAIRN_INSECURE_REGISTRIES", "insecure-registries", &v, &n, err);
	*ret = false;
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (strcmp(v[i], domain) == 0)
			*ret = true;
	cn_strv_free(v, n);
	return r;
}
