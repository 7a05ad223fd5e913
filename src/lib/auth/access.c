/* Per-repository access rules: parsing the config array and answering "may USER do X". */
#include "lib/auth/access.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/auth/token-internal.h"

#define ANONYMOUS "anonymous"

struct rule {
	char *glob;
	char **users;
	size_t n_users;
	bool any_user;	/* "*" */
	bool anonymous; /* "anonymous" */
	unsigned actions;
};

struct cn_access_rules {
	bool have_rules; /* an "access" array was given */
	bool anonymous_pull;
	struct rule *rules;
	size_t n;
};

struct cn_access_rules *cn_access_rules_free(struct cn_access_rules *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		for (size_t j = 0; j < r->rules[i].n_users; j++)
			free(r->rules[i].users[j]);
		free(r->rules[i].users);
		free(r->rules[i].glob);
	}
	free(r->rules);
	free(r);
	return NULL;
}
DEFINE_CLEANUP_FUNC(struct cn_access_rules, cn_access_rules_free)

static int parse_users(const json_t *arr, size_t idx, struct rule *rl, struct cn_error *err)
{
	size_t i;
	const json_t *v;
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > CN_ACCESS_MAX_USERS)
		return cn_error_set(err, -EINVAL,
				    "access[%zu].users: must be an array of 1-%d user names", idx,
				    CN_ACCESS_MAX_USERS);
	rl->users = xcalloc(json_array_size(arr), sizeof(*rl->users));
	json_array_foreach (arr, i, v) {
		const char *s = json_string_value(v);
		if (!s || !*s || strlen(s) != json_string_length(v))
			return cn_error_set(err, -EINVAL, "access[%zu].users[%zu]: not a user name",
					    idx, i);
		if (strcmp(s, "*") == 0)
			rl->any_user = true;
		else if (strcmp(s, ANONYMOUS) == 0)
			rl->anonymous = true;
		else
			rl->users[rl->n_users++] = xstrdup(s);
	}
	return 0;
}

static int parse_actions(const json_t *arr, size_t idx, struct rule *rl, struct cn_error *err)
{
	size_t i;
	const json_t *v;
	if (!json_is_array(arr) || json_array_size(arr) > 16)
		return cn_error_set(err, -EINVAL,
				    "access[%zu].actions: must be an array of actions", idx);
	json_array_foreach (arr, i, v) {
		const char *s = json_string_value(v);
		unsigned bit = s ? token_action_bit(s, strlen(s)) : 0;
		if (!bit)
			return cn_error_set(err, -EINVAL,
					    "access[%zu].actions[%zu]: not pull, push, delete or *",
					    idx, i);
		rl->actions |= bit;
	}
	return 0;
}

static int parse_rule(const json_t *o, size_t idx, struct rule *rl, struct cn_error *err)
{
	const char *key;
	const json_t *v;
	if (!json_is_object(o))
		return cn_error_set(err, -EINVAL, "access[%zu]: must be an object", idx);
	json_object_foreach ((json_t *)o, key, v)
		if (strcmp(key, "repository") != 0 && strcmp(key, "users") != 0 &&
		    strcmp(key, "actions") != 0)
			return cn_error_set(err, -EINVAL, "access[%zu]: unknown key \"%s\"", idx,
					    key);
	const char *glob = json_string_value(json_object_get(o, "repository"));
	if (!glob || !*glob || strlen(glob) > 255)
		return cn_error_set(err, -EINVAL,
				    "access[%zu].repository: must be a glob of 1-255 bytes", idx);
	rl->glob = xstrdup(glob);
	int r = parse_users(json_object_get(o, "users"), idx, rl, err);
	if (r >= 0)
		r = parse_actions(json_object_get(o, "actions"), idx, rl, err);
	return r;
}

int cn_access_rules_parse(const json_t *auth_access_array_or_NULL, bool anonymous_pull,
			  struct cn_access_rules **ret, struct cn_error *err)
{
	const json_t *arr = auth_access_array_or_NULL;
	_cleanup_(cn_access_rules_freep) struct cn_access_rules *r = xcalloc(1, sizeof(*r));
	r->anonymous_pull = anonymous_pull;
	if (arr) {
		if (!json_is_array(arr) || json_array_size(arr) > CN_ACCESS_MAX_RULES)
			return cn_error_set(err, -EINVAL,
					    "access: must be an array of at most %d rules",
					    CN_ACCESS_MAX_RULES);
		r->have_rules = true;
		r->rules = xcalloc(json_array_size(arr) + 1, sizeof(*r->rules));
		for (size_t i = 0; i < json_array_size(arr); i++) {
			int e = parse_rule(json_array_get(arr, i), i, &r->rules[r->n++], err);
			if (e < 0)
				return e;
		}
	}
	*ret = TAKE_PTR(r);
	return 0;
}

static bool rule_has_user(const struct rule *rl, const char *user)
{
	/* What a client without credentials may do, a signed-in user may do too. */
	if (rl->anonymous)
		return true;
	if (!user)
		return false;
	if (rl->any_user)
		return true;
	for (size_t i = 0; i < rl->n_users; i++)
		if (strcmp(rl->users[i], user) == 0)
			return true;
	return false;
}

/* How specific a glob is: its literal characters ("private/..." outranks "*"). */
static size_t specificity(const char *glob)
{
	size_t n = 0;
	for (const char *p = glob; *p; p++)
		if (*p != '*' && *p != '?')
			n++;
	return n;
}

unsigned cn_access_rules_allowed(const struct cn_access_rules *r, const char *user_or_NULL,
				 const char *type, const char *name)
{
	const char *user = user_or_NULL;
	unsigned anon = r->anonymous_pull ? CN_ACTION_PULL : 0;
	if (strcmp(type, "registry") == 0)
		return strcmp(name, "catalog") == 0 && (user || anon) ? CN_ACTION_ALL : 0;
	if (strcmp(type, "repository") != 0)
		return 0;
	if (!r->have_rules)
		return user ? CN_ACTION_ALL : anon;
	/*
	 * Only the most specific patterns that match the name decide (the rules of that pattern
	 * add up), so "private/..." overrides a catch-all "*". anonymous_pull is a catch-all rule
	 * of its own: it opens what no more specific rule covers.
	 */
	size_t best = 0;
	bool any = false;
	for (size_t i = 0; i < r->n; i++) {
		if (fnmatch(r->rules[i].glob, name, 0) != 0)
			continue;
		size_t sp = specificity(r->rules[i].glob);
		if (!any || sp > best)
			best = sp;
		any = true;
	}
	unsigned allowed = any && best > 0 ? 0 : anon;
	for (size_t i = 0; i < r->n && allowed != CN_ACTION_ALL; i++)
		if ((r->rules[i].actions & ~allowed) && specificity(r->rules[i].glob) == best &&
		    rule_has_user(&r->rules[i], user) && fnmatch(r->rules[i].glob, name, 0) == 0)
			allowed |= r->rules[i].actions;
	return allowed;
}
