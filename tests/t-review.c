/* t-review.c - the review state machine and its SQL, without curses:
 * resume, decisions reaching the log, undo across a restart, batches,
 * drop query, search, jump, leases. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/db.h"
#include "db/decision.h"
#include "db/queue.h"
#include "src/review.h"
#include "tests/tap.h"
#include "src/util.h"

static struct db *
fixture(const char *name)
{
	char dir[600], path[700];
	const char *top = getenv("top_srcdir");
	struct ns_err err;
	struct db *db = NULL;
	FILE *fp;
	char *sql;
	long len;

	snprintf(dir, sizeof(dir), "%s/%s", tap_tmpdir(), name);
	if (db_open(dir, DB_OPEN_CREATE, &db, &err) != NS_OK) {
		diag("%s", err.msg);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/tests/review-fixture.sql",
		 top ? top : ".");
	if (!(fp = fopen(path, "r"))) {
		diag("cannot read %s", path);
		exit(1);
	}
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	sql = xmalloc((size_t)len + 1);
	sql[fread(sql, 1, (size_t)len, fp)] = '\0';
	fclose(fp);
	if (db_exec(db, sql, &err) != NS_OK) {
		diag("%s", err.msg);
		exit(1);
	}
	free(sql);
	return db;
}

/* Frames in the WAL and frames already copied into the database, from
 * the wal-index (the -shm file: mxFrame of the header, nBackfill of the
 * checkpoint info that follows its two copies; native byte order). */
static void
wal_frames(struct db *db, unsigned *mx, unsigned *backfill)
{
	char path[700];
	unsigned char buf[100];
	FILE *fp;

	*mx = *backfill = 0;
	snprintf(path, sizeof(path), "%s/" DB_FILENAME "-shm", db_dir(db));
	if (!(fp = fopen(path, "rb")))
		return;
	if (fread(buf, 1, sizeof(buf), fp) == sizeof(buf)) {
		memcpy(mx, buf + 16, 4);
		memcpy(backfill, buf + 96, 4);
	}
	fclose(fp);
}

static const char *
cur_xid(const struct review *r)
{
	return r->q && r->q->n ? r->q->c[r->cur].xid : "(none)";
}

/* Select candidate @xid of r's query. */
static void
select_xid(struct review *r, const char *xid)
{
	review_act(r, REQ_MOVE_FIRST, NULL, 5);
	while (strcmp(cur_xid(r), xid) && r->cur + 1 < r->q->n)
		review_act(r, REQ_MOVE_DOWN, NULL, 5);
}

/* Two sessions of one person (two connections, as two ssh windows), and
 * a second annotator: leases per session, what others wrote noticed, no
 * decision made on what the screen did not show. */
static void
sessions(void)
{
	struct db *a_db = fixture("two"), *b_db = NULL, *c_db = NULL;
	struct review *a = NULL, *b = NULL, *c = NULL;
	struct ns_err err;
	char dir[700];

	err_clear(&err);
	snprintf(dir, sizeof(dir), "%s/two", tap_tmpdir());
	ok(db_open(dir, DB_OPEN_EXISTING, &b_db, &err) == NS_OK &&
	   db_open(dir, DB_OPEN_EXISTING, &c_db, &err) == NS_OK,
	   "three connections");
	ok(review_open(a_db, "alice", 0, &a, &err) == NS_OK &&
	   review_open(b_db, "alice", 0, &b, &err) == NS_OK,
	   "alice opens two windows");
	is_str(a->q->xid, "q1", "the first window gets q1");
	is_str(b->q->xid, "q2", "the second gets the next query, not q1");
	review_act(b, REQ_JUMP, "q1", 5);
	ok(b->leased_out && b->holder_self, "q1 is held by the other window");
	review_act(b, REQ_TN, NULL, 5);
	is_str(b->msg, "Query q1 is open in your other review window; "
	       "decisions are off here (Tab or > goes on).",
	       "a decision there is refused and says why");
	is_int(db_scalar(a_db, "SELECT count(*) FROM decision"), 0,
	       "nothing written");
	review_act(b, REQ_NEXT_OPEN, NULL, 5);
	is_str(b->q->xid, "q2", "Tab leaves a query held elsewhere");

	/* bob finishes q3 while alice's second window shows it undecided */
	ok(review_open(c_db, "bob", 0, &c, &err) == NS_OK, "bob opens");
	is_str(c->q->xid, "q3", "bob gets the first free query");
	review_act(b, REQ_JUMP, "q3", 5);
	ok(b->leased_out && !b->holder_self && !strcmp(b->holder, "bob"),
	   "q3 is bob's");
	review_act(c, REQ_TN, NULL, 5);
	review_act(c, REQ_JUMP, "q4", 5);
	is_str(b->q->c[0].label ? "labelled" : "undecided", "undecided",
	       "alice's screen was drawn before bob decided");
	review_act(b, REQ_FN, NULL, 5);
	is_str(b->msg, "p9 was labelled TN by bob meanwhile; nothing "
	       "written.  Press the key again to change it.",
	       "a key on an item that changed since it was drawn says so");
	is_int(db_scalar(a_db, "SELECT count(*) FROM decision WHERE"
			 " passage_id = 9"), 1, "and writes nothing");
	is_int(b->q->c[0].label, LABEL_TN, "the screen now shows bob's TN");
	ok(!b->leased_out, "the lease bob let go is free now");
	review_act(b, REQ_FN, NULL, 5);
	ok(strstr(b->msg, "FN (was TN): p9.") == b->msg,
	   "pressed again: a relabel, said as such");
	is_int(db_scalar(a_db, "SELECT count(*) FROM item_label WHERE"
			 " passage_id = 9"), 1, "one current label");
	is_int(db_scalar(a_db, "SELECT count(*) FROM item_label WHERE"
			 " passage_id = 9 AND label = 'fn'"), 1,
	       "the latest: FN");

	/* "being reviewed by bob" clears once bob has gone */
	review_act(a, REQ_JUMP, "q4", 5);
	ok(a->leased_out, "q4 is bob's now");
	review_close(c);
	c = NULL;
	ok(review_sync(a), "alice's window notices bob's session end");
	ok(!a->leased_out, "and takes the lease");
	select_xid(a, "p10");
	review_act(a, REQ_TN, NULL, 5);
	ok(strstr(a->msg, "TN: p10.") == a->msg, "and may decide: %s",
	   a->msg);

	/* the other window notices what this one wrote */
	review_act(b, REQ_JUMP, "q4", 5);
	review_act(a, REQ_JUMP, "q2", 5);
	review_act(b, REQ_JUMP, "q2", 5);
	ok(b->leased_out, "q2 is in the first window");
	select_xid(a, "p6");
	review_act(a, REQ_FN, NULL, 5);
	ok(review_sync(b), "the second window sees a change");
	select_xid(b, "p6");
	is_int(b->q->c[b->cur].label, LABEL_FN, "and shows it");
	ok(!review_sync(b), "nothing new: no redraw");

	/* the same label twice writes nothing */
	select_xid(a, "p6");
	review_act(a, REQ_FN, NULL, 5);
	is_str(a->msg, "Already FN: p6.", "the same label again is not "
	       "another decision");
	is_int(db_scalar(a_db, "SELECT count(*) FROM decision WHERE"
			 " passage_id = 6"), 1, "one event");

	/* undo of a decision open in the other window */
	review_act(a, REQ_JUMP, "q1", 5);
	review_act(b, REQ_JUMP, "q2", 5);
	ok(!b->leased_out, "the second window takes q2");
	review_act(a, REQ_UNDO, NULL, 5);
	is_str(a->msg, "Your last decision is in query q2, open in your other "
	       "review window: undo it there.", "undo refuses another "
	       "window's query");
	is_int(db_scalar(a_db, "SELECT count(*) FROM decision WHERE"
			 " action = 'undo'"), 0, "nothing undone");
	review_act(b, REQ_UNDO, NULL, 5);
	is_str(b->msg, "Undid: FN of p6.", "the window holding it may");

	/* a write that fails (another connection holds the write lock past
	 * the busy timeout): screen and database still agree */
	review_act(a, REQ_JUMP, "q1", 5);
	select_xid(a, "p3");
	sqlite3_busy_timeout(db_handle(a_db), 50);
	ok(db_exec(c_db, "BEGIN IMMEDIATE", &err) == NS_OK,
	   "another connection takes the write lock");
	ok(review_act(a, REQ_FN, NULL, 5) == NS_EDB, "the decision fails");
	ok(a->msg_err && strstr(a->msg, "the project is busy") != NULL,
	   "with a clear message: %s", a->msg);
	is_int(a->q->c[a->cur].label, LABEL_NONE, "nothing shown as made");
	is_str(cur_xid(a), "p3", "the selection stays on the item");
	db_exec(c_db, "ROLLBACK", &err);
	is_int(db_scalar(a_db, "SELECT count(*) FROM decision WHERE"
			 " passage_id = 3"), 0, "nothing stored");
	ok(review_act(a, REQ_FN, NULL, 5) == NS_OK, "pressed again once free");
	is_int(db_scalar(a_db, "SELECT count(*) FROM item_label WHERE"
			 " passage_id = 3 AND label = 'fn'"), 1, "stored");
	sqlite3_busy_timeout(db_handle(a_db), 10000);

	/* a session that died frees its lease at once */
	review_act(b, REQ_JUMP, "q4", 5);
	db_exec(a_db, "UPDATE review_session SET pid = 999999999"
		" WHERE id = (SELECT session_id FROM review_lease"
		" WHERE query_id = 4)", &err);
	review_act(a, REQ_JUMP, "q4", 5);
	ok(!a->leased_out, "a dead session's lease is free");
	review_close(a);
	review_close(b);
	db_close(a_db);
	db_close(b_db);
	db_close(c_db);
}

