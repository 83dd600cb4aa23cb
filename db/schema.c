/*
 * schema.c - the project schema as an ordered list of migrations.
 *
 * Each entry raises PRAGMA user_version to its version and is applied in
 * its own transaction.  Never edit a migration that has shipped: add a new
 * one.  Design notes:
 *
 *  - passages are deduplicated by content (hash of title and text; the
 *    text is compared on a hash hit), and every external id is kept in
 *    passage_xid, so two ids with the same text share one passage;
 *  - a passage may be known only by id (a TREC run without text), with
 *    NULL text until an id->text file supplies it;
 *  - candidates belong to a run (an import of scored negatives, a mining
 *    run, a merged shard) so provenance and filter reasons survive refits;
 *  - decisions are an append-only log (triggers forbid UPDATE/DELETE);
 *    undo is a new event pointing at the one it cancels, and current
 *    labels are derived through the decision_live view.
 */
#include <stddef.h>

#include "db/schema.h"

static const char migration_1[] =
	"CREATE TABLE meta ("
	"  key   TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	") WITHOUT ROWID;"

	/* One row per import, mining run or merge: where data came from. */
	"CREATE TABLE source ("
	"  id         INTEGER PRIMARY KEY,"
	"  path       TEXT NOT NULL,"
	"  format     TEXT NOT NULL,"
	"  params     TEXT,"			/* JSON */
	"  created_at TEXT NOT NULL,"
	"  records    INTEGER NOT NULL DEFAULT 0,"
	"  skipped    INTEGER NOT NULL DEFAULT 0"
	");"

	"CREATE TABLE passage ("
	"  id        INTEGER PRIMARY KEY,"
	"  hash      INTEGER,"			/* xxh3-64 of title 0x1F text */
	"  title     TEXT NOT NULL DEFAULT '',"
	"  text      TEXT,"			/* NULL: known by id only */
	"  source_id INTEGER NOT NULL REFERENCES source(id)"
	");"
	"CREATE INDEX passage_hash ON passage(hash) WHERE hash IS NOT NULL;"

	"CREATE TABLE passage_xid ("
	"  xid        TEXT PRIMARY KEY,"
	"  passage_id INTEGER NOT NULL REFERENCES passage(id)"
	") WITHOUT ROWID;"
	"CREATE INDEX passage_xid_passage ON passage_xid(passage_id);"

	"CREATE TABLE query ("
	"  id        INTEGER PRIMARY KEY,"
	"  xid       TEXT NOT NULL UNIQUE,"	/* external id, or derived */
	"  text      TEXT,"			/* NULL: known by id only */
	"  prompt    TEXT,"			/* BGE instruction, if any */
	"  type      TEXT,"			/* BGE type, if any */
	"  source_id INTEGER NOT NULL REFERENCES source(id)"
	");"

	/* Graded judgments: grade > 0 is a positive, grade <= 0 a judged
	 * non-relevant passage (a known true negative). */
	"CREATE TABLE qrel ("
	"  query_id   INTEGER NOT NULL REFERENCES query(id),"
	"  passage_id INTEGER NOT NULL REFERENCES passage(id),"
	"  grade      INTEGER NOT NULL,"
	"  score      REAL,"			/* teacher score, if given */
	"  source_id  INTEGER NOT NULL REFERENCES source(id),"
	"  PRIMARY KEY (query_id, passage_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX qrel_passage ON qrel(passage_id);"

	/* A set of candidates produced together. */
	"CREATE TABLE run ("
	"  id         INTEGER PRIMARY KEY,"
	"  source_id  INTEGER REFERENCES source(id),"
	"  method     TEXT NOT NULL,"		/* import, trec, dense, bm25 */
	"  params     TEXT,"			/* JSON */
	"  created_at TEXT NOT NULL"
	");"

	"CREATE TABLE candidate ("
	"  id         INTEGER PRIMARY KEY,"
	"  run_id     INTEGER NOT NULL REFERENCES run(id),"
	"  query_id   INTEGER NOT NULL REFERENCES query(id),"
	"  passage_id INTEGER NOT NULL REFERENCES passage(id),"
	"  rank       INTEGER,"			/* 1-based by score, NULL unknown */
	"  score      REAL,"			/* NULL when the input had none */
	"  filter     TEXT,"			/* NULL kept, else filter that fired */
	"  UNIQUE (run_id, query_id, passage_id)"
	");"
	"CREATE INDEX candidate_query ON candidate(query_id, score DESC);"

	"CREATE TABLE annotator ("
	"  id         INTEGER PRIMARY KEY,"
	"  name       TEXT NOT NULL UNIQUE,"
	"  created_at TEXT NOT NULL"
	");"

	/* The append-only decision log. */
	"CREATE TABLE decision ("
	"  id           INTEGER PRIMARY KEY,"
	"  query_id     INTEGER NOT NULL REFERENCES query(id),"
	"  passage_id   INTEGER REFERENCES passage(id),"	/* NULL: query */
	"  annotator_id INTEGER NOT NULL REFERENCES annotator(id),"
	"  action       TEXT NOT NULL CHECK (action IN ('fn', 'tn',"
	"                 'drop_passage', 'drop_query', 'skip', 'note',"
	"                 'undo')),"
	"  undoes       INTEGER REFERENCES decision(id),"
	"  note         TEXT,"
	"  at           TEXT NOT NULL,"
	"  ms_on_item   INTEGER,"
	"  origin       TEXT NOT NULL DEFAULT 'human'"	/* or a stage */
	");"
	"CREATE INDEX decision_item ON decision(query_id, passage_id);"
	"CREATE INDEX decision_undoes ON decision(undoes)"
	"  WHERE undoes IS NOT NULL;"
	"CREATE TRIGGER decision_no_update BEFORE UPDATE ON decision"
	"  BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;"
	"CREATE TRIGGER decision_no_delete BEFORE DELETE ON decision"
	"  BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;"

	/* Decisions in force: labelling actions not cancelled by an undo. */
	"CREATE VIEW decision_live AS"
	"  SELECT d.* FROM decision d"
	"  WHERE d.action IN ('fn', 'tn', 'drop_passage', 'drop_query')"
	"    AND NOT EXISTS (SELECT 1 FROM decision u WHERE u.undoes = d.id);"

	/* Full-text indexes over external content, filled after imports. */
	"CREATE VIRTUAL TABLE passage_fts USING fts5("
	"  title, text, content='passage', content_rowid='id');"
	"CREATE VIRTUAL TABLE query_fts USING fts5("
	"  text, content='query', content_rowid='id');";

