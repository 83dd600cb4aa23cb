/*
 * cmd_embed.c - negsieve embed PROJECT: compute vectors for the project's
 * queries and passages with the built-in embedder or an OpenAI-compatible
 * endpoint, or import them from .npy / .fvecs / JSONL files joined on
 * external ids.  Each kind becomes one new vecset (src/vecstore.h).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cmd.h"
#include "src/embedjob.h"
#include "src/project.h"

static const char embed_usage[] =
	"usage: negsieve embed [OPTIONS] PROJECT\n"
	"\n"
	"Compute vectors for the project's passages and queries, or import\n"
	"them from files.  Default: the built-in embedder (hashed word and\n"
	"character n-gram TF-IDF, no model needed).\n"
	"\n"
	"  -m, --model NAME         builtin, or the model name for --endpoint\n"
	"  -e, --endpoint URL       OpenAI-compatible /v1/embeddings service;\n"
	"                           API key from $NEGSIEVE_API_KEY or\n"
	"                           $OPENAI_API_KEY (see embed.api_key_env)\n"
	"  -d, --dim N              built-in dimension (default 384); for an\n"
	"                           endpoint, the dimension it must return\n"
	"  -b, --batch N            texts per endpoint request (default 64)\n"
	"  -t, --timeout SECONDS    per endpoint request (default 60)\n"
	"      --passages FILE      import passage vectors (.npy, .fvecs, JSONL)\n"
	"      --passage-ids FILE   their external ids, one per line\n"
	"      --queries FILE       import query vectors (.npy, .fvecs, JSONL)\n"
	"      --query-ids FILE     their external ids, one per line\n"
	"      --no-prompt          embed queries without the prompt of their\n"
	"                           training row (FlagEmbedding's \"prompt\")\n"
	"  -h, --help               show this help\n";

/* --- the command -------------------------------------------------------- */

/* "embedded 10 passages and 3 queries (dimension 384) in 0.01 s, ..." and a
 * note for each kind with items left without a vector. */
static void
embed_print(const struct embedjob_result *res, FILE *fp)
{
	const struct embedjob_kind *q = &res->kind[VEC_QUERY],
				   *ps = &res->kind[VEC_PASSAGE];
	double dt = res->seconds;

	fprintf(fp, "embedded");
	if (ps->done)
		fprintf(fp, " %lld passages", (long long)ps->rows);
	if (ps->done && q->done)
		fprintf(fp, " and");
	if (q->done)
		fprintf(fp, " %lld queries", (long long)q->rows);
	fprintf(fp, " (dimension %d) in %.2f s, %.0f/s",
		ps->done ? ps->dim : q->dim, dt,
		dt > 0 ? (double)(q->rows + ps->rows) / dt : 0.0);
	if (res->requests >= 0)
		fprintf(fp, "; %lld requests, %lld from the cache",
			(long long)res->requests,
			(long long)(q->cached + ps->cached));
	fprintf(fp, "\n");
	for (int k = VEC_QUERY; k <= VEC_PASSAGE; k++) {
		const struct embedjob_kind *r = &res->kind[k];

		if (r->done && r->items > r->rows)
			fprintf(fp, "note: %lld of %lld %s have no vector%s\n",
				(long long)(r->items - r->rows),
				(long long)r->items,
				embedjob_kind_plural((enum vec_kind)k),
				r->notext ? " (no text)" : "");
	}
}

static int
parse_int(const char *s, long lo, long hi, long *v)
{
	char *end;

	*v = strtol(s, &end, 10);
	return *s && !*end && *v >= lo && *v <= hi;
}

