#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "base/strbuf.h"
#include "lib/auth/access.h"
#include "lib/auth/htpasswd.h"
#include "lib/auth/token.h"
#include "test.h"

/* Hashes made once with `htpasswd -nbB -C 5 carol hunter2` and `openssl passwd -6`. */
#define CAROL_BCRYPT "$2y$05$MTmP3s23oaaF3s.jnkEIX.aGb00eROwzsL0tQ.OubYlqKY3FZB.B."
#define DAVE_SHA512                                                                                \
	"$6$cairnsalt$hlUQh1QbRsLVlqFl85FvFnP8uQi0EWfuJIC.wfleY6XDXNwV."                           \
	"kBR12MKWt2x1pDUrrSmM0vH6HZ8"                                                              \
	"YetCZh45c/"

/* --- helpers --- */

static char tmpdir[256];

static struct cn_token_key *shared_key;
static int run(const char *const argv[]);

static void cleanup_tmp(void)
{
	shared_key = cn_token_key_free(shared_key);
	(void)run((const char *const[]){ "rm", "-rf", tmpdir, NULL });
}

static const char *tmp_dir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		(void)snprintf(tmpdir, sizeof(tmpdir), "%s/cairn-test-auth-XXXXXX",
			       base && *base ? base : "/tmp");
		if (!mkdtemp(tmpdir))
			abort();
		atexit(cleanup_tmp);
	}
	return tmpdir;
}

/* Runs argv (PATH lookup) with stdout/stderr to /dev/null; the exit status, 127 if absent. */
static int run(const char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && !getenv("TEST_VERBOSE")) {
			(void)dup2(fd, 1);
			(void)dup2(fd, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static bool have_program(const char *name)
{
	cleanup_free char *cmd = xasprintf("command -v %s", name);
	return run((const char *const[]){ "sh", "-c", cmd, NULL }) == 0;
}

static char *write_tmp(const char *name, const char *content)
{
	char *path = xasprintf("%s/%s", tmp_dir(), name);
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || cn_write_full(fd, content, strlen(content)) < 0)
		abort();
	return path;
}

static void b64url(struct strbuf *sb, const char *s, size_t len)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? p[i + 1] << 8 : 0) |
			     (i + 2 < len ? p[i + 2] : 0);
		for (size_t c = 0; c < (len - i >= 3 ? 4 : len - i + 1); c++)
			strbuf_addch(sb, a[(v >> (18 - 6 * c)) & 63]);
	}
}

/* --- htpasswd --- */

TEST(htpasswd_literal_hashes_and_cache)
{
	cleanup_free char *path = write_tmp("users", "# users\n\ncarol:" CAROL_BCRYPT "\r\n"
						     "  dave:" DAVE_SHA512 "\n");
	struct cn_error err = CN_ERROR_INIT;
	struct cn_htpasswd *h = NULL;
	ASSERT_OK(cn_htpasswd_load(path, &h, &err));
	ASSERT_EQ(cn_htpasswd_count(h), 2);
	/* in order: what each check costs in crypt() calls depends on the cache */
	static const struct {
		const char *user, *password;
		bool ok;
		unsigned long crypts; /* calls since the load */
	} steps[] = {
		{ "carol", "hunter2", true, 1 },
		{ "carol", "hunter2", true, 1 }, /* cache hit: no crypt */
		/* a wrong password always pays crypt, even after a cached success */
		{ "carol", "hunter3", false, 2 },
		{ "carol", "", false, 3 },
		{ "carol", "hunter2", true, 3 },
		{ "mallory", "hunter2", false, 4 }, /* unknown users cost one crypt too */
	};
	unsigned long n0 = cn_htpasswd_crypt_count(h);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		if (cn_htpasswd_check(h, steps[i].user, steps[i].password) != steps[i].ok)
			TEST_FAIL("step %zu: %s/%s not %s", i, steps[i].user, steps[i].password,
				  steps[i].ok ? "accepted" : "refused");
		ASSERT_EQ(cn_htpasswd_crypt_count(h), n0 + steps[i].crypts);
	}
	ASSERT_TRUE(cn_htpasswd_check(h, "dave", "s3cret"));
	ASSERT_FALSE(cn_htpasswd_check(h, "dave", "hunter2"));
	ASSERT_FALSE(cn_htpasswd_check(h, "Carol", "hunter2"));
	ASSERT_FALSE(cn_htpasswd_check(h, "carol", NULL));
	cn_htpasswd_free(h);
}