/* Vectors (negsieve embed): the sets live in files under PROJECT/vectors/
 * (see src/vecstore.h); this table describes them.  embed_cache keeps
 * endpoint vectors by a hash of model and text so a re-run sends nothing. */
static const char migration_2[] =
	"CREATE TABLE vecset ("
	"  id         INTEGER PRIMARY KEY,"
	"  kind       TEXT NOT NULL CHECK (kind IN ('query', 'passage')),"
	"  model      TEXT NOT NULL,"
	"  dim        INTEGER NOT NULL CHECK (dim > 0),"
	"  count      INTEGER NOT NULL CHECK (count >= 0),"
	"  path       TEXT NOT NULL,"		/* relative to the project */
	"  ids_path   TEXT NOT NULL,"		/* int64 internal ids */
	"  params     TEXT,"			/* JSON: files, endpoint, ... */
	"  state      BLOB,"			/* embedder state (IDF) */
	"  created_at TEXT NOT NULL"
	");"
	"CREATE INDEX vecset_kind ON vecset(kind, model, id);"

	"CREATE TABLE embed_cache ("
	"  key BLOB PRIMARY KEY,"		/* xxh3-128 of model 0x00 text */
	"  dim INTEGER NOT NULL,"
	"  vec BLOB NOT NULL"			/* dim float32 */
	") WITHOUT ROWID;";

/* 3 = mining: per-candidate near-duplicate similarity and flag, the
 * positives' scores under each run's scorer (so `mine --refilter` needs no
 * search), and an index for reading a run back in rank order. */
static const char migration_3[] =
	"ALTER TABLE candidate ADD COLUMN dup_sim REAL;"  /* max cos to a positive */
	"ALTER TABLE candidate ADD COLUMN flag TEXT;"	   /* 'near_duplicate' */
	"CREATE INDEX candidate_run ON candidate(run_id, query_id, rank);"
	"CREATE TABLE run_positive ("
	"  run_id     INTEGER NOT NULL REFERENCES run(id),"
	"  query_id   INTEGER NOT NULL REFERENCES query(id),"
	"  passage_id INTEGER NOT NULL REFERENCES passage(id),"
	"  score      REAL,"			/* NULL: no vector */
	"  PRIMARY KEY (run_id, query_id, passage_id)"
	") WITHOUT ROWID;";

/*
 * 4: review.  Decisions made together (tag-apply, rest-of-query) share a
 * batch (the id of the first; NULL = its own batch) so one undo cancels
 * them together.  A partial index serves the queue (queries with kept
 * candidates, in query order) without scanning filtered rows; sessions
 * give the per-session rate; leases keep two annotators off one query.
 */
static const char migration_4[] =
	"ALTER TABLE decision ADD COLUMN batch INTEGER;"
	"CREATE INDEX candidate_kept ON candidate(query_id, passage_id)"
	"  WHERE filter IS NULL;"
	"CREATE INDEX decision_annotator ON decision(annotator_id, id);"
	"CREATE TABLE review_session ("
	"  id           INTEGER PRIMARY KEY,"
	"  annotator_id INTEGER NOT NULL REFERENCES annotator(id),"
	"  started_at   TEXT NOT NULL,"
	"  ended_at     TEXT,"			/* NULL: running or killed */
	"  decisions    INTEGER NOT NULL DEFAULT 0"
	");"
	/* One live lease per query; expired leases may be taken over. */
	"CREATE TABLE review_lease ("
	"  query_id     INTEGER PRIMARY KEY REFERENCES query(id),"
	"  annotator_id INTEGER NOT NULL REFERENCES annotator(id),"
	"  session_id   INTEGER NOT NULL REFERENCES review_session(id),"
	"  expires_at   REAL NOT NULL"		/* unix seconds */
	");";

/*
 * 5: one truth for labels.  The current label of an item (query,
 * passage) is derived here and nowhere else (src/label.h has the rules
 * in words): the latest labelling event (fn, tn, drop_passage) in force,
 * unless a drop_query of its query is in force, which labels every item
 * of the query.  annotator_label is the same per annotator (agreement,
 * overlap); query_drop the dropped queries.  Review sessions record
 * their process so a lease of a session that died is free at once
 * (ns_alive(), registered by db_open()); leases belong to a session.
 */
