/* The matcher (match.h): package keys, OSV range evaluation, merging, filtering. */
#include "lib/vuln/match.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "base/alloc.h"
#include "base/cleanup.h"

#define KEY_MAX	     128
#define PKG_NAME_MAX 512
#define EVENTS_MAX   4096 /* events of one range; more is not a real advisory */

const char *cn_sev_source_name(enum cn_sev_source s)
{
	switch (s) {
	case CN_SEV_FROM_CVSS_V4:
		return "cvss-v4";
	case CN_SEV_FROM_CVSS_V3:
		return "cvss-v3";
	case CN_SEV_FROM_SOURCE:
		return "source";
	case CN_SEV_FROM_NONE:
		break;
	}
	return "none";
}

/* ---- package -> (key, name, version, ordering) ------------------------------------------ */

/* The first `parts` dot-separated components of version_id ("3.16.2", 2 -> "3.16"). */
static int version_prefix(const char *v, int parts, char *buf, size_t size)
{
	size_t n = 0;

	for (int i = 0; i < parts; i++) {
		size_t k = strcspn(v + n, ".");
		if (k == 0)
			return -ENOENT;
		n += k;
		if (!v[n] || i == parts - 1)
			break;
		n++;
	}
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return 0;
}

static int os_key(const struct cn_os *os, const char *prefix, int parts, char *key, size_t size)
{
	char ver[64];
	int r;

	if (!os->version_id)
		return -ENOENT;
	r = version_prefix(os->version_id, parts, ver, sizeof(ver));
	if (r < 0)
		return r;
	return snprintf(key, size, "%s:%s", prefix, ver) < (int)size ? 0 : -ENAMETOOLONG;
}

static int copy(char *buf, size_t size, const char *s)
{
	return snprintf(buf, size, "%s", s) < (int)size ? 0 : -ENAMETOOLONG;
}

static bool os_is(const struct cn_os *os, const char *const *ids)
{
	for (size_t i = 0; os->id && ids[i]; i++)
		if (strcmp(os->id, ids[i]) == 0)
			return true;
	return false;
}

static int distro_key(const struct cn_sbom *sbom, const struct cn_package *p, char *key,
		      size_t key_size)
{
	static const char *const debian[] = { "debian", NULL }, *const ubuntu[] = { "ubuntu",
										    NULL };
	static const char *const alpine[] = { "alpine", NULL };
	static const char *const redhat[] = { "rhel", "centos", "rocky", "almalinux", NULL };
	const struct cn_os *os = &sbom->os;

	switch (p->type) {
	case CN_PKG_DEB:
		if (os_is(os, debian))
			return os_key(os, "debian", 1, key, key_size);
		if (os_is(os, ubuntu))
			return os_key(os, "ubuntu", 2, key, key_size);
		return -ENOENT;
	case CN_PKG_APK:
		return os_is(os, alpine) ? os_key(os, "alpine", 2, key, key_size) : -ENOENT;
	case CN_PKG_RPM:
		return os_is(os, redhat) ? os_key(os, "redhat", 1, key, key_size) : -ENOENT;
	default:
		return -ENOENT;
	}
}

int cn_scan_package_key(const struct cn_sbom *sbom, const struct cn_package *p, char *key,
			size_t key_size, char *name, size_t name_size, const char **ret_version,
			enum cn_ecosystem *ret_eco)
{
	const char *version = p->version;
	int r;

