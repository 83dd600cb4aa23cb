/*
 * bm25.c - BM25 search on worker threads (see bm25.h).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/mining.h"
#include "src/bm25.h"
#include "src/util.h"

#define BM25_CHUNK 32		/* queries a worker takes at a time */
#define BM25_CHECK 4		/* queries of the first chunk checked */

/* A term's state: not asked yet (or forgotten), being asked by a worker,
 * its parts kept, or matching a row that is not a passage or with a part
 * not above 0 (its queries are searched whole). */
enum { TERM_NEW, TERM_BUSY, TERM_READY, TERM_STRAY };

/* One distinct term of the queries. */
struct bm25_term {
	char *text;		/* ASCII letters lower-cased (FTS5 folds) */
	size_t len;
	uint32_t *row;		/* the passages it matches (rows of pids) */
	double *part;		/* and their bm25() of the term alone */
	int64_t n;
	int state;		/* TERM_* */
};

/* One query's results (see struct bm25_hits); the arrays are kept from
 * one query to the next of the slot. */
struct bm25_res {
	int64_t *pids;
	double *scores;
	int n;
	double *pos_score;
	int64_t *rows;		/* NULL after a whole search */
	int64_t cap, cappos;	/* room in pids, scores, rows; pos_score */
};

struct bm25_slot {
	int64_t chunk;		/* the chunk it holds, -1: free */
	bool ready;
	struct bm25_res r[BM25_CHUNK];
};

struct bm25_top;

/* A worker's accumulators. */
struct bm25_acc {
	double *sum;		/* per passage row: the query's score so
				 * far, 0 where no term matched */
	uint32_t *hit;		/* the rows set, to select and reset */
	int64_t caphit;
	struct bm25_top *heap;	/* the best k, the last ranked on top */
};

struct bm25_job {
	const struct bm25_params *p;
	struct bm25_term *terms;	/* distinct terms */
	int64_t nterms, capterms;
	uint32_t *tab;			/* hash table: term index + 1 */
	size_t tabmask;
	int64_t *qt_off;		/* order[o]'s terms: */
	uint32_t *qt;			/* qt[qt_off[o]..qt_off[o+1]) */
	double budget, used;		/* bytes of parts: allowed, kept */
	pthread_mutex_t lock;		/* guards all below and term states */
	pthread_cond_t cond;		/* slots and chunks changed */
	pthread_cond_t tcond;		/* a term waited for is ready */
	int twaiting;			/* workers waiting for a term */
	bool per_query;			/* every query whole in FTS5 */
	bool checked;			/* chunk 0 done: others may start */
	int active;			/* chunks being searched */
	int64_t next;			/* next chunk to claim */
	int64_t consumed;		/* chunks handed to the callback */
	int64_t nchunks;
	int nslots;
	struct bm25_slot *slots;
	bool stop;
	enum ns_rc rc;			/* a worker's failure */
	struct ns_err err;
	struct bm25_stats st;
};

static void
bm25_res_free(struct bm25_res *r)
{
	free(r->pids);
	free(r->scores);
	free(r->pos_score);
	free(r->rows);
	memset(r, 0, sizeof(*r));
}

/* Make room in @r for @k hits with their rows and @npos positives. */
static void
bm25_res_room(struct bm25_res *r, int64_t k, int64_t npos)
{
	if (!r->rows || r->cap < k + 1) {
		r->cap = k + 1;
		r->pids = xrealloc(r->pids, (size_t)r->cap * sizeof(*r->pids));
		r->scores = xrealloc(r->scores, (size_t)r->cap *
				     sizeof(*r->scores));
		r->rows = xrealloc(r->rows, (size_t)r->cap * sizeof(*r->rows));
	}
	if (r->cappos < npos + 1) {
		r->cappos = npos + 1;
		r->pos_score = xrealloc(r->pos_score, (size_t)r->cappos *
					sizeof(*r->pos_score));
	}
	memset(r->pos_score, 0, ((size_t)npos + 1) * sizeof(*r->pos_score));
}

/* --- the terms ---------------------------------------------------------- */

