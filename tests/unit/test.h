/*
 * The in-house unit-test harness. A test file defines TEST(name) { ... } blocks and includes
 * this header once; main() runs every test in the file, prints one line per test, and exits 0
 * when all passed, 1 otherwise, 77 when a test called SKIP() and nothing failed.
 */
#pragma once

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST_MAX 512
static struct test_case test_cases[TEST_MAX];
static size_t test_count;
static jmp_buf test_jmp;
static int test_failed_flag;
static int test_skipped_flag;

#define TEST(name)                                                                                 \
	static void test_##name(void);                                                             \
	__attribute__((constructor)) static void register_##name(void)                             \
	{                                                                                          \
		if (test_count < TEST_MAX)                                                         \
			test_cases[test_count++] = (struct test_case){ #name, test_##name };       \
	}                                                                                          \
	static void test_##name(void)

#define TEST_FAIL(...)                                                                             \
	do {                                                                                       \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                                  \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		test_failed_flag = 1;                                                              \
		longjmp(test_jmp, 1);                                                              \
	} while (0)

#define SKIP(...)                                                                                  \
	do {                                                                                       \
		fprintf(stderr, "  skipped: ");                                                    \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		test_skipped_flag = 1;                                                             \
		longjmp(test_jmp, 1);                                                              \
	} while (0)

#define ASSERT_TRUE(x)                                                                             \
	do {                                                                                       \
		if (!(x))                                                                          \
			TEST_FAIL("expected true: %s", #x);                                        \
	} while (0)
#define ASSERT_FALSE(x) ASSERT_TRUE(!(x))
#define ASSERT_OK(x)                                                                               \
	do {                                                                                       \
		long long _r = (long long)(x);                                                     \
		if (_r < 0)                                                                        \
			TEST_FAIL("%s failed: %lld (%s)", #x, _r, strerror((int)-_r));             \
	} while (0)
#define ASSERT_ERR(x, want)                                                                        \
	do {                                                                                       \
		long long _r = (long long)(x);                                                     \
		if (_r != (long long)(want))                                                       \
			TEST_FAIL("%s = %lld, want %lld", #x, _r, (long long)(want));              \
	} while (0)
#define ASSERT_EQ(a, b)                                                                            \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a != _b)                                                                      \
			TEST_FAIL("%s == %s: %lld != %lld", #a, #b, _a, _b);                       \
	} while (0)
#define ASSERT_STREQ(a, b)                                                                         \
	do {                                                                                       \
		const char *_a = (a), *_b = (b);                                                   \
		if (!_a || !_b || strcmp(_a, _b) != 0)                                             \
			TEST_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, _a ? _a : "(null)",        \
				  _b ? _b : "(null)");                                             \
	} while (0)
#define ASSERT_NULL(x) ASSERT_TRUE((x) == NULL)

/* The directory holding shared fixtures, or NULL (then tests needing it SKIP). */
static inline const char *test_fixtures_dir(void)
{
	const char *d = getenv("CAIRN_FIXTURES");
	return d && *d ? d : NULL;
}

static inline char *test_dir_buf(void)
{
	static char path[256];
	return path;
}

static inline int test_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void test_dir_remove(void)
{
	char *path = test_dir_buf();
	if (path[0])
		(void)nftw(path, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	path[0] = '\0';
}

/* A new empty directory $TMPDIR/cairn-test-<name>.XXXXXX for the calling test. The previous
 * one is removed first and the last one at exit: one such directory per test file. */
static inline const char *test_fresh_dir(const char *name)
{
	static bool registered;
	const char *tmp = getenv("TMPDIR");
	char *path = test_dir_buf();
	if (!registered)
		registered = atexit(test_dir_remove) == 0;
	test_dir_remove();
	(void)snprintf(path, 256, "%s/cairn-test-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
	if (!mkdtemp(path))
		TEST_FAIL("mkdtemp: %s", strerror(errno));
	return path;
}

int main(void)
{
	size_t failed = 0, skipped = 0;
	for (size_t i = 0; i < test_count; i++) {
		test_failed_flag = test_skipped_flag = 0;
		if (setjmp(test_jmp) == 0)
			test_cases[i].fn();
		if (test_failed_flag)
			failed++;
		else if (test_skipped_flag)
			skipped++;
		printf("%s %s\n",
		       test_failed_flag	   ? "FAIL"
		       : test_skipped_flag ? "SKIP"
					   : "ok  ",
		       test_cases[i].name);
	}
	printf("%zu passed, %zu failed, %zu skipped\n", test_count - failed - skipped, failed,
	       skipped);
	if (failed)
		return 1;
	return skipped == test_count && skipped ? 77 : 0;
}