	if (!p->name || !p->version)
		return -ENOENT;
	switch (p->type) {
	case CN_PKG_DEB:
	case CN_PKG_APK:
	case CN_PKG_RPM:
		r = distro_key(sbom, p, key, key_size);
		if (r < 0)
			return r;
		/* rpm advisories name binary packages; deb and apk ones the source / origin. */
		if (p->type != CN_PKG_RPM && p->source_name)
			r = copy(name, name_size, p->source_name);
		else
			r = copy(name, name_size, p->name);
		if (p->type == CN_PKG_DEB && p->source_version)
			version = p->source_version;
		*ret_eco = p->type == CN_PKG_DEB   ? CN_ECO_DEB
			   : p->type == CN_PKG_APK ? CN_ECO_APK
						   : CN_ECO_RPM;
		break;
	case CN_PKG_PYTHON:
		if (p->flags & CN_PKG_OS_OWNED)
			return -ENOENT;
		r = copy(key, key_size, "pypi");
		if (r >= 0)
			r = cn_vuln_pypi_name(p->name, name, name_size);
		*ret_eco = CN_ECO_PYPI;
		break;
	case CN_PKG_NPM:
		r = copy(key, key_size, "npm");
		if (r >= 0)
			r = copy(name, name_size, p->name);
		*ret_eco = CN_ECO_NPM;
		break;
	case CN_PKG_GO:
		r = copy(key, key_size, "go");
		if (r >= 0)
			r = copy(name, name_size, p->name);
		/* The toolchain reports "go1.21.3"; Go's vulndb orders stdlib as "v1.21.3". */
		if (strncmp(version, "go", 2) == 0)
			version += 2;
		*ret_eco = CN_ECO_GO;
		break;
	case CN_PKG_JAVA:
		if (p->flags & CN_PKG_OS_OWNED)
			return -ENOENT;
		r = copy(key, key_size, "maven");
		if (r >= 0)
			r = snprintf(name, name_size, "%s%s%s", p->group ? p->group : "",
				     p->group ? ":" : "", p->name) < (int)name_size
				    ? 0
				    : -ENAMETOOLONG;
		*ret_eco = CN_ECO_MAVEN;
		break;
	default:
		return -ENOENT;
	}
	if (r < 0)
		return r;
	*ret_version = version;
	return 0;
}

/* ---- OSV range evaluation -------------------------------------------------------------- */

struct order {
	enum cn_ecosystem eco;
	bool semver;
};

/* Semver ranges (Go's vulndb, GHSA) write "1.2.3"; Go packages carry "v1.2.3". */
static const char *strip_v(const struct order *o, const char *v)
{
	return o->semver && v[0] == 'v' ? v + 1 : v;
}

static int order_cmp(const struct order *o, const char *a, const char *b)
{
	if (o->semver)
		return cn_version_compare(CN_ECO_NPM, strip_v(o, a), strip_v(o, b));
	return cn_version_compare(o->eco, a, b);
}

static bool is_zero(const struct cn_vuln_event *e)
{
	return e->kind == CN_VULN_INTRODUCED && strcmp(e->version, "0") == 0;
}

/* Insertion sort: reentrant, allocation-free, and advisories have a handful of events. */
static void sort_events(const struct order *o, const struct cn_vuln_event **ev, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		const struct cn_vuln_event *x = ev[i];
		size_t j = i;
		while (j > 0) {
			const struct cn_vuln_event *y = ev[j - 1];
			int c;
			if (is_zero(x) || is_zero(y))
				c = is_zero(y) ? -1 : 1; /* "0" sorts first */
			else
				c = order_cmp(o, y->version, x->version);
			if (c <= 0)
				break;
			ev[j] = y;
			j--;
		}
		ev[j] = x;
	}
}

/* Returns whether v is inside the range; *fixed = the first fixed event above v in it. */
static bool range_affects(const struct order *o, const struct cn_vuln_range *range, const char *v,
			  const char **fixed)
{
	const struct cn_vuln_event *stack[64], **ev = stack;
	cleanup_free const struct cn_vuln_event **heap = NULL;
	bool affected = false, limited = false;
	size_t n = range->n_events;

	*fixed = NULL;
	if (n > EVENTS_MAX)
		n = EVENTS_MAX;
	if (n > ARRAY_SIZE(stack))
		ev = heap = xreallocarray(NULL, n, sizeof(*heap));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (range->events[i].version) /* a source's event without a version means nothing */
			ev[k++] = &range->events[i];
	n = k;
	sort_events(o, ev, n);
	for (size_t i = 0; i < n; i++) {
		const struct cn_vuln_event *e = ev[i];
		switch (e->kind) {
		case CN_VULN_INTRODUCED:
			if (is_zero(e) || order_cmp(o, v, e->version) >= 0)
				affected = true;
			break;
		case CN_VULN_FIXED:
			if (order_cmp(o, v, e->version) >= 0)
				affected = false;
			else if (affected && !*fixed)
				*fixed = e->version;
			break;
		case CN_VULN_LAST_AFFECTED:
			if (order_cmp(o, v, e->version) > 0)
				affected = false;
			break;
		case CN_VULN_LIMIT:
			/* A limit caps the whole range, whatever events follow it. */
			if (order_cmp(o, v, e->version) >= 0)
				limited = true;
			break;
		}
	}
	return affected && !limited;
}