/* Index of term @t (@len bytes) in the job's terms, added if new. */
static uint32_t
bm25_term_intern(struct bm25_job *j, const char *t, size_t len)
{
	char buf[256], *key = len < sizeof(buf) ? buf : xmalloc(len + 1);
	size_t h;
	uint32_t e;

	for (size_t i = 0; i < len; i++)
		key[i] = t[i] >= 'A' && t[i] <= 'Z' ? (char)(t[i] | 0x20) : t[i];
	key[len] = 0;
	if (!j->tab || (size_t)j->nterms * 2 >= j->tabmask + 1) {
		size_t n = j->tabmask ? 2 * (j->tabmask + 1) : 1024;

		free(j->tab);
		j->tab = xcalloc(n, sizeof(*j->tab));
		j->tabmask = n - 1;
		for (int64_t i = 0; i < j->nterms; i++) {
			h = hash64(j->terms[i].text, j->terms[i].len) &
			    j->tabmask;
			while (j->tab[h])
				h = (h + 1) & j->tabmask;
			j->tab[h] = (uint32_t)i + 1;
		}
	}
	h = hash64(key, len) & j->tabmask;
	while ((e = j->tab[h])) {
		if (j->terms[e - 1].len == len &&
		    !memcmp(j->terms[e - 1].text, key, len))
			break;
		h = (h + 1) & j->tabmask;
	}
	if (!e) {
		if (j->nterms == j->capterms) {
			j->capterms = j->capterms ? 2 * j->capterms : 1024;
			j->terms = xrealloc(j->terms, (size_t)j->capterms *
					    sizeof(*j->terms));
		}
		memset(&j->terms[j->nterms], 0, sizeof(*j->terms));
		j->terms[j->nterms].text = xstrndup(key, len);
		j->terms[j->nterms].len = len;
		e = (uint32_t)++j->nterms;
		j->tab[h] = e;
	}
	if (key != buf)
		free(key);
	return e - 1;
}

/* Split every query to search into terms. */
static void
bm25_terms_build(struct bm25_job *j)
{
	int64_t cap = 1024, m = 0;

	j->qt_off = xmalloc(((size_t)j->p->norder + 1) * sizeof(*j->qt_off));
	j->qt = xmalloc((size_t)cap * sizeof(*j->qt));
	for (int64_t o = 0; o < j->p->norder; o++) {
		const char *s = j->p->texts[j->p->order[o]], *t;
		size_t len;

		j->qt_off[o] = m;
		while (s && (t = db_mine_fts_term(s, &len))) {
			if (m == cap) {
				cap *= 2;
				j->qt = xrealloc(j->qt, (size_t)cap *
						 sizeof(*j->qt));
			}
			j->qt[m++] = bm25_term_intern(j, t, len);
			s = t + len;
		}
	}
	j->qt_off[j->p->norder] = m;
}

static void
bm25_term_forget(struct bm25_term *t)
{
	free(t->row);
	free(t->part);
	t->row = NULL;
	t->part = NULL;
	t->n = 0;
	t->state = TERM_NEW;
}

/* Make term @t's parts ready (asking FTS5 on @db unless another worker
 * has or is); call without the lock. */
static enum ns_rc
bm25_term_get(struct bm25_job *j, struct db *db, struct bm25_term *t,
	      struct ns_err *err)
{
	const int64_t *pids = j->p->pids;
	int64_t *rowid = NULL, n = 0, at = 0;
	double *part = NULL;
	uint32_t *row = NULL;
	bool stray = false;
	enum ns_rc rc;

