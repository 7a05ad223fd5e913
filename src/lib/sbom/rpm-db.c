/* rpm database containers read from memory: Berkeley DB hash, NDB and sqlite (rpm-db.h). */
#include "lib/sbom/rpm-db.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "lib/sbom/rpm-header.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* What a walk has visited. In an honest database every blob has its own bytes, so the blobs
 * add up to at most the container's size: a corrupt one pointing many entries at one big blob
 * is caught here instead of multiplying the work. */
struct visits {
	size_t n, bytes, container;
};

static int visit(struct visits *v, const uint8_t *blob, size_t len, cn_rpm_blob_fn fn,
		 void *userdata, struct cn_error *err)
{
	if (++v->n > CN_RPM_DB_MAX_PKGS)
		return cn_error_set(err, -E2BIG, "more than %u packages", CN_RPM_DB_MAX_PKGS);
	v->bytes += len;
	if (v->bytes > v->container)
		return cn_error_set(err, -EBADMSG, "package blobs overlap");
	return fn(blob, len, userdata, err);
}

/*
 * Berkeley DB hash. Page 0 is the meta page (generic header: magic at 12, page size at 20,
 * page type at 25, last page number at 32). Every page starts with a 26-byte header (next page
 * at 16, entry count at 20, hf_offset at 22, type at 25) followed, on hash pages, by an array of
 * 16-bit item offsets: items pair up as key, data. A data item is either inline (H_KEYDATA:
 * one type byte then the bytes, up to the previous item) or H_OFFPAGE (type, 3 unused bytes,
 * first overflow page, total length); overflow pages hold hf_offset bytes each after their
 * header. Numbers are in the byte order of the machine that wrote the file.
 */
#define BDB_HASH_MAGIC	    0x061561u
#define BDB_PAGE_HEADER	    26u
#define BDB_P_HASH_UNSORTED 2
#define BDB_P_OVERFLOW	    7
#define BDB_P_HASHMETA	    8
#define BDB_P_HASH	    13
#define BDB_H_KEYDATA	    1
#define BDB_H_OFFPAGE	    3

struct bdb {
	const uint8_t *data;
	uint32_t pagesize, n_pages;
	bool swap; /* big-endian file */
	struct strbuf buf;
	struct visits visits;
};

static uint32_t bdb32(const struct bdb *db, const uint8_t *p)
{
	return db->swap ? be32(p) : le32(p);
}

static uint16_t bdb16(const struct bdb *db, const uint8_t *p)
{
	unsigned v = db->swap ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
	return (uint16_t)v;
}

static const uint8_t *bdb_page(const struct bdb *db, uint32_t pgno)
{
	return db->data + (size_t)pgno * db->pagesize;
}

static int bdb_open(struct bdb *db, const uint8_t *data, size_t len, struct cn_error *err)
{
	if (len < 512)
		return cn_error_set(err, -EBADMSG, "Berkeley DB: %zu bytes, too short", len);
	db->data = data;
	if (le32(data + 12) == BDB_HASH_MAGIC)
		db->swap = false;
	else if (be32(data + 12) == BDB_HASH_MAGIC)
		db->swap = true;
	else
		return cn_error_set(err, -EBADMSG, "Berkeley DB: not a hash database");
	db->pagesize = bdb32(db, data + 20);
	if (db->pagesize < 512 || db->pagesize > 65536 || (db->pagesize & (db->pagesize - 1)))
		return cn_error_set(err, -EBADMSG, "Berkeley DB: bad page size %u", db->pagesize);
	if (data[24] != 0 || data[25] != BDB_P_HASHMETA)
		return cn_error_set(err, -EBADMSG,
				    "Berkeley DB: encrypted or not a hash meta page");
	uint64_t last = bdb32(db, data + 32);
	if ((last + 1) * db->pagesize > len)
		return cn_error_set(err, -EBADMSG, "Berkeley DB: truncated (%llu pages, %zu bytes)",
				    (unsigned long long)last + 1, len);
	db->n_pages = (uint32_t)last + 1;
	return 0;
}

