/*
 * opt.h - the settings of a command as one table: one row per option (or
 * per config-only setting) says its long and short name, the config key it
 * overrides, its type, where its value goes in the command's settings
 * struct, and its help line.
 *
 * From the rows come: getopt's option list, the checks of the values (the
 * same config_check() as negsieve.yaml, so both read alike), the defaults
 * (config_keys[] for keyed rows: one place), the overlay of options over
 * the project's config, and the --help text.  A command reads only its
 * resolved settings struct.
 *
 *	static const struct opt mine_rows[] = {
 *		OPT_KEY('m', "method", "M", "mine.method", CONFIG_ENUM,
 *			struct minejob_settings, method,
 *			"dense (faiss) or bm25 (FTS5)"),
 *		OPT_FLAG(0, "refilter", struct minejob_settings, refilter,
 *			 "re-apply filters and sampling to a stored run"),
 *		OPT_END
 *	};
 *
 * Values are stored by type: CONFIG_STRING as a borrowed const char *
 * (from argv, the config, or the tables: valid while they are),
 * CONFIG_INT as int or int64_t (by the field's size), CONFIG_FLOAT as
 * double (NAN when unset), CONFIG_BOOL as bool, CONFIG_ENUM as the int
 * index of the value among the key's choices (so the field can be an enum
 * declared in the same order).  opt_check() verifies every row against
 * config_keys[] and its field's size; opt_parse() runs it first, so a
 * wrong row fails on its command's first use (tests/cli-docs.sh runs every
 * command's --help).
 */
#ifndef NS_OPT_H
#define NS_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "src/config.h"
#include "src/err.h"

/*
 * A custom parser for an option whose value is not one of the config
 * types (e.g. --shard I/N): store @arg into @settings and return NULL, or
 * return the reason it is wrong ("expected I/N with 0 <= I < N"), which
 * may be written into @buf of @size bytes.
 */
typedef const char *opt_parse_fn(const char *arg, void *settings, char *buf,
				 size_t size);

struct opt {
	const char *name;	/* long option without "--"; NULL: a setting
				 * read from the config only */
	int short_name;		/* 'm' for -m, or 0 */
	const char *arg;	/* its value in --help ("N", "FILE"); NULL:
				 * the option takes no value */
	const char *key;	/* the config key it overrides, or NULL */
	enum config_type type;	/* of the value; a keyed row's equals its key's */
	const char *choices;	/* unkeyed rows: as config_key.choices */
	const char *def;	/* unkeyed rows: the default as text, or NULL */
	const char *set;	/* no-value options: the value given ("true") */
	size_t off;		/* where the value goes in the settings */
	size_t size;		/* ... and its size */
	opt_parse_fn *parse;	/* custom parser, or NULL */
	const struct opt *include; /* OPT_INCLUDE: rows of a struct at off */
	const char *help;	/* one line for --help */
};

/* An option overriding config key KEY (its default, range and choices
 * come from config_keys[]). */
#define OPT_KEY(SHORT, NAME, ARG, KEY, TYPE, ST, FIELD, HELP) \
	{ NAME, SHORT, ARG, KEY, TYPE, NULL, NULL, NULL, \
	  offsetof(ST, FIELD), sizeof(((ST *)0)->FIELD), NULL, NULL, HELP }
/* An option without a value that sets config key KEY to VALUE
 * (--no-fts sets import.fts to "false"). */
#define OPT_KEY_SET(SHORT, NAME, KEY, TYPE, VALUE, ST, FIELD, HELP) \
	{ NAME, SHORT, NULL, KEY, TYPE, NULL, NULL, VALUE, \
	  offsetof(ST, FIELD), sizeof(((ST *)0)->FIELD), NULL, NULL, HELP }
/* A setting with no option: from the config (or its default) only. */
#define OPT_CONFIG(KEY, TYPE, ST, FIELD) \
	{ NULL, 0, NULL, KEY, TYPE, NULL, NULL, NULL, \
	  offsetof(ST, FIELD), sizeof(((ST *)0)->FIELD), NULL, NULL, NULL }
/* An option with no config key: type, range or choices, default text. */
#define OPT_VAL(SHORT, NAME, ARG, TYPE, CHOICES, DEF, ST, FIELD, HELP) \
	{ NAME, SHORT, ARG, NULL, TYPE, CHOICES, DEF, NULL, \
	  offsetof(ST, FIELD), sizeof(((ST *)0)->FIELD), NULL, NULL, HELP }
