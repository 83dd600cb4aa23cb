/*
 * minejob.c - a mining job over a project (see minejob.h): the dense run
 * (vectors, index, nprobe tuning, search), the BM25 run (FTS5), the
 * refilter of a stored run, and where candidates go (a new run of the
 * project in batched commits, or a shard file).
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/bm25.h"
#include "src/dense.h"
#include "src/embed_builtin.h"
#include "src/instream.h"
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
static const char *const rank_of_names[] = { "retrieval", "negatives" };
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
static const char *const minejob_gemm_names[] = { "auto", "openblas",
						   "onednn", "faiss",
						   "avx512" };

const struct opt minejob_opts[] = {
	OPT_KEY('m', "method", "M", "mine.method", CONFIG_ENUM, MS, method,
		"dense (faiss) or bm25 (FTS5)"),
	OPT_KEY('i', "index", "S", "mine.index", CONFIG_STRING, MS, index,
		"auto, Flat or a faiss factory string"),
	OPT_KEY(0, "model", "NAME", "mine.model", CONFIG_STRING, MS, model,
		"vectors of this embedding model (default: the project's only "
		"vectors; with none, embed first)"),
	OPT_KEY(0, "recall-target", "R", "mine.recall_target", CONFIG_FLOAT,
		MS, recall_target, "auto/IVF/HNSW: tune nprobe or efSearch to "
		"recall@k >= R"),
	OPT_KEY(0, "precision", "P", "mine.precision", CONFIG_ENUM, MS,
		precision, "exact search: auto (bf16 where it pays, proved "
		"equal to f32), f32, or bf16 or int8 screening rescored in "
		"f32"),
	OPT_KEY(0, "gemm", "E", "mine.gemm", CONFIG_ENUM, MS, gemm,
		"exact search engine: auto (the fastest GEMM, measured once "
		"per machine), openblas, onednn, faiss, avx512"),
	OPT_INCLUDE(filter_opts, MS, fp),
	OPT_FLAG(0, "refilter", MS, refilter,
		 "re-apply filters, sampling and people's decisions to a "
		 "stored run (filter options not given keep the run's)"),
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
	     int64_t ef_search, double recall, int64_t qset, int64_t pset)
{
	const struct filter_params *p = &o->fp;
	json_t *j = json_object();
	char *s;

	json_object_set_new(j, "method", json_string(method));
	if (!strcmp(method, "dense")) {
		json_object_set_new(j, "index", json_string(o->index));
		json_object_set_new(j, "factory", json_string(factory));
		/* the model the vectors are stored under ("builtin" is
		 * builtin-tfidf-v1's), as embed reports it */
		json_object_set_new(j, "model", json_string(model && *model ?
							     model : o->model ?
							     o->model : ""));
		json_object_set_new(j, "nprobe", json_integer(nprobe));
		json_object_set_new(j, "ef_search", json_integer(ef_search));
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
	json_object_set_new(j, "rank_of",
			    json_string(rank_of_names[p->rank_of]));
	if (!strcmp(method, "dense"))
		json_object_set_new(j, "precision", json_string(
			o->precision == MINE_PRECISION_AUTO ? "auto" :
			gemm_type_name((enum gemm_type)o->precision)));
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

/* The index of @name among the @n @names, or -1. */
static int
name_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

/*
 * One filter setting of the params JSON @j (minejob_json()'s key @k) into
 * *@v: an integer (@kind 'i', at least 0; @wide: 64 bits), a number or
 * null (off) ('f'), or one of the @n @names ('e').  A missing key leaves
 * *@v as it was.
 */
static enum ns_rc
params_get(json_t *j, const char *k, int kind, bool wide, void *v,
	   const char *const *names, int n, const char *what,
	   struct ns_err *err)
{
	json_t *x = json_object_get(j, k);
	struct strbuf sb;
	enum ns_rc rc;
	int e;

	if (!x)
		return NS_OK;
	if (kind == 'i' && json_is_integer(x) &&
	    (wide || (json_integer_value(x) >= 0 &&
		      json_integer_value(x) <= INT_MAX))) {
		if (wide)
			*(uint64_t *)v = (uint64_t)json_integer_value(x);
		else
			*(int *)v = (int)json_integer_value(x);
		return NS_OK;
	}
	if (kind == 'f' && (json_is_number(x) || json_is_null(x))) {
		*(double *)v = json_is_null(x) ? NAN : json_number_value(x);
		return NS_OK;
	}
	if (kind == 'e' && json_is_string(x) &&
	    (e = name_index(names, n, json_string_value(x))) >= 0) {
		*(int *)v = e;
		return NS_OK;
	}
	if (kind != 'e' || !json_is_string(x))
		return err_set(err, NS_EINPUT, "%s: %s: expected %s", what, k,
			       kind == 'i' ? "an integer >= 0" :
			       kind == 'f' ? "a number or null" : "a name");
	strbuf_init(&sb);
	for (int i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", names[i]);
	rc = err_set(err, NS_EINPUT, "%s: %s '%s' is not one of %s", what, k,
		     json_string_value(x), sb.buf);
	strbuf_fini(&sb);
	return rc;
}

enum ns_rc
minejob_params_parse(const char *params, const char *what,
		     struct filter_params *fp, struct ns_err *err)
{
	struct filter_params p = *fp;
	json_error_t je;
	json_t *j = json_loads(params, 0, &je);
	int anchor = (int)p.anchor, sampling = (int)p.sampling;
	int rank_of = (int)p.rank_of;
	enum ns_rc rc;