/* Gathers the overflow chain starting at `pgno` (exactly `tlen` bytes) into db->buf. */
static int bdb_overflow(struct bdb *db, uint32_t pgno, uint32_t tlen, struct cn_error *err)
{
	strbuf_reset(&db->buf);
	for (uint32_t hops = 0; pgno != 0; hops++) {
		if (pgno >= db->n_pages || hops >= db->n_pages)
			return cn_error_set(err, -EBADMSG, "Berkeley DB: bad overflow page %u",
					    pgno);
		const uint8_t *pg = bdb_page(db, pgno);
		uint32_t n = bdb16(db, pg + 22);
		if (pg[25] != BDB_P_OVERFLOW || n > db->pagesize - BDB_PAGE_HEADER ||
		    n > tlen - db->buf.len)
			return cn_error_set(err, -EBADMSG, "Berkeley DB: corrupt overflow page %u",
					    pgno);
		strbuf_add(&db->buf, pg + BDB_PAGE_HEADER, n);
		pgno = bdb32(db, pg + 16);
	}
	if (db->buf.len != tlen)
		return cn_error_set(err, -EBADMSG, "Berkeley DB: overflow item of %u bytes has %zu",
				    tlen, db->buf.len);
	return 0;
}

/* Item `i` of a hash page as [*ret_start, *ret_end): items are laid out downwards from the
 * end of the page, so item i ends where item i-1 starts. */
static int bdb_item(const struct bdb *db, const uint8_t *pg, uint32_t i, uint32_t n,
		    uint32_t *ret_start, uint32_t *ret_end)
{
	uint32_t start = bdb16(db, pg + BDB_PAGE_HEADER + 2 * i);
	uint32_t end = i == 0 ? db->pagesize : bdb16(db, pg + BDB_PAGE_HEADER + 2 * (i - 1));
	if (start < BDB_PAGE_HEADER + 2 * n || start >= end || end > db->pagesize)
		return -EBADMSG;
	*ret_start = start;
	*ret_end = end;
	return 0;
}

