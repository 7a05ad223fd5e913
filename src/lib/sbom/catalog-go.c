/*
 * Go binaries: the module build info the Go linker embeds in every executable built in module
 * mode. Executables are streamed through a bounded scanner (never buffered whole): the build
 * info starts with the magic "\xff Go buildinf:" at a 16-byte aligned file offset; from Go 1.18
 * on its header (14-byte magic, pointer size, flags, padding to 32 bytes) is followed, when
 * flag bit 0x2 says "inline", by two uvarint-length-prefixed strings: the toolchain version
 * ("go1.19.8") and the module info. The module info sits between two 16-byte sentinels and has
 * tab-separated lines "path P", "mod P V SUM" (the main module), "dep P V SUM" and
 * "=> P V SUM" (the replacement of the line before), plus "build" settings we ignore.
 *
 * Older binaries (Go < 1.18) store pointers into the data segment instead of inline strings;
 * following them needs the ELF program headers, so those are skipped (logged at debug level).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/log.h"
#include "lib/sbom/catalog.h"

#define MAGIC	       "\xff Go buildinf:"
#define MAGIC_LEN      14u
#define HEADER_LEN     32u
#define INFO_MAX       (256u << 10) /* header + version + module info, bounded */
#define VERSION_MAX    1024u
#define MODULES_MAX    20000u
#define MIN_EXECUTABLE 64

/* The module info's sentinels (cmd/go writes them around the text). */
static const uint8_t info_start[16] = { 0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02,
					0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6 };
static const uint8_t info_end[16] = { 0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72,
				      0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2 };

struct go_scan {
	char *path;
	uint64_t off; /* file offset of the next byte fed */
	uint8_t elf[4];
	size_t elf_len;
	/* the last bytes before `off` (a magic may straddle two blocks) */
	uint8_t carry[MAGIC_LEN - 1];
	size_t carry_len;
	/* from a candidate magic on: every byte from info_off to off */
	uint8_t *info;
	size_t info_len;
	uint64_t info_off;
	/* results */
	char *go_version;
	char *mod_info;
	size_t mod_info_len;
};

static void go_scan_free(struct go_scan *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->info);
	free(s->go_version);
	free(s->mod_info);
	free(s);
}
DEFINE_CLEANUP_FUNC(struct go_scan, go_scan_free)

static enum cn_catalog_want wants(const char *path, mode_t mode, int64_t size)
{
	(void)path;
	if (!S_ISREG(mode) || !(mode & 0111) || size < MIN_EXECUTABLE)
		return CN_WANT_NONE;
	return CN_WANT_STREAM;
}

static void *stream_begin(const char *path, int64_t size)
{
	(void)size;
	struct go_scan *s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	return s;
}

/* Reads a uvarint at *pos; 1 done, 0 need more bytes, -1 malformed. */
static int uvarint(const uint8_t *b, size_t len, size_t *pos, uint64_t *ret)
{
	uint64_t v = 0;
	for (unsigned shift = 0, i = 0; shift < 64; shift += 7, i++) {
		if (*pos + i >= len)
			return 0;
		uint8_t c = b[*pos + i];
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*pos += i + 1;
			*ret = v;
			return 1;
		}
	}
	return -1;
}

/* Examines the candidate in s->info: 1 found (or a format we stop at), 0 need more, -1 not
 * build info after all. */
static int check_candidate(struct go_scan *s)
{
	const uint8_t *b = s->info;
	if (s->info_len < HEADER_LEN)
		return 0;
	uint8_t ptr_size = b[14], flags = b[15];
	if (ptr_size != 4 && ptr_size != 8)
		return -1;
	if (!(flags & 0x2)) {
		cn_debug("%s: Go build info in the pre-1.18 pointer format: skipped", s->path);
		return 1;
	}
	size_t pos = HEADER_LEN;
	uint64_t vlen, mlen;
	int r = uvarint(b, s->info_len, &pos, &vlen);
	if (r <= 0)
		return r;
	if (vlen < 3 || vlen > VERSION_MAX)
		return -1;
	if (pos + vlen > s->info_len)
		return 0;
	if (memcmp(b + pos, "go", 2) != 0 && memcmp(b + pos, "devel", MIN(vlen, 5)) != 0)
		return -1;
	size_t vpos = pos;
	pos += vlen;
	r = uvarint(b, s->info_len, &pos, &mlen);
	if (r == 0 && s->info_len < INFO_MAX)
		return 0;
	if (r < 0)
		return -1;
	s->go_version = xstrndup((const char *)b + vpos, vlen);
	if (r > 0 && mlen <= s->info_len - pos) {
		/* not xstrndup: the end sentinel holds a NUL */
		s->mod_info = xmalloc(mlen + 1);
		memcpy(s->mod_info, b + pos, mlen);
		s->mod_info[mlen] = '\0';
		s->mod_info_len = mlen;
	} else if (r > 0 && s->info_len < INFO_MAX && mlen <= INFO_MAX) {
		free(TAKE_PTR(s->go_version));
		return 0;
	} else {
		cn_debug("%s: Go module info larger than %u bytes: toolchain only", s->path,
			 INFO_MAX);
	}
	return 1;
}

