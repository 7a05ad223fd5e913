/*
 * Background appending (private to the store): the caller fills one buffer while a thread
 * writes the ones filled before, in order, through a caller-supplied write function. Used by
 * the blob writer so that disk writes overlap the download instead of stalling it.
 *
 * Single producer: one thread calls every function. The write function runs on the appender's
 * thread (or, if no thread can be started, on the caller's), one buffer at a time and in the
 * order submitted; after it fails once it is not called again, so the file never gets a gap.
 */
#pragma once

#include <stddef.h>

/* Writes `len` bytes at the end of the output; returns 0 or -errno. */
typedef int (*cn_appender_write_fn)(void *userdata, const unsigned char *data, size_t len);

struct cn_appender;

/* Buffers of `buf_size` bytes aligned to `align` (a power of two); none is allocated before it
 * is needed and no thread is started before the first submit(). -ENOMEM on failure. */
int cn_appender_new(size_t buf_size, size_t align, cn_appender_write_fn write, void *userdata,
		    struct cn_appender **ret);
/* The buffer to fill next (buf_size bytes); changes with every submit(). */
unsigned char *cn_appender_buffer(const struct cn_appender *a);
/*
 * Queues the first `len` bytes of the current buffer and makes the next buffer current,
 * waiting while every buffer is queued. Returns 0, or the error of a write that failed before
 * (then nothing more is written).
 */
int cn_appender_submit(struct cn_appender *a, size_t len);
/* Waits until every queued buffer is written; returns 0 or the first write error. */
int cn_appender_wait(struct cn_appender *a);
/* Waits for the queued writes, stops the thread, frees the buffers. Accepts NULL. */
struct cn_appender *cn_appender_free(struct cn_appender *a);
