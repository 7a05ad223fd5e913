#include "lib/registry/credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/image/manifest.h"

#define CONFIG_MAX     (4u << 20)
#define DOCKER_HUB_KEY "https://index.docker.io/v1/"

char *cn_credentials_config_dir(const char *dir)
{
	const char *e;
	if (dir)
		return xstrdup(dir);
	if ((e = getenv("DOCKER_CONFIG")) && *e)
		return xstrdup(e);
	e = getenv("HOME");
	return xasprintf("%s/.docker", e && *e ? e : ".");
}

const char *cn_credentials_key(const char *domain)
{
	return strcmp(domain, "docker.io") == 0 ? DOCKER_HUB_KEY : domain;
}

void cn_credentials_release(struct cn_credentials *c)
{
	if (c->password)
		explicit_bzero(c->password, strlen(c->password));
	free(c->username);
	free(c->password);
	c->username = c->password = NULL;
}

/* "https://host:port/v1/" -> "host:port", as docker normalizes auths keys. */
static void key_host(const char *key, char *buf, size_t len)
{
	const char *p = strstr(key, "://");
	p = p ? p + 3 : key;
	size_t n = strcspn(p, "/");
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

static bool key_matches(const char *key, const char *domain)
{
	char host[512];
	if (strcmp(domain, "docker.io") == 0) {
		key_host(key, host, sizeof(host));
		return strcmp(host, "index.docker.io") == 0 || strcmp(host, "docker.io") == 0 ||
		       strcmp(host, "registry-1.docker.io") == 0;
	}
	key_host(key, host, sizeof(host));
	return strcmp(host, domain) == 0;
}

static int load_config(const char *dir, json_t **ret, struct cn_error *err)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	cleanup_free char *path = xasprintf("%s/config.json", dir);
	int r = cn_read_file_at(AT_FDCWD, path, CONFIG_MAX, &sb);
	if (r == -ENOENT) {
		*ret = json_object();
		return 0;
	}
	if (r < 0)
		return cn_error_errno(err, r, "reading %s", path);
	r = cn_json_parse(sb.buf, sb.len, ret, err);
	if (r < 0)
		return cn_error_prefix(err, r, "%s", path);
	if (!json_is_object(*ret)) {
		json_decref(*ret);
		return cn_error_set(err, -EBADMSG, "%s: not a JSON object", path);
	}
	return 0;
}

static int decode_auth(const char *b64, struct cn_credentials *ret)
{
	size_t len = strlen(b64);
	if (len > 8192)
		return -E2BIG;
	cleanup_free unsigned char *out = xmalloc(len / 4 * 3 + 4);
	int n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
	if (n < 0)
		return -EBADMSG;
	/* EVP_DecodeBlock counts '=' padding as zero bytes. */
	while (n > 0 && len > 0 && b64[len - 1] == '=') {
		n--;
		len--;
	}
	out[n] = '\0';
	char *colon = strchr((char *)out, ':');
	if (!colon)
		return -EBADMSG;
	*colon = '\0';
	ret->username = xstrdup((char *)out);
	ret->password = xstrdup(colon + 1);
	explicit_bzero(out, (size_t)n);
	return 1;
}

int cn_credentials_lookup(const char *config_dir, const char *domain, struct cn_credentials *ret,
			  struct cn_error *err)
{
	json_t *config = NULL;
	int r = load_config(config_dir, &config, err);
	if (r < 0)
		return r;
	const char *key;
	json_t *entry;
	r = 0;
	json_object_foreach (json_object_get(config, "auths"), key, entry) {
		if (!key_matches(key, domain))
			continue;
		const char *auth = cn_json_string(entry, "auth");
		const char *user = cn_json_string(entry, "username");
		const char *pass = cn_json_string(entry, "password");
		if (auth && *auth) {
			r = decode_auth(auth, ret);
			if (r < 0)
				r = cn_error_set(err, -EBADMSG,
						 "%s/config.json: invalid auth for %s", config_dir,
						 key);
		} else if (user && pass) {
			ret->username = xstrdup(user);
			ret->password = xstrdup(pass);
			r = 1;
		}
		break;
	}
	json_decref(config);
	return r;
}

static int save_config(const char *dir, json_t *config, struct cn_error *err)
{
	int r = cn_mkdir_p_at(AT_FDCWD, dir, 0700);
	if (r < 0)
		return cn_error_errno(err, r, "creating %s", dir);
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cn_error_errno(err, -errno, "opening %s", dir);
	cleanup_free char *text = json_dumps(config, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	cleanup_tmpfile struct cn_tmpfile t = CN_TMPFILE_INIT;
	r = cn_tmpfile_open(&t, dfd, "config");
	if (r >= 0 && fchmod(t.fd, 0600) < 0)
		r = -errno;
	if (r >= 0)
		r = cn_write_full(t.fd, text, strlen(text));
	if (r >= 0)
		r = cn_write_full(t.fd, "\n", 1);
	if (r >= 0)
		r = cn_tmpfile_commit(&t, "config.json");
	return r < 0 ? cn_error_errno(err, r, "writing %s/config.json", dir) : 0;
}

int cn_credentials_store(const char *config_dir, const char *domain, const char *username,
			 const char *password, struct cn_error *err)
{
	json_t *config = NULL;
	int r = load_config(config_dir, &config, err);
	if (r < 0)
		return r;
	json_t *auths = json_object_get(config, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(config, "auths", auths);
	}
	/* Drop every key naming this registry (docker writes several spellings). */
	size_t removed = 0;
	const char *key;
	json_t *entry;
	void *tmp;
	json_object_foreach_safe (auths, tmp, key, entry) {
		if (key_matches(key, domain)) {
			json_object_del(auths, key);
			removed++;
		}
	}
	if (password) {
		cleanup_free char *plain = xasprintf("%s:%s", username, password);
		size_t len = strlen(plain);
		cleanup_free char *b64 = xmalloc((len + 2) / 3 * 4 + 1);
		EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain, (int)len);
		explicit_bzero(plain, len);
		json_t *e = json_object();
		json_object_set_new(e, "auth", json_string(b64));
		json_object_set_new(auths, cn_credentials_key(domain), e);
	} else if (removed == 0) {
		json_decref(config);
		return cn_error_set(err, -ENOENT, "not logged in to %s", domain);
	}
	r = save_config(config_dir, config, err);
	json_decref(config);
	return r;
}
