/* t-bm25.c - BM25 search by summed term scores (src/bm25.c) against FTS5's
 * bm25() of each whole query: the statement mining used before
 * (ORDER BY bm25() LIMIT k) and a brute-force ranking of every match
 * (score descending, ties by passage id), bit for bit, on generated texts
 * with common and rare words, repeated terms, case and non-ASCII variants,
 * multi-token and empty phrases, ties at the cut, queries without terms; with
 * one and three threads, a memory budget that forgets terms, and rows
 * missing from the passage list; and an SQLite whose bm25() is not the sum
 * of its phrases' scores (replaced through FTS5's own API in every
 * connection): the check sees it and every query is searched whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/mining.h"
#include "src/bm25.h"
#include "src/import.h"
#include "src/project.h"
#include "src/util.h"
#include "tests/tap.h"

/* Words drawn with decreasing frequency: the first ones are in most
 * passages (FTS5 clamps their idf), the last ones in few. */
static const char *const words[] = {
	"the", "of", "and", "a", "to", "for", "data", "library", "tool",
	"The", "FOR", "file", "server", "x", "2", "caf\xc3\xa9", "CAF\xc3\x89",
	"na\xc3\xafve", "alpha\xe2\x80\x94" "beta", "fr\xc3\xa9quence",
	"\xce\xb1\xce\xb2", "graph", "kernel", "python3", "e2e", "udp",
	"ipv6", "zstd", "lattice", "quorum", "raft", "wombat", "yak",
	"\xe2\x80\x94", "\xc2\xa9",	/* separators only: empty phrases */
};
#define NWORDS (sizeof(words) / sizeof(words[0]))
#define NPASS 400
#define NQ 150

static uint64_t seed = 42;

static unsigned
rnd(unsigned n)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((seed >> 33) % n);
}

/* A word, the first ones far more often. */
static const char *
word(void)
{
	unsigned a = rnd(NWORDS), b = rnd(NWORDS);

	return words[a < b ? a : b];
}

static void
text(struct strbuf *sb, int n)
{
	for (int i = 0; i < n; i++) {
		strbuf_addstr(sb, i ? (rnd(5) ? " " : ", ") : "");
		strbuf_addstr(sb, word());
	}
}

/* Write the generated set as BGE JSONL to @path. */
static void
write_set(const char *path)
{
	FILE *f = fopen(path, "w");
	struct strbuf q, p;

	strbuf_init(&q);
	strbuf_init(&p);
	for (int i = 0; i < NQ; i++) {
		strbuf_reset(&q);
		if (i == 3)
			strbuf_addstr(&q, "?! -- ...");	/* no term */
		else if (i == 4)
			strbuf_addstr(&q, "wombat wombat yak wombat");
		else if (i == 5)
			strbuf_addstr(&q, "unheardofword");
		else
			text(&q, 1 + (int)rnd(i % 3 ? 8 : 70));
		if (i > 5)	/* unique texts: queries are one per text */
			strbuf_addf(&q, " q%d", i);
		fprintf(f, "{\"query\":\"%s\",\"pos\":[", q.buf);
		for (int j = 0; j < 1 + (int)rnd(2); j++) {
			strbuf_reset(&p);
			text(&p, 2 + (int)rnd(30));
			fprintf(f, "%s\"%s p%d.%d\"", j ? "," : "", p.buf, i, j);
		}
		fprintf(f, "],\"neg\":[");
		for (int j = 0; j < NPASS / NQ; j++) {
			strbuf_reset(&p);
			/* same lengths and words at different places: ties */
			if (j == 0)
				fprintf(f, "\"lattice graph n%d\",\"graph lattice "
					"m%d\",", i, i);
			text(&p, 3 + (int)rnd(j ? 40 : 4));
			fprintf(f, "%s\"%s n%d.%d\"", j ? "," : "", p.buf, i, j);
		}
		fprintf(f, "]}\n");
	}
	strbuf_fini(&q);
	strbuf_fini(&p);
	fclose(f);
}

