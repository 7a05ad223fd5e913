/* Fuzz target: manifest, index and image-config parsing of registry-supplied bytes. */
#include <stdint.h>

#include "lib/image/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cn_manifest *m = NULL;
	struct cn_image_config *c = NULL;
	struct cn_error err = CN_ERROR_INIT;
	if (cn_manifest_parse(data, size, NULL, &m, &err) >= 0)
		cn_manifest_free(m);
	if (cn_image_config_parse(data, size, &c, &err) >= 0)
		cn_image_config_free(c);
	return 0;
}
