#include "base/parse.h"

#include <errno.h>
#include <string.h>

int cn_parse_u64_n(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
			return -ERANGE;
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int cn_parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	return cn_parse_u64_n(s, strlen(s), max, ret);
}
