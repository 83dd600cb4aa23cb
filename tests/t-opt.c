/* t-opt.c - option tables: the library's tables agree with config_keys[],
 * broken tables are refused, parsing, the overlay over a config, value
 * errors that read like the config's, the --help text. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/embedjob.h"
#include "src/filter.h"
#include "src/import.h"
#include "src/minejob.h"
#include "src/opt.h"
#include "tests/tap.h"

struct inner {
	double margin;
};

struct sets {
	int num;		/* mine.num_negatives */
	int64_t seed;		/* mine.seed */
	int sampling;		/* mine.sampling */
	const char *model;	/* embed.model */
	bool fts;		/* import.fts */
	bool flag;
	int64_t run;
	const char *out;
	int pair[2];
	struct inner in;
	int backoffs;		/* embed.retries, config only */
};

static const char *
parse_pair(const char *arg, void *settings, char *buf, size_t size)
{
	struct sets *s = settings;

	(void)buf;
	(void)size;
	if (sscanf(arg, "%d,%d", &s->pair[0], &s->pair[1]) != 2)
		return "expected A,B";
	return NULL;
}

static const struct opt inner_rows[] = {
	OPT_KEY(0, "margin", "R", "mine.relative_margin", CONFIG_FLOAT,
		struct inner, margin, "a margin"),
	OPT_END
};

#define S struct sets
static const struct opt rows[] = {
	OPT_KEY('n', "num", "N", "mine.num_negatives", CONFIG_INT, S, num,
		"how many"),
	OPT_KEY(0, "seed", "N", "mine.seed", CONFIG_INT, S, seed, "a seed"),
	OPT_KEY(0, "sampling", "S", "mine.sampling", CONFIG_ENUM, S, sampling,
		"how"),
	OPT_KEY(0, "model", "NAME", "embed.model", CONFIG_STRING, S, model,
		"which"),
	OPT_KEY_SET(0, "no-fts", "import.fts", CONFIG_BOOL, "false", S, fts,
		    "no FTS"),
	OPT_FLAG('f', "flag", S, flag, "a flag"),
	OPT_VAL(0, "run", "ID", CONFIG_INT, "1..", "7", S, run, "a run"),
	OPT_VAL('o', "out", "FILE", CONFIG_STRING, NULL, NULL, S, out,
		"a file"),
	OPT_FN(0, "pair", "A,B", parse_pair, "two numbers"),
	OPT_INCLUDE(inner_rows, S, in),
	OPT_CONFIG("embed.retries", CONFIG_INT, S, backoffs),
	OPT_END
};

static const struct opt_cmd cmd = { "test", "usage: negsieve test\n",
				    "Test rows.\n", rows };

/* Parse the NULL-terminated arguments after "test". */
static enum ns_rc
parse(struct sets *s, struct opt_state *st, struct ns_err *err, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)"test";
	va_start(ap, err);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	memset(s, 0, sizeof(*s));
	err_clear(err);
	return opt_parse(&cmd, argc, argv, s, st, err);
}

static void
bad_table(const struct opt *t, const char *want, const char *name)
{
	struct ns_err err;

	err_clear(&err);
	is_int(opt_check(t, &err), NS_EINTERNAL, name);
	is_str(err.msg, want, name);
}

