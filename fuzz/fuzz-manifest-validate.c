/* Fuzz target: the registry's manifest validation of PUT bodies (cn_manifest_validate()). */
#include <stddef.h>
#include <stdint.h>

#include "lib/regstore/regstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The body alone, and with a Content-Type that the input's size picks. */
	static const char *const types[] = {
		CN_MT_OCI_MANIFEST,
		CN_MT_OCI_INDEX,
		CN_MT_DOCKER_MANIFEST,
		CN_MT_DOCKER_LIST,
		"application/json; charset=utf-8",
	};
	const char *cts[] = { NULL, types[size % (sizeof(types) / sizeof(types[0]))] };
	for (size_t i = 0; i < 2; i++) {
		struct cn_manifest_refs refs;
		struct cn_error err = CN_ERROR_INIT;
		if (cn_manifest_validate(data, size, cts[i], &refs, &err) >= 0)
			cn_manifest_refs_release(&refs);
	}
	return 0;
}
