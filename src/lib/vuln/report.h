/*
 * Scan reports: the matcher's findings (match.h) as text for people and documents for tools.
 *
 *  table  grouped by severity (CRITICAL, HIGH, MEDIUM, LOW, NONE, UNKNOWN) after a summary line
 *         "Total: 12 (CRITICAL: 1, HIGH: 3, MEDIUM: 5, LOW: 3, UNKNOWN: 0)"; columns PACKAGE
 *         INSTALLED FIXED VULNERABILITY SEVERITY LAYER TITLE
 *  json   schema "cairn-scan/1": image, os, summary counts, match statistics and every field
 *         of every finding, keys in a fixed order
 *  sarif  SARIF 2.1.0: one rule per vulnerability id, one result per finding with its level
 *         (error = CRITICAL/HIGH, warning = MEDIUM, note = the rest), a message, the package's
 *         found_in file as location and the "security-severity" score GitHub code scanning reads
 */
#pragma once

#include "base/error.h"
#include "base/strbuf.h"
#include "lib/sbom/sbom.h"
#include "lib/vuln/match.h"

#define CN_SCAN_SCHEMA "cairn-scan/1"

enum cn_scan_format {
	CN_SCAN_TABLE,
	CN_SCAN_JSON,
	CN_SCAN_SARIF,
};

/* "table", "json", "sarif"; -EINVAL for anything else. */
int cn_scan_format_parse(const char *s, enum cn_scan_format *ret);

/* Counts of findings per severity (indexed by enum cn_severity). */
void cn_scan_count(const struct cn_scan_result *res, size_t counts[CN_SEV_MAX]);

/*
 * Appends the report of `res` (made from `sbom`) in format f to out; documents end with a
 * newline. Returns 0, or -ENOMEM / -E2BIG when the JSON encoder fails.
 */
int cn_scan_report_write(const struct cn_sbom *sbom, const struct cn_scan_result *res,
			 enum cn_scan_format f, struct strbuf *out, struct cn_error *err);
