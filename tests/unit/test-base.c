#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/error.h"
#include "base/fd.h"
#include "base/parse.h"
#include "base/strbuf.h"
#include "test.h"

TEST(strbuf_grows_and_formats)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	ASSERT_STREQ(sb.buf, "");
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i);
	ASSERT_TRUE(sb.len > 3000);
	ASSERT_EQ(strncmp(sb.buf, "0,1,2,", 6), 0);
	strbuf_reset(&sb);
	ASSERT_EQ(sb.len, 0);
	strbuf_addstr(&sb, "x");
	ASSERT_STREQ(sb.buf, "x");
	size_t len;
	cleanup_free char *s = strbuf_detach(&sb, &len);
	ASSERT_STREQ(s, "x");
	ASSERT_EQ(len, 1);
	ASSERT_STREQ(sb.buf, "");
}

TEST(error_prefix_chains_context)
{
	struct cn_error err = CN_ERROR_INIT;
	ASSERT_EQ(cn_error_set(&err, -EBADMSG, "digest mismatch (want %s)", "a"), -EBADMSG);
	cn_error_prefix(&err, -EBADMSG, "blob %s", "sha256:ab");
	cn_error_prefix(&err, -EBADMSG, "pull %s", "redis:7");
	ASSERT_STREQ(err.msg, "pull redis:7: blob sha256:ab: digest mismatch (want a)");
	struct cn_error bare = CN_ERROR_INIT;
	cn_error_prefix(&bare, -ENOENT, "open x");
	ASSERT_STREQ(bare.msg, "open x: No such file or directory");
	ASSERT_EQ(cn_error_set(NULL, -EIO, "ignored"), -EIO);
}

TEST(parse_u64_checks_range_and_junk)
{
	uint64_t v = 0;
	ASSERT_OK(cn_parse_u64("12345", 99999, &v));
	ASSERT_EQ(v, 12345);
	ASSERT_ERR(cn_parse_u64("123456", 99999, &v), -ERANGE);
	ASSERT_ERR(cn_parse_u64("", 10, &v), -EINVAL);
	ASSERT_ERR(cn_parse_u64("-1", 10, &v), -EINVAL);
	ASSERT_ERR(cn_parse_u64("1x", 10, &v), -EINVAL);
	ASSERT_ERR(cn_parse_u64("99999999999999999999999", UINT64_MAX, &v), -ERANGE);
	ASSERT_OK(cn_parse_u64("18446744073709551615", UINT64_MAX, &v));
	ASSERT_TRUE(v == UINT64_MAX);
}

TEST(atomic_write_replaces_and_leaves_no_temp)
{
	char dir[] = "/tmp/cairn-test-XXXXXX";
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_TRUE(dfd >= 0);
	ASSERT_OK(cn_write_file_atomic(dfd, "f", "one", 3));
	ASSERT_OK(cn_write_file_atomic(dfd, "f", "two!", 4));
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	ASSERT_OK(cn_read_file_at(dfd, "f", 100, &sb));
	ASSERT_STREQ(sb.buf, "two!");
	strbuf_reset(&sb);
	ASSERT_ERR(cn_read_file_at(dfd, "f", 2, &sb), -E2BIG);
	{
		cleanup_tmpfile struct cn_tmpfile t = CN_TMPFILE_INIT;
		ASSERT_OK(cn_tmpfile_open(&t, dfd, "x"));
		ASSERT_OK(cn_write_full(t.fd, "partial", 7));
		/* dropped without commit: must vanish */
	}
	ASSERT_OK(unlinkat(dfd, "f", 0));
	ASSERT_OK(rmdir(dir)); /* fails if a temp file was left behind */
}

TEST(mkdir_p_creates_nested)
{
	char dir[] = "/tmp/cairn-test-XXXXXX";
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_OK(cn_mkdir_p_at(dfd, "a/b/c", 0755));
	ASSERT_OK(cn_mkdir_p_at(dfd, "a/b/c", 0755));
	struct stat st;
	ASSERT_OK(fstatat(dfd, "a/b/c", &st, 0));
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_OK(unlinkat(dfd, "a/b/c", AT_REMOVEDIR));
	ASSERT_OK(unlinkat(dfd, "a/b", AT_REMOVEDIR));
	ASSERT_OK(unlinkat(dfd, "a", AT_REMOVEDIR));
	ASSERT_OK(rmdir(dir));
}