int
cmd_embed(int argc, char **argv)
{
	enum { OPT_PASSAGES = 256, OPT_PASSAGE_IDS, OPT_QUERIES,
	       OPT_QUERY_IDS, OPT_NO_PROMPT };
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "dim", required_argument, NULL, 'd' },
		{ "batch", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "passages", required_argument, NULL, OPT_PASSAGES },
		{ "passage-ids", required_argument, NULL, OPT_PASSAGE_IDS },
		{ "queries", required_argument, NULL, OPT_QUERIES },
		{ "query-ids", required_argument, NULL, OPT_QUERY_IDS },
		{ "no-prompt", no_argument, NULL, OPT_NO_PROMPT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *opt_model = NULL, *opt_endpoint = NULL;
	long opt_dim = 0, opt_batch = 0, v;
	double opt_timeout = 0;
	bool no_prompt = false;
	struct embedjob_settings o;
	struct embedjob_result res;
	struct project p;
	struct ns_err err;
	enum ns_rc rc;
	char *end;
	int c;

	memset(&o, 0, sizeof(o));
	err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:e:d:b:t:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'm':
			opt_model = optarg;
			break;
		case 'e':
			opt_endpoint = optarg;
			break;
		case 'd':
			if (!parse_int(optarg, 1, 65536, &opt_dim))
				return cmd_usage_error("embed", "--dim: "
						       "expected 1..65536, "
						       "got '%s'", optarg);
			break;
		case 'b':
			if (!parse_int(optarg, 1, 100000, &opt_batch))
				return cmd_usage_error("embed", "--batch: "
						       "expected 1..100000, "
						       "got '%s'", optarg);
			break;
		case 't':
			opt_timeout = strtod(optarg, &end);
			if (!*optarg || *end || !(opt_timeout > 0))
				return cmd_usage_error("embed", "--timeout: "
						       "expected seconds > 0, "
						       "got '%s'", optarg);
			break;
		case OPT_PASSAGES:
			o.files[VEC_PASSAGE] = optarg;
			break;
		case OPT_PASSAGE_IDS:
			o.idfiles[VEC_PASSAGE] = optarg;
			break;
		case OPT_QUERIES:
			o.files[VEC_QUERY] = optarg;
			break;
		case OPT_QUERY_IDS:
			o.idfiles[VEC_QUERY] = optarg;
			break;
		case OPT_NO_PROMPT:
			no_prompt = true;
			break;
		case 'h':
			fputs(embed_usage, stdout);
			return NS_OK;
		default:
			return cmd_usage_error("embed", "bad option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("embed", "expected one PROJECT argument");
	for (int k = VEC_QUERY; k <= VEC_PASSAGE; k++)
		if (o.idfiles[k] && !o.files[k])
			return cmd_usage_error("embed", "--%s-ids needs --%s",
					       k == VEC_QUERY ? "query" :
					       "passage",
					       embedjob_kind_plural(
						       (enum vec_kind)k));
	if ((o.files[0] || o.files[1]) && (opt_model || opt_endpoint))
		return cmd_usage_error("embed", "--model and --endpoint do "
				       "not apply to imported vector files");

	if (project_open(&p, argv[optind], &err) != NS_OK)
		return cmd_fail(&err);
	o.model = opt_model ? opt_model :
		  config_str(p.cfg, "embed.model", "builtin");
	o.endpoint = opt_endpoint ? opt_endpoint :
		     config_str(p.cfg, "embed.endpoint", NULL);
	o.dim = (int)(opt_dim ? opt_dim :
		      config_isset(p.cfg, "embed.dim") || !o.endpoint ?
		      config_int(p.cfg, "embed.dim", 384) : 0);
	v = opt_batch ? opt_batch : config_int(p.cfg, "embed.batch", 64);
	o.batch = v < 1 ? 1 : v > 100000 ? 100000 : (int)v;
	o.timeout = opt_timeout > 0 ? opt_timeout :
		    config_float(p.cfg, "embed.timeout", 60);
	o.retries = (int)config_int(p.cfg, "embed.retries", 5);
	o.backoff = config_float(p.cfg, "embed.backoff", 1);
	o.key_env = config_str(p.cfg, "embed.api_key_env", NULL);
	o.no_prompt = no_prompt || !config_bool(p.cfg, "embed.prompt", true);

	if (embedjob_check(&o, &err) != NS_OK) {
		project_close(&p);
		return cmd_usage_error("embed", "%s", err.msg);
	}
	rc = embedjob_run(&p, &o, &res, &err);
	project_close(&p);
	if (rc != NS_OK)
		return cmd_fail(&err);
	embed_print(&res, stdout);
	return NS_OK;
}
