/*
 * cascadejob.c - `negsieve cascade` and `negsieve fit` (see cascadejob.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "db/cascade.h"
#include "db/queue.h"
#include "src/cascadejob.h"
#include "src/progress.h"
#include "src/scorer.h"
#include "src/util.h"

/*
 * Phase times for benchmarks: with NEGSIEVE_CASCADE_BENCH naming a file,
 * cascade and fit append a line "phase NAME wall SECONDS cpu SECONDS peak
 * MB" for each phase: the time since the previous one (or since
 * cascadejob_clock_start()), and the peak resident memory so far.
 */
static struct {
	FILE *fp;
	double wall, cpu;
} cascadejob_clock;

static void
cascadejob_clock_now(double *wall, double *cpu, long *peak_kb)
{
	struct rusage ru;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	getrusage(RUSAGE_SELF, &ru);
	*wall = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	*cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	*peak_kb = ru.ru_maxrss;
}

static void
cascadejob_clock_start(void)
{
	const char *path = getenv("NEGSIEVE_CASCADE_BENCH");
	long peak;

	if (!cascadejob_clock.fp && path && *path)
		cascadejob_clock.fp = fopen(path, "a");
	if (cascadejob_clock.fp)
		cascadejob_clock_now(&cascadejob_clock.wall,
				     &cascadejob_clock.cpu, &peak);
}

static void
cascadejob_phase(const char *what)
{
	double wall, cpu;
	long peak;

	if (!cascadejob_clock.fp)
		return;
	cascadejob_clock_now(&wall, &cpu, &peak);
	fprintf(cascadejob_clock.fp, "phase %s wall %.3f cpu %.3f peak %ld "
		"MB\n", what, wall - cascadejob_clock.wall,
		cpu - cascadejob_clock.cpu, peak / 1024);
	fflush(cascadejob_clock.fp);
	cascadejob_clock.wall = wall;
	cascadejob_clock.cpu = cpu;
}

enum ns_rc
cascadejob_current(struct project *pj, const struct cascade *c,
		   struct cascade_thr *t, struct cascade_pfn *m,
		   int64_t *fit_id, struct ns_err *err)
{
	struct cascade_db_fit f;
	char *stages = cascade_stages_json(c);
	enum ns_rc rc;

	cascade_thr_initial(c, t);
	memset(m, 0, sizeof(*m));
	m->base_rate = 0.5;
	*fit_id = 0;
	if ((rc = cascade_db_fit_latest(pj->db, &f, err)) != NS_OK) {
		free(stages);
		return rc;
	}
	/* a fit made for other stages (or settings) is not this cascade's */
	if (f.id && f.stages && !strcmp(f.stages, stages)) {
		cascade_thr_parse(c, f.thresholds, t);
		if (f.model)
			cascade_pfn_parse(c, f.model, m);
		*fit_id = f.id;
	}
	cascade_db_fit_fini(&f);
	free(stages);
	return NS_OK;
}

/* --- external stages ----------------------------------------------------- */

/* Key @c's command and judge stages (scorer_stage_key()): their stored
 * scores made from other settings or texts are then not taken, wherever
 * the items are loaded (cascade, fit, the estimate), and the cascade
 * scores those items again. */
static void
cascadejob_keys(const struct project *pj, struct cascade *c)
{
	for (int k = 0; k < c->n; k++)
		if (c->st[k].ext >= 0)
			c->st[k].keyed = scorer_stage_key(pj->cfg,
							  c->st[k].cfg_index,
							  &c->st[k].key);
}

/* Requests for @n items (all of query texts @qt) at stage @st into
 * @req, and the items' keys there into @key; the passages' strings are
 * kept in @keep (3 per item) for the caller to free. */
static enum ns_rc
cascadejob_requests(struct project *pj, const struct cascade_stage *st,
		    const struct cascade_item *const *it, size_t n,
		    const struct cascade_db_texts *qt, struct scorer_req *req,
		    uint64_t *key, char **keep, struct ns_err *err)
{
	for (size_t i = 0; i < n; i++) {
		char *title, *text, *xid;
		int64_t phash;
		enum ns_rc rc = cascade_db_passage(pj->db, it[i]->pid, &title,
						   &text, &xid, &phash, err);

		if (rc != NS_OK)
			return rc;
		key[i] = cascade_db_item_key(st, qt->key, it[i], phash);
		keep[3 * i] = title;
		keep[3 * i + 1] = text;
		keep[3 * i + 2] = xid;
		memset(&req[i], 0, sizeof(req[i]));
		req[i].query_id = it[i]->qid;
		req[i].passage_id = it[i]->pid;
		req[i].query_xid = qt->query_xid;
		req[i].passage_xid = xid;
		req[i].query = qt->query;
		req[i].pos = (const char *const *)qt->pos;
		req[i].pos_xid = (const char *const *)qt->pos_xid;
		req[i].npos = qt->npos;
		req[i].title = title;
		req[i].text = text;
		req[i].retriever_score = it[i]->f[0];
	}
	return NS_OK;
}

/* Items sent to an external scorer per call: enough to keep a judge's
 * requests in flight (scorer_run() parallelizes within a call). */
#define CASCADEJOB_BATCH 256

/* One call's worth of requests, from several queries. */
struct cascadejob_batch {
	struct cascade_item *it[CASCADEJOB_BATCH];
	struct scorer_req req[CASCADEJOB_BATCH];
	struct scorer_res out[CASCADEJOB_BATCH];
	uint64_t key[CASCADEJOB_BATCH];	/* the items' keys at the stage */
	char *keep[3 * CASCADEJOB_BATCH];	/* passages' strings */
	struct cascade_db_texts qt[CASCADEJOB_BATCH];	/* queries' */
	size_t n, nq;
};

static void
cascadejob_batch_clear(struct cascadejob_batch *b)
{
	for (size_t j = 0; j < 3 * b->n; j++) {
		free(b->keep[j]);
		b->keep[j] = NULL;
	}
	for (size_t j = 0; j < b->nq; j++)
		cascade_db_texts_fini(&b->qt[j]);
	scorer_res_fini(b->out, b->n);
	memset(b->out, 0, b->n * sizeof(*b->out));
	b->n = b->nq = 0;
}

