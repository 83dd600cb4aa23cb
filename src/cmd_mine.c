/*
 * cmd_mine.c - negsieve mine [OPTIONS] PROJECT: find candidate negatives
 * (dense through faiss, or BM25 through FTS5), filter and sample them, and
 * print a summary; --refilter re-applies filters and sampling to a stored
 * run without searching.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cmd.h"
#include "src/filter.h"
#include "src/minejob.h"
#include "src/project.h"
#include "src/summary.h"

static const char mine_usage[] =
	"usage: negsieve mine [OPTIONS] PROJECT\n"
	"\n"
	"Find candidate negatives for every query, apply the filters and the\n"
	"sampler, store all retrieved candidates with the filter that fired,\n"
	"and print a summary.  Options override the mine.* config keys.\n"
	"\n"
	"  -m, --method M           dense (faiss, default) or bm25 (FTS5)\n"
	"  -i, --index S            auto (default), Flat or a faiss factory string\n"
	"      --model NAME         vectors of this embedding model (default builtin)\n"
	"      --recall-target R    auto/IVF: tune nprobe to recall@k >= R (0.95)\n"
	"      --range-min N        drop candidates ranked <= N (0)\n"
	"      --range-max N        search depth; drop ranks > N (100)\n"
	"      --max-score S        drop scores above S\n"
	"      --min-score S        drop scores below S\n"
	"      --absolute-margin M  drop s > s_pos - M\n"
	"      --relative-margin R  drop s > s_pos - |s_pos|*R\n"
	"      --anchor A           positive score anchor: min (default), mean, max\n"
	"      --near-duplicate T   flag candidates with cosine >= T to a positive (0.98)\n"
	"      --sampling S         top (default), random or simans\n"
	"      --simans-a A         SimANS a (0.5)\n"
	"      --simans-b B         SimANS b (0)\n"
	"      --num-negatives N    negatives to keep per query (3; 0 = all)\n"
	"      --seed N             seed of random and simans sampling (0)\n"
	"      --refilter           re-apply filters and sampling to a stored run\n"
	"      --run ID             the run for --refilter (default: the newest)\n"
	"      --shard I/N          mine only slice I (0..N-1) of N of the queries\n"
	"                           into --output, opening the project read-only\n"
	"  -o, --output FILE        the shard file to write (with --shard)\n"
	"  -h, --help               show this help\n";

enum {
	OPT_MODEL = 256, OPT_RECALL, OPT_RANGE_MIN, OPT_RANGE_MAX,
	OPT_MAX_SCORE, OPT_MIN_SCORE, OPT_ABS, OPT_REL, OPT_ANCHOR,
	OPT_NEAR_DUP, OPT_SAMPLING, OPT_SIMANS_A, OPT_SIMANS_B, OPT_NUM,
	OPT_SEED, OPT_REFILTER, OPT_RUN, OPT_SHARD,
};

static const char *const anchor_names[] = { "min", "mean", "max" };
static const char *const sampling_names[] = { "top", "random", "simans" };

static int
pick(const char *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
}

/* Parse a number option; on error print the usage message, return false. */
static bool
num_arg(const char *opt, const char *v, double lo, double hi, bool integer,
	double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (!*v || *end || errno || !isfinite(d) || d < lo || d > hi ||
	    (integer && d != floor(d))) {
		cmd_usage_error("mine", "--%s: '%s' is not %s", opt, v,
				integer ? "a non-negative integer" :
					  "a valid number");
		return false;
	}
	*out = d;
	return true;
}

/* Long name of the option whose getopt value is @val. */
static const char *
opt_name(const struct option *opts, int val)
{
	for (; opts->name; opts++)
		if (opts->val == val)
			return opts->name;
	return "?";
}

