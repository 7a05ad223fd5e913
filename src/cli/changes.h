/* Dockerfile instructions given with --change (docker import/commit --change): CMD, ENTRYPOINT,
 * ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR, turned into fields of an
 * image config's "config" object. */
#pragma once

#include <jansson.h>

#include "base/error.h"

/* Adds the effect of one instruction to `changes` (a JSON object). -EINVAL with err set for an
 * unknown or malformed instruction. */
int cli_change_parse(const char *instruction, json_t *changes, struct cn_error *err);