	if (!j || !json_is_object(j)) {
		json_decref(j);
		return err_set(err, NS_EINPUT, "%s: not a JSON object%s%s",
			       what, j ? "" : ": ", j ? "" : je.text);
	}
	/* the keys and order of minejob_json() */
	if (!(rc = params_get(j, "range_min", 'i', false, &p.range_min, NULL,
			      0, what, err)) &&
	    !(rc = params_get(j, "range_max", 'i', false, &p.range_max, NULL,
			      0, what, err)) &&
	    !(rc = params_get(j, "max_score", 'f', false, &p.max_score, NULL,
			      0, what, err)) &&
	    !(rc = params_get(j, "min_score", 'f', false, &p.min_score, NULL,
			      0, what, err)) &&
	    !(rc = params_get(j, "absolute_margin", 'f', false, &p.abs_margin,
			      NULL, 0, what, err)) &&
	    !(rc = params_get(j, "relative_margin", 'f', false, &p.rel_margin,
			      NULL, 0, what, err)) &&
	    !(rc = params_get(j, "anchor", 'e', false, &anchor, anchor_names,
			      (int)NS_ARRAY_SIZE(anchor_names), what, err)) &&
	    !(rc = params_get(j, "near_duplicate", 'f', false, &p.near_dup,
			      NULL, 0, what, err)) &&
	    !(rc = params_get(j, "sampling", 'e', false, &sampling,
			      sampling_names,
			      (int)NS_ARRAY_SIZE(sampling_names), what, err)) &&
	    !(rc = params_get(j, "simans_a", 'f', false, &p.simans_a, NULL, 0,
			      what, err)) &&
	    !(rc = params_get(j, "simans_b", 'f', false, &p.simans_b, NULL, 0,
			      what, err)) &&
	    !(rc = params_get(j, "num_negatives", 'i', false,
			      &p.num_negatives, NULL, 0, what, err)) &&
	    !(rc = params_get(j, "seed", 'i', true, &p.seed, NULL, 0, what,
			      err)) &&
	    !(rc = params_get(j, "rank_of", 'e', false, &rank_of,
			      rank_of_names, (int)NS_ARRAY_SIZE(rank_of_names),
			      what, err))) {
		p.anchor = (enum filter_anchor)anchor;
		p.sampling = (enum filter_sampling)sampling;
		p.rank_of = (enum filter_rank_of)rank_of;
		*fp = p;
	}
	json_decref(j);
	return rc;
}

/* The most positives of one of the @nq queries (CSR offsets @off). */
static int64_t
max_positives(const int64_t *off, int64_t nq)
{
	int64_t m = 0;

	for (int64_t i = 0; i < nq; i++)
		if (off[i + 1] - off[i] > m)
			m = off[i + 1] - off[i];
	return m;
}

/* The engine of exact search, IVF training and list scans: the library
 * mine.gemm names, or the faster (measured once per machine). */
static enum ns_rc
minejob_engine(const struct minejob_settings *o, struct topk_opts *e,
	       struct ns_err *err)
{
	const char *g = minejob_gemm_names[o->gemm];
	struct gemm_probe pb;
	enum ns_rc rc;

	topk_opts_default(e);
	if (gemm_lib_parse(g, &e->lib))
		return NS_OK;
	if (!strcmp(g, "faiss"))
		return NS_OK;	/* OpenBLAS */
	if ((rc = gemm_best(true, &pb, err)))
		return rc;
	e->lib = pb.best;
	return NS_OK;
}

/* --- storing ------------------------------------------------------------ */

/* A project run is mined into its pool (committed every 1024 queries, so
 * a killed run can be resumed) and published at the end: the filters and
 * the sampler run over the pool and the kept candidates are stored, in
 * one transaction that also marks the run done. */
/* What publishing stores, kept in memory while mining so that a run mined
 * in one go is published without reading its pool back: per query its
 * kept candidates and its positives' scores (up to MEMO_MAX bytes; beyond,
 * or for a resumed run, publishing reads the pool). */
#define MEMO_MAX ((size_t)256 << 20)

struct memo {
	bool off;		/* too big: publish from the pool */
	size_t bytes;
	int64_t nq, capq;
	int64_t *qid;		/* per query */
	size_t *coff, *poff;	/* offsets into c and pos/ps, nq + 1 */
	struct filter_cand *c;
	size_t nc, capc;
	int64_t *pos;
	double *ps;
	size_t np, capp;
};

static void
memo_free(struct memo *m)
{
	free(m->qid);
	free(m->coff);
	free(m->poff);
	free(m->c);
	free(m->pos);
	free(m->ps);
	memset(m, 0, sizeof(*m));
}

static void
memo_add(struct memo *m, int64_t query_id, const struct filter_cand *c,
	 size_t n, const int64_t *pos, const double *pos_score, size_t npos)
{
	if (m->off)
		return;
	if (m->nq + 1 >= m->capq) {
		m->capq = m->capq ? 2 * m->capq : 1024;
		m->qid = xrealloc(m->qid, (size_t)m->capq * sizeof(*m->qid));
		m->coff = xrealloc(m->coff, (size_t)m->capq * sizeof(*m->coff));
		m->poff = xrealloc(m->poff, (size_t)m->capq * sizeof(*m->poff));
	}
	if (m->nq == 0)
		m->coff[0] = m->poff[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (c[i].reason != FILTER_KEPT)
			continue;
		if (m->nc == m->capc) {
			m->capc = m->capc ? 2 * m->capc : 4096;
			m->c = xrealloc(m->c, m->capc * sizeof(*m->c));
		}
		m->c[m->nc++] = c[i];
	}
	for (size_t i = 0; i < npos; i++) {
		if (m->np == m->capp) {
			m->capp = m->capp ? 2 * m->capp : 4096;
			m->pos = xrealloc(m->pos, m->capp * sizeof(*m->pos));
			m->ps = xrealloc(m->ps, m->capp * sizeof(*m->ps));
		}
		m->pos[m->np] = pos[i];
		m->ps[m->np++] = pos_score[i];
	}
	m->qid[m->nq++] = query_id;
	m->coff[m->nq] = m->nc;
	m->poff[m->nq] = m->np;
	m->bytes = m->capq * 24 + m->capc * sizeof(*m->c) + m->capp * 16;
	if (m->bytes > MEMO_MAX) {
		memo_free(m);
		m->off = true;
	}
}

struct store {
	struct db *db;
	int64_t run_id;
	int64_t pending;	/* queries since the last commit */
	struct memo memo;	/* what publishing will store */
	bool resumed;		/* the run was taken up: publish from the pool */
	bool final;		/* in the run's last transaction (see
				 * store_batch_done()) */
	bool early;		/* may publish while the last batch is
				 * searched */
	bool open;		/* a transaction is open (db_begin()) */
	int64_t published;	/* the memo's first queries, their kept
				 * candidates stored */
};

/* Store the kept candidates of the memo's queries not yet published. */
static enum ns_rc
store_published(struct store *s, struct ns_err *err)
{
	const struct memo *m = &s->memo;
	enum ns_rc rc = NS_OK;

	for (; s->published < m->nq && rc == NS_OK; s->published++) {
		int64_t i = s->published;

		rc = db_mine_kept_store(s->db, s->run_id, m->qid[i],
					m->c + m->coff[i],
					m->coff[i + 1] - m->coff[i],
					m->pos + m->poff[i], m->ps + m->poff[i],
					m->poff[i + 1] - m->poff[i], err);
	}
	return rc;
}

/* Commit what is written and hold no write lock until store_query() has
 * more to write. */
static enum ns_rc
store_release(struct store *s, struct ns_err *err)
{
	enum ns_rc rc;

	if (s->open && (rc = db_commit(s->db, err)))
		return rc;
	s->open = false;
	s->pending = 0;
	return NS_OK;
}

static enum ns_rc
store_query(void *arg, int64_t query_id, const struct filter_cand *c,
	    size_t n, const int64_t *pos, const double *pos_score, size_t npos,
	    struct ns_err *err)
{
	struct store *s = arg;
	enum ns_rc rc;