static void
opts_from_config(struct minejob_settings *o, const struct config *cfg)
{
	struct filter_params *p = &o->fp;
	int i;

	filter_params_default(p);
	o->method = strcmp(config_str(cfg, "mine.method", "dense"), "bm25") ?
		    MINEJOB_DENSE : MINEJOB_BM25;
	o->index = config_str(cfg, "mine.index", "auto");
	o->model = config_str(cfg, "mine.model", "builtin");
	o->recall_target = config_float(cfg, "mine.recall_target", 0.95);
	p->range_min = (int)config_int(cfg, "mine.range_min", p->range_min);
	p->range_max = (int)config_int(cfg, "mine.range_max", p->range_max);
	p->max_score = config_float(cfg, "mine.max_score", NAN);
	p->min_score = config_float(cfg, "mine.min_score", NAN);
	p->abs_margin = config_float(cfg, "mine.absolute_margin", NAN);
	p->rel_margin = config_float(cfg, "mine.relative_margin", NAN);
	if ((i = pick(config_str(cfg, "mine.anchor", "min"), anchor_names, 3))
	    >= 0)
		p->anchor = (enum filter_anchor)i;
	p->near_dup = config_float(cfg, "mine.near_duplicate", p->near_dup);
	if ((i = pick(config_str(cfg, "mine.sampling", "top"), sampling_names,
		      3)) >= 0)
		p->sampling = (enum filter_sampling)i;
	p->simans_a = config_float(cfg, "mine.simans_a", p->simans_a);
	p->simans_b = config_float(cfg, "mine.simans_b", p->simans_b);
	p->num_negatives = (int)config_int(cfg, "mine.num_negatives",
					   p->num_negatives);
	p->seed = (uint64_t)config_int(cfg, "mine.seed", 0);
}

/* --- command ------------------------------------------------------------ */

