/*
 * License names as packages write them, to SPDX expressions. Conservative: an expression is
 * returned only when every part is recognised; anything doubtful gives NULL and the caller
 * keeps the text as written.
 *
 * Parts are separated by the operators and/or/with (any case), "&", "," (read as AND) and
 * parentheses. A part is a known SPDX id (any case), a GNU family name with a version
 * ("GPL-2+", "GPLv2+", "LGPL-2.1", "GPL-3.0-or-later", "gpl2") or a common spelling.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/strbuf.h"
#include "lib/sbom/catalog.h"

#define LICENSE_TEXT_MAX 1024 /* longer strings are license texts, not names */

/* SPDX ids recognised as themselves (any case). */
static const char *const spdx_ids[] = {
	"0BSD",
	"AFL-2.1",
	"AFL-3.0",
	"Apache-1.0",
	"Apache-1.1",
	"Apache-2.0",
	"Artistic-1.0",
	"Artistic-1.0-Perl",
	"Artistic-2.0",
	"BSD-1-Clause",
	"BSD-2-Clause",
	"BSD-2-Clause-Patent",
	"BSD-3-Clause",
	"BSD-4-Clause",
	"BSL-1.0",
	"bzip2-1.0.6",
	"CC-BY-3.0",
	"CC-BY-4.0",
	"CC-BY-SA-3.0",
	"CC-BY-SA-4.0",
	"CC0-1.0",
	"CDDL-1.0",
	"CDDL-1.1",
	"curl",
	"EPL-1.0",
	"EPL-2.0",
	"EUPL-1.2",
	"FSFAP",
	"FSFUL",
	"FSFULLR",
	"FTL",
	"HPND",
	"ICU",
	"IJG",
	"ISC",
	"LGPL-2.0-only",
	"LGPL-2.0-or-later",
	"LGPL-2.1-only",
	"LGPL-2.1-or-later",
	"LGPL-3.0-only",
	"LGPL-3.0-or-later",
	"Libpng",
	"libpng-2.0",
	"MIT",
	"MIT-0",
	"MPL-1.1",
	"MPL-2.0",
	"NCSA",
	"OFL-1.1",
	"OpenSSL",
	"PHP-3.01",
	"PostgreSQL",
	"PSF-2.0",
	"Python-2.0",
	"Ruby",
	"Sleepycat",
	"TCL",
	"Unicode-DFS-2016",
	"Unicode-3.0",
	"Unlicense",
	"UPL-1.0",
	"Vim",
	"W3C",
	"WTFPL",
	"X11",
	"Zlib",
	"ZPL-2.1",
	"GPL-1.0-only",
	"GPL-1.0-or-later",
	"GPL-2.0-only",
	"GPL-2.0-or-later",
	"GPL-3.0-only",
	"GPL-3.0-or-later",
	"AGPL-3.0-only",
	"AGPL-3.0-or-later",
	"GFDL-1.2-only",
	"GFDL-1.2-or-later",
	"GFDL-1.3-only",
	"GFDL-1.3-or-later",
};

