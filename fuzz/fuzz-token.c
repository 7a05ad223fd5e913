/*
 * Fuzz target: what the registry server reads from a client's Bearer token and a token
 * request's scope parameter (src/lib/auth): cn_token_verify() on the input as a JWT (against a
 * key made once per process, so a forged token must never verify) and cn_scope_parse() on it
 * as a scope. Neither may crash, leak or accept the input.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/auth/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cn_token_key *key;

static void drop_key(void)
{
	key = cn_token_key_free(key);
}

static struct cn_token_key *fuzz_key(void)
{
	if (key)
		return key;
	char dir[] = "/tmp/cairn-fuzz-token.XXXXXX";
	if (!mkdtemp(dir))
		abort();
	char path[64];
	(void)snprintf(path, sizeof(path), "%s/key.pem", dir);
	if (cn_token_key_load(path, true, &key, NULL) < 0)
		abort();
	(void)unlink(path);
	(void)rmdir(dir);
	atexit(drop_key);
	return key;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct cn_token_claims claims;
	memset(&claims, 0, sizeof(claims));
	int r = cn_token_verify(fuzz_key(), s, "cairn", "cairn", 1800000000, &claims, NULL);
	assert(r < 0); /* nothing the fuzzer makes is signed by a key it never saw */
	cn_token_claims_release(&claims);
	struct cn_access a;
	if (cn_scope_parse(s, &a) == 0)
		assert(a.type[0] && a.name[0] && strlen(a.name) < sizeof(a.name));
	free(s);
	return 0;
}
