/* Checked number parsing (atoi/strtol are banned): whole string, no sign, range-checked. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Parses a decimal unsigned integer <= max. Returns 0, or -EINVAL (not a number) / -ERANGE. */
int cn_parse_u64(const char *s, uint64_t max, uint64_t *ret);
/* Same over the first `len` bytes of `s` (need not be NUL-terminated). */
int cn_parse_u64_n(const char *s, size_t len, uint64_t max, uint64_t *ret);