/* Leases follow what is left: a session holds its query's lease only
 * while something there is left for it to decide; a lease it could not
 * write (the project busy) is tried again at its next key. */
static void
lease_follows_work(void)
{
	struct db *a_db = fixture("lease"), *b_db = NULL, *c_db = NULL;
	struct review *a = NULL, *b = NULL;
	struct ns_err err;
	char dir[700];
	static const char held_by[] =
		"SELECT count(*) FROM review_lease l JOIN annotator n"
		" ON n.id = l.annotator_id WHERE l.query_id = 1";

	err_clear(&err);
	snprintf(dir, sizeof(dir), "%s/lease", tap_tmpdir());
	ok(db_open(dir, DB_OPEN_EXISTING, &b_db, &err) == NS_OK &&
	   db_open(dir, DB_OPEN_EXISTING, &c_db, &err) == NS_OK,
	   "lease: three connections");
	ok(review_open(a_db, "alice", 0, &a, &err) == NS_OK, "alice opens");
	review_act(a, REQ_TN, NULL, 5);
	review_act(a, REQ_JUMP, "q2", 5);
	ok(review_open(b_db, "bob", 0, &b, &err) == NS_OK, "bob opens");
	is_str(b->q->xid, "q1", "bob gets q1, which alice left undecided");
	review_act(a, REQ_JUMP, "q1", 5);
	ok(a->leased_out, "q1 is bob's");

	/* bob goes while another connection writes: alice's window sees
	 * him gone, and takes the lease at its next key */
	review_close(b);
	b = NULL;
	sqlite3_busy_timeout(db_handle(a_db), 50);
	ok(db_exec(c_db, "BEGIN IMMEDIATE", &err) == NS_OK,
	   "lease: another connection takes the write lock");
	ok(review_sync(a), "alice's window notices bob's session end");
	ok(!a->leased_out && !a->lease_held, "the banner goes, though the "
	   "lease could not be written yet");
	is_str(a->msg, "bob has left query q1: decisions are on here.",
	       "the status line says so");
	db_exec(c_db, "ROLLBACK", &err);
	sqlite3_busy_timeout(db_handle(a_db), 10000);
	review_act(a, REQ_MOVE_DOWN, NULL, 5);
	ok(a->lease_held, "the next key takes it");
	is_int(db_scalar(a_db, held_by), 1, "q1's lease is in the database");

	/* decided to the end: the query is nobody's */
	review_act(a, REQ_REST_TN, NULL, 5);
	is_str(a->q->xid, "q2", "X: q1 done, on to q2");
	review_act(a, REQ_JUMP, "q1", 5);
	ok(!a->leased_out && !a->lease_held, "back on q1, all decided: "
	   "alice does not hold it");
	is_int(db_scalar(a_db, "SELECT count(*) FROM review_lease"), 0,
	       "no lease at all");
	ok(review_open(b_db, "bob", 0, &b, &err) == NS_OK, "bob again");
	is_str(b->q->xid, "q2", "bob gets q2");
	review_act(b, REQ_JUMP, "q1", 5);
	ok(!b->leased_out && !b->lease_held, "q1 is nobody's: bob reads it "
	   "without a banner");
	select_xid(b, "p2");
	review_act(b, REQ_FN, NULL, 5);
	ok(strstr(b->msg, "FN (was TN): p2.") == b->msg, "and may relabel "
	   "there: %s", b->msg);
	is_int(db_scalar(a_db, held_by), 0, "which holds q1 no longer than "
	       "its commit");
	ok(review_sync(a) && !a->leased_out, "alice sees the relabel, "
	   "no banner");
	review_close(a);
	review_close(b);
	db_close(a_db);
	db_close(b_db);
	db_close(c_db);
}

/* The next query to review as statements over the whole project, as the
 * queue searched before it read the labels in windows of queries and
 * walked the routed items by their index (item_label probed item by
 * item).  ?1 from, ?2 annotator, ?3 session, ?4 now, ?16 the conflicts
 * queue, ?17 adjudicating; no run, no other filter. */
#define NEXT_REF_OPEN(X) \
	" NOT (EXISTS (SELECT 1 FROM item_label il" \
	"     WHERE il.query_id = " X ".query_id" \
	"       AND il.passage_id = " X ".passage_id)" \
	"    OR (?17 = 0 AND EXISTS (SELECT 1 FROM annotator_label al" \
	"     WHERE al.query_id = " X ".query_id" \
	"       AND al.passage_id = " X ".passage_id AND al.annotator_id = ?2))" \
	"    OR (?17 = 0 AND EXISTS (SELECT 1 FROM item_conflict ic" \
	"     WHERE ic.query_id = " X ".query_id" \
	"       AND ic.passage_id = " X ".passage_id)))" \
	"   AND NOT EXISTS (SELECT 1 FROM decision d" \
	"     WHERE d.query_id = " X ".query_id" \
	"       AND d.passage_id = " X ".passage_id" \
	"       AND d.action = 'skip' AND d.annotator_id = ?2" \
	"       AND NOT EXISTS (SELECT 1 FROM decision u" \
	"                       WHERE u.undoes = d.id))" \
	"   AND NOT EXISTS (SELECT 1 FROM review_lease l" \
	"     JOIN review_session s ON s.id = l.session_id" \
	"     WHERE l.query_id = " X ".query_id AND l.session_id <> ?3" \
	"       AND l.expires_at > ?4 AND s.ended_at IS NULL" \
	"       AND ns_alive(s.host, s.pid, s.pid_start))"
#define NEXT_REF_CONFLICT(X) \
	" (?16 = 0 OR EXISTS (SELECT 1 FROM item_conflict fx" \
	"   WHERE fx.query_id = " X ".query_id" \
	"     AND fx.passage_id = " X ".passage_id))"