static int bdb_page_items(struct bdb *db, uint32_t pgno, cn_rpm_blob_fn fn, void *userdata,
			  struct cn_error *err)
{
	const uint8_t *pg = bdb_page(db, pgno);
	uint32_t n = bdb16(db, pg + 20);
	if (BDB_PAGE_HEADER + 2 * n > db->pagesize)
		return cn_error_set(err, -EBADMSG, "Berkeley DB: page %u: %u entries", pgno, n);
	for (uint32_t i = 0; i + 1 < n; i += 2) {
		uint32_t ks, ke, ds, de;
		if (bdb_item(db, pg, i, n, &ks, &ke) < 0 ||
		    bdb_item(db, pg, i + 1, n, &ds, &de) < 0)
			return cn_error_set(err, -EBADMSG, "Berkeley DB: page %u: bad item %u",
					    pgno, i);
		int r;
		if (pg[ds] == BDB_H_OFFPAGE) {
			if (de - ds < 12)
				return cn_error_set(err, -EBADMSG,
						    "Berkeley DB: page %u: short item %u", pgno,
						    i + 1);
			r = bdb_overflow(db, bdb32(db, pg + ds + 4), bdb32(db, pg + ds + 8), err);
			if (r < 0)
				return r;
			r = visit(&db->visits, (const uint8_t *)db->buf.buf, db->buf.len, fn,
				  userdata, err);
		} else if (pg[ds] == BDB_H_KEYDATA) {
			/* rpm keeps the next package number under the 4-byte key 0. */
			static const uint8_t key0[5] = { BDB_H_KEYDATA, 0, 0, 0, 0 };
			if (ke - ks == sizeof(key0) && memcmp(pg + ks, key0, sizeof(key0)) == 0)
				continue;
			r = visit(&db->visits, pg + ds + 1, de - ds - 1, fn, userdata, err);
		} else {
			continue; /* duplicates: rpm does not use them */
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int cn_rpm_bdb_foreach(const uint8_t *data, size_t len, cn_rpm_blob_fn fn, void *userdata,
		       struct cn_error *err)
{
	struct bdb db = { .buf = STRBUF_INIT, .visits.container = len };
	int r = bdb_open(&db, data, len, err);
	for (uint32_t p = 1; r >= 0 && p < db.n_pages; p++) {
		uint8_t type = bdb_page(&db, p)[25];
		if (type == BDB_P_HASH || type == BDB_P_HASH_UNSORTED)
			r = bdb_page_items(&db, p, fn, userdata, err);
	}
	strbuf_release(&db.buf);
	return r;
}

/*
 * NDB (rpm's lib/backend/ndb). Little-endian. A 32-byte database header ("RpmP", version 0,
 * generation, number of 4 KiB slot pages) shares the first slot page with the slots; each
 * 16-byte slot is "Slot", package index (0: free), block offset, block count, in 16-byte
 * blocks. A blob starts with "BlbS", package index, generation and length; the header blob
 * follows, then zero padding and a tail (adler32, length, "BlbE") ending the slot's blocks.
 */
#define NDB_MAGIC	  0x506d7052u /* "RpmP" */
#define NDB_SLOT_MAGIC	  0x746f6c53u /* "Slot" */
#define NDB_BLOB_MAGIC	  0x53626c42u /* "BlbS" */
#define NDB_PAGE	  4096u
#define NDB_SLOT	  16u
#define NDB_BLOCK	  16u
#define NDB_BLOB_HEAD	  16u
#define NDB_BLOB_TAIL	  12u
#define NDB_TAIL_MAGIC	  0x45626c42u /* "BlbE" */
#define NDB_MAX_SLOTPAGES 2048u

static int ndb_slot(const uint8_t *data, size_t len, const uint8_t *slot, struct visits *visits,
		    cn_rpm_blob_fn fn, void *userdata, struct cn_error *err)
{
	uint32_t pkgidx = le32(slot + 4), blkoff = le32(slot + 8), blkcnt = le32(slot + 12);
	if (le32(slot) != NDB_SLOT_MAGIC)
		return cn_error_set(err, -EBADMSG, "NDB: bad slot magic");
	if (pkgidx == 0)
		return 0;
	uint64_t start = (uint64_t)blkoff * NDB_BLOCK, size = (uint64_t)blkcnt * NDB_BLOCK;
	if (start < NDB_PAGE || size < NDB_BLOB_HEAD + NDB_BLOB_TAIL || start + size > len)
		return cn_error_set(err, -EBADMSG, "NDB: package %u: blocks out of bounds", pkgidx);
	const uint8_t *b = data + start;
	uint32_t bloblen = le32(b + 12);
	if (le32(b) != NDB_BLOB_MAGIC || le32(b + 4) != pkgidx)
		return cn_error_set(err, -EBADMSG, "NDB: package %u: corrupt blob header", pkgidx);
	/* Like rpm: the blocks fit head, blob and tail exactly, and the tail repeats the length
	 * (its checksum rpm itself checks only when verifying, and so does not this reader). */
	uint64_t need = ((uint64_t)NDB_BLOB_HEAD + bloblen + NDB_BLOB_TAIL + NDB_BLOCK - 1) /
			NDB_BLOCK * NDB_BLOCK;
	const uint8_t *tail = b + size - NDB_BLOB_TAIL;
	if (need != size || le32(tail + 4) != bloblen || le32(tail + 8) != NDB_TAIL_MAGIC)
		return cn_error_set(err, -EBADMSG, "NDB: package %u: corrupt blob", pkgidx);
	return visit(visits, b + NDB_BLOB_HEAD, bloblen, fn, userdata, err);
}

int cn_rpm_ndb_foreach(const uint8_t *data, size_t len, cn_rpm_blob_fn fn, void *userdata,
		       struct cn_error *err)
{
	if (len < NDB_PAGE || le32(data) != NDB_MAGIC)
		return cn_error_set(err, -EBADMSG, "NDB: not an rpm package database");
	uint32_t version = le32(data + 4), npages = le32(data + 12);
	if (version != 0)
		return cn_error_set(err, -EBADMSG, "NDB: unknown version %u", version);
	if (npages == 0 || npages > NDB_MAX_SLOTPAGES || (uint64_t)npages * NDB_PAGE > len)
		return cn_error_set(err, -EBADMSG, "NDB: bad slot page count %u", npages);
	struct visits visits = { .container = len };
	size_t end = (size_t)npages * NDB_PAGE;
	/* The first two slots' room holds the database header. */
	for (size_t off = 2 * NDB_SLOT; off < end; off += NDB_SLOT) {
		int r = ndb_slot(data, len, data + off, &visits, fn, userdata, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * sqlite: the file is handed to sqlite's in-memory VFS. A copy is needed (sqlite may write to
 * it) and lets the header say "rollback journal": sqlite refuses to deserialize WAL-mode files.
 * The database is untrusted: defensive mode, no trusted schema, and a bounded amount of work.
 */
#define SQLITE_MAX_STEPS 100000 /* progress callbacks, each every 1000 VM instructions */

static int sqlite_progress(void *p)
{
	unsigned *steps = p;
	return ++*steps > SQLITE_MAX_STEPS;
}

static void sqlite3_closep(sqlite3 **db)
{
	if (*db)
		(void)sqlite3_close(*db);
}

static void sqlite3_finalizep(sqlite3_stmt **st)
{
	if (*st)
		(void)sqlite3_finalize(*st);
}

static int sqlite_open_mem(const uint8_t *data, size_t len, sqlite3 **ret, struct cn_error *err)
{
	_cleanup_(sqlite3_closep) sqlite3 *db = NULL;
	if (len < 100 || memcmp(data, "SQLite format 3", 16) != 0)
		return cn_error_set(err, -EBADMSG, "sqlite: not an sqlite database");
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return cn_error_set(err, -ENOMEM, "sqlite: cannot open a memory database");
	(void)sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	(void)sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	uint8_t *copy = sqlite3_malloc64(len);
	if (!copy)
		return cn_error_set(err, -ENOMEM, "sqlite: %zu bytes", len);
	memcpy(copy, data, len);
	copy[18] = copy[19] = 1;
	/* With FREEONCLOSE sqlite owns `copy` from here on, also when this fails. */
	int rc = sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len, (sqlite3_int64)len,
				     SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
	if (rc != SQLITE_OK)
		return cn_error_set(err, -EBADMSG, "sqlite: %s", sqlite3_errstr(rc));
	*ret = TAKE_PTR(db);
	return 0;
}

int cn_rpm_sqlite_foreach(const uint8_t *data, size_t len, cn_rpm_blob_fn fn, void *userdata,
			  struct cn_error *err)
{
	_cleanup_(sqlite3_closep) sqlite3 *db = NULL;
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int r = sqlite_open_mem(data, len, &db, err);
	if (r < 0)
		return r;
	unsigned steps = 0;
	sqlite3_progress_handler(db, 1000, sqlite_progress, &steps);
	if (sqlite3_prepare_v2(db, "SELECT blob FROM Packages ORDER BY hnum", -1, &st, NULL) !=
	    SQLITE_OK)
		return cn_error_set(err, -EBADMSG, "sqlite: %s", sqlite3_errmsg(db));
	struct visits visits = { .container = len };
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		if (!blob || n <= 0)
			return cn_error_set(err, -EBADMSG, "sqlite: empty package blob");
		r = visit(&visits, blob, (size_t)n, fn, userdata, err);
		if (r < 0)
			return r;
	}
	if (rc != SQLITE_DONE)
		return cn_error_set(err, rc == SQLITE_NOMEM ? -ENOMEM : -EBADMSG, "sqlite: %s",
				    sqlite3_errmsg(db));
	return 0;
}