static const char migration_5[] =
	"CREATE VIEW query_drop AS"
	"  SELECT d.query_id, d.annotator_id, d.id AS decision_id, d.at"
	"  FROM decision_live d"
	"  WHERE d.passage_id IS NULL AND d.action = 'drop_query'"
	"    AND NOT EXISTS (SELECT 1 FROM decision_live e"
	"      WHERE e.query_id = d.query_id AND e.passage_id IS NULL"
	"        AND e.action = 'drop_query' AND e.id > d.id);"

	"CREATE VIEW annotator_label AS"
	"  SELECT d.query_id, d.passage_id, d.annotator_id,"
	"    d.action AS label, d.id AS decision_id, d.at"
	"  FROM decision_live d"
	"  WHERE d.passage_id IS NOT NULL"
	"    AND d.action IN ('fn', 'tn', 'drop_passage')"
	"    AND NOT EXISTS (SELECT 1 FROM decision_live e"
	"      WHERE e.query_id = d.query_id AND e.passage_id = d.passage_id"
	"        AND e.annotator_id = d.annotator_id"
	"        AND e.action IN ('fn', 'tn', 'drop_passage')"
	"        AND e.id > d.id);"

	"CREATE VIEW item_label AS"
	"  SELECT d.query_id, d.passage_id, d.action AS label,"
	"    d.annotator_id, d.id AS decision_id, d.at"
	"  FROM decision_live d"
	"  WHERE d.passage_id IS NOT NULL"
	"    AND d.action IN ('fn', 'tn', 'drop_passage')"
	"    AND NOT EXISTS (SELECT 1 FROM decision_live e"
	"      WHERE e.query_id = d.query_id AND e.passage_id = d.passage_id"
	"        AND e.action IN ('fn', 'tn', 'drop_passage')"
	"        AND e.id > d.id)"
	"    AND NOT EXISTS (SELECT 1 FROM query_drop q"
	"      WHERE q.query_id = d.query_id)"
	"  UNION ALL"
	"  SELECT k.query_id, k.passage_id, 'drop_query',"
	"    q.annotator_id, q.decision_id, q.at"
	"  FROM query_drop q"
	"  JOIN (SELECT DISTINCT query_id, passage_id FROM candidate) k"
	"    ON k.query_id = q.query_id;"

	"ALTER TABLE review_session ADD COLUMN host TEXT;"
	"ALTER TABLE review_session ADD COLUMN pid INTEGER;"
	"ALTER TABLE review_session ADD COLUMN pid_start INTEGER;"
	"CREATE INDEX review_lease_session ON review_lease(session_id);";

/*
 * 6: the cascade.  A fit is one version of the cascade: the stage
 * definitions it was made for, each stage's thresholds with the counts
 * and bounds behind them, the P(FN) model, and the decisions it used.
 * stage_score keeps what each stage's scorer said about an item (stable
 * across fits: a refit moves thresholds, it does not rescore); input is a
 * hash of what the scorer was given, so a changed text or prompt is
 * scored again.  item_auto is the automatic verdict of each kept item
 * under a fit: 'tn' (kept as a true negative), 'fn' (flagged as a false
 * negative) or 'review' (left to people), with the stage that decided,
 * its score, P(FN), its place in the review queue (priority), and
 * whether the item is in the random audit slice (drawn with a known
 * probability, so its labels certify estimates).
 * Human labels (item_label) always win over item_auto.
 */
static const char migration_6[] =
	"CREATE TABLE cascade_fit ("
	"  id             INTEGER PRIMARY KEY,"
	"  created_at     TEXT NOT NULL,"
	"  origin         TEXT NOT NULL,"	/* cascade, fit, review, simulate */
	"  stages         TEXT NOT NULL,"	/* JSON: the stage definitions */
	"  thresholds     TEXT NOT NULL,"	/* JSON: per stage lo, hi, bounds */
	"  model          TEXT,"		/* JSON: P(FN) model, calibration */
	"  decisions_upto INTEGER NOT NULL DEFAULT 0"	/* last decision used */
	");"
	"CREATE TABLE stage_score ("
	"  stage      TEXT NOT NULL,"		/* the stage's name */
	"  query_id   INTEGER NOT NULL REFERENCES query(id),"
	"  passage_id INTEGER NOT NULL REFERENCES passage(id),"
	"  score      REAL,"			/* NULL: the scorer failed */
	"  raw        TEXT,"			/* e.g. the judge's answer */
	"  input      INTEGER,"			/* hash of what was scored */
	"  at         TEXT NOT NULL,"
	"  PRIMARY KEY (stage, query_id, passage_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE item_auto ("
	"  query_id   INTEGER NOT NULL REFERENCES query(id),"
	"  passage_id INTEGER NOT NULL REFERENCES passage(id),"
	"  verdict    TEXT NOT NULL CHECK (verdict IN ('tn', 'fn', 'review')),"
	"  stage      TEXT,"			/* the deciding stage; NULL: review */
	"  score      REAL,"			/* its score of the item */
	"  pfn        REAL,"			/* P(false negative) */
	"  priority   REAL NOT NULL DEFAULT 0,"	/* review order, high first */
	"  audit      INTEGER NOT NULL DEFAULT 0,"	/* in the audit slice */
	"  fit_id     INTEGER REFERENCES cascade_fit(id),"
	"  PRIMARY KEY (query_id, passage_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX item_auto_queue ON item_auto(priority DESC)"
	"  WHERE verdict = 'review' OR audit = 1;"
	/* the automatic verdict the item had when a person decided it, so
	 * that disagreements with the cascade are in the log */
	"ALTER TABLE decision ADD COLUMN auto TEXT;";