int
cmd_mine(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "method", required_argument, NULL, 'm' },
		{ "index", required_argument, NULL, 'i' },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "recall-target", required_argument, NULL, OPT_RECALL },
		{ "range-min", required_argument, NULL, OPT_RANGE_MIN },
		{ "range-max", required_argument, NULL, OPT_RANGE_MAX },
		{ "max-score", required_argument, NULL, OPT_MAX_SCORE },
		{ "min-score", required_argument, NULL, OPT_MIN_SCORE },
		{ "absolute-margin", required_argument, NULL, OPT_ABS },
		{ "relative-margin", required_argument, NULL, OPT_REL },
		{ "anchor", required_argument, NULL, OPT_ANCHOR },
		{ "near-duplicate", required_argument, NULL, OPT_NEAR_DUP },
		{ "sampling", required_argument, NULL, OPT_SAMPLING },
		{ "simans-a", required_argument, NULL, OPT_SIMANS_A },
		{ "simans-b", required_argument, NULL, OPT_SIMANS_B },
		{ "num-negatives", required_argument, NULL, OPT_NUM },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "refilter", no_argument, NULL, OPT_REFILTER },
		{ "run", required_argument, NULL, OPT_RUN },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct minejob_settings o;
	struct project pj;
	struct summary sum;
	struct ns_err err;
	int64_t run_id = 0;
	double v;
	enum ns_rc rc;
	int c, i, sharded = 0;
	char *output = NULL;

	err_clear(&err);
	/* options apply over the project's config: read them twice */
	for (int pass = 0; pass < 2; pass++) {
		optind = 1;
		opterr = pass;
		while ((c = getopt_long(argc, argv, "m:i:o:h", opts, NULL)) !=
		       -1) {
			if (c == 'h') {
				fputs(mine_usage, stdout);
				return NS_OK;
			}
			if (pass == 0) {
				sharded |= c == OPT_SHARD;
				continue;	/* errors reported in pass 1 */
			}
			if (c == '?') {
				project_close(&pj);
				return cmd_usage_error("mine", "bad option");
			}
			switch (c) {
			case 'm':
				if (strcmp(optarg, "dense") &&
				    strcmp(optarg, "bm25")) {
					cmd_usage_error("mine", "--method: "
						"'%s' is not dense or bm25",
						optarg);
					goto usage;
				}
				o.method = strcmp(optarg, "dense") ?
					   MINEJOB_BM25 : MINEJOB_DENSE;
				break;
			case 'i':
				o.index = optarg;
				break;
			case OPT_MODEL:
				o.model = optarg;
				break;
			case OPT_RECALL:
				if (!num_arg("recall-target", optarg, 0, 1,
					     false, &o.recall_target))
					goto usage;
				break;
			case OPT_RANGE_MIN:
			case OPT_RANGE_MAX:
			case OPT_NUM:
			case OPT_SEED:
			case OPT_RUN:
				if (!num_arg(opt_name(opts, c), optarg, 0,
					     c == OPT_SEED || c == OPT_RUN ?
						     9e15 : 1e7, true, &v))
					goto usage;
				if (c == OPT_RANGE_MIN)
					o.fp.range_min = (int)v;
				else if (c == OPT_RANGE_MAX)
					o.fp.range_max = (int)v;
				else if (c == OPT_NUM)
					o.fp.num_negatives = (int)v;
				else if (c == OPT_SEED)
					o.fp.seed = (uint64_t)v;
				else
					o.run = (int64_t)v;
				break;
			case OPT_MAX_SCORE:
			case OPT_MIN_SCORE:
			case OPT_ABS:
			case OPT_REL:
			case OPT_NEAR_DUP:
			case OPT_SIMANS_A:
			case OPT_SIMANS_B:
				if (!num_arg(opt_name(opts, c), optarg,
					     -INFINITY, INFINITY, false, &v))
					goto usage;
				*(c == OPT_MAX_SCORE ? &o.fp.max_score :
				  c == OPT_MIN_SCORE ? &o.fp.min_score :
				  c == OPT_ABS ? &o.fp.abs_margin :
				  c == OPT_REL ? &o.fp.rel_margin :
				  c == OPT_NEAR_DUP ? &o.fp.near_dup :
				  c == OPT_SIMANS_A ? &o.fp.simans_a :
						      &o.fp.simans_b) = v;
				break;
			case OPT_ANCHOR:
				if ((i = pick(optarg, anchor_names, 3)) < 0) {
					cmd_usage_error("mine", "--anchor: "
						"'%s' is not min, mean or max",
						optarg);
					goto usage;
				}
				o.fp.anchor = (enum filter_anchor)i;
				break;
			case OPT_SAMPLING:
				if ((i = pick(optarg, sampling_names, 3)) < 0) {
					cmd_usage_error("mine", "--sampling: "
						"'%s' is not top, random or "
						"simans", optarg);
					goto usage;
				}
				o.fp.sampling = (enum filter_sampling)i;
				break;
			case OPT_REFILTER:
				o.refilter = true;
				break;
			case 'o':
				output = optarg;
				break;
			case OPT_SHARD: {
				char tail;

				if (sscanf(optarg, "%d/%d%c", &o.shard_i,
					   &o.shard_n, &tail) != 2 ||
				    o.shard_n < 1 || o.shard_i < 0 ||
				    o.shard_i >= o.shard_n) {
					cmd_usage_error("mine", "--shard: '%s' "
						"is not I/N with 0 <= I < N",
						optarg);
					goto usage;
				}
				break;
			}
			}
		}
		if (pass == 1)
			break;
		if (optind != argc - 1)
			return cmd_usage_error("mine",
					       "expected one PROJECT argument");
		/* a shard only reads the project: many may run at once */
		if ((sharded ? project_open_readonly(&pj, argv[optind], &err) :
			       project_open(&pj, argv[optind], &err)) != NS_OK)
			return cmd_fail(&err);
		memset(&o, 0, sizeof(o));
		opts_from_config(&o, pj.cfg);
	}
	if (o.fp.range_max > 0 && o.fp.range_min >= o.fp.range_max) {
		cmd_usage_error("mine", "--range-min %d must be below "
				"--range-max %d", o.fp.range_min,
				o.fp.range_max);
		goto usage;
	}
	if (o.shard_n && !output) {
		cmd_usage_error("mine", "--shard needs --output FILE");
		goto usage;
	}
	if (output && !o.shard_n) {
		cmd_usage_error("mine", "--output needs --shard I/N");
		goto usage;
	}
	if (o.shard_n && o.refilter) {
		cmd_usage_error("mine", "--refilter works on the project; it "
				"cannot be sharded");
		goto usage;
	}
	o.output = output;
	o.report = stdout;
	summary_init(&sum);
	rc = minejob_run(&pj, &o, &sum, &run_id, &err);
	if (rc == NS_OK && o.shard_n) {
		printf("shard %d/%d: %lld queries, %lld candidates written to "
		       "%s\n", o.shard_i, o.shard_n, (long long)sum.queries,
		       (long long)sum.candidates, o.output);
		summary_print(&sum, &o.fp, stdout);
	} else if (rc == NS_OK) {
		printf("run %lld: %lld queries, %lld candidates\n",
		       (long long)run_id, (long long)sum.queries,
		       (long long)sum.candidates);
		summary_print(&sum, &o.fp, stdout);
	}
	summary_fini(&sum);
	project_close(&pj);
	return rc == NS_OK ? NS_OK : cmd_fail(&err);
usage:
	project_close(&pj);
	return NS_EUSAGE;
}
