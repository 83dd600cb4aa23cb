/* t-config.c - negsieve.yaml parsing and validation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/config.h"
#include "tests/tap.h"
#include "src/util.h"

static void
bad(const char *yaml, const char *want, const char *name)
{
	struct config *cfg = NULL;
	struct ns_err err;
	char buf[1024];

	err_clear(&err);
	if (!ok(config_parse(yaml, strlen(yaml), "t.yaml", &cfg, &err) ==
		NS_ECONFIG, "%s: rejected", name))
		config_free(cfg);
	is_str(err_format(&err, buf, sizeof(buf)), want, name);
	ok(cfg == NULL, "%s: out untouched", name);
}

int
main(void)
{
	struct config *cfg = NULL;
	struct ns_err err;
	const char *yaml =
		"project:\n"
		"  name: demo\n"
		"import:\n"
		"  format: bge\n"
		"  fts: false\n"
		"  max_record_bytes: 1000\n";
	char path[512];
	FILE *fp;

	err_clear(&err);
	ok(config_parse(yaml, strlen(yaml), "t.yaml", &cfg, &err) == NS_OK,
	   "valid config parses");
	is_str(config_str(cfg, "project.name", NULL), "demo", "string value");
	is_str(config_str(cfg, "import.format", NULL), "bge", "enum value");
	ok(!config_bool(cfg, "import.fts", true), "bool value");
	is_int(config_int(cfg, "import.max_record_bytes", 0), 1000,
	       "int value");
	ok(config_isset(cfg, "project.name"), "isset");
	ok(!config_isset(cfg, "project.description"), "not isset");
	is_str(config_source(cfg), yaml, "source kept verbatim");
	config_free(cfg);

	cfg = config_new();
	is_str(config_str(cfg, "import.format", NULL), "auto",
	       "default from table");
	ok(config_bool(cfg, "import.fts", false), "bool default from table");
	config_free(cfg);

	cfg = NULL;
	ok(config_parse("", 0, "empty.yaml", &cfg, &err) == NS_OK,
	   "empty file is all defaults");
	config_free(cfg);

	bad("project:\n  nmae: x\n", "t.yaml:2:3: unknown key 'project.nmae'",
	    "unknown key");
	bad("bogus: 1\n", "t.yaml:1:1: unknown key 'bogus'",
	    "unknown top-level key");
	bad("import:\n  fts: maybe\n",
	    "t.yaml:2:8: import.fts: expected true or false, got 'maybe'",
	    "wrong bool");
	bad("import:\n  max_record_bytes: 12k\n",
	    "t.yaml:2:21: import.max_record_bytes: expected an integer, got "
	    "'12k'", "wrong int");
	bad("import:\n  format: parquet\n",
	    "t.yaml:2:11: import.format: expected one of auto,beir,bge,"
	    "tevatron,st-csv,st-tsv,st-jsonl,trec-run,trec-qrels,id-text,"
	    "trec-topics,rank-llm,pool, got 'parquet'", "wrong enum");
	bad("import: 3\n", "t.yaml:1:9: 'import' is a section, not a value: "
	    "expected a mapping", "scalar for a section");
	bad("project:\n  name: [a, b]\n",
	    "t.yaml:2:9: project.name: expected a single value, not a list",
	    "list for a scalar");
	bad("project:\n  name: a\n  name: b\n",
	    "t.yaml:3:3: duplicate key 'project.name'", "duplicate key");
	bad("project:\n  name: \"a\n", "t.yaml:3:1: found unexpected end of "
	    "stream while scanning a quoted scalar", "YAML syntax error");
	bad("- a\n- b\n", "t.yaml:1:1: expected a mapping of settings at the "
	    "top level", "top-level list");
	bad("project:\n  name: caf\xc3\n", "t.yaml:2:12: invalid UTF-8 continuation byte"
	    "", "invalid UTF-8");
	bad("a: &x 1\nproject: *x\n", "t.yaml:1:1: unknown key 'a'",
	    "unknown key before alias");
	bad("project:\n  name: &x 1\n  description: *x\n",
	    "t.yaml:3:16: aliases are not supported", "alias");

	snprintf(path, sizeof(path), "%s/n.yaml", tap_tmpdir());
	fp = fopen(path, "w");
	fputs("project:\n  name: file\n", fp);
	fclose(fp);
	cfg = NULL;
	ok(config_load(path, &cfg, &err) == NS_OK, "config_load");
	is_str(config_str(cfg, "project.name", NULL), "file",
	       "config_load value");
	config_free(cfg);
	cfg = NULL;
	ok(config_load("/nonexistent/x.yaml", &cfg, &err) == NS_ECONFIG,
	   "missing file is a config error");
	is_str(err.file, "/nonexistent/x.yaml", "missing file named");
	return tap_done();
}
