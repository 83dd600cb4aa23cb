/*
 * fuzz-detect.c - format detection (import_detect) of one file, under a
 * name that depends on the input's size (detection reads names too).
 */
#include "fuzz/fuzz.h"
#include "src/import.h"

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
		"train.jsonl", "queries.jsonl", "corpus.jsonl", "pairs.tsv",
		"triplets.csv", "collection.txt", "run.trec", "qrels.txt",
		"data", "test.tsv"
	};
	enum import_format f;
	struct ns_err err;
	char *path = xasprintf("%s/%s", fuzz_dir(),
			       fuzz_pick(names, NS_ARRAY_SIZE(names), size));
	char buf[NS_ERR_MSG_MAX + 600];

	fuzz_write(path, data, size);
	err_clear(&err);
	if (import_detect(path, &f, &err) != NS_OK)
		err_format(&err, buf, sizeof(buf));
	else if (!import_format_name(f))
		abort();
	unlink(path);
	free(path);
	return 0;
}
