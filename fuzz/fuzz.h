/*
 * fuzz.h - helpers shared by the libFuzzer targets in fuzz/ (see
 * fuzz/run.sh): a scratch directory and writing an input to a file.
 * Each target is one fuzz-NAME.c defining LLVMFuzzerTestOneInput.
 */
#ifndef NS_FUZZ_H
#define NS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A scratch directory for this process (in /dev/shm when there is one);
 * made on the first call, left for the OS to clean (it holds a few
 * small files). */
static inline const char *
fuzz_dir(void)
{
	static char dir[256];

	if (!dir[0]) {
		const char *t = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
				getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

		snprintf(dir, sizeof(dir), "%s/ns-fuzz-XXXXXX", t);
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			abort();
		}
	}
	return dir;
}

/* Write @size bytes to @path (abort on failure: not the code under
 * test). */
static inline void
fuzz_write(const char *path, const uint8_t *data, size_t size)
{
	FILE *fp = fopen(path, "wb");

	if (!fp || (size && fwrite(data, 1, size, fp) != size) ||
	    fclose(fp) != 0) {
		perror(path);
		abort();
	}
}

/* A file name for the input: names[size % n].  The size, not a byte, so
 * that mutations in place keep the name (stable coverage feedback) and
 * seeds of every size reach every name. */
static inline const char *
fuzz_pick(const char *const *names, size_t n, size_t size)
{
	return names[size % n];
}

#endif