int cn_scan_affected(enum cn_ecosystem eco, const struct cn_vuln_affected *a, const char *version,
		     const char **ret_fixed)
{
	const char *fixed = NULL;
	bool hit = false;

	if (!cn_version_valid(eco, version))
		return -EINVAL;
	for (size_t i = 0; i < a->n_ranges && !hit; i++) {
		struct order o = { eco, a->ranges[i].type == CN_VULN_RANGE_SEMVER };
		hit = range_affects(&o, &a->ranges[i], version, &fixed);
	}
	for (size_t i = 0; i < a->n_versions && !hit; i++) {
		struct order o = { eco, false };
		hit = a->versions[i] && order_cmp(&o, version, a->versions[i]) == 0;
	}
	if (hit && !fixed) {
		/* A version listed explicitly: the lowest fixed version above it, if any range
		 * has one. */
		for (size_t i = 0; i < a->n_ranges; i++) {
			struct order o = { eco, a->ranges[i].type == CN_VULN_RANGE_SEMVER };
			for (size_t k = 0; k < a->ranges[i].n_events; k++) {
				const struct cn_vuln_event *e = &a->ranges[i].events[k];
				if (e->kind == CN_VULN_FIXED && e->version &&
				    order_cmp(&o, version, e->version) < 0 &&
				    (!fixed || order_cmp(&o, e->version, fixed) < 0))
					fixed = e->version;
			}
		}
	}
	if (hit && ret_fixed)
		*ret_fixed = fixed;
	return hit;
}

/* ---- findings --------------------------------------------------------------------------- */

struct severity_pick {
	enum cn_severity sev;
	enum cn_sev_source from;
	unsigned score10;
	const char *vector;
};

static void pick_severity(const struct cn_vuln_record *rec, const struct cn_vuln_affected *a,
			  struct severity_pick *s)
{
	const char *vectors[2] = { rec->cvss_v4, rec->cvss_v3 };
	const char *ratings[2] = { a->severity, rec->severity };

	*s = (struct severity_pick){ CN_SEV_UNKNOWN, CN_SEV_FROM_NONE, 0, NULL };
	for (int i = 0; i < 2; i++) {
		struct cn_cvss c;
		if (vectors[i] && cn_cvss_parse(vectors[i], &c, NULL) == 0) {
			*s = (struct severity_pick){ c.rating,
						     i == 0 ? CN_SEV_FROM_CVSS_V4
							    : CN_SEV_FROM_CVSS_V3,
						     c.score10, vectors[i] };
			return;
		}
	}
	for (int i = 0; i < 2; i++) {
		enum cn_severity sev;
		if (ratings[i] && cn_severity_parse(ratings[i], &sev) == 0 &&
		    sev != CN_SEV_UNKNOWN) {
			s->sev = sev;
			s->from = CN_SEV_FROM_SOURCE;
			return;
		}
	}
}

static char *xstrdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static bool has_id(const struct cn_scan_finding *f, const char *id)
{
	if (strcmp(f->id, id) == 0)
		return true;
	for (size_t i = 0; i < f->n_aliases; i++)
		if (strcmp(f->aliases[i], id) == 0)
			return true;
	return false;
}

static void add_alias(struct cn_scan_finding *f, const char *id)
{
	if (has_id(f, id))
		return;
	f->aliases = xreallocarray(f->aliases, f->n_aliases + 1, sizeof(*f->aliases));
	f->aliases[f->n_aliases++] = xstrdup(id);
}

static void finding_release(struct cn_scan_finding *f)
{
	free(f->id);
	for (size_t i = 0; i < f->n_aliases; i++)
		free(f->aliases[i]);
	free(f->aliases);
	free(f->vector);
	free(f->installed);
	free(f->fixed);
	free(f->title);
	free(f->source);
	free(f->ecosystem);
	free(f->matched_name);
	free(f->matched_version);
}

struct group_pkg {
	size_t pkg;
	const char *version; /* the version compared */
};

/*
 * The ids (and aliases) of the current group's findings: (package, id) -> finding index, so
 * merging stays linear however many advisories one source package has. Open addressing with
 * linear probing. The id pointers are the findings' own strings: they never move or die while
 * a group is matched (merge() only moves them between a finding's id and its aliases).
 */
struct id_slot {
	const char *id; /* NULL: empty */
	size_t pkg;
	size_t finding;
};

