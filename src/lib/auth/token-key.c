/* Token signing keys: loading or creating the PEM key, key ids, raw JWS signatures. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/auth/token-internal.h"

#define KEY_MAX_FILE (64u << 10)
#define EC_COORD     32 /* P-256 */

struct cn_token_key {
	EVP_PKEY *pkey;
	bool ec;
	char kid[64];
	struct token_cache *cache; /* mutable through a const key: it has its own lock */
};

DEFINE_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free)
DEFINE_CLEANUP_FUNC(EVP_MD_CTX, EVP_MD_CTX_free)
DEFINE_CLEANUP_FUNC(BIO, BIO_free)
DEFINE_CLEANUP_FUNC(ECDSA_SIG, ECDSA_SIG_free)

struct cn_token_key *cn_token_key_free(struct cn_token_key *k)
{
	if (!k)
		return NULL;
	EVP_PKEY_free(k->pkey);
	token_cache_free(k->cache);
	free(k);
	return NULL;
}
DEFINE_CLEANUP_FUNC(struct cn_token_key, cn_token_key_free)

const char *cn_token_key_alg(const struct cn_token_key *k)
{
	return k->ec ? "ES256" : "RS256";
}

struct token_cache *token_key_cache(const struct cn_token_key *k)
{
	return k->cache;
}

const char *cn_token_key_id(const struct cn_token_key *k)
{
	return k->kid;
}

int cn_token_key_public_pem(const struct cn_token_key *k, struct strbuf *sb)
{
	_cleanup_(BIO_freep) BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	if (!bio || PEM_write_bio_PUBKEY(bio, k->pkey) != 1)
		return -ENOMEM;
	long n = BIO_get_mem_data(bio, &data);
	if (n < 0)
		return -ENOMEM;
	strbuf_add(sb, data, (size_t)n);
	return 0;
}

/* libtrust's key id: base32 of the first 240 bits of SHA-256(DER SubjectPublicKeyInfo). */
static int make_kid(struct cn_token_key *k)
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned char *der = NULL;
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned sum_len = 0;
	int n = i2d_PUBKEY(k->pkey, &der);
	if (n <= 0)
		return -EINVAL;
	int ok = EVP_Digest(der, (size_t)n, sum, &sum_len, EVP_sha256(), NULL);
	OPENSSL_free(der);
	if (ok != 1)
		return -EINVAL;
	/* 30 bytes = 48 base32 characters, written as 12 groups of 4 joined by ':'. */
	size_t out = 0;
	for (size_t bit = 0; bit < 240; bit += 5) {
		size_t byte = bit / 8, shift = bit % 8;
		unsigned v = (unsigned)sum[byte] << 8 | (byte + 1 < 30 ? sum[byte + 1] : 0);
		if (out && out % 5 == 4)
			k->kid[out++] = ':';
		k->kid[out++] = b32[(v >> (11 - shift)) & 31];
	}
	k->kid[out] = '\0';
	return 0;
}

/* Accepts RSA >= 2048 bits and EC P-256; sets k->ec. */
static int check_key(struct cn_token_key *k, const char *path, struct cn_error *err)
{
	if (EVP_PKEY_is_a(k->pkey, "RSA")) {
		if (EVP_PKEY_get_bits(k->pkey) < 2048)
			return cn_error_set(err, -EINVAL,
					    "token key %s: RSA key shorter than 2048 bits", path);
		k->ec = false;
	} else if (EVP_PKEY_is_a(k->pkey, "EC")) {
		char group[64] = "";
		if (EVP_PKEY_get_group_name(k->pkey, group, sizeof(group), NULL) != 1 ||
		    (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0))
			return cn_error_set(err, -EINVAL, "token key %s: EC key is not P-256 (%s)",
					    path, group);
		k->ec = true;
	} else {
		return cn_error_set(err, -EINVAL, "token key %s: not an RSA or EC P-256 key", path);
	}
	if (make_kid(k) < 0)
		return cn_error_set(err, -EINVAL, "token key %s: cannot encode public key", path);
	return 0;
}

