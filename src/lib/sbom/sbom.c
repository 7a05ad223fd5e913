/* The SBOM model: names of package types, freeing, ordering. (sbom-core helper owns this.) */
#include "lib/sbom/sbom.h"