struct id_index {
	struct id_slot *slots;
	size_t cap; /* 0 or a power of two */
	size_t n;
};

static uint64_t id_hash(size_t pkg, const char *id)
{
	uint64_t h = 14695981039346656037ULL ^ ((uint64_t)pkg * 0x9e3779b97f4a7c15ULL);

	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

/* The slot holding (pkg, id), or the empty slot where it would go. cap must be > 0. */
static struct id_slot *id_slot(struct id_index *x, size_t pkg, const char *id)
{
	size_t mask = x->cap - 1, i = (size_t)id_hash(pkg, id) & mask;

	while (x->slots[i].id && (x->slots[i].pkg != pkg || strcmp(x->slots[i].id, id) != 0))
		i = (i + 1) & mask;
	return &x->slots[i];
}

static void id_put(struct id_index *x, size_t pkg, const char *id, size_t finding)
{
	struct id_slot *slot;

	if ((x->n + 1) * 2 > x->cap) {
		struct id_slot *old = x->slots;
		size_t old_cap = x->cap;
		x->cap = old_cap ? old_cap * 2 : 64;
		x->slots = xcalloc(x->cap, sizeof(*x->slots));
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].id)
				*id_slot(x, old[i].pkg, old[i].id) = old[i];
		free(old);
	}
	slot = id_slot(x, pkg, id);
	if (!slot->id) {
		*slot = (struct id_slot){ id, pkg, finding };
		x->n++;
	}
}

static const struct id_slot *id_get(struct id_index *x, size_t pkg, const char *id)
{
	const struct id_slot *slot;

	if (!x->cap)
		return NULL;
	slot = id_slot(x, pkg, id);
	return slot->id ? slot : NULL;
}

static void id_clear(struct id_index *x)
{
	if (x->slots)
		memset(x->slots, 0, x->cap * sizeof(*x->slots));
	x->n = 0;
}

struct match_state {
	const struct cn_sbom *sbom;
	struct cn_scan_result *res;
	size_t alloc;
	const char *key, *name;
	enum cn_ecosystem eco;
	struct group_pkg *group;
	size_t n_group;
	struct id_index ids; /* of this group's findings */
};

/* The index of a finding of package pkg sharing an id or alias with rec, or -1. */
static ssize_t find_same(struct match_state *st, size_t pkg, const struct cn_vuln_record *rec)
{
	const struct id_slot *slot = id_get(&st->ids, pkg, rec->id);

	for (size_t k = 0; !slot && k < rec->n_aliases; k++)
		slot = id_get(&st->ids, pkg, rec->aliases[k]);
	return slot ? (ssize_t)slot->finding : -1;
}

static void index_finding(struct match_state *st, size_t idx)
{
	const struct cn_scan_finding *f = &st->res->findings[idx];

	id_put(&st->ids, f->pkg, f->id, idx);
	for (size_t i = 0; i < f->n_aliases; i++)
		id_put(&st->ids, f->pkg, f->aliases[i], idx);
}

static bool is_cve(const char *id)
{
	return strncmp(id, "CVE-", 4) == 0;
}

/* Whether record id `a` should name a merged finding rather than `b`: a CVE id (what distro
 * trackers and upstreams share), else the smaller one, so the result is independent of the
 * order the database returns records in. */
static bool better_id(const char *a, const char *b)
{
	if (is_cve(a) != is_cve(b))
		return is_cve(a);
	return strcmp(a, b) < 0;
}

/* Makes rec_id the finding's id and its old id an alias, moving (never freeing) the strings
 * the id index points to. */
static void rename_finding(struct cn_scan_finding *f, const char *rec_id)
{
	char *old = f->id;

	for (size_t i = 0; i < f->n_aliases; i++) {
		if (strcmp(f->aliases[i], rec_id) == 0) {
			f->id = f->aliases[i];
			f->aliases[i] = old;
			return;
		}
	}
	f->id = xstrdup(rec_id);
	f->aliases = xreallocarray(f->aliases, f->n_aliases + 1, sizeof(*f->aliases));
	f->aliases[f->n_aliases++] = old;
}

