/*
 * opt.c - option tables (see opt.h): checking a table, getopt over it,
 * storing values, the overlay over the config, the --help text.
 */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/opt.h"

/* Column of the help text, and the width it wraps at. */
#define OPT_HELP_COL 27
#define OPT_HELP_WIDTH 79

static bool
opt_is_end(const struct opt *o)
{
	return !o->name && !o->key && !o->include;
}

/* A row of a table with its includes expanded: the row and the offset of
 * its settings struct inside the command's. */
struct opt_flat {
	const struct opt *o;
	size_t base;
};

/* Expand @rows (at @base) into @out[*@n ..]; false when there are more
 * than OPT_MAX_ROWS. */
static bool
opt_flatten(const struct opt *rows, size_t base, struct opt_flat *out,
	    int *n)
{
	for (const struct opt *o = rows; !opt_is_end(o); o++) {
		if (o->include) {
			if (!opt_flatten(o->include, base + o->off, out, n))
				return false;
			continue;
		}
		if (*n == OPT_MAX_ROWS)
			return false;
		out[*n].o = o;
		out[*n].base = base;
		(*n)++;
	}
	return true;
}

static const char *
opt_choices(const struct opt *o)
{
	const struct config_key *k = o->key ? config_key(o->key) : NULL;

	return k ? k->choices : o->choices;
}

static const char *
opt_def(const struct opt *o)
{
	const struct config_key *k = o->key ? config_key(o->key) : NULL;

	return k ? k->def : o->def;
}

/* Store the text @v (checked, or NULL for "unset") into @o's field in the
 * struct at @base of @settings. */
static void
opt_store(const struct opt *o, size_t base, const char *v, void *settings)
{
	char *field = (char *)settings + base + o->off;

	switch (o->type) {
	case CONFIG_STRING:
	case CONFIG_STRMAP:
		memcpy(field, &v, sizeof(v));
		break;
	case CONFIG_INT: {
		long long x = v ? strtoll(v, NULL, 10) : 0;

		if (o->size == sizeof(int)) {
			int i = (int)x;

			memcpy(field, &i, sizeof(i));
		} else {
			int64_t i = (int64_t)x;

			memcpy(field, &i, sizeof(i));
		}
		break;
	}
	case CONFIG_FLOAT: {
		double d = v ? strtod(v, NULL) : NAN;

		memcpy(field, &d, sizeof(d));
		break;
	}
	case CONFIG_BOOL: {
		bool b = v && (!strcmp(v, "true") || !strcmp(v, "yes") ||
			       !strcmp(v, "on"));

		memcpy(field, &b, sizeof(b));
		break;
	}
	case CONFIG_ENUM: {
		int i = v ? config_choice(opt_choices(o), v) : 0;

		memcpy(field, &i, sizeof(i));
		break;
	}
	}
}