/* Every query's results, as the callback got them. */
struct got {
	int64_t n[NQ * 2];
	int64_t *pid[NQ * 2];
	double *score[NQ * 2];
	double *pos[NQ * 2];
	int64_t npos[NQ * 2];
	int64_t calls, last, out_of_order;
	const int64_t *pos_off;
};

static enum ns_rc
got_fn(void *arg, int64_t qi, const struct bm25_hits *h, struct ns_err *err)
{
	struct got *g = arg;
	int64_t np = g->pos_off[qi + 1] - g->pos_off[qi];

	(void)err;
	g->out_of_order += qi <= g->last;
	g->last = qi;
	g->calls++;
	g->n[qi] = h->n;
	g->pid[qi] = xmalloc(((size_t)h->n + 1) * sizeof(int64_t));
	g->score[qi] = xmalloc(((size_t)h->n + 1) * sizeof(double));
	memcpy(g->pid[qi], h->pids, (size_t)h->n * sizeof(int64_t));
	memcpy(g->score[qi], h->scores, (size_t)h->n * sizeof(double));
	g->pos[qi] = xmalloc(((size_t)np + 1) * sizeof(double));
	memcpy(g->pos[qi], h->pos_score, (size_t)np * sizeof(double));
	g->npos[qi] = np;
	return NS_OK;
}

static void
got_free(struct got *g)
{
	for (int i = 0; i < NQ * 2; i++) {
		free(g->pid[i]);
		free(g->score[i]);
		free(g->pos[i]);
	}
	memset(g, 0, sizeof(*g));
}

/* Queries on which @a and @b differ (ids, scores bit for bit, positives'
 * scores); the first one in *@first. */
static int
got_diff(const struct got *a, const struct got *b, int64_t nq, int64_t *first)
{
	int bad = 0;

	*first = -1;
	for (int64_t q = 0; q < nq; q++) {
		bool same = a->n[q] == b->n[q] && a->npos[q] == b->npos[q];

		for (int64_t i = 0; same && i < a->n[q]; i++)
			same = a->pid[q][i] == b->pid[q][i] &&
			       !memcmp(&a->score[q][i], &b->score[q][i],
				       sizeof(double));
		for (int64_t i = 0; same && i < a->npos[q]; i++)
			same = !memcmp(&a->pos[q][i], &b->pos[q][i],
				       sizeof(double));
		if (!same && *first < 0)
			*first = q;
		bad += !same;
	}
	return bad;
}

/* The brute-force ranking of one query: every match's -bm25() of the
 * whole query, sorted here by score descending then id. */
struct hit {
	int64_t id;
	double s;
};