/* Failed candidates a stage lists one line each; the others are
 * counted on its summary line. */
#define CASCADEJOB_LISTED 5

/* What a stage's batches share: whether it is down (and why), and the
 * failures listed so far and those not listed. */
struct cascadejob_stage_run {
	bool down;
	char why[NS_ERR_MSG_MAX];
	int64_t listed, unlisted;
};

/*
 * Score the batch and store its scores in one commit.  A scorer that
 * cannot run or went down (NS_EIO: a command that cannot start, or that
 * failed restarts + 1 times in a row; a judge endpoint that answered
 * nothing for a run of requests) is a stage down: @sr->down is set with
 * the reason (the stage says it once, at its end), the scores it made
 * before are stored, its other candidates (this batch's and the next
 * ones', which are not asked) get no score and wait, and the cascade goes
 * on to store its verdicts (cmd_cascade's exit status says a stage was
 * down).  The first CASCADEJOB_LISTED failed candidates of a stage are
 * listed with the reason, the others counted.
 */
static enum ns_rc
cascadejob_batch_run(struct project *pj, const struct cascade_stage *st,
		     struct scorer *sc, struct cascadejob_batch *b,
		     struct cascadejob_result *res, FILE *report,
		     struct cascadejob_stage_run *sr, struct ns_err *err)
{
	enum ns_rc rc = NS_OK;

	memset(b->out, 0, b->n * sizeof(*b->out));
	if (!sr->down)
		rc = scorer_run(sc, b->req, b->n, b->out, NULL, err);
	if (rc == NS_EIO) {
		snprintf(sr->why, sizeof(sr->why), "%s", err->msg);
		err_clear(err);
		sr->down = true;
		rc = NS_OK;
	}
	if (rc || (rc = db_begin(pj->db, err)))
		return rc;
	for (size_t j = 0; j < b->n && rc == NS_OK; j++) {
		if (!b->out[j].ok) {
			res->score_failed++;
			/* a stage down says why once; a candidate not
			 * asked has nothing to say */
			if (sr->down || !b->out[j].msg[0])
				continue;
			if (sr->listed < CASCADEJOB_LISTED) {
				sr->listed++;
				if (report)
					fprintf(report, "%s: %s\n", st->name,
						b->out[j].msg);
			} else {
				sr->unlisted++;
			}
			continue;
		}
		rc = cascade_db_score_put(pj->db, st->name, b->it[j]->qid,
					  b->it[j]->pid, b->out[j].score,
					  b->out[j].raw,
					  scorer_input_hash(sc, &b->req[j]),
					  b->key[j], err);
		b->it[j]->x[st->ext] = b->out[j].score;
		res->scored++;
	}
	if (rc == NS_OK)
		rc = db_commit(pj->db, err);
	else
		db_rollback(pj->db);
	return rc;
}

/*
 * Score at external stage @k the items that reach it without a score,
 * in batches of up to CASCADEJOB_BATCH items (whole queries), each
 * batch's scores stored in one commit: an interrupted run keeps what it
 * paid for.
 */
static enum ns_rc
cascadejob_score_stage(struct project *pj, const struct cascade *c, int k,
		       const struct cascade_thr *t, struct cascade_item *items,
		       size_t n, struct cascadejob_result *res, FILE *report,
		       struct ns_err *err)
{
	const struct cascade_stage *st = &c->st[k];
	struct cascadejob_batch *b = xcalloc(1, sizeof(*b));
	struct scorer *sc = NULL;
	struct progress pr;
	struct cascadejob_stage_run sr;
	size_t todo = 0, again = 0, done = 0, i = 0;
	int64_t scored0 = res->scored, failed0 = res->score_failed;
	enum ns_rc rc;

	memset(&sr, 0, sizeof(sr));

	for (size_t j = 0; j < n; j++) {
		int stage;
		bool pending;

		/* a hidden item is no candidate: no scorer is asked about
		 * it (its stored scores count, as it was scored when it was
		 * one) */
		if (items[j].hidden)
			continue;
		cascade_route(c, t, &items[j], &stage, &pending);
		todo += stage == k && pending;
		/* a stored score made from other inputs was not taken */
		again += stage == k && pending &&
			 (items[j].stale >> st->ext & 1);
	}
	if (todo == 0) {
		if (report)
			fprintf(report, "stage %s: nothing new to score\n",
				st->name);
		free(b);
		return NS_OK;
	}
	if ((rc = scorer_new(pj->cfg, st->cfg_index, pj->db, &sc, err))) {
		free(b);
		return rc;
	}
	progress_start(&pr, "cascade", "items", (int64_t)todo);
	/* a stage down asks nothing more: its other candidates wait */
	while (i < n && rc == NS_OK && !sr.down) {
		struct cascade_item *qit[CASCADEJOB_BATCH];
		size_t m = 0, q_end = i;
		int64_t qid = items[i].qid;

		while (q_end < n && items[q_end].qid == qid)
			q_end++;
		for (size_t j = i; j < q_end && m < CASCADEJOB_BATCH; j++) {
			int stage;
			bool pending;

			if (items[j].hidden)
				continue;
			cascade_route(c, t, &items[j], &stage, &pending);
			if (stage == k && pending)
				qit[m++] = &items[j];
		}
		i = q_end;
		if (m == 0)
			continue;
		/* a query that does not fit goes into the next batch */
		if (b->n + m > CASCADEJOB_BATCH) {
			rc = cascadejob_batch_run(pj, st, sc, b, res, report,
						  &sr, err);
			done += b->n;
			cascadejob_batch_clear(b);
			progress_update(&pr, (int64_t)done);
			if (rc != NS_OK || sr.down)
				break;
		}
		if ((rc = cascade_db_texts(pj->db, qid, &b->qt[b->nq], err)))
			break;
		for (size_t j = 0; j < m; j++)
			b->it[b->n + j] = qit[j];
		rc = cascadejob_requests(pj, st, (const struct cascade_item
						  *const *)&b->it[b->n], m,
					 &b->qt[b->nq], &b->req[b->n],
					 &b->key[b->n], &b->keep[3 * b->n],
					 err);
		b->nq++;
		b->n += m;
	}
	if (rc == NS_OK && b->n && !sr.down) {
		rc = cascadejob_batch_run(pj, st, sc, b, res, report, &sr,
					  err);
		done += b->n;
	}
	cascadejob_batch_clear(b);
	free(b);
	progress_finish(&pr);
	/* the candidates a stage down did not ask fail with it */
	if (rc == NS_OK && sr.down && done < todo)
		res->score_failed += (int64_t)(todo - done);
	if (sr.down)
		res->stages_down++;
	if (report) {
		char line[512];
		const char *log = scorer_log(sc);
		int64_t made = res->scored - scored0;

		/* held at the stage, as cmd_cascade's last line says:
		 * review is not offered them (only the audit slice) */
		if (sr.down && made == 0)
			fprintf(report, "stage %s cannot run: %s; its %lld "
				"candidates are held, not offered for review, "
				"until a later cascade scores them\n",
				st->name, sr.why, (long long)todo);
		else if (sr.down)
			fprintf(report, "stage %s: %s; %lld items wait\n",
				st->name, sr.why,
				(long long)((int64_t)todo - made));
		if (sr.unlisted)
			fprintf(report, "stage %s: %lld more failed candidates "
				"(the first %d are listed above)\n", st->name,
				(long long)sr.unlisted, CASCADEJOB_LISTED);

		/* candidates, not requests: a restarted command is sent
		 * the same ones again */
		fprintf(report, "stage %s: %lld to score", st->name,
			(long long)todo);
		if (again)
			fprintf(report, " (%lld again: their input changed)",
				(long long)again);
		fprintf(report, "; %lld scored, %lld failed; %s\n",
			(long long)(res->scored - scored0),
			(long long)(res->score_failed - failed0),
			scorer_stats_format(sc, line, sizeof(line)));
		/* what the command said on stderr, when something failed */
		if ((scorer_stats(sc)->failed || rc != NS_OK) && log && *log)
			fprintf(report, "stage %s, its log:\n%s%s", st->name,
				log, log[strlen(log) - 1] == '\n' ? "" : "\n");
	}
	scorer_free(sc);
	return rc;
}

