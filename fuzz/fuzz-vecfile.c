/*
 * fuzz-vecfile.c - the vector file readers of 'embed --passages/--queries'
 * (.npy, .fvecs, JSONL) and their id lists, on one file whose name (so
 * format) depends on the input's size: every row is read to the end or
 * the first error.
 */
#include "fuzz/fuzz.h"
#include "src/vecfile.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"v.npy", "v.fvecs", "v.jsonl", "ids.txt"
	};
	const char *name = fuzz_pick(names, NS_ARRAY_SIZE(names), size);
	char *path = xasprintf("%s/%s", fuzz_dir(), name);
	char buf[NS_ERR_MSG_MAX + 600];
	struct vecfile *vf = NULL;
	struct ns_err err;

	fuzz_write(path, data, size);
	err_clear(&err);
	if (!strcmp(name, "ids.txt")) {
		char **ids;
		int64_t n;

		if (vecfile_read_ids(path, &ids, &n, &err) == NS_OK)
			vecfile_ids_free(ids, n);
		else
			err_format(&err, buf, sizeof(buf));
	} else if (vecfile_open(path, &vf, &err) == NS_OK) {
		float *vec = xmalloc((size_t)vecfile_dim(vf) * sizeof(float));
		const char *xid;
		bool eof = false;

		while (vecfile_next(vf, vec, &eof, &xid, &err) == NS_OK &&
		       !eof)
			;
		free(vec);
		vecfile_close(vf);
	} else {
		err_format(&err, buf, sizeof(buf));
	}
	unlink(path);
	free(path);
	return 0;
}
