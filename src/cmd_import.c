/*
 * cmd_import.c - negsieve import [options] PROJECT INPUT...
 */
#include <stdio.h>
#include <string.h>

#include "src/cmd.h"
#include "src/import.h"
#include "src/project.h"

#define IO struct import_opts
static const struct opt import_rows[] = {
	OPT_KEY('f', "format", "FORMAT", "import.format", CONFIG_ENUM, IO,
		format, "auto, beir, bge, tevatron, st-csv, st-tsv, st-jsonl, "
		"trec-run, trec-qrels, id-text"),
	OPT_VAL('s', "skip-bad", "FILE", CONFIG_STRING, NULL, NULL, IO,
		skip_bad, "write bad records with their reasons to FILE and "
		"import the rest"),
	OPT_KEY_SET(0, "no-fts", "import.fts", CONFIG_BOOL, "false", IO, fts,
		    "do not update the full-text indexes"),
	OPT_CONFIG("import.max_record_bytes", CONFIG_INT, IO, max_record),
	OPT_END
};
#undef IO

static const struct opt_cmd import_cmd = {
	"import",
	"usage: negsieve import [OPTIONS] PROJECT INPUT...\n",
	"Read training data into the project.  Each INPUT is a BEIR directory\n"
	"or a file; its format is detected from its name and first record.\n"
	"All INPUTs are one transaction: a bad record stops the import and\n"
	"leaves the project unchanged, unless --skip-bad is given.\n",
	import_rows,
};

/* 1234567 -> "1,234,567" */
static const char *
cmd_import_grouped(char *buf, size_t size, double v)
{
	char tmp[32];
	size_t n, j = 0;

	snprintf(tmp, sizeof(tmp), "%.0f", v);
	n = strlen(tmp);
	for (size_t i = 0; i < n && j + 2 < size; i++) {
		buf[j++] = tmp[i];
		if ((n - i - 1) % 3 == 0 && i + 1 < n)
			buf[j++] = ',';
	}
	buf[j] = '\0';
	return buf;
}

int
cmd_import(int argc, char **argv)
{
	struct import_opts o;
	struct import_result res;
	struct opt_state st;
	struct project p;
	struct ns_err err;
	char rate[32];
	int rc;

	memset(&o, 0, sizeof(o));
	err_clear(&err);
	if ((rc = cmd_options(&import_cmd, argc, argv, &o, &st)) || st.help)
		return rc;
	if (argc - st.first < 2)
		return cmd_usage_error("import", "expected PROJECT and at "
				       "least one INPUT");
	if (project_open(&p, argv[st.first], &err) != NS_OK)
		return cmd_fail(&err);
	opt_resolve(import_cmd.rows, p.cfg, &o, &st);
	o.report = stdout;
	if (import_run(p.db, &o, argv + st.first + 1, argc - st.first - 1,
		       &res, &err) != NS_OK) {
		rc = cmd_fail(&err);

		project_close(&p);
		if (err.rc == NS_EINPUT && !o.skip_bad)
			fprintf(stderr, "negsieve: nothing was imported "
				"(--skip-bad FILE imports the rest and writes "
				"the bad records to FILE)\n");
		else
			fprintf(stderr, "negsieve: nothing was imported\n");
		return rc;
	}
	printf("imported %lld passages, %lld queries, %lld judgments, "
	       "%lld candidates from %lld records in %.2f s (%s passages/s)",
	       (long long)res.passages, (long long)res.queries,
	       (long long)res.qrels, (long long)res.candidates,
	       (long long)res.records, res.seconds,
	       cmd_import_grouped(rate, sizeof(rate), res.seconds > 0
				  ? (double)res.passages / res.seconds : 0));
	if (o.fts)
		printf("; FTS index %.2f s\n", res.fts_seconds);
	else
		printf("; FTS index not updated (--no-fts)\n");
	if (res.skipped)
		printf("%lld bad records written to %s\n",
		       (long long)res.skipped, o.skip_bad);
	project_close(&p);
	return NS_OK;
}
