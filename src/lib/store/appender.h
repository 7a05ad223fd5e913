/*
 * Background appending (private to the store): the caller fills one buffer while a thread
 * writes the ones it filled before, in order, through a caller-supplied write function. The
 * blob writer uses it so that disk writes and flushes overlap the download instead of
 * stalling it.
 *
 * One producer thread calls every function. The write function runs on the appender's thread
 * (or on the caller's, if no thread can be started), one buffer at a time, in the order
 * submitted; once it has failed it is not called again, so the output never gets a gap.
 */
#pragma once

#include <stddef.h>

/* Writes `len` bytes at the end of the output; returns 0 or -errno. */
typedef int (*cn_appender_write_fn)(void *userdata, const unsigned char *data, size_t len);

struct cn_appender;

/*
 * Returns 0 and an appender with buffers of `buf_size` bytes, or -ENOMEM. Buffers are
 * allocated as they are first needed and the thread is started by the first submit(), so an
 * output that fits in one buffer costs neither. Free with cn_appender_free().
 */
int cn_appender_new(size_t buf_size, cn_appender_write_fn write, void *userdata,
		    struct cn_appender **ret);
/* The buffer to fill next (buf_size bytes); it changes with every submit(). */
unsigned char *cn_appender_buffer(const struct cn_appender *a);
/*
 * Queues the first `len` bytes of the current buffer and makes the next buffer current,
 * waiting while every buffer is queued. Returns 0, or the error of an earlier write (sticky:
 * nothing more is written), or -ENOMEM.
 */
int cn_appender_submit(struct cn_appender *a, size_t len);
/* Waits until every queued buffer is written; returns 0 or the first write error. */
int cn_appender_wait(struct cn_appender *a);
/* Lets the queued writes finish, stops the thread, frees the buffers. Accepts NULL. */
struct cn_appender *cn_appender_free(struct cn_appender *a);