TEST(htpasswd_real_tool_output)
{
	if (!have_program("htpasswd"))
		SKIP("htpasswd (apache2-utils) not installed");
	cleanup_free char *path = xasprintf("%s/real.htpasswd", tmp_dir());
	ASSERT_EQ(run((const char *const[]){ "htpasswd", "-cbB", "-C", "5", path, "alice",
					     "pa:ss w0rd", NULL }),
		  0);
	ASSERT_EQ(
		run((const char *const[]){ "htpasswd", "-bB", "-C", "4", path, "bob", "x", NULL }),
		0);
	struct cn_error err = CN_ERROR_INIT;
	struct cn_htpasswd *h = NULL;
	ASSERT_OK(cn_htpasswd_load(path, &h, &err));
	ASSERT_TRUE(cn_htpasswd_check(h, "alice", "pa:ss w0rd"));
	ASSERT_TRUE(cn_htpasswd_check(h, "bob", "x"));
	ASSERT_FALSE(cn_htpasswd_check(h, "alice", "x"));
	ASSERT_FALSE(cn_htpasswd_check(h, "bob", "pa:ss w0rd"));
	cn_htpasswd_free(h);
}

TEST(htpasswd_rejects_malformed_files)
{
	static const struct {
		const char *content;
		int code;
		const char *msg; /* substring of the error */
	} cases[] = {
		{ "alice\n", -EINVAL, ":1: expected" },
		{ "# c\nalice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n", -EINVAL,
		  ":2: user alice: {SHA}" },
		{ "alice:secret\n", -EINVAL, "plain-text" },
		{ "alice:$apr1$abc$defghijkl\n", -EINVAL, "$apr1$" },
		{ "alice:\n", -EINVAL, "empty password hash" },
		{ ":" CAROL_BCRYPT "\n", -EINVAL, "user name" },
		{ "carol:" CAROL_BCRYPT "\n\ncarol:" DAVE_SHA512 "\n", -EINVAL,
		  ":3: duplicate user carol" },
		{ "alice:$9$nonsense\n", -EINVAL, "unsupported" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cleanup_free char *path = write_tmp("bad", cases[i].content);
		struct cn_error err = CN_ERROR_INIT;
		struct cn_htpasswd *h = NULL;
		ASSERT_ERR(cn_htpasswd_load(path, &h, &err), cases[i].code);
		if (!strstr(err.msg, cases[i].msg))
			TEST_FAIL("case %zu: \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
		ASSERT_NULL(h);
	}
	/* an overlong line */
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "carol:");
	for (int i = 0; i < CN_HTPASSWD_MAX_LINE; i++)
		strbuf_addch(&sb, 'x');
	cleanup_free char *path = write_tmp("long", sb.buf);
	strbuf_release(&sb);
	struct cn_error err = CN_ERROR_INIT;
	struct cn_htpasswd *h = NULL;
	ASSERT_ERR(cn_htpasswd_load(path, &h, &err), -E2BIG);
	cleanup_free char *missing = xasprintf("%s/nonexistent", tmp_dir());
	ASSERT_ERR(cn_htpasswd_load(missing, &h, &err), -ENOENT);
	/* an empty file is valid: nobody can log in */
	cleanup_free char *empty = write_tmp("empty", "# nobody\n");
	ASSERT_OK(cn_htpasswd_load(empty, &h, &err));
	ASSERT_FALSE(cn_htpasswd_check(h, "carol", "hunter2"));
	cn_htpasswd_free(h);
}

/* --- scopes --- */

TEST(scope_parse_table)
{
	static const struct {
		const char *scope;
		int r;
		const char *type, *name;
		unsigned actions;
	} cases[] = {
		{ "repository:library/redis:pull", 0, "repository", "library/redis",
		  CN_ACTION_PULL },
		{ "repository:a/b:pull,push", 0, "repository", "a/b",
		  CN_ACTION_PULL | CN_ACTION_PUSH },
		{ "repository:a:delete,pull,push", 0, "repository", "a", CN_ACTION_ALL },
		{ "repository:a:*", 0, "repository", "a", CN_ACTION_ALL },
		{ "registry:catalog:*", 0, "registry", "catalog", CN_ACTION_ALL },
		{ "repository:host:5000/x:push", 0, "repository", "host:5000/x", CN_ACTION_PUSH },
		{ "repository:a:", 0, "repository", "a", 0 },
		{ "repository:a:metadata-read,pull", 0, "repository", "a", CN_ACTION_PULL },
		{ "repository:a:pull,,push", 0, "repository", "a",
		  CN_ACTION_PULL | CN_ACTION_PUSH },
		{ "repository(plugin):a:pull", 0, "repository(plugin)", "a", CN_ACTION_PULL },
		{ "repository:a", -EINVAL, NULL, NULL, 0 },
		{ "repository", -EINVAL, NULL, NULL, 0 },
		{ "", -EINVAL, NULL, NULL, 0 },
		{ ":a:pull", -EINVAL, NULL, NULL, 0 },
		{ "repository::pull", -EINVAL, NULL, NULL, 0 },
		{ "repository:a b:pull", -EINVAL, NULL, NULL, 0 },
		{ "repository:a\n:pull", -EINVAL, NULL, NULL, 0 },
		{ "averyveryveryveryverylongtypename:a:pull", -EINVAL, NULL, NULL, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cn_access a = { "", "", 99 };
		int r = cn_scope_parse(cases[i].scope, &a);
		if (r != cases[i].r)
			TEST_FAIL("\"%s\": %d, want %d", cases[i].scope, r, cases[i].r);
		if (r < 0)
			continue;
		ASSERT_STREQ(a.type, cases[i].type);
		ASSERT_STREQ(a.name, cases[i].name);
		ASSERT_EQ(a.actions, cases[i].actions);
	}
	char a255[256], a256[257], scope[300];
	memset(a255, 'a', sizeof(a255) - 1);
	a255[255] = '\0';
	memset(a256, 'a', sizeof(a256) - 1);
	a256[256] = '\0';
	struct cn_access a;
	(void)snprintf(scope, sizeof(scope), "repository:%s:pull", a255);
	ASSERT_OK(cn_scope_parse(scope, &a));
	ASSERT_STREQ(a.name, a255);
	(void)snprintf(scope, sizeof(scope), "repository:%s:pull", a256);
	ASSERT_ERR(cn_scope_parse(scope, &a), -EINVAL);
}

TEST(actions_format)
{
	char buf[32];
	ASSERT_EQ(cn_actions_format(CN_ACTION_PULL | CN_ACTION_PUSH, buf, sizeof(buf)), 9);
	ASSERT_STREQ(buf, "pull,push");
	ASSERT_OK(cn_actions_format(CN_ACTION_ALL, buf, sizeof(buf)));
	ASSERT_STREQ(buf, "pull,push,delete");
	ASSERT_EQ(cn_actions_format(0, buf, sizeof(buf)), 0);
	ASSERT_STREQ(buf, "");
	ASSERT_OK(cn_actions_format(CN_ACTION_DELETE, buf, sizeof(buf)));
	ASSERT_STREQ(buf, "delete");
	ASSERT_ERR(cn_actions_format(CN_ACTION_ALL, buf, 16), -ENOBUFS);
	ASSERT_EQ(cn_actions_format(CN_ACTION_ALL, buf, 17), 16);
}

/* --- tokens --- */

static const struct cn_token_key *test_key(void)
{
	struct cn_error err = CN_ERROR_INIT;
	if (!shared_key) {
		cleanup_free char *path = xasprintf("%s/state/keys/token.pem", tmp_dir());
		if (cn_token_key_load(path, true, &shared_key, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			abort();
		}
	}
	return shared_key;
}

static void sample_claims(struct cn_token_claims *c, int64_t now)
{
	memset(c, 0, sizeof(*c));
	(void)snprintf(c->issuer, sizeof(c->issuer), "test-issuer");
	(void)snprintf(c->subject, sizeof(c->subject), "alice");
	(void)snprintf(c->audience, sizeof(c->audience), "test-service");
	c->issued_at = c->not_before = now;
	c->expires_at = now + 300;
	c->access = xcalloc(2, sizeof(*c->access));
	c->n_access = 2;
	ASSERT_OK(cn_scope_parse("repository:library/redis:pull,push", &c->access[0]));
	ASSERT_OK(cn_scope_parse("registry:catalog:*", &c->access[1]));
}

static void issue(const struct cn_token_claims *c, struct strbuf *jwt)
{
	struct cn_error err = CN_ERROR_INIT;
	strbuf_reset(jwt);
	if (cn_token_issue(test_key(), c, jwt, &err) < 0)
		TEST_FAIL("issue: %s", err.msg);
}

/* Expects verification of `jwt` to fail with a message containing `why`. */
static void expect_reject(const char *jwt, const char *iss, const char *aud, int64_t now,
			  const char *why)
{
	struct cn_error err = CN_ERROR_INIT;
	struct cn_token_claims out;
	int r = cn_token_verify(test_key(), jwt, iss, aud, now, &out, &err);
	if (r == 0)
		cn_token_claims_release(&out);
	if (r != -EACCES || !strstr(err.msg, why))
		TEST_FAIL("verify: %d \"%s\", want -EACCES \"%s\"", r, err.msg, why);
}

TEST(token_key_create_and_reload)
{
	const struct cn_token_key *k = test_key();
	ASSERT_STREQ(cn_token_key_alg(k), "RS256");
	ASSERT_EQ(strlen(cn_token_key_id(k)), 59);
	ASSERT_EQ(cn_token_key_id(k)[4], ':');
	cleanup_free char *path = xasprintf("%s/state/keys/token.pem", tmp_dir());
	struct stat st;
	ASSERT_OK(stat(path, &st));
	ASSERT_EQ(st.st_mode & 0777, 0600);
	struct cn_error err = CN_ERROR_INIT;
	struct cn_token_key *again = NULL;
	ASSERT_OK(cn_token_key_load(path, false, &again, &err));
	ASSERT_STREQ(cn_token_key_id(again), cn_token_key_id(k));
	cn_token_key_free(again);
	cleanup_free char *missing = xasprintf("%s/nokey.pem", tmp_dir());
	ASSERT_ERR(cn_token_key_load(missing, false, &again, &err), -ENOENT);
	cleanup_free char *junk = write_tmp("junk.pem", "-----BEGIN PRIVATE KEY-----\nabc\n");
	ASSERT_ERR(cn_token_key_load(junk, true, &again, &err), -EINVAL);
}

TEST(token_round_trip)
{
	int64_t now = time(NULL);
	struct cn_token_claims c, out;
	sample_claims(&c, now);
	cleanup_strbuf struct strbuf jwt = STRBUF_INIT;
	issue(&c, &jwt);
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_OK(cn_token_verify(test_key(), jwt.buf, "test-issuer", "test-service", now, &out,
				  &err));
	ASSERT_STREQ(out.issuer, "test-issuer");
	ASSERT_STREQ(out.subject, "alice");
	ASSERT_STREQ(out.audience, "test-service");
	ASSERT_EQ(strlen(out.jti), 32);
	ASSERT_EQ(out.expires_at, now + 300);
	ASSERT_EQ(out.not_before, now);
	ASSERT_EQ(out.issued_at, now);
	ASSERT_EQ(out.n_access, 2);
	ASSERT_STREQ(out.access[0].type, "repository");
	ASSERT_STREQ(out.access[0].name, "library/redis");
	ASSERT_EQ(out.access[0].actions, CN_ACTION_PULL | CN_ACTION_PUSH);
	ASSERT_STREQ(out.access[1].type, "registry");
	ASSERT_STREQ(out.access[1].name, "catalog");
	ASSERT_EQ(out.access[1].actions, CN_ACTION_ALL);
	cn_token_claims_release(&out);
	/* NULL issuer/audience skip those checks; within the leeway is fine */
	ASSERT_OK(cn_token_verify(test_key(), jwt.buf, NULL, NULL, now + 359, &out, &err));
	cn_token_claims_release(&out);
	ASSERT_OK(cn_token_verify(test_key(), jwt.buf, NULL, NULL, now - 59, &out, &err));
	cn_token_claims_release(&out);
	/* the same token again comes from the cache: times, issuer and audience still checked */
	expect_reject(jwt.buf, "test-issuer", "test-service", now + 361, "expired");
	expect_reject(jwt.buf, "test-issuer", "test-service", now - 400, "not yet valid");
	expect_reject(jwt.buf, "other-issuer", "test-service", now, "wrong issuer");
	expect_reject(jwt.buf, "test-issuer", "other-service", now, "wrong audience");
	ASSERT_OK(cn_token_verify(test_key(), jwt.buf, "test-issuer", "test-service", now, &out,
				  &err));
	ASSERT_EQ(out.n_access, 2);
	ASSERT_STREQ(out.access[0].name, "library/redis");
	cn_token_claims_release(&out);
	/* an anonymous token with no access */
	cn_token_claims_release(&c);
	sample_claims(&c, now);
	c.subject[0] = '\0';
	c.n_access = 0;
	(void)snprintf(c.jti, sizeof(c.jti), "fixed-id");
	issue(&c, &jwt);
	ASSERT_OK(cn_token_verify(test_key(), jwt.buf, "test-issuer", "test-service", now, &out,
				  &err));
	ASSERT_STREQ(out.subject, "");
	ASSERT_STREQ(out.jti, "fixed-id");
	ASSERT_EQ(out.n_access, 0);
	cn_token_claims_release(&out);
	cn_token_claims_release(&c);
}

TEST(token_rejects_bad_claims)
{
	int64_t now = time(NULL);
	struct cn_token_claims c;
	sample_claims(&c, now);
	cleanup_strbuf struct strbuf jwt = STRBUF_INIT;
	issue(&c, &jwt);
	expect_reject(jwt.buf, "other-issuer", "test-service", now, "wrong issuer");
	expect_reject(jwt.buf, "test-issuer", "other-service", now, "wrong audience");
	expect_reject(jwt.buf, "test-issuer", "test-service", now + 361, "expired");
	c.not_before = now + 120;
	issue(&c, &jwt);
	expect_reject(jwt.buf, "test-issuer", "test-service", now, "not yet valid");
	/* more access entries than the limit */
	c.not_before = now;
	c.access = xreallocarray(c.access, CN_TOKEN_MAX_ACCESS + 1, sizeof(*c.access));
	for (size_t i = 0; i <= CN_TOKEN_MAX_ACCESS; i++)
		c.access[i] = c.access[0];
	c.n_access = CN_TOKEN_MAX_ACCESS + 1;
	issue(&c, &jwt);
	expect_reject(jwt.buf, NULL, NULL, now, "too many access entries");
	c.n_access = CN_TOKEN_MAX_ACCESS;
	issue(&c, &jwt);
	struct cn_error err = CN_ERROR_INIT;
	struct cn_token_claims out;
	ASSERT_OK(cn_token_verify(test_key(), jwt.buf, NULL, NULL, now, &out, &err));
	ASSERT_EQ(out.n_access, CN_TOKEN_MAX_ACCESS);
	cn_token_claims_release(&out);
	cn_token_claims_release(&c);
}

/* header.payload.signature of a token issued with the sample claims, split apart. */
struct parts {
	struct strbuf h, p, s;
};

static void split_token(const char *jwt, struct parts *t)
{
	const char *d1 = strchr(jwt, '.'), *d2 = strchr(d1 + 1, '.');
	strbuf_init(&t->h, 0);
	strbuf_init(&t->p, 0);
	strbuf_init(&t->s, 0);
	strbuf_add(&t->h, jwt, (size_t)(d1 - jwt));
	strbuf_add(&t->p, d1 + 1, (size_t)(d2 - d1 - 1));
	strbuf_addstr(&t->s, d2 + 1);
}

static char *join(const char *h, const char *p, const char *s)
{
	return xasprintf("%s.%s.%s", h, p, s);
}

static char *forge_part(const char *json)
{
	struct strbuf sb = STRBUF_INIT;
	b64url(&sb, json, strlen(json));
	return strbuf_detach(&sb, NULL);
}

TEST(token_rejects_tampering)
{
	int64_t now = time(NULL);
	struct cn_token_claims c;
	sample_claims(&c, now);
	cleanup_strbuf struct strbuf jwt = STRBUF_INIT;
	issue(&c, &jwt);
	cn_token_claims_release(&c);
	struct parts t;
	split_token(jwt.buf, &t);

	/* payload changed (a different subject), signature kept */
	sample_claims(&c, now);
	(void)snprintf(c.subject, sizeof(c.subject), "mallory");
	cleanup_strbuf struct strbuf other = STRBUF_INIT;
	issue(&c, &other);
	cn_token_claims_release(&c);
	struct parts o;
	split_token(other.buf, &o);
	cleanup_free char *swapped = join(t.h.buf, o.p.buf, t.s.buf);
	expect_reject(swapped, NULL, NULL, now, "bad signature");
	/* one signature byte changed */
	cleanup_free char *flipped = join(t.h.buf, t.p.buf, t.s.buf);
	char *sig = strrchr(flipped, '.') + 1;
	sig[10] = sig[10] == 'A' ? 'B' : 'A';
	expect_reject(flipped, NULL, NULL, now, "bad signature");
	/* signature of another key (kid differs) */
	cleanup_free char *foreign = xasprintf("%s/foreign.pem", tmp_dir());
	struct cn_token_key *k2 = NULL;
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_OK(cn_token_key_load(foreign, true, &k2, &err));
	strbuf_reset(&other);
	sample_claims(&c, now);
	ASSERT_OK(cn_token_issue(k2, &c, &other, &err));
	cn_token_claims_release(&c);
	cn_token_key_free(k2);
	expect_reject(other.buf, NULL, NULL, now, "unknown kid");
	/* same, with the header of our key: the signature does not verify */
	struct parts f;
	split_token(other.buf, &f);
	cleanup_free char *mixed = join(t.h.buf, f.p.buf, f.s.buf);
	expect_reject(mixed, NULL, NULL, now, "bad signature");

	/* alg none, HS256 (alg confusion), a duplicate key, no alg */
	static const struct {
		const char *header; /* JSON */
		bool keep_sig;
		const char *why;
	} forged[] = {
		{ "{\"typ\":\"JWT\",\"alg\":\"none\"}", false, "not a compact JWS" },
		{ "{\"typ\":\"JWT\",\"alg\":\"none\"}", true, "alg does not match" },
		{ "{\"typ\":\"JWT\",\"alg\":\"HS256\"}", true, "alg does not match" },
		{ "{\"alg\":\"RS256\",\"alg\":\"none\"}", true, "malformed header" },
		{ "{\"typ\":\"JWT\"}", true, "no alg" },
		{ "{\"alg\":\"RS256\",\"crit\":[\"exp\"]}", true, "crit" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(forged); i++) {
		cleanup_free char *hdr = forge_part(forged[i].header);
		cleanup_free char *forgery = join(hdr, t.p.buf, forged[i].keep_sig ? t.s.buf : "");
		expect_reject(forgery, NULL, NULL, now, forged[i].why);
	}

	/* shapes */
	expect_reject("", NULL, NULL, now, "not a compact JWS");
	expect_reject("a.b", NULL, NULL, now, "not a compact JWS");
	cleanup_free char *four = xasprintf("%s.x", jwt.buf);
	expect_reject(four, NULL, NULL, now, "not a compact JWS");
	cleanup_free char *padded = join(t.h.buf, t.p.buf, "");
	cleanup_free char *t7 = xasprintf("%s%s==", padded, t.s.buf);
	expect_reject(t7, NULL, NULL, now, "bad signature");
	cleanup_free char *t8 = join("!!!!", t.p.buf, t.s.buf);
	expect_reject(t8, NULL, NULL, now, "malformed header");
	struct strbuf big = STRBUF_INIT;
	strbuf_addstr(&big, jwt.buf);
	while (big.len <= CN_TOKEN_MAX_LEN)
		strbuf_addch(&big, 'A');
	expect_reject(big.buf, NULL, NULL, now, "larger than");
	strbuf_release(&big);
	struct parts *all[] = { &t, &o, &f };
	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		strbuf_release(&all[i]->h);
		strbuf_release(&all[i]->p);
		strbuf_release(&all[i]->s);
	}
}

TEST(token_ec_keys_and_weak_keys)
{
	if (!have_program("openssl"))
		SKIP("openssl command not installed");
	cleanup_free char *ec = xasprintf("%s/ec.pem", tmp_dir());
	cleanup_free char *p384 = xasprintf("%s/p384.pem", tmp_dir());
	cleanup_free char *rsa1k = xasprintf("%s/rsa1k.pem", tmp_dir());
	ASSERT_EQ(run((const char *const[]){ "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
					     "ec_paramgen_curve:P-256", "-out", ec, NULL }),
		  0);
	ASSERT_EQ(run((const char *const[]){ "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
					     "ec_paramgen_curve:P-384", "-out", p384, NULL }),
		  0);
	ASSERT_EQ(run((const char *const[]){ "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
					     "rsa_keygen_bits:1024", "-out", rsa1k, NULL }),
		  0);
	struct cn_error err = CN_ERROR_INIT;
	struct cn_token_key *k = NULL;
	ASSERT_ERR(cn_token_key_load(p384, false, &k, &err), -EINVAL);
	ASSERT_ERR(cn_token_key_load(rsa1k, false, &k, &err), -EINVAL);
	ASSERT_OK(cn_token_key_load(ec, false, &k, &err));
	ASSERT_STREQ(cn_token_key_alg(k), "ES256");
	int64_t now = time(NULL);
	struct cn_token_claims c, out;
	sample_claims(&c, now);
	cleanup_strbuf struct strbuf jwt = STRBUF_INIT;
	ASSERT_OK(cn_token_issue(k, &c, &jwt, &err));
	cn_token_claims_release(&c);
	ASSERT_OK(cn_token_verify(k, jwt.buf, "test-issuer", "test-service", now, &out, &err));
	ASSERT_EQ(out.n_access, 2);
	cn_token_claims_release(&out);
	/* the RSA key refuses an ES256 token and the other way round */
	expect_reject(jwt.buf, NULL, NULL, now, "alg does not match");
	ASSERT_ERR(cn_token_verify(k, jwt.buf, NULL, NULL, now + 400, &out, &err), -EACCES);
	ASSERT_TRUE(strstr(err.msg, "expired") != NULL);
	sample_claims(&c, now);
	cleanup_strbuf struct strbuf rs = STRBUF_INIT;
	issue(&c, &rs);
	cn_token_claims_release(&c);
	ASSERT_ERR(cn_token_verify(k, rs.buf, NULL, NULL, now, &out, &err), -EACCES);
	ASSERT_TRUE(strstr(err.msg, "alg does not match") != NULL);
	cn_token_key_free(k);
}

/* An independent implementation (python3 + openssl dgst) checks our token and key id. */
static const char interop_py[] =
	"import base64, hashlib, json, subprocess, sys\n"
	"d, = sys.argv[1:]\n"
	"def dec(x):\n"
	"    assert '=' not in x\n"
	"    return base64.urlsafe_b64decode(x + '=' * (-len(x) % 4))\n"
	"h, p, s = open(d + '/jwt').read().strip().split('.')\n"
	"hdr, cl = json.loads(dec(h)), json.loads(dec(p))\n"
	"assert hdr['typ'] == 'JWT' and hdr['alg'] == 'RS256', hdr\n"
	"assert cl['iss'] == 'test-issuer' and cl['aud'] == 'test-service', cl\n"
	"assert cl['sub'] == 'alice' and cl['exp'] == cl['iat'] + 300, cl\n"
	"assert cl['access'] == [{'type': 'repository', 'name': 'library/redis',\n"
	"    'actions': ['pull', 'push']}, {'type': 'registry', 'name': 'catalog',\n"
	"    'actions': ['*']}], cl['access']\n"
	"open(d + '/signed', 'w').write(h + '.' + p)\n"
	"open(d + '/sig', 'wb').write(dec(s))\n"
	"subprocess.run(['openssl', 'dgst', '-sha256', '-verify', d + '/pub.pem',\n"
	"    '-signature', d + '/sig', d + '/signed'], check=True)\n"
	"der = subprocess.run(['openssl', 'pkey', '-pubin', '-in', d + '/pub.pem',\n"
	"    '-outform', 'DER'], check=True, capture_output=True).stdout\n"
	"b = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip('=')\n"
	"kid = ':'.join(b[i:i + 4] for i in range(0, len(b), 4))\n"
	"assert hdr['kid'] == kid, (hdr['kid'], kid)\n";

TEST(token_interop_python_openssl)
{
	if (!have_program("python3") || !have_program("openssl"))
		SKIP("python3 or openssl not installed");
	struct cn_token_claims c;
	sample_claims(&c, time(NULL));
	cleanup_strbuf struct strbuf jwt = STRBUF_INIT;
	issue(&c, &jwt);
	cn_token_claims_release(&c);
	cleanup_strbuf struct strbuf pem = STRBUF_INIT;
	ASSERT_OK(cn_token_key_public_pem(test_key(), &pem));
	cleanup_free char *p1 = write_tmp("jwt", jwt.buf);
	cleanup_free char *p2 = write_tmp("pub.pem", pem.buf);
	cleanup_free char *p3 = write_tmp("interop.py", interop_py);
	ASSERT_EQ(run((const char *const[]){ "python3", p3, tmp_dir(), NULL }), 0);
	/* the checker itself rejects a tampered signature */
	char *sig = strrchr(jwt.buf, '.') + 1;
	sig[5] = sig[5] == 'A' ? 'B' : 'A';
	cleanup_free char *p4 = write_tmp("jwt", jwt.buf);
	ASSERT_TRUE(run((const char *const[]){ "python3", p3, tmp_dir(), NULL }) != 0);
}

/* Many threads share one htpasswd table and one key (what the server's worker threads do). */
struct shared {
	struct cn_htpasswd *h;
	const char *jwt;
	int64_t now;
	int failures;
};

static void *hammer(void *arg)
{
	struct shared *sh = arg;
	for (int i = 0; i < 200; i++) {
		struct cn_token_claims out;
		if (!cn_htpasswd_check(sh->h, "dave", "s3cret") ||
		    cn_token_verify(test_key(), sh->jwt, "test-issuer", "test-service", sh->now,
				    &out, NULL) < 0)
			__atomic_add_fetch(&sh->failures, 1, __ATOMIC_RELAXED);
		else
			cn_token_claims_release(&out);
	}
	return NULL;
}

TEST(concurrent_checks_and_verifies)
{
	cleanup_free char *path = write_tmp("users2", "dave:" DAVE_SHA512 "\n");
	struct cn_error err = CN_ERROR_INIT;
	struct shared sh = { .now = time(NULL) };
	ASSERT_OK(cn_htpasswd_load(path, &sh.h, &err));
	struct cn_token_claims c;
	sample_claims(&c, sh.now);
	cleanup_strbuf struct strbuf jwt = STRBUF_INIT;
	issue(&c, &jwt);
	cn_token_claims_release(&c);
	sh.jwt = jwt.buf;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_t th[8];
	for (size_t i = 0; i < ARRAY_SIZE(th); i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, hammer, &sh), 0);
	for (size_t i = 0; i < ARRAY_SIZE(th); i++)
		(void)pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ASSERT_EQ(sh.failures, 0);
	/* at most one crypt per thread before the cache is warm */
	ASSERT_TRUE(cn_htpasswd_crypt_count(sh.h) <= ARRAY_SIZE(th) + 1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("  1600 cached checks + verifies on 8 threads: %.1f ms\n", ms);
	cn_htpasswd_free(sh.h);
}

/* --- access rules --- */

static struct cn_access_rules *rules_from(const char *json, bool anonymous_pull)
{
	struct cn_error err = CN_ERROR_INIT;
	struct cn_access_rules *r = NULL;
	json_t *j = NULL;
	if (json) {
		json_error_t jerr;
		j = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
		if (!j)
			abort();
	}
	int e = cn_access_rules_parse(j, anonymous_pull, &r, &err);
	json_decref(j);
	if (e < 0) {
		fprintf(stderr, "  %s\n", err.msg);
		return NULL;
	}
	return r;
}

#define R  CN_ACTION_PULL
#define W  CN_ACTION_PUSH
#define D  CN_ACTION_DELETE
#define RW (R | W)

TEST(access_without_rules)
{
	struct cn_access_rules *r = rules_from(NULL, false);
	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(cn_access_rules_allowed(r, "alice", "repository", "any/thing"), CN_ACTION_ALL);
	ASSERT_EQ(cn_access_rules_allowed(r, NULL, "repository", "any/thing"), 0);
	ASSERT_EQ(cn_access_rules_allowed(r, "alice", "registry", "catalog"), CN_ACTION_ALL);
	ASSERT_EQ(cn_access_rules_allowed(r, NULL, "registry", "catalog"), 0);
	ASSERT_EQ(cn_access_rules_allowed(r, "alice", "registry", "other"), 0);
	ASSERT_EQ(cn_access_rules_allowed(r, "alice", "repository(plugin)", "x"), 0);
	cn_access_rules_free(r);
	r = rules_from(NULL, true);
	ASSERT_EQ(cn_access_rules_allowed(r, NULL, "repository", "any/thing"), R);
	ASSERT_EQ(cn_access_rules_allowed(r, NULL, "registry", "catalog"), CN_ACTION_ALL);
	ASSERT_EQ(cn_access_rules_allowed(r, "bob", "repository", "x"), CN_ACTION_ALL);
	cn_access_rules_free(r);
}

TEST(access_rules_matrix)
{
	static const char rules[] =
		"[{\"repository\": \"private/*\", \"users\": [\"alice\"],"
		"  \"actions\": [\"pull\", \"push\", \"delete\"]},"
		" {\"repository\": \"*\", \"users\": [\"*\"], \"actions\": [\"pull\"]},"
		" {\"repository\": \"team/[ab]?\", \"users\": [\"bob\", \"carol\"],"
		"  \"actions\": [\"push\"]},"
		" {\"repository\": \"public/*\", \"users\": [\"anonymous\"], \"actions\": "
		"[\"pull\"]},"
		" {\"repository\": \"drop\", \"users\": [\"anonymous\"], \"actions\": [\"*\"]}]";
	static const struct {
		bool anonymous_pull;
		const char *user, *type, *name;
		unsigned want;
	} cases[] = {
		{ false, "alice", "repository", "private/x", CN_ACTION_ALL },
		{ false, "alice", "repository", "private/deep/er", CN_ACTION_ALL },
		{ false, "bob", "repository", "private/x", 0 }, /* the specific pattern decides */
		{ false, NULL, "repository", "private/x", 0 },
		{ false, "alice", "repository", "other", R },
		{ false, "bob", "repository", "team/a1", CN_ACTION_PUSH },
		{ false, "carol", "repository", "team/b2", CN_ACTION_PUSH },
		{ false, "carol", "repository", "team/c3", R },
		{ false, "carol", "repository", "team/a12", R },
		{ false, "alice", "repository", "team/a1", 0 },
		{ false, NULL, "repository", "public/x", R },
		{ false, NULL, "repository", "public", 0 },
		{ false, NULL, "repository", "other", 0 },
		{ false, NULL, "repository", "drop", CN_ACTION_ALL },
		/* a signed-in user may do what anonymous clients may */
		{ false, "alice", "repository", "drop", CN_ACTION_ALL },
		{ false, "bob", "repository", "public/x", R },
		{ true, NULL, "repository", "other", R },
		{ true, NULL, "repository", "private/x", 0 }, /* anonymous_pull is a catch-all */
		{ true, "bob", "repository", "team/a1", CN_ACTION_PUSH },
		{ false, "alice", "registry", "catalog", CN_ACTION_ALL },
		{ false, NULL, "registry", "catalog", 0 },
		{ true, NULL, "registry", "catalog", CN_ACTION_ALL },
		{ false, "anonymous", "repository", "public/x", R },
	};
	struct cn_access_rules *r[2] = { rules_from(rules, false), rules_from(rules, true) };
	ASSERT_TRUE(r[0] && r[1]);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned got = cn_access_rules_allowed(r[cases[i].anonymous_pull], cases[i].user,
						       cases[i].type, cases[i].name);
		if (got != cases[i].want)
			TEST_FAIL("case %zu (%s %s:%s): %u, want %u", i,
				  cases[i].user ? cases[i].user : "(anonymous)", cases[i].type,
				  cases[i].name, got, cases[i].want);
	}
	cn_access_rules_free(r[0]);
	cn_access_rules_free(r[1]);
	/* an empty rules array: authenticated users get nothing but the catalog */
	struct cn_access_rules *e = rules_from("[]", false);
	ASSERT_EQ(cn_access_rules_allowed(e, "alice", "repository", "x"), 0);
	ASSERT_EQ(cn_access_rules_allowed(e, "alice", "registry", "catalog"), CN_ACTION_ALL);
	cn_access_rules_free(e);
}

TEST(access_rules_bad_shapes)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "{}", "access: must be an array" },
		{ "[1]", "access[0]: must be an object" },
		{ "[{\"users\": [\"a\"], \"actions\": []}]", "access[0].repository" },
		{ "[{\"repository\": \"\", \"users\": [\"a\"], \"actions\": []}]",
		  "access[0].repository" },
		{ "[{\"repository\": \"x\", \"actions\": [\"pull\"]}]", "access[0].users" },
		{ "[{\"repository\": \"x\", \"users\": [], \"actions\": [\"pull\"]}]",
		  "access[0].users" },
		{ "[{\"repository\": \"x\", \"users\": [1], \"actions\": [\"pull\"]}]",
		  "access[0].users[0]" },
		{ "[{\"repository\": \"x\", \"users\": [\"a\"]}]", "access[0].actions" },
		{ "[{\"repository\": \"x\", \"users\": [\"a\"], \"actions\": \"pull\"}]",
		  "access[0].actions" },
		{ "[{\"repository\": \"x\", \"users\": [\"a\"], \"actions\": [\"pull\"]},"
		  " {\"repository\": \"x\", \"users\": [\"a\"], \"actions\": [\"write\"]}]",
		  "access[1].actions[0]" },
		{ "[{\"repository\": \"x\", \"users\": [\"a\"], \"actions\": [], \"user\": 1}]",
		  "unknown key \"user\"" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_error_t jerr;
		json_t *j = json_loads(cases[i].json, 0, &jerr);
		ASSERT_TRUE(j != NULL);
		struct cn_error err = CN_ERROR_INIT;
		struct cn_access_rules *r = NULL;
		int e = cn_access_rules_parse(j, false, &r, &err);
		json_decref(j);
		if (e != -EINVAL || !strstr(err.msg, cases[i].msg))
			TEST_FAIL("case %zu: %d \"%s\", want \"%s\"", i, e, err.msg, cases[i].msg);
		ASSERT_NULL(r);
	}
}
