/*
 * mine-bench.c - exact dense mining end to end against the machine's own
 * sgemm rate, measured in the same run.
 *
 *   bench/mine-bench NQ NB DIM K DIR
 *
 * Writes NQ query and NB passage vectors (random, normalised) to DIR,
 * creates a project there with matching rows and one positive per query,
 * then times (1) sgemm over the same NQ x NB x DIM product, in the blocks
 * faiss uses, (2) faiss's exact search alone, and (3) mining in variants
 * (the way it was and the way negsieve mine does it now): search in
 * batches, filter, sample and store every candidate in SQLite.
 * Prints the times, GFLOP/s (2*NQ*NB*DIM flops) and the ratio to sgemm,
 * and the peak RSS.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/db.h"
#include "src/dense.h"
#include "src/faiss_extra.h"
#include "src/filter.h"
#include "src/mine.h"
#include "db/mining.h"
#include "src/summary.h"
#include "src/util.h"

extern int sgemm_(const char *ta, const char *tb, const int *m, const int *n,
		  const int *k, const float *alpha, const float *a,
		  const int *lda, const float *b, const int *ldb,
		  const float *beta, float *c, const int *ldc);

static void
write_vectors(const char *path, int64_t n, int d, uint64_t seed)
{
	FILE *fp = fopen(path, "wb");
	float *row = xmalloc((size_t)d * sizeof(float));
	uint64_t st = seed;

	for (int64_t i = 0; i < n; i++) {
		double norm = 0;

		for (int t = 0; t < d; t++) {
			row[t] = (float)(filter_rng_uniform(&st) - 0.5);
			norm += row[t] * row[t];
		}
		for (int t = 0; t < d; t++)
			row[t] /= (float)sqrt(norm);
		fwrite(row, sizeof(float), (size_t)d, fp);
	}
	free(row);
	fclose(fp);
}

static const float *
map(const char *path, size_t bytes)
{
	int fd = open(path, O_RDONLY);
	void *p = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);

	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

struct sink {
	struct db *db;
	int64_t run;
};

static enum ns_rc
sink_none(void *arg, int64_t qid, const struct filter_cand *c, size_t n,
	  const int64_t *pos, const double *ps, size_t npos,
	  struct ns_err *err)
{
	(void)arg, (void)qid, (void)c, (void)n, (void)pos, (void)ps;
	(void)npos, (void)err;
	return NS_OK;
}

static enum ns_rc
sink(void *arg, int64_t qid, const struct filter_cand *c, size_t n,
     const int64_t *pos, const double *ps, size_t npos, struct ns_err *err)
{
	struct sink *s = arg;

	return db_mine_store(s->db, s->run, qid, c, n, pos, ps, npos, err);
}

/* sgemm over the NQ x NB x DIM product in faiss's default blocks
 * (4096 x 1024); seconds. */
static double
time_sgemm(const float *xq, const float *xb, int64_t nq, int64_t nb, int d)
{
	float *c = xmalloc((size_t)4096 * 1024 * sizeof(float));
	const float one = 1, zero = 0;
	double t0 = now_seconds();

	for (int64_t i = 0; i < nq; i += 4096)
		for (int64_t j = 0; j < nb; j += 1024) {
			int m = (int)(nb - j < 1024 ? nb - j : 1024);
			int n = (int)(nq - i < 4096 ? nq - i : 4096);

			sgemm_("T", "N", &m, &n, &d, &one, xb + (size_t)j * d,
			       &d, xq + (size_t)i * d, &d, &zero, c, &m);
		}
	t0 = now_seconds() - t0;
	free(c);
	return t0;
}

