/*
 * minejob.c - a mining job over a project (see minejob.h): the dense run
 * (vectors, index, nprobe tuning, search), the BM25 run (FTS5), the
 * refilter of a stored run, and where candidates go (a new run of the
 * project in batched commits, or a shard file).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/dense.h"
#include "src/embed_builtin.h"
#include "src/mine.h"
#include "src/minejob.h"
#include "src/perm.h"
#include "src/progress.h"
#include "src/util.h"
#include "src/vecstore.h"
#include "db/mining.h"
#include "db/shard.h"
#include "db/vecdb.h"

static const char *const minejob_method_names[] = { "dense", "bm25" };
static const char *const anchor_names[] = { "min", "mean", "max" };
static const char *const sampling_names[] = { "top", "random", "simans" };

/* --shard I/N */
static const char *
minejob_parse_shard(const char *arg, void *settings, char *buf, size_t size)
{
	struct minejob_settings *s = settings;
	int i, n;
	char tail;

	(void)buf;
	(void)size;
	if (sscanf(arg, "%d/%d%c", &i, &n, &tail) != 2 || n < 1 || i < 0 ||
	    i >= n)
		return "expected I/N with 0 <= I < N";
	s->shard_i = i;
	s->shard_n = n;
	return NULL;
}

#define MS struct minejob_settings
const struct opt minejob_opts[] = {
	OPT_KEY('m', "method", "M", "mine.method", CONFIG_ENUM, MS, method,
		"dense (faiss) or bm25 (FTS5)"),
	OPT_KEY('i', "index", "S", "mine.index", CONFIG_STRING, MS, index,
		"auto, Flat or a faiss factory string"),
	OPT_KEY(0, "model", "NAME", "mine.model", CONFIG_STRING, MS, model,
		"vectors of this embedding model (default: the project's only "
		"vectors; with none, embed first)"),
	OPT_KEY(0, "recall-target", "R", "mine.recall_target", CONFIG_FLOAT,
		MS, recall_target, "auto/IVF: tune nprobe to recall@k >= R"),
	OPT_INCLUDE(filter_opts, MS, fp),
	OPT_FLAG(0, "refilter", MS, refilter,
		 "re-apply filters and sampling to a stored run"),
	OPT_VAL(0, "run", "ID", CONFIG_INT, "1..", NULL, MS, run,
		"the run for --refilter (default: the newest)"),
	OPT_FN(0, "shard", "I/N", minejob_parse_shard,
	       "mine only slice I (0..N-1) of N of the queries into --output, "
	       "opening the project read-only"),
	OPT_VAL('o', "output", "FILE", CONFIG_STRING, NULL, NULL, MS, output,
		"the shard file to write (with --shard)"),
	OPT_END
};
#undef MS

void
minejob_settings_init(struct minejob_settings *s, const struct config *cfg)
{
	memset(s, 0, sizeof(*s));
	opt_settings(minejob_opts, cfg, s);
}

const char *
minejob_method_name(int method)
{
	return method == MINEJOB_BM25 ? minejob_method_names[1] :
					minejob_method_names[0];
}

/* A shard only reads the project, whose id ties the shards of one job to
 * it: a project never opened read-write since ids came has none yet. */
static enum ns_rc
minejob_shard_check(struct project *pj, struct ns_err *err)
{
	char *id = project_id(pj);

	if (id) {
		free(id);
		return NS_OK;
	}
	return err_set(err, NS_EVERSION, "%s: the project has no id yet; "
		       "open it once read-write (e.g. 'negsieve stats %s') "
		       "before mining shards", pj->dir, pj->dir);
}

static void
json_num(json_t *o, const char *k, double v)
{
	json_object_set_new(o, k, isnan(v) ? json_null() : json_real(v));
}

