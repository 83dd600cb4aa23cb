/*
 * mine.c - the dense mining core (see mine.h).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "db/mining.h"
#include "src/mine.h"
#include "src/util.h"
#include "src/vecstore.h"

int64_t
mine_find_row(const int64_t *ids, int64_t n, int64_t id)
{
	int64_t lo = ns_lower_bound_i64(ids, 0, n, id);

	return lo < n && ids[lo] == id ? lo : -1;
}

bool
mine_id_in(const int64_t *ids, int64_t n, int64_t id)
{
	return mine_find_row(ids, n, id) >= 0;
}

/* What mine_in_skip() copies. */
struct mine_in_owned {
	float *qv;
	int64_t *qids, *pos_off, *pos_pid;
	uint64_t *qhash;
};

void
mine_in_skip(const struct mine_in *in, const int64_t *done, int64_t ndone,
	     struct mine_in *out, void **owned)
{
	struct mine_in_owned *o = xcalloc(1, sizeof(*o));
	int64_t m = 0, np = 0;

	*out = *in;
	for (int64_t i = 0; i < in->nq; i++)
		if (!mine_id_in(done, ndone, in->qids[i]))
			np += in->pos_off[i + 1] - in->pos_off[i];
	o->qv = xmalloc(((size_t)in->nq + 1) * in->dim * sizeof(float));
	o->qids = xmalloc(((size_t)in->nq + 1) * sizeof(int64_t));
	o->pos_off = xmalloc(((size_t)in->nq + 1) * sizeof(int64_t));
	o->pos_pid = xmalloc(((size_t)np + 1) * sizeof(int64_t));
	o->qhash = in->qhash ? xmalloc(((size_t)in->nq + 1) *
				       sizeof(uint64_t)) : NULL;
	np = 0;
	for (int64_t i = 0; i < in->nq; i++) {
		if (mine_id_in(done, ndone, in->qids[i]))
			continue;
		memcpy(o->qv + (size_t)m * in->dim,
		       in->qv + (size_t)i * in->dim,
		       (size_t)in->dim * sizeof(float));
		o->qids[m] = in->qids[i];
		if (o->qhash)
			o->qhash[m] = in->qhash[i];
		o->pos_off[m] = np;
		for (int64_t j = in->pos_off[i]; j < in->pos_off[i + 1]; j++)
			o->pos_pid[np++] = in->pos_pid[j];
		m++;
	}
	o->pos_off[m] = np;
	out->nq = m;
	out->qv = o->qv;
	out->qids = o->qids;
	out->qhash = o->qhash;
	out->pos_off = o->pos_off;
	out->pos_pid = o->pos_pid;
	*owned = o;
}

void
mine_in_free(void *owned)
{
	struct mine_in_owned *o = owned;

	if (!o)
		return;
	free(o->qv);
	free(o->qids);
	free(o->pos_off);
	free(o->pos_pid);
	free(o->qhash);
	free(o);
}

struct mine_pub {
	struct db *db;
	int64_t run_id;
	const struct filter_params *fp;
	const struct db_mine_labels *lab;
	struct summary *sum;
	unsigned char *was;	/* reasons before filtering */
	size_t nwas;
	int64_t rewritten;	/* queries whose kept rows were replaced */
};

/* The label of (@qid, @pid) among @lab's items [@lo, @hi); *@pending:
 * it is one annotator's, not final (LABEL_TN then). */
static enum label
labels_find(const struct db_mine_labels *lab, int64_t lo, int64_t hi,
	    int64_t pid, bool *pending)
{
	int64_t i = ns_lower_bound_i64(lab->pid, lo, hi, pid);

	*pending = i < hi && lab->pid[i] == pid && lab->pending &&
		   lab->pending[i];
	return i < hi && lab->pid[i] == pid ? lab->label[i] : LABEL_NONE;
}

/* Candidates with the same text as one of query @qid's passages labelled
 * fn (its items [@lo, @hi) of @lab) get FILTER_SAME_TEXT in @decided. */
static enum ns_rc
labels_same_text(struct db *db, const struct db_mine_labels *lab, int64_t lo,
		 int64_t hi, const struct filter_cand *c, size_t n,
		 unsigned char *decided, struct ns_err *err)
{
	uint64_t *fh = xmalloc(((size_t)(hi - lo) + 1) * sizeof(*fh)), h;
	size_t nf = 0;
	enum ns_rc rc = NS_OK;

	for (int64_t i = lo; i < hi && rc == NS_OK; i++)
		if (lab->label[i] == LABEL_FN &&
		    (rc = db_mine_passage_hash(db, lab->pid[i], &h, err)) ==
			    NS_OK && h)
			fh[nf++] = h;
	for (size_t i = 0; i < n && rc == NS_OK && nf; i++) {
		/* (a true negative too: the text is a positive's now) */
		if ((decided[i] != FILTER_KEPT &&
		     !FILTER_DECIDED_AS_TN(decided[i])) || c[i].is_positive ||
		    c[i].same_text)
			continue;
		if ((rc = db_mine_passage_hash(db, c[i].passage_id, &h, err)))
			break;
		for (size_t j = 0; j < nf && h; j++)
			if (fh[j] == h) {
				decided[i] = FILTER_SAME_TEXT;
				break;
			}
	}
	free(fh);
	return rc;
}

