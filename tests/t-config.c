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

/* Ranges: the same check for every numeric key. */
static void
test_ranges(void)
{
	char buf[256];

	bad("mine:\n  recall_target: 1.5\n", "t.yaml:2:18: mine.recall_target: "
	    "expected a number in 0..1, got '1.5'", "float above its range");
	bad("embed:\n  timeout: 0\n", "t.yaml:2:12: embed.timeout: expected "
	    "a number > 0, got '0'", "excluded lower bound");
	bad("embed:\n  batch: 0\n", "t.yaml:2:10: embed.batch: expected an "
	    "integer in 1..100000, got '0'", "int below its range");
	ok(config_check(CONFIG_INT, "..5", "6", buf, sizeof(buf)) != NULL &&
	   !strcmp(buf, "expected an integer <= 5"), "upper bound only");
	ok(!config_check(CONFIG_FLOAT, "(0..1", "1", buf, sizeof(buf)),
	   "inclusive upper bound");
	ok(!config_check(CONFIG_INT, NULL, "-7", buf, sizeof(buf)),
	   "no range: any integer");
	is_int(config_choice("a|bb|c", "bb"), 1, "choice index");
	is_int(config_choice("a|bb|c", "b"), -1, "no prefix match");
}

/* A section with nothing under it is YAML null: it sets no key, as
 * leaving it out does. */
static void
test_null_sections(void)
{
	static const char *const nulls[] = {
		"mine:\n", "mine: ~\n", "mine: null\n", "mine:\nexport:\n",
		"review:\n  keys:\n", "cascade:\n  stages:\n", "~\n",
		"# only a comment\n",
	};
	const char *two = "mine:\nexport:\n  format: triplet\n";
	struct config *cfg;
	struct ns_err err;

	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++) {
		cfg = NULL;
		err_clear(&err);
		if (!ok(config_parse(nulls[i], strlen(nulls[i]), "t.yaml", &cfg,
				     &err) == NS_OK, "null section: %s",
			nulls[i]))
			diag("%s", err.msg);
		ok(cfg && !config_isset(cfg, "mine.seed") &&
		   config_seq_len(cfg, "cascade.stages") == 0,
		   "... sets nothing");
		config_free(cfg);
	}
	cfg = NULL;
	ok(config_parse(two, strlen(two), "t.yaml", &cfg, &err) == NS_OK &&
	   config_isset(cfg, "export.format"),
	   "an empty section before a set one");
	config_free(cfg);
	/* a quoted "" is a string, not null */
	bad("mine: \"\"\n", "t.yaml:1:7: 'mine' is a section, not a value: "
	    "expected a mapping", "a quoted empty string for a section");
	bad("mine:\n  seed:\n", "t.yaml:2:8: mine.seed: expected an integer "
	    ">= 0, got ''", "an empty value is not a default");
}

/* A syntax error wins over an error of our checks found before it: the
 * file is not YAML, whatever its first node looked like. */
static void
test_syntax_first(void)
{
	bad("mine:\n  seed: [1\n", "t.yaml:3:1: did not find expected ',' or "
	    "']' while parsing a flow sequence started at line 2, column 9",
	    "an unclosed '[' is a syntax error, not 'a list'");
	bad("bogus: 1\nmine: {seed: 1\n", "t.yaml:3:1: did not find "
	    "expected ',' or '}' while parsing a flow mapping started at line "
	    "2, column 7", "a syntax error after an unknown key");
	bad("bogus: 1\nmine:\n  seed: 1\n", "t.yaml:1:1: unknown key "
	    "'bogus'", "no syntax error: the first error");
}

