/*
 * t-label.c - one truth for labels: every sequence of f / x / d / D / u
 * (and relabels) on the two items of a query, made through the review
 * model, leaves the same label in the model (what the screen draws), in
 * the item_label view and in the counts `stats` prints, and the one a
 * reference implementation of the rule in src/label.h computes.
 *
 * Each sequence works on a query of its own as an annotator of its own,
 * so that undo (the annotator's latest batch) stays inside it and the
 * stats totals can be checked against the sum of all references.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/db.h"
#include "db/stats.h"
#include "src/label.h"
#include "src/review.h"
#include "src/util.h"
#include "tests/tap.h"

#define NITEMS 2
#define NOPS 8		/* f0 f1 x0 x1 d0 d1 D u */
#define MAXLEN 3	/* exhaustive up to this length */
#define NRANDOM 150	/* then random sequences of RANDLEN */
#define RANDLEN 10

/* The reference: an item's events and the batches of one annotator. */
struct ref_ev {
	int item;		/* -1: the query */
	enum label l;
	bool undone;
	int batch;
};

struct ref {
	struct ref_ev ev[64];
	int nev;
	int nbatch;
};

/* The current label of @item by the rule: a live drop_query wins, else
 * the latest live labelling event of the item. */
static enum label
ref_label(const struct ref *r, int item)
{
	enum label l = LABEL_NONE;

	for (int i = 0; i < r->nev; i++)
		if (!r->ev[i].undone && r->ev[i].item == -1)
			return LABEL_DROP_QUERY;
	for (int i = 0; i < r->nev; i++)
		if (!r->ev[i].undone && r->ev[i].item == item)
			l = r->ev[i].l;
	return l;
}

static bool
ref_dropped(const struct ref *r)
{
	return ref_label(r, 0) == LABEL_DROP_QUERY;
}

/* Apply op @op to the reference as the review screen promises to. */
static void
ref_apply(struct ref *r, int op)
{
	if (op == 7) {		/* u: the latest batch not undone */
		int b = -1;

		for (int i = 0; i < r->nev; i++)
			if (!r->ev[i].undone)
				b = r->ev[i].batch;
		for (int i = 0; i < r->nev; i++)
			if (r->ev[i].batch == b)
				r->ev[i].undone = true;
		return;
	}
	if (op == 6) {		/* D: once */
		if (!ref_dropped(r))
			r->ev[r->nev++] = (struct ref_ev){ -1,
				LABEL_DROP_QUERY, false, r->nbatch++ };
		return;
	}
	{
		int item = op % 2;
		enum label l = op < 2 ? LABEL_FN : op < 4 ? LABEL_TN
					: LABEL_DROP_PASSAGE;

		/* refused on a dropped query; nothing written when the
		 * item already has the label */
		if (ref_dropped(r) || ref_label(r, item) == l)
			return;
		r->ev[r->nev++] = (struct ref_ev){ item, l, false,
						   r->nbatch++ };
	}
}

static const char *const op_names[NOPS] = {
	"f0", "f1", "x0", "x1", "d0", "d1", "D", "u"
};

static struct db *db;
static int nquery;
static int64_t want_totals[LABEL_COUNT];
static int fails;
static char first_fail[512];