/* Writes a new RSA-2048 key to `path` atomically, mode 0600; returns it in `ret`. */
static int create_key(const char *path, EVP_PKEY **ret, struct cn_error *err)
{
	cleanup_free char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *base = path;
	if (slash) {
		*slash = '\0';
		base = slash + 1;
		if (*dir) {
			int r = cn_mkdir_p_at(AT_FDCWD, dir, 0700);
			if (r < 0)
				return cn_error_errno(err, r, "token key: creating %s", dir);
		}
	}
	cleanup_close int dfd =
		open(slash ? (*dir ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cn_error_errno(err, -errno, "token key: opening directory of %s", path);
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *pkey = EVP_RSA_gen(2048);
	_cleanup_(BIO_freep) BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	if (!pkey || !bio || PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1)
		return cn_error_set(err, -ENOMEM, "token key: generating an RSA key failed");
	long n = BIO_get_mem_data(bio, &pem);
	cleanup_tmpfile struct cn_tmpfile t = CN_TMPFILE_INIT;
	int r = cn_tmpfile_open(&t, dfd, "token-key");
	if (r >= 0 && fchmod(t.fd, 0600) < 0)
		r = -errno;
	if (r >= 0)
		r = cn_write_full(t.fd, pem, (size_t)n);
	if (r >= 0)
		r = cn_tmpfile_commit(&t, base);
	OPENSSL_cleanse(pem, (size_t)n);
	if (r < 0)
		return cn_error_errno(err, r, "token key: writing %s", path);
	*ret = TAKE_PTR(pkey);
	return 0;
}

static int read_key(const char *path, EVP_PKEY **ret, struct cn_error *err)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	int r = cn_read_file_at(AT_FDCWD, path, KEY_MAX_FILE, &sb);
	if (r < 0)
		return cn_error_errno(err, r, "token key %s", path);
	_cleanup_(BIO_freep) BIO *bio = BIO_new_mem_buf(sb.buf, (int)sb.len);
	EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	OPENSSL_cleanse(sb.buf, sb.len);
	if (!pkey) {
		ERR_clear_error();
		return cn_error_set(err, -EINVAL, "token key %s: not a PEM private key", path);
	}
	*ret = pkey;
	return 0;
}

int cn_token_key_load(const char *path, bool create, struct cn_token_key **ret,
		      struct cn_error *err)
{
	_cleanup_(cn_token_key_freep) struct cn_token_key *k = xcalloc(1, sizeof(*k));
	int r = read_key(path, &k->pkey, err);
	if (r == -ENOENT && create) {
		cn_error_clear(err);
		r = create_key(path, &k->pkey, err);
	}
	if (r < 0)
		return r;
	if ((r = check_key(k, path, err)) < 0)
		return r;
	k->cache = token_cache_new();
	*ret = TAKE_PTR(k);
	return 0;
}

/* ECDSA: DER (what OpenSSL makes) <-> r||s (what JWS carries). */
static int ec_der_to_raw(const unsigned char *der, size_t len, struct strbuf *out)
{
	const unsigned char *p = der;
	_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	unsigned char raw[2 * EC_COORD];
	if (!s || BN_bn2binpad(ECDSA_SIG_get0_r(s), raw, EC_COORD) != EC_COORD ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(s), raw + EC_COORD, EC_COORD) != EC_COORD)
		return -EINVAL;
	strbuf_add(out, raw, sizeof(raw));
	return 0;
}

static int ec_raw_to_der(const uint8_t *raw, size_t len, unsigned char **ret_der, size_t *ret_len)
{
	if (len != 2 * EC_COORD)
		return -EINVAL;
	_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, EC_COORD, NULL), *sv = BN_bin2bn(raw + EC_COORD, EC_COORD, NULL);
	if (!s || !r || !sv || ECDSA_SIG_set0(s, r, sv) != 1) {
		BN_free(r);
		BN_free(sv);
		return -ENOMEM;
	}
	int n = i2d_ECDSA_SIG(s, ret_der);
	if (n <= 0)
		return -ENOMEM;
	*ret_len = (size_t)n;
	return 0;
}

int token_key_sign(const struct cn_token_key *k, const void *data, size_t len,
		   struct strbuf *ret_sig)
{
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 0;
	if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &n, data, len) != 1)
		return -EINVAL;
	cleanup_free unsigned char *sig = xmalloc(n);
	if (EVP_DigestSign(ctx, sig, &n, data, len) != 1)
		return -EINVAL;
	if (k->ec)
		return ec_der_to_raw(sig, n, ret_sig);
	strbuf_add(ret_sig, sig, n);
	return 0;
}

bool token_key_verify(const struct cn_token_key *k, const void *data, size_t len,
		      const uint8_t *sig, size_t sig_len)
{
	unsigned char *der = NULL;
	size_t der_len = 0;
	if (k->ec) {
		if (ec_raw_to_der(sig, sig_len, &der, &der_len) < 0)
			return false;
		sig = der;
		sig_len = der_len;
	} else if (sig_len != (size_t)EVP_PKEY_get_size(k->pkey)) {
		return false;
	}
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
		  EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1;
	OPENSSL_free(der);
	if (!ok)
		ERR_clear_error(); /* leave no stale errors on this thread's queue */
	return ok;
}