/* The candidate was not build info: look for the next aligned magic among the bytes already
 * held (offsets in info are aligned where info_off + k is), else go back to scanning. */
static void reject_candidate(struct go_scan *s)
{
	for (size_t k = 16; k + MAGIC_LEN <= s->info_len; k += 16) {
		if (memcmp(s->info + k, MAGIC, MAGIC_LEN) == 0) {
			memmove(s->info, s->info + k, s->info_len - k);
			s->info_len -= k;
			s->info_off += k;
			return;
		}
	}
	size_t keep = MIN(s->info_len - 1, (size_t)MAGIC_LEN - 1);
	memcpy(s->carry, s->info + s->info_len - keep, keep);
	s->carry_len = keep;
	free(TAKE_PTR(s->info));
	s->info_len = 0;
}

static void start_candidate(struct go_scan *s, uint64_t at)
{
	s->info = xmalloc(INFO_MAX);
	memcpy(s->info, MAGIC, MAGIC_LEN);
	s->info_len = MAGIC_LEN;
	s->info_off = at;
	s->carry_len = 0;
}

/* Scans a block for an aligned magic. Returns how many bytes of data it consumed: all of them,
 * or up to the end of a magic found (then s->info holds the candidate). */
static size_t scan_block(struct go_scan *s, const uint8_t *data, size_t len)
{
	/* a magic starting in the carried bytes */
	if (s->carry_len) {
		uint8_t tmp[2 * MAGIC_LEN];
		size_t extra = MIN(len, (size_t)MAGIC_LEN - 1);
		memcpy(tmp, s->carry, s->carry_len);
		memcpy(tmp + s->carry_len, data, extra);
		uint64_t base = s->off - s->carry_len;
		for (size_t j = 0; j < s->carry_len && j + MAGIC_LEN <= s->carry_len + extra; j++) {
			if ((base + j) % 16 == 0 && memcmp(tmp + j, MAGIC, MAGIC_LEN) == 0) {
				size_t used = j + MAGIC_LEN - s->carry_len;
				start_candidate(s, base + j);
				s->off += used;
				return used;
			}
		}
	}
	size_t i = (size_t)((16 - s->off % 16) % 16);
	for (; i + MAGIC_LEN <= len; i += 16) {
		if (data[i] == 0xff && memcmp(data + i, MAGIC, MAGIC_LEN) == 0) {
			start_candidate(s, s->off + i);
			s->off += i + MAGIC_LEN;
			return i + MAGIC_LEN;
		}
	}
	/* keep the last bytes of carry + data */
	size_t keep = MIN(s->carry_len + len, (size_t)MAGIC_LEN - 1);
	uint8_t tmp[2 * MAGIC_LEN];
	size_t from_data = MIN(len, keep), from_carry = keep - from_data;
	memcpy(tmp, s->carry + s->carry_len - from_carry, from_carry);
	memcpy(tmp + from_carry, data + len - from_data, from_data);
	memcpy(s->carry, tmp, keep);
	s->carry_len = keep;
	s->off += len;
	return len;
}

/* Waits for the ELF magic: anything else (a script) is not a Go binary. 1 = not ELF. */
static int check_elf(struct go_scan *s, const uint8_t **data, size_t *len)
{
	while (s->elf_len < 4 && *len) {
		s->elf[s->elf_len++] = **data;
		(*data)++, (*len)--;
	}
	if (s->elf_len < 4)
		return 0;
	if (memcmp(s->elf,
		   "\x7f"
		   "ELF",
		   4) != 0)
		return 1;
	if (s->off == 0) {
		s->off = 4;
		memcpy(s->carry, s->elf, 4);
		s->carry_len = 4;
	}
	return 0;
}

static int stream_feed(void *state, const uint8_t *data, size_t len, struct cn_error *err)
{
	struct go_scan *s = state;
	(void)err;
	if (check_elf(s, &data, &len) > 0)
		return 1;
	while (len) {
		if (!s->info) {
			size_t used = scan_block(s, data, len);
			data += used, len -= used;
			continue;
		}
		size_t take = MIN(len, INFO_MAX - s->info_len);
		memcpy(s->info + s->info_len, data, take);
		s->info_len += take;
		s->off += take;
		data += take, len -= take;
		for (;;) {
			int r = check_candidate(s);
			if (r > 0)
				return 1;
			if (r == 0 && s->info_len < INFO_MAX)
				break;
			reject_candidate(s);
			if (!s->info)
				break;
		}
	}
	return 0;
}