/* --- verdicts ------------------------------------------------------------ */

/* Rows written per commit when a store is chunked. */
#define CASCADEJOB_CHUNK 2000

/* How cascadejob_store() writes. */
enum cascadejob_write {
	CASCADEJOB_ALL,		/* every verdict anew, in bulk */
	CASCADEJOB_DIFF,	/* only rows that differ from the stored ones */
	CASCADEJOB_VERDICTS,	/* changed verdicts and waiting items, in
				 * short commits (the review's refit) */
};

/* Item @it's row under verdict @v, its @stage, @pending, @pfn, @prio. */
static void
cascadejob_row(const struct cascade *c, const struct cascade_item *it,
	       enum cascade_verdict v, int stage, bool pending, double pfn,
	       double prio, struct cascade_db_auto *a)
{
	memset(a, 0, sizeof(*a));
	a->qid = it->qid;
	a->pid = it->pid;
	a->verdict = cascade_verdict_name(v);
	a->stage = v != CASCADE_REVIEW || pending ? c->st[stage].name : NULL;
	a->score = stage < c->n ? cascade_score(c, stage, it) : NAN;
	a->pfn = pfn;
	a->priority = prio;
	a->audit = it->audit;
}

/* A value as cascade_db_auto_put() stores it: NAN for NULL. */
static double
cascadejob_stored(double x)
{
	return isfinite(x) ? x : NAN;
}

static bool
cascadejob_same_real(double a, double b)
{
	return isnan(a) ? isnan(b) : a == b;
}

/* Whether new row @a of version @fit_id reads back as stored row @b of
 * version @bfit (both of the same item). */
static bool
cascadejob_same_row(const struct cascade_db_auto *a, int64_t fit_id,
		    const struct cascade_db_auto *b, int64_t bfit)
{
	return !strcmp(a->verdict, b->verdict) &&
	       (a->stage ? b->stage && !strcmp(a->stage, b->stage)
			 : !b->stage) &&
	       cascadejob_same_real(cascadejob_stored(a->score), b->score) &&
	       cascadejob_same_real(cascadejob_stored(a->pfn), b->pfn) &&
	       (isfinite(a->priority) ? a->priority : 0.0) == b->priority &&
	       a->audit == b->audit && (fit_id > 0 ? fit_id : 0) == bfit;
}

static int
cascadejob_cmp_key(int64_t q1, int64_t p1, int64_t q2, int64_t p2)
{
	if (q1 != q2)
		return q1 < q2 ? -1 : 1;
	return (p1 > p2) - (p1 < p2);
}

/* A stored verdict no item has any more. */
struct cascadejob_key {
	int64_t qid, pid;
};

/*
 * Compare the rows of the @n items (in key order, as loaded) with the
 * stored ones: @write[i] true where item i's row is new or differs
 * (*@nwrite of them); the keys of stored rows no item has into *@stale
 * (*@nstale; caller frees), unless @stale is NULL (one run's items: the
 * other rows are not stale).  Items out of key order (never, as loaded)
 * count as all to be written.
 */
static enum ns_rc
cascadejob_diff(struct project *pj, const struct cascade *c,
		const struct cascade_item *items, size_t n,
		const enum cascade_verdict *v, const int *stage,
		const bool *pending, const double *pfn, const double *prio,
		int64_t fit_id, bool *write, size_t *nwrite,
		struct cascadejob_key **stale, size_t *nstale,
		struct ns_err *err)
{
	struct cascade_db_scan *sc;
	struct cascade_db_auto a, b;
	size_t i = 0, cap = 0;
	int64_t bfit = 0;
	enum ns_rc rc;

