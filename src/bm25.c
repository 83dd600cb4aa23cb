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

struct bm25_res {
	int64_t *pids;
	double *scores;
	int n;
	double *pos_score;
};

struct bm25_slot {
	int64_t chunk;		/* the chunk it holds, -1: free */
	bool ready;
	struct bm25_res r[BM25_CHUNK];
};

struct bm25_job {
	const char *dir;
	int k;
	char *const *texts;
	const int64_t *pos_off, *pos_pid, *order;
	int64_t norder, nchunks;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int64_t next;		/* next chunk to claim */
	int64_t consumed;	/* chunks handed to the callback */
	int nslots;
	struct bm25_slot *slots;
	bool stop;
	enum ns_rc rc;		/* a worker's failure */
	struct ns_err err;
};

static void
bm25_res_free(struct bm25_res *r)
{
	free(r->pids);
	free(r->scores);
	free(r->pos_score);
	memset(r, 0, sizeof(*r));
}

/* Search one query on @db into @r. */
static enum ns_rc
bm25_one(struct bm25_job *j, struct db *db, int64_t qi, struct bm25_res *r,
	 struct ns_err *err)
{
	const int64_t *pos = j->pos_pid + j->pos_off[qi];
	int64_t npos = j->pos_off[qi + 1] - j->pos_off[qi];
	enum ns_rc rc;

	rc = db_mine_bm25(db, j->texts[qi], j->k, &r->pids, &r->scores, &r->n,
			  err);
	r->pos_score = xcalloc((size_t)npos + 1, sizeof(double));
	for (int64_t p = 0; p < npos && rc == NS_OK; p++) {
		int i;

		/* a positive among the hits has its score already: the same
		 * statement's bm25(); others are scored alone */
		for (i = 0; i < r->n && r->pids[i] != pos[p]; i++)
			;
		if (i < r->n)
			r->pos_score[p] = r->scores[i];
		else
			rc = db_mine_bm25_one(db, j->texts[qi], pos[p],
					      &r->pos_score[p], err);
	}
	return rc;
}

static void *
bm25_worker(void *arg)
{
	struct bm25_job *j = arg;
	struct db *db = NULL;
	struct ns_err err;
	enum ns_rc rc;

	err_clear(&err);
	rc = db_open(j->dir, DB_OPEN_READONLY, &db, &err);
	if (rc == NS_OK)
		rc = db_mine_bm25_reader(db, &err);
	for (;;) {
		struct bm25_slot *s;
		int64_t c;

		pthread_mutex_lock(&j->lock);
		if (rc != NS_OK && !j->stop) {
			j->stop = true;
			j->rc = rc;
			j->err = err;
			pthread_cond_broadcast(&j->cond);
		}
		while (!j->stop && j->next < j->nchunks &&
		       j->next - j->consumed >= j->nslots)
			pthread_cond_wait(&j->cond, &j->lock);
		if (j->stop || j->next >= j->nchunks) {
			pthread_mutex_unlock(&j->lock);
			break;
		}
		c = j->next++;
		s = &j->slots[c % j->nslots];
		s->chunk = c;
		s->ready = false;
		pthread_mutex_unlock(&j->lock);
		for (int64_t i = 0; i < BM25_CHUNK && rc == NS_OK; i++) {
			int64_t o = c * BM25_CHUNK + i;

			if (o >= j->norder)
				break;
			rc = bm25_one(j, db, j->order[o], &s->r[i], &err);
		}
		pthread_mutex_lock(&j->lock);
		s->ready = rc == NS_OK;
		pthread_cond_broadcast(&j->cond);
		pthread_mutex_unlock(&j->lock);
	}
	db_close(db);
	return NULL;
}

enum ns_rc
bm25_search(const char *dir, int threads, int k, char *const *texts,
	    const int64_t *pos_off, const int64_t *pos_pid,
	    const int64_t *order, int64_t norder, bm25_fn fn, void *arg,
	    struct ns_err *err)
{
	struct bm25_job j;
	pthread_t *th;
	int nth = 0;
	enum ns_rc rc = NS_OK;

	if (norder <= 0)
		return NS_OK;
	if (threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n < 1 ? 1 : n > 8 ? 8 : (int)n;
	}
	memset(&j, 0, sizeof(j));
	j.dir = dir;
	j.k = k;
	j.texts = texts;
	j.pos_off = pos_off;
	j.pos_pid = pos_pid;
	j.order = order;
	j.norder = norder;
	j.nchunks = (norder + BM25_CHUNK - 1) / BM25_CHUNK;
	j.nslots = 4 * threads;
	j.slots = xcalloc((size_t)j.nslots, sizeof(*j.slots));
	for (int i = 0; i < j.nslots; i++)
		j.slots[i].chunk = -1;
	err_clear(&j.err);
	pthread_mutex_init(&j.lock, NULL);
	pthread_cond_init(&j.cond, NULL);
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

			if (o >= norder)
				break;
			h.pids = s->r[i].pids;
			h.scores = s->r[i].scores;
			h.n = s->r[i].n;
			h.pos_score = s->r[i].pos_score;
			rc = fn(arg, order[o], &h, err);
		}
		for (int i = 0; i < BM25_CHUNK; i++)
			bm25_res_free(&s->r[i]);
		pthread_mutex_lock(&j.lock);
		s->chunk = -1;
		j.consumed = c + 1;
		if (rc != NS_OK)
			j.stop = true;
		pthread_cond_broadcast(&j.cond);
		pthread_mutex_unlock(&j.lock);
	}
	pthread_mutex_lock(&j.lock);
	j.stop = true;
	pthread_cond_broadcast(&j.cond);
	pthread_mutex_unlock(&j.lock);
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < j.nslots; i++)
		for (int q = 0; q < BM25_CHUNK; q++)
			bm25_res_free(&j.slots[i].r[q]);
	free(j.slots);
	free(th);
	pthread_mutex_destroy(&j.lock);
	pthread_cond_destroy(&j.cond);
	return rc;
}