/* "go1.19.8" -> "1.19.8", "go1.20" -> "1.20.0", "go1.21rc2" -> "1.21.0-rc.2": the semver form
 * Go's vulnerability records use for "stdlib". Anything else is kept as written. */
static char *stdlib_version(const char *v)
{
	size_t n = strcspn(v, " ");
	if (n < 3 || strncmp(v, "go", 2) != 0)
		return xstrndup(v, n);
	const char *p = v + 2, *end = v + n;
	unsigned dots = 0;
	const char *q = p;
	while (q < end && ((*q >= '0' && *q <= '9') || *q == '.'))
		dots += *q++ == '.';
	const char *pre = q;
	while (pre < end && *pre >= 'a' && *pre <= 'z')
		pre++;
	if (q == p || (pre != q && (pre == end || dots != 1)) || (pre == q && q != end))
		return xstrndup(v, n);
	if (pre == q)
		return dots == 1 ? xasprintf("%.*s.0", (int)(q - p), p)
				 : xstrndup(p, (size_t)(q - p));
	return xasprintf("%.*s.0-%.*s.%.*s", (int)(q - p), p, (int)(pre - q), q, (int)(end - pre),
			 pre);
}

static struct cn_package *add_go(struct cn_found *f, const char *name, size_t name_len,
				 const char *version, size_t version_len)
{
	struct cn_package *p = cn_found_add(f);
	p->type = CN_PKG_GO;
	p->name = xstrndup(name, name_len);
	p->version = xstrndup(version, version_len);
	return p;
}

/* Splits a tab-separated line into at most 4 fields; returns the count. */
static size_t split_tabs(const char *s, size_t n, const char **fld, size_t *flen)
{
	size_t k = 0;
	const char *end = s + n;
	while (k < 4) {
		const char *t = memchr(s, '\t', (size_t)(end - s));
		fld[k] = s;
		flen[k] = (size_t)((t ? t : end) - s);
		k++;
		if (!t)
			break;
		s = t + 1;
	}
	return k;
}

/* Module paths and versions are printable text; anything else (a NUL, a control byte) means
 * the bytes are not build info after all. */
static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static void parse_mod_info(struct go_scan *s, struct cn_found *f)
{
	const char *p = s->mod_info, *end = p + s->mod_info_len;
	if (s->mod_info_len >= 32 && memcmp(p, info_start, 16) == 0 &&
	    memcmp(end - 16, info_end, 16) == 0)
		p += 16, end -= 16;
	struct cn_package *last = NULL;
	size_t count = 0;
	while (p < end && count < MODULES_MAX) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *fld[4];
		size_t flen[4];
		size_t k = split_tabs(p, (size_t)((nl ? nl : end) - p), fld, flen);
		p = nl ? nl + 1 : end;
		if (k < 3 || flen[1] == 0 || !printable(fld[1], flen[1]) ||
		    !printable(fld[2], flen[2]))
			continue;
		bool is_mod = flen[0] == 3 && memcmp(fld[0], "mod", 3) == 0;
		bool is_dep = flen[0] == 3 && memcmp(fld[0], "dep", 3) == 0;
		if (is_mod || is_dep) {
			last = add_go(f, fld[1], flen[1], flen[2] ? fld[2] : "(devel)",
				      flen[2] ? flen[2] : 7);
			count++;
		} else if (flen[0] == 2 && memcmp(fld[0], "=>", 2) == 0 && last) {
			/* a module replacement wins; a local directory ("../x", "/src/x") is
			 * the original module at no released version */
			bool local = fld[1][0] == '.' || fld[1][0] == '/';
			if (!local && flen[2]) {
				free(last->name);
				free(last->version);
				last->name = xstrndup(fld[1], flen[1]);
				last->version = xstrndup(fld[2], flen[2]);
			} else {
				free(last->version);
				last->version = xstrdup("(devel)");
			}
			last = NULL;
		}
	}
}

static int stream_end(void *state, struct cn_found *f, struct cn_error *err)
{
	_cleanup_(go_scan_freep) struct go_scan *s = state;
	(void)err;
	if (!s->go_version)
		return 0;
	if (s->mod_info)
		parse_mod_info(s, f);
	struct cn_package *p = cn_found_add(f);
	p->type = CN_PKG_GO;
	p->name = xstrdup("stdlib");
	p->version = stdlib_version(s->go_version);
	return 0;
}

const struct cn_cataloger cn_catalog_go = {
	.name = "go",
	.wants = wants,
	.stream_begin = stream_begin,
	.stream_feed = stream_feed,
	.stream_end = stream_end,
};