	/* the write lock is taken only when there is something to write
	 * (not while a search runs: see store_batch_done()) */
	if (!s->open) {
		if ((rc = db_begin(s->db, err)))
			return rc;
		s->open = true;
	}
	memo_add(&s->memo, query_id, c, n, pos, pos_score, npos);
	rc = db_mine_pool_store(s->db, s->run_id, query_id, c, n, pos,
				pos_score, npos, err);
	/* in the last transaction: the kept candidates too, at once */
	if (rc == NS_OK && s->final && !s->memo.off)
		rc = store_published(s, err);
	if (rc == NS_OK && !s->final && ++s->pending >= 1024)
		rc = store_release(s, err);
	return rc;
}

/*
 * A batch is pooled and the next is being searched: commit, so that the
 * project's other writers (people deciding) are not held up by the
 * search.  Before the last batch (@last, small: see mine_dense_ex()),
 * when the searches are short (s->early), the kept candidates known so far
 * go into the transaction that will publish the run (target_close()), and
 * the last batch's as they come (store_query()): publishing overlaps the
 * last search instead of following it.  The run stays invisible until
 * then; a failure or a kill rolls the last part back, and the pool
 * committed before is resumed.
 */
static enum ns_rc
store_batch_done(void *arg, bool last, struct ns_err *err)
{
	struct store *s = arg;
	enum ns_rc rc;

	if (s->final)
		return NS_OK;
	if ((rc = store_release(s, err)))
		return rc;
	if (!last || !s->early || s->resumed || s->memo.off)
		return NS_OK;
	db_mine_fk(s->db, true, NULL);
	s->final = true;
	if ((rc = db_begin(s->db, err)))
		return rc;
	s->open = true;
	return store_published(s, err);
}

/* Where a run's candidates go: a new (or resumed) run of the project or a
 * shard file. */
struct target {
	struct store st;	/* the project */
	struct shard *sh;	/* the shard file, or NULL */
	mine_sink_fn sink;
	void *arg;
	const char *method, *params, *job;	/* borrowed */
	char *project_id;	/* shard: the project's id (owned) */
	bool resumed;		/* took up an unfinished run */
	int64_t *done;		/* its queries already pooled, ascending */
	int64_t ndone;
	struct db_mine_labels lab; /* people's decisions when mining began */
};

static enum ns_rc
target_open_at(struct target *t, struct project *pj,
	    const struct minejob_settings *o, const char *method,
	    const char *params, const char *job, const char *key,
	    struct ns_err *err)
{
	char owner[300];
	int64_t replaced = 0;
	enum ns_rc rc;

	memset(t, 0, sizeof(*t));
	t->method = method;
	t->params = params;
	t->job = job;
	/* what people decided so far (the run is published with what they
	 * decided by then: see target_close()) */
	if ((rc = db_mine_labels(pj->db, &t->lab, err)))
		return rc;
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
	if ((rc = db_mine_writer(pj->db, err)))
		return rc;
	if ((rc = db_mine_run_begin(pj->db, method, params, key,
				    db_mine_owner(owner, sizeof(owner)),
				    &t->st.run_id, &t->resumed, &replaced,
				    err)))
		return rc;
	if (replaced && o->report)
		fprintf(o->report, "removed %lld unfinished run%s of other "
			"settings\n", (long long)replaced,
			replaced == 1 ? "" : "s");
	t->st.resumed = t->resumed;
	if (t->resumed &&
	    (rc = db_mine_pool_queries(pj->db, t->st.run_id, &t->done,
				       &t->ndone, err)))
		return rc;
	if (t->resumed && o->report)
		fprintf(o->report, "resuming unfinished run %lld: %lld queries "
			"were mined before\n", (long long)t->st.run_id,
			(long long)t->ndone);
	/* dense: every id stored was checked against the project
	 * (db_mine_text_hashes), so skip the FK lookups per row */
	if (!strcmp(method, "dense") && (rc = db_mine_fk(pj->db, false, err)))
		return rc;
	/* store_query() begins the transaction at the first write */
	return NS_OK;
}

/* Open @t: a new or resumed run of the project, or a shard file, with
 * people's decisions so far in t->lab; on failure nothing is open. */
static enum ns_rc
target_open(struct target *t, struct project *pj,
	    const struct minejob_settings *o, const char *method,
	    const char *params, const char *job, const char *key,
	    struct ns_err *err)
{
	enum ns_rc rc = target_open_at(t, pj, o, method, params, job, key,
				       err);