	/* kept terms change only while no chunk is searched: no lock */
	if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == TERM_READY)
		return NS_OK;
	pthread_mutex_lock(&j->lock);
	while (t->state == TERM_BUSY && !j->stop) {
		j->twaiting++;
		pthread_cond_wait(&j->tcond, &j->lock);
		j->twaiting--;
	}
	if (t->state != TERM_NEW || j->stop) {
		rc = t->state == TERM_READY || t->state == TERM_STRAY ? NS_OK :
		     err_set(err, NS_EINTERNAL, "BM25 search stopped");
		pthread_mutex_unlock(&j->lock);
		return rc;
	}
	t->state = TERM_BUSY;
	pthread_mutex_unlock(&j->lock);
	rc = db_mine_bm25_term(db, t->text, t->len, &rowid, &part, &n, err);
	if (rc == NS_OK) {
		row = xmalloc(((size_t)n + 1) * sizeof(*row));
		/* a part not > 0 (never seen: idf >= 1e-6, tf > 0) would
		 * break the accumulators' "0: unset": searched whole too */
		for (int64_t i = 0; i < n && !stray; i++) {
			at = ns_lower_bound_i64(pids, at, j->p->npids, rowid[i]);
			stray = at == j->p->npids || pids[at] != rowid[i] ||
				!(part[i] > 0);
			row[i] = (uint32_t)at;
		}
	}
	free(rowid);
	pthread_mutex_lock(&j->lock);
	if (rc != NS_OK) {
		t->state = TERM_NEW;
	} else if (stray) {
		t->state = TERM_STRAY;
	} else {
		t->row = row;
		t->part = part;
		t->n = n;
		__atomic_store_n(&t->state, TERM_READY, __ATOMIC_RELEASE);
		j->used += (double)n * (sizeof(*row) + sizeof(*part));
		row = NULL;
		part = NULL;
	}
	if (rc == NS_OK) {
		j->st.terms++;
		j->st.parts += n;
	}
	if (j->twaiting)
		pthread_cond_broadcast(&j->tcond);
	pthread_mutex_unlock(&j->lock);
	free(row);
	free(part);
	return rc;
}

/* --- one query ---------------------------------------------------------- */

/* Search the query at @o whole through FTS5 on @db into @r. */
static enum ns_rc
bm25_whole(struct bm25_job *j, struct db *db, int64_t o, struct bm25_res *r,
	   struct ns_err *err)
{
	int64_t qi = j->p->order[o];
	const int64_t *pos = j->p->pos_pid + j->p->pos_off[qi];
	int64_t npos = j->p->pos_off[qi + 1] - j->p->pos_off[qi];
	const char *text = j->p->texts[qi];
	enum ns_rc rc;

	bm25_res_free(r);
	rc = db_mine_bm25(db, text, j->p->k, &r->pids, &r->scores, &r->n,
			  err);
	r->pos_score = xcalloc((size_t)npos + 1, sizeof(double));
	r->cappos = npos + 1;
	for (int64_t p = 0; p < npos && rc == NS_OK; p++) {
		int i;

		/* a positive among the hits has its score already: the same
		 * statement's bm25(); others are scored alone */
		for (i = 0; i < r->n && r->pids[i] != pos[p]; i++)
			;
		if (i < r->n)
			r->pos_score[p] = r->scores[i];
		else
			rc = db_mine_bm25_one(db, text, pos[p],
					      &r->pos_score[p], err);
	}
	return rc;
}

/* A passage row and its score, in the selection heap. */
struct bm25_top {
	double s;
	uint32_t row;
};

/* Is @a ranked before @b: a higher score, or the same score and a lower
 * passage id (rows are in id order)? */
static inline bool
bm25_before(const struct bm25_top *a, const struct bm25_top *b)
{
	return a->s > b->s || (a->s == b->s && a->row < b->row);
}