static const char next_ref_priority[] =
	"SELECT a.query_id FROM item_auto a"
	" WHERE (a.verdict = 'review' OR a.audit = 1 OR ?16 = 1)"
	"   AND a.priority >= 0 AND" NEXT_REF_OPEN("a")
	"   AND EXISTS (SELECT 1 FROM candidate c"
	"     WHERE c.query_id = a.query_id AND c.passage_id = a.passage_id"
	"       AND c.filter IS NULL AND" NEXT_REF_CONFLICT("c") ")"
	" ORDER BY a.priority DESC LIMIT 1";
static const char next_reference[] =
	"SELECT c.query_id FROM candidate c"
	" WHERE c.filter IS NULL AND c.query_id >= ?1 AND" NEXT_REF_OPEN("c")
	"   AND (?16 = 1 OR NOT EXISTS (SELECT 1 FROM item_auto a"
	"     WHERE a.query_id = c.query_id AND a.passage_id = c.passage_id))"
	"   AND" NEXT_REF_CONFLICT("c")
	" ORDER BY c.query_id LIMIT 1";
#undef NEXT_REF_OPEN
#undef NEXT_REF_CONFLICT

/* The candidate @xid of r's query, or NULL. */
static const struct queue_cand *
cand_of(const struct review *r, const char *xid)
{
	for (size_t i = 0; r->q && i < r->q->n; i++)
		if (!strcmp(r->q->c[i].xid, xid))
			return &r->q->c[i];
	return NULL;
}

/* Going back to a query left a moment ago: kept while no other
 * connection writes, with what this session decided there since; read
 * again once another connection wrote. */
static void
recent_queries(void)
{
	struct db *db = fixture("recent"), *db2 = NULL;
	struct review *r = NULL;
	struct ns_err err;
	const struct queue_cand *c;
	char dir[700];
	int64_t bob = 0;

	err_clear(&err);
	db_exec(db, "INSERT INTO item_need VALUES (1, 3, 2)", &err);
	if (!ok(review_open(db, "alice", 0, &r, &err) == NS_OK &&
		!strcmp(r->q->xid, "q1"), "recent: alice on q1")) {
		review_close(r);
		db_close(db);
		return;
	}
	/* a mark on what was read (queue_load sets run_method) */
	free(r->q->run_method);
	r->q->run_method = xstrdup("read before");
	select_xid(r, "p3");
	review_act(r, REQ_TN, NULL, 5);
	review_act(r, REQ_NEXT_QUERY, NULL, 5);
	is_str(r->q->xid, "q2", "recent: on to q2");
	review_act(r, REQ_PREV_QUERY, NULL, 5);
	is_str(r->q->run_method, "read before", "recent: back on q1, the "
	       "query read before (nobody else wrote)");
	c = cand_of(r, "p3");
	ok(c && c->label == LABEL_TN && c->label_mine,
	   "recent: with alice's TN on p3");
	ok(c && !strcmp(c->others, "alice tn"), "recent: and the annotators' "
	   "labels of the overlap item: %s", c ? c->others : "(none)");
	snprintf(dir, sizeof(dir), "%s/recent", tap_tmpdir());
	if (db_open(dir, DB_OPEN_EXISTING, &db2, &err) == NS_OK &&
	    decision_annotator(db2, "bob", &bob, &err) == NS_OK) {
		struct decision_ev ev = { 1, 4, "fn", NULL, -1, -1, NULL };

		decision_add(db2, bob, NULL, &ev, 1, NULL, &err);
	}
	review_act(r, REQ_NEXT_QUERY, NULL, 5);
	review_act(r, REQ_PREV_QUERY, NULL, 5);
	is_str(r->q->run_method, "import", "recent: after bob wrote, q1 is "
	       "read again");
	c = cand_of(r, "p4");
	ok(c && c->label == LABEL_FN && !c->label_mine,
	   "recent: with bob's FN on p4");
	free(r->q->run_method);
	r->q->run_method = xstrdup("read before");
	db_exec(db2, "UPDATE passage SET text = 'byobu, rewritten'"
		" WHERE id = 3", &err);
	review_act(r, REQ_NEXT_QUERY, NULL, 5);
	review_act(r, REQ_PREV_QUERY, NULL, 5);
	c = cand_of(r, "p3");
	ok(strcmp(r->q->run_method, "read before") && c &&
	   !strcmp(c->text, "byobu, rewritten"), "recent: a passage another "
	   "connection changed is read again");
	review_close(r);
	db_close(db2);
	db_close(db);
}

/* A key waiting (r->key_pending) after @calls checks. */
static bool
key_after(void *arg)
{
	int *calls = arg;

	return (*calls)++ >= 2;
}

static bool
key_never(void *arg)
{
	(*(int *)arg)++;
	return false;
}

/* The queue counts give way to a key, and count the same without one. */
static void
count_keys(struct db *db)
{
	struct review *r = NULL;
	struct ns_err err;
	struct queue_progress want;
	enum ns_rc rc;
	int calls = 0;

	err_clear(&err);
	if (!ok(review_open(db, "dave", 0, &r, &err) == NS_OK &&
		review_count(r, &err) == NS_OK && r->prog_known,
		"counts: a review of 300 queries counted")) {
		review_close(r);
		return;
	}
	want = r->prog;
	r->prog_known = false;
	r->key_pending = key_after;
	r->key_pending_arg = &calls;
	rc = review_count(r, &err);
	ok(rc == NS_OK && !r->prog_known && calls == 3, "counts: a key "
	   "waiting stops the count at once (%d checks), without an error",
	   calls);
	ok(!r->msg_err && err.rc == NS_OK, "counts: and nothing is shown");
	calls = 0;
	r->key_pending = key_never;
	rc = review_count(r, &err);
	ok(rc == NS_OK && r->prog_known && calls > 0 &&
	   r->prog.items == want.items && r->prog.labelled ==
	   want.labelled && r->prog.queries == want.queries,
	   "counts: without keys the count checks (%d times) and ends as "
	   "before: %lld of %lld", calls, (long long)r->prog.labelled,
	   (long long)r->prog.items);
	review_close(r);
}

/* Every kept item of the queries from @from up to queue_skip_labelled()'s
 * answer has a label in item_label (none is passed over unlabelled):
 * the number of searches it passed over labelled items only, or -1. */
static int
skip_sound(struct db *db, int64_t from, int64_t *skip)
{
	static const char sql[] =
		"SELECT count(*) FROM candidate c"
		" WHERE c.filter IS NULL AND c.query_id >= ?1"
		"   AND c.query_id < ?2"
		"   AND NOT EXISTS (SELECT 1 FROM item_label l"
		"     WHERE l.query_id = c.query_id"
		"       AND l.passage_id = c.passage_id)";
	struct ns_err err;
	sqlite3_stmt *st;
	int64_t bad = -1;

	err_clear(&err);
	if (queue_skip_labelled(db, from, skip, &err) != NS_OK ||
	    !(st = db_prep(db, sql, &err))) {
		diag("skip from %lld: %s", (long long)from, err.msg);
		return -1;
	}
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, *skip);
	if (sqlite3_step(st) == SQLITE_ROW)
		bad = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (bad)
		diag("skip from %lld to %lld passes %lld unlabelled items",
		     (long long)from, (long long)*skip, (long long)bad);
	return bad ? -1 : 0;
}

/* The queue's search for the next query, which reads labels in windows
 * of 1, 2, 4, ... 64 queries, finds what one statement over the whole
 * project finds: 300 queries with random labels (final, overlap,
 * conflicts, undone, skips, dropped queries and passages shared between
 * queries) and leases of another live session. */