	if (stale)
		*stale = NULL;
	*nstale = *nwrite = 0;
	for (size_t j = 1; j < n; j++)
		if (cascadejob_cmp_key(items[j - 1].qid, items[j - 1].pid,
				       items[j].qid, items[j].pid) >= 0) {
			for (size_t k = 0; k < n; k++) {
				write[k] = !items[k].hidden;
				*nwrite += write[k];
			}
			return NS_OK;
		}
	if ((rc = cascade_db_auto_scan_begin(pj->db, &sc, err)))
		return rc;
	while ((rc = cascade_db_auto_scan_next(sc, &b, &bfit, err)) == NS_OK) {
		int cmp = -1;

		/* items before this stored row: new; hidden ones have no
		 * row (a stored row of one is stale) */
		while (i < n && (items[i].hidden ||
				 (cmp = cascadejob_cmp_key(items[i].qid,
							   items[i].pid, b.qid,
							   b.pid)) < 0)) {
			write[i] = !items[i].hidden;
			*nwrite += write[i++];
		}
		if (i < n && cmp == 0) {
			cascadejob_row(c, &items[i], v[i], stage[i],
				       pending[i], pfn[i], prio[i], &a);
			write[i] = !cascadejob_same_row(&a, fit_id, &b, bfit);
			*nwrite += write[i];
			i++;
			continue;
		}
		if (!stale)
			continue;
		if (*nstale == cap) {
			cap = cap ? 2 * cap : 256;
			*stale = xrealloc(*stale, cap * sizeof(**stale));
		}
		(*stale)[*nstale].qid = b.qid;
		(*stale)[(*nstale)++].pid = b.pid;
	}
	cascade_db_auto_scan_end(sc);
	if (rc != NS_ENOTFOUND) {
		if (stale) {
			free(*stale);
			*stale = NULL;
		}
		*nstale = 0;
		return rc;
	}
	for (; i < n; i++) {
		write[i] = !items[i].hidden;
		*nwrite += write[i];
	}
	return NS_OK;
}

/*
 * Store the verdict of every item under thresholds @t and model @m as
 * version @fit_id, in the caller's transaction (foreign-key checks off
 * but for CASCADEJOB_VERDICTS: see cascade_db_fk()).  How (@how):
 * - CASCADEJOB_ALL: every verdict anew; items no longer kept lose
 *   theirs.  item_auto is emptied and its queue index built again after
 *   the rows went in (cascade_db_auto_rewrite_begin()).
 * - CASCADEJOB_DIFF: the same result, but only the rows that would read
 *   differently are written (and those of items no longer there
 *   removed); when that is most of them, as CASCADEJOB_ALL.
 * With @run (the items are that run's kept candidates), the verdicts of
 * items only other runs keep stay as they are, under the version that
 * wrote them; items no run keeps any more lose theirs all the same.
 * - CASCADEJOB_VERDICTS: only the items whose verdict differs under @old
 *   (c->n thresholds) and @t, and those still waiting for people or held
 *   back (whose P(FN) orders the queue and whose priority may have moved
 *   into or out of its window), are written, and the transaction is
 *   committed and begun again every CASCADEJOB_CHUNK rows so that a
 *   reviewer's decision never waits long for the write lock.
 */
static enum ns_rc
cascadejob_store(struct project *pj, const struct cascade *c,
		 const struct cascade_thr *t, const struct cascade_thr *old,
		 const struct cascade_pfn *m, const struct cascade_item *items,
		 size_t n, int64_t run, int64_t fit_id,
		 enum cascadejob_write how, struct cascadejob_result *res,
		 struct ns_err *err)
{
	enum cascade_verdict *v = xmalloc((n ? n : 1) * sizeof(*v));
	int *stage = xmalloc((n ? n : 1) * sizeof(*stage));
	bool *pending = xmalloc((n ? n : 1) * sizeof(*pending));
	bool *write = NULL;
	double *pfn = xmalloc_large((n ? n : 1) * sizeof(*pfn));
	double *prio = xmalloc_large((n ? n : 1) * sizeof(*prio));
	struct cascade_db_auto buf[CASCADE_DB_AUTO_BATCH];
	struct cascadejob_key *stale = NULL;
	enum ns_rc rc = NS_OK;
	size_t written = 0, nbuf = 0, nstale = 0, nwrite = n;
	bool checks_off = false;

