/*
 * The three rpm database containers, read from memory with no rpm or Berkeley DB library. Each
 * hands every stored package header blob (rpm-header.h) to a callback, in storage order.
 *
 *  - sqlite (rpm >= 4.16 default, rpmdb.sqlite): table Packages(hnum, blob).
 *  - Berkeley DB hash (rpm < 4.16, "Packages"): a meta page, hash pages holding key/data
 *    items, big data items on chains of overflow pages. Either byte order.
 *  - NDB (SUSE, "Packages.db"): rpm's own format, a header and slot pages (each slot: package
 *    index, block offset, block count) pointing at blobs (16-byte blob header + header blob).
 *
 * All three are untrusted input: every page number, offset and length is bounds-checked, chains
 * are bounded by the page count, and at most CN_RPM_DB_MAX_PKGS blobs are visited.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define CN_RPM_DB_MAX_PKGS 200000u

/* Called with one header blob (valid for the call only); a negative return stops the walk
 * and is returned. */
typedef int (*cn_rpm_blob_fn)(const uint8_t *blob, size_t len, void *userdata,
			      struct cn_error *err);

/* Each returns 0 after every blob was visited, the callback's negative errno, -EBADMSG for a
 * corrupt container (err says where), or -E2BIG past CN_RPM_DB_MAX_PKGS. */
int cn_rpm_bdb_foreach(const uint8_t *data, size_t len, cn_rpm_blob_fn fn, void *userdata,
		       struct cn_error *err);
int cn_rpm_ndb_foreach(const uint8_t *data, size_t len, cn_rpm_blob_fn fn, void *userdata,
		       struct cn_error *err);
int cn_rpm_sqlite_foreach(const uint8_t *data, size_t len, cn_rpm_blob_fn fn, void *userdata,
			  struct cn_error *err);
