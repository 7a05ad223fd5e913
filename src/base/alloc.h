/* Allocation that aborts on OOM (git's xmalloc family): small allocations never fail. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* Grow an array of `n` elements of `size` bytes to hold at least `need`; overflow aborts. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string; never NULL. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Ensure `*arr` (with capacity `*alloc`) holds `nr` elements; doubles as needed. */
#define ALLOC_GROW(arr, nr, alloc)                                                                 \
	do {                                                                                       \
		if ((size_t)(nr) > (alloc)) {                                                      \
			size_t _new = (alloc) ? (alloc)*2 : 8;                                     \
			while (_new < (size_t)(nr))                                                \
				_new *= 2;                                                         \
			(arr) = xreallocarray((arr), _new, sizeof(*(arr)));                        \
			(alloc) = _new;                                                            \
		}                                                                                  \
	} while (0)
