/*
 * cairn's own settings file: $CAIRN_CONFIG_FILE, else $XDG_CONFIG_HOME/cairn/config.json, else
 * ~/.config/cairn/config.json. Today it holds one setting:
 *   {"registries": ["docker.io", "quay.io"]}  registries `search TERM` asks (like podman's
 *                                            unqualified-search-registries)
 * $CAIRN_REGISTRIES (comma-separated) overrides the file.
 */
#pragma once

#include <stddef.h>

#include "base/error.h"

/* The search registries (at least one: docker.io by default). Free with cn_strv_free(). */
int settings_search_registries(char ***ret, size_t *ret_n, struct cn_error *err);
