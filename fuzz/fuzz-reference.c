/*
 * Fuzz target: image-reference parsing of user- and registry-supplied strings. Every accepted
 * input must format to a string that parses back to the same reference; every rejected one must
 * leave a one-line "invalid reference" message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/reference/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool same_ref(const struct cn_reference *a, const struct cn_reference *b)
{
	return same(a->domain, b->domain) && same(a->path, b->path) && same(a->tag, b->tag) &&
	       same(a->digest, b->digest);
}

static void check_failure(int r, const struct cn_error *err)
{
	if (r != -EINVAL || err->code != -EINVAL || strchr(err->msg, '\n') ||
	    strncmp(err->msg, "invalid reference \"", 19) != 0)
		abort();
}

static void check_round_trip(const struct cn_reference *ref)
{
	struct cn_reference again cleanup_reference = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	cleanup_free char *formatted = cn_reference_format(ref);
	if (cn_reference_parse(formatted, &again, &err) < 0 || !same_ref(ref, &again))
		abort();
	if (ref->tag && !cn_reference_tag_valid(ref->tag))
		abort();
	if (ref->digest && !cn_reference_digest_valid(ref->digest))
		abort();
}

/* The other outputs only need to be well-defined; ASan checks them. */
static void exercise_outputs(const struct cn_reference *ref)
{
	struct cn_reference copy cleanup_reference = { 0 };
	cleanup_free char *name = cn_reference_name(ref);
	cleanup_free char *familiar = cn_reference_familiar(ref);
	cleanup_free char *familiar_name = cn_reference_familiar_name(ref);
	if (cn_reference_copy(ref, &copy) < 0 || !same_ref(ref, &copy))
		abort();
	size_t name_len = strlen(name), familiar_len = strlen(familiar_name);
	/* The familiar name only drops a prefix of the name and the familiar form adds a suffix. */
	if (familiar_len > name_len || strcmp(name + name_len - familiar_len, familiar_name) != 0)
		abort();
	if (strncmp(familiar, familiar_name, familiar_len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_free char *s = xmalloc(size + 1);
	struct cn_reference ref cleanup_reference = { 0 };
	struct cn_reference repo cleanup_reference = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	memcpy(s, data, size);
	s[size] = '\0';
	int r = cn_reference_parse(s, &ref, &err);
	if (r < 0) {
		check_failure(r, &err);
		return 0;
	}
	check_round_trip(&ref);
	exercise_outputs(&ref);
	r = cn_reference_parse_repository(s, &repo, &err);
	if (r < 0)
		check_failure(r, &err);
	return 0;
}