static enum ns_rc
opt_bad(struct ns_err *err, const struct opt *o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum ns_rc
opt_bad(struct ns_err *err, const struct opt *o, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(err, NS_EINTERNAL, "option table: %s%s: %s",
		       o->name ? "--" : "", o->name ? o->name : o->key, msg);
}

enum ns_rc
opt_check(const struct opt *rows, struct ns_err *err)
{
	struct opt_flat f[OPT_MAX_ROWS];
	char buf[256];
	int n = 0;

	if (!opt_flatten(rows, 0, f, &n))
		return err_set(err, NS_EINTERNAL, "option table: more than %d "
			       "rows", OPT_MAX_ROWS);
	for (int i = 0; i < n; i++) {
		const struct opt *o = f[i].o;
		const struct config_key *k = o->key ? config_key(o->key) :
					     NULL;
		const char *why;
		size_t want = 0;

		if (o->key && !k)
			return opt_bad(err, o, "no config key '%s' in "
				       "config_keys[]", o->key);
		if (k && k->type != o->type)
			return opt_bad(err, o, "type %d, but config key '%s' "
				       "has type %d", (int)o->type, o->key,
				       (int)k->type);
		if (k && (o->choices || o->def))
			return opt_bad(err, o, "a keyed row takes its choices "
				       "and default from '%s'", o->key);
		if (o->name && !o->help)
			return opt_bad(err, o, "no help line");
		if (o->name && (!strcmp(o->name, "help") ||
				o->short_name == 'h'))
			return opt_bad(err, o, "-h/--help is every command's");
		for (int j = 0; j < i; j++) {
			const struct opt *p = f[j].o;

			if (o->name && p->name && !strcmp(o->name, p->name))
				return opt_bad(err, o, "listed twice");
			if (o->short_name && o->short_name == p->short_name)
				return opt_bad(err, o, "-%c is taken",
					       o->short_name);
		}
		if (o->parse) {
			if (!o->arg)
				return opt_bad(err, o, "a parsed option takes "
					       "a value");
			continue;
		}
		if (o->name && !o->arg == !o->set)
			return opt_bad(err, o, "needs either a value name or "
				       "a value to set");
		switch (o->type) {
		case CONFIG_STRING:
		case CONFIG_STRMAP:
			want = sizeof(const char *);
			break;
		case CONFIG_INT:
			want = o->size == sizeof(int) ? sizeof(int) :
							 sizeof(int64_t);
			break;
		case CONFIG_FLOAT:
			want = sizeof(double);
			break;
		case CONFIG_BOOL:
			want = sizeof(bool);
			break;
		case CONFIG_ENUM:
			want = sizeof(int);
			break;
		}
		if (o->size != want)
			return opt_bad(err, o, "a field of %zu bytes cannot "
				       "hold its type", o->size);
		if (o->type == CONFIG_INT && o->size == sizeof(int)) {
			/* an int field needs a range that fits an int */
			const char *r = opt_choices(o), *dots;

			if (!r || !(dots = strstr(r, "..")) || !dots[2] ||
			    strtod(dots + 2, NULL) > INT_MAX ||
			    strtod(r + (*r == '('), NULL) < INT_MIN)
				return opt_bad(err, o, "an int field needs a "
					       "range within int");
		}
		if (o->type == CONFIG_ENUM && !opt_choices(o))
			return opt_bad(err, o, "no choices");
		if (opt_def(o) && (why = config_check(o->type, opt_choices(o),
						      opt_def(o), buf,
						      sizeof(buf))))
			return opt_bad(err, o, "default '%s': %s", opt_def(o),
				       why);
		if (o->set && (why = config_check(o->type, opt_choices(o),
						  o->set, buf, sizeof(buf))))
			return opt_bad(err, o, "value '%s': %s", o->set, why);
	}
	return NS_OK;
}

/* Set every row's default; every source OPT_FROM_DEFAULT. */
static void
opt_defaults(const struct opt_flat *f, int n, void *settings,
	     struct opt_state *st)
{
	for (int i = 0; i < n; i++) {
		if (st)
			st->from[i] = OPT_FROM_DEFAULT;
		if (!f[i].o->parse)
			opt_store(f[i].o, f[i].base, opt_def(f[i].o),
				  settings);
	}
}

enum ns_rc
opt_parse(const struct opt_cmd *cmd, int argc, char **argv, void *settings,
	  struct opt_state *st, struct ns_err *err)
{
	struct opt_flat f[OPT_MAX_ROWS];
	struct option lopts[OPT_MAX_ROWS + 2];
	char sopts[3 * OPT_MAX_ROWS + 4], buf[256];
	size_t ns = 0;
	int n = 0, nl = 0, c;
	enum ns_rc rc;

	memset(st, 0, sizeof(*st));
	if ((rc = opt_check(cmd->rows, err)))
		return rc;
	opt_flatten(cmd->rows, 0, f, &n);
	/* ':' first: a missing value is told apart from an unknown option */
	sopts[ns++] = ':';
	for (int i = 0; i < n; i++) {
		const struct opt *o = f[i].o;

		if (!o->name)
			continue;
		/* getopt gives back 256 + the row's index for the long
		 * name, the letter for the short one */
		lopts[nl++] = (struct option){ o->name, o->arg ?
			required_argument : no_argument, NULL, 256 + i };
		if (o->short_name) {
			sopts[ns++] = (char)o->short_name;
			if (o->arg)
				sopts[ns++] = ':';
		}
	}
	lopts[nl++] = (struct option){ "help", no_argument, NULL, 'h' };
	lopts[nl] = (struct option){ NULL, 0, NULL, 0 };
	sopts[ns++] = 'h';
	sopts[ns] = '\0';

	opt_defaults(f, n, settings, st);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		const struct opt *o = NULL;
		const char *v, *why;
		int i = -1;

		if (c == 'h') {
			opt_help(cmd, stdout);
			st->help = true;
			return NS_OK;
		}
		if (c == '?') {
			if (optopt >= 256)
				return err_set(err, NS_EUSAGE, "--%s takes no "
					       "value", f[optopt - 256].o->name);
			if (optopt)
				return err_set(err, NS_EUSAGE, "unknown "
					       "option '-%c'", optopt);
			return err_set(err, NS_EUSAGE, "unknown option '%s'",
				       argv[optind - 1]);
		}
		if (c == ':') {
			if (optopt >= 256)
				return err_set(err, NS_EUSAGE, "--%s needs a "
					       "value", f[optopt - 256].o->name);
			return err_set(err, NS_EUSAGE, "-%c needs a value",
				       optopt);
		}
		if (c >= 256)
			i = c - 256;
		for (int j = 0; j < n && i < 0; j++)
			if (f[j].o->name && f[j].o->short_name == c)
				i = j;
		if (i < 0)
			return err_set(err, NS_EINTERNAL, "getopt gave %d", c);
		o = f[i].o;
		v = o->arg ? optarg : o->set;
		/* a number that is unset by default (--max-score) can be
		 * unset again: `mine --refilter` keeps the run's otherwise */
		if (o->type == CONFIG_FLOAT && o->key && !opt_def(o) && v &&
		    !strcmp(v, "off")) {
			opt_store(o, f[i].base, NULL, settings);
			st->from[i] = OPT_FROM_ARGV;
			continue;
		}
		if (o->parse)
			why = o->parse(v, (char *)settings + f[i].base, buf,
				       sizeof(buf));
		else
			why = config_check(o->type, opt_choices(o), v, buf,
					   sizeof(buf));
		if (why)
			return err_set(err, NS_EUSAGE, "--%s: %s, got '%s'",
				       o->name, why, v);
		if (!o->parse)
			opt_store(o, f[i].base, v, settings);
		st->from[i] = OPT_FROM_ARGV;
	}
	st->first = optind;
	return NS_OK;
}

