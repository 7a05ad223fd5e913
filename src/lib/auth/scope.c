/* Token scopes ("repository:NAME:pull,push") and their action lists. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "lib/auth/token-internal.h"

static const struct {
	const char *name;
	unsigned bit;
} action_names[] = {
	{ "pull", CN_ACTION_PULL },
	{ "push", CN_ACTION_PUSH },
	{ "delete", CN_ACTION_DELETE },
};

static bool has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* The bit of one action name of `len` bytes; "*" is all, unknown names are 0. */
unsigned token_action_bit(const char *s, size_t len)
{
	if (len == 1 && s[0] == '*')
		return CN_ACTION_ALL;
	for (size_t i = 0; i < ARRAY_SIZE(action_names); i++)
		if (strlen(action_names[i].name) == len &&
		    memcmp(action_names[i].name, s, len) == 0)
			return action_names[i].bit;
	return 0;
}

int cn_scope_parse(const char *scope, struct cn_access *ret)
{
	const char *first = strchr(scope, ':'), *last = strrchr(scope, ':');
	if (!first || first == last)
		return -EINVAL;
	size_t tlen = (size_t)(first - scope), nlen = (size_t)(last - first - 1);
	const char *actions = last + 1;
	if (tlen == 0 || tlen >= sizeof(ret->type) || nlen == 0 || nlen >= sizeof(ret->name))
		return -EINVAL;
	if (has_control(scope, strlen(scope)) || strchr(scope, ' '))
		return -EINVAL;
	unsigned bits = 0;
	for (const char *p = actions; *p;) {
		size_t n = strcspn(p, ",");
		bits |= token_action_bit(p, n);
		p += n;
		if (*p == ',')
			p++;
	}
	memcpy(ret->type, scope, tlen);
	ret->type[tlen] = '\0';
	memcpy(ret->name, first + 1, nlen);
	ret->name[nlen] = '\0';
	ret->actions = bits;
	return 0;
}

int cn_actions_format(unsigned actions, char *buf, size_t len)
{
	size_t used = 0;
	if (len == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(action_names); i++) {
		if (!(actions & action_names[i].bit))
			continue;
		size_t n = strlen(action_names[i].name) + (used ? 1 : 0);
		if (used + n >= len)
			return -ENOBUFS;
		if (used)
			buf[used++] = ',';
		memcpy(buf + used, action_names[i].name, strlen(action_names[i].name) + 1);
		used = strlen(buf);
	}
	return (int)used;
}
