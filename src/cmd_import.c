/*
 * cmd_import.c - negsieve import [options] PROJECT INPUT...
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "src/cmd.h"
#include "src/import.h"
#include "src/project.h"

static const char import_usage[] =
	"usage: negsieve import [--format FORMAT] [--skip-bad FILE] [--no-fts]\n"
	"                       PROJECT INPUT...\n"
	"\n"
	"Read training data into the project.  Each INPUT is a BEIR directory\n"
	"or a file; its format is detected from its name and first record.\n"
	"All INPUTs are one transaction: a bad record stops the import and\n"
	"leaves the project unchanged, unless --skip-bad is given.\n"
	"\n"
	"  -f, --format FORMAT  auto (default), beir, bge, tevatron, st-csv,\n"
	"                       st-tsv, st-jsonl, trec-run, trec-qrels, id-text\n"
	"  -s, --skip-bad FILE  write bad records with their reasons to FILE\n"
	"                       and import the rest\n"
	"      --no-fts         do not update the full-text indexes\n"
	"  -h, --help           show this help\n";

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
	enum { OPT_NO_FTS = 256 };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "skip-bad", required_argument, NULL, 's' },
		{ "no-fts", no_argument, NULL, OPT_NO_FTS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct import_opts o;
	struct import_result res;
	const char *format = NULL;
	bool no_fts = false;
	struct project p;
	struct ns_err err;
	char rate[32];
	int c, f;

	memset(&o, 0, sizeof(o));
	err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 's':
			o.skip_bad = optarg;
			break;
		case OPT_NO_FTS:
			no_fts = true;
			break;
		case 'h':
			fputs(import_usage, stdout);
			return NS_OK;
		default:
			return cmd_usage_error("import", "bad option");
		}
	}
	if (argc - optind < 2)
		return cmd_usage_error("import", "expected PROJECT and at "
				       "least one INPUT");
	if (format && import_format_parse(format) < 0)
		return cmd_usage_error("import", "unknown format '%s'", format);
	if (project_open(&p, argv[optind], &err) != NS_OK)
		return cmd_fail(&err);
	if (!format)
		format = config_str(p.cfg, "import.format", "auto");
	f = import_format_parse(format);
	o.format = f < 0 ? IMPORT_AUTO : (enum import_format)f;
	o.fts = !no_fts && config_bool(p.cfg, "import.fts", true);
	o.max_record = (size_t)config_int(p.cfg, "import.max_record_bytes",
					  268435456);
	o.report = stdout;
	if (import_run(p.db, &o, argv + optind + 1, argc - optind - 1, &res,
		       &err) != NS_OK) {
		int rc = cmd_fail(&err);

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
