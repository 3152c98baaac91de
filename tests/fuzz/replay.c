// SPDX-License-Identifier: MIT
/*
 * Plain main() for the harnesses: runs LLVMFuzzerTestOneInput over every
 * file named (directories are walked one level). Used for gcov coverage,
 * for AFL++ (afl-fuzz ... -- replay_x @@) and as the corpus regression
 * test in the ordinary meson build, where no libFuzzer is available.
 */
#include "fuzz.h"
#include <dirent.h>
#include <sys/stat.h>

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -1;
	}
	/* An exact-size heap copy, so ASan sees any read past the input. */
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int run_path(const char *path, unsigned long *count)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int ret = 0;

	if (stat(path, &st))
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char sub[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (stat(sub, &st) || !S_ISREG(st.st_mode))
			continue;
		(*count)++;
		if (run_file(sub))
			ret = -1;
	}
	closedir(d);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	int i, ret = 0;

	for (i = 1; i < argc; i++)
		if (run_path(argv[i], &count)) {
			fprintf(stderr, "replay: cannot read %s\n", argv[i]);
			ret = 1;
		}
	printf("replay: %lu inputs, no crash\n", count);
	return ret;
}