/* Source 1, import run 1, passages 1..@np and queries q1..q@nq (id i). */
static enum ns_rc
gen_queries(struct db *db, int np, int nq, struct ns_err *err)
{
	char *sql = xasprintf(
		"INSERT INTO source(id, path, format, created_at)"
		" VALUES (1, 'gen', 'test', 'x');"
		"INSERT INTO run(id, source_id, method, created_at)"
		" VALUES (1, 1, 'import', 'x');"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
		"  FROM n WHERE i < %d)"
		"INSERT INTO passage(id, hash, title, text, source_id)"
		" SELECT i, i, '', 'passage ' || i, 1 FROM n;"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
		"  FROM n WHERE i < %d)"
		"INSERT INTO query(id, xid, text, source_id)"
		" SELECT i, 'q' || i, 'query ' || i, 1 FROM n;", np, nq);
	enum ns_rc rc = db_exec(db, sql, err);

	free(sql);
	return rc;
}

static void
next_windows(void)
{
	struct db *db = NULL;
	struct ns_err err;
	char dir[600];
	int64_t alice = 0, bob = 0, carol = 0, bob_session = 0;
	sqlite3_stmt *ref, *ref_pri;
	unsigned seed = 7;
	int by_priority = 0;
	int checked = 0, differ = 0;
	int64_t longest = 0;
	static const int64_t froms[] = {
		INT64_MIN, 1, 2, 3, 17, 63, 64, 65, 100, 127, 128, 129, 200,
		201, 215, 221, 255, 256, 280, 299, 300, 301,
	};

	err_clear(&err);
	snprintf(dir, sizeof(dir), "%s/windows", tap_tmpdir());
	if (db_open(dir, DB_OPEN_CREATE, &db, &err) != NS_OK ||
	    db_exec(db, "BEGIN;", &err) != NS_OK ||
	    gen_queries(db, 500, 300, &err) != NS_OK ||
	    db_exec(db,
		    "WITH RECURSIVE r(j) AS (SELECT 1 UNION ALL SELECT j + 1"
		    "  FROM r WHERE j < 3)"
		    "INSERT INTO candidate(run_id, query_id, passage_id, rank,"
		    "  score, filter)"
		    " SELECT 1, q.id, (q.id * 7 + r.j * 131) % 500 + 1, r.j,"
		    "  1.0 - r.j * 0.1, CASE WHEN r.j = 3 AND q.id % 5 = 0"
		    "  THEN 'dup' END FROM query q, r;"
		    "COMMIT;", &err) != NS_OK ||
	    decision_annotator(db, "alice", &alice, &err) != NS_OK ||
	    decision_annotator(db, "bob", &bob, &err) != NS_OK ||
	    decision_annotator(db, "carol", &carol, &err) != NS_OK ||
	    decision_session_start(db, bob, &bob_session, &err) != NS_OK) {
		ok(false, "a project of 300 queries: %s", err.msg);
		db_close(db);
		return;
	}
	/* random labels: the first 200 queries decided (for someone), then
	 * gaps */
	for (int q = 1; q <= 300; q++) {
		int64_t items[3];
		size_t ni = 0;
		sqlite3_stmt *st;

		if (!(st = db_prep(db, "SELECT passage_id FROM candidate"
				   " WHERE query_id = ?1 ORDER BY rank", &err)))
			break;
		sqlite3_bind_int64(st, 1, q);
		while (ni < 3 && sqlite3_step(st) == SQLITE_ROW)
			items[ni++] = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (q > 200 && q <= 230) {
			/* items that need two annotators, labelled once: by
			 * alice (done for her), then by bob (not for her) */
			for (size_t i = 0; i < ni; i++) {
				struct decision_ev ev = { q, items[i], "tn",
							  NULL, -1, -1, NULL };
				char sql[200];

				snprintf(sql, sizeof(sql), "INSERT OR IGNORE"
					 " INTO item_need VALUES (%d, %lld, 2)",
					 q, (long long)items[i]);
				db_exec(db, sql, &err);
				decision_add(db, q <= 220 ? alice : bob, NULL,
					     &ev, 1, NULL, &err);
			}
			continue;
		}
		if (q > 200 && rand_r(&seed) % 8 == 0)
			continue;	/* left alone */
		if (rand_r(&seed) % 40 == 0) {
			struct decision_ev ev = { q, 0, "drop_query", NULL, -1,
						  -1, NULL };

			decision_add(db, bob, NULL, &ev, 1, NULL, &err);
			continue;
		}
		for (size_t i = 0; i < ni; i++) {
			static const char *const acts[] = {
				"tn", "fn", "tn", "skip", "drop_passage",
			};
			unsigned roll = rand_r(&seed) % 100;
			int64_t who = roll % 3 == 0 ? alice : roll % 3 == 1
				      ? bob : carol;
			struct decision_ev ev = { q, items[i],
						  acts[roll % 5], NULL, -1,
						  -1, NULL };
			struct decision_outcome out;

			if (roll < 12 && q > 200)
				continue;	/* not decided */
			/* the first 200: done for alice (her skips, the
			 * others' labels); overlap items later */
			if (q <= 200 && !strcmp(ev.action, "skip") &&
			    who != alice)
				ev.action = "tn";
			if (q % 9 == 0 && q > 200) {
				char sql[200];

				snprintf(sql, sizeof(sql), "INSERT OR IGNORE"
					 " INTO item_need VALUES (%d, %lld, 2)",
					 q, (long long)items[i]);
				db_exec(db, sql, &err);
			}
			if (!strcmp(ev.action, "drop_passage") && roll % 2)
				ev.action = "tn";
			decision_add(db, who, NULL, &ev, 1, &out, &err);
			if (q % 9 == 0 && q > 200 && roll % 4 == 0) {
				ev.action = roll % 8 ? "fn" : "tn";
				decision_add(db, who == bob ? carol : bob,
					     NULL, &ev, 1, &out, &err);
			}
			if (roll > 90 && q > 200) {
				struct decision_undone u;

				decision_undo(db, who, NULL, &u, NULL, &err);
			}
		}
	}
	/* another live session holds a few queries */
	for (int q = 1; q <= 300; q += 37) {
		char sql[200];

		snprintf(sql, sizeof(sql), "INSERT INTO review_lease(query_id,"
			 " annotator_id, session_id, expires_at) VALUES"
			 " (%d, %lld, %lld, 1e12)", q, (long long)bob,
			 (long long)bob_session);
		db_exec(db, sql, &err);
	}
	if (!(ref = db_prep(db, next_reference, &err)) ||
	    !(ref_pri = db_prep(db, next_ref_priority, &err))) {
		ok(false, "reference statements: %s", err.msg);
		db_close(db);
		return;
	}
	for (int phase = 0; phase < 2; phase++)
	for (int mode = 0; mode < 3; mode++) {
		/* 0 annotating, 1 adjudicating, 2 the conflicts queue */
		int adj = mode > 0;

		/* then with the cascade's verdicts on a third of the items:
		 * routed ones (review, and the audit slice, whose tn and fn
		 * get the highest priorities) first, by priority */
		if (phase == 1 && mode == 0 &&
		    db_exec(db, "INSERT INTO item_auto(query_id, passage_id,"
			    "  verdict, priority, audit)"
			    " SELECT query_id, passage_id,"
			    "  CASE (query_id + 2 * passage_id) % 3"
			    "   WHEN 0 THEN 'review' WHEN 1 THEN 'tn'"
			    "   ELSE 'fn' END,"
			    "  row_number() OVER (ORDER BY passage_id % 5 = 0,"
			    "   (query_id + 2 * passage_id) % 3 <> 0,"
			    "   (query_id * 7919 + passage_id * 104729) % 1009,"
			    "   query_id, passage_id) / 1000.0 - 0.05,"
			    "  passage_id % 5 = 0"
			    " FROM (SELECT DISTINCT query_id, passage_id"
			    "  FROM candidate WHERE filter IS NULL)"
			    " WHERE (query_id + passage_id) % 3 = 0", &err) !=
			    NS_OK)
			diag("item_auto: %s", err.msg);
		struct queue_filter f;

		queue_filter_all(&f);
		f.conflicts = mode == 2;
		for (int who = 0; who < 2; who++) {
			int64_t a = who ? carol : alice;

			for (size_t i = 0; i < NS_ARRAY_SIZE(froms); i++) {
				int64_t want = 0, got = 0;
				enum ns_rc rc;

				for (int k = 0; k < 2 && !want; k++) {
					sqlite3_stmt *st = k ? ref : ref_pri;

					sqlite3_bind_int64(st, 1, froms[i]);
					sqlite3_bind_int64(st, 2, a);
					sqlite3_bind_int64(st, 3, 0);
					sqlite3_bind_double(st, 4, 1e9);
					sqlite3_bind_int(st, 16, f.conflicts);
					sqlite3_bind_int(st, 17, adj);
					if (sqlite3_step(st) == SQLITE_ROW)
						want = sqlite3_column_int64(st,
									    0);
					sqlite3_reset(st);
					if (k == 0 && want)
						by_priority++;
					if (k == 1 && want && phase == 0 &&
					    froms[i] > 0 &&
					    want - froms[i] > longest)
						longest = want - froms[i];
				}
				rc = queue_next_unsettled(db, 0, &f, adj,
							  froms[i], a, 0, 1e9,
							  &got, &err);
				if (rc == NS_ENOTFOUND)
					got = 0;
				checked++;
				if (got != want || (rc != NS_OK &&
						    rc != NS_ENOTFOUND)) {
					if (!differ++)
						diag("from %lld (annotator "
						     "%lld, mode %d): %lld, "
						     "whole project %lld",
						     (long long)froms[i],
						     (long long)a, mode,
						     (long long)got,
						     (long long)want);
				}
			}
		}
	}
	ok(longest > 64, "windows: some searches pass over more than 64 "
	   "finished queries (at most %lld)", (long long)longest);
	ok(db_scalar(db, "SELECT count(*) FROM item_conflict") > 0 &&
	   db_scalar(db, "SELECT count(*) FROM query_drop") > 0 &&
	   db_scalar(db, "SELECT count(*) FROM passage_drop") > 0 &&
	   db_scalar(db, "SELECT count(*) FROM decision WHERE action ="
		     " 'undo'") > 0,
	   "windows: conflicts, dropped queries and passages, undos");
	ok(by_priority > 0, "windows: %d searches found a routed item (the "
	   "cascade's priority)", by_priority);
	ok(checked > 0 && differ == 0, "windows: the search finds what one "
	   "statement over the project finds (%d searches, %d differ)",
	   checked, differ);
	{
		int unsound = 0, passed = 0;

		for (int64_t from = 1; from <= 301; from++) {
			int64_t skip;

			if (skip_sound(db, from, &skip))
				unsound++;
			else if (skip > from)
				passed++;
		}
		ok(unsound == 0 && passed > 0, "windows: the search passes "
		   "over decided queries without their labels only where "
		   "every kept item is labelled (%d of 301 starts passed "
		   "some, %d passed an unlabelled item)", passed, unsound);
	}
	count_keys(db);
	db_close(db);
}

