/* Shared by the registry client's source files; not part of the library's API. */
#pragma once

#include "lib/registry/client.h"

int cn_registry_request(struct cn_registry *reg, struct cn_http *h, const char *scope,
			struct cn_http_request *req, struct cn_http_response *resp,
			struct cn_error *err);
/* Maps a non-2xx response to -EACCES/-ENOENT/-EAGAIN/-EIO/-EPROTO and a one-line cause
 * (credentials, rate-limit headers, the spec's error code); callers prefix what failed. */
int cn_registry_status_error(struct cn_registry *reg, const struct cn_http_response *resp,
			     const struct strbuf *body, struct cn_error *err);
const char *cn_registry_base_url(const struct cn_registry *reg);
const char *cn_registry_search_url(const struct cn_registry *reg);
