/*
 * Downloads of vulnerability feeds with libcurl into an anonymous temporary file in
 * ROOT/vulndb (O_TMPFILE, so nothing is left behind whatever happens), with conditional
 * requests (ETag / Last-Modified), a size limit, and timeouts.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/vuln/db-internal.h"

struct transfer {
	int fd;
	uint64_t written, max;
	bool too_big;
	int write_errno;
	char etag[256], last_modified[128];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_setup(void)
{
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * n;
	if (t->written + len > t->max) {
		t->too_big = true;
		return 0;
	}
	int r = cn_write_full(t->fd, data, len);
	if (r < 0) {
		t->write_errno = -r;
		return 0;
	}
	t->written += len;
	return len;
}

/* Copies a header's value (trimmed) into buf when `line` is "Name: value". */
static void header_value(const char *line, size_t len, const char *hname, char *buf, size_t size)
{
	size_t hlen = strlen(hname);
	if (len <= hlen + 1 || strncasecmp(line, hname, hlen) != 0 || line[hlen] != ':')
		return;
	const char *v = line + hlen + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	size_t vlen = (size_t)(end - v);
	if (vlen == 0 || vlen >= size)
		return; /* absent, or too long to send back: no conditional request next time */
	memcpy(buf, v, vlen);
	buf[vlen] = '\0';
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * n;
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* a new response (after a redirect): forget the previous one's validators */
		t->etag[0] = t->last_modified[0] = '\0';
		return len;
	}
	header_value(data, len, "ETag", t->etag, sizeof(t->etag));
	header_value(data, len, "Last-Modified", t->last_modified, sizeof(t->last_modified));
	return len;
}

static int open_tmp(int dirfd, struct cn_error *err)
{
	int fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* No O_TMPFILE on this filesystem: a named file, unlinked at once. */
	struct cn_tmpfile t = CN_TMPFILE_INIT;
	int r = cn_tmpfile_open(&t, dirfd, "download");
	if (r < 0)
		return cn_error_errno(err, r, "creating a temporary file for the download");
	(void)unlinkat(dirfd, t.name, 0);
	return t.fd;
}

static void curl_slist_freep(struct curl_slist **l)
{
	curl_slist_free_all(*l);
}

static void curl_easy_cleanupp(CURL **c)
{
	if (*c)
		curl_easy_cleanup(*c);
}

static struct curl_slist *conditional_headers(const char *etag, const char *last_modified)
{
	struct curl_slist *h = NULL;
	char line[512];
	if (etag && *etag) {
		(void)snprintf(line, sizeof(line), "If-None-Match: %s", etag);
		h = curl_slist_append(h, line);
	}
	if (last_modified && *last_modified) {
		(void)snprintf(line, sizeof(line), "If-Modified-Since: %s", last_modified);
		h = curl_slist_append(h, line);
	}
	return h;
}

static void setup_request(CURL *c, const char *url, struct transfer *t, struct curl_slist *hdrs,
			  const struct cn_vulndb_update_opts *opts, char *errbuf)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cairn/" CAIRN_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L); /* abort a stalled transfer */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, opts->timeout_s > 0 ? opts->timeout_s : 3600L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* gzip on the wire where offered */
	if (opts->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, opts->ca_file);
}

int cn_vuln_fetch(int dirfd, const char *url, const char *etag, const char *last_modified,
		  const struct cn_vulndb_update_opts *opts, struct cn_vuln_fetch_result *ret,
		  struct cn_error *err)
{
	if (dirfd < 0)
		return cn_error_set(err, -EBADF, "no download directory");
	pthread_once(&curl_once, curl_setup);
	_cleanup_(curl_easy_cleanupp) CURL *c = curl_easy_init();
	if (!c)
		return cn_error_set(err, -ENOMEM, "cannot start a transfer");
	cleanup_close int fd = open_tmp(dirfd, err);
	if (fd < 0)
		return fd;
	struct transfer t = {
		.fd = fd,
		.max = opts->max_download ? opts->max_download : CN_VULN_DEFAULT_DOWNLOAD,
	};
	_cleanup_(curl_slist_freep) struct curl_slist *hdrs =
		conditional_headers(etag, last_modified);
	char errbuf[CURL_ERROR_SIZE] = "";
	setup_request(c, url, &t, hdrs, opts, errbuf);
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (t.too_big || cc == CURLE_FILESIZE_EXCEEDED)
		return cn_error_set(err, -E2BIG, "larger than %llu bytes",
				    (unsigned long long)t.max);
	if (t.write_errno)
		return cn_error_errno(err, -t.write_errno, "writing the download");
	if (cc != CURLE_OK)
		return cn_error_set(err, cc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO, "%s",
				    *errbuf ? errbuf : curl_easy_strerror(cc));
	*ret = (struct cn_vuln_fetch_result){ .fd = -1 };
	memcpy(ret->etag, t.etag, sizeof(ret->etag));
	memcpy(ret->last_modified, t.last_modified, sizeof(ret->last_modified));
	if (status == 304) {
		/* A 304 need not repeat the validators: keep the ones we sent. */
		if (!ret->etag[0] && etag)
			(void)snprintf(ret->etag, sizeof(ret->etag), "%s", etag);
		if (!ret->last_modified[0] && last_modified)
			(void)snprintf(ret->last_modified, sizeof(ret->last_modified), "%s",
				       last_modified);
		ret->not_modified = true;
		return 0;
	}
	if (status != 200)
		return cn_error_set(err, -EPROTO, "HTTP %ld", status);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return cn_error_errno(err, -errno, "rewinding the download");
	ret->fd = TAKE_FD(fd);
	return 0;
}