/* A project with @n queries, each with two kept candidates. */
static void
make_project(int n)
{
	struct ns_err err;
	char dir[600];
	struct strbuf sb;

	snprintf(dir, sizeof(dir), "%s/p", tap_tmpdir());
	if (db_open(dir, DB_OPEN_CREATE, &db, &err) != NS_OK) {
		diag("%s", err.msg);
		exit(1);
	}
	strbuf_init(&sb);
	strbuf_addstr(&sb, "BEGIN;"
		      "INSERT INTO source(id, path, format, created_at)"
		      " VALUES (1, 't', 'test', 'now');"
		      "INSERT INTO run(id, source_id, method, created_at)"
		      " VALUES (1, 1, 'import', 'now');");
	for (int q = 1; q <= n; q++)
		strbuf_addf(&sb,
			    "INSERT INTO query(id, xid, text, source_id)"
			    " VALUES (%d, 'q%d', 'query %d', 1);"
			    "INSERT INTO passage(id, hash, text, source_id)"
			    " VALUES (%d, %d, 'a %d', 1), (%d, %d, 'b %d', 1);"
			    "INSERT INTO candidate(run_id, query_id, passage_id,"
			    " rank, score) VALUES (1, %d, %d, 1, 0.9),"
			    " (1, %d, %d, 2, 0.8);",
			    q, q, q, 2 * q - 1, 2 * q - 1, q, 2 * q, 2 * q, q,
			    q, 2 * q - 1, q, 2 * q);
	strbuf_addstr(&sb, "COMMIT;");
	if (db_exec(db, sb.buf, &err) != NS_OK) {
		diag("%s", err.msg);
		exit(1);
	}
	strbuf_fini(&sb);
}

