/* Diagnostic logging to stderr. Library code logs at debug level only (STYLE.md). */
#pragma once

enum cn_log_level {
	CN_LOG_ERROR,
	CN_LOG_WARNING,
	CN_LOG_INFO,
	CN_LOG_DEBUG,
};

void cn_log_set_level(enum cn_log_level level);
enum cn_log_level cn_log_get_level(void);
void cn_log(enum cn_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define cn_debug(...) cn_log(CN_LOG_DEBUG, __VA_ARGS__)