/*
 * 7: the export log.  Every `negsieve export` that wrote its file is
 * recorded with its settings (params, JSON), the cascade version it used
 * (fit_id; NULL before any cascade), the last decision it saw, and its
 * counts: the main ones as columns for `stats`, all of them in counts
 * (JSON).
 */
static const char migration_7[] =
	"CREATE TABLE export ("
	"  id                INTEGER PRIMARY KEY,"
	"  created_at        TEXT NOT NULL,"
	"  format            TEXT NOT NULL,"
	"  path              TEXT NOT NULL,"	/* '-': standard output */
	"  params            TEXT NOT NULL,"	/* JSON: the settings */
	"  fit_id            INTEGER REFERENCES cascade_fit(id),"
	"  decisions_upto    INTEGER NOT NULL DEFAULT 0,"
	"  queries           INTEGER NOT NULL DEFAULT 0,"	/* written */
	"  rows              INTEGER NOT NULL DEFAULT 0,"	/* records */
	"  positives         INTEGER NOT NULL DEFAULT 0,"	/* relabelled too */
	"  relabelled        INTEGER NOT NULL DEFAULT 0,"
	"  negatives         INTEGER NOT NULL DEFAULT 0,"
	"  negatives_dropped INTEGER NOT NULL DEFAULT 0,"
	"  queries_dropped   INTEGER NOT NULL DEFAULT 0,"
	"  counts            TEXT NOT NULL"	/* JSON: every count */
	");";

/*
 * 8: a team on one project.  Items in item_need need k annotators
 * (overlap, so agreement can be measured): their label is final when k
 * annotators' current labels agree, or when an adjudicator decided
 * (decision.role 'adjudicator'); until then they have no label in
 * item_label, and a disagreement is in item_conflict.  Other items keep
 * migration 5's rule (the latest labelling event), and an adjudication
 * wins everywhere.  annotator_label leaves adjudications out (they are
 * not one annotator's opinion among others).
 */
static const char migration_8[] =
	"ALTER TABLE decision ADD COLUMN role TEXT;"	/* NULL, adjudicator */
	"CREATE TABLE item_need ("
	"  query_id   INTEGER NOT NULL,"
	"  passage_id INTEGER NOT NULL,"
	"  k          INTEGER NOT NULL CHECK (k > 1),"
	"  PRIMARY KEY (query_id, passage_id)"
	") WITHOUT ROWID;"
	"DROP VIEW item_label;"
	"DROP VIEW annotator_label;"
	"CREATE VIEW annotator_label AS"
	"  SELECT d.query_id, d.passage_id, d.annotator_id,"
	"    d.action AS label, d.id AS decision_id, d.at"
	"  FROM decision_live d"
	"  WHERE d.passage_id IS NOT NULL AND d.role IS NULL"
	"    AND d.action IN ('fn', 'tn', 'drop_passage')"
	"    AND NOT EXISTS (SELECT 1 FROM decision_live e"
	"      WHERE e.query_id = d.query_id AND e.passage_id = d.passage_id"
	"        AND e.annotator_id = d.annotator_id AND e.role IS NULL"
	"        AND e.action IN ('fn', 'tn', 'drop_passage')"
	"        AND e.id > d.id);"
	"CREATE VIEW item_adjudicated AS"
	"  SELECT d.query_id, d.passage_id, d.action AS label,"
	"    d.annotator_id, d.id AS decision_id, d.at"
	"  FROM decision_live d"
	"  WHERE d.passage_id IS NOT NULL AND d.role = 'adjudicator'"
	"    AND d.action IN ('fn', 'tn', 'drop_passage')"
	"    AND NOT EXISTS (SELECT 1 FROM decision_live e"
	"      WHERE e.query_id = d.query_id AND e.passage_id = d.passage_id"
	"        AND e.role = 'adjudicator'"
	"        AND e.action IN ('fn', 'tn', 'drop_passage')"
	"        AND e.id > d.id);"
	"CREATE VIEW item_conflict AS"
	"  SELECT l.query_id, l.passage_id, count(*) AS annotators"
	"  FROM annotator_label l"
	"  WHERE EXISTS (SELECT 1 FROM item_need n"
	"      WHERE n.query_id = l.query_id AND n.passage_id = l.passage_id)"
	"    AND NOT EXISTS (SELECT 1 FROM item_adjudicated a"
	"      WHERE a.query_id = l.query_id AND a.passage_id = l.passage_id)"
	"  GROUP BY l.query_id, l.passage_id"
	"  HAVING count(DISTINCT l.label) > 1;"
	"CREATE VIEW item_label AS"
	/* adjudicated */
	"  SELECT a.query_id, a.passage_id, a.label, a.annotator_id,"
	"    a.decision_id, a.at"
	"  FROM item_adjudicated a"
	"  WHERE NOT EXISTS (SELECT 1 FROM query_drop q"
	"      WHERE q.query_id = a.query_id)"
	"  UNION ALL"
	/* overlap: k annotators agree (the latest of them names it) */
	"  SELECT l.query_id, l.passage_id, l.label, l.annotator_id,"
	"    max(l.decision_id), l.at"
	"  FROM annotator_label l JOIN item_need n"
	"    ON n.query_id = l.query_id AND n.passage_id = l.passage_id"
	"  WHERE NOT EXISTS (SELECT 1 FROM item_adjudicated a"
	"      WHERE a.query_id = l.query_id AND a.passage_id = l.passage_id)"
	"    AND NOT EXISTS (SELECT 1 FROM query_drop q"
	"      WHERE q.query_id = l.query_id)"
	"  GROUP BY l.query_id, l.passage_id"
	"  HAVING count(*) >= max(n.k) AND count(DISTINCT l.label) = 1"
	"  UNION ALL"
	/* everything else: the latest labelling event (migration 5) */
	"  SELECT d.query_id, d.passage_id, d.action, d.annotator_id,"
	"    d.id, d.at"
	"  FROM decision_live d"
	"  WHERE d.passage_id IS NOT NULL AND d.role IS NULL"
	"    AND d.action IN ('fn', 'tn', 'drop_passage')"
	"    AND NOT EXISTS (SELECT 1 FROM decision_live e"
	"      WHERE e.query_id = d.query_id AND e.passage_id = d.passage_id"
	"        AND e.action IN ('fn', 'tn', 'drop_passage')"
	"        AND e.id > d.id)"
	"    AND NOT EXISTS (SELECT 1 FROM item_need n"
	"      WHERE n.query_id = d.query_id AND n.passage_id = d.passage_id)"
	"    AND NOT EXISTS (SELECT 1 FROM item_adjudicated a"
	"      WHERE a.query_id = d.query_id AND a.passage_id = d.passage_id)"
	"    AND NOT EXISTS (SELECT 1 FROM query_drop q"
	"      WHERE q.query_id = d.query_id)"
	"  UNION ALL"
	"  SELECT k.query_id, k.passage_id, 'drop_query',"
	"    q.annotator_id, q.decision_id, q.at"
	"  FROM query_drop q"
	"  JOIN (SELECT DISTINCT query_id, passage_id FROM candidate) k"
	"    ON k.query_id = q.query_id;";