/* Other spellings seen in package metadata (Debian, Fedora, Alpine, PyPI, npm). */
static const struct {
	const char *from, *to;
} aliases[] = {
	{ "Expat", "MIT" },
	{ "MIT/X11", "MIT" },
	{ "MIT License", "MIT" },
	{ "The MIT License", "MIT" },
	{ "MIT/Expat", "MIT" },
	{ "Apache-2", "Apache-2.0" },
	{ "Apache 2.0", "Apache-2.0" },
	{ "Apache 2", "Apache-2.0" },
	{ "Apache License 2.0", "Apache-2.0" },
	{ "Apache License, Version 2.0", "Apache-2.0" },
	{ "Apache Software License", "Apache-2.0" },
	{ "Apache License Version 2.0", "Apache-2.0" },
	{ "ASL 2.0", "Apache-2.0" },
	{ "ASL-2.0", "Apache-2.0" },
	{ "BSD-2", "BSD-2-Clause" },
	{ "BSD-3", "BSD-3-Clause" },
	{ "BSD-4", "BSD-4-Clause" },
	{ "BSD 2-Clause", "BSD-2-Clause" },
	{ "BSD 3-Clause", "BSD-3-Clause" },
	{ "BSD-2-clause-FreeBSD", "BSD-2-Clause" },
	{ "ISC License", "ISC" },
	{ "zlib/libpng", "Zlib" },
	{ "MPL-2", "MPL-2.0" },
	{ "MPLv2.0", "MPL-2.0" },
	{ "CC0", "CC0-1.0" },
	{ "PSF", "PSF-2.0" },
	{ "PSFL", "PSF-2.0" },
	{ "Python", "Python-2.0" },
	{ "Boost", "BSL-1.0" },
	{ "OpenSSL License", "OpenSSL" },
	{ "public-domain", "LicenseRef-public-domain" },
	{ "Public Domain", "LicenseRef-public-domain" },
	{ "PD", "LicenseRef-public-domain" },
};

/* SPDX exceptions accepted after WITH. */
static const char *const exceptions[] = {
	"Autoconf-exception-2.0",  "Autoconf-exception-3.0", "Bison-exception-2.2",
	"Classpath-exception-2.0", "GCC-exception-2.0",	     "GCC-exception-3.1",
	"LLVM-exception",	   "Libtool-exception",	     "openvpn-openssl-exception",
};

static const char *lookup(const char *const *table, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(table[i], s) == 0)
			return table[i];
	return NULL;
}

/*
 * "GPL-2+", "GPLv2+", "GPL 2.0", "gpl2", "LGPL-2.1+", "GPL-3.0-or-later", "GFDL-1.3+"
 * (and "GPL-2 or later", "GPL-2.0-only") into `out`. Returns whether it was one.
 */
static bool gnu_family(const char *s, struct strbuf *out)
{
	static const char *const families[] = { "LGPL", "AGPL", "GPL", "GFDL" };
	const char *fam = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(families) && !fam; i++)
		if (strncasecmp(s, families[i], strlen(families[i])) == 0)
			fam = families[i];
	if (!fam)
		return false;
	const char *p = s + strlen(fam);
	if (*p == '-' || *p == ' ')
		p++;
	if (*p == 'v' || *p == 'V')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	unsigned major = (unsigned)(*p++ - '0'), minor = 0;
	if (*p == '.' && isdigit((unsigned char)p[1])) {
		minor = (unsigned)(p[1] - '0');
		p += 2;
	}
	bool later;
	if (!*p || strcasecmp(p, "-only") == 0)
		later = false;
	else if (strcmp(p, "+") == 0 || strcasecmp(p, "-or-later") == 0 ||
		 strcasecmp(p, " or later") == 0 || strcasecmp(p, " or later version") == 0 ||
		 strcasecmp(p, " or any later version") == 0)
		later = true;
	else
		return false;
	/* versions that exist */
	bool ok = false;
	if (strcmp(fam, "GPL") == 0)
		ok = (major >= 1 && major <= 3 && minor == 0);
	else if (strcmp(fam, "LGPL") == 0)
		ok = (major == 2 && (minor == 0 || minor == 1)) || (major == 3 && minor == 0);
	else if (strcmp(fam, "AGPL") == 0)
		ok = major == 3 && minor == 0;
	else if (strcmp(fam, "GFDL") == 0)
		ok = major == 1 && minor >= 1 && minor <= 3;
	if (!ok)
		return false;
	strbuf_addf(out, "%s-%u.%u-%s", fam, major, minor, later ? "or-later" : "only");
	return true;
}

