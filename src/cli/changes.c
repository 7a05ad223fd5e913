#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/strbuf.h"
#include "cli/changes.h"
#include "lib/image/manifest.h"

/* A JSON array of strings ("exec form"), or NULL when `args` is not one. */
static json_t *exec_form(const char *args)
{
	if (*args != '[')
		return NULL;
	json_t *j = NULL;
	if (cn_json_parse(args, strlen(args), &j, NULL) < 0)
		return NULL;
	size_t i;
	json_t *e;
	json_array_foreach (j, i, e)
		if (!json_is_string(e)) {
			json_decref(j);
			return NULL;
		}
	if (!json_is_array(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The next space-separated word of *p ("double quotes" group and are removed), or NULL. */
static char *next_word(const char **p)
{
	const char *s = *p;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return NULL;
	struct strbuf w = STRBUF_INIT;
	bool quoted = false;
	for (; *s && (quoted || !isspace((unsigned char)*s)); s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (*s == '\\' && s[1])
			strbuf_addch(&w, *++s);
		else
			strbuf_addch(&w, *s);
	}
	*p = s;
	return strbuf_detach(&w, NULL);
}

static json_t *object_field(json_t *changes, const char *key)
{
	json_t *o = json_object_get(changes, key);
	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(changes, key, o);
	}
	return o;
}

static json_t *array_field(json_t *changes, const char *key)
{
	json_t *a = json_object_get(changes, key);
	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(changes, key, a);
	}
	return a;
}

/* KEY=VALUE pairs (or the legacy "KEY VALUE" form when `legacy`): calls add for each. */
static int pairs(const char *args, bool legacy, json_t *changes, const char *field,
		 struct cn_error *err)
{
	const char *p = args;
	const char *sp = strpbrk(args, " \t");
	const char *eq = strchr(args, '=');
	if (legacy && sp && (!eq || eq > sp)) {
		cleanup_free char *key = xstrndup(args, (size_t)(sp - args));
		while (isspace((unsigned char)*sp))
			sp++;
		cleanup_free char *kv = xasprintf("%s=%s", key, sp);
		json_array_append_new(array_field(changes, field), json_string(kv));
		return 0;
	}
	char *w;
	while ((w = next_word(&p))) {
		cleanup_free char *word = w;
		char *e = strchr(word, '=');
		if (!e || e == word)
			return cn_error_set(err, -EINVAL, "want KEY=VALUE, got '%s'", word);
		if (!strcmp(field, "Env")) {
			json_array_append_new(array_field(changes, field), json_string(word));
		} else {
			*e = '\0';
			json_object_set_new(object_field(changes, field), word, json_string(e + 1));
		}
	}
	return 0;
}

int cli_change_parse(const char *instruction, json_t *changes, struct cn_error *err)
{
	const char *s = instruction;
	while (isspace((unsigned char)*s))
		s++;
	const char *end = s;
	while (*end && !isspace((unsigned char)*end))
		end++;
	cleanup_free char *verb = xstrndup(s, (size_t)(end - s));
	const char *args = end;
	while (isspace((unsigned char)*args))
		args++;
	if (!*args)
		return cn_error_set(err, -EINVAL, "%s needs arguments", verb);

	if (!strcasecmp(verb, "CMD") || !strcasecmp(verb, "ENTRYPOINT")) {
		json_t *argv = exec_form(args);
		if (!argv)
			argv = json_pack("[s, s, s]", "/bin/sh", "-c", args);
		json_object_set_new(changes, !strcasecmp(verb, "CMD") ? "Cmd" : "Entrypoint", argv);
		return 0;
	}
	if (!strcasecmp(verb, "ENV"))
		return pairs(args, true, changes, "Env", err);
	if (!strcasecmp(verb, "LABEL"))
		return pairs(args, false, changes, "Labels", err);
	if (!strcasecmp(verb, "EXPOSE")) {
		const char *p = args;
		char *w;
		while ((w = next_word(&p))) {
			cleanup_free char *port = w;
			cleanup_free char *key =
				strchr(port, '/') ? xstrdup(port) : xasprintf("%s/tcp", port);
			json_object_set_new(object_field(changes, "ExposedPorts"), key,
					    json_object());
		}
		return 0;
	}
	if (!strcasecmp(verb, "VOLUME")) {
		cleanup_json json_t *list = exec_form(args);
		json_t *vols = object_field(changes, "Volumes");
		if (list) {
			size_t i;
			json_t *e;
			json_array_foreach (list, i, e)
				json_object_set_new(vols, json_string_value(e), json_object());
			return 0;
		}
		const char *p = args;
		char *w;
		while ((w = next_word(&p))) {
			json_object_set_new(vols, w, json_object());
			free(w);
		}
		return 0;
	}
	if (!strcasecmp(verb, "ONBUILD")) {
		json_array_append_new(array_field(changes, "OnBuild"), json_string(args));
		return 0;
	}
	static const struct {
		const char *verb, *field;
	} plain[] = { { "USER", "User" },
		      { "WORKDIR", "WorkingDir" },
		      { "STOPSIGNAL", "StopSignal" } };
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (!strcasecmp(verb, plain[i].verb)) {
			json_object_set_new(changes, plain[i].field, json_string(args));
			return 0;
		}
	return cn_error_set(err, -EINVAL,
			    "unsupported instruction %s (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, "
			    "ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)",
			    verb);
}