static void
test_tables(void)
{
	struct ns_err err;
	static const struct opt wrong_type[] = {
		OPT_KEY(0, "num", "N", "mine.num_negatives", CONFIG_FLOAT, S,
			num, "x"),
		OPT_END
	};
	static const struct opt no_key[] = {
		OPT_KEY(0, "num", "N", "mine.nothing", CONFIG_INT, S, num, "x"),
		OPT_END
	};
	static const struct opt wrong_size[] = {
		OPT_KEY(0, "seed", "N", "mine.relative_margin", CONFIG_FLOAT, S,
			num, "x"),
		OPT_END
	};
	static const struct opt twice[] = {
		OPT_FLAG('f', "flag", S, flag, "x"),
		OPT_FLAG(0, "flag", S, fts, "x"),
		OPT_END
	};
	static const struct opt short_twice[] = {
		OPT_FLAG('f', "flag", S, flag, "x"),
		OPT_FLAG('f', "other", S, fts, "x"),
		OPT_END
	};
	static const struct opt help[] = {
		OPT_FLAG('h', "hello", S, flag, "x"),
		OPT_END
	};
	static const struct opt bad_def[] = {
		OPT_VAL(0, "run", "ID", CONFIG_INT, "1..", "0", S, run, "x"),
		OPT_END
	};
	static const struct opt unbounded_int[] = {
		OPT_VAL(0, "num", "N", CONFIG_INT, NULL, NULL, S, num, "x"),
		OPT_END
	};
	static const struct opt keyed_default[] = {
		{ "seed", 0, "N", "mine.seed", CONFIG_INT, NULL, "3", NULL,
		  offsetof(S, seed), sizeof(int64_t), NULL, NULL, "x" },
		OPT_END
	};

	/* the tables of the library, against config_keys[] */
	err_clear(&err);
	is_int(opt_check(filter_opts, &err), NS_OK, "filter_opts is sound");
	is_int(opt_check(minejob_opts, &err), NS_OK, "minejob_opts is sound");
	is_int(opt_check(embedjob_opts, &err), NS_OK,
	       "embedjob_opts is sound");
	is_int(opt_check(rows, &err), NS_OK, "the test table is sound");
	if (err.msg[0])
		diag("%s", err.msg);

	bad_table(wrong_type, "option table: --num: type 2, but config key "
		  "'mine.num_negatives' has type 1", "type other than the key's");
	bad_table(no_key, "option table: --num: no config key 'mine.nothing' "
		  "in config_keys[]", "a key that does not exist");
	bad_table(wrong_size, "option table: --seed: a field of 4 bytes "
		  "cannot hold its type", "a float in an int field");
	bad_table(twice, "option table: --flag: listed twice", "a name twice");
	bad_table(short_twice, "option table: --other: -f is taken",
		  "a short name twice");
	bad_table(help, "option table: --hello: -h/--help is every command's",
		  "-h taken");
	bad_table(bad_def, "option table: --run: default '0': expected an "
		  "integer >= 1", "a default outside the range");
	bad_table(unbounded_int, "option table: --num: an int field needs a "
		  "range within int", "an int without a range");
	bad_table(keyed_default, "option table: --seed: a keyed row takes "
		  "its choices and default from 'mine.seed'",
		  "a keyed row with a default of its own");
}

/* An enum field gets the index of the value among its key's choices: the
 * enums must list them in the same order. */
static void
test_enum_orders(void)
{
	const char *fmt = config_key("import.format")->choices;
	const char *anchor = config_key("mine.anchor")->choices;
	const char *sampling = config_key("mine.sampling")->choices;
	const char *method = config_key("mine.method")->choices;
	int bad = 0;

	for (int f = 0; f < IMPORT_NFORMATS; f++)
		bad += config_choice(fmt, import_format_name(
					     (enum import_format)f)) != f;
	is_int(bad, 0, "import.format choices in enum import_format order");
	ok(config_choice(anchor, "min") == FILTER_ANCHOR_MIN &&
	   config_choice(anchor, "mean") == FILTER_ANCHOR_MEAN &&
	   config_choice(anchor, "max") == FILTER_ANCHOR_MAX,
	   "mine.anchor choices in enum filter_anchor order");
	ok(config_choice(sampling, "top") == SAMPLING_TOP &&
	   config_choice(sampling, "random") == SAMPLING_RANDOM &&
	   config_choice(sampling, "simans") == SAMPLING_SIMANS,
	   "mine.sampling choices in enum filter_sampling order");
	ok(config_choice(method, minejob_method_name(MINEJOB_DENSE)) ==
	   MINEJOB_DENSE && config_choice(method, minejob_method_name(
		   MINEJOB_BM25)) == MINEJOB_BM25,
	   "mine.method choices in enum minejob_method order");
}