/*
 * 9: the LLM judge's answer cache.  key is an XXH3-128 of everything that
 * determines the answer (model, sampling settings and the prompt with
 * the texts in it), so a re-run of a judge stage sends nothing for what
 * it has already asked.  Only answers holding a verdict are kept.
 */
static const char migration_9[] =
	"CREATE TABLE judge_cache ("
	"  key               BLOB PRIMARY KEY,"	/* 16 bytes */
	"  model             TEXT NOT NULL,"
	"  answer            TEXT NOT NULL,"	/* the model's text */
	"  prompt_tokens     INTEGER,"
	"  completion_tokens INTEGER,"
	"  at                TEXT NOT NULL"
	") WITHOUT ROWID;";

/*
 * 10: import.  A source's content hash (XXH3-128 of the input's bytes after
 * decompression; for a BEIR directory, of its files' names and hashes),
 * so that an input imported again is noticed; the hash of its first 64 KiB
 * (head_hash) says cheaply, before reading it, that it cannot be one
 * imported before.  A judgment whose grade was
 * below import.positive_grade is stored in qrel with grade 0 (judged
 * non-relevant, as every reader of qrel expects); the grade the input
 * gave it is kept in qrel_file_grade (qrel itself keeps its columns).
 */
static const char migration_10[] =
	"ALTER TABLE source ADD COLUMN content_hash TEXT;"
	"ALTER TABLE source ADD COLUMN head_hash TEXT;"	/* its first 64 KiB */
	"CREATE INDEX source_head ON source(head_hash)"
	"  WHERE head_hash IS NOT NULL;"
	"CREATE TABLE qrel_file_grade ("
	"  query_id   INTEGER NOT NULL REFERENCES query(id),"
	"  passage_id INTEGER NOT NULL REFERENCES passage(id),"
	"  grade      INTEGER NOT NULL,"	/* as in the input */
	"  PRIMARY KEY (query_id, passage_id)"
	") WITHOUT ROWID;";

/*
 * 11: annotator_label as migration 8 defined it, but its "no later label
 * by the same annotator" test looks the item up (decision_item) instead
 * of walking the annotator's later decisions (decision_annotator, which
 * SQLite picked without statistics): with one annotator's 20,000
 * decisions, item_label of one query cost ~1 ms, an export of 100,000
 * queries 25 s more.  The unary + keeps annotator_id out of the index
 * choice; the rows are the same.
 */
static const char migration_11[] =
	"DROP VIEW annotator_label;"
	"CREATE VIEW annotator_label AS"
	"  SELECT d.query_id, d.passage_id, d.annotator_id,"
	"    d.action AS label, d.id AS decision_id, d.at"
	"  FROM decision_live d"
	"  WHERE d.passage_id IS NOT NULL AND d.role IS NULL"
	"    AND d.action IN ('fn', 'tn', 'drop_passage')"
	"    AND NOT EXISTS (SELECT 1 FROM decision_live e"
	"      WHERE e.query_id = d.query_id AND e.passage_id = d.passage_id"
	"        AND +e.annotator_id = d.annotator_id AND e.role IS NULL"
	"        AND e.action IN ('fn', 'tn', 'drop_passage')"
	"        AND e.id > d.id);";