/* The settings of a run as JSON (stored in run.params); caller frees. */
static char *
minejob_json(const struct minejob_settings *o, const char *method,
	     const char *factory, const char *model, int64_t nprobe,
	     double recall, int64_t qset, int64_t pset)
{
	const struct filter_params *p = &o->fp;
	json_t *j = json_object();
	char *s;

	json_object_set_new(j, "method", json_string(method));
	if (!strcmp(method, "dense")) {
		json_object_set_new(j, "index", json_string(o->index));
		json_object_set_new(j, "factory", json_string(factory));
		json_object_set_new(j, "model", json_string(o->model ?
							     o->model : model));
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
	char *project_id;	/* shard: the project's id (owned) */
};

static enum ns_rc
target_open(struct target *t, struct project *pj,
	    const struct minejob_settings *o, const char *method,
	    const char *params, const char *job, struct ns_err *err)
{
	enum ns_rc rc;

	memset(t, 0, sizeof(*t));
	t->method = method;
	t->params = params;
	t->job = job;
	if (o->shard_n) {
		if (!(t->project_id = project_id(pj)))
			return minejob_shard_check(pj, err);
		t->sink = shard_store;
		rc = shard_create(o->output, &t->sh, err);
		t->arg = t->sh;
		if (rc != NS_OK) {
			free(t->project_id);
			t->project_id = NULL;
		}
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
target_close(struct target *t, struct project *pj,
	     const struct minejob_settings *o, enum ns_rc rc, int64_t queries,
	     struct ns_err *err)
{
	if (t->sh) {
		struct shard_info info;

		if (rc != NS_OK) {
			shard_abort(t->sh);
		} else {
			info.project_id = t->project_id;
			info.index = o->shard_i;
			info.count = o->shard_n;
			info.method = t->method;
			info.params = t->params;
			info.job = t->job;
			info.queries = queries;
			rc = shard_finish(t->sh, &info, err);
		}
		free(t->project_id);
		t->project_id = NULL;
		return rc;
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
shard_slice(const struct minejob_settings *o, int64_t n, int64_t *lo,
	    int64_t *hi)
{
	*lo = 0;
	*hi = n;
	if (o->shard_n) {
		*lo = n * o->shard_i / o->shard_n;
		*hi = n * (o->shard_i + 1) / o->shard_n;
	}
}

/* --- dense -------------------------------------------------------------- */

/*
 * The model whose vectors dense mining uses (*@model, owned by the caller
 * when *@own): the one asked for; else the project's only one, or the
 * embedder's among several; and when the project has none, embed first.
 */
static enum ns_rc
minejob_model(struct project *pj, const struct minejob_settings *o,
	      char **model, struct ns_err *err)
{
	const char *want = o->embed ? embedjob_model(o->embed) :
				      EMBED_BUILTIN_MODEL;
	struct embedjob_result er;
	struct strbuf sb;
	char **models = NULL;
	int n = 0;
	enum ns_rc rc;

	*model = NULL;
	if (o->model) {
		*model = xstrdup(strcmp(o->model, "builtin") ? o->model :
				 EMBED_BUILTIN_MODEL);
		return NS_OK;
	}
	if ((rc = vecdb_models(pj->db, &models, &n, err)))
		return rc;
	for (int i = 0; i < n && !*model; i++)
		if (n == 1 || strcmp(models[i], want) == 0)
			*model = xstrdup(models[i]);
	if (!*model && n > 1) {
		strbuf_init(&sb);
		for (int i = 0; i < n; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", models[i]);
		rc = err_set(err, NS_EUSAGE, "%s: vectors of %d models (%s): "
			     "choose one with --model or mine.model", pj->dir,
			     n, sb.buf);
		strbuf_fini(&sb);
	}
	vecdb_models_free(models, n);
	if (*model || rc != NS_OK)
		return rc;
	/* no vectors at all: embed as 'negsieve embed' would */
	if (!o->embed || o->shard_n)
		return err_set(err, NS_ENOTFOUND, "%s: no vectors yet; run "
			       "'negsieve embed %s' first", pj->dir, pj->dir);
	if (o->report) {
		fprintf(o->report, "no vectors yet: embedding with %s first "
			"(as 'negsieve embed' does)\n", o->embed->endpoint ?
			o->embed->model : "the built-in embedder");
		fflush(o->report);
	}
	if ((rc = embedjob_run(pj, o->embed, &er, err)))
		return rc;
	if (o->report)
		embedjob_print(&er, o->report);
	*model = xstrdup(want);
	return NS_OK;
}

enum ns_rc
minejob_dense(struct project *pj, const struct minejob_settings *o,
	      struct summary *sum, int64_t *run_out, struct ns_err *err)
{
	struct vecset *qs = NULL, *ps = NULL;
	struct dense_index *ix = NULL;
	struct mine_in in;
	struct target tg;
	struct progress pr;
	int64_t *pos_off = NULL, *pos_pid = NULL, nprobe = 0, lo, hi;
	uint64_t *qhash = NULL, *phash = NULL;
	char factory[256], *params = NULL, *job = NULL, *path = NULL;
	char *model = NULL;
	double recall = NAN;
	int k = o->fp.range_max > 0 ? o->fp.range_max : 100;
	enum ns_rc rc;

	memset(&in, 0, sizeof(in));
	if (o->shard_n && (rc = minejob_shard_check(pj, err)))
		return rc;
	if ((rc = minejob_model(pj, o, &model, err)) ||
	    (rc = vecstore_load_pair(pj->db, model, &qs, &ps, err)))
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
		if (path && !o->shard_n)
			perm_path(pj->dir, path);	/* src/perm.h */
	}
	if (ix && dense_nlist(ix) > 0) {
		/* the same sample in every shard: the same nprobe */
		int64_t ns = dense_tune_sample(qs->n, k);

		if ((rc = dense_tune(ix, qs->data, ns, k, o->recall_target,
				     ps->data, ps->n,
				     &nprobe, &recall, err)))
			goto out;
		if (o->report)
			fprintf(o->report, "index %s: recall@%d %.4f at nprobe "
				"%lld on %lld sample queries\n", factory, k,
				recall, (long long)nprobe, (long long)ns);
	} else if (o->report) {
		fprintf(o->report, "index %s: exact search\n", factory);
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
	params = minejob_json(o, "dense", factory, model, nprobe, recall,
			      qs->id, ps->id);
	job = minejob_json(o, "dense", factory, model, 0, NAN, qs->id, ps->id);
	if ((rc = target_open(&tg, pj, o, "dense", params, job, err)))
		goto out;
	progress_start(&pr, "mine", "queries", in.nq);
	rc = mine_dense(&in, ix, k, 4096, &o->fp, sum, tg.sink, tg.arg, &pr,
			err);
	progress_finish(&pr);
	rc = target_close(&tg, pj, o, rc, in.nq, err);
	*run_out = tg.st.run_id;
out:
	free(model);
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

enum ns_rc
minejob_bm25(struct project *pj, const struct minejob_settings *o,
	     struct summary *sum, int64_t *run_out, struct ns_err *err)
{
	int64_t *qids = NULL, nq = 0, *pos_off = NULL, *pos_pid = NULL, lo, hi;
	char **qtext = NULL, *params = NULL;
	int k = o->fp.range_max > 0 ? o->fp.range_max : 100;
	struct filter_cand *c = xmalloc((size_t)k * sizeof(*c));
	double *pscore = NULL, *pvalid = NULL;
	struct progress pr;
	struct target tg;
	enum ns_rc rc;

	if (o->shard_n && (rc = minejob_shard_check(pj, err)))
		goto out;
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
	params = minejob_json(o, "bm25", NULL, NULL, 0, NAN, 0, 0);
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
	const struct minejob_settings *o;
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

enum ns_rc
minejob_refilter(struct project *pj, const struct minejob_settings *o,
		 struct summary *sum, int64_t *run_out, struct ns_err *err)
{
	struct refilter r;
	char *method = NULL, *params = NULL, *np;
	int64_t run = o->run;
	json_t *old, *upd;
	json_error_t je;
	enum ns_rc rc;

	if (run <= 0 && (run = db_mine_run_last(pj->db)) <= 0)
		return err_set(err, NS_ENOTFOUND, "%s: no mining run to refilter",
			       pj->dir);
	if ((rc = db_mine_run_get(pj->db, run, &method, &params, err)))
		return rc;
	/* keep what describes the search, replace the filter settings */
	old = json_loads(params, 0, &je);
	np = minejob_json(o, method, "", "", 0, NAN, 0, 0);
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
	r.run_id = run;
	r.o = o;
	r.sum = sum;
	if ((rc = db_begin(pj->db, err)) == NS_OK) {
		if ((rc = db_mine_each(pj->db, run, refilter_query, &r,
				       err)) == NS_OK &&
		    (rc = db_mine_run_set_params(pj->db, run, np, err)) ==
			    NS_OK)
			rc = db_commit(pj->db, err);
		else
			db_rollback(pj->db);
	}
	*run_out = run;
	free(np);
	free(params);
	free(method);
	return rc;
}

/* --- the job ------------------------------------------------------------ */

enum ns_rc
minejob_run(struct project *pj, const struct minejob_settings *s,
	    struct summary *sum, int64_t *run_id, struct ns_err *err)
{
	*run_id = 0;
	if (s->refilter)
		return minejob_refilter(pj, s, sum, run_id, err);
	if (s->method == MINEJOB_BM25)
		return minejob_bm25(pj, s, sum, run_id, err);
	return minejob_dense(pj, s, sum, run_id, err);
}