static void
test_parse(void)
{
	struct sets s;
	struct opt_state st;
	struct ns_err err;
	struct config *cfg = NULL;
	const char *yaml = "mine:\n  num_negatives: 9\n"
			   "  relative_margin: 0.25\n"
			   "embed:\n  retries: 2\n  model: m1\n";

	/* defaults: config_keys[] for keyed rows, the row's for the others */
	is_int(parse(&s, &st, &err, "P", NULL), NS_OK, "no options");
	is_int(st.first, 1, "the operand is argv[1]");
	is_int(s.num, 3, "keyed default from config_keys[]");
	is_int(s.sampling, 0, "enum default: its index");
	is_str(s.model, "builtin", "string default");
	ok(s.fts, "bool default true");
	ok(!s.flag, "flag off");
	is_int(s.run, 7, "the row's own default");
	ok(s.out == NULL, "no default: NULL");
	ok(isnan(s.in.margin), "included row: unset float is NAN");
	is_int(s.backoffs, 5, "config-only row: its default");

	is_int(parse(&s, &st, &err, "-n", "4", "--seed=11", "--sampling",
		     "simans", "P", "--no-fts", "-f", "--pair", "2,5",
		     "--margin", "0.5", "-o", "x.db", "--run", "3", NULL),
	       NS_OK, "every kind of option");
	is_int(s.num, 4, "short option with a value");
	is_int(s.seed, 11, "--name=value into an int64_t");
	is_int(s.sampling, 2, "enum: index of the choice");
	ok(!s.fts, "no-value option sets its key's value");
	ok(s.flag, "flag");
	is_int(s.pair[0] * 10 + s.pair[1], 25, "custom parser");
	is_dbl(s.in.margin, 0.5, 0, "included row stored inside its struct");
	is_str(s.out, "x.db", "string");
	is_int(s.run, 3, "unkeyed int");
	is_int(st.first, 16, "the operand is permuted after the options");
	is_int(opt_from(rows, &st, "num"), OPT_FROM_ARGV, "num: from argv");
	is_int(opt_from(rows, &st, "embed.model"), OPT_FROM_DEFAULT,
	       "model: default (asked by key)");

	/* the overlay: options over the config over the defaults */
	ok(config_parse(yaml, strlen(yaml), "t.yaml", &cfg, &err) == NS_OK,
	   "config parses");
	parse(&s, &st, &err, "--num", "4", "P", NULL);
	opt_resolve(rows, cfg, &s, &st);
	is_int(s.num, 4, "the option wins over the config");
	is_str(s.model, "m1", "the config wins over the default");
	is_dbl(s.in.margin, 0.25, 0, "included rows resolve too");
	is_int(s.seed, 0, "default where neither is set");
	is_int(s.backoffs, 2, "config-only row from the config");
	is_int(opt_from(rows, &st, "model"), OPT_FROM_CONFIG,
	       "model: from the config");
	is_int(opt_from(rows, &st, "num"), OPT_FROM_ARGV, "num: still argv");
	memset(&s, 0, sizeof(s));
	opt_settings(rows, cfg, &s);
	is_int(s.num, 9, "opt_settings: defaults, then the config");
	is_int(s.run, 7, "opt_settings: unkeyed default");
	/* "off" unsets a keyed number without a default, over the config */
	parse(&s, &st, &err, "--margin", "off", "P", NULL);
	opt_resolve(rows, cfg, &s, &st);
	ok(isnan(s.in.margin), "--margin off: unset, over the config");
	is_int(parse(&s, &st, &err, "--num", "off", NULL), NS_EUSAGE,
	       "off is no value of an int");
	config_free(cfg);

	/* what was not given comes from another settings struct (a
	 * refilter: the run's stored settings) */
	{
		struct sets from;

		memset(&from, 0, sizeof(from));
		from.num = 8;
		from.seed = 5;
		from.in.margin = 0.75;
		from.run = 2;
		parse(&s, &st, &err, "--num", "4", "--pair", "1,2", "P",
		      NULL);
		opt_default_from(rows, &st, &s, &from);
		is_int(s.num, 4, "opt_default_from: the option given stays");
		is_int(s.seed, 5, "... one not given comes from the other");
		is_dbl(s.in.margin, 0.75, 0, "... inside included rows too");
		is_int(s.run, 2, "... unkeyed rows too");
		is_int(s.pair[0] * 10 + s.pair[1], 12,
		       "... a parsed option's value is left alone");
	}

	/* value errors read like the config's (config_check) */
	is_int(parse(&s, &st, &err, "--num", "-1", "P", NULL), NS_EUSAGE,
	       "out of range");
	is_str(err.msg, "--num: expected an integer in 0..10000000, got '-1'",
	       "... its message");
	parse(&s, &st, &err, "--sampling", "best", NULL);
	is_str(err.msg, "--sampling: expected one of top,random,simans, got "
	       "'best'", "bad choice");
	parse(&s, &st, &err, "--margin", "1e999", NULL);
	is_str(err.msg, "--margin: expected a finite number, got '1e999'",
	       "not finite");
	parse(&s, &st, &err, "--run", "0", NULL);
	is_str(err.msg, "--run: expected an integer >= 1, got '0'",
	       "below the row's range");
	parse(&s, &st, &err, "--pair", "x", NULL);
	is_str(err.msg, "--pair: expected A,B, got 'x'", "custom parser");
	parse(&s, &st, &err, "--nope", NULL);
	is_str(err.msg, "unknown option '--nope'", "unknown long option");
	parse(&s, &st, &err, "-z", NULL);
	is_str(err.msg, "unknown option '-z'", "unknown short option");
	parse(&s, &st, &err, "--num", NULL);
	is_str(err.msg, "--num needs a value", "missing value");
	parse(&s, &st, &err, "-n", NULL);
	is_str(err.msg, "-n needs a value", "missing value, short");
	parse(&s, &st, &err, "--flag=1", NULL);
	is_str(err.msg, "--flag takes no value", "value for a flag");
}

