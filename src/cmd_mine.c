/*
 * cmd_mine.c - negsieve mine [OPTIONS] PROJECT: find candidate negatives
 * (dense through faiss, or BM25 through FTS5), filter and sample them, and
 * print a summary; --refilter re-applies filters and sampling to a stored
 * run without searching.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/blasinfo.h"
#include "src/cmd.h"
#include "src/dense.h"
#include "src/embed_builtin.h"
#include "src/filter.h"
#include "src/mine.h"
#include "db/mining.h"
#include "src/progress.h"
#include "src/project.h"
#include "db/shard.h"
#include "src/summary.h"
#include "src/util.h"
#include "src/vecstore.h"

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

struct mine_opts {
	const char *method;
	const char *index;
	const char *model;
	double recall_target;
	struct filter_params fp;
	bool refilter;
	int64_t run;
	int shard_i, shard_n;	/* shard_n 0: not sharded */
	const char *output;	/* shard file */
	char *project_id;	/* owned; with --shard */
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
opts_from_config(struct mine_opts *o, const struct config *cfg)
{
	struct filter_params *p = &o->fp;
	int i;

	filter_params_default(p);
	o->method = config_str(cfg, "mine.method", "dense");
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

static void
json_num(json_t *o, const char *k, double v)
{
	json_object_set_new(o, k, isnan(v) ? json_null() : json_real(v));
}

/* All options of a run as JSON (stored in run.params); caller frees. */
static char *
opts_json(const struct mine_opts *o, const char *factory, int64_t nprobe,
	  double recall, int64_t qset, int64_t pset)
{
	const struct filter_params *p = &o->fp;
	json_t *j = json_object();
	char *s;

	json_object_set_new(j, "method", json_string(o->method));
	if (!strcmp(o->method, "dense")) {
		json_object_set_new(j, "index", json_string(o->index));
		json_object_set_new(j, "factory", json_string(factory));
		json_object_set_new(j, "model", json_string(o->model));
		json_object_set_new(j, "nprobe", json_integer(nprobe));
		json_num(j, "recall", recall);
		json_object_set_new(j, "query_vectors", json_integer(qset));
		json_object_set_new(j, "passage_vectors", json_integer(pset));
	}
	json_object_set_new(j, "range_min", json_integer(p->range_min));
	json_object_set_new(j, "range_max", json_integer(p->range_max));
	json_num(j, "max_score", p->max_score);
	json_num(j, "min_score", p->min_score);
	json_num(j, "absolute_margin", p->abs_margin);
	json_num(j, "relative_margin", p->rel_margin);
	json_object_set_new(j, "anchor", json_string(anchor_names[p->anchor]));
	json_num(j, "near_duplicate", p->near_dup);
	json_object_set_new(j, "sampling",
			    json_string(sampling_names[p->sampling]));
	json_num(j, "simans_a", p->simans_a);
	json_num(j, "simans_b", p->simans_b);
	json_object_set_new(j, "num_negatives",
			    json_integer(p->num_negatives));
	json_object_set_new(j, "seed", json_integer((json_int_t)p->seed));
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

/* --- storing ------------------------------------------------------------ */

struct store {
	struct db *db;
	int64_t run_id;
	int64_t pending;	/* rows since the last commit */
};

static enum ns_rc
store_query(void *arg, int64_t query_id, const struct filter_cand *c,
	    size_t n, const int64_t *pos, const double *pos_score, size_t npos,
	    struct ns_err *err)
{
	struct store *s = arg;
	enum ns_rc rc;

	rc = db_mine_store(s->db, s->run_id, query_id, c, n, pos, pos_score,
			   npos, err);
	/* commit in batches: bounded WAL growth, progress survives */
	if (rc == NS_OK && (s->pending += (int64_t)n) >= 200000) {
		if ((rc = db_commit(s->db, err)) == NS_OK)
			rc = db_begin(s->db, err);
		s->pending = 0;
	}
	return rc;
}

/* Where a run's candidates go: a new run of the project (stored in
 * batched commits of one write transaction) or a shard file. */
struct target {
	struct store st;	/* the project */
	struct shard *sh;	/* the shard file, or NULL */
	mine_sink_fn sink;
	void *arg;
	const char *method, *params, *job;	/* borrowed */
};

static enum ns_rc
target_open(struct target *t, struct project *pj, const struct mine_opts *o,
	    const char *method, const char *params, const char *job,
	    struct ns_err *err)
{
	enum ns_rc rc;

	memset(t, 0, sizeof(*t));
	t->method = method;
	t->params = params;
	t->job = job;
	if (o->shard_n) {
		t->sink = shard_store;
		rc = shard_create(o->output, &t->sh, err);
		t->arg = t->sh;
		return rc;
	}
	t->st.db = pj->db;
	t->sink = store_query;
	t->arg = &t->st;
	/* dense: every id stored was checked against the project
	 * (db_mine_text_hashes), so skip the three FK lookups per row */
	if (!strcmp(method, "dense") && (rc = db_mine_fk(pj->db, false, err)))
		return rc;
	if ((rc = db_begin(pj->db, err)) == NS_OK &&
	    (rc = db_mine_run_new(pj->db, method, params, &t->st.run_id,
				  err)))
		db_rollback(pj->db);
	if (rc != NS_OK)
		db_mine_fk(pj->db, true, NULL);
	return rc;
}

/* Commit (when @rc is NS_OK) or drop what went to @t; returns the result. */
static enum ns_rc
target_close(struct target *t, struct project *pj, const struct mine_opts *o,
	     enum ns_rc rc, int64_t queries, struct ns_err *err)
{
	if (t->sh) {
		struct shard_info info;

		if (rc != NS_OK) {
			shard_abort(t->sh);
			return rc;
		}
		info.project_id = o->project_id;
		info.index = o->shard_i;
		info.count = o->shard_n;
		info.method = t->method;
		info.params = t->params;
		info.job = t->job;
		info.queries = queries;
		return shard_finish(t->sh, &info, err);
	}
	if (rc == NS_OK)
		rc = db_commit(pj->db, err);
	if (rc != NS_OK)
		db_rollback(pj->db);
	db_mine_fk(pj->db, true, NULL);
	return rc;
}

/* The rows [*lo, *hi) of @n queries that this shard mines (all of them
 * when not sharded). */
static void
shard_slice(const struct mine_opts *o, int64_t n, int64_t *lo, int64_t *hi)
{
	*lo = 0;
	*hi = n;
	if (o->shard_n) {
		*lo = n * o->shard_i / o->shard_n;
		*hi = n * (o->shard_i + 1) / o->shard_n;
	}
}

/* --- dense -------------------------------------------------------------- */

static enum ns_rc
mine_dense_run(struct project *pj, struct mine_opts *o, struct summary *sum,
	       int64_t *run_out, struct ns_err *err)
{
	struct vecset *qs = NULL, *ps = NULL;
	struct dense_index *ix = NULL;
	struct mine_in in;
	struct target tg;
	struct progress pr;
	int64_t *pos_off = NULL, *pos_pid = NULL, nprobe = 0, lo, hi;
	uint64_t *qhash = NULL, *phash = NULL;
	char factory[256], *params = NULL, *job = NULL, *path = NULL;
	const char *model = o->model;
	double recall = NAN;
	int k = o->fp.range_max > 0 ? o->fp.range_max : 100;
	enum ns_rc rc;

	memset(&in, 0, sizeof(in));
	if (!strcmp(model, "builtin"))
		model = EMBED_BUILTIN_MODEL;
	if ((rc = vecstore_load_pair(pj->db, model, &qs, &ps, err)))
		goto out;
	if (qs->n == 0 || ps->n == 0) {
		rc = err_set(err, NS_EINPUT, "%s: nothing to mine: no %s "
			     "vectors (import %s, then run 'negsieve embed')",
			     pj->dir, qs->n == 0 ? "query" : "passage",
			     qs->n == 0 ? "queries" : "passages");
		goto out;
	}
	if (k > ps->n)
		k = (int)ps->n;
	if (!strcmp(o->index, "auto"))
		dense_auto_factory(ps->n, factory, sizeof(factory));
	else
		snprintf(factory, sizeof(factory), "%s", o->index);
	/* trained indexes are saved next to the database and reused;
	 * Flat is only a copy of the vectors, so it is rebuilt */
	if (strcmp(factory, "Flat") != 0) {
		struct strbuf sb;

		strbuf_init(&sb);
		strbuf_addf(&sb, "%s/index-%lld-", db_dir(pj->db),
			    (long long)ps->id);
		for (const char *c = factory; *c; c++)
			strbuf_addch(&sb, (*c == '/' || *c == ' ') ? '_' : *c);
		strbuf_addstr(&sb, ".faiss");
		path = strbuf_detach(&sb, NULL);
	}
	if (path && access(path, R_OK) == 0 &&
	    dense_load(path, &ix, err) == NS_OK &&
	    (dense_ntotal(ix) != ps->n || dense_dim(ix) != ps->dim)) {
		dense_free(ix);
		ix = NULL;
	}
	/* Flat: search the mapped vectors directly (no index, no copy) */
	if (!ix && path) {
		if ((rc = dense_build(factory, ps->dim, ps->data, ps->n,
				      dense_auto_train(ps->n), &ix, err)))
			goto out;
		/* a shard writes nothing into the project */
		if (path && !o->shard_n && (rc = dense_save(ix, path, err)))
			goto out;
	}
	if (ix && dense_nlist(ix) > 0) {
		/* the same sample in every shard: the same nprobe */
		int64_t ns = dense_tune_sample(qs->n, k);

		if ((rc = dense_tune(ix, qs->data, ns, k, o->recall_target,
				     ps->data, ps->n,
				     &nprobe, &recall, err)))
			goto out;
		printf("index %s: recall@%d %.4f at nprobe %lld on %lld "
		       "sample queries\n", factory, k, recall,
		       (long long)nprobe, (long long)ns);
	} else {
		printf("index %s: exact search\n", factory);
	}
	if ((rc = db_mine_positives(pj->db, qs->ids, qs->n, &pos_off,
				    &pos_pid, err)) ||
	    (rc = db_mine_text_hashes(pj->db, 1, qs->ids, qs->n, &qhash,
				      err)) ||
	    (rc = db_mine_text_hashes(pj->db, 0, ps->ids, ps->n, &phash,
				      err)))
		goto out;
	shard_slice(o, qs->n, &lo, &hi);
	in.dim = qs->dim;
	in.nq = hi - lo;
	in.qv = qs->data + (size_t)lo * (size_t)qs->dim;
	in.qids = qs->ids + lo;
	in.qhash = qhash + lo;
	in.np = ps->n;
	in.pv = ps->data;
	in.pids = ps->ids;
	in.phash = phash;
	in.pos_off = pos_off + lo;
	in.pos_pid = pos_pid;
	params = opts_json(o, factory, nprobe, recall, qs->id, ps->id);
	job = opts_json(o, factory, 0, NAN, qs->id, ps->id);
	if ((rc = target_open(&tg, pj, o, "dense", params, job, err)))
		goto out;
	progress_start(&pr, "mine", "queries", in.nq);
	rc = mine_dense(&in, ix, k, 4096, &o->fp, sum, tg.sink, tg.arg, &pr,
			err);
	progress_finish(&pr);
	rc = target_close(&tg, pj, o, rc, in.nq, err);
	*run_out = tg.st.run_id;
out:
	free(params);
	free(job);
	free(path);
	free(pos_off);
	free(pos_pid);
	free(qhash);
	free(phash);
	dense_free(ix);
	vecstore_close(qs);
	vecstore_close(ps);
	return rc;
}

/* --- bm25 --------------------------------------------------------------- */

static enum ns_rc
mine_bm25_run(struct project *pj, struct mine_opts *o, struct summary *sum,
	      int64_t *run_out, struct ns_err *err)
{
	int64_t *qids = NULL, nq = 0, *pos_off = NULL, *pos_pid = NULL, lo, hi;
	char **qtext = NULL, *params = NULL;
	int k = o->fp.range_max > 0 ? o->fp.range_max : 100;
	struct filter_cand *c = xmalloc((size_t)k * sizeof(*c));
	double *pscore = NULL, *pvalid = NULL;
	struct progress pr;
	struct target tg;
	enum ns_rc rc;

	if ((rc = db_mine_queries(pj->db, &qids, &qtext, &nq, err)))
		goto out;
	if (nq == 0) {
		rc = err_set(err, NS_EINPUT, "%s: nothing to mine: no queries "
			     "with text (import some first)", pj->dir);
		goto out;
	}
	if ((rc = db_mine_positives(pj->db, qids, nq, &pos_off, &pos_pid,
				    err)))
		goto out;
	params = opts_json(o, NULL, 0, NAN, 0, 0);
	if ((rc = target_open(&tg, pj, o, "bm25", params, params, err)))
		goto out;
	shard_slice(o, nq, &lo, &hi);
	progress_start(&pr, "mine", "queries", hi - lo);
	pscore = xmalloc(((size_t)pos_off[nq] + 1) * sizeof(*pscore));
	pvalid = xmalloc(((size_t)pos_off[nq] + 1) * sizeof(*pvalid));
	for (int64_t qi = lo; qi < hi && rc == NS_OK; qi++) {
		const int64_t *pos = pos_pid + pos_off[qi];
		size_t npos = (size_t)(pos_off[qi + 1] - pos_off[qi]), n = 0;
		int64_t *pids = NULL;
		double *scores = NULL, anchor;
		int m = 0;

		for (size_t j = 0; j < npos && rc == NS_OK; j++) {
			rc = db_mine_bm25_one(pj->db, qtext[qi], pos[j],
					      &pscore[j], err);
			pvalid[j] = pscore[j];
		}
		if (rc == NS_OK)
			rc = db_mine_bm25(pj->db, qtext[qi], k, &pids, &scores,
					  &m, err);
		anchor = filter_anchor_score(pvalid, npos, o->fp.anchor);
		for (int r = 0; r < m && rc == NS_OK; r++) {
			memset(&c[n], 0, sizeof(c[n]));
			c[n].passage_id = pids[r];
			c[n].rank = r + 1;
			c[n].score = scores[r];
			c[n].dup_sim = NAN;
			for (size_t j = 0; j < npos; j++)
				c[n].is_positive |= pos[j] == pids[r];
			n++;
		}
		for (size_t r = 0; r < n && rc == NS_OK; r++)
			rc = db_mine_same_text(pj->db, qids[qi], c[r].passage_id,
					       &c[r].same_text, err);
		if (rc == NS_OK) {
			filter_apply(&o->fp, qids[qi], anchor, c, n);
			summary_add_query(sum, pvalid, npos, anchor, c, n,
					  o->fp.num_negatives);
			rc = tg.sink(tg.arg, qids[qi], c, n, pos, pscore, npos,
				     err);
		}
		free(pids);
		free(scores);
		progress_update(&pr, qi - lo + 1);
	}
	progress_finish(&pr);
	rc = target_close(&tg, pj, o, rc, hi - lo, err);
	*run_out = tg.st.run_id;
out:
	free(params);
	free(c);
	free(pscore);
	free(pvalid);
	free(pos_off);
	free(pos_pid);
	if (qids)
		db_mine_queries_free(qids, qtext, nq);
	return rc;
}

/* --- refilter ----------------------------------------------------------- */

struct refilter {
	struct db *db;
	int64_t run_id;
	const struct mine_opts *o;
	struct summary *sum;
};

static enum ns_rc
refilter_query(void *arg, int64_t query_id, struct filter_cand *c, size_t n,
	       const double *pos_score, size_t npos, struct ns_err *err)
{
	struct refilter *r = arg;
	double anchor = filter_anchor_score(pos_score, npos, r->o->fp.anchor);
	enum ns_rc rc = NS_OK;

	filter_apply(&r->o->fp, query_id, anchor, c, n);
	summary_add_query(r->sum, pos_score, npos, anchor, c, n,
			  r->o->fp.num_negatives);
	for (size_t i = 0; i < n && rc == NS_OK; i++)
		rc = db_mine_update(r->db, r->run_id, query_id, &c[i], err);
	return rc;
}

static enum ns_rc
mine_refilter(struct project *pj, struct mine_opts *o, struct summary *sum,
	      int64_t *run_out, struct ns_err *err)
{
	struct refilter r;
	char *method = NULL, *params = NULL, *np;
	json_t *old, *upd;
	json_error_t je;
	enum ns_rc rc;

	if (o->run <= 0 && (o->run = db_mine_run_last(pj->db)) <= 0)
		return err_set(err, NS_ENOTFOUND, "%s: no mining run to refilter",
			       pj->dir);
	if ((rc = db_mine_run_get(pj->db, o->run, &method, &params, err)))
		return rc;
	/* keep what describes the search, replace the filter settings */
	o->method = method;
	old = json_loads(params, 0, &je);
	np = opts_json(o, "", 0, NAN, 0, 0);
	upd = json_loads(np, 0, &je);
	free(np);
	if (!old)
		old = json_object();
	json_object_del(upd, "method");
	json_object_del(upd, "index");
	json_object_del(upd, "factory");
	json_object_del(upd, "model");
	json_object_del(upd, "nprobe");
	json_object_del(upd, "recall");
	json_object_del(upd, "query_vectors");
	json_object_del(upd, "passage_vectors");
	json_object_update(old, upd);
	np = json_dumps(old, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(old);
	json_decref(upd);
	r.db = pj->db;
	r.run_id = o->run;
	r.o = o;
	r.sum = sum;
	if ((rc = db_begin(pj->db, err)) == NS_OK) {
		if ((rc = db_mine_each(pj->db, o->run, refilter_query, &r,
				       err)) == NS_OK &&
		    (rc = db_mine_run_set_params(pj->db, o->run, np, err)) ==
			    NS_OK)
			rc = db_commit(pj->db, err);
		else
			db_rollback(pj->db);
	}
	*run_out = o->run;
	free(np);
	free(params);
	o->method = "refilter";
	free(method);
	return rc;
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
	struct mine_opts o;
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
				o.method = optarg;
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
	if (o.shard_n && !(o.project_id = project_id(&pj))) {
		err_set(&err, NS_EVERSION, "%s: the project has no id yet; "
			"open it once read-write (e.g. 'negsieve stats %s') "
			"before mining shards", pj.dir, pj.dir);
		project_close(&pj);
		return cmd_fail(&err);
	}
	summary_init(&sum);
	if (o.refilter)
		rc = mine_refilter(&pj, &o, &sum, &run_id, &err);
	else if (!strcmp(o.method, "bm25"))
		rc = mine_bm25_run(&pj, &o, &sum, &run_id, &err);
	else
		rc = mine_dense_run(&pj, &o, &sum, &run_id, &err);
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
	free(o.project_id);
	project_close(&pj);
	return rc == NS_OK ? NS_OK : cmd_fail(&err);
usage:
	project_close(&pj);
	return NS_EUSAGE;
}