	if (rc != NS_OK)
		db_mine_labels_free(&t->lab);
	return rc;
}

/* Finish what went to @t: publish the run (when @rc is NS_OK; the real
 * summary is made then, over all its queries, into @sum) or drop it. */
static enum ns_rc
target_close(struct target *t, struct project *pj,
	     const struct minejob_settings *o, enum ns_rc rc, int64_t queries,
	     struct summary *sum, struct ns_err *err)
{
	free(t->done);
	t->done = NULL;
	if (t->sh) {
		struct shard_info info;

		memo_free(&t->st.memo);
		db_mine_labels_free(&t->lab);
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
	if (t->st.final) {
		/* in the run's last transaction already */
		if (rc != NS_OK) {
			db_rollback(pj->db);
			db_mine_fk(pj->db, true, NULL);
		}
	} else {
		if (rc == NS_OK && t->st.open)
			rc = db_commit(pj->db, err);
		if (rc != NS_OK)
			db_rollback(pj->db);
		db_mine_fk(pj->db, true, NULL);
		if (rc == NS_OK)
			rc = db_begin(pj->db, err);
	}
	if (rc == NS_OK) {
		struct memo *m = &t->st.memo;
		bool relabelled = db_mine_labels_seen(pj->db) != t->lab.seen;

		/* decided on while the run was mined: publish with the
		 * labels of now */
		if (relabelled) {
			db_mine_labels_free(&t->lab);
			rc = db_mine_labels(pj->db, &t->lab, err);
		}
		if (rc != NS_OK) {
			/* rolled back below */
		} else if (!t->resumed && !m->off && !relabelled) {
			/* mined in one go: the summary is complete and the
			 * pool already records these very filters */
			for (int64_t i = t->st.published;
			     i < m->nq && rc == NS_OK; i++)
				rc = db_mine_kept_store(pj->db, t->st.run_id,
					m->qid[i], m->c + m->coff[i],
					m->coff[i + 1] - m->coff[i],
					m->pos + m->poff[i], m->ps + m->poff[i],
					m->poff[i + 1] - m->poff[i], err);
		} else {
			summary_fini(sum);
			summary_init(sum);
			rc = mine_publish(pj->db, t->st.run_id, &o->fp,
					  &t->lab, sum, err);
		}
		if (rc == NS_OK &&
		    (rc = db_mine_run_finish(pj->db, t->st.run_id, t->params,
					     err)) == NS_OK)
			rc = db_commit(pj->db, err);
		if (rc != NS_OK)
			db_rollback(pj->db);
	}
	/* a failure leaves the project as it was: a new run goes, a
	 * resumed one stays unfinished (a kill leaves an unfinished run
	 * too, invisible, that the next mine resumes) */
	if (rc != NS_OK && t->st.run_id && !t->resumed)
		db_mine_run_abandon(pj->db, t->st.run_id);
	memo_free(&t->st.memo);
	db_mine_labels_free(&t->lab);
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
	/* no vectors at all: embed as 'negsieve embed' would, once there
	 * is something to embed (else empty vector sets would be stored
	 * and taken for vectors later) */
	if (vecdb_count(pj->db, true) == 0 || vecdb_count(pj->db, false) == 0)
		return err_set(err, NS_EINPUT, "%s: nothing to mine: no %s "
			       "(import data first, e.g. 'negsieve import "
			       "%s FILE')", pj->dir,
			       vecdb_count(pj->db, true) == 0 ? "queries" :
							       "passages",
			       pj->dir);
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

/* A warning on @o->warn: "negsieve: warning: ...". */
static void minejob_warn(const struct minejob_settings *o, const char *fmt,
			 ...) __attribute__((format(printf, 2, 3)));

static void
minejob_warn(const struct minejob_settings *o, const char *fmt, ...)
{
	va_list ap;

	if (!o->warn)
		return;
	if (o->report)
		fflush(o->report);	/* in order when both are a terminal */
	fputs("negsieve: warning: ", o->warn);
	va_start(ap, fmt);
	vfprintf(o->warn, fmt, ap);
	va_end(ap);
	fputc('\n', o->warn);
}

/*
 * Saved indexes.  A trained index is written to PROJECT/index-<passage
 * vecset>-<factory>.faiss, and the XXH3-128 of the file and its size are
 * recorded in the meta table under "index:<file name>" (value "<32 hex
 * digits> <bytes>").  faiss reads a file with bytes overwritten without
 * complaint (4 KB of noise in a saved IVF64,Flat cost recall at nprobe =
 * nlist and changed the run), so a file is reused only when it is the one
 * saved: checked in one sequential read before faiss reads it.
 */

/* The meta key of the saved index @path; caller frees. */
static char *
minejob_index_key(const char *path)
{
	const char *base = strrchr(path, '/');

	return xasprintf("index:%s", base ? base + 1 : path);
}

/*
 * The index saved at @path when it is the file that was saved (checksum
 * and size as recorded) and holds the @ps vectors; else NULL, after
 * saying on @o->warn why a file that is there is not used (it is built
 * again).  No file: NULL, silently.
 */
static struct dense_index *
minejob_index_reuse(struct project *pj, const struct minejob_settings *o,
		    const char *factory, const char *path,
		    const struct vecset *ps)
{
	struct dense_index *ix = NULL;
	struct ns_err e;
	struct stat st;
	char *key, *rec, want[33], got[33], why[NS_ERR_MSG_MAX + 64];
	unsigned long long want_bytes;
	uint64_t bytes;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return NULL;
		st.st_mode = 0;	/* instream_file_digest() says why */
	}
	err_clear(&e);
	key = minejob_index_key(path);
	rec = db_meta_get(pj->db, key);
	why[0] = '\0';
	if (!rec || sscanf(rec, "%32s %llu", want, &want_bytes) != 2)
		snprintf(why, sizeof(why), "has no recorded checksum (saved "
			 "by an older negsieve, or its mine was interrupted)");
	else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size != want_bytes)
		snprintf(why, sizeof(why), "damaged (%lld bytes, %llu when "
			 "saved)", (long long)st.st_size, want_bytes);
	else if (instream_file_digest(path, got, &bytes, &e) != NS_OK)
		snprintf(why, sizeof(why), "unreadable (%s)", e.msg);
	else if (bytes != want_bytes || strcmp(got, want) != 0)
		snprintf(why, sizeof(why), "damaged (checksum mismatch)");
	else if (dense_load(path, &ix, &e) != NS_OK)
		snprintf(why, sizeof(why), "unreadable (%s)",
			 /* faiss's message after "PATH: " */
			 !strncmp(e.msg, path, strlen(path)) &&
			 !strncmp(e.msg + strlen(path), ": ", 2) ?
			 e.msg + strlen(path) + 2 : e.msg);
	else if (dense_ntotal(ix) != ps->n || dense_dim(ix) != ps->dim) {
		snprintf(why, sizeof(why), "holds %lld vectors of dimension "
			 "%d, not the %lld of %d mined",
			 (long long)dense_ntotal(ix), dense_dim(ix),
			 (long long)ps->n, ps->dim);
		dense_free(ix);
		ix = NULL;
	}
	if (why[0])
		minejob_warn(o, "index %s: saved file %s %s: building it "
			     "again", factory, path, why);
	else if (o->report)
		fprintf(o->report, "index %s: reusing %s\n", factory, path);
	free(rec);
	free(key);
	return ix;
}

/* Save @ix at @path (readable as the project is, src/perm.h) and record
 * its checksum for minejob_index_reuse(). */
static enum ns_rc
minejob_index_save(struct project *pj, const struct dense_index *ix,
		   const char *path, struct ns_err *err)
{
	char *key, *val, hex[33];
	uint64_t bytes;
	enum ns_rc rc;

	if ((rc = dense_save(ix, path, err)))
		return rc;
	perm_path(pj->dir, path);
	if ((rc = instream_file_digest(path, hex, &bytes, err)))
		return rc;
	key = minejob_index_key(path);
	val = xasprintf("%s %llu", hex, (unsigned long long)bytes);
	rc = db_meta_set(pj->db, key, val, err);
	free(val);
	free(key);
	return rc;
}

enum ns_rc
minejob_dense(struct project *pj, const struct minejob_settings *o,
	      struct summary *sum, int64_t *run_out, struct ns_err *err)
{
	struct vecset *qs = NULL, *ps = NULL;
	struct dense_index *ix = NULL;
	struct mine_screen sc;
	struct minejob_settings eff;
	enum gemm_type type = GEMM_F32;
	double speed = 1;
	char why[200];
	struct topk_opts engine;
	struct dense_plan plan;
	struct mine_in in, rest;
	struct target tg;
	struct progress pr;
	void *owned = NULL;
	char key[512];
	int64_t *pos_off = NULL, *pos_pid = NULL, nprobe = 0, lo, hi;
	int64_t ef_search = 0;
	uint64_t *qhash = NULL, *phash = NULL;
	char factory[256], *params = NULL, *job = NULL, *path = NULL;
	char *model = NULL;
	double recall = NAN;
	int k = o->fp.range_max > 0 ? o->fp.range_max : 100;
	enum ns_rc rc;