	cascade_pfn_all(c, m, items, n, pfn);
	for (size_t i = 0; i < n; i++)
		v[i] = cascade_route(c, t, &items[i], &stage[i], &pending[i]);
	cascadejob_phase("route and P(FN)");
	cascade_queue_order(c, items, n, v, pending, pfn, prio);
	cascadejob_phase("queue order");
	if (how == CASCADEJOB_DIFF) {
		write = xmalloc(n ? n : 1);
		if ((rc = cascadejob_diff(pj, c, items, n, v, stage, pending,
					  pfn, prio, fit_id, write, &nwrite,
					  run ? NULL : &stale, &nstale, err)))
			goto out;
		/* most rows differ: a bulk rewrite is cheaper than replacing
		 * them one by one (each a delete, an insert and index
		 * updates) */
		if (nwrite + nstale > n / 4) {
			how = CASCADEJOB_ALL;
			nstale = 0;
		}
		cascadejob_phase("compare with stored");
	}
	/* every verdict written is one of cascade_verdict_name()'s (see
	 * cascade_db_checks()) */
	if ((rc = cascade_db_checks(pj->db, false, err)))
		goto out;
	checks_off = true;
	if (how == CASCADEJOB_ALL &&
	    (rc = cascade_db_auto_rewrite_begin(pj->db, run != 0, err)))
		goto out;
	for (size_t j = 0; j < nstale && rc == NS_OK; j++)
		rc = cascade_db_auto_delete(pj->db, stale[j].qid, stale[j].pid,
					    err);
	res->removed = (int64_t)nstale;
	if (rc == NS_OK && run && how != CASCADEJOB_VERDICTS)
		rc = cascade_db_auto_prune(pj->db, &res->removed, err);
	for (size_t i = 0; i < n && rc == NS_OK; i++) {
		const struct cascade_item *it = &items[i];

		/* no candidate, no verdict: export and review read
		 * item_auto as the candidates' */
		if (it->hidden)
			continue;
		res->items++;
		res->tn += v[i] == CASCADE_TN;
		res->fn += v[i] == CASCADE_FN;
		res->review += v[i] == CASCADE_REVIEW;
		res->pending += pending[i];
		res->decided += v[i] == CASCADE_REVIEW && !pending[i] &&
				it->label != CASCADE_UNLABELLED;
		res->audit += it->audit;
		if (how == CASCADEJOB_VERDICTS) {
			int ostage;
			bool opending;
			enum cascade_verdict ov = cascade_route(c, old, it,
								&ostage,
								&opending);
			/* waiting items: their place in the queue moves,
			 * into or out of the queue's window (-1) */
			bool waits = prio[i] != 0.0;

			if (ov == v[i] && ostage == stage[i] &&
			    opending == pending[i] && !waits)
				continue;
			res->changed += ov != v[i];
			if (++written % CASCADEJOB_CHUNK == 0 &&
			    ((rc = cascade_db_auto_put_n(pj->db, buf, nbuf,
							 fit_id, err)) ||
			     (rc = db_commit(pj->db, err)) ||
			     (rc = db_begin(pj->db, err))))
				break;
			if (written % CASCADEJOB_CHUNK == 0)
				nbuf = 0;
		} else if (how == CASCADEJOB_DIFF && !write[i]) {
			continue;
		} else {
			res->changed++;
			written++;
		}
		if (nbuf == CASCADE_DB_AUTO_BATCH) {
			if ((rc = cascade_db_auto_put_n(pj->db, buf, nbuf,
							fit_id, err)))
				break;
			nbuf = 0;
		}
		cascadejob_row(c, it, v[i], stage[i], pending[i], pfn[i],
			       prio[i], &buf[nbuf++]);
	}
	if (rc == NS_OK)
		rc = cascade_db_auto_put_n(pj->db, buf, nbuf, fit_id, err);
	res->written = (int64_t)written;
	cascadejob_phase("write verdicts");
out:
	free(v);
	free(stage);
	free(pending);
	free(write);
	free(pfn);
	free(prio);
	free(stale);
	/* (the index is built with the arrays above freed: its sort
	 * takes memory of its own) */
	if (rc == NS_OK && how == CASCADEJOB_ALL) {
		rc = cascade_db_auto_rewrite_end(pj->db, err);
		cascadejob_phase("queue index");
	}
	if (checks_off && cascade_db_checks(pj->db, true,
					    rc == NS_OK ? err : NULL) &&
	    rc == NS_OK)
		rc = err->rc;
	return rc;
}

static void
cascadejob_print_funnel(FILE *fp, const struct cascade *c,
			const struct cascade_thr *t,
			const struct cascadejob_result *res)
{
	fprintf(fp, "%-16s %-14s %9s %9s %9s %9s %9s %9s\n", "stage",
		"scorer", "lo", "hi", "seen", "kept", "flagged", "passed");
	for (int k = 0; k < c->n; k++) {
		fprintf(fp, "%-16s %-14s %9.4g %9.4g %9lld %9lld %9lld %9lld",
			c->st[k].name, cascade_scorer_name(c->st[k].scorer),
			t[k].lo, t[k].hi, (long long)t[k].seen,
			(long long)t[k].kept, (long long)t[k].flagged,
			(long long)t[k].passed);
		if (t[k].pending)
			fprintf(fp, "  (%lld not scored)",
				(long long)t[k].pending);
		fputc('\n', fp);
	}
	/* the items routed to people include those they have decided
	 * (their labels win; nobody is asked again): say how many are
	 * left */
	fprintf(fp, "people: %lld of %lld items, %lld already decided, %lld "
		"left (%lld auto-kept as true negatives, %lld auto-flagged as "
		"false negatives); audit slice %lld items\n",
		(long long)(res->review - res->pending), (long long)res->items,
		(long long)res->decided,
		(long long)(res->review - res->pending - res->decided),
		(long long)res->tn, (long long)res->fn, (long long)res->audit);
	if (res->pending)
		fprintf(fp, "%lld items wait for a stage to score them: run "
			"negsieve cascade again when it can\n",
			(long long)res->pending);
}

#include "src/estimate.h"
#include "db/export.h"
#include "src/exportjob.h"

/* The fates of the items as exportjob_plan() gives them: the items of
 * the query at hand are items[lo, hi). */
struct est_plan {
	const struct cascade_item *items;
	size_t n, lo, hi;
	unsigned char *fate;
};

/* The first of @n items (sorted by query and passage) at or after
 * (@qid, @pid). */