/* A long run of decided queries is passed over without reading their
 * labels (queue_skip_labelled()) up to the first query that needs them
 * read: an undone label, an adjudication, an item labelled by a drop of
 * its passage elsewhere, an item needing two annotators, a dropped
 * query; a later drop of a passage elsewhere does not stop it.  The
 * search finds what one statement over the project finds. */
static void
skip_decided(void)
{
	struct db *db = NULL;
	struct ns_err err;
	char dir[600];
	int64_t alice = 0, bob = 0, skip;
	sqlite3_stmt *ref;
	int checked = 0, differ = 0, unsound = 0;
	static const struct {
		int64_t from, skip;
	} stops[] = {
		{ 1, 30 }, { 31, 40 }, { 41, 50 }, { 51, 70 }, { 71, 80 },
		{ 81, 101 }, { 101, 101 }, { 121, INT64_MAX },
	};
	bool stops_ok = true;

	err_clear(&err);
	snprintf(dir, sizeof(dir), "%s/skip", tap_tmpdir());
	if (db_open(dir, DB_OPEN_CREATE, &db, &err) != NS_OK ||
	    db_exec(db, "BEGIN;", &err) != NS_OK ||
	    gen_queries(db, 400, 120, &err) != NS_OK ||
	    db_exec(db,
		    /* three kept items a query, a filtered one (undecided,
		     * left out), and two passages shared with another query */
		    "WITH RECURSIVE r(j) AS (SELECT 0 UNION ALL SELECT j + 1"
		    "  FROM r WHERE j < 2)"
		    "INSERT INTO candidate(run_id, query_id, passage_id, rank,"
		    "  score, filter)"
		    " SELECT 1, q.id, q.id * 3 + r.j, r.j + 1, 1.0 - r.j * 0.1,"
		    "  NULL FROM query q, r;"
		    "INSERT INTO candidate(run_id, query_id, passage_id, rank,"
		    "  score, filter)"
		    " SELECT 1, id, 390, 4, 0.5, 'dup' FROM query;"
		    "INSERT INTO candidate(run_id, query_id, passage_id, rank,"
		    "  score, filter) VALUES (1, 50, 30, 5, 0.4, NULL),"
		    "  (1, 90, 180, 5, 0.4, NULL);"
		    "INSERT INTO item_need VALUES (70, 210, 2);"
		    "COMMIT;", &err) != NS_OK ||
	    decision_annotator(db, "alice", &alice, &err) != NS_OK ||
	    decision_annotator(db, "bob", &bob, &err) != NS_OK) {
		ok(false, "skip: a project of 120 queries: %s", err.msg);
		db_close(db);
		return;
	}
	for (int64_t q = 1; q <= 100 && err.rc == NS_OK; q++) {
		struct decision_ev ev[4];
		size_t n = 0;

		if (q == 80) {	/* dropped whole */
			ev[n++] = (struct decision_ev){ q, 0, "drop_query",
							NULL, -1, -1, NULL };
			decision_add(db, alice, NULL, ev, n, NULL, &err);
			continue;
		}
		for (int j = 0; j < 3; j++)
			ev[n++] = (struct decision_ev){ q, q * 3 + j,
				q == 10 && j == 0 ? "drop_passage" : "tn",
				NULL, -1, -1, NULL };
		if (q == 90)
			ev[n++] = (struct decision_ev){ q, 180, "tn", NULL,
							-1, -1, NULL };
		if (q == 30) {
			/* one at a time: the undo takes back the last */
			struct decision_undone u;

			for (size_t i = 0; i < n; i++)
				decision_add(db, alice, NULL, &ev[i], 1, NULL,
					     &err);
			decision_undo(db, alice, NULL, &u, NULL, &err);
			continue;
		}
		/* q50's item of passage 30 is labelled by q10's drop */
		decision_add(db, alice, NULL, ev, n, NULL, &err);
	}
	if (err.rc == NS_OK) {
		/* passage 180 dropped in q90 after q60 labelled it */
		struct decision_ev ev = { 90, 180, "drop_passage", NULL, -1,
					  -1, NULL };

		decision_add(db, alice, NULL, &ev, 1, NULL, &err);
	}
	if (err.rc != NS_OK ||
	    db_exec(db, "INSERT INTO decision(query_id, passage_id,"
		    "  annotator_id, action, at, role)"
		    " VALUES (40, 120, 2, 'fn', 'x', 'adjudicator')", &err) !=
	    NS_OK || !(ref = db_prep(db, next_reference, &err))) {
		ok(false, "skip: decisions: %s", err.msg);
		db_close(db);
		return;
	}
	for (size_t i = 0; i < NS_ARRAY_SIZE(stops); i++) {
		if (skip_sound(db, stops[i].from, &skip) ||
		    skip != stops[i].skip) {
			if (stops_ok)
				diag("skip from %lld: %lld, want %lld",
				     (long long)stops[i].from,
				     (long long)skip,
				     (long long)stops[i].skip);
			stops_ok = false;
		}
	}
	ok(stops_ok, "skip: decided queries passed over up to an undo, an "
	   "adjudication, an item labelled elsewhere, an item needing two "
	   "annotators, a dropped query, the undecided");
	ok(db_scalar(db, "SELECT count(*) FROM item_label WHERE query_id = 60"
		     "  AND label = 'drop_passage'") == 1 &&
	   db_scalar(db, "SELECT count(*) FROM item_label WHERE query_id = 50"
		     "  AND passage_id = 30 AND label = 'drop_passage'") == 1 &&
	   db_scalar(db, "SELECT count(*) FROM item_label WHERE query_id = 40"
		     "  AND passage_id = 120 AND label = 'fn'") == 1,
	   "skip: q60 labelled by a later drop elsewhere, q50 by an earlier"
	   " one, q40 adjudicated");
	for (int64_t from = 1; from <= 121; from++) {
		if (skip_sound(db, from, &skip))
			unsound++;
		for (int adj = 0; adj < 2; adj++)
		for (int who = 0; who < 2; who++) {
			int64_t a = who ? bob : alice, want = 0, got = 0;
			enum ns_rc rc;

			sqlite3_bind_int64(ref, 1, from);
			sqlite3_bind_int64(ref, 2, a);
			sqlite3_bind_int64(ref, 3, 0);
			sqlite3_bind_double(ref, 4, 1e9);
			sqlite3_bind_int(ref, 16, 0);
			sqlite3_bind_int(ref, 17, adj);
			if (sqlite3_step(ref) == SQLITE_ROW)
				want = sqlite3_column_int64(ref, 0);
			sqlite3_reset(ref);
			rc = queue_next_unsettled(db, 0, NULL, adj, from, a, 0,
						  1e9, &got, &err);
			if (rc == NS_ENOTFOUND)
				got = 0;
			checked++;
			if (got != want || (rc != NS_OK &&
					    rc != NS_ENOTFOUND)) {
				if (!differ++)
					diag("skip: from %lld (annotator "
					     "%lld, adjudicating %d): %lld, "
					     "whole project %lld",
					     (long long)from, (long long)a,
					     adj, (long long)got,
					     (long long)want);
			}
			err_clear(&err);
		}
	}
	ok(unsound == 0, "skip: no start passes an unlabelled item");
	ok(checked == 484 && differ == 0, "skip: the search finds what one "
	   "statement over the project finds (%d searches, %d differ)",
	   checked, differ);
	db_close(db);
}