/*
 * 12: mining runs are complete or invisible, and store what they need
 * compactly.  A run is written with state 'mining' and becomes 'done' in
 * the one transaction that stores its kept candidates; every reader of
 * candidates sees only done runs (an unfinished run has none), and
 * `negsieve mine` resumes or replaces an unfinished run.  run_pool holds,
 * per query, the top range_max candidates as retrieved (with their marks,
 * scores and the filter that fired) and the positives' scores, packed in
 * one blob (db/mining.c): the input of --refilter and of the cascade.
 * The candidate table then holds only the candidates that the filters and
 * the sampler kept.
 */
static const char migration_12[] =
	"ALTER TABLE run ADD COLUMN state TEXT NOT NULL DEFAULT 'done'"
	"  CHECK (state IN ('mining', 'done'));"
	"CREATE TABLE run_pool ("
	"  run_id   INTEGER NOT NULL REFERENCES run(id),"
	"  query_id INTEGER NOT NULL REFERENCES query(id),"
	"  data     BLOB NOT NULL,"
	"  PRIMARY KEY (run_id, query_id)"
	") WITHOUT ROWID;";

/*
 * 13: a dropped passage is dropped everywhere.  drop_passage says the
 * passage's text is bad, which is true in every query it is a candidate
 * of.  passage_drop holds the drops in force: a drop_passage not undone
 * and not followed by another label of its own item.  item_label is
 * migration 8's with two changes: an item's own label gives way to a
 * later drop of its passage in force elsewhere, and the latest such drop
 * labels every other item of the passage that has no later label of its
 * own (a person who relabels the passage in one query decides that item
 * again).  Every part stays a lookup by (query, passage) or by passage,
 * so asking for one item's label costs a few index probes.  The
 * drop_query part joins query_drop to candidate directly (migration 8's
 * DISTINCT subquery over every candidate cost review 30 MB at 1M
 * candidates), as a CROSS JOIN so that SQLite keeps query_drop outside
 * when item_label is probed from a correlated subquery (the queue's
 * "not done" test) and cannot push the query down.
 */
#define SCHEMA_NO_LATER_DROP(X, ID) \
	"    AND NOT EXISTS (SELECT 1 FROM passage_drop p" \
	"      WHERE p.passage_id = " X ".passage_id AND p.decision_id > " ID ")"
static const char migration_13[] =
	"CREATE INDEX decision_passage_drop ON decision(passage_id, id)"
	"  WHERE action = 'drop_passage';"
	"CREATE INDEX candidate_passage ON candidate(passage_id, query_id,"
	"  run_id);"
	"CREATE VIEW passage_drop AS"
	"  SELECT d.query_id, d.passage_id, d.annotator_id,"
	"    d.id AS decision_id, d.at"
	"  FROM decision d"
	"  WHERE d.action = 'drop_passage' AND d.passage_id IS NOT NULL"
	"    AND NOT EXISTS (SELECT 1 FROM decision u WHERE u.undoes = d.id)"
	"    AND NOT EXISTS (SELECT 1 FROM decision_live e"
	"      WHERE e.query_id = d.query_id AND e.passage_id = d.passage_id"
	"        AND e.action IN ('fn', 'tn', 'drop_passage')"
	"        AND e.id > d.id);"
	"DROP VIEW item_label;"
	"CREATE VIEW item_label AS"
	/* adjudicated */
	"  SELECT a.query_id, a.passage_id, a.label, a.annotator_id,"
	"    a.decision_id, a.at"
	"  FROM item_adjudicated a"
	"  WHERE NOT EXISTS (SELECT 1 FROM query_drop q"
	"      WHERE q.query_id = a.query_id)"
	SCHEMA_NO_LATER_DROP("a", "a.decision_id")
	"  UNION ALL"
	/* overlap: k annotators agree (the latest of them names it) */
	"  SELECT l.query_id, l.passage_id, l.label, l.annotator_id,"
	"    max(l.decision_id), l.at"
	"  FROM annotator_label l JOIN item_need n"
	"    ON n.query_id = l.query_id AND n.passage_id = l.passage_id"
	"  WHERE NOT EXISTS (SELECT 1 FROM item_adjudicated a"
	"      WHERE a.query_id = l.query_id AND a.passage_id = l.passage_id)"
	"    AND NOT EXISTS (SELECT 1 FROM query_drop q"
	"      WHERE q.query_id = l.query_id)"
	SCHEMA_NO_LATER_DROP("l", "l.decision_id")
	"  GROUP BY l.query_id, l.passage_id"
	"  HAVING count(*) >= max(n.k) AND count(DISTINCT l.label) = 1"
	"  UNION ALL"
	/* everything else: the latest labelling event */
	"  SELECT d.query_id, d.passage_id, d.action, d.annotator_id,"
	"    d.id, d.at"
	"  FROM decision_live d"
	"  WHERE d.passage_id IS NOT NULL AND d.role IS NULL"
	"    AND d.action IN ('fn', 'tn', 'drop_passage')"
	"    AND NOT EXISTS (SELECT 1 FROM decision_live e"
	"      WHERE e.query_id = d.query_id AND e.passage_id = d.passage_id"
	"        AND e.action IN ('fn', 'tn', 'drop_passage')"
	"        AND e.id > d.id)"
	"    AND NOT EXISTS (SELECT 1 FROM item_need n"
	"      WHERE n.query_id = d.query_id AND n.passage_id = d.passage_id)"
	"    AND NOT EXISTS (SELECT 1 FROM item_adjudicated a"
	"      WHERE a.query_id = d.query_id AND a.passage_id = d.passage_id)"
	"    AND NOT EXISTS (SELECT 1 FROM query_drop q"
	"      WHERE q.query_id = d.query_id)"
	SCHEMA_NO_LATER_DROP("d", "d.id")
	"  UNION ALL"
	/* a drop of the passage elsewhere: the latest one in force, on
	 * every other item of the passage without a later label */
	"  SELECT k.query_id, k.passage_id, 'drop_passage', p.annotator_id,"
	"    p.decision_id, p.at"
	"  FROM passage_drop p JOIN candidate k ON k.passage_id = p.passage_id"
	"  WHERE k.query_id <> p.query_id"
	"    AND k.run_id = (SELECT min(c.run_id) FROM candidate c"
	"      WHERE c.passage_id = k.passage_id AND c.query_id = k.query_id)"
	"    AND NOT EXISTS (SELECT 1 FROM passage_drop p2"
	"      WHERE p2.passage_id = p.passage_id"
	"        AND p2.decision_id > p.decision_id)"
	"    AND NOT EXISTS (SELECT 1 FROM decision_live e"
	"      WHERE e.query_id = k.query_id AND e.passage_id = k.passage_id"
	"        AND e.action IN ('fn', 'tn', 'drop_passage')"
	"        AND e.id > p.decision_id)"
	"    AND NOT EXISTS (SELECT 1 FROM query_drop q"
	"      WHERE q.query_id = k.query_id)"
	"  UNION ALL"
	"  SELECT DISTINCT c.query_id, c.passage_id, 'drop_query',"
	"    q.annotator_id, q.decision_id, q.at"
	"  FROM query_drop q CROSS JOIN candidate c"
	"    ON c.query_id = q.query_id;";