	memset(&in, 0, sizeof(in));
	memset(&sc, 0, sizeof(sc));
	memset(&plan, 0, sizeof(plan));
	/* another mine at work: refused before any search */
	if ((o->shard_n && (rc = minejob_shard_check(pj, err))) ||
	    (!o->shard_n && (rc = db_mine_busy(pj->db, err))))
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
	/* rows imported after the vectors were made are not mined: say so */
	if (o->report) {
		int64_t nq = vecdb_count(pj->db, true);
		int64_t np = vecdb_count(pj->db, false);

		if (nq > qs->n || np > ps->n)
			fprintf(o->report, "note: %lld of %lld queries and "
				"%lld of %lld passages have no vector of "
				"model '%s'%s%s%s (imported since, or without "
				"a text to embed?): not mined; 'negsieve "
				"embed' adds those imported since\n",
				(long long)(nq > qs->n ? nq - qs->n : 0),
				(long long)nq,
				(long long)(np > ps->n ? np - ps->n : 0),
				(long long)np, qs->model,
				strcmp(qs->model, ps->model) ? " (queries) "
							      "and '" : "",
				strcmp(qs->model, ps->model) ? ps->model : "",
				strcmp(qs->model, ps->model) ?
					"' (passages)" : "");
	}
	/* positives first: the depth may depend on them (rank_of) */
	if ((rc = db_mine_positives(pj->db, qs->ids, qs->n, &pos_off,
				    &pos_pid, err)))
		goto out;
	k = filter_depth(&o->fp, 100, max_positives(pos_off, qs->n));
	if (k > ps->n)
		k = (int)ps->n;
	/* the GEMM library of exact search, IVF training and list scans */
	if ((rc = minejob_engine(o, &engine, err)))
		goto out;
	/* the precision of exact search (also what auto's IVF must beat) */
	if ((rc = mine_screen_precision(minejob_gemm_names[o->gemm],
					o->precision, &type, &speed, why,
					sizeof(why), err)))
		goto out;
	if (!strcmp(o->index, "auto")) {
		/* decided on the whole job (all queries, also in a shard, so
		 * every shard makes the same choice) */
		if ((rc = dense_auto_plan(qs->data, qs->n, ps->data, ps->n,
					  ps->dim, k, o->recall_target, speed,
					  &engine, &plan, err)))
			goto out;
		snprintf(factory, sizeof(factory), "%s", plan.factory);
		if (o->report)
			fprintf(o->report, "index auto: %s\n", plan.why);
	} else {
		snprintf(factory, sizeof(factory), "%s", o->index);
	}
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
	if (path)
		ix = minejob_index_reuse(pj, o, factory, path, ps);
	/* Flat: search the mapped vectors directly (no index, no copy) */
	if (!ix && path) {
		/* auto's IVF is trained and filled on our engine */
		if ((rc = plan.nlist ?
			  dense_build_ex(factory, ps->dim, ps->data, ps->n,
					 plan.train, plan.niter, &engine, &ix,
					 err) :
			  dense_build(factory, ps->dim, ps->data, ps->n,
				      dense_auto_train(ps->n), &ix, err)))
			goto out;
		/* a shard writes nothing into the project */
		if (!o->shard_n &&
		    (rc = minejob_index_save(pj, ix, path, err)))
			goto out;
	}
	if (ix) {
		/* the same sample in every shard: the same nprobe/efSearch */
		int64_t ns = dense_tune_sample(qs->n, k);
		int64_t nlist = dense_nlist(ix), tuned = 0;
		const char *param = dense_tune_param(ix);

		/* IVF: nprobe tuned to the target, HNSW: efSearch (a saved
		 * index too: its file holds faiss's default); another index
		 * (PQ, ...) is measured as it is, on the same sample (a few
		 * hundred queries searched a few times: cheap next to the
		 * run) */
		if ((nlist > 0 &&
		     (rc = dense_set_gemm(ix, engine.lib, err))) ||
		    (rc = dense_tune_ex(ix, qs->data, ns, k, o->recall_target,
					ps->data, ps->n, &engine, &tuned,
					&recall, err)))
			goto out;
		if (nlist > 0)
			nprobe = tuned;
		else if (param)
			ef_search = tuned;
		if (o->report && param)
			fprintf(o->report, "index %s: recall@%d %.4f at %s "
				"%lld on %lld sample queries\n", factory, k,
				recall, param, (long long)tuned,
				(long long)ns);
		else if (o->report)
			fprintf(o->report, "index %s: recall@%d %.4f on %lld "
				"sample queries\n", factory, k, recall,
				(long long)ns);
		/* the pilot misjudged: searching would cost more than exact
		 * search of every query (what is built is sunk) */
		if (plan.nlist && dense_plan_search_cost(&plan, qs->n, ps->n,
				ps->dim, nprobe) > plan.cost_exact) {
			if (o->report)
				fprintf(o->report, "index auto: nprobe %lld "
					"of %lld lists costs more than exact "
					"search: searching exactly\n",
					(long long)nprobe,
					(long long)plan.nlist);
			dense_free(ix);
			ix = NULL;
			snprintf(factory, sizeof(factory), "Flat");
			nprobe = 0;
			recall = NAN;
		}
		/* the best this index can do is short of the target (tuning
		 * stops short only at its cap): the run is kept (the user
		 * chose the index, and a lower --recall-target accepts it),
		 * but not without a word */
		if (ix && recall < o->recall_target && nlist > 0 &&
		    nprobe >= nlist)
			minejob_warn(o, "index %s: recall target %g not "
				     "reached (%.4f at nprobe %lld = nlist): "
				     "this index loses candidates; use a finer "
				     "index or --index Flat", factory,
				     o->recall_target, recall,
				     (long long)nprobe);
		else if (ix && recall < o->recall_target && ef_search > 0)
			minejob_warn(o, "index %s: recall target %g not "
				     "reached (%.4f at efSearch %lld, its "
				     "cap): this index loses candidates; use "
				     "a finer index or --index Flat", factory,
				     o->recall_target, recall,
				     (long long)ef_search);
		else if (ix && recall < o->recall_target && !param)
			minejob_warn(o, "index %s: recall target %g not "
				     "reached (%.4f; only IVF's nprobe and "
				     "HNSW's efSearch are tuned): this index "
				     "loses candidates; use a finer index or "
				     "--index Flat", factory,
				     o->recall_target, recall);
	}
	/* the run records the precision searched in (an index's search is
	 * f32) */
	eff = *o;
	eff.precision = GEMM_F32;
	if (!ix) {
		char desc[600];

		if ((rc = mine_screen_init(&sc, minejob_gemm_names[o->gemm],
					   type, ps->data, ps->n, ps->dim, k,
					   true, desc, sizeof(desc), err)))
			goto out;
		eff.precision = (int)type;
		if (o->report) {
			fprintf(o->report, "index %s: %s\n", factory, desc);
			if (o->precision == MINE_PRECISION_AUTO)
				fprintf(o->report, "precision %s\n", why);
		}
		in.screen = &sc;
	}
	if ((rc = db_mine_text_hashes(pj->db, 1, qs->ids, qs->n, &qhash,
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
	in.pset = ps;
	in.pids = ps->ids;
	in.phash = phash;
	in.pos_off = pos_off + lo;
	in.pos_pid = pos_pid;
	in.db = pj->db;
	params = minejob_json(&eff, "dense", factory, model, nprobe,
			      ef_search, recall, qs->id, ps->id);
	/* the job as asked: shards of one job mined on machines where auto
	 * chose differently give the same answers (bf16's are proved to
	 * be f32's) */
	job = minejob_json(o, "dense", factory, model, 0, 0, NAN, qs->id,
			   ps->id);
	/* what the pooled candidates depend on: a run killed under the
	 * same key is taken up where it stopped */
	snprintf(key, sizeof(key), "dense|%s|%s|q%lld|p%lld|k%d|%d|r%.6g",
		 factory, model, (long long)qs->id, (long long)ps->id, k,
		 eff.precision, o->recall_target);
	if ((rc = target_open(&tg, pj, o, "dense", params, job, key, err)))
		goto out;
	in.labels = &tg.lab;
	if (tg.resumed) {
		mine_in_skip(&in, tg.done, tg.ndone, &rest, &owned);
		in = rest;
	}
	/* a corpus streamed from disk is searched for minutes per batch:
	 * publish after the last search, not during it */
	if (!tg.sh) {
		in.batch_done = store_batch_done;
		tg.st.early = !sc.stream;
	}
	progress_start(&pr, "mine", "queries", in.nq);
	rc = mine_dense(&in, ix, k, ix ? mine_index_batch(k) :
			mine_screen_batch(in.screen, in.nq,
			k + sc.margin, in.dim), &o->fp, sum, tg.sink, tg.arg,
			&pr, err);
	progress_finish(&pr);
	if (rc == NS_OK && o->report && sc.engine &&
	    (topk_type(sc.engine) != GEMM_F32 || sc.rechecked || sc.uncertain))
		fprintf(o->report, "exact search: the %s screen certified the top "
			"%d for %lld of %lld queries; %lld searched again in "
			"f32%s\n", gemm_type_name(topk_type(sc.engine)), k,
			(long long)sc.certified, (long long)in.nq,
			(long long)sc.rechecked, sc.uncertain ?
			" (ties at rank k left some uncertified)" : "");
	rc = target_close(&tg, pj, o, rc, in.nq, sum, err);
	*run_out = tg.st.run_id;
out:
	free(model);
	mine_in_free(owned);
	free(params);
	free(job);
	free(path);
	free(pos_off);
	free(pos_pid);
	free(qhash);
	free(phash);
	dense_free(ix);
	mine_screen_fini(&sc);
	vecstore_close(qs);
	vecstore_close(ps);
	return rc;
}

/* --- bm25 --------------------------------------------------------------- */

/* What the BM25 callback needs to turn hits into stored candidates. */
struct bm25_run {
	struct db *db;			/* the project */
	const struct minejob_settings *o;
	struct summary *sum;
	struct target *tg;
	struct progress *pr;
	int64_t done;
	const int64_t *qids, *pos_off, *pos_pid;
	const uint64_t *qhash;		/* per query; 0: no text */
	const int64_t *pid_all;		/* every passage id, ascending */
	const uint64_t *phash_all;	/* their text hashes */
	int64_t np_all;
	struct filter_cand *c;
	double *pvalid;
	uint64_t *phash;		/* the query's positives' hashes */
};

static uint64_t
bm25_passage_hash(const struct bm25_run *b, int64_t pid)
{
	int64_t r = mine_find_row(b->pid_all, b->np_all, pid);

	return r < 0 ? 0 : b->phash_all[r];
}

static enum ns_rc
bm25_query(void *arg, int64_t qi, const struct bm25_hits *h,
	   struct ns_err *err)
{
	struct bm25_run *b = arg;
	const struct minejob_settings *o = b->o;
	const int64_t *pos = b->pos_pid + b->pos_off[qi];
	size_t npos = (size_t)(b->pos_off[qi + 1] - b->pos_off[qi]), n = 0;
	enum ns_rc rc;

	for (size_t j = 0; j < npos; j++) {
		b->pvalid[j] = h->pos_score[j];
		b->phash[j] = bm25_passage_hash(b, pos[j]);
	}
	for (int r = 0; r < h->n; r++) {
		struct filter_cand *x = &b->c[n++];
		uint64_t ph = h->rows ? b->phash_all[h->rows[r]] :
				       bm25_passage_hash(b, h->pids[r]);

		memset(x, 0, sizeof(*x));
		x->passage_id = h->pids[r];
		x->rank = r + 1;
		x->score = h->scores[r];
		x->dup_sim = NAN;
		/* same text as the query or as a positive other than itself
		 * (text hashes, as dense mining compares them) */
		x->same_text = ph && ph == b->qhash[qi];
		for (size_t j = 0; j < npos; j++) {
			x->is_positive |= pos[j] == h->pids[r];
			if (ph && pos[j] != h->pids[r] && b->phash[j] == ph)
				x->same_text = true;
		}
	}
	if ((rc = mine_filter_query(b->db, &b->tg->lab, &o->fp, b->qids[qi],
				    b->pvalid, npos, b->c, n, b->sum, err)))
		return rc;
	progress_update(b->pr, ++b->done);
	return b->tg->sink(b->tg->arg, b->qids[qi], b->c, n, pos,
			   h->pos_score, npos, err);
}

/* Say how the BM25 search went (bm25.h): "search bm25: ..." on @f; and
 * how many of the queries searched (@order[0..nq) into @texts) are in a
 * script FTS5 cannot split into words (unicode_unspaced()): unicode61
 * takes a whole run of its letters as one word, so such a query matches
 * only passages holding that very run and BM25 finds little for it. */
static void
minejob_bm25_report(FILE *f, const struct bm25_stats *st, int64_t nq,
		    char *const *texts, const int64_t *order)
{
	int64_t unspaced = 0;

	for (int64_t i = 0; i < nq; i++)
		if (texts[order[i]] &&
		    utf8_has_unspaced(texts[order[i]],
				      strlen(texts[order[i]])))
			unspaced++;
	if (st->differs)
		fprintf(f, "search bm25: each query whole through FTS5 (the "
			"sum of its terms' bm25() differed from the whole "
			"query's on this SQLite)\n");
	else if (st->whole == nq)
		fprintf(f, "search bm25: each query whole through FTS5\n");
	else
		fprintf(f, "search bm25: %lld terms scored by FTS5's bm25() "
			"once each (%lld matches%s), %lld queries as sums of "
			"their terms' scores (%lld checked against the whole "
			"query's bm25()), %lld whole\n",
			(long long)st->terms, (long long)st->parts,
			st->forgotten ? ", asked again after the memory "
					"budget was reached" : "",
			(long long)(nq - st->whole), (long long)st->checked,
			(long long)st->whole);
	if (unspaced)
		fprintf(f, "search bm25: %lld queries (%.2f%%) are in Chinese, "
			"Japanese, Korean, Thai, Lao, Khmer or Burmese script: "
			"FTS5 takes a whole run of their letters as one term, "
			"so BM25 finds little for them; mine them with "
			"--method dense\n", (long long)unspaced,
			100.0 * (double)unspaced / (double)nq);
}

enum ns_rc
minejob_bm25(struct project *pj, const struct minejob_settings *o,
	     struct summary *sum, int64_t *run_out, struct ns_err *err)
{
	int64_t *qids = NULL, nq = 0, *pos_off = NULL, *pos_pid = NULL, lo, hi;
	int64_t *order = NULL, norder = 0, *pid_all = NULL, np_all = 0;
	uint64_t *qhash = NULL, *phash_all = NULL;
	char **qtext = NULL, *params = NULL, key[64];
	int k = o->fp.range_max > 0 ? o->fp.range_max : 100;
	struct bm25_run b;
	struct bm25_params bp;
	struct bm25_stats bst;
	struct progress pr;
	struct target tg;
	enum ns_rc rc;

	memset(&b, 0, sizeof(b));
	memset(&tg, 0, sizeof(tg));
	/* another mine at work: refused before any search */
	if ((o->shard_n && (rc = minejob_shard_check(pj, err))) ||
	    (!o->shard_n && (rc = db_mine_busy(pj->db, err))))
		goto out;
	if ((rc = db_mine_queries(pj->db, &qids, &qtext, &nq, err)))
		goto out;
	if (nq == 0) {
		rc = err_set(err, NS_EINPUT, "%s: nothing to mine: no queries "
			     "with text (import some first)", pj->dir);
		goto out;
	}
	/* none with a text to search (see the order below): no run */
	for (lo = 0; lo < nq; lo++)
		if (qtext[lo] && !text_blank(qtext[lo], strlen(qtext[lo])))
			break;
	if (lo == nq) {
		rc = err_set(err, NS_EINPUT, "%s: nothing to mine: no queries "
			     "with text (%lld known by id only, or empty or "
			     "blank)", pj->dir, (long long)nq);
		goto out;
	}
	if ((rc = db_mine_positives(pj->db, qids, nq, &pos_off, &pos_pid,
				    err)) ||
	    (rc = db_mine_text_hashes(pj->db, 1, qids, nq, &qhash, err)) ||
	    (rc = db_mine_passage_hashes(pj->db, &pid_all, &phash_all,
					 &np_all, err)))
		goto out;
	k = filter_depth(&o->fp, 100, max_positives(pos_off, nq));
	params = minejob_json(o, "bm25", NULL, NULL, 0, 0, NAN, 0, 0);
	snprintf(key, sizeof(key), "bm25|k%d", k);
	if ((rc = target_open(&tg, pj, o, "bm25", params, params, key, err)))
		goto out;
	shard_slice(o, nq, &lo, &hi);
	order = xmalloc(((size_t)(hi - lo) + 1) * sizeof(*order));
	for (int64_t qi = lo; qi < hi; qi++) {
		/* a query without text (none, or blank) has no term to find:
		 * not searched, as a dense mine has no vector for it, and
		 * counted apart, not among those with too few negatives */
		if (!qtext[qi] || text_blank(qtext[qi], strlen(qtext[qi]))) {
			sum->no_text++;
			continue;
		}
		if (!tg.resumed || !mine_id_in(tg.done, tg.ndone, qids[qi]))
			order[norder++] = qi;
	}
	b.db = pj->db;
	b.o = o;
	b.sum = sum;
	b.tg = &tg;
	b.pr = &pr;
	b.qids = qids;
	b.pos_off = pos_off;
	b.pos_pid = pos_pid;
	b.qhash = qhash;
	b.pid_all = pid_all;
	b.phash_all = phash_all;
	b.np_all = np_all;
	b.c = xmalloc((size_t)(k > 0 ? k : 1) * sizeof(*b.c));
	b.pvalid = xmalloc(((size_t)max_positives(pos_off, nq) + 1) *
			   sizeof(double));
	b.phash = xmalloc(((size_t)max_positives(pos_off, nq) + 1) *
			  sizeof(*b.phash));
	memset(&bp, 0, sizeof(bp));
	bp.dir = db_dir(pj->db);
	bp.k = k;
	bp.texts = qtext;
	bp.pos_off = pos_off;
	bp.pos_pid = pos_pid;
	bp.order = order;
	bp.norder = norder;
	bp.pids = pid_all;
	bp.npids = np_all;
	progress_start(&pr, "mine", "queries", norder);
	rc = bm25_search(&bp, bm25_query, &b, &bst, err);
	progress_finish(&pr);
	if (rc == NS_OK && o->report)
		minejob_bm25_report(o->report, &bst, norder, qtext, order);
	rc = target_close(&tg, pj, o, rc, hi - lo, sum, err);
	*run_out = tg.st.run_id;
out:
	free(params);
	free(order);
	free(b.c);
	free(b.pvalid);
	free(b.phash);
	free(pos_off);
	free(pos_pid);
	free(qhash);
	free(pid_all);
	free(phash_all);
	if (qids)
		db_mine_queries_free(qids, qtext, nq);
	return rc;
}

/* --- refilter ----------------------------------------------------------- */

struct refilter {
	struct db *db;
	int64_t run_id;
	const struct filter_params *fp;
	const struct db_mine_labels *lab;
	struct summary *sum;
};

static enum ns_rc
refilter_query(void *arg, int64_t query_id, struct filter_cand *c, size_t n,
	       const double *pos_score, size_t npos, struct ns_err *err)
{
	struct refilter *r = arg;
	enum ns_rc rc;

	rc = mine_filter_query(r->db, r->lab, r->fp, query_id, pos_score,
			       npos, c, n, r->sum, err);
	for (size_t i = 0; i < n && rc == NS_OK; i++)
		rc = db_mine_update(r->db, r->run_id, query_id, &c[i], err);
	return rc;
}

/*
 * Publish run @run again with @fp and people's decisions as they are now,
 * accounted in @sum, in the caller's transaction (`mine --refilter` and
 * `merge`): a pooled run from its pool; one mined before pools has all
 * its candidates in the table.
 */
static enum ns_rc
refilter_publish(struct db *db, int64_t run, const struct filter_params *fp,
		 struct summary *sum, struct ns_err *err)
{
	struct db_mine_labels lab;
	struct refilter r = { db, run, fp, &lab, sum };
	enum ns_rc rc;

	int64_t upto;

	memset(&lab, 0, sizeof(lab));
	if ((rc = db_mine_labels(db, &lab, err)) == NS_OK)
		rc = db_mine_pool_count(db, run) > 0 ?
		     mine_publish(db, run, fp, &lab, sum, err) :
		     db_mine_each(db, run, refilter_query, &r, err);
	db_mine_labels_free(&lab);
	/* the queries it leaves alone, which export would otherwise
	 * count as having too few negatives */
	if (rc == NS_OK)
		rc = db_mine_not_in_run(db, run, &upto, &sum->not_in_run,
					&sum->no_text, err);
	return rc;
}

/*
 * The filters a refilter of run @run (params JSON @params) applies: the
 * options given on the command line, and for the others the run's stored
 * settings, so that refiltering to apply new decisions does not change
 * the run's settings back to the defaults.
 */
static enum ns_rc
refilter_params(const struct minejob_settings *o, int64_t run,
		const char *params, struct filter_params *fp,
		struct ns_err *err)
{
	struct minejob_settings eff = *o, stored = *o;
	char what[64];
	enum ns_rc rc;

	*fp = o->fp;
	if (!o->given)
		return NS_OK;
	snprintf(what, sizeof(what), "run %lld's parameters", (long long)run);
	if ((rc = minejob_params_parse(params, what, &stored.fp, err)))
		return rc;
	opt_default_from(minejob_opts, o->given, &eff, &stored);
	*fp = eff.fp;
	/* `mine` checked what was given against the config; check the mix */
	if (fp->range_max > 0 && fp->range_min >= fp->range_max)
		return err_set(err, NS_EUSAGE, "--range-min %d must be below "
			       "--range-max %d (run %lld keeps the one not "
			       "given)", fp->range_min, fp->range_max,
			       (long long)run);
	if (!isnan(fp->min_score) && !isnan(fp->max_score) &&
	    fp->min_score > fp->max_score)
		return err_set(err, NS_EUSAGE, "--min-score %g is above "
			       "--max-score %g (run %lld keeps the one not "
			       "given): nothing could be kept", fp->min_score,
			       fp->max_score, (long long)run);
	return NS_OK;
}

enum ns_rc
minejob_refilter(struct project *pj, const struct minejob_settings *o,
		 struct summary *sum, int64_t *run_out, struct ns_err *err)
{
	struct minejob_settings eff = *o;
	char *method = NULL, *params = NULL, *np = NULL;
	int64_t run = o->run;
	json_t *old, *upd;
	json_error_t je;
	enum ns_rc rc;

	if (run <= 0 && (run = db_mine_run_last(pj->db)) <= 0)
		return err_set(err, NS_ENOTFOUND, "%s: no mining run to refilter",
			       pj->dir);
	if ((rc = db_mine_run_get(pj->db, run, &method, &params, err)))
		return rc;
	/* as for a new bm25 mine (cmd_mine.c): it would flag nothing */
	if (!strcmp(method, "bm25") && o->given &&
	    opt_from(minejob_opts, o->given, "near-duplicate") ==
		    OPT_FROM_ARGV) {
		rc = err_set(err, NS_EUSAGE, "--near-duplicate: run %lld was "
			     "mined with bm25, which has no vectors to compare "
			     "(it applies to dense runs)", (long long)run);
		goto out;
	}
	if ((rc = refilter_params(o, run, params, &eff.fp, err)))
		goto out;
	if (o->applied)
		*o->applied = eff.fp;
	sum->bm25 = !strcmp(method, "bm25");
	/* keep what describes the search, replace the filter settings */
	old = json_loads(params, 0, &je);
	/* the pool holds what the search found: no deeper */
	if (old && json_is_integer(json_object_get(old, "range_max"))) {
		json_int_t was = json_integer_value(json_object_get(old,
								    "range_max"));
		int want = eff.fp.range_max > 0 ? eff.fp.range_max : 100;

		if (want > (was > 0 ? was : 100)) {
			json_decref(old);
			rc = err_set(err, NS_EUSAGE, "--range-max %d: run "
				     "%lld was searched to --range-max %lld; "
				     "mine again to go deeper", want,
				     (long long)run,
				     (long long)(was > 0 ? was : 100));
			goto out;
		}
	}
	np = minejob_json(&eff, method, "", "", 0, 0, NAN, 0, 0);
	upd = json_loads(np, 0, &je);
	free(np);
	if (!old)
		old = json_object();
	json_object_del(upd, "method");
	json_object_del(upd, "index");
	json_object_del(upd, "factory");
	json_object_del(upd, "model");
	json_object_del(upd, "nprobe");
	json_object_del(upd, "ef_search");
	json_object_del(upd, "recall");
	json_object_del(upd, "query_vectors");
	json_object_del(upd, "passage_vectors");
	json_object_del(upd, "precision");
	json_object_update(old, upd);
	np = json_dumps(old, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(old);
	json_decref(upd);
	/* publishing rewrites the run under the write lock: with SQLite's
	 * default 2 MB cache it read the same pages back from the kernel
	 * (11 s against 7 s for 50k queries) */
	if ((rc = db_mine_writer(pj->db, err)) == NS_OK &&
	    (rc = db_begin(pj->db, err)) == NS_OK) {
		if ((rc = refilter_publish(pj->db, run, &eff.fp, sum, err)) ==
			    NS_OK &&
		    (rc = db_mine_run_set_params(pj->db, run, np, err)) ==
			    NS_OK &&
		    (rc = db_mine_run_pooled(pj->db, run, err)) == NS_OK)
			rc = db_commit(pj->db, err);
		else
			db_rollback(pj->db);
	}
	*run_out = run;
out:
	free(np);
	free(params);
	free(method);
	return rc;
}

/* --- merge -------------------------------------------------------------- */

struct merge {
	struct summary *sum;
	struct filter_params *fp;
};

/* shard_publish_fn: the run the shards' settings describe, published as
 * a refilter publishes, with the decisions of now */
static enum ns_rc
merge_publish(void *arg, struct db *db, int64_t run_id, const char *method,
	      const char *params, struct ns_err *err)
{
	struct merge *m = arg;
	enum ns_rc rc;

	/* the defaults of a fresh mine for what the shards do not say */
	filter_params_default(m->fp);
	if ((rc = minejob_params_parse(params, "the shards' parameters",
				       m->fp, err)))
		return rc;
	m->sum->bm25 = !strcmp(method, "bm25");
	return refilter_publish(db, run_id, m->fp, m->sum, err);
}

enum ns_rc
minejob_merge(struct project *pj, char *const *paths, int n,
	      struct summary *sum, struct filter_params *fp, int64_t *run_id,
	      int64_t *cands, int64_t *queries, struct ns_err *err)
{
	struct merge m = { sum, fp };
	char *id = project_id(pj);
	enum ns_rc rc;

	*run_id = 0;
	/* the cache a mine's publishing has (db_mine_writer()) */
	if ((rc = db_mine_writer(pj->db, err)) == NS_OK)
		rc = shard_merge(pj->db, id ? id : "", paths, n, merge_publish,
				 &m, run_id, cands, queries, err);
	free(id);
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
	if (s->method == MINEJOB_BM25) {
		sum->bm25 = true;
		return minejob_bm25(pj, s, sum, run_id, err);
	}
	return minejob_dense(pj, s, sum, run_id, err);
}
