#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

static _Atomic int current_level = CN_LOG_WARNING;

void cn_log_set_level(enum cn_log_level level)
{
	current_level = (int)level;
}

enum cn_log_level cn_log_get_level(void)
{
	return (enum cn_log_level)current_level;
}

void cn_log(enum cn_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	if ((int)level > current_level)
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line so lines from threads do not interleave. */
	fprintf(stderr, "cairn: %s: %s\n", names[level], line);
}