#undef SCHEMA_NO_LATER_DROP

/*
 * 14: reading one query costs the same in a project of 10,000 candidates
 * and of 1,000,000 (the review's key latency).  Two lookups that grew
 * with the project:
 *  - item_label of one query: migration 13's "a drop of the passage
 *    elsewhere" part tested, for every candidate of the query, whether
 *    its row is the item's first run (a probe of candidate_passage, at a
 *    random place in a large index) before it looked for a drop of the
 *    passage (nearly always none).  Here the test names the drop's
 *    passage (p.passage_id, equal to k.passage_id by the join), so it is
 *    made only for a passage that has a drop in force: the rows are the
 *    same, and a query's labels cost no read outside its own pages.
 *  - stage_score of one item: its primary key starts with the stage, so
 *    "the scores of (query, passage)" scanned every score (seconds per
 *    query after a cascade at 1M candidates).  stage_score_item looks
 *    them up.
 * And one plan that SQLite may choose badly: when item_label is read
 * whole (the queue's correlated "not done" test), it may build an
 * automatic index over every candidate for the drop_query part (seen
 * after an unrelated index on decision changed its estimates: 0.7-1 s
 * per search at 1M candidates once a query was dropped).  That part
 * names candidate_query, whose entries start with the query.
 */
#define SCHEMA_NO_LATER_DROP(X, ID) \
	"    AND NOT EXISTS (SELECT 1 FROM passage_drop p" \
	"      WHERE p.passage_id = " X ".passage_id AND p.decision_id > " ID ")"