/* config_error(): the place of a key or value checked after parsing. */
static void
test_error_at(void)
{
	const char *y = "review:\n  keys:\n    y: fnord\ncascade:\n"
			"  stages:\n    - scorer: command\n"
			"      command: [a, b]\n";
	struct config *cfg = NULL;
	struct ns_err err;
	char buf[512];

	err_clear(&err);
	ok(config_parse(y, strlen(y), "t.yaml", &cfg, &err) == NS_OK,
	   "parses");
	is_int(config_error(cfg, "review.keys.y", false, &err, "bad %s",
			    "action"), NS_ECONFIG, "config_error: NS_ECONFIG");
	is_str(err_format(&err, buf, sizeof(buf)), "t.yaml:3:8: bad action",
	       "at the value");
	config_error(cfg, "review.keys.y", true, &err, "bad key");
	is_str(err_format(&err, buf, sizeof(buf)), "t.yaml:3:5: bad key",
	       "at the key");
	config_error(cfg, "cascade.stages.0.command.1", true, &err, "x");
	is_str(err_format(&err, buf, sizeof(buf)), "t.yaml:7:20: x",
	       "a list element: its own place");
	config_error(cfg, "review.keys.z", false, &err, "not set");
	is_str(err_format(&err, buf, sizeof(buf)), "not set",
	       "a key not in the file: no place");
	config_error(cfg, "cascade.stages.0", false, &err, "stage");
	is_str(err_format(&err, buf, sizeof(buf)), "t.yaml:6:7: stage",
	       "a stage (a mapping): where it starts");
	config_error(cfg, "cascade.stages.0.command", false, &err, "list");
	is_str(err_format(&err, buf, sizeof(buf)), "t.yaml:7:16: list",
	       "a list: where it starts");
	config_free(cfg);
	/* a stage with nothing in it is a stage (cascade.c says it has no
	 * scorer), at its place, even last */
	y = "cascade:\n  stages:\n    - scorer: gap\n    - {}\n";
	ok(config_parse(y, strlen(y), "t.yaml", &cfg, &err) == NS_OK,
	   "an empty stage parses");
	is_int(config_seq_len(cfg, "cascade.stages"), 2, "... and counts");
	config_error(cfg, "cascade.stages.1", false, &err, "empty");
	is_str(err_format(&err, buf, sizeof(buf)), "t.yaml:4:7: empty",
	       "... at its place");
	config_free(cfg);
	cfg = config_new();
	config_error(cfg, "review.keys.y", false, &err, "defaults");
	is_str(err_format(&err, buf, sizeof(buf)), "defaults",
	       "a config not from a file: no place");
	config_free(cfg);
}

/* The example config (negsieve init --example-config) parses and sets
 * every default of config_keys[]. */
static void
test_example(void)
{
	struct config *cfg = NULL;
	struct ns_err err;
	char *buf = NULL;
	size_t len = 0, n = 0, set = 0;
	FILE *fp = open_memstream(&buf, &len);

	config_write_example(fp);
	fclose(fp);
	err_clear(&err);
	if (!ok(config_parse(buf, len, "example", &cfg, &err) == NS_OK,
		"the example parses"))
		diag("%s", err.msg);
	for (const struct config_key *k = config_keys; cfg && k->name; k++) {
		if (!k->def)
			continue;
		if (strchr(k->name, '['))
			continue;	/* list elements: shown commented */
		n++;
		set += config_isset(cfg, k->name) &&
		       !strcmp(config_str(cfg, k->name, NULL), k->def);
	}
	ok(n > 0 && set == n, "it sets every default: %zu of %zu", set, n);
	config_free(cfg);
	free(buf);
}