static void
mismatch(const char *seq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
mismatch(const char *seq, const char *fmt, ...)
{
	va_list ap;
	size_t o;

	if (fails++)
		return;
	o = (size_t)snprintf(first_fail, sizeof(first_fail), "[%s] ", seq);
	va_start(ap, fmt);
	vsnprintf(first_fail + o, sizeof(first_fail) - o, fmt, ap);
	va_end(ap);
}

/* The label of item @item (0/1) of query @q in the item_label view. */
static enum label
view_label(int q, int item)
{
	static const char sql[] =
		"SELECT label FROM item_label WHERE query_id = ?1"
		" AND passage_id = ?2";
	struct ns_err err;
	sqlite3_stmt *st = db_prep(db, sql, &err);
	enum label l = LABEL_NONE;
	int n = 0;

	sqlite3_bind_int64(st, 1, q);
	sqlite3_bind_int64(st, 2, 2 * q - 1 + item);
	while (sqlite3_step(st) == SQLITE_ROW) {
		l = label_of_action((const char *)sqlite3_column_text(st, 0));
		n++;
	}
	sqlite3_reset(st);
	return n > 1 ? LABEL_COUNT : l;	/* two rows: never one truth */
}

/* Run sequence @ops (@len ops) on a new query; check after each op. */
static void
run_sequence(const int *ops, int len)
{
	struct review *r = NULL;
	struct ns_err err;
	struct ref ref;
	char seq[128], who[32], xid[32];
	size_t o = 0;
	int q = ++nquery;

	memset(&ref, 0, sizeof(ref));
	for (int i = 0; i < len; i++)
		o += (size_t)snprintf(seq + o, sizeof(seq) - o, "%s%s",
				      i ? " " : "", op_names[ops[i]]);
	snprintf(who, sizeof(who), "a%d", q);
	snprintf(xid, sizeof(xid), "q%d", q);
	err_clear(&err);
	if (review_open(db, who, 0, &r, &err) != NS_OK) {
		mismatch(seq, "review_open: %s", err.msg);
		return;
	}
	for (int i = 0; i < len; i++) {
		int op = ops[i];
		enum req req = op < 2 ? REQ_FN : op < 4 ? REQ_TN
			       : op < 6 ? REQ_DROP_PASSAGE
			       : op == 6 ? REQ_DROP_QUERY : REQ_UNDO;

		review_act(r, REQ_JUMP, xid, 5);
		if (op < 6)
			review_act(r, op % 2 ? REQ_MOVE_LAST : REQ_MOVE_FIRST,
				   NULL, 5);
		if (review_act(r, req, NULL, 5) != NS_OK)
			mismatch(seq, "op %d (%s) failed: %s", i + 1,
				 op_names[op], r->msg);
		ref_apply(&ref, op);
		/* what the screen draws for this query after the key */
		review_act(r, REQ_JUMP, xid, 5);
		for (int it = 0; it < NITEMS; it++) {
			enum label want = ref_label(&ref, it);
			enum label model = LABEL_NONE, view = view_label(q, it);

			for (size_t k = 0; k < r->q->n; k++)
				if (r->q->c[k].passage_id == 2 * q - 1 + it)
					model = r->q->dropped
						? LABEL_DROP_QUERY
						: r->q->c[k].label;
			if (model != want || view != want)
				mismatch(seq, "after op %d item %d: reference "
					 "%s, screen %s, view %s", i + 1, it,
					 label_action(want),
					 label_action(model),
					 view == LABEL_COUNT ? "two rows"
					 : label_action(view));
		}
	}
	review_close(r);
	for (int it = 0; it < NITEMS; it++)
		want_totals[ref_label(&ref, it)]++;
}

/* stats_labels() against the sum of the references so far. */
static void
check_stats(const char *what)
{
	int64_t tot[LABEL_COUNT];
	struct stats_annotator *ann = NULL;
	size_t n = 0;
	struct ns_err err;
	int64_t per[LABEL_COUNT] = { 0 };
	bool same = true;

	err_clear(&err);
	if (!ok(stats_labels(db, tot, &ann, &n, &err) == NS_OK,
		"%s: stats_labels", what))
		return;
	for (size_t i = 0; i < n; i++)
		for (int l = 0; l < LABEL_COUNT; l++)
			per[l] += ann[i].labels[l];
	for (int l = LABEL_NONE + 1; l < LABEL_COUNT; l++) {
		if (!label_decides((enum label)l))
			continue;
		if (tot[l] != want_totals[l] || per[l] != want_totals[l]) {
			diag("%s: %s total %lld, per annotator %lld, reference "
			     "%lld", what, label_action((enum label)l),
			     (long long)tot[l], (long long)per[l],
			     (long long)want_totals[l]);
			same = false;
		}
	}
	ok(same, "%s: stats totals and per-annotator counts equal the "
	   "reference", what);
	stats_annotators_free(ann, n);
}

int
main(void)
{
	int ops[RANDLEN], count = 0;
	uint64_t rng = 0x9e3779b97f4a7c15ULL;

	/* the label table and the log agree on every stored action */
	for (int l = LABEL_NONE + 1; l < LABEL_COUNT; l++) {
		is_int(label_of_action(label_action((enum label)l)), l,
		       label_action((enum label)l));
		is_int(label_of_req(label_req((enum label)l)), l,
		       label_words((enum label)l));
	}
	ok(label_decides(LABEL_FN) && !label_decides(LABEL_SKIP) &&
	   !label_decides(LABEL_NONE), "skip and none decide nothing");

	make_project(600 + NRANDOM);
	for (int len = 1; len <= MAXLEN; len++) {
		int total = 1;

		for (int i = 0; i < len; i++)
			total *= NOPS;
		fails = 0;
		for (int s = 0; s < total; s++) {
			for (int i = 0, v = s; i < len; i++, v /= NOPS)
				ops[i] = v % NOPS;
			run_sequence(ops, len);
			count++;
		}
		if (!ok(fails == 0, "all %d sequences of length %d: screen, "
			"view and reference agree", total, len))
			diag("%d mismatches; first: %s", fails, first_fail);
	}
	check_stats("exhaustive");
	fails = 0;
	for (int s = 0; s < NRANDOM; s++) {
		for (int i = 0; i < RANDLEN; i++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			ops[i] = (int)(rng % NOPS);
		}
		run_sequence(ops, RANDLEN);
		count++;
	}
	if (!ok(fails == 0, "%d random sequences of length %d agree",
		NRANDOM, RANDLEN))
		diag("%d mismatches; first: %s", fails, first_fail);
	check_stats("random");
	diag("%d sequences", count);
	db_close(db);
	return tap_done();
}