enum ns_rc
mine_filter_query(struct db *db, const struct db_mine_labels *lab,
		  const struct filter_params *fp, int64_t qid,
		  const double *pos, size_t npos, struct filter_cand *c,
		  size_t n, struct summary *sum, struct ns_err *err)
{
	unsigned char *decided;
	double *ps, anchor;
	size_t nps = npos;
	int64_t lo, hi;
	bool dropped, fn = false, any = false;
	enum ns_rc rc = NS_OK;

	if (!lab || (lab->n == 0 && lab->ndropped == 0 &&
		     lab->ndropped_p == 0)) {
		anchor = filter_anchor_score(pos, npos, fp->anchor);
		filter_apply(fp, qid, anchor, c, n);
		summary_add_query(sum, pos, npos, anchor, c, n,
				  fp->num_negatives);
		return NS_OK;
	}
	lo = ns_lower_bound_i64(lab->qid, 0, lab->n, qid);
	hi = ns_lower_bound_i64(lab->qid, 0, lab->n, qid + 1);
	dropped = mine_id_in(lab->dropped, lab->ndropped, qid);
	decided = xcalloc(n + 1, 1);
	ps = xmalloc((npos + n + 1) * sizeof(*ps));
	memcpy(ps, pos, npos * sizeof(*ps));
	for (size_t i = 0; i < n && (dropped || lo < hi ||
				     lab->ndropped_p); i++) {
		bool pending = false;
		enum label l = dropped ? LABEL_DROP_QUERY :
				labels_find(lab, lo, hi, c[i].passage_id,
					    &pending);

		/* a passage dropped elsewhere, where this item has no
		 * label of its own (a later tn wins over the drop; a
		 * pending one, not final, does not) */
		if ((l == LABEL_NONE || pending) &&
		    mine_id_in(lab->dropped_p, lab->ndropped_p,
			       c[i].passage_id))
			l = LABEL_DROP_PASSAGE;
		if (c[i].is_positive || l == LABEL_NONE)
			continue;
		any = true;
		if (l == LABEL_TN) {
			decided[i] = pending ? FILTER_DECIDED_PENDING :
					       FILTER_DECIDED_TN;
		} else if (l == LABEL_DROP_QUERY) {
			decided[i] = FILTER_DROP_QUERY;
		} else if (l == LABEL_DROP_PASSAGE) {
			decided[i] = FILTER_DROP_PASSAGE;
		} else {
			decided[i] = FILTER_LABEL_FN;
			ps[nps++] = c[i].score;
		}
	}
	for (int64_t i = lo; i < hi && !dropped; i++)
		fn |= lab->label[i] == LABEL_FN;
	if (fn)
		rc = labels_same_text(db, lab, lo, hi, c, n, decided, err);
	if (rc == NS_OK) {
		anchor = filter_anchor_score(ps, nps, fp->anchor);
		filter_apply_decided(fp, qid, anchor, any || fn ? decided :
				     NULL, c, n);
		summary_add_query(sum, ps, nps, anchor, c, n,
				  fp->num_negatives);
	}
	free(decided);
	free(ps);
	return rc;
}

static enum ns_rc
mine_publish_query(void *arg, int64_t query_id, struct filter_cand *c,
		   size_t n, const int64_t *pos, const double *pos_score,
		   size_t npos, struct ns_err *err)
{
	struct mine_pub *p = arg;
	double *valid = xmalloc((npos + 1) * sizeof(*valid));
	size_t nvalid = 0;
	bool changed = false, rewritten = false;
	enum ns_rc rc = NS_OK;

	for (size_t i = 0; i < npos; i++)
		if (!isnan(pos_score[i]))
			valid[nvalid++] = pos_score[i];
	if (n > p->nwas) {
		p->nwas = n;
		p->was = xrealloc(p->was, n);
	}
	for (size_t i = 0; i < n; i++)
		p->was[i] = (unsigned char)(c[i].reason | c[i].near_dup << 7);
	rc = mine_filter_query(p->db, p->lab, p->fp, query_id, valid, nvalid,
			       c, n, p->sum, err);
	for (size_t i = 0; i < n; i++)
		changed |= p->was[i] != (unsigned char)(c[i].reason |
							 c[i].near_dup << 7);
	/* the pool records the reasons under the run's settings and
	 * people's decisions: rewrite a query's row when they changed (a
	 * refilter, a resumed run mined under other filters, new labels) */
	if (rc == NS_OK && changed)
		rc = db_mine_pool_store(p->db, p->run_id, query_id, c, n, pos,
					pos_score, npos, err);
	if (rc == NS_OK)
		rc = db_mine_kept_update(p->db, p->run_id, query_id, c, n, pos,
					 pos_score, npos, &rewritten, err);
	p->rewritten += rewritten;
	free(valid);
	return rc;
}

enum ns_rc
mine_publish(struct db *db, int64_t run_id, const struct filter_params *fp,
	     const struct db_mine_labels *lab, struct summary *sum,
	     struct ns_err *err)
{
	struct mine_pub p = { db, run_id, fp, lab, sum, NULL, 0, 0 };
	enum ns_rc rc;

	rc = db_mine_pool_each(db, run_id, mine_publish_query, &p, err);
	if (rc == NS_OK && p.rewritten)
		rc = db_mine_kept_changed(db, err);
	free(p.was);
	return rc;
}