/* A bool option without a value and without a config key. */
#define OPT_FLAG(SHORT, NAME, ST, FIELD, HELP) \
	{ NAME, SHORT, NULL, NULL, CONFIG_BOOL, NULL, "false", "true", \
	  offsetof(ST, FIELD), sizeof(((ST *)0)->FIELD), NULL, NULL, HELP }
/* An option whose value FN parses into the settings. */
#define OPT_FN(SHORT, NAME, ARG, FN, HELP) \
	{ NAME, SHORT, ARG, NULL, CONFIG_STRING, NULL, NULL, NULL, 0, 0, \
	  FN, NULL, HELP }
/* All rows of the table ROWS, whose settings struct is FIELD of ST (the
 * filter rows of filter.c inside struct minejob_settings). */
#define OPT_INCLUDE(ROWS, ST, FIELD) \
	{ NULL, 0, NULL, NULL, 0, NULL, NULL, NULL, offsetof(ST, FIELD), \
	  sizeof(((ST *)0)->FIELD), NULL, ROWS, NULL }
#define OPT_END \
	{ NULL, 0, NULL, NULL, 0, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL }

/* A command: its --help text around the table. */
struct opt_cmd {
	const char *name;	/* "mine" */
	const char *usage;	/* "usage: negsieve mine [OPTIONS] PROJECT\n"
				 * (more lines allowed) */
	const char *about;	/* a paragraph on what it does */
	const struct opt *rows;	/* ending with OPT_END */
};

/* Where a setting's value came from. */
enum opt_source { OPT_FROM_DEFAULT, OPT_FROM_CONFIG, OPT_FROM_ARGV };

#define OPT_MAX_ROWS 128

/* What opt_parse() found; caller-owned, no clean-up. */
struct opt_state {
	unsigned char from[OPT_MAX_ROWS];	/* enum opt_source, by row in
						 * table order (included rows
						 * in place) */
	int first;		/* index in argv of the first operand */
	bool help;		/* --help was given (and printed) */
};

/*
 * Is the table @rows sound?  Every keyed row names a key of config_keys[]
 * of the same type and has no choices or default of its own; names and
 * short names are unique (-h/--help is everyone's); a field's size fits
 * its type; defaults and set values pass config_check().  NS_EINTERNAL
 * naming the row when not.
 */
enum ns_rc opt_check(const struct opt *rows, struct ns_err *err);

/*
 * Parse @argc/@argv (argv[0] is the command's name) against @cmd's rows:
 * first every setting gets its default (keyed rows: config_keys[]; others:
 * the row's), then each option given is checked and stored into
 * @settings; "off" unsets a keyed number that has no default (NAN: the
 * setting is off, also over the config).  --help prints opt_help() to
 * stdout and sets @st->help.
 * Returns NS_OK (operands start at argv[@st->first]), NS_EUSAGE with
 * "--OPTION: REASON, got 'VALUE'" or "unknown option '--x'" in @err, or
 * NS_EINTERNAL when the table is unsound.
 */
enum ns_rc opt_parse(const struct opt_cmd *cmd, int argc, char **argv,
		     void *settings, struct opt_state *st, struct ns_err *err);

/*
 * Overlay: every keyed row whose option was not given takes its value from
 * @cfg (the project's config; NULL = defaults).  Values in a config were
 * checked when it was parsed, with the same check as the options.
 */
void opt_resolve(const struct opt *rows, const struct config *cfg,
		 void *settings, struct opt_state *st);

/* For library callers without a command line (the cascade, `mine`
 * embedding first, tests): defaults, then @cfg. */
void opt_settings(const struct opt *rows, const struct config *cfg,
		  void *settings);

/* Every setting of @rows whose option was not given on the command line
 * (@st) takes its value from @from, a settings struct of the same table
 * (`mine --refilter`: the run's stored filters). */
void opt_default_from(const struct opt *rows, const struct opt_state *st,
		      void *settings, const void *from);

/* Where the setting with long name or key @name got its value. */
enum opt_source opt_from(const struct opt *rows, const struct opt_state *st,
			 const char *name);

/* The --help text of @cmd: usage, about, then one line per option with
 * its default. */
void opt_help(const struct opt_cmd *cmd, FILE *fp);

#endif
