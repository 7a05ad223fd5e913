#include "base/error.h"

#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 0))) static int vset(struct cn_error *err, int code,
						      const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int cn_error_set(struct cn_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int cn_error_errno(struct cn_error *err, int code, const char *fmt, ...)
{
	if (!err)
		return code;
	va_list ap;
	va_start(ap, fmt);
	(void)vset(err, code, fmt, ap);
	va_end(ap);
	size_t len = strlen(err->msg);
	(void)snprintf(err->msg + len, sizeof(err->msg) - len, ": %s",
		       strerror(code < 0 ? -code : code));
	return code;
}

int cn_error_prefix(struct cn_error *err, int code, const char *fmt, ...)
{
	if (!err)
		return code;
	char old[CN_ERROR_MAX];
	if (err->msg[0])
		memcpy(old, err->msg, sizeof(old));
	else
		(void)snprintf(old, sizeof(old), "%s", strerror(code < 0 ? -code : code));
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	size_t len = strlen(err->msg);
	if (len + 3 < sizeof(err->msg)) {
		memcpy(err->msg + len, ": ", 2);
		len += 2;
		size_t n = strnlen(old, sizeof(err->msg) - len - 1);
		memcpy(err->msg + len, old, n);
		err->msg[len + n] = '\0';
	}
	err->code = code;
	return code;
}

void cn_error_clear(struct cn_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

const char *cn_error_message(const struct cn_error *err, int code)
{
	if (err && err->msg[0])
		return err->msg;
	return strerror(code < 0 ? -code : code);
}