/* An audit item skipped: the others get it in its turn, and whoever
 * skipped it once gets it back when nothing else is left, shown
 * undecided; a second skip leaves it to the others.  Other skipped
 * items are not offered again. */
static void
audit_skipped(void)
{
	struct db *db = fixture("audit"), *b_db = NULL;
	struct review *a = NULL, *b = NULL;
	struct ns_err err;
	char dir[700];
	const struct queue_cand *c;

	err_clear(&err);
	/* the cascade left every item to people; p9 of q3 is the audit's
	 * first item, first in the queue */
	if (db_exec(db, "INSERT INTO item_auto(query_id, passage_id, verdict,"
		    " priority, audit) VALUES"
		    " (3, 9, 'tn', 8, 1), (1, 2, 'review', 7, 0),"
		    " (1, 3, 'review', 6, 0), (1, 4, 'review', 5, 0),"
		    " (2, 6, 'review', 4, 0), (2, 7, 'review', 3, 0),"
		    " (4, 10, 'review', 2, 0), (4, 11, 'review', 1, 0)",
		    &err) != NS_OK)
		diag("item_auto: %s", err.msg);
	snprintf(dir, sizeof(dir), "%s/audit", tap_tmpdir());
	if (!ok(db_open(dir, DB_OPEN_EXISTING, &b_db, &err) == NS_OK &&
		review_open(db, "alice", 0, &a, &err) == NS_OK,
		"audit: alice opens a review")) {
		db_close(db);
		return;
	}
	ok(!strcmp(a->q->xid, "q3") && !strcmp(cur_xid(a), "p9"),
	   "audit: alice starts on the audit item (q3 p9): %s %s", a->q->xid,
	   cur_xid(a));
	review_act(a, REQ_SKIP, NULL, 5);
	is_str(a->q->xid, "q1", "audit: skipped, alice goes on to q1");
	/* bob: alice's skip is hers; the item comes in its turn */
	ok(review_open(b_db, "bob", 0, &b, &err) == NS_OK &&
	   !strcmp(b->q->xid, "q3") && !strcmp(cur_xid(b), "p9") &&
	   b->q->c[b->cur].label == LABEL_NONE,
	   "audit: bob is offered the item alice skipped, undecided");
	review_close(b);	/* and leaves it */
	b = NULL;
	/* alice decides everything else, and skips p7 (not in the audit) */
	for (int k = 0; k < 7 && !a->queue_done; k++) {
		if (!strcmp(a->q->xid, "q3"))
			break;
		review_act(a, !strcmp(cur_xid(a), "p7") ? REQ_SKIP : REQ_TN,
			   NULL, 5);
	}
	is_int(db_scalar(db, "SELECT count(*) FROM item_label"), 6,
	       "audit: alice labelled the six other items she was given");
	ok(!a->queue_done && !strcmp(a->q->xid, "q3") &&
	   !strcmp(cur_xid(a), "p9"),
	   "audit: with nothing else left, the skipped audit item is back "
	   "(%s %s): %s", a->q->xid, cur_xid(a), a->msg);
	c = a->q->n ? &a->q->c[a->cur] : NULL;
	ok(c && c->label == LABEL_NONE && c->skips == 1,
	   "audit: shown undecided (skipped once)");
	ok(strstr(a->msg, "Nothing else is left: p9 of query q3, which you "
		  "skipped, is back") != NULL, "audit: and says why");
	/* a second skip is recorded and leaves it to the others */
	review_act(a, REQ_SKIP, NULL, 5);
	is_int(db_scalar(db, "SELECT count(*) FROM decision WHERE action ="
			 " 'skip' AND passage_id = 9"), 2,
	       "audit: the second skip is in the log");
	ok(a->queue_done && strstr(a->msg, "nothing left to review") != NULL,
	   "audit: then nothing is left for alice (p7, not in the audit, is "
	   "not offered again): %s", a->msg);
	review_close(a);
	ok(review_open(db, "alice", 0, &a, &err) == NS_OK && a->queue_done,
	   "audit: reopened, nothing is offered to alice");
	review_close(a);
	/* bob labels it: the audit goes on */
	ok(review_open(b_db, "bob", 0, &b, &err) == NS_OK &&
	   !strcmp(b->q->xid, "q3") && !strcmp(cur_xid(b), "p9"),
	   "audit: bob is offered it again");
	review_act(b, REQ_TN, NULL, 5);
	is_int(db_scalar(db, "SELECT count(*) FROM item_label WHERE"
			 " passage_id = 9 AND label = 'tn'"), 1,
	       "audit: and labels it");
	review_close(b);
	db_close(b_db);
	db_close(db);
}