/* minejob_params_parse(): the inverse of the filter part of a run's
 * params JSON (minejob_json()) */
static void
test_params(void)
{
	struct filter_params fp, d;
	struct ns_err err;

	err_clear(&err);
	filter_params_default(&d);
	fp = d;
	is_int(minejob_params_parse("{\"method\":\"dense\",\"range_min\":2,"
		"\"range_max\":50,\"max_score\":0.875,\"min_score\":null,"
		"\"absolute_margin\":0.1,\"relative_margin\":null,"
		"\"anchor\":\"mean\",\"near_duplicate\":null,"
		"\"sampling\":\"simans\",\"simans_a\":1.5,\"simans_b\":0,"
		"\"num_negatives\":7,\"seed\":42,"
		"\"rank_of\":\"negatives\"}", "p", &fp, &err), NS_OK,
	       "params parse");
	ok(fp.range_min == 2 && fp.range_max == 50 && fp.max_score == 0.875 &&
	   isnan(fp.min_score) && fp.abs_margin == 0.1 &&
	   isnan(fp.rel_margin) && fp.anchor == FILTER_ANCHOR_MEAN &&
	   isnan(fp.near_dup) && fp.sampling == SAMPLING_SIMANS &&
	   fp.simans_a == 1.5 && fp.simans_b == 0 && fp.num_negatives == 7 &&
	   fp.seed == 42 && fp.rank_of == RANK_OF_NEGATIVES,
	   "... every filter setting, null as off");
	fp = d;
	is_int(minejob_params_parse("{\"num_negatives\":1}", "p", &fp, &err),
	       NS_OK, "params with one setting");
	ok(fp.num_negatives == 1 && fp.range_max == d.range_max &&
	   fp.near_dup == d.near_dup && fp.sampling == d.sampling,
	   "... the others keep the caller's values");
	fp = d;
	is_int(minejob_params_parse("{\"sampling\":\"best\",\"seed\":3}",
				    "run 4's parameters", &fp, &err),
	       NS_EINPUT, "unknown sampling name");
	is_str(err.msg, "run 4's parameters: sampling 'best' is not one of top, "
	       "random, simans", "... named, with the choices");
	ok(fp.seed == d.seed, "... nothing changed");
	minejob_params_parse("{\"rank_of\":\"x\"}", "p", &fp, &err);
	is_str(err.msg, "p: rank_of 'x' is not one of retrieval, negatives",
	       "unknown rank_of name");
	minejob_params_parse("{\"anchor\":3}", "p", &fp, &err);
	is_str(err.msg, "p: anchor: expected a name", "anchor not a string");
	minejob_params_parse("{\"num_negatives\":-1}", "p", &fp, &err);
	is_str(err.msg, "p: num_negatives: expected an integer >= 0",
	       "negative count");
	minejob_params_parse("{\"max_score\":\"1\"}", "p", &fp, &err);
	is_str(err.msg, "p: max_score: expected a number or null",
	       "score as a string");
	is_int(minejob_params_parse("[1]", "p", &fp, &err), NS_EINPUT,
	       "not an object");
	is_int(minejob_params_parse("{", "p", &fp, &err), NS_EINPUT,
	       "not JSON");
}

static void
test_help(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	opt_help(&cmd, fp);
	fclose(fp);
	is_str(buf,
	       "usage: negsieve test\n"
	       "\n"
	       "Test rows.\n"
	       "\n"
	       "  -n, --num N              how many; default 3\n"
	       "      --seed N             a seed; default 0\n"
	       "      --sampling S         how; default top\n"
	       "      --model NAME         which; default builtin\n"
	       "      --no-fts             no FTS\n"
	       "  -f, --flag               a flag\n"
	       "      --run ID             a run; default 7\n"
	       "  -o, --out FILE           a file\n"
	       "      --pair A,B           two numbers\n"
	       "      --margin R           a margin\n"
	       "  -h, --help               show this help\n",
	       "--help text from the rows");
	free(buf);
}

int
main(void)
{
	test_tables();
	test_enum_orders();
	test_parse();
	test_params();
	test_help();
	return tap_done();
}