float
mine_dot(const float *a, const float *b, int dim)
{
	float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	int i = 0;

	for (; i + 4 <= dim; i += 4) {
		s0 += a[i] * b[i];
		s1 += a[i + 1] * b[i + 1];
		s2 += a[i + 2] * b[i + 2];
		s3 += a[i + 3] * b[i + 3];
	}
	for (; i < dim; i++)
		s0 += a[i] * b[i];
	return (s0 + s1) + (s2 + s3);
}

/* ab, aa and bb in one pass (float sums: the similarity is only compared
 * with a threshold such as 0.98). */
static float
mine_cosine_generic(const float *a, const float *b, int dim)
{
	float ab = mine_dot(a, b, dim), aa = mine_dot(a, a, dim),
	      bb = mine_dot(b, b, dim);

	return aa > 0 && bb > 0 ? ab / sqrtf(aa * bb) : 0;
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512f"))) static float
mine_cosine_avx512(const float *a, const float *b, int dim)
{
	__m512 ab = _mm512_setzero_ps(), aa = _mm512_setzero_ps(),
	       bb = _mm512_setzero_ps();
	float sab, saa, sbb;
	int i = 0;

	for (; i + 16 <= dim; i += 16) {
		__m512 x = _mm512_loadu_ps(a + i), y = _mm512_loadu_ps(b + i);

		ab = _mm512_fmadd_ps(x, y, ab);
		aa = _mm512_fmadd_ps(x, x, aa);
		bb = _mm512_fmadd_ps(y, y, bb);
	}
	sab = _mm512_reduce_add_ps(ab);
	saa = _mm512_reduce_add_ps(aa);
	sbb = _mm512_reduce_add_ps(bb);
	for (; i < dim; i++) {
		sab += a[i] * b[i];
		saa += a[i] * a[i];
		sbb += b[i] * b[i];
	}
	return saa > 0 && sbb > 0 ? sab / sqrtf(saa * sbb) : 0;
}
#endif

float
mine_cosine(const float *a, const float *b, int dim)
{
#if defined(__x86_64__) && defined(__GNUC__)
	static int avx512 = -1;

	if (avx512 < 0) {
		__builtin_cpu_init();
		avx512 = __builtin_cpu_supports("avx512f") != 0;
	}
	if (avx512)
		return mine_cosine_avx512(a, b, dim);
#endif
	return mine_cosine_generic(a, b, dim);
}

bool
mine_precision_parse(const char *s, enum gemm_type *type)
{
	static const enum gemm_type t[] = { GEMM_F32, GEMM_BF16, GEMM_U8S8 };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (s && !strcmp(s, gemm_type_name(t[i]))) {
			*type = t[i];
			return true;
		}
	return false;
}

/* The bf16 screen pays when its product is this much faster than the
 * best f32 one: it screens deeper (2k + 32 instead of k/16 + 8 past k)
 * and rescores more.  On the Xeon of BENCHMARKS.md the probe read bf16
 * at 1.6-1.7 times avx512's f32 on a quiet host and the whole job took
 * 0.45-0.55 of the f32 job's time (less packing and memory traffic
 * besides the product); the AMD EPYC there ran the whole job in bf16 at
 * 1.25-1.42 times f32's speed.  Below this the f32 job is as fast or
 * faster and auto stays exact in f32. */
#define MINE_BF16_PAYS 1.25

enum ns_rc
mine_screen_precision(const char *engine, int requested,
		      enum gemm_type *type, double *speed, char *why,
		      size_t whysize, struct ns_err *err)
{
	struct gemm_probe pb;
	enum ns_rc rc;
	double f32;

	*speed = 1;

	if (requested != MINE_PRECISION_AUTO) {
		*type = (enum gemm_type)requested;
		if (why)
			snprintf(why, whysize, "as configured");
		return NS_OK;
	}
	*type = GEMM_F32;
	if (strcmp(engine, "auto")) {
		if (why)
			snprintf(why, whysize, "auto: f32 (the engine %s was "
				 "chosen)", engine);
		return NS_OK;
	}
	if ((rc = gemm_best(true, &pb, err)))
		return rc;
	f32 = pb.rate[pb.best];
	if (pb.bf16 > 0 && f32 > 0 && pb.bf16 >= MINE_BF16_PAYS * f32 &&
	    gemm_type_available(GEMM_ONEDNN, GEMM_BF16)) {
		*type = GEMM_BF16;
		*speed = pb.bf16 / f32;
		if (why)
			snprintf(why, whysize, "auto: bf16 (its product "
				 "%.1fx the best f32 one on this machine; the "
				 "top k is proved to be f32's)", pb.bf16 / f32);
	} else if (why) {
		if (pb.bf16 > 0 && f32 > 0)
			snprintf(why, whysize, "auto: f32 (the bf16 product "
				 "is %.2fx the best f32 one on this machine: "
				 "too little to pay for screening deeper)",
				 pb.bf16 / f32);
		else
			snprintf(why, whysize, "auto: f32 (%s)",
				 !gemm_type_available(GEMM_ONEDNN, GEMM_BF16)
					 ? "no bf16 product in this build"
					 : pb.source && !strcmp(pb.source,
								"NEGSIEVE_GEMM")
						   ? "NEGSIEVE_GEMM chose "
						     "the engine"
						   : "bf16 not measured");
	}
	return NS_OK;
}

enum ns_rc
mine_screen_init(struct mine_screen *sc, const char *engine,
		 enum gemm_type type, const float *pv, int64_t np, int dim,
		 int k, bool mapped, char *desc, size_t descsize,
		 struct ns_err *err)
{
	struct topk_opts o;
	struct gemm_probe pb;
	char why[400];
	double bytes = (double)np * dim * sizeof(float), mem = ns_memory();
	enum ns_rc rc;

	memset(sc, 0, sizeof(*sc));
	topk_opts_default(&o);
	o.type = type;
	if (!strcmp(engine, "faiss")) {
		if (type != GEMM_F32)
			return err_set(err, NS_EUSAGE, "--precision %s needs "
				       "--gemm onednn or auto, not faiss (f32 "
				       "only)", gemm_type_name(type));
		snprintf(desc, descsize, "exact search through faiss "
			 "(knn_inner_product, OpenBLAS)");
		sc->margin = mine_screen_margin(GEMM_F32, k);
		return NS_OK;
	}
	if (!strcmp(engine, "auto")) {
		if ((rc = gemm_best(true, &pb, err)))
			return rc;
		o.lib = pb.best;
		gemm_probe_describe(&pb, why, sizeof(why));
		/* reduced precision needs oneDNN whichever is faster in f32 */
		if (type != GEMM_F32 && gemm_lib_available(GEMM_ONEDNN))
			o.lib = GEMM_ONEDNN;
	} else if (!gemm_lib_parse(engine, &o.lib)) {
		return err_set(err, NS_ECONFIG, "mine.gemm: '%s' is not one "
			       "of %s", engine, MINE_ENGINES);
	} else if (type != GEMM_F32 && !gemm_type_available(o.lib, type) &&
		   gemm_type_available(GEMM_ONEDNN, type)) {
		return err_set(err, NS_EUSAGE, "--precision %s needs --gemm "
			       "onednn or auto, not %s (f32 only)",
			       gemm_type_name(type), engine);
	} else {
		snprintf(why, sizeof(why), "as configured");
	}
	o.stream = mapped && mem > 0 && bytes > 0.5 * mem;
	if ((rc = topk_new(pv, np, dim, &o, &sc->engine, err)))
		return rc;
	if (type != GEMM_F32) {
		/* on the screen's library (oneDNN): our own kernel would
		 * pack a copy of the corpus for a few queries */
		o.type = GEMM_F32;
		o.stream = false;	/* only a few queries: no chunk copies */
		if ((rc = topk_new(pv, np, dim, &o, &sc->recheck, err))) {
			mine_screen_fini(sc);
			return rc;
		}
	}
	sc->margin = mine_screen_margin(type, k);
	sc->stream = o.stream;
	snprintf(desc, descsize, "exact search on %s in %s%s (GEMM: %s)",
		 gemm_lib_name(topk_lib(sc->engine)), gemm_type_name(type),
		 type != GEMM_F32 ? ", rescored in f32" : "",
		 why);
	if (o.stream) {
		size_t len = strlen(desc);

		snprintf(desc + len, descsize - len, "; the corpus (%.1f GB) "
			 "is larger than half the memory: streamed",
			 bytes / 1e9);
	}
	return NS_OK;
}

void
mine_screen_fini(struct mine_screen *sc)
{
	topk_free(sc->engine);
	topk_free(sc->recheck);
	sc->engine = sc->recheck = NULL;
}

int64_t
mine_index_batch(int k)
{
	/* a float and a label per result, twice (the search overlaps the
	 * storing of the batch before), and a heap per thread */
	int64_t per = (int64_t)(k > 0 ? k : 1) * 12 * (2 + topk_threads());
	int64_t most = ((int64_t)256 << 20) / per;

	return most > 16384 ? 16384 : most < 1024 ? 1024 : most;
}

int64_t
mine_screen_batch(const struct mine_screen *sc, int64_t nq, int kd,
		  int dim)
{
	int64_t most;

	if (!sc || !sc->stream)
		return topk_batch_max(kd) < 4096 ? topk_batch_max(kd) : 4096;
	/* results: a float and a row per slot, twice (overlap), the
	 * engine's selection buffers (topk_sel_bytes()) and the rows read
	 * after the search, copied (mine_gather()) */
	most = ((int64_t)1 << 30) / ((int64_t)kd * (24 + 4 * dim) +
				     (int64_t)topk_sel_bytes(kd) + 400);
	most = most < 4096 ? 4096 : most;
	return nq < most ? (nq > 0 ? nq : 1) : most;
}

int
mine_screen_margin(enum gemm_type type, int k)
{
	switch (type) {
	case GEMM_F32:
		return 8 + k / 16;
	case GEMM_BF16:
		/* measured on bench/limit.sh's 10k x 100k x 384 vectors,
		 * k = 51 (scores packed: sd 0.018): the screen's top k + 8
		 * held the f32 top k for every query.  Its proved bound
		 * (topk_bound(), from the measured rounding errors: about
		 * 0.0045 for unit vectors, a quarter of a standard
		 * deviation of those scores) certified 96% of them at k +
		 * 33 and all at k + 48 (a bound of 2u |q||p| needed k +
		 * 128); scores of real embeddings are further apart at the
		 * top */
		return 32 + k / 2;
	case GEMM_U8S8:
		/* the int8 screen's bound is wider: on the same vectors it
		 * certified 91% of the queries at k + 48 (f32 searches the
		 * rest again) */
		return 16 + 2 * k;
	}
	return 8;
}

/* One batch's search, run on a thread of its own while the caller
 * filters and stores the previous batch. */
struct mine_search {
	const struct dense_index *ix;	/* NULL: exact over pv */
	struct topk *engine;		/* exact search engine, or NULL */
	const float *pv;
	int64_t np;
	int dim;
	const float *xq;
	int64_t nq;
	int k;
	float *dist;
	int64_t *lab;
	enum ns_rc rc;
	struct ns_err err;
	pthread_t th;
	bool running;
};

static void *
mine_search_main(void *arg)
{
	struct mine_search *s = arg;

	if (s->ix)
		s->rc = dense_search(s->ix, s->xq, s->nq, s->k, s->dist,
				     s->lab, &s->err);
	else if (s->engine)
		s->rc = topk_search(s->engine, s->xq, s->nq, s->k, s->dist,
				    s->lab, &s->err);
	else
		s->rc = dense_knn(s->xq, s->nq, s->pv, s->np, s->dim, s->k,
				  s->dist, s->lab, &s->err);
	return NULL;
}

/* Start the search of queries [q0, q0+nb) into @s (on a thread when
 * @overlap, else at once). */
static void
mine_search_start(struct mine_search *s, const struct mine_in *in,
		  const struct dense_index *ix, int k, int64_t q0, int64_t nb,
		  bool overlap)
{
	s->ix = ix;
	s->engine = in->screen ? in->screen->engine : NULL;
	s->pv = in->pv;
	s->np = in->np;
	s->dim = in->dim;
	s->xq = in->qv + (size_t)q0 * (size_t)in->dim;
	s->nq = nb;
	s->k = k;
	s->rc = NS_OK;
	err_clear(&s->err);
	s->running = overlap && pthread_create(&s->th, NULL, mine_search_main,
					       s) == 0;
	if (!s->running)
		mine_search_main(s);
}

static enum ns_rc
mine_search_wait(struct mine_search *s, struct ns_err *err)
{
	if (s->running)
		pthread_join(s->th, NULL);
	s->running = false;
	if (s->rc != NS_OK && err)
		*err = s->err;
	return s->rc;
}

struct mine_scored {
	float score;
	float dup;	/* the highest cosine with another positive (NAN:
			 * none), for the best k only */
	int64_t row;
};

static int
mine_scored_cmp(const void *a, const void *b)
{
	const struct mine_scored *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

static int
mine_row_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * A streamed corpus: the rows a batch reads after its search (rescoring,
 * positives, duplicate tests), copied in file order, from the file
 * (vecstore_read()) or else the mapping.  Touching rows of a mapping at
 * random costs a page fault each, which maps the cached pages around it
 * (resident memory) and takes ~75 us on this project's virtual machine,
 * against ~12 us for a read.
 */
struct mine_rows {
	int64_t *row;		/* ascending, distinct */
	int64_t n;
	float *v;		/* their vectors, n * dim */
};

#define MINE_GATHER_STEP 256	/* rows copied between releases */

/* The rows of batch @q0.. (@nb queries, @kd screened rows @lab each, and
 * their positives) into @g: nothing when the corpus is not streamed. */
static enum ns_rc
mine_gather(const struct mine_in *in, int64_t q0, int64_t nb, int kd,
	    const int64_t *lab, struct mine_rows *g, struct ns_err *err)
{
	const struct topk *t;
	int64_t n = 0, m = 0, *r;
	const size_t d = (size_t)in->dim;

	memset(g, 0, sizeof(*g));
	if (!in->screen || !in->screen->stream || !in->screen->engine)
		return NS_OK;
	t = in->screen->engine;
	r = xmalloc(((size_t)nb * kd + (size_t)(in->pos_off[q0 + nb] -
						 in->pos_off[q0]) + 1) *
		    sizeof(*r));
	for (int64_t i = 0; i < nb * kd; i++)
		if (lab[i] >= 0 && lab[i] < in->np)
			r[n++] = lab[i];
	for (int64_t j = in->pos_off[q0]; j < in->pos_off[q0 + nb]; j++) {
		int64_t row = mine_find_row(in->pids, in->np, in->pos_pid[j]);

		if (row >= 0)
			r[n++] = row;
	}
	qsort(r, (size_t)n, sizeof(*r), mine_row_cmp);
	for (int64_t i = 0; i < n; i++)
		if (!m || r[i] != r[m - 1])
			r[m++] = r[i];
	/* the reads queued together, then copied as they come: from the
	 * file, else from the mapping, releasing what was passed */
	topk_rows_advise(t, r, m);
	g->row = r;
	g->n = m;
	g->v = xmalloc(((size_t)m + 1) * d * sizeof(float));
	if (in->pset)
		return vecstore_read(in->pset, r, m, g->v, err);
	for (int64_t i = 0; i < m; i++) {
		memcpy(g->v + (size_t)i * d, in->pv + (size_t)r[i] * d,
		       d * sizeof(float));
		if (i % MINE_GATHER_STEP == MINE_GATHER_STEP - 1)
			topk_release(t, r[i - MINE_GATHER_STEP + 1], r[i]);
	}
	topk_release(t, 0, in->np);
	return NS_OK;
}

static void
mine_rows_free(struct mine_rows *g)
{
	free(g->row);
	free(g->v);
	memset(g, 0, sizeof(*g));
}

/* Passage row @row's vector: the copy in @g if it has one (NULL: none),
 * else the corpus. */
static inline const float *
mine_vec(const struct mine_in *in, const struct mine_rows *g, int64_t row)
{
	if (g && g->n) {
		int64_t lo = 0, hi = g->n;

		while (lo < hi) {
			int64_t mid = lo + (hi - lo) / 2;

			if (g->row[mid] < row)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < g->n && g->row[lo] == row)
			return g->v + (size_t)lo * (size_t)in->dim;
	}
	return in->pv + (size_t)row * (size_t)in->dim;
}

/* A streamed corpus read at random without a copy (the few queries
 * searched again): every MINE_TRIM queries, release what they mapped. */
#define MINE_TRIM 64

static void
mine_trim(const struct mine_in *in, int64_t i)
{
	if (i % MINE_TRIM == MINE_TRIM - 1 && in->screen && in->screen->stream)
		topk_release(in->screen->engine, 0, in->np);
}

/*
 * Rescore the @kd screened rows @lab (screening scores @dist, best first)
 * of query @qi exactly (rows copied in @g read there), best first, into
 * @out[kd] (missing rows last with row -1), with the near-duplicate
 * similarity of the best @k to the query's positives (computed here, while
 * their rows are in cache).  Returns whether the best @k are proved to be
 * the exact top-k of all @np passages (see struct mine_screen), given the
 * screen's error bound @bound.
 */
static bool
mine_rescore(const struct mine_in *in, const struct mine_rows *g,
	     int64_t qi, const float *dist, const int64_t *lab, int kd,
	     int k, double bound, struct mine_scored *out)
{
	const float *qv = in->qv + (size_t)qi * (size_t)in->dim;
	const int64_t *pos = in->pos_pid + in->pos_off[qi];
	size_t npos = (size_t)(in->pos_off[qi + 1] - in->pos_off[qi]);
	const size_t rb = (size_t)in->dim * sizeof(float);
	int n = 0, nrows = 0;
	float lowest = INFINITY, below = INFINITY;
	bool skip = false;

	for (int r = 0; r < 3 && r < kd; r++)
		if (lab[r] >= 0 && lab[r] < in->np)
			for (size_t o = 0; o < rb; o += 64)
				__builtin_prefetch((const char *)mine_vec(in, g,
								  lab[r]) + o);

	for (int r = 0; r < kd; r++) {
		int64_t row = lab[r];

		if (row < 0 || row >= in->np)
			continue;
		nrows++;
		/* past the first k, a row whose screening score is more than
		 * the bound below the lowest exact score so far (and its
		 * float below: the exact score is rounded) cannot enter the
		 * best k, nor can the rows after it, screened lower */
		if (n >= k && (skip || (double)dist[r] + bound < below))
			skip = true;
		if (skip)
			continue;
		/* rows at random addresses: fetch the one three ahead while
		 * this one is scored */
		if (r + 3 < kd && lab[r + 3] >= 0 && lab[r + 3] < in->np) {
			const char *nx = (const char *)mine_vec(in, g,
								lab[r + 3]);

			for (size_t o = 0; o < rb; o += 64)
				__builtin_prefetch(nx + o);
		}
		out[n].row = row;
		out[n].score = topk_dot(qv, mine_vec(in, g, row), in->dim);
		if (n < k && out[n].score < lowest)
			lowest = out[n].score;
		n++;
		if (n == k)
			below = nextafterf(lowest, -INFINITY);
	}
	/* best first: the exact scores come in the screen's order but for
	 * near-ties, so an insertion sort moves few */
	for (int r = 1; r < n; r++) {
		struct mine_scored x = out[r];
		int j = r;

		while (j > 0 && mine_scored_cmp(&x, &out[j - 1]) < 0) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = x;
	}
	for (int r = n; r < kd; r++) {
		out[r].row = -1;
		out[r].score = -INFINITY;
		out[r].dup = NAN;
	}
	/* each positive (its vector read in @g too) against the best k */
	for (int r = 0; r < n; r++)
		out[r].dup = NAN;
	for (size_t j = 0; j < npos; j++) {
		int64_t pr = mine_find_row(in->pids, in->np, pos[j]);

		for (int r = 0; r < n && r < k && pr >= 0; r++) {
			float cs;

			if (pr == out[r].row)
				continue;
			cs = mine_cosine(mine_vec(in, g, out[r].row),
					 mine_vec(in, g, pr), in->dim);
			if (isnan(out[r].dup) || cs > out[r].dup)
				out[r].dup = cs;
		}
	}
	/* every passage was screened, or too few to fill k */
	if (nrows < kd || nrows <= k || (int64_t)kd >= in->np)
		return true;
	return (double)out[k - 1].score >= (double)dist[kd - 1] + bound;
}

/*
 * The exact top-kd of the @nb queries of a batch (query rows q0..) from
 * the screen's results (rows copied in @g), into @rs[nb * kd]: rescored,
 * certified, and the
 * uncertified searched again in f32 at four times the depth.
 */
static enum ns_rc
mine_exact_batch(const struct mine_in *in, const struct mine_rows *g,
		 int64_t q0, int64_t nb, int kd, int k, const float *dist,
		 const int64_t *lab, struct mine_scored *rs, bool par,
		 struct ns_err *err)
{
	struct mine_screen *sc = in->screen;
	struct topk *re = sc->recheck ? sc->recheck : sc->engine;
	int64_t *redo = NULL, nredo = 0;
	bool *proved = xmalloc((size_t)(nb > 0 ? nb : 1) * sizeof(*proved));
	enum ns_rc rc = NS_OK;

#pragma omp parallel for schedule(static, 64) if (par)
	for (int64_t i = 0; i < nb; i++) {
		const float *qv = in->qv + (size_t)(q0 + i) * in->dim;

		proved[i] = mine_rescore(in, g, q0 + i, dist + i * kd,
					 lab + i * kd, kd, k,
					 topk_bound(sc->engine, qv),
					 rs + i * kd);
	}
	for (int64_t i = 0; i < nb; i++) {
		if (proved[i]) {
			sc->certified++;
		} else {
			if (!redo)
				redo = xmalloc((size_t)nb * sizeof(*redo));
			redo[nredo++] = i;
		}
	}
	free(proved);
	if (nredo && re && topk_type(re) == GEMM_F32) {
		int64_t kd2 = (int64_t)kd * 4 < in->np ? (int64_t)kd * 4 :
							   in->np;
		float *xq = xmalloc((size_t)nredo * in->dim * sizeof(float));
		float *d2 = xmalloc((size_t)nredo * kd2 * sizeof(float));
		int64_t *l2 = xmalloc((size_t)nredo * kd2 * sizeof(int64_t));
		struct mine_scored *o2 = xmalloc((size_t)kd2 * sizeof(*o2));

		for (int64_t j = 0; j < nredo; j++)
			memcpy(xq + (size_t)j * in->dim,
			       in->qv + (size_t)(q0 + redo[j]) * in->dim,
			       (size_t)in->dim * sizeof(float));
		rc = topk_search(re, xq, nredo, (int)kd2, d2, l2, err);
		for (int64_t j = 0; j < nredo && rc == NS_OK; j++) {
			const float *qv = xq + (size_t)j * in->dim;

			sc->rechecked++;
			if (!mine_rescore(in, g, q0 + redo[j], d2 + j * kd2,
					  l2 + j * kd2, (int)kd2, k,
					  topk_bound(re, qv), o2))
				sc->uncertain++;
			memcpy(rs + redo[j] * kd, o2, (size_t)kd * sizeof(*o2));
			mine_trim(in, j);
		}
		free(xq);
		free(d2);
		free(l2);
		free(o2);
	} else {
		sc->uncertain += nredo;
	}
	free(redo);
	return rc;
}

/*
 * The size of the next batch of at most @batch queries when @left are left:
 * searched on a thread of their own (@overlap), the last batch is made
 * small (3/16), as what follows its search (filtering and storing it,
 * publishing the run) runs alone on one thread, while the batch before it
 * is stored and published during its search; the one before the last
 * takes what remains (at least 256 queries).  On the 10k-query benchmark
 * (BENCHMARKS.md) 4096, 4096, 1040, 768 left 0.1 s alone at the end where
 * 4096, 4096, 1808 left 0.15 s (a quarter, 1024, was no better).
 */
static int64_t
mine_batch_size(int64_t left, int64_t batch, bool overlap)
{
	int64_t last = batch * 3 / 16 > 256 ? batch * 3 / 16 : 256;

	if (!overlap || left <= last || batch <= last)
		return left < batch ? left : batch;
	if (left <= batch + last)
		return left >= last + 256 ? left - last : left;
	return batch;
}

enum ns_rc
mine_dense(const struct mine_in *in, const struct dense_index *ix, int k,
	   int64_t batch, const struct filter_params *fp, struct summary *sum,
	   mine_sink_fn sink, void *arg, struct progress *pr,
	   struct ns_err *err)
{
	return mine_dense_ex(in, ix, k, batch, true, fp, sum, sink, arg, pr,
			     err);
}

enum ns_rc
mine_dense_ex(const struct mine_in *in, const struct dense_index *ix, int k,
	      int64_t batch, bool overlap, const struct filter_params *fp,
	      struct summary *sum, mine_sink_fn sink, void *arg,
	      struct progress *pr, struct ns_err *err)
{
	/* screened depth: k plus a margin rescored exactly (not for an
	 * index, whose search is approximate anyway) */
	const bool exact = !ix && in->screen && in->screen->engine;
	int kd = k + (!ix && in->screen ? in->screen->margin : 0);
	size_t m;
	struct mine_search srch[2];
	struct mine_scored *rs;
	struct filter_cand *c = xmalloc((size_t)k * sizeof(*c));
	size_t posmax = 16;
	int64_t *prow = xmalloc(posmax * sizeof(*prow));
	double *pscore = xmalloc(posmax * sizeof(*pscore));
	double *pvalid = xmalloc(posmax * sizeof(*pvalid));
	enum ns_rc rc = NS_OK;
	const int d = in->dim;
	int cur = 0;
	struct mine_rows g;

	if ((int64_t)kd > in->np && in->np >= k)
		kd = (int)in->np;
	m = (size_t)batch * (size_t)kd;
	rs = xmalloc(m * sizeof(*rs));
	memset(srch, 0, sizeof(srch));
	for (int i = 0; i < 2; i++) {
		srch[i].dist = xmalloc(m * sizeof(float));
		srch[i].lab = xmalloc(m * sizeof(int64_t));
	}
	if (in->nq > 0)
		mine_search_start(&srch[0], in, ix, kd, 0,
				  mine_batch_size(in->nq, batch, overlap),
				  overlap);
	for (int64_t q0 = 0, nb; q0 < in->nq && rc == NS_OK; q0 += nb) {
		int64_t n2 = 0;
		bool par;
		const float *dist;
		const int64_t *lab;

		nb = mine_batch_size(in->nq - q0, batch, overlap);

		if ((rc = mine_search_wait(&srch[cur], err)))
			break;
		dist = srch[cur].dist;
		lab = srch[cur].lab;
		/* search the next batch while this one is filtered/stored */
		if (q0 + nb < in->nq) {
			n2 = mine_batch_size(in->nq - q0 - nb, batch, overlap);
			mine_search_start(&srch[1 - cur], in, ix, kd, q0 + nb,
					  n2, overlap);
		}
		/* a streamed corpus: the rows read from here on, copied */
		if ((rc = mine_gather(in, q0, nb, kd, lab, &g, err))) {
			mine_rows_free(&g);
			break;
		}
		/* every score the run stores comes from topk_dot(), on all
		 * threads when no search runs beside (the last batch) */
		par = !srch[1 - cur].running;
		if (exact) {
			if ((rc = mine_exact_batch(in, &g, q0, nb, kd, k, dist,
						   lab, rs, par, err))) {
				mine_rows_free(&g);
				break;
			}
		} else {
#pragma omp parallel for schedule(static, 64) if (par)
			for (int64_t i = 0; i < nb; i++)
				mine_rescore(in, &g, q0 + i, dist + i * kd,
					     lab + i * kd, kd, k, 0, rs + i * kd);
		}
		for (int64_t qi = q0; qi < q0 + nb && rc == NS_OK; qi++) {
			const float *qv = in->qv + (size_t)qi * (size_t)d;
			const int64_t *pos = in->pos_pid + in->pos_off[qi];
			const struct mine_scored *best = rs + (qi - q0) * kd;
			size_t npos = (size_t)(in->pos_off[qi + 1] -
					       in->pos_off[qi]);
			size_t nvalid = 0, n = 0;

			if (npos > posmax) {
				posmax = npos;
				prow = xrealloc(prow, posmax * sizeof(*prow));
				pscore = xrealloc(pscore,
						  posmax * sizeof(*pscore));
				pvalid = xrealloc(pvalid,
						  posmax * sizeof(*pvalid));
			}
			for (size_t j = 0; j < npos; j++) {
				prow[j] = mine_find_row(in->pids, in->np,
							pos[j]);
				/* the same routine as the candidates' scores */
				pscore[j] = prow[j] < 0 ? NAN :
					topk_dot(qv, mine_vec(in, &g, prow[j]),
						 d);
				if (prow[j] >= 0)
					pvalid[nvalid++] = pscore[j];
			}
			for (int r = 0; r < k; r++) {
				int64_t row = best[r].row;
				struct filter_cand *x = &c[n];
				uint64_t h;

				if (row < 0 || row >= in->np)
					continue;
				x->passage_id = in->pids[row];
				x->rank = (int)n + 1;
				x->score = best[r].score;
				x->is_positive = false;
				x->same_text = false;
				h = in->phash ? in->phash[row] : 0;
				if (h && in->qhash && h == in->qhash[qi])
					x->same_text = true;
				/* computed by mine_rescore() */
				x->dup_sim = best[r].dup;
				for (size_t j = 0; j < npos; j++) {
					if (pos[j] == x->passage_id)
						x->is_positive = true;
					if (prow[j] < 0 || prow[j] == row)
						continue;
					if (h && in->phash[prow[j]] == h)
						x->same_text = true;
				}
				n++;
			}
			rc = mine_filter_query(in->db, in->labels, fp,
					       in->qids[qi], pvalid, nvalid,
					       c, n, sum, err);
			if (rc == NS_OK)
				rc = sink(arg, in->qids[qi], c, n, pos, pscore,
					  npos, err);
			if (pr)
				progress_update(pr, qi + 1);
		}
		mine_rows_free(&g);
		/* the batch went to the sink while the next one is
		 * searched (the last, when q0 + nb + n2 == nq) */
		if (rc == NS_OK && n2 && in->batch_done)
			rc = in->batch_done(arg, q0 + nb + n2 == in->nq, err);
		cur = 1 - cur;
	}
	for (int i = 0; i < 2; i++) {
		mine_search_wait(&srch[i], NULL);
		free(srch[i].dist);
		free(srch[i].lab);
	}
	free(rs);
	free(c);
	free(prow);
	free(pscore);
	free(pvalid);
	return rc;
}
