/*
 * CVSS base scores from vector strings: v3.0 / v3.1 (FIRST's CVSS v3.1 specification, section 7
 * formulas with its Roundup) and v4.0 (FIRST's CVSS v4.0 specification, section 8: MacroVectors,
 * their score table, and interpolation by severity distance). The qualitative rating follows
 * both specifications' rating scale (NONE 0.0, LOW 0.1-3.9, MEDIUM 4.0-6.9, HIGH 7.0-8.9,
 * CRITICAL 9.0-10.0).
 */
#pragma once

#include <stdbool.h>

#include "base/error.h"

/* Ordered: a larger value is more severe (UNKNOWN sorts below everything). */
enum cn_severity {
	CN_SEV_UNKNOWN,
	CN_SEV_NONE,
	CN_SEV_LOW,
	CN_SEV_MEDIUM,
	CN_SEV_HIGH,
	CN_SEV_CRITICAL,
	CN_SEV_MAX,
};

/* "UNKNOWN", "NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL". */
const char *cn_severity_name(enum cn_severity s);
/*
 * Parses a rating word, case-insensitively: the names above, "moderate" (GHSA, Red Hat) as
 * MEDIUM, "important" (Red Hat) as HIGH, Debian's urgencies "unimportant" / "negligible" /
 * "low**" style suffixes (the stars are ignored) as LOW, "not yet assigned" / "unknown" as
 * UNKNOWN. Returns 0 or -EINVAL.
 */
int cn_severity_parse(const char *s, enum cn_severity *ret);
/* The rating of a score in tenths (0..100). */
enum cn_severity cn_cvss_rating(unsigned score10);

struct cn_cvss {
	unsigned version; /* 30, 31 or 40 */
	unsigned score10; /* base score times ten, 0..100 (7.5 -> 75) */
	enum cn_severity rating;
};

/* Longest vector string accepted (a full v4.0 vector with every optional metric is ~230). */
#define CN_CVSS_VECTOR_MAX 512

/*
 * Parses a "CVSS:3.0/...", "CVSS:3.1/..." or "CVSS:4.0/..." vector and computes its base score
 * (v4.0: CVSS-B, or CVSS-BTE when threat/environmental metrics are present, as the
 * specification scores every vector). Rejects unknown prefixes, unknown metrics or values,
 * duplicates, missing base metrics, empty components and (v4.0) metrics out of the
 * specification's order. Returns 0 or -EINVAL with err naming the problem.
 */
int cn_cvss_parse(const char *vector, struct cn_cvss *ret, struct cn_error *err);
