#include <curl/curl.h>
#include <stdio.h>
#include <sys/utsname.h>

#include "cli/cli.h"
#include "lib/image/platform.h"

int cmd_version(struct cli_context *ctx, int argc, char **argv)
{
	(void)ctx;
	if (argc > 1 && (argv[1][0] == '-')) {
		printf("Usage: cairn version\n\nShow the cairn version information.\n");
		return 0;
	}
	curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	struct cn_platform p;
	cn_platform_host(&p);
	printf("cairn version %s\n", CAIRN_VERSION);
	printf(" OS/Arch:  %s/%s%s%s\n", p.os, p.architecture, p.variant[0] ? "/" : "", p.variant);
	printf(" libcurl:  %s\n", cv->version);
	return 0;
}
