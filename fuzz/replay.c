/*
 * Replays saved fuzz inputs through a target's LLVMFuzzerTestOneInput without libFuzzer, so every
 * build lane (notably ASan+UBSan) runs the corpus as an ordinary test. Arguments are files or
 * directories of files.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fd.h"
#include "base/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int r = cn_read_file_at(AT_FDCWD, path, 64u << 20, &sb);
	if (r < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(-r));
		strbuf_release(&sb);
		return -1;
	}
	/* Copy into an exact-size allocation so ASan catches reads past the end. */
	uint8_t *copy = malloc(sb.len ? sb.len : 1);
	memcpy(copy, sb.buf, sb.len);
	(void)LLVMFuzzerTestOneInput(copy, sb.len);
	free(copy);
	strbuf_release(&sb);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0, failures = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: not found\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			failures += replay_file(argv[i]) < 0;
			files++;
			continue;
		}
		struct dirent **names;
		int n = scandir(argv[i], &names, NULL, alphasort);
		for (int k = 0; k < n; k++) {
			if (names[k]->d_name[0] != '.') {
				char path[4096];
				(void)snprintf(path, sizeof(path), "%s/%s", argv[i],
					       names[k]->d_name);
				failures += replay_file(path) < 0;
				files++;
			}
			free(names[k]);
		}
		free(names);
	}
	printf("replayed %d inputs\n", files);
	if (files == 0) {
		fprintf(stderr, "replay: no inputs found\n");
		return 1;
	}
	return failures ? 1 : 0;
}