/* Restore the heap @h of @m entries (the last ranked on top) below @i. */
static void
bm25_sift(struct bm25_top *h, int64_t m, int64_t i)
{
	struct bm25_top x = h[i];

	for (;;) {
		int64_t c = 2 * i + 1;

		if (c >= m)
			break;
		if (c + 1 < m && bm25_before(&h[c], &h[c + 1]))
			c++;
		if (!bm25_before(&x, &h[c]))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

/* Search the query at @o by adding its terms' parts with the accumulators
 * @a into @r; *@whole when it must be searched whole instead. */
static enum ns_rc
bm25_sum(struct bm25_job *j, struct db *db, struct bm25_acc *a, int64_t o,
	 struct bm25_res *r, bool *whole, struct ns_err *err)
{
	int64_t qi = j->p->order[o], m = 0, k = j->p->k > 0 ? j->p->k : 0;
	const int64_t *pos = j->p->pos_pid + j->p->pos_off[qi];
	int64_t npos = j->p->pos_off[qi + 1] - j->p->pos_off[qi], nhit = 0;
	double *sum = a->sum;
	uint32_t *hit;
	struct bm25_top *h = a->heap;
	enum ns_rc rc;

	*whole = false;
	for (int64_t i = j->qt_off[o]; i < j->qt_off[o + 1]; i++) {
		struct bm25_term *t = &j->terms[j->qt[i]];

		if ((rc = bm25_term_get(j, db, t, err)))
			return rc;
		if (t->state == TERM_STRAY) {
			*whole = true;
			return NS_OK;
		}
	}
	/* the parts, in the query's term order: FTS5's own additions (sum
	 * is 0 where unset, parts are > 0, and 0 + x is x) */
	for (int64_t i = j->qt_off[o]; i < j->qt_off[o + 1]; i++) {
		const struct bm25_term *t = &j->terms[j->qt[i]];
		const uint32_t *row = t->row;
		const double *part = t->part;

		if (nhit + t->n > a->caphit) {
			a->caphit = nhit + t->n > 2 * a->caphit ?
					    nhit + t->n : 2 * a->caphit;
			a->hit = xrealloc(a->hit, (size_t)a->caphit *
					  sizeof(*a->hit));
		}
		hit = a->hit;
		for (int64_t p = 0; p < t->n; p++) {
			uint32_t x = row[p];
			double v = sum[x];

			hit[nhit] = x;
			nhit += v == 0;
			sum[x] = v + part[p];
		}
	}
	hit = a->hit;
	/* the best k: a heap with the last ranked on top */
	for (int64_t i = 0; i < nhit; i++) {
		struct bm25_top x = { sum[hit[i]], hit[i] };

		if (m < k) {
			int64_t c = m++;

			while (c > 0 && bm25_before(&h[(c - 1) / 2], &x)) {
				h[c] = h[(c - 1) / 2];
				c = (c - 1) / 2;
			}
			h[c] = x;
		} else if (m > 0 && bm25_before(&x, &h[0])) {
			h[0] = x;
			bm25_sift(h, m, 0);
		}
	}
	bm25_res_room(r, m, npos);
	r->n = (int)m;
	for (int64_t e = m - 1; e >= 0; e--) {
		r->rows[e] = h[0].row;
		r->pids[e] = j->p->pids[h[0].row];
		r->scores[e] = h[0].s;
		h[0] = h[e];
		bm25_sift(h, e, 0);
	}
	for (int64_t p = 0; p < npos; p++) {
		int64_t x = ns_lower_bound_i64(j->p->pids, 0, j->p->npids,
					       pos[p]);

		if (x < j->p->npids && j->p->pids[x] == pos[p])
			r->pos_score[p] = sum[x];
	}
	for (int64_t i = 0; i < nhit; i++)
		sum[hit[i]] = 0;
	return NS_OK;
}

/* Search the query at @o into @r: whole through FTS5, or by its terms
 * with the accumulators @a (NULL: whole). */
static enum ns_rc
bm25_one(struct bm25_job *j, struct db *db, struct bm25_acc *a, int64_t o,
	 struct bm25_res *r, struct ns_err *err)
{
	bool whole;
	enum ns_rc rc = NS_OK;

	whole = __atomic_load_n(&j->per_query, __ATOMIC_ACQUIRE) || !a;
	if (!whole)
		rc = bm25_sum(j, db, a, o, r, &whole, err);
	if (rc == NS_OK && whole) {
		rc = bm25_whole(j, db, o, r, err);
		__atomic_add_fetch(&j->st.whole, 1, __ATOMIC_RELAXED);
	}
	return rc;
}

/* Are @x and @y the same results? */
static bool
bm25_same(const struct bm25_res *x, const struct bm25_res *y, int64_t npos)
{
	if (x->n != y->n)
		return false;
	for (int i = 0; i < x->n; i++)
		if (x->pids[i] != y->pids[i] || x->scores[i] != y->scores[i])
			return false;
	for (int64_t p = 0; p < npos; p++)
		if (x->pos_score[p] != y->pos_score[p])
			return false;
	return true;
}

/* Check the summed results of chunk 0 (@s, @nr queries) against FTS5's
 * bm25() of the whole query on the cheapest few with two terms or more;
 * on a difference, search every query whole from now on (these too). */
static enum ns_rc
bm25_check(struct bm25_job *j, struct db *db, struct bm25_slot *s, int64_t nr,
	   struct ns_err *err)
{
	bool done[BM25_CHUNK] = { false }, differs = false;
	enum ns_rc rc = NS_OK;
	int nchecked = 0;

	while (nchecked < BM25_CHECK && !differs && rc == NS_OK) {
		int64_t best = -1;
		double cost = 0;
		struct bm25_res w;

		for (int64_t i = 0; i < nr; i++) {
			double c = 0;

			if (done[i] || j->qt_off[i + 1] - j->qt_off[i] < 2)
				continue;
			for (int64_t t = j->qt_off[i]; t < j->qt_off[i + 1];
			     t++)
				c += (double)j->terms[j->qt[t]].n;
			if (best < 0 || c < cost) {
				best = i;
				cost = c;
			}
		}
		if (best < 0)
			break;
		done[best] = true;
		memset(&w, 0, sizeof(w));
		if ((rc = bm25_whole(j, db, best, &w, err)) == NS_OK) {
			int64_t qi = j->p->order[best];

			differs = !bm25_same(&w, &s->r[best],
					     j->p->pos_off[qi + 1] -
						     j->p->pos_off[qi]);
			nchecked++;
		}
		bm25_res_free(&w);
	}
	pthread_mutex_lock(&j->lock);
	j->st.checked += nchecked;
	if (differs) {
		j->st.differs = true;
		__atomic_store_n(&j->per_query, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&j->lock);
	for (int64_t i = 0; i < nr && differs && rc == NS_OK; i++) {
		bm25_res_free(&s->r[i]);
		rc = bm25_one(j, db, NULL, i, &s->r[i], err);
	}
	return rc;
}

/* --- the workers -------------------------------------------------------- */

static void *
bm25_worker(void *arg)
{
	struct bm25_job *j = arg;
	struct bm25_acc a;
	struct db *db = NULL;
	struct ns_err err;
	enum ns_rc rc;

	memset(&a, 0, sizeof(a));
	err_clear(&err);
	/* per_query is set before the workers start or by bm25_check() */
	pthread_mutex_lock(&j->lock);
	if (!j->per_query) {
		a.sum = xcalloc((size_t)j->p->npids + 1, sizeof(*a.sum));
		a.heap = xmalloc(((size_t)j->p->k + 1) *
				 sizeof(struct bm25_top));
	}
	pthread_mutex_unlock(&j->lock);
	rc = db_open(j->p->dir, DB_OPEN_READONLY, &db, &err);
	if (rc == NS_OK)
		rc = db_mine_bm25_reader(db, &err);
	for (;;) {
		struct bm25_slot *s;
		int64_t c, nr = 0;

		pthread_mutex_lock(&j->lock);
		if (rc != NS_OK && !j->stop) {
			j->stop = true;
			j->rc = rc;
			j->err = err;
			pthread_cond_broadcast(&j->cond);
			pthread_cond_broadcast(&j->tcond);
		}
		/* a free slot; chunk 0 checked before any other starts; the
		 * kept terms forgotten, when over budget, by the last worker
		 * to finish a chunk */
		while (!j->stop && j->next < j->nchunks &&
		       (j->next - j->consumed >= j->nslots ||
			(j->next > 0 && !j->checked) ||
			(j->used > j->budget && j->active > 0)))
			pthread_cond_wait(&j->cond, &j->lock);
		if (j->stop || j->next >= j->nchunks) {
			pthread_mutex_unlock(&j->lock);
			break;
		}
		if (j->used > j->budget) {
			for (int64_t t = 0; t < j->nterms; t++)
				bm25_term_forget(&j->terms[t]);
			j->used = 0;
			j->st.forgotten++;
		}
		c = j->next++;
		j->active++;
		s = &j->slots[c % j->nslots];
		s->chunk = c;
		s->ready = false;
		pthread_mutex_unlock(&j->lock);
		rc = db_mine_bm25_snapshot(db, true, &err);
		for (int64_t i = 0; i < BM25_CHUNK && rc == NS_OK; i++) {
			int64_t o = c * BM25_CHUNK + i;

			if (o >= j->p->norder)
				break;
			rc = bm25_one(j, db, a.sum ? &a : NULL, o, &s->r[i],
				       &err);
			nr++;
		}
		if (c == 0 && rc == NS_OK && !j->per_query)
			rc = bm25_check(j, db, s, nr, &err);
		if (rc == NS_OK)
			rc = db_mine_bm25_snapshot(db, false, &err);
		pthread_mutex_lock(&j->lock);
		j->active--;
		if (c == 0)
			j->checked = true;
		s->ready = rc == NS_OK;
		pthread_cond_broadcast(&j->cond);
		pthread_mutex_unlock(&j->lock);
	}
	free(a.sum);
	free(a.hit);
	free(a.heap);
	db_close(db);
	return NULL;
}

enum ns_rc
bm25_search(const struct bm25_params *p, bm25_fn fn, void *arg,
	    struct bm25_stats *st, struct ns_err *err)
{
	struct bm25_job j;
	pthread_t *th;
	int nth = 0, threads = p->threads;
	enum ns_rc rc = NS_OK;

	memset(st, 0, sizeof(*st));
	if (p->norder <= 0)
		return NS_OK;
	if (threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n < 1 ? 1 : n > 8 ? 8 : (int)n;
	}
	memset(&j, 0, sizeof(j));
	j.p = p;
	j.budget = p->budget;
	if (j.budget <= 0)
		j.budget = ns_memory() > 0 ? ns_memory() / 8 : 1e9;
	/* rows are 32-bit */
	j.per_query = p->per_query || p->npids > (int64_t)UINT32_MAX;
	j.checked = j.per_query;
	j.nchunks = (p->norder + BM25_CHUNK - 1) / BM25_CHUNK;
	j.nslots = 4 * threads;
	j.slots = xcalloc((size_t)j.nslots, sizeof(*j.slots));
	for (int i = 0; i < j.nslots; i++)
		j.slots[i].chunk = -1;
	err_clear(&j.err);
	bm25_terms_build(&j);
	pthread_mutex_init(&j.lock, NULL);
	pthread_cond_init(&j.cond, NULL);
	pthread_cond_init(&j.tcond, NULL);
	th = xcalloc((size_t)threads, sizeof(*th));
	for (int i = 0; i < threads; i++)
		if (pthread_create(&th[nth], NULL, bm25_worker, &j) == 0)
			nth++;
	if (!nth)
		rc = err_set(err, NS_EINTERNAL, "cannot start BM25 threads");
	/* hand the chunks to @fn in order */
	for (int64_t c = 0; c < j.nchunks && rc == NS_OK; c++) {
		struct bm25_slot *s = &j.slots[c % j.nslots];

		pthread_mutex_lock(&j.lock);
		while (!j.stop && !(s->chunk == c && s->ready))
			pthread_cond_wait(&j.cond, &j.lock);
		if (j.stop && !(s->chunk == c && s->ready)) {
			rc = j.rc;
			*err = j.err;
		}
		pthread_mutex_unlock(&j.lock);
		for (int64_t i = 0; i < BM25_CHUNK && rc == NS_OK; i++) {
			int64_t o = c * BM25_CHUNK + i;
			struct bm25_hits h;

			if (o >= p->norder)
				break;
			h.pids = s->r[i].pids;
			h.scores = s->r[i].scores;
			h.n = s->r[i].n;
			h.pos_score = s->r[i].pos_score;
			h.rows = s->r[i].rows;
			rc = fn(arg, p->order[o], &h, err);
		}
		pthread_mutex_lock(&j.lock);
		s->chunk = -1;
		j.consumed = c + 1;
		if (rc != NS_OK) {
			j.stop = true;
			pthread_cond_broadcast(&j.tcond);
		}
		pthread_cond_broadcast(&j.cond);
		pthread_mutex_unlock(&j.lock);
	}
	pthread_mutex_lock(&j.lock);
	j.stop = true;
	pthread_cond_broadcast(&j.cond);
	pthread_cond_broadcast(&j.tcond);
	pthread_mutex_unlock(&j.lock);
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	*st = j.st;
	for (int i = 0; i < j.nslots; i++)
		for (int q = 0; q < BM25_CHUNK; q++)
			bm25_res_free(&j.slots[i].r[q]);
	for (int64_t t = 0; t < j.nterms; t++) {
		bm25_term_forget(&j.terms[t]);
		free(j.terms[t].text);
	}
	free(j.terms);
	free(j.tab);
	free(j.qt_off);
	free(j.qt);
	free(j.slots);
	free(th);
	pthread_mutex_destroy(&j.lock);
	pthread_cond_destroy(&j.cond);
	pthread_cond_destroy(&j.tcond);
	return rc;
}
