#include <fcntl.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/digest/digest.h"
#include "test.h"

TEST(digest_of_known_vectors)
{
	struct cn_digest d;
	cn_digest_of(CN_DIGEST_SHA256, "", 0, &d);
	ASSERT_STREQ(d.str,
		     "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cn_digest_of(CN_DIGEST_SHA256, "abc", 3, &d);
	ASSERT_STREQ(cn_digest_hex(&d),
		     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cn_digest_of(CN_DIGEST_SHA512, "abc", 3, &d);
	ASSERT_STREQ(d.str,
		     "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(hasher_streams_equal_to_one_shot)
{
	struct cn_hasher h;
	struct cn_digest a, b;
	cn_hasher_init(&h, CN_DIGEST_SHA256);
	cn_hasher_update(&h, "ab", 2);
	cn_hasher_update(&h, "c", 1);
	cn_hasher_final(&h, &a);
	cn_hasher_release(&h);
	cn_digest_of(CN_DIGEST_SHA256, "abc", 3, &b);
	ASSERT_TRUE(cn_digest_equal(&a, &b));
}

TEST(digest_of_fd_reads_to_the_end)
{
	/* larger than the read buffer, read from a non-zero offset */
	size_t len = (1 << 17) * 2 + 123;
	cleanup_free char *data = xmalloc(len);
	for (size_t i = 0; i < len; i++)
		data[i] = (char)(i * 7);
	cleanup_free char *path = xasprintf("%s/blob", test_fresh_dir("digest"));
	cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(cn_write_full(fd, data, len));
	ASSERT_EQ(lseek(fd, 5, SEEK_SET), 5);
	struct cn_digest got, want;
	ASSERT_OK(cn_digest_of_fd(CN_DIGEST_SHA512, fd, &got));
	cn_digest_of(CN_DIGEST_SHA512, data + 5, len - 5, &want);
	ASSERT_STREQ(got.str, want.str);
	cleanup_close int wronly = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_ERR(cn_digest_of_fd(CN_DIGEST_SHA256, wronly, &got), -EBADF);
}

TEST(digest_parse_validates)
{
	struct cn_digest d;
	ASSERT_OK(cn_digest_parse(
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", &d));
	ASSERT_EQ(d.algo, CN_DIGEST_SHA256);
	ASSERT_ERR(
		cn_digest_parse(
			"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
			&d),
		-EINVAL);
	ASSERT_ERR(cn_digest_parse("sha256:abc", &d), -EINVAL);
	ASSERT_ERR(cn_digest_parse("sha256", &d), -EINVAL);
	ASSERT_ERR(cn_digest_parse(":abc", &d), -EINVAL);
	ASSERT_ERR(cn_digest_parse("md5:d41d8cd98f00b204e9800998ecf8427e", &d), -EOPNOTSUPP);
	ASSERT_ERR(
		cn_digest_parse(
			"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
			&d),
		-EINVAL);
}