/* Every key of config_keys[] is documented in negsieve.yaml.5. */
static void
test_man(void)
{
	const char *top = getenv("top_srcdir");
	char path[1024], line[4096], want[256];
	struct strbuf man;
	FILE *fp;
	int missing = 0;

	snprintf(path, sizeof(path), "%s/man/negsieve.yaml.5",
		 top ? top : ".");
	if (!ok((fp = fopen(path, "r")) != NULL, "read %s", path))
		return;
	strbuf_init(&man);
	strbuf_addstr(&man, "");
	while (fgets(line, sizeof(line), fp))
		strbuf_addstr(&man, line);
	fclose(fp);
	for (const struct config_key *k = config_keys; k->name; k++) {
		snprintf(want, sizeof(want), "\n.B %s\n", k->name);
		if (!strstr(man.buf, want)) {
			diag("%s is not in negsieve.yaml.5", k->name);
			missing++;
		}
	}
	is_int(missing, 0, "every config key has a .B line in negsieve.yaml.5");
	strbuf_fini(&man);
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
	    "t.yaml:2:21: import.max_record_bytes: expected an integer >= 1, "
	    "got '12k'", "wrong int");
	bad("mine:\n  seed: x\n", "t.yaml:2:9: mine.seed: expected an integer "
	    ">= 0, got 'x'", "not an integer");
	bad("mine:\n  simans_a: x\n", "t.yaml:2:13: mine.simans_a: expected "
	    "a finite number, got 'x'", "not a number, no range");
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
	    "stream while scanning a quoted scalar started at line 2, column "
	    "9", "YAML syntax error, with where the quote opened");
	bad("- a\n- b\n", "t.yaml:1:1: expected a mapping of settings at the "
	    "top level", "top-level list");
	bad("project:\n  name: caf\xc3\n", "t.yaml:2:12: invalid UTF-8 continuation byte"
	    "", "invalid UTF-8");
	bad("a: &x 1\nproject: *x\n", "t.yaml:1:1: unknown key 'a'",
	    "unknown key before alias");
	bad("project:\n  name: &x 1\n  description: *x\n",
	    "t.yaml:3:16: aliases are not supported", "alias");

	/* a list of scalars inside a list of mappings: a command's argv */
	{
		const char *y =
			"cascade:\n"
			"  stages:\n"
			"    - name: cmd\n"
			"      scorer: command\n"
			"      command: [python3, \"a; $(b) c\", 7]\n"
			"      timeout: 2.5\n"
			"    - scorer: judge\n"
			"      command:\n"
			"        - one\n"
			"        - ''\n"
			"    - scorer: command\n"
			"      command: []\n";

		cfg = NULL;
		ok(config_parse(y, strlen(y), "t.yaml", &cfg, &err) == NS_OK,
		   "stages with command lists parse");
		is_int(config_seq_len(cfg, "cascade.stages"), 3,
		       "three stages");
		is_int(config_seq_len(cfg, "cascade.stages.0.command"), 3,
		       "flow list: 3 arguments");
		is_str(config_str(cfg, "cascade.stages.0.command.1", NULL),
		       "a; $(b) c", "argument verbatim");
		is_str(config_str(cfg, "cascade.stages.0.command.2", NULL),
		       "7", "a number is an argument string");
		is_int(config_seq_len(cfg, "cascade.stages.1.command"), 2,
		       "block list: 2 arguments");
		is_str(config_str(cfg, "cascade.stages.1.command.1", NULL),
		       "", "an empty argument is kept");
		is_dbl(config_float(cfg, "cascade.stages.0.timeout", 0), 2.5,
		       0, "stage float");
		is_dbl(config_float(cfg, "cascade.stages.1.timeout", 0), 60,
		       0, "stage default");
		is_int(config_seq_len(cfg, "cascade.stages.2.command"), 0,
		       "an empty list has no elements");
		config_free(cfg);
	}
	bad("cascade:\n  stages:\n    - command: python3 x.py\n",
	    "t.yaml:3:16: 'cascade.stages.0.command' is a section, not a "
	    "value: expected a list", "command as a string");
	bad("cascade:\n  stages:\n    - command: [a, {b: c}]\n",
	    "t.yaml:3:20: cascade.stages.0.command.1: expected a single "
	    "value, not a mapping", "mapping in a command list");
	bad("cascade:\n  stages:\n    - command: [a, [b]]\n",
	    "t.yaml:3:20: cascade.stages.0.command.1: expected a single "
	    "value, not a list", "list in a command list");
	bad("cascade:\n  stages:\n    - timeout: soon\n",
	    "t.yaml:3:16: cascade.stages.0.timeout: expected a number > 0, "
	    "got 'soon'", "stage key type checked");
	bad("cascade:\n  stages:\n    - comand: [a]\n",
	    "t.yaml:3:7: unknown key 'cascade.stages.0.comand'",
	    "unknown stage key");

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
	ok(config_load("/nonexistent/x.yaml", &cfg, &err) == NS_ENOTFOUND,
	   "missing file is not found (exit 7, as for any missing file)");
	is_str(err.file, "/nonexistent/x.yaml", "missing file named");
	test_ranges();
	test_null_sections();
	test_syntax_first();
	test_error_at();
	test_example();
	test_man();
	return tap_done();
}