static size_t
est_find(const struct cascade_item *items, size_t n, int64_t qid, int64_t pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (items[mid].qid < qid ||
		    (items[mid].qid == qid && items[mid].pid < pid))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A candidate's fate onto its item, looked up in place: no list of a
 * million rows to sort and merge (a fifth of a second). */
static void
est_plan_add(void *ctx, int64_t qid, int64_t pid, int fate)
{
	struct est_plan *p = ctx;
	size_t i;

	if (p->lo == p->hi || p->items[p->lo].qid != qid) {
		/* the next query: on from the last, as queries come in id
		 * order (else a search from the start) */
		if (p->hi < p->n && p->items[p->hi].qid <= qid) {
			for (p->lo = p->hi; p->lo < p->n &&
			     p->items[p->lo].qid < qid; p->lo++)
				;
		} else {
			p->lo = est_find(p->items, p->n, qid, INT64_MIN);
		}
		for (p->hi = p->lo; p->hi < p->n &&
		     p->items[p->hi].qid == qid; p->hi++)
			;
		if (p->lo == p->hi)
			return;		/* no item of the query */
	}
	i = p->lo + est_find(p->items + p->lo, p->hi - p->lo, qid, pid);
	if (i < p->hi && p->items[i].pid == pid)
		p->fate[i] = fate == EXPORTJOB_FATE_IN ? CASCADE_EST_IN
			     : fate == EXPORTJOB_FATE_NEGATIVE ? CASCADE_EST_NEG
			     : fate == EXPORTJOB_FATE_CUT ? CASCADE_EST_CUT
			     : CASCADE_EST_OUT;
}

/* An item exportjob_plan() said nothing of (est_fates()). */
#define EST_UNPLANNED 0xff

/*
 * What export, as the project's config sets it, does with each of
 * @items (sorted by query and passage) whatever its label: *@fate, one
 * enum cascade_est_fate per item (caller frees).  The rules are export's
 * own (exportjob_plan()), over the kept candidates and labels @rows the
 * items were read from: an item of a query export leaves out (no
 * positive, too few negatives, ...) is OUT, and so is an unlabelled one
 * of a run it does not take.  A labelled item that export does not take
 * as a candidate (a hidden one: a refilter made a false negative a
 * positive; one only an older run kept) is in the pool with its label
 * when export takes its query (IN, or CUT when the whole query is cut):
 * it was a candidate when people labelled it, and an audit label on it
 * is part of the audit slice's sample of the candidates.
 */
static enum ns_rc
est_fates(struct project *pj, const struct cascade_item *items, size_t n,
	  const struct export_rows *rows, unsigned char **fate,
	  struct ns_err *err)
{
	struct exportjob_settings s;
	struct est_plan p = { items, n, 0, 0, NULL };
	enum ns_rc rc;

	p.fate = xmalloc(n ? n : 1);
	memset(p.fate, EST_UNPLANNED, n);
	exportjob_settings_init(&s, pj->cfg);
	/* a qrels format writes no negatives: the estimate is of the
	 * training data, as bge writes it */
	if (exportfmt_is_qrels(s.format))
		s.format = EXPORTFMT_BGE;
	if ((rc = exportjob_plan(pj->db, &s, rows, est_plan_add, &p, err))) {
		free(p.fate);
		return rc;
	}
	for (size_t a = 0, b; a < n; a = b) {
		bool planned = false, all_cut = true;
		unsigned char qf;

		for (b = a; b < n && items[b].qid == items[a].qid; b++) {
			if (p.fate[b] == EST_UNPLANNED)
				continue;
			planned = true;
			all_cut &= p.fate[b] == CASCADE_EST_CUT;
		}
		qf = !planned ? CASCADE_EST_OUT : all_cut ? CASCADE_EST_CUT
			: CASCADE_EST_IN;
		for (size_t i = a; i < b; i++)
			if (p.fate[i] == EST_UNPLANNED)
				p.fate[i] = items[i].label == CASCADE_UNLABELLED
					    ? CASCADE_EST_OUT : qf;
	}
	*fate = p.fate;
	return NS_OK;
}

void
cascadejob_estimate_from(const struct cascade_estimate_in *in, double conf,
			 struct cascadejob_estimate *e)
{
	double neg, k, n, rlo, rhi, left, lo, hi, cap, pool, pool_fn;

	memset(e, 0, sizeof(*e));
	/* under a P(FN) cut, opening an audit item labels its query and
	 * moves its P(FN): the false-negative-rich queries leave the pool
	 * with their audit labels, and those left under-count it (0.0%
	 * against a truth of 7% in simulate).  Only the pool without the
	 * cut has a known selection; the cut only removes undecided
	 * items, so what is left there bounds what is left after it */
	e->bound = in->cut;
	pool = (double)(in->cut ? in->all_pool : in->pool);
	pool_fn = (double)(in->cut ? in->all_pool_fn : in->pool_fn);
	e->negatives = in->negatives;
	e->unlabelled = in->unlabelled;
	e->audit_n = in->cut ? in->all_audit_n : in->audit_n;
	e->audit_fn = in->cut ? in->all_audit_fn : in->audit_fn;
	if (e->audit_n == 0 || in->negatives == 0)
		return;
	neg = (double)in->negatives;
	k = (double)e->audit_fn;
	n = (double)e->audit_n;
	cap = (double)in->unlabelled;
	/* the pool's false negatives at the audit rate, less those people
	 * found in it: what is left among its unlabelled items */
	estimate_cp_interval(k, n, conf, &rlo, &rhi);
	left = pool * k / n - pool_fn;
	lo = pool * rlo - pool_fn;
	hi = pool * rhi - pool_fn;
	/* a lower end after the cut: every unlabelled item it removed
	 * may have been a false negative */
	if (in->cut)
		lo -= (double)in->cut_unlabelled;
	e->known = true;
	/* the difference is noisy (the audit rate times the whole pool,
	 * labelled or not): below 0 or above the unlabelled when the
	 * audit labels hold fewer or more false negatives than the pool;
	 * no count can be, so the rate is kept to what can be (and over
	 * many runs its mean is above a truth near 0) */
	e->raw = left / neg;
	e->rate = fmin(fmax(left, 0.0), cap) / neg;
	e->lo = fmin(fmax(lo, 0.0), cap) / neg;
	e->hi = fmin(fmax(hi, 0.0), cap) / neg;
	e->more_labels = pool > 0
		? estimate_labels_for(k, n, conf, 0.02 * neg / pool) : 0;
}

enum ns_rc
cascadejob_estimate(struct project *pj, struct cascadejob_estimate *e,
		    struct ns_err *err)
{
	struct cascade c;
	struct cascade_thr *t = NULL;
	struct cascade_pfn m;
	struct cascade_estimate_in in;
	struct cascade_item *items = NULL;
	struct export_rows rows = { 0 };
	unsigned char *fate = NULL;
	size_t n = 0;
	int64_t fit_id = 0;
	enum ns_rc rc;

	memset(e, 0, sizeof(*e));
	if ((rc = cascade_from_config(&c, pj->cfg, err)))
		return rc;
	t = xcalloc((size_t)c.n + 1, sizeof(*t));
	cascadejob_keys(pj, &c);
	if ((rc = cascadejob_current(pj, &c, t, &m, &fit_id, err)))
		goto out;
	/* the items and export's plan of the same state: one read
	 * transaction, the rows read for the items handed to the plan */
	if ((rc = db_read_begin(pj->db, err)))
		goto out;
	rc = cascade_db_items_rows(pj->db, &c, &items, &n, &rows, err);
	if (rc == NS_OK)
		rc = est_fates(pj, items, n, &rows, &fate, err);
	export_rows_free(&rows);
	db_read_end(pj->db);
	if (rc)
		goto out;
	/* the negatives export would write under the project's settings */
	cascade_estimate_counts(&c, t, &m, config_float(pj->cfg,
				"export.max_pfn", 1.0), items, n,
				!strcmp(config_str(pj->cfg, "export.undecided",
						   "keep"), "drop"), fate, &in);
	cascadejob_estimate_from(&in, c.confidence, e);
	{
		long a = cascade_audit_next(items, n);

		if (a >= 0 && (rc = cascade_db_skipped(pj->db, items[a].qid,
						       items[a].pid,
						       e->skipped_q,
						       e->skipped_p,
						       e->skipped_by,
						       sizeof(e->skipped_q),
						       err)))
			goto out;
	}
	if (!fit_id) {
		/* no cascade for these stages yet: nothing to estimate */
		e->known = false;
		e->audit_n = e->audit_fn = 0;
	}
out:
	free(items);
	free(fate);
	free(t);
	cascade_fini(&c);
	return rc;
}

void
cascadejob_print_thresholds(FILE *fp, const struct cascade *c,
			    const struct cascade_thr *t)
{
	for (int k = 0; k < c->n; k++) {
		fprintf(fp, "  %s (%s): keep below %.4g", c->st[k].name,
			cascade_scorer_name(c->st[k].scorer), t[k].lo);
		if (t[k].lo_n)
			fprintf(fp, " [%lld audit labels, %lld FN, FN rate "
				"<= %.1f%%]", (long long)t[k].lo_n,
				(long long)t[k].lo_k, 100.0 * t[k].lo_bound);
		fprintf(fp, " %s; flag above %.4g", t[k].lo_why, t[k].hi);
		if (t[k].hi_n)
			fprintf(fp, " [%lld audit labels, %lld FN, precision "
				">= %.1f%%]", (long long)t[k].hi_n,
				(long long)t[k].hi_k, 100.0 * t[k].hi_bound);
		fprintf(fp, " %s\n", t[k].hi_why);
	}
}

enum ns_rc
cascadejob_run(struct project *pj, const struct cascadejob_settings *s,
	       struct cascadejob_result *res, struct ns_err *err)
{
	struct cascade c;
	struct cascade_thr *t = NULL;
	struct cascade_pfn m;
	struct cascade_item *items = NULL;
	size_t n = 0, kept = 0;
	int64_t fit_id = 0;
	char *stages = NULL, *thr = NULL, *model = NULL;
	struct cascade_db_fit used;
	bool new_fit;
	enum ns_rc rc;

	memset(res, 0, sizeof(*res));
	cascadejob_clock_start();
	if ((rc = cascade_from_config(&c, pj->cfg, err)))
		return rc;
	t = xcalloc((size_t)c.n + 1, sizeof(*t));
	cascadejob_keys(pj, &c);
	if ((s->run > 0 && (rc = queue_run_check(pj->db, s->run, err))) ||
	    (rc = cascadejob_current(pj, &c, t, &m, &fit_id, err)) ||
	    (rc = cascade_db_items(pj->db, &c, s->run, &items, &n, err)))
		goto out;
	cascadejob_phase("read items");
	for (size_t i = 0; i < n; i++)
		kept += !items[i].hidden;
	if (kept == 0) {
		rc = err_set(err, NS_EINPUT, "%s: nothing to route: no kept "
			     "candidates%s (import negatives or run negsieve "
			     "mine first)", pj->dir, s->run ? " in that run"
			     : "");
		goto out;
	}
	for (int k = 0; k < c.n && rc == NS_OK; k++)
		if (c.st[k].ext >= 0)
			rc = cascadejob_score_stage(pj, &c, k, t, items, n,
						    res, s->report, err);
	if (rc != NS_OK)
		goto out;
	if (c.next)
		cascadejob_phase("external stages");
	cascade_funnel(&c, t, items, n);
	/* every row written comes from a kept candidate (see cascade_db_fk) */
	if ((rc = cascade_db_fk(pj->db, false, err)))
		goto out;
	if ((rc = db_begin(pj->db, err))) {
		cascade_db_fk(pj->db, true, NULL);
		goto out;
	}
	/* the first run of these stages starts version 1 of them */
	stages = cascade_stages_json(&c);
	thr = cascade_thr_json(&c, t);
	model = m.dim || m.trained_on ? cascade_pfn_json(&c, &m) : NULL;
	new_fit = !fit_id;
	/* what the version line says: the version replaced, or where
	 * the one kept came from (a new judge model or prompt starts a new
	 * which nobody would guess from the number alone) */
	if (new_fit)
		rc = cascade_db_fit_latest(pj->db, &used, err);
	else
		rc = cascade_db_fit_get(pj->db, fit_id, &used, err);
	if (rc == NS_OK && new_fit)
		res->prev_fit_id = used.id;
	else if (rc == NS_OK) {
		snprintf(res->fit_origin, sizeof(res->fit_origin), "%s",
			 used.origin ? used.origin : "");
		snprintf(res->fit_at, sizeof(res->fit_at), "%s",
			 used.created_at ? used.created_at : "");
	}
	cascade_db_fit_fini(&used);
	res->new_version = new_fit;
	if (rc == NS_OK && new_fit)
		rc = cascade_db_fit_add(pj->db, s->origin ? s->origin
				        : "cascade", stages, thr, model,
					cascade_db_last_decision(pj->db),
					&fit_id, err);
	/* every verdict anew (candidates no longer kept lose theirs): under
	 * a new version every row changes; else only those that differ
	 * are written */
	if (rc == NS_OK)
		rc = cascadejob_store(pj, &c, t, NULL, &m, items, n, s->run,
				      fit_id, new_fit ? CASCADEJOB_ALL
						      : CASCADEJOB_DIFF,
				      res, err);
	if (rc == NS_OK)
		rc = db_commit(pj->db, err);
	cascadejob_phase("commit");
	if (rc != NS_OK)
		db_rollback(pj->db);
	if (cascade_db_fk(pj->db, true, rc == NS_OK ? err : NULL) && !rc)
		rc = err->rc;
	if (rc != NS_OK)
		goto out;
	res->fit_id = fit_id;
	if (s->report)
		cascadejob_print_funnel(s->report, &c, t, res);
out:
	free(stages);
	free(thr);
	free(model);
	free(items);
	free(t);
	cascade_fini(&c);
	return rc;
}

/*
 * Is the fit just made (@stages, @thr, @model on the decisions up to
 * @upto) the newest version over again?  Then *@fit_id is that version,
 * else 0.  Each fit is a version with the decisions it was made on; one
 * made on the same decisions with the same result (the same stages and
 * settings, thresholds and P(FN) model: the same stage scores and
 * candidates give them) would be a copy, which `fit` run twice, or two
 * reviews' refits after the same decisions, added.
 */
static enum ns_rc
cascadejob_unchanged(struct project *pj, const char *stages, const char *thr,
		     const char *model, int64_t upto, int64_t *fit_id,
		     struct ns_err *err)
{
	struct cascade_db_fit f;
	enum ns_rc rc;

	*fit_id = 0;
	if ((rc = cascade_db_fit_latest(pj->db, &f, err)) != NS_OK)
		return rc;
	if (f.id && f.decisions_upto == upto && f.stages &&
	    !strcmp(f.stages, stages) && f.thresholds &&
	    !strcmp(f.thresholds, thr) &&
	    (f.model && model ? !strcmp(f.model, model) : !f.model && !model))
		*fit_id = f.id;
	cascade_db_fit_fini(&f);
	return NS_OK;
}

enum ns_rc
cascadejob_fit(struct project *pj, const struct cascadejob_settings *s,
	       struct cascadejob_result *res, struct ns_err *err)
{
	struct cascade c;
	struct cascade_thr *cur = NULL;
	struct cascade_pfn m;
	struct cascade_fitres fr;
	struct cascade_item *items = NULL;
	size_t n = 0;
	int64_t fit_id = 0, upto;
	char *stages = NULL, *thr = NULL, *model = NULL;
	enum ns_rc rc;

	memset(res, 0, sizeof(*res));
	memset(&fr, 0, sizeof(fr));
	if ((rc = cascade_from_config(&c, pj->cfg, err)))
		return rc;
	cur = xcalloc((size_t)c.n + 1, sizeof(*cur));
	cascadejob_keys(pj, &c);
	upto = cascade_db_last_decision(pj->db);
	cascadejob_clock_start();
	if ((s->run > 0 && (rc = queue_run_check(pj->db, s->run, err))) ||
	    (rc = cascadejob_current(pj, &c, cur, &m, &fit_id, err)) ||
	    (rc = cascade_db_items(pj->db, &c, s->run, &items, &n, err)))
		goto out;
	cascadejob_phase("read items");
	if ((rc = cascade_fit(&c, cur, items, n, &fr, err)))
		goto out;
	cascadejob_phase("refit");
	res->labels = fr.labels;
	res->certifying = fr.certifying;
	stages = cascade_stages_json(&c);
	thr = cascade_thr_json(&c, fr.t);
	model = cascade_pfn_json(&c, &fr.pfn);
	/* a rewrite of every verdict: see cascade_db_fk */
	if (!s->verdicts_only && (rc = cascade_db_fk(pj->db, false, err)))
		goto out;
	if ((rc = db_begin(pj->db, err))) {
		if (!s->verdicts_only)
			cascade_db_fk(pj->db, true, NULL);
		goto out;
	}
	/* read in the write transaction, so that two refits at once do
	 * not both find it missing */
	rc = cascadejob_unchanged(pj, stages, thr, model, upto, &fit_id,
				  err);
	res->unchanged = fit_id != 0;
	if (rc == NS_OK && !res->unchanged)
		rc = cascade_db_fit_add(pj->db, s->origin ? s->origin : "fit",
					stages, thr, model, upto, &fit_id,
					err);
	/* the review's refit writes what changed, in short commits (and
	 * nothing under the version it found unchanged); a fit by hand
	 * every verdict anew (a new version: every row changes), or those
	 * that differ under the unchanged version (the candidates may
	 * have changed, as for a cascade) */
	if (rc == NS_OK && !(res->unchanged && s->verdicts_only))
		rc = cascadejob_store(pj, &c, fr.t, res->unchanged ? NULL
				      : cur, &fr.pfn, items, n, s->run,
				      fit_id, res->unchanged ? CASCADEJOB_DIFF
				      : s->verdicts_only ? CASCADEJOB_VERDICTS
				      : CASCADEJOB_ALL, res, err);
	if (rc == NS_OK)
		rc = db_commit(pj->db, err);
	cascadejob_phase("commit");
	if (rc != NS_OK)
		db_rollback(pj->db);
	if (!s->verdicts_only &&
	    cascade_db_fk(pj->db, true, rc == NS_OK ? err : NULL) && !rc)
		rc = err->rc;
	if (rc != NS_OK)
		goto out;
	res->fit_id = fit_id;
	if (s->report) {
		if (res->unchanged)
			fprintf(s->report, "unchanged: cascade version %lld (no "
				"decision since its decisions up to %lld, and "
				"the same stages, settings, thresholds and "
				"P(FN) model): no new version\n",
				(long long)fit_id, (long long)upto);
		fprintf(s->report, "fit %lld: %lld labels (%lld in the audit "
			"slice certify thresholds), decisions up to %lld\n",
			(long long)fit_id, (long long)fr.labels,
			(long long)fr.certifying, (long long)upto);
		cascadejob_print_thresholds(s->report, &c, fr.t);
		if (fr.pfn.dim)
			fprintf(s->report, "P(FN): logistic model on %lld "
				"labels; on %lld audit labels Brier %.3f, "
				"calibration error %.3f\n",
				(long long)fr.pfn.trained_on,
				(long long)fr.pfn.cal_n, fr.pfn.brier,
				fr.pfn.ece);
		else
			fprintf(s->report, "P(FN): too few labels for a model "
				"(%lld; needs 10 of both kinds); the base rate "
				"%.2f\n", (long long)fr.pfn.trained_on,
				fr.pfn.base_rate);
		cascadejob_print_funnel(s->report, &c, fr.t, res);
	}
out:
	free(stages);
	free(thr);
	free(model);
	free(items);
	free(cur);
	cascade_fitres_fini(&fr);
	cascade_fini(&c);
	return rc;
}
