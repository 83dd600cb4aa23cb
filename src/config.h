/*
 * config.h - the project configuration (negsieve.yaml), read with libyaml.
 *
 * Every key the program knows is declared once in the table in config.c
 * (name, type, default, description); the parser rejects unknown keys and
 * wrong types with file:line:col, and man/negsieve.yaml.5 documents the
 * same table.  Sequences of mappings (e.g. cascade stages) are addressed
 * as "cascade.stages.0.scorer"; the table spells them "cascade.stages[].scorer".
 */
#ifndef NS_CONFIG_H
#define NS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "src/err.h"

enum config_type {
	CONFIG_STRING,
	CONFIG_INT,
	CONFIG_FLOAT,
	CONFIG_BOOL,
	CONFIG_ENUM,	/* a string from a '|'-separated list */
	CONFIG_STRMAP,	/* a mapping of arbitrary keys to strings */
};

struct config_key {
	const char *name;	/* dotted path; "[]" marks a sequence */
	enum config_type type;
	const char *def;	/* default as text, NULL = unset */
	const char *choices;	/* CONFIG_ENUM: "a|b|c"; CONFIG_INT and
				 * CONFIG_FLOAT: the range "LO..HI", either
				 * end may be left out, "(LO.." excludes LO;
				 * NULL: any value of the type */
	const char *help;	/* one line for the man page */
};

/* The table of known keys, ending with a {NULL} entry. */
extern const struct config_key config_keys[];

/* The entry of config_keys[] called @name ("mine.seed"), or NULL. */
const struct config_key *config_key(const char *name);

/*
 * Is @value a valid @type with @choices (as in struct config_key)?  NULL
 * when it is; else the reason, e.g. "expected an integer in 0..100",
 * which may be written into @buf of @size bytes.  The one check of values
 * from negsieve.yaml and from command-line options (src/opt.h), so both
 * say the same: "KEY: REASON, got 'VALUE'" and "--OPTION: REASON, got
 * 'VALUE'".
 */
const char *config_check(enum config_type type, const char *choices,
			 const char *value, char *buf, size_t size);

/* Index of @value among the '|'-separated @choices, or -1. */
int config_choice(const char *choices, const char *value);

/* Print, as a commented negsieve.yaml, every key of config_keys[] with
 * its help and default (keys without one commented out) to @fp.  The
 * result parses and sets every default. */
void config_write_example(FILE *fp);

struct config;

/*
 * Parse YAML @text of @len bytes (@file names it in messages).  On success
 * *@out owns a new config (config_free()); on failure it is untouched and
 * @err has file:line:col.
 */
enum ns_rc config_parse(const char *text, size_t len, const char *file,
			struct config **out, struct ns_err *err);

/* Read and parse the file at @path. */
enum ns_rc config_load(const char *path, struct config **out,
		       struct ns_err *err);

/* An empty config (all defaults). */
struct config *config_new(void);
void config_free(struct config *cfg);

/* The YAML source the config came from ("" for defaults); owned by @cfg. */
const char *config_source(const struct config *cfg);

/*
 * Values: the one set in the file, else the table's default, else @def.
 * A name not in the table is a programming error (assert).
 */
const char *config_str(const struct config *cfg, const char *name,
		       const char *def);
long config_int(const struct config *cfg, const char *name, long def);
double config_float(const struct config *cfg, const char *name, double def);
bool config_bool(const struct config *cfg, const char *name, bool def);

/* Was @name set explicitly in the file? */
bool config_isset(const struct config *cfg, const char *name);

/*
 * Entries of a CONFIG_STRMAP key @name (e.g. "review.keys"): calls @fn for
 * each key/value pair in file order; stops early if @fn returns non-zero
 * and returns that value.
 */
int config_map_each(const struct config *cfg, const char *name,
		    int (*fn)(const char *key, const char *value, void *arg),
		    void *arg);

/*
 * For checks made after parsing (the action names of review.keys are
 * known to src/keymap.c, not to the key table; a cascade stage is checked
 * whole by src/cascade.c): NS_ECONFIG with the message @fmt in @err,
 * placed at @name's key (@at_key) or at its value ("review.keys.y") as
 * file:line:col when @cfg was parsed from a file and sets @name; the
 * message alone otherwise.  @name may be a mapping or a list: a stage,
 * "cascade.stages.0", is placed where its mapping starts.
 */
enum ns_rc config_error(const struct config *cfg, const char *name,
			bool at_key, struct ns_err *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Number of elements of sequence @name ("cascade.stages"), an element
 * with nothing set in it ("- {}") included. */
int config_seq_len(const struct config *cfg, const char *name);

#endif