/* Maps one part; returns whether it was recognised. */
static bool map_part(const char *part, bool exception, struct strbuf *out)
{
	const char *id;
	if (exception) {
		if (!(id = lookup(exceptions, ARRAY_SIZE(exceptions), part)))
			return false;
		strbuf_addstr(out, id);
		return true;
	}
	if ((id = lookup(spdx_ids, ARRAY_SIZE(spdx_ids), part))) {
		strbuf_addstr(out, id);
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++) {
		if (strcasecmp(aliases[i].from, part) == 0) {
			strbuf_addstr(out, aliases[i].to);
			return true;
		}
	}
	if (strncmp(part, "LicenseRef-", 11) == 0 && part[11]) {
		for (const char *p = part + 11; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
				return false;
		strbuf_addstr(out, part);
		return true;
	}
	return gnu_family(part, out);
}

enum tok { T_END, T_PART, T_AND, T_OR, T_WITH, T_OPEN, T_CLOSE };

struct lexer {
	const char *p;
	struct strbuf part;
};

static bool word_is(const char *p, size_t n, const char *w)
{
	return n == strlen(w) && strncasecmp(p, w, n) == 0;
}

/*
 * The next token. A part runs until an operator word, ",", "&", "(" or ")"; its inner spaces
 * are kept ("Apache License 2.0", "GPL-2 or later" is handled by gnu_family after joining).
 */
static enum tok next_tok(struct lexer *lx)
{
	while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n')
		lx->p++;
	char c = *lx->p;
	if (!c)
		return T_END;
	if (c == '(' || c == ')' || c == ',' || c == '&' || c == ';') {
		lx->p++;
		return c == '(' ? T_OPEN : c == ')' ? T_CLOSE : T_AND;
	}
	strbuf_reset(&lx->part);
	while (*lx->p && !strchr("(),&;", *lx->p)) {
		const char *w = lx->p;
		size_t n = strcspn(w, " \t\n(),&;");
		if (word_is(w, n, "and") || word_is(w, n, "or") || word_is(w, n, "with")) {
			/* "GPL-2 or later": an "or" before "later"/"any later" belongs to the part
			 */
			const char *after = w + n;
			while (*after == ' ')
				after++;
			bool later = word_is(w, n, "or") && lx->part.len &&
				     (strncasecmp(after, "later", 5) == 0 ||
				      strncasecmp(after, "any later", 9) == 0);
			if (!later) {
				if (lx->part.len)
					break;
				lx->p = w + n;
				return word_is(w, n, "and")  ? T_AND
				       : word_is(w, n, "or") ? T_OR
							     : T_WITH;
			}
		}
		if (lx->part.len)
			strbuf_addch(&lx->part, ' ');
		strbuf_add(&lx->part, w, n);
		lx->p = w + n;
		while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n')
			lx->p++;
	}
	return T_PART;
}

char *cn_license_spdx(const char *text)
{
	if (!text || !*text || strlen(text) > LICENSE_TEXT_MAX)
		return NULL;
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	struct lexer lx = { text, STRBUF_INIT };
	int depth = 0;
	bool want_part = true, ok = true, after_with = false;
	size_t parts = 0;
	enum tok t;
	while (ok && (t = next_tok(&lx)) != T_END) {
		switch (t) {
		case T_PART:
			ok = want_part && map_part(lx.part.buf, after_with, &out);
			want_part = after_with = false;
			parts++;
			break;
		case T_AND:
		case T_OR:
		case T_WITH:
			ok = !want_part;
			strbuf_addstr(&out, t == T_AND ? " AND " : t == T_OR ? " OR " : " WITH ");
			want_part = true;
			after_with = t == T_WITH;
			break;
		case T_OPEN:
			ok = want_part && !after_with;
			depth++;
			strbuf_addch(&out, '(');
			break;
		case T_CLOSE:
			ok = !want_part && depth > 0;
			depth--;
			strbuf_addch(&out, ')');
			break;
		case T_END:
			break;
		}
	}
	strbuf_release(&lx.part);
	if (!ok || want_part || depth || !parts)
		return NULL;
	return strbuf_detach(&out, NULL);
}
