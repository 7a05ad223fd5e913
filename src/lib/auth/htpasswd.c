/* htpasswd users: loading, crypt(3) verification and the cache of verified passwords. */
#include "lib/auth/htpasswd.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/strbuf.h"

#define SUM_LEN 32

struct entry {
	char *user;
	char *hash;
	size_t line;
	/* Guarded by cn_htpasswd.lock: a keyed SHA-256 of the last password that verified. */
	bool cached;
	uint8_t sum[SUM_LEN];
};

struct cn_htpasswd {
	struct entry *entries; /* sorted by user */
	size_t n, alloc;
	char *dummy_hash; /* crypt target for unknown users */
	uint8_t key[SUM_LEN];
	pthread_mutex_t lock;
	atomic_ulong crypt_calls;
};

struct cn_htpasswd *cn_htpasswd_free(struct cn_htpasswd *h)
{
	if (!h)
		return NULL;
	for (size_t i = 0; i < h->n; i++) {
		free(h->entries[i].user);
		OPENSSL_cleanse(h->entries[i].sum, SUM_LEN);
		free(h->entries[i].hash);
	}
	free(h->entries);
	free(h->dummy_hash);
	OPENSSL_cleanse(h->key, SUM_LEN);
	pthread_mutex_destroy(&h->lock);
	free(h);
	return NULL;
}
DEFINE_CLEANUP_FUNC(struct cn_htpasswd, cn_htpasswd_free)

size_t cn_htpasswd_count(const struct cn_htpasswd *h)
{
	return h->n;
}

unsigned long cn_htpasswd_crypt_count(struct cn_htpasswd *h)
{
	return atomic_load(&h->crypt_calls);
}

/* Why `hash` cannot be used, or NULL when libxcrypt can verify it. */
static const char *hash_problem(const char *hash)
{
	if (hash[0] == '\0')
		return "empty password hash";
	if (strncmp(hash, "{SHA}", 5) == 0)
		return "{SHA} hashes are not supported (use bcrypt: htpasswd -B)";
	if (strncmp(hash, "$apr1$", 6) == 0)
		return "$apr1$ (Apache MD5) hashes are not supported (use bcrypt: htpasswd -B)";
	if (hash[0] != '$')
		return "plain-text or DES password (use bcrypt: htpasswd -B)";
	int r = crypt_checksalt(hash);
	if (r != CRYPT_SALT_OK && r != CRYPT_SALT_METHOD_LEGACY)
		return "unsupported password hash (use bcrypt: htpasswd -B)";
	return NULL;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->user, ((const struct entry *)b)->user);
}

/* Parses one non-comment line into a new entry of `h`. */
static int add_line(struct cn_htpasswd *h, const char *path, size_t lineno, char *line,
		    struct cn_error *err)
{
	char *colon = strchr(line, ':');
	if (!colon)
		return cn_error_set(err, -EINVAL, "%s:%zu: expected \"user:hash\"", path, lineno);
	*colon = '\0';
	const char *user = line, *hash = colon + 1;
	size_t ulen = strlen(user);
	if (ulen == 0 || ulen > CN_HTPASSWD_MAX_USER)
		return cn_error_set(err, -EINVAL, "%s:%zu: user name must be 1-%d bytes", path,
				    lineno, CN_HTPASSWD_MAX_USER);
	const char *why = hash_problem(hash);
	if (why)
		return cn_error_set(err, -EINVAL, "%s:%zu: user %s: %s", path, lineno, user, why);
	if (h->n >= CN_HTPASSWD_MAX_USERS)
		return cn_error_set(err, -E2BIG, "%s:%zu: more than %d users", path, lineno,
				    CN_HTPASSWD_MAX_USERS);
	ALLOC_GROW(h->entries, h->n + 1, h->alloc);
	h->entries[h->n++] =
		(struct entry){ .user = xstrdup(user), .hash = xstrdup(hash), .line = lineno };
	return 0;
}

