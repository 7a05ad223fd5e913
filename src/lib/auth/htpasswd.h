/*
 * htpasswd user files (Apache's format as `htpasswd -B` writes it): one "user:hash" per line.
 * Hashes are crypt(3) strings verified by libxcrypt: bcrypt ($2y$, $2b$, $2a$) is what docker's
 * registry and `htpasswd -B` use; $6$, $5$, $y$ and the other '$'-prefixed schemes libxcrypt
 * supports are accepted too. Plain text, {SHA}, $apr1$ and DES hashes are rejected at load.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* Limits on what cn_htpasswd_load() accepts. */
#define CN_HTPASSWD_MAX_FILE  (16u << 20)
#define CN_HTPASSWD_MAX_LINE  4096
#define CN_HTPASSWD_MAX_USERS 100000
#define CN_HTPASSWD_MAX_USER  127 /* fits a token subject */

struct cn_htpasswd;

/*
 * Loads the users of `path`. Blank lines and lines starting with '#' are ignored; a duplicate
 * user, an empty user name, a line without ':' or an unsupported hash fails with -EINVAL and a
 * message naming the line; limits above fail with -E2BIG. Returns 0 and the table in `*ret`
 * (freed with cn_htpasswd_free()), or a negative errno.
 */
int cn_htpasswd_load(const char *path, struct cn_htpasswd **ret, struct cn_error *err);
struct cn_htpasswd *cn_htpasswd_free(struct cn_htpasswd *h);
/* Number of users loaded. */
size_t cn_htpasswd_count(const struct cn_htpasswd *h);

/*
 * True when `user` exists and `password` matches its hash. Thread-safe. A successful check is
 * remembered (a keyed SHA-256 of the password, compared in constant time) so repeated Basic
 * credentials do not pay bcrypt on every request; a wrong password always costs one crypt, and
 * an unknown user costs one crypt against a dummy hash so existence does not leak by timing.
 */
bool cn_htpasswd_check(struct cn_htpasswd *h, const char *user, const char *password);
/* How many crypt(3) calls cn_htpasswd_check() made so far (tests, metrics). */
unsigned long cn_htpasswd_crypt_count(struct cn_htpasswd *h);