int
main(int argc, char **argv)
{
	int64_t nq, nb, *qids, *pids, *off, *pp;
	int d, k;
	char qpath[1024], ppath[1024];
	struct db *db = NULL;
	struct ns_err err;
	struct rusage ru;
	double t0, t_sgemm, t_mine, flops;

	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: mine-bench NQ NB DIM K DIR [now]\n");
		return 2;
	}
	nq = atoll(argv[1]);
	nb = atoll(argv[2]);
	d = atoi(argv[3]);
	k = atoi(argv[4]);
	err_clear(&err);
	snprintf(qpath, sizeof(qpath), "%s/q.f32", argv[5]);
	snprintf(ppath, sizeof(ppath), "%s/p.f32", argv[5]);
	if (db_open(argv[5], DB_OPEN_CREATE, &db, &err) ||
	    db_exec(db, "INSERT INTO source(id,path,format,created_at) "
		    "VALUES(1,'bench','bench','now')", &err) ||
	    0) {
		err_print(&err);
		return 1;
	}
	{
		char sql[512];

		snprintf(sql, sizeof(sql), "BEGIN; WITH RECURSIVE n(i) AS "
			 "(SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %lld) "
			 "INSERT INTO query(id,xid,text,source_id) SELECT i, "
			 "'q'||i, NULL, 1 FROM n; WITH RECURSIVE n(i) AS "
			 "(SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %lld) "
			 "INSERT INTO passage(id,text,source_id) SELECT i, NULL,"
			 " 1 FROM n; INSERT INTO qrel SELECT id, id, 1, NULL, 1 "
			 "FROM query; COMMIT", (long long)nq, (long long)nb);
		if (db_exec(db, sql, &err)) {
			err_print(&err);
			return 1;
		}
	}

	write_vectors(qpath, nq, d, 1);
	write_vectors(ppath, nb, d, 2);

	/* (2) faiss search alone, (3) mining end to end in variants */
	qids = xmalloc((size_t)nq * sizeof(*qids));
	pids = xmalloc((size_t)nb * sizeof(*pids));
	off = xmalloc((size_t)(nq + 1) * sizeof(*off));
	pp = xmalloc((size_t)nq * sizeof(*pp));
	for (int64_t i = 0; i < nq; i++) {
		qids[i] = i + 1;
		off[i] = i;
		pp[i] = i + 1;
	}
	off[nq] = nq;
	for (int64_t i = 0; i < nb; i++)
		pids[i] = i + 1;
	flops = 2.0 * (double)nq * (double)nb * d;
	printf("nq=%lld nb=%lld d=%d k=%d\n", (long long)nq, (long long)nb, d,
	       k);
	printf("each line: the variant, then sgemm over the same product in "
	       "faiss's 4096x1024 blocks right before it\n");
	{
		const float *xq = map(qpath, (size_t)nq * d * 4);
		const float *xb = map(ppath, (size_t)nb * d * 4);
		struct dense_index *ix = NULL;
		/* store: 0 not stored, 1 stored with FK checks, 2 without
		 * (as negsieve mine does: its ids are checked beforehand) */
		static const struct variant {
			const char *name;
			int search_only, index, overlap, qbs, dbbs, batch, store;
		} v[] = {
			{ "faiss search only, IndexFlatIP", 1, 1, 0, 4096, 1024, 4096, 0 },
			{ "faiss search only, knn over mapped vectors", 1, 0, 0, 4096, 1024, 4096, 0 },
			{ "mine, before: index, sequential, FK on", 0, 1, 0, 4096, 1024, 4096, 1 },
			{ "mine, now: knn, overlapped, FK off", 0, 0, 1, 4096, 1024, 4096, 2 },
			{ "mine, now, sequential", 0, 0, 0, 4096, 1024, 4096, 2 },
			{ "mine, now, blocks 4096x4096", 0, 0, 1, 4096, 4096, 4096, 2 },
		};

		if (argc != 7 && dense_build("Flat", d, xb, nb, 0, &ix, &err)) {
			err_print(&err);
			return 1;
		}
		/* "now": only the way negsieve mine works, for its peak RSS
		 * (no IndexFlatIP copy of the vectors) */
		size_t v0 = argc == 7 ? 3 : 0, v1 = argc == 7 ? 4 :
			sizeof(v) / sizeof(v[0]);

		for (size_t vi = v0; vi < v1; vi++) {
			struct filter_params fp;
			struct summary sum;
			struct mine_in in;
			struct sink s;

			ns_faiss_set_blas_block(v[vi].qbs, v[vi].dbbs);
			t_sgemm = time_sgemm(xq, xb, nq, nb, d);
			t0 = now_seconds();
			if (v[vi].search_only) {
				size_t m = (size_t)4096 * (size_t)k;
				float *dist = xmalloc(m * sizeof(float));
				int64_t *lab = xmalloc(m * sizeof(int64_t));

				for (int64_t q0 = 0; q0 < nq; q0 += 4096)
					if (v[vi].index ?
				    dense_search(ix, xq + (size_t)q0 * d,
						 nq - q0 < 4096 ? nq - q0 : 4096,
						 k, dist, lab, &err) :
				    dense_knn(xq + (size_t)q0 * d,
					      nq - q0 < 4096 ? nq - q0 : 4096,
					      xb, nb, d, k, dist, lab, &err)) {
						err_print(&err);
						return 1;
					}
				free(dist);
				free(lab);
			} else {
				memset(&in, 0, sizeof(in));
				in.dim = d;
				in.nq = nq;
				in.qv = xq;
				in.qids = qids;
				in.np = nb;
				in.pv = xb;
				in.pids = pids;
				in.pos_off = off;
				in.pos_pid = pp;
				filter_params_default(&fp);
				fp.range_max = k;
				fp.rel_margin = 0.05;
				summary_init(&sum);
				s.db = db;
				db_mine_fk(db, v[vi].store != 2, &err);
				if (db_begin(db, &err) ||
				    db_mine_run_new(db, "dense", "{}", &s.run,
						    &err) ||
				    mine_dense_ex(&in, v[vi].index ? ix : NULL,
						  k, v[vi].batch,
						  v[vi].overlap, &fp, &sum,
						  v[vi].store ? sink : sink_none,
						  &s, NULL, &err) ||
				    db_commit(db, &err)) {
					err_print(&err);
					return 1;
				}
				summary_fini(&sum);
			}
			t_mine = now_seconds() - t0;
			printf("%-42s %7.3f s %6.1f GFLOP/s | sgemm %6.3f s "
			       "%6.1f GFLOP/s | %3.0f%%\n", v[vi].name, t_mine,
			       flops / t_mine / 1e9, t_sgemm,
			       flops / t_sgemm / 1e9, 100 * t_sgemm / t_mine);
			fflush(stdout);
		}
		dense_free(ix);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS: %.0f MB (vectors %.0f MB)\n", ru.ru_maxrss / 1024.0,
	       (double)(nq + nb) * d * 4 / 1048576);
	db_close(db);
	return 0;
}