static const char migration_14[] =
	"CREATE INDEX stage_score_item ON stage_score(query_id, passage_id);"
	"DROP VIEW item_label;"
	"CREATE VIEW item_label AS"
	/* adjudicated */
	"  SELECT a.query_id, a.passage_id, a.label, a.annotator_id,"
	"    a.decision_id, a.at"
	"  FROM item_adjudicated a"
	"  WHERE NOT EXISTS (SELECT 1 FROM query_drop q"
	"      WHERE q.query_id = a.query_id)"
	SCHEMA_NO_LATER_DROP("a", "a.decision_id")
	"  UNION ALL"
	/* overlap: k annotators agree (the latest of them names it) */
	"  SELECT l.query_id, l.passage_id, l.label, l.annotator_id,"
	"    max(l.decision_id), l.at"
	"  FROM annotator_label l JOIN item_need n"
	"    ON n.query_id = l.query_id AND n.passage_id = l.passage_id"
	"  WHERE NOT EXISTS (SELECT 1 FROM item_adjudicated a"
	"      WHERE a.query_id = l.query_id AND a.passage_id = l.passage_id)"
	"    AND NOT EXISTS (SELECT 1 FROM query_drop q"
	"      WHERE q.query_id = l.query_id)"
	SCHEMA_NO_LATER_DROP("l", "l.decision_id")
	"  GROUP BY l.query_id, l.passage_id"
	"  HAVING count(*) >= max(n.k) AND count(DISTINCT l.label) = 1"
	"  UNION ALL"
	/* everything else: the latest labelling event */
	"  SELECT d.query_id, d.passage_id, d.action, d.annotator_id,"
	"    d.id, d.at"
	"  FROM decision_live d"
	"  WHERE d.passage_id IS NOT NULL AND d.role IS NULL"
	"    AND d.action IN ('fn', 'tn', 'drop_passage')"
	"    AND NOT EXISTS (SELECT 1 FROM decision_live e"
	"      WHERE e.query_id = d.query_id AND e.passage_id = d.passage_id"
	"        AND e.action IN ('fn', 'tn', 'drop_passage')"
	"        AND e.id > d.id)"
	"    AND NOT EXISTS (SELECT 1 FROM item_need n"
	"      WHERE n.query_id = d.query_id AND n.passage_id = d.passage_id)"
	"    AND NOT EXISTS (SELECT 1 FROM item_adjudicated a"
	"      WHERE a.query_id = d.query_id AND a.passage_id = d.passage_id)"
	"    AND NOT EXISTS (SELECT 1 FROM query_drop q"
	"      WHERE q.query_id = d.query_id)"
	SCHEMA_NO_LATER_DROP("d", "d.id")
	"  UNION ALL"
	/* a drop of the passage elsewhere: the latest one in force, on
	 * every other item of the passage without a later label (the
	 * item's first run named through p, so tested only where a drop
	 * is found) */
	"  SELECT k.query_id, k.passage_id, 'drop_passage', p.annotator_id,"
	"    p.decision_id, p.at"
	"  FROM passage_drop p JOIN candidate k ON k.passage_id = p.passage_id"
	"  WHERE k.query_id <> p.query_id"
	"    AND k.run_id = (SELECT min(c.run_id) FROM candidate c"
	"      WHERE c.passage_id = p.passage_id AND c.query_id = k.query_id)"
	"    AND NOT EXISTS (SELECT 1 FROM passage_drop p2"
	"      WHERE p2.passage_id = p.passage_id"
	"        AND p2.decision_id > p.decision_id)"
	"    AND NOT EXISTS (SELECT 1 FROM decision_live e"
	"      WHERE e.query_id = k.query_id AND e.passage_id = k.passage_id"
	"        AND e.action IN ('fn', 'tn', 'drop_passage')"
	"        AND e.id > p.decision_id)"
	"    AND NOT EXISTS (SELECT 1 FROM query_drop q"
	"      WHERE q.query_id = k.query_id)"
	"  UNION ALL"
	"  SELECT DISTINCT c.query_id, c.passage_id, 'drop_query',"
	"    q.annotator_id, q.decision_id, q.at"
	"  FROM query_drop q CROSS JOIN candidate c INDEXED BY candidate_query"
	"    ON c.query_id = q.query_id;";
#undef SCHEMA_NO_LATER_DROP

/*
 * 15: the queue's search passes over decided queries without reading
 * their labels.  decision_labelled holds the labelling events (fn, tn,
 * drop_passage) by item, decision_unsure the queries where a label
 * cannot be read off those events alone (an undo, an adjudication or
 * another role): queue_skip_labelled() (db/queue.c) walks the kept
 * candidates and these in step, query by query, instead of deriving
 * item_label for each item (300,000 decided items cost ~2 s at the
 * start of a review).  decision_labelled's IN list is written as in no
 * view, so that no view's plan changes for it; decision_unsure serves
 * item_adjudicated too (role = 'adjudicator' implies its condition):
 * the adjudications of a range of queries are read from it instead of
 * every decision of the range (the same rows).
 */
static const char migration_15[] =
	"CREATE INDEX decision_labelled ON decision(query_id, passage_id)"
	"  WHERE action IN ('tn', 'fn', 'drop_passage');"
	"CREATE INDEX decision_unsure ON decision(query_id)"
	"  WHERE action = 'undo' OR role IS NOT NULL;";

/*
 * 16: a stage score says what it was made from in a form the cascade can
 * compare without reading any text: key is a hash of the stage's
 * settings that decide its answers (scorer_stage_key()) and of the
 * item's texts as the project holds them (cascade_db_item_key(): the
 * query's text, its positives' content hashes, the candidate's content
 * hash).  A score whose key is not the one its item has now (another
 * model, prompt or command, a text filled in, a positive added) is not
 * taken: the item waits for the stage to score it again.  input (the
 * hash of exactly what was sent) is kept for the record; a score made
 * before this version has no key and is scored again (the judge's
 * answers come from its cache when nothing changed).
 */
static const char migration_16[] =
	"ALTER TABLE stage_score ADD COLUMN key INTEGER;";

const struct schema_migration schema_migrations[] = {
	{ 1, migration_1 },
	{ 2, migration_2 },
	{ 3, migration_3 },
	{ 4, migration_4 },
	{ 5, migration_5 },
	{ 6, migration_6 },
	{ 7, migration_7 },
	{ 8, migration_8 },
	{ 9, migration_9 },
	{ 10, migration_10 },
	{ 11, migration_11 },
	{ 12, migration_12 },
	{ 13, migration_13 },
	{ 14, migration_14 },
	{ 15, migration_15 },
	{ 16, migration_16 },
	{ 0, NULL }
};