int
main(void)
{
	struct db *db = fixture("p");
	struct review *r = NULL;
	struct ns_err err;
	struct queue_progress pg;

	err_clear(&err);
	ok(review_open(db, "alice", 0, &r, &err) == NS_OK, "open a review");
	ok(!r->prog_known, "counting is left for later");
	ok(review_count(r, &err) == NS_OK, "count the queue");
	is_str(r->q->xid, "q1", "starts at the first query");
	is_int((long long)r->q->n, 3, "filtered candidate left out");
	is_str(cur_xid(r), "p2", "best score first");
	is_int(r->prog.items, 8, "8 kept items in the queue");
	is_int(r->prog.queries, 4, "4 queries in the queue");
	is_int(r->prog.labelled, 0, "nothing done yet");
	ok(r->q->npos == 1 && r->q->pos[0].has_score, "positive with score");

	/* decisions are in the log as soon as review_act returns */
	ok(review_act(r, REQ_FN, NULL, 5) == NS_OK, "fn");
	is_int(db_scalar(db, "SELECT count(*) FROM decision WHERE action = 'fn'"
			 " AND passage_id = 2 AND annotator_id = (SELECT id FROM"
			 " annotator WHERE name = 'alice')"), 1,
	       "fn on p2 is in the log");
	ok(db_scalar(db, "SELECT ms_on_item FROM decision WHERE id = 1") >= 0,
	   "time on item recorded");
	is_str(cur_xid(r), "p3", "advanced to the next candidate");
	is_int(r->prog.labelled, 1, "progress counts it");
	is_str(r->msg, "FN: p2.", "status says what was done");

	review_act(r, REQ_SKIP, NULL, 5);
	is_str(cur_xid(r), "p4", "skip advances");
	review_act(r, REQ_TN, NULL, 5);
	is_str(r->q->xid, "q2", "query done: on to the next query");
	ok(strstr(r->msg, "Query q1 done; now query q2.") != NULL,
	   "message says the query is done");

	/* undo, also after a restart */
	review_close(r);
	ok(review_open(db, "alice", 0, &r, &err) == NS_OK, "reopen");
	review_count(r, &err);
	is_str(r->q->xid, "q2", "resumes at the first undecided query");
	is_int(r->prog.labelled, 2, "progress survives");
	ok(review_act(r, REQ_UNDO, NULL, 5) == NS_OK, "undo after restart");
	is_str(r->q->xid, "q1", "undo goes back to the item");
	is_str(cur_xid(r), "p4", "the undone item is selected");
	is_int(r->q->c[2].label, LABEL_NONE, "its label is gone");
	is_int(db_scalar(db, "SELECT count(*) FROM decision WHERE action ="
			 " 'undo' AND undoes = 3"), 1, "undo is a new event");
	is_int(db_scalar(db, "SELECT count(*) FROM decision"), 4,
	       "nothing deleted from the log");
	review_act(r, REQ_UNDO, NULL, 5);
	is_str(cur_xid(r), "p3", "second undo cancels the skip");
	review_act(r, REQ_UNDO, NULL, 5);
	is_str(cur_xid(r), "p2", "third undo cancels the fn");
	review_act(r, REQ_UNDO, NULL, 5);
	is_str(r->msg, "Nothing to undo.", "then nothing is left");
	is_int(r->prog.labelled, 0, "progress back to 0");

	/* tags and apply-to-tagged form one batch */
	review_act(r, REQ_TAG, NULL, 5);
	review_act(r, REQ_TAG, NULL, 5);
	is_int((long long)r->ntagged, 2, "two tagged");
	review_act(r, REQ_TAG_APPLY, NULL, 5);
	ok(r->tag_prefix, "tag-apply waits for a decision key");
	review_act(r, REQ_DROP_PASSAGE, NULL, 5);
	is_int(db_scalar(db, "SELECT count(*) FROM decision_live WHERE action"
			 " = 'drop_passage' AND query_id = 1"), 2,
	       "both tagged dropped");
	is_int(db_scalar(db, "SELECT count(DISTINCT coalesce(batch, id)) FROM"
			 " decision WHERE action = 'drop_passage'"), 1,
	       "in one batch");
	is_str(cur_xid(r), "p4", "untagged one is next");
	review_act(r, REQ_UNDO, NULL, 5);
	is_int(db_scalar(db, "SELECT count(*) FROM decision_live WHERE action"
			 " = 'drop_passage'"), 0, "one undo cancels the batch");
	is_str(r->msg, "Undid: drop passage of 2 items.", "undo message");

	/* rest of the query as true negatives */
	review_act(r, REQ_MOVE_FIRST, NULL, 5);
	review_act(r, REQ_FN, NULL, 5);
	review_act(r, REQ_MOVE_FIRST, NULL, 5);
	review_act(r, REQ_REST_TN, NULL, 5);
	is_int(db_scalar(db, "SELECT count(*) FROM decision_live WHERE action"
			 " = 'tn' AND query_id = 1"), 2, "rest marked tn");
	is_str(r->q->xid, "q2", "and on to the next query");

	/* drop the whole query */
	review_act(r, REQ_DROP_QUERY, NULL, 5);
	is_int(db_scalar(db, "SELECT count(*) FROM decision_live WHERE action"
			 " = 'drop_query' AND query_id = 2 AND passage_id IS"
			 " NULL"), 1, "drop_query recorded for the query");
	is_str(r->q->xid, "q3", "next query");
	review_act(r, REQ_UNDO, NULL, 5);
	is_str(r->msg, "Undid: drop query.", "undo names the action by its "
	       "label");
	review_act(r, REQ_DROP_QUERY, NULL, 5);
	is_str(r->q->xid, "q3", "dropped again: next query");
	ok(queue_progress(db, 0, &pg, &err) == NS_OK, "progress from SQL");
	is_int(pg.labelled, r->prog.labelled, "in-memory progress agrees");
	is_int(pg.labelled, 5, "3 of q1 and both of q2");

	/* notes */
	ok(review_act(r, REQ_NOTE, "looks relevant", 5) == NS_OK, "note");
	is_int(db_scalar(db, "SELECT count(*) FROM decision WHERE action ="
			 " 'note' AND note = 'looks relevant'"), 1,
	       "note stored");
	ok(r->q->c[r->cur].note, "note shown on the candidate");
	{
		int64_t qid = r->q->id, found = 0;
		char want[128];

		ok(queue_step_mine(db, 0, 0, 1, r->annotator_id, "note",
				   &found, &err) == NS_OK && found == qid,
		   "F noted: > finds the query with my note");
		/* an empty note takes the note back, as a new event */
		ok(review_act(r, REQ_NOTE, "", 5) == NS_OK, "empty note");
		snprintf(want, sizeof(want), "Note removed from %s (u brings "
			 "it back).", cur_xid(r));
		is_str(r->msg, want, "an empty note removes the note");
		ok(!r->q->c[r->cur].note && !r->q->c[r->cur].note_text,
		   "no note on the candidate");
		is_int(db_scalar(db, "SELECT count(*) FROM decision WHERE"
				 " action = 'note'"), 2, "a second note event, "
		       "the first kept (append-only)");
		is_int(db_scalar(db, "SELECT note IS NULL FROM decision WHERE"
				 " action = 'note' ORDER BY id DESC LIMIT 1"),
		       1, "... without text");
		ok(queue_reload_labels(db, r->q, r->annotator_id, false,
				       &err) == NS_OK &&
		   !r->q->c[r->cur].note, "read back: no note");
		ok(queue_step_mine(db, 0, 0, 1, r->annotator_id, "note",
				   &found, &err) == NS_ENOTFOUND,
		   "F noted: > no longer finds it");
		err_clear(&err);
		review_act(r, REQ_NOTE, "  ", 5);
		is_str(r->msg, "Empty note: nothing saved.", "no note to "
		       "remove: nothing saved");
		is_int(db_scalar(db, "SELECT count(*) FROM decision WHERE"
				 " action = 'note'"), 2, "nothing written");
		/* undo brings it back */
		review_act(r, REQ_UNDO, NULL, 5);
		snprintf(want, sizeof(want), "Undid: note of %s; its note is "
			 "back.", cur_xid(r));
		is_str(r->msg, want, "undo says the note is back");
		ok(r->q->c[r->cur].note && r->q->c[r->cur].note_text &&
		   !strcmp(r->q->c[r->cur].note_text, "looks relevant"),
		   "undo brings the note back");
		ok(queue_step_mine(db, 0, 0, 1, r->annotator_id, "note",
				   &found, &err) == NS_OK && found == qid,
		   "F noted: > finds it again");
		/* blanks only count as empty */
		review_act(r, REQ_NOTE, " \t ", 5);
		ok(!r->q->c[r->cur].note, "a note of blanks removes it too");
		review_act(r, REQ_UNDO, NULL, 5);
		ok(r->q->c[r->cur].note, "... and undo brings it back");
	}

	/* search and jump */
	review_act(r, REQ_SEARCH, "terminal", 5);
	is_str(r->q->xid, "q1", "search finds a query by its passages");
	ok(r->hit && r->hit[r->cur], "selection is a hit");
	is_str(cur_xid(r), "p2", "first hit selected");
	review_act(r, REQ_SEARCH_NEXT, NULL, 5);
	is_str(cur_xid(r), "p3", "n: next hit in the query");
	review_act(r, REQ_SEARCH_NEXT, NULL, 5);
	ok(strstr(r->msg, "(search wrapped)") != NULL, "search wraps");
	review_act(r, REQ_SEARCH, "zzzznothing", 5);
	is_str(r->msg, "Not found: zzzznothing", "no match message");
	review_act(r, REQ_SEARCH, "東京の天気予報", 5);
	is_str(r->q->xid, "q2", "CJK search (query text)");
	/* a word inside a run of Japanese (FTS5's unicode61 makes the run
	 * one token): found in the query text, its positive and both
	 * candidates */
	review_act(r, REQ_JUMP, "q1", 5);
	review_act(r, REQ_SEARCH, "天気", 5);
	is_str(r->q->xid, "q2", "CJK word inside the text: its query");
	is_str(r->msg, "/天気: 2 here and in a positive, 1 query",
	       "... both candidates, its positive, one query");
	ok(r->query_hit, "... the query text is a hit too");
	review_act(r, REQ_SEARCH, "晴れ", 5);
	is_str(r->msg, "/晴れ: 1 here and in a positive, 1 query", "the "
	       "candidate holding it, and the positive holding it said apart");
	ok(r->pos_hit, "... the positive is a hit");
	is_str(cur_xid(r), "p6", "... selected");
	ok(!r->query_hit, "... the query text is no hit");
	review_act(r, REQ_SEARCH, "天気 大阪", 5);
	is_str(cur_xid(r), "p7", "two CJK words: the candidate with both");
	review_act(r, REQ_SEARCH, "tmux 天気", 5);
	is_str(r->msg, "Not found: tmux 天気", "a whole word and a CJK word "
	       "in no one text: not found");
	review_act(r, REQ_SEARCH, "天%", 5);
	is_str(r->msg, "Not found: 天%", "% is no LIKE wildcard");
	/* an SQL error while collecting the matches (a temporary table of
	 * another shape in its place) is shown, and the half-made search
	 * is dropped rather than stepped through */
	ok(db_exec(db, "DROP TABLE temp.queue_search_hit;"
		   "CREATE TEMP TABLE queue_search_hit (id INTEGER PRIMARY KEY,"
		   " x NOT NULL)", &err) == NS_OK, "(a table in the way)");
	review_act(r, REQ_SEARCH, "天気", 5);
	ok(r->msg_err && strstr(r->msg, "searching") != NULL,
	   "a failed search says so, as an error");
	ok(!r->search && !r->search_text, "... and is dropped");
	review_act(r, REQ_SEARCH_NEXT, NULL, 5);
	is_str(r->msg, "No search yet: press / first.", "... n has none");
	db_exec(db, "DROP TABLE temp.queue_search_hit", &err);
	review_act(r, REQ_SEARCH, "天気", 5);
	is_str(r->msg, "/天気: 2 here and in a positive, 1 query",
	       "... and the next one works");
	review_act(r, REQ_SEARCH, "a\"b OR", 5);
	ok(!r->msg_err, "FTS syntax in the input is not an error");

	review_act(r, REQ_JUMP, "q4", 5);
	is_str(r->q->xid, "q4", "jump by external id");
	review_act(r, REQ_JUMP, "3", 5);
	is_str(r->q->xid, "q3", "jump by number");
	review_act(r, REQ_JUMP, "nope", 5);
	is_str(r->msg, "No query 'nope'.", "jump to a missing query");
	ok(r->msg_err, "shown as an error");
	review_act(r, REQ_JUMP, "q5", 5);
	is_str(r->msg, "Query 'q5' has no candidates to review.",
	       "jump to a query outside the queue");
	review_act(r, REQ_PREV_QUERY, NULL, 5);
	is_str(r->q->xid, "q2", "previous query");
	review_act(r, REQ_JUMP, "q1", 5);
	review_act(r, REQ_PREV_QUERY, NULL, 5);
	is_str(r->msg, "This is the first query.", "no query before the first");

	/* leases: bob cannot decide on the query alice is on */
	{
		struct review *b = NULL;

		review_act(r, REQ_JUMP, "q4", 5);
		ok(review_open(db, "bob", 0, &b, &err) == NS_OK, "bob opens");
		ok(strcmp(b->q->xid, "q4") != 0, "bob does not get alice's "
		   "query");
		review_act(b, REQ_JUMP, "q4", 5);
		ok(b->leased_out && !strcmp(b->holder, "alice"),
		   "bob sees alice's lease");
		review_act(b, REQ_TN, NULL, 5);
		is_str(b->msg, "Query q4 is being reviewed by alice; decisions "
		       "are off here (Tab or > goes on).",
		       "decision refused under a lease");
		review_close(b);
	}
	review_close(r);
	is_int(db_scalar(db, "SELECT count(*) FROM review_session WHERE "
			 "ended_at IS NOT NULL"), 3, "sessions recorded");
	is_int(db_scalar(db, "SELECT count(*) FROM review_lease"), 0,
	       "leases released at the end");

	/* durable decisions, checkpoints only when idle */
	{
		unsigned mx, done;

		ok(review_open(db, "alice", 0, &r, &err) == NS_OK, "reopen");
		is_int(db_scalar(db, "PRAGMA synchronous"), 2,
		       "review commits with synchronous = FULL");
		is_int(db_scalar(db, "PRAGMA wal_autocheckpoint"), 0,
		       "no automatic checkpoints on the review connection");
		ok(review_idle(r) == NS_OK, "idle checkpoint");
		{
			static const char sql[] = "SELECT CAST(expires_at * 1e6"
				" AS INTEGER) FROM review_lease";
			int64_t before;

			review_act(r, REQ_JUMP, "q4", 5);
			is_int(db_scalar(db, "PRAGMA synchronous"), 2,
			       "after a query change (its lease hand-over "
			       "waits for no fsync): FULL again");
			before = db_scalar(db, sql);
			review_act(r, REQ_TN, NULL, 5);
			is_str(r->q->xid, "q4", "still on q4");
			ok(before > 0 && db_scalar(db, sql) > before,
			   "a decision renews the lease (in its own commit)");
		}
		wal_frames(db, &mx, &done);
		ok(mx > done, "a decision leaves frames in the WAL (%u > %u)",
		   mx, done);
		ok(review_idle(r) == NS_OK, "idle checkpoint");
		wal_frames(db, &mx, &done);
		ok(mx > 0 && mx == done, "idle copies the WAL into the "
		   "database (%u of %u)", done, mx);
		review_close(r);
	}
	db_close(db);
	sessions();
	lease_follows_work();
	next_windows();
	skip_decided();
	recent_queries();
	audit_skipped();
	return tap_done();
}