void
opt_resolve(const struct opt *rows, const struct config *cfg, void *settings,
	    struct opt_state *st)
{
	struct opt_flat f[OPT_MAX_ROWS];
	int n = 0;

	opt_flatten(rows, 0, f, &n);
	for (int i = 0; i < n; i++) {
		const struct opt *o = f[i].o;

		if (!o->key || (st && st->from[i] == OPT_FROM_ARGV))
			continue;
		opt_store(o, f[i].base, config_str(cfg, o->key, NULL),
			  settings);
		if (st)
			st->from[i] = config_isset(cfg, o->key) ?
				      OPT_FROM_CONFIG : OPT_FROM_DEFAULT;
	}
}

void
opt_settings(const struct opt *rows, const struct config *cfg,
	     void *settings)
{
	struct opt_flat f[OPT_MAX_ROWS];
	int n = 0;

	opt_flatten(rows, 0, f, &n);
	opt_defaults(f, n, settings, NULL);
	opt_resolve(rows, cfg, settings, NULL);
}

void
opt_default_from(const struct opt *rows, const struct opt_state *st,
		 void *settings, const void *from)
{
	struct opt_flat f[OPT_MAX_ROWS];
	int n = 0;

	opt_flatten(rows, 0, f, &n);
	for (int i = 0; i < n; i++) {
		size_t at = f[i].base + f[i].o->off;

		/* parsed options (--shard) have no field of their own */
		if (st->from[i] == OPT_FROM_ARGV || f[i].o->parse)
			continue;
		memcpy((char *)settings + at, (const char *)from + at,
		       f[i].o->size);
	}
}

enum opt_source
opt_from(const struct opt *rows, const struct opt_state *st,
	 const char *name)
{
	struct opt_flat f[OPT_MAX_ROWS];
	int n = 0;

	opt_flatten(rows, 0, f, &n);
	for (int i = 0; i < n; i++)
		if ((f[i].o->name && !strcmp(f[i].o->name, name)) ||
		    (f[i].o->key && !strcmp(f[i].o->key, name)))
			return (enum opt_source)st->from[i];
	return OPT_FROM_DEFAULT;
}

/* Print @text from column @col, wrapped at OPT_HELP_WIDTH. */
static void
opt_wrap(FILE *fp, const char *text, int col)
{
	int at = col;

	while (*text) {
		const char *sp = strchr(text, ' ');
		int len = sp ? (int)(sp - text) : (int)strlen(text);

		if (at > col && at + 1 + len > OPT_HELP_WIDTH) {
			fprintf(fp, "\n%*s", col, "");
			at = col;
		} else if (at > col) {
			fputc(' ', fp);
			at++;
		}
		fwrite(text, 1, (size_t)len, fp);
		at += len;
		text += len;
		while (*text == ' ')
			text++;
	}
	fputc('\n', fp);
}

void
opt_help(const struct opt_cmd *cmd, FILE *fp)
{
	struct opt_flat f[OPT_MAX_ROWS];
	int n = 0;

	opt_flatten(cmd->rows, 0, f, &n);
	fputs(cmd->usage, fp);
	fprintf(fp, "\n%s\n", cmd->about);
	for (int i = 0; i <= n; i++) {
		/* the rows, then -h/--help */
		bool end = i == n;
		const struct opt *o = end ? NULL : f[i].o;
		const char *def = end ? NULL : opt_def(o);
		char left[128], help[512];
		int w;

		if (!end && !o->name)
			continue;
		if (end)
			snprintf(left, sizeof(left), "  -h, --help");
		else
			snprintf(left, sizeof(left), "  %c%c%s--%s%s%s",
				 o->short_name ? '-' : ' ',
				 o->short_name ? o->short_name : ' ',
				 o->short_name ? ", " : "  ", o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		snprintf(help, sizeof(help), "%s", end ? "show this help" :
			 o->help);
		if (!end && o->arg && def && *def)
			snprintf(help + strlen(help),
				 sizeof(help) - strlen(help),
				 "; default %s", def);
		w = (int)strlen(left);
		fputs(left, fp);
		if (w + 2 > OPT_HELP_COL) {
			fprintf(fp, "\n%*s", OPT_HELP_COL, "");
		} else {
			fprintf(fp, "%*s", OPT_HELP_COL - w, "");
		}
		opt_wrap(fp, help, OPT_HELP_COL);
	}
}