static int
hit_cmp(const void *x, const void *y)
{
	const struct hit *a = x, *b = y;

	if (a->s != b->s)
		return a->s > b->s ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static void
brute(struct db *db, char *const *texts, const int64_t *pos_off,
      const int64_t *pos_pid, int64_t nq, int k, struct got *g)
{
	static const char sql[] =
		"SELECT rowid, -bm25(passage_fts) FROM passage_fts "
		"WHERE passage_fts MATCH ?";
	struct hit *h = xmalloc(NPASS * 4 * sizeof(*h));

	g->pos_off = pos_off;
	for (int64_t q = 0; q < nq; q++) {
		char *fq = texts[q] ? db_mine_fts_query(texts[q]) : NULL;
		sqlite3_stmt *st = db_prep(db, sql, NULL);
		int64_t m = 0, np = pos_off[q + 1] - pos_off[q];

		if (fq) {
			sqlite3_bind_text(st, 1, fq, -1, SQLITE_TRANSIENT);
			while (sqlite3_step(st) == SQLITE_ROW) {
				h[m].id = sqlite3_column_int64(st, 0);
				h[m++].s = sqlite3_column_double(st, 1);
			}
			sqlite3_reset(st);
		}
		free(fq);
		qsort(h, (size_t)m, sizeof(*h), hit_cmp);
		g->n[q] = m < k ? m : k;
		g->pid[q] = xmalloc(((size_t)m + 1) * sizeof(int64_t));
		g->score[q] = xmalloc(((size_t)m + 1) * sizeof(double));
		for (int64_t i = 0; i < g->n[q]; i++) {
			g->pid[q][i] = h[i].id;
			g->score[q][i] = h[i].s;
		}
		g->pos[q] = xcalloc((size_t)np + 1, sizeof(double));
		g->npos[q] = np;
		for (int64_t p = 0; p < np; p++)
			for (int64_t i = 0; i < m; i++)
				if (h[i].id == pos_pid[pos_off[q] + p])
					g->pos[q][p] = h[i].s;
	}
	free(h);
}

/* Calls of coord_bm25(), from every worker's connection. */
static int coord_calls;

/* A bm25() that is not the sum of its phrases' scores, as another SQLite's
 * might be: a coordination bonus, (the row's phrase instances)^2 / (1 + its
 * tokens), negated like FTS5's (lower is better). */
static void
coord_bm25(const Fts5ExtensionApi *api, Fts5Context *fts,
	   sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	int ninst = 0, ntok = 0;

	(void)nval;
	(void)val;
	__atomic_add_fetch(&coord_calls, 1, __ATOMIC_RELAXED);
	if (api->xInstCount(fts, &ninst) != SQLITE_OK ||
	    api->xColumnSize(fts, -1, &ntok) != SQLITE_OK) {
		sqlite3_result_error(ctx, "coord_bm25: no instances", -1);
		return;
	}
	sqlite3_result_double(ctx, -(double)ninst * ninst / (1.0 + ntok));
}

/* An automatic extension: coord_bm25() as "bm25" in connection @h (FTS5
 * calls the auxiliary function registered last under a name). */
static int
coord_register(sqlite3 *h, char **msg, const sqlite3_api_routines *routines)
{
	fts5_api *f = NULL;
	sqlite3_stmt *st;

	(void)msg;
	(void)routines;
	if (sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL) !=
	    SQLITE_OK)
		return SQLITE_ERROR;
	sqlite3_bind_pointer(st, 1, (void *)&f, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return f && f->xCreateFunction(f, "bm25", NULL, coord_bm25, NULL) ==
			    SQLITE_OK ? SQLITE_OK : SQLITE_ERROR;
}

/* Ties at the cut of any query: the k-th and (k+1)-th scores equal. */
static int
ties_at_cut(struct db *db, char *const *texts, int64_t nq, int k)
{
	struct ns_err err;
	int ties = 0;

	for (int64_t q = 0; q < nq; q++) {
		int64_t *p = NULL;
		double *s = NULL;
		int n = 0;

		if (db_mine_bm25(db, texts[q], k + 1, &p, &s, &n, &err) ==
			    NS_OK &&
		    n == k + 1 && s[k - 1] == s[k])
			ties++;
		free(p);
		free(s);
	}
	return ties;
}

int
main(void)
{
	char dir[600], path[700];
	struct import_input in[1];
	struct import_opts io;
	struct import_result ir;
	struct project p;
	struct ns_err err;
	struct bm25_params bp;
	struct bm25_stats st;
	struct got ref, got, bf;
	int64_t *qids = NULL, nq = 0, *pos_off = NULL, *pos_pid = NULL;
	int64_t *pids = NULL, np = 0, *order, first;
	uint64_t *ph = NULL;
	char **texts = NULL;
	int ks[] = { 5, 40 };

	err_clear(&err);
	snprintf(dir, sizeof(dir), "%s/proj", tap_tmpdir());
	snprintf(path, sizeof(path), "%s/set.jsonl", tap_tmpdir());
	write_set(path);
	if (!ok(project_init(&p, dir, NULL, &err) == NS_OK, "project"))
		return tap_done();
	memset(&io, 0, sizeof(io));
	io.fts = true;
	io.max_record = 1 << 20;
	memset(in, 0, sizeof(in));
	in[0].path = path;
	if (!ok(import_run(p.db, &io, in, 1, &ir, &err) == NS_OK,
		"generated set imported: %s", err.msg))
		return tap_done();
	ok(db_mine_queries(p.db, &qids, &texts, &nq, &err) == NS_OK &&
	   nq == NQ, "queries read");
	ok(db_mine_positives(p.db, qids, nq, &pos_off, &pos_pid, &err) ==
		   NS_OK &&
	   db_mine_passage_hashes(p.db, &pids, &ph, &np, &err) == NS_OK &&
	   np > NPASS, "positives and passages read (%lld)", (long long)np);
	{
		int64_t none = 0;

		for (int64_t i = 0; i < nq; i++) {
			char *fq = db_mine_fts_query(texts[i]);

			none += !fq;
			free(fq);
		}
		is_int(none, 1, "one query has no term");
	}
	order = xmalloc((size_t)nq * sizeof(*order));
	for (int64_t i = 0; i < nq; i++)
		order[i] = i;

	for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
		int k = ks[ki];

		ok(ties_at_cut(p.db, texts, nq, k) > 0,
		   "k %d: some queries have ties at the cut", k);
		memset(&bp, 0, sizeof(bp));
		bp.dir = dir;
		bp.threads = 2;
		bp.k = k;
		bp.texts = texts;
		bp.pos_off = pos_off;
		bp.pos_pid = pos_pid;
		bp.order = order;
		bp.norder = nq;
		bp.pids = pids;
		bp.npids = np;
		/* the reference: each query whole through FTS5 */
		memset(&ref, 0, sizeof(ref));
		ref.pos_off = pos_off;
		ref.last = -1;
		bp.per_query = true;
		is_int(bm25_search(&bp, got_fn, &ref, &st, &err), NS_OK,
		       "whole queries through FTS5 (the reference)");
		ok(st.whole == nq && st.terms == 0,
		   "k %d: all %lld queries whole", k, (long long)st.whole);
		/* brute force: every match scored and sorted here */
		memset(&bf, 0, sizeof(bf));
		brute(p.db, texts, pos_off, pos_pid, nq, k, &bf);
		ok(got_diff(&ref, &bf, nq, &first) == 0,
		   "k %d: FTS5's ORDER BY bm25() LIMIT k is the brute-force "
		   "ranking (score, then passage id)", k);
		for (int threads = 1; threads <= 3; threads += 2) {
			memset(&got, 0, sizeof(got));
			got.pos_off = pos_off;
			got.last = -1;
			bp.per_query = false;
			bp.threads = threads;
			is_int(bm25_search(&bp, got_fn, &got, &st, &err),
			       NS_OK, "summed terms");
			diag("k %d, %d threads", k, threads);
			is_int(got.calls, nq, "... every query handed over");
			is_int(got.out_of_order, 0, "... in order");
			is_int(got_diff(&got, &ref, nq, &first), 0,
			       "... the same hits and scores, bit for bit, as "
			       "whole queries");
			if (first >= 0)
				diag("first difference: query %lld '%s'",
				     (long long)first, texts[first]);
			ok(st.whole == 0 && !st.differs && st.checked >= 1 &&
			   st.terms > 10 && st.forgotten == 0,
			   "... stats: %lld terms, %lld checked, %lld whole",
			   (long long)st.terms, (long long)st.checked,
			   (long long)st.whole);
			got_free(&got);
		}
		/* a budget of one byte: terms are forgotten at every chunk */
		memset(&got, 0, sizeof(got));
		got.pos_off = pos_off;
		got.last = -1;
		bp.budget = 1;
		is_int(bm25_search(&bp, got_fn, &got, &st, &err), NS_OK,
		       "a tiny memory budget");
		ok(st.forgotten >= 1, "... terms forgotten %lld times",
		   (long long)st.forgotten);
		is_int(got_diff(&got, &ref, nq, &first), 0,
		       "... the same results");
		got_free(&got);
		bp.budget = 0;
		got_free(&ref);
		got_free(&bf);
	}

	/* bm25() of the whole query not the sum of its terms' (another
	 * SQLite's formula): the check on the first chunk finds it, the
	 * chunk is searched again whole, and so is every later query; the
	 * results are those of whole queries under that bm25() */
	ok(sqlite3_auto_extension((void (*)(void))coord_register) ==
		   SQLITE_OK, "a bm25() with a coordination bonus in every "
			      "new connection");
	bp.k = 40;
	bp.threads = 2;
	memset(&ref, 0, sizeof(ref));
	ref.pos_off = pos_off;
	ref.last = -1;
	bp.per_query = true;
	is_int(bm25_search(&bp, got_fn, &ref, &st, &err), NS_OK,
	       "whole queries under that bm25() (the reference)");
	ok(coord_calls > 0 && st.whole == nq,
	   "... it scored them: %d calls", coord_calls);
	memset(&got, 0, sizeof(got));
	got.pos_off = pos_off;
	got.last = -1;
	bp.per_query = false;
	is_int(bm25_search(&bp, got_fn, &got, &st, &err), NS_OK,
	       "summed terms under that bm25()");
	ok(st.differs && st.checked >= 1 && st.terms > 0,
	   "... the check found the difference (%lld checked, %lld terms "
	   "asked)", (long long)st.checked, (long long)st.terms);
	is_int(st.whole, nq, "... every query then searched whole (the "
			     "first chunk again)");
	is_int(got.calls, nq, "... every query handed over");
	is_int(got.out_of_order, 0, "... in order");
	is_int(got_diff(&got, &ref, nq, &first), 0,
	       "... the same hits and scores, bit for bit, as whole queries");
	if (first >= 0)
		diag("first difference: query %lld '%s'", (long long)first,
		     texts[first]);
	got_free(&got);
	got_free(&ref);
	ok(sqlite3_cancel_auto_extension((void (*)(void))coord_register) == 1,
	   "FTS5's own bm25() again for new connections");

	/* a passage FTS5 returns that is not in the list: its queries are
	 * searched whole, the others summed; the rest of the search is as
	 * it was (the missing passage is then simply not known to it) */
	{
		int64_t gone = pids[np / 2];

		memset(&ref, 0, sizeof(ref));
		ref.pos_off = pos_off;
		ref.last = -1;
		bp.k = 40;
		bp.per_query = true;
		bm25_search(&bp, got_fn, &ref, &st, &err);
		memmove(&pids[np / 2], &pids[np / 2 + 1],
			(size_t)(np - np / 2 - 1) * sizeof(*pids));
		bp.npids = np - 1;
		bp.per_query = false;
		memset(&got, 0, sizeof(got));
		got.pos_off = pos_off;
		got.last = -1;
		is_int(bm25_search(&bp, got_fn, &got, &st, &err), NS_OK,
		       "a row missing from the passage list");
		ok(st.whole > 0 && st.whole < nq,
		   "... %lld queries searched whole (passage %lld)",
		   (long long)st.whole, (long long)gone);
		is_int(got_diff(&got, &ref, nq, &first), 0,
		       "... the same results");
		got_free(&got);
		got_free(&ref);
	}

	/* no full-text index: a clear error from the workers */
	ok(db_exec(p.db, "DROP TABLE passage_fts", &err) == NS_OK,
	   "full-text index dropped");
	memset(&got, 0, sizeof(got));
	got.pos_off = pos_off;
	got.last = -1;
	is_int(bm25_search(&bp, got_fn, &got, &st, &err), NS_EDB,
	       "searching without the index fails");
	ok(strstr(err.msg, "no such table: passage_fts") != NULL,
	   "... saying so: %s", err.msg);
	got_free(&got);

	free(order);
	free(pids);
	free(ph);
	free(pos_off);
	free(pos_pid);
	db_mine_queries_free(qids, texts, nq);
	project_close(&p);
	return tap_done();
}