static void merge(struct cn_scan_finding *f, const struct cn_vuln_record *rec,
		  const struct severity_pick *s, const char *fixed)
{
	if (strcmp(rec->id, f->id) != 0 && better_id(rec->id, f->id))
		rename_finding(f, rec->id);
	add_alias(f, rec->id);
	for (size_t k = 0; k < rec->n_aliases; k++)
		add_alias(f, rec->aliases[k]);
	/* Keep the better-founded severity (v4 > v3 > source), then the worse one. */
	if (s->from < f->severity_source ||
	    (s->from == f->severity_source && s->sev > f->severity)) {
		f->severity = s->sev;
		f->severity_source = s->from;
		f->score10 = s->score10;
		free(f->vector);
		f->vector = xstrdup_or_null(s->vector);
	}
	if (!f->fixed && fixed)
		f->fixed = xstrdup(fixed);
	if (!f->title && rec->summary)
		f->title = xstrdup(rec->summary);
}

static void add_finding(struct match_state *st, size_t pkg, const char *version,
			const struct cn_vuln_record *rec, const struct severity_pick *s,
			const char *fixed)
{
	const struct cn_package *p = &st->sbom->pkgs[pkg];
	struct cn_scan_finding *f;

	ALLOC_GROW(st->res->findings, st->res->n_findings + 1, st->alloc);
	f = &st->res->findings[st->res->n_findings++];
	*f = (struct cn_scan_finding){
		.pkg = pkg,
		.id = xstrdup(rec->id),
		.severity = s->sev,
		.severity_source = s->from,
		.score10 = s->score10,
		.vector = xstrdup_or_null(s->vector),
		.installed = xstrdup(p->version),
		.fixed = xstrdup_or_null(fixed),
		.title = xstrdup_or_null(rec->summary),
		.source = xstrdup_or_null(rec->source),
		.ecosystem = xstrdup(st->key),
		.matched_name = xstrdup(st->name),
		.matched_version = xstrdup(version),
		.layer = p->layer,
	};
	for (size_t k = 0; k < rec->n_aliases; k++)
		add_alias(f, rec->aliases[k]);
}

static int on_affected(void *userdata, const struct cn_vuln_record *rec,
		       const struct cn_vuln_affected *a)
{
	struct match_state *st = userdata;
	struct severity_pick s;
	bool picked = false;

	if (!rec->id || !*rec->id)
		return 0;
	for (size_t i = 0; i < st->n_group; i++) {
		const char *fixed = NULL;
		size_t pkg = st->group[i].pkg;
		ssize_t same;

		if (cn_scan_affected(st->eco, a, st->group[i].version, &fixed) != 1)
			continue;
		if (!picked) {
			pick_severity(rec, a, &s);
			picked = true;
		}
		same = find_same(st, pkg, rec);
		if (same >= 0) {
			merge(&st->res->findings[same], rec, &s, fixed);
			index_finding(st, (size_t)same);
		} else {
			add_finding(st, pkg, st->group[i].version, rec, &s, fixed);
			index_finding(st, st->res->n_findings - 1);
		}
	}
	return 0;
}

/* Packages paired with their keys, sorted so that equal keys are adjacent. */
struct keyed {
	char key[KEY_MAX];
	char name[PKG_NAME_MAX];
	const char *version;
	enum cn_ecosystem eco;
	size_t pkg;
};

static int keyed_cmp(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);

	if (!c)
		c = strcmp(a->name, b->name);
	return c ? c : (a->pkg > b->pkg) - (a->pkg < b->pkg);
}

static int finding_cmp_ctx(const struct cn_sbom *sbom, const struct cn_scan_finding *a,
			   const struct cn_scan_finding *b)
{
	const struct cn_package *pa = &sbom->pkgs[a->pkg], *pb = &sbom->pkgs[b->pkg];
	int c;

	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	c = strcmp(pa->name, pb->name);
	if (!c)
		c = strcmp(pa->version, pb->version);
	if (!c)
		c = (a->pkg > b->pkg) - (a->pkg < b->pkg);
	return c ? c : strcmp(a->id, b->id);
}

/* qsort() has no context argument; the sbom the findings point into, per thread. */
static _Thread_local const struct cn_sbom *tl_sbom;

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int finding_cmp(const void *a, const void *b)
{
	return finding_cmp_ctx(tl_sbom, a, b);
}

static bool passes(const struct cn_scan_opts *opts, const struct cn_scan_finding *f)
{
	if (opts && opts->severities && !(opts->severities & (1u << f->severity)))
		return false;
	if (opts && opts->ignore_unfixed && !f->fixed)
		return false;
	return true;
}

