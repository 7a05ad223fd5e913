/* Growable NUL-terminated byte buffer (git's strbuf). `buf` is never NULL after init. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		0, 0, strbuf_empty                                                                 \
	}
extern char strbuf_empty[];

void strbuf_init(struct strbuf *sb, size_t hint);
/* Frees the contents and re-initialises `sb` to empty. */
void strbuf_release(struct strbuf *sb);
/* Hands the buffer to the caller (who frees it); `sb` is left empty. */
char *strbuf_detach(struct strbuf *sb, size_t *ret_len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void strbuf_reset(struct strbuf *sb);
void strbuf_setlen(struct strbuf *sb, size_t len);

static inline void strbuf_releasep(struct strbuf *sb)
{
	strbuf_release(sb);
}
#define cleanup_strbuf __attribute__((cleanup(strbuf_releasep)))
