/*
 * cairn's own settings file: $CAIRN_CONFIG_FILE, else $XDG_CONFIG_HOME/cairn/config.json, else
 * ~/.config/cairn/config.json:
 *   {"registries": ["docker.io", "quay.io"],    registries `search TERM` asks (like podman's
 *                                               unqualified-search-registries)
 *    "insecure-registries": ["10.0.0.5:5000"]}  reached over plain HTTP (loopback always is)
 * $CAIRN_REGISTRIES and $CAIRN_INSECURE_REGISTRIES (comma-separated) override the file.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* The search registries (at least one: docker.io by default). Free with cn_strv_free(). */
int settings_search_registries(char ***ret, size_t *ret_n, struct cn_error *err);
/* True when `domain` is listed as insecure (plain HTTP). A broken settings file is an error. */
int settings_registry_insecure(const char *domain, bool *ret, struct cn_error *err);
