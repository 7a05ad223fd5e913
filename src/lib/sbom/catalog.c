/* The cataloger table and struct cn_found helpers. (sbom-core helper owns this.) */
#include "lib/sbom/catalog.h"

const struct cn_cataloger *const cn_catalogers[] = {
	&cn_catalog_os_release, &cn_catalog_dpkg,   &cn_catalog_apk,
	&cn_catalog_rpm,	&cn_catalog_python, &cn_catalog_npm,
	&cn_catalog_go,		&cn_catalog_java,   NULL,
};