static int parse_lines(struct cn_htpasswd *h, const char *path, char *text, size_t len,
		       struct cn_error *err)
{
	size_t lineno = 0;
	char *p = text, *end = text + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;
		lineno++;
		if ((size_t)(eol - p) > CN_HTPASSWD_MAX_LINE)
			return cn_error_set(err, -E2BIG, "%s:%zu: line longer than %d bytes", path,
					    lineno, CN_HTPASSWD_MAX_LINE);
		while (eol > p && (eol[-1] == '\r' || eol[-1] == ' ' || eol[-1] == '\t'))
			eol--;
		*eol = '\0';
		char *s = p + strspn(p, " \t");
		p = nl ? nl + 1 : end;
		if (memchr(s, '\0', (size_t)(eol - s)) != NULL)
			return cn_error_set(err, -EINVAL, "%s:%zu: NUL byte", path, lineno);
		if (*s == '\0' || *s == '#')
			continue;
		int r = add_line(h, path, lineno, s, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The bcrypt cost of the first bcrypt entry, so unknown users cost what real ones do. */
static unsigned long dummy_cost(const struct cn_htpasswd *h)
{
	for (size_t i = 0; i < h->n; i++) {
		const char *s = h->entries[i].hash;
		if (s[0] == '$' && s[1] == '2' && s[2] && s[3] == '$' && s[4] >= '0' &&
		    s[4] <= '3' && s[5] >= '0' && s[5] <= '9' && s[6] == '$') {
			unsigned long c =
				(unsigned long)(s[4] - '0') * 10 + (unsigned long)(s[5] - '0');
			if (c >= 4 && c <= 31)
				return c;
		}
	}
	return 10;
}

static int make_dummy(struct cn_htpasswd *h, struct cn_error *err)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	uint8_t pw[16];
	char pwhex[2 * sizeof(pw) + 1];
	if (RAND_bytes(pw, sizeof(pw)) != 1)
		return cn_error_set(err, -EIO, "htpasswd: no random bytes");
	for (size_t i = 0; i < sizeof(pw); i++)
		(void)snprintf(pwhex + 2 * i, 3, "%02x", pw[i]);
	if (!crypt_gensalt_rn("$2b$", dummy_cost(h), NULL, 0, setting, sizeof(setting)))
		return cn_error_errno(err, -errno, "htpasswd: crypt_gensalt");
	cleanup_free struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	const char *out = crypt_rn(pwhex, setting, cd, sizeof(*cd));
	if (!out)
		return cn_error_errno(err, -errno, "htpasswd: crypt");
	h->dummy_hash = xstrdup(out);
	return 0;
}

int cn_htpasswd_load(const char *path, struct cn_htpasswd **ret, struct cn_error *err)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	int r = cn_read_file_at(AT_FDCWD, path, CN_HTPASSWD_MAX_FILE, &sb);
	if (r == -E2BIG)
		return cn_error_set(err, r, "%s: larger than %u bytes", path, CN_HTPASSWD_MAX_FILE);
	if (r < 0)
		return cn_error_errno(err, r, "htpasswd %s", path);
	_cleanup_(cn_htpasswd_freep) struct cn_htpasswd *h = xcalloc(1, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	if ((r = parse_lines(h, path, sb.buf, sb.len, err)) < 0)
		return r;
	if (h->n)
		qsort(h->entries, h->n, sizeof(*h->entries), cmp_entry);
	for (size_t i = 1; i < h->n; i++)
		if (strcmp(h->entries[i - 1].user, h->entries[i].user) == 0)
			return cn_error_set(err, -EINVAL, "%s:%zu: duplicate user %s", path,
					    MAX(h->entries[i - 1].line, h->entries[i].line),
					    h->entries[i].user);
	if (RAND_bytes(h->key, sizeof(h->key)) != 1)
		return cn_error_set(err, -EIO, "htpasswd: no random bytes");
	if ((r = make_dummy(h, err)) < 0)
		return r;
	*ret = TAKE_PTR(h);
	return 0;
}

/* SHA-256(key || hash || NUL || password): what the cache stores for a verified password. */
static void password_sum(const struct cn_htpasswd *h, const char *hash, const char *password,
			 uint8_t out[SUM_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned len = SUM_LEN;
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, h->key, sizeof(h->key)) != 1 ||
	    EVP_DigestUpdate(ctx, hash, strlen(hash) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, password, strlen(password)) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &len) != 1)
		abort(); /* only on OOM or a broken libcrypto */
	EVP_MD_CTX_free(ctx);
}

/* One crypt(3) verification; true when `password` hashes to `hash`. */
static bool crypt_matches(struct cn_htpasswd *h, const char *hash, const char *password)
{
	atomic_fetch_add(&h->crypt_calls, 1);
	cleanup_free struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	const char *out = crypt_rn(password, hash, cd, sizeof(*cd));
	size_t len = strlen(hash);
	bool ok = out && strlen(out) == len && CRYPTO_memcmp(out, hash, len) == 0;
	OPENSSL_cleanse(cd, sizeof(*cd));
	return ok;
}

bool cn_htpasswd_check(struct cn_htpasswd *h, const char *user, const char *password)
{
	if (!h || !user || !password)
		return false;
	struct entry key = { .user = (char *)user };
	struct entry *e =
		h->n ? bsearch(&key, h->entries, h->n, sizeof(*h->entries), cmp_entry) : NULL;
	if (!e || strlen(password) >= CRYPT_MAX_PASSPHRASE_SIZE) {
		(void)crypt_matches(h, h->dummy_hash, "");
		return false;
	}
	uint8_t sum[SUM_LEN];
	password_sum(h, e->hash, password, sum);
	pthread_mutex_lock(&h->lock);
	bool hit = e->cached && CRYPTO_memcmp(e->sum, sum, SUM_LEN) == 0;
	pthread_mutex_unlock(&h->lock);
	if (hit)
		return true;
	if (!crypt_matches(h, e->hash, password))
		return false;
	pthread_mutex_lock(&h->lock);
	memcpy(e->sum, sum, SUM_LEN);
	e->cached = true;
	pthread_mutex_unlock(&h->lock);
	return true;
}
