/*
 * Per-repository access rules of `cairn serve` (the "auth"."access" array of its config):
 *
 *   [{"repository": "private/...", "users": ["alice"], "actions": ["pull", "push", "delete"]},
 *    {"repository": "*", "users": ["*"], "actions": ["pull"]},
 *    {"repository": "public/...", "users": ["anonymous"], "actions": ["pull"]}]
 *
 * ("..." stands for "*", which cannot appear in this comment.) "repository" is an fnmatch(3) glob
 * without FNM_PATHNAME ('*' crosses '/'); "users" holds user names, "*" (any authenticated user)
 * and "anonymous" (a client without credentials); "actions" are "pull", "push", "delete" or "*".
 * For a repository, only the most specific matching patterns decide (the one with the most
 * literal characters; rules with that pattern add up), so "private/..." overrides "*".
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "lib/auth/token.h"

#define CN_ACCESS_MAX_RULES 1024
#define CN_ACCESS_MAX_USERS 1024 /* per rule */

struct cn_access_rules;

/*
 * Builds the rules from the "access" array, or from NULL (no rules configured). Bad shapes
 * (not an array of objects, unknown keys, a missing or non-string field, an unknown action,
 * too many entries) fail with -EINVAL and a message naming the entry ("access[2].users: ...").
 * Returns 0 and `*ret` (freed with cn_access_rules_free()).
 */
int cn_access_rules_parse(const json_t *auth_access_array_or_NULL, bool anonymous_pull,
			  struct cn_access_rules **ret, struct cn_error *err);
struct cn_access_rules *cn_access_rules_free(struct cn_access_rules *r);

/*
 * The enum cn_action bits `user` (NULL = anonymous) may use on TYPE:NAME.
 * - type "repository": without a rules array, authenticated users get CN_ACTION_ALL and
 *   anonymous gets pull iff anonymous_pull; with rules, the union of the most specific
 *   matching rules; anonymous_pull acts as a catch-all rule "*" giving everyone pull, so it
 *   opens only what no more specific pattern covers. A signed-in user may always do what an
 *   anonymous client may (rules for "anonymous" apply to everyone).
 * - type "registry", name "catalog": CN_ACTION_ALL (the scope Docker asks for is
 *   "registry:catalog:*") for any authenticated user, and for anonymous iff anonymous_pull;
 *   0 otherwise.
 * - anything else: 0.
 */
unsigned cn_access_rules_allowed(const struct cn_access_rules *r, const char *user_or_NULL,
				 const char *type, const char *name);