static void apply_filters(struct cn_scan_result *res, const struct cn_scan_opts *opts)
{
	size_t out = 0;

	for (size_t i = 0; i < res->n_findings; i++) {
		if (passes(opts, &res->findings[i])) {
			res->findings[out++] = res->findings[i];
		} else {
			finding_release(&res->findings[i]);
			res->n_filtered++;
		}
	}
	res->n_findings = out;
}

/* Classifies every package; returns the matchable ones sorted by key. */
static struct keyed *key_packages(const struct cn_sbom *sbom, struct cn_scan_result *res,
				  size_t *ret_n)
{
	struct keyed *k = xreallocarray(NULL, sbom->n_pkgs ? sbom->n_pkgs : 1, sizeof(*k));
	size_t n = 0;

	for (size_t i = 0; i < sbom->n_pkgs; i++) {
		const struct cn_package *p = &sbom->pkgs[i];
		struct keyed *e = &k[n];
		if (cn_scan_package_key(sbom, p, e->key, sizeof(e->key), e->name, sizeof(e->name),
					&e->version, &e->eco) < 0) {
			if ((p->type == CN_PKG_PYTHON || p->type == CN_PKG_JAVA) &&
			    (p->flags & CN_PKG_OS_OWNED))
				res->n_os_owned++;
			else
				res->n_unsupported++;
			continue;
		}
		if (!cn_version_valid(e->eco, e->version)) {
			res->n_unknown_version++;
			continue;
		}
		e->pkg = i;
		n++;
	}
	qsort(k, n, sizeof(*k), keyed_cmp);
	*ret_n = n;
	return k;
}

int cn_scan_match_with(cn_scan_lookup_fn lookup, void *source, const struct cn_sbom *sbom,
		       const struct cn_scan_opts *opts, struct cn_scan_result **ret,
		       struct cn_error *err)
{
	struct cn_scan_result *res = xcalloc(1, sizeof(*res));
	cleanup_free struct keyed *k = NULL;
	cleanup_free struct group_pkg *group = NULL;
	struct match_state st = { .sbom = sbom, .res = res };
	size_t n, i = 0;

	k = key_packages(sbom, res, &n);
	group = xreallocarray(NULL, n ? n : 1, sizeof(*group));
	res->n_packages = n;
	while (i < n) {
		size_t j = i;
		int r;

		st.n_group = 0;
		while (j < n && strcmp(k[j].key, k[i].key) == 0 &&
		       strcmp(k[j].name, k[i].name) == 0) {
			group[st.n_group++] = (struct group_pkg){ k[j].pkg, k[j].version };
			j++;
		}
		st.key = k[i].key;
		st.name = k[i].name;
		st.eco = k[i].eco;
		st.group = group;
		id_clear(&st.ids);
		res->n_lookups++;
		r = lookup(source, st.key, st.name, on_affected, &st, err);
		if (r < 0) {
			cn_scan_result_free(res);
			free(st.ids.slots);
			return cn_error_prefix(err, r, "looking up %s package %s", st.key, st.name);
		}
		i = j;
	}
	free(st.ids.slots);
	apply_filters(res, opts);
	tl_sbom = sbom;
	if (res->n_findings > 1)
		qsort(res->findings, res->n_findings, sizeof(*res->findings), finding_cmp);
	for (size_t f = 0; f < res->n_findings; f++) {
		struct cn_scan_finding *x = &res->findings[f];
		if (x->n_aliases > 1)
			qsort(x->aliases, x->n_aliases, sizeof(*x->aliases), str_cmp);
	}
	*ret = res;
	return 0;
}

static int db_lookup(void *source, const char *ecosystem, const char *package,
		     cn_vulndb_affected_fn fn, void *userdata, struct cn_error *err)
{
	return cn_vulndb_lookup(source, ecosystem, package, fn, userdata, err);
}

int cn_scan_match(struct cn_vulndb *db, const struct cn_sbom *sbom, const struct cn_scan_opts *opts,
		  struct cn_scan_result **ret, struct cn_error *err)
{
	return cn_scan_match_with(db_lookup, db, sbom, opts, ret, err);
}

struct cn_scan_result *cn_scan_result_free(struct cn_scan_result *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n_findings; i++)
		finding_release(&r->findings[i]);
	free(r->findings);
	free(r);
	return NULL;
}
