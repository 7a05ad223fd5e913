/* Fuzz target: SBOM documents (cairn json, CycloneDX, SPDX) and the purls inside them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sbom/format.h"
#include "lib/sbom/purl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cn_error err = CN_ERROR_INIT;
	struct cn_sbom *s = NULL;
	if (cn_sbom_read(data, size, &s, &err) == 0)
		cn_sbom_free(s);
	if (size < 4096) {
		char *str = malloc(size + 1);
		memcpy(str, data, size);
		str[size] = '\0';
		struct cn_purl u = { 0 };
		if (cn_purl_parse(str, &u) == 0) {
			char *canon = cn_purl_format(&u);
			struct cn_purl again = { 0 };
			/* the canonical form parses to the same canonical form */
			if (strlen(canon) > CN_PURL_MAX) {
				free(canon);
				cn_purl_release(&u);
				free(str);
				return 0;
			}
			if (cn_purl_parse(canon, &again) != 0)
				abort();
			char *canon2 = cn_purl_format(&again);
			if (strcmp(canon, canon2) != 0)
				abort();
			free(canon2);
			free(canon);
			cn_purl_release(&again);
			cn_purl_release(&u);
		}
		free(str);
	}
	return 0;
}
