/*
 * Registry credentials in Docker's config.json format ({"auths": {KEY: {"auth": base64(u:p)}}}),
 * so an existing ~/.docker/config.json just works. The directory is --config, else
 * $DOCKER_CONFIG, else ~/.docker. Docker Hub's key is "https://index.docker.io/v1/".
 */
#pragma once

#include "base/error.h"

struct cn_credentials {
	char *username;
	char *password;
};

/* The config directory to use: `dir` if non-NULL, else $DOCKER_CONFIG, else ~/.docker. */
char *cn_credentials_config_dir(const char *dir);
/* Looks up credentials for registry `domain` (as in references: docker.io, host:port).
 * Returns 1 and fills `ret` when found, 0 when none, negative errno on a broken file. */
int cn_credentials_lookup(const char *config_dir, const char *domain, struct cn_credentials *ret,
			  struct cn_error *err);
/* Stores (login) or removes (logout, password NULL) credentials; the file is rewritten
 * atomically with mode 0600, keeping every other field. Logout of an absent entry: -ENOENT. */
int cn_credentials_store(const char *config_dir, const char *domain, const char *username,
			 const char *password, struct cn_error *err);
void cn_credentials_release(struct cn_credentials *c);
/* The config.json key for a domain ("https://index.docker.io/v1/" for docker.io). */
const char *cn_credentials_key(const char *domain);
