/*
 * exportjob.c - a whole export (see exportjob.h): the rules that decide
 * what each item is, the actions for false negatives, and the record of
 * what was done.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "db/export.h"
#include "src/exportjob.h"
#include "src/outstream.h"
#include "src/progress.h"
#include "src/util.h"

static const char *const action_names[] = { "relabel", "drop-negative",
					    "drop-query" };
static const char *const undecided_names[] = { "keep", "drop" };

#define ES struct exportjob_settings
const struct opt exportjob_opts[] = {
	OPT_KEY('f', "format", "F", "export.format", CONFIG_ENUM, ES, format,
		"bge, tevatron, triplet, n-tuple, labeled-pair, beir-qrels or "
		"trec-qrels"),
	OPT_VAL('o', "output", "FILE", CONFIG_STRING, NULL, NULL, ES, output,
		"the file to write (- for standard output; gzip when it ends "
		"in .gz, zstd in .zst)"),
	OPT_KEY(0, "file-type", "T", "export.file_type", CONFIG_ENUM, ES,
		file_type, "triplet, n-tuple, labeled-pair: auto (by FILE's "
		"name), jsonl, csv or tsv"),
	OPT_KEY('a', "action", "A", "export.action", CONFIG_ENUM, ES, action,
		"false negatives: relabel (as positives), drop-negative or "
		"drop-query"),
	OPT_KEY(0, "max-flagged", "K", "export.max_flagged", CONFIG_INT, ES,
		max_flagged, "leave out queries with more than K false "
		"negatives (-1: no limit)"),
	OPT_KEY(0, "undecided", "U", "export.undecided", CONFIG_ENUM, ES,
		undecided, "candidates nobody decided: keep (as negatives) or "
		"drop"),
	OPT_KEY(0, "pending-fn", "U", "export.pending_fn", CONFIG_ENUM, ES,
		pending_fn, "candidates an annotator flagged FN, waiting for "
		"the others of review.overlap or an adjudicator: keep (as "
		"negatives) or drop"),
	OPT_KEY(0, "max-pfn", "P", "export.max_pfn", CONFIG_FLOAT, ES,
		max_pfn, "leave out undecided candidates whose P(FN) is above "
		"P (1: keep them all)"),
	OPT_KEY('n', "negatives", "N", "export.negatives", CONFIG_INT, ES,
		negatives, "at most N negatives per query, people's true "
		"negatives first, then the best (0: all; n-tuple: exactly N)"),
	OPT_KEY(0, "min-negatives", "N", "export.min_negatives", CONFIG_INT,
		ES, min_negatives, "leave out queries with fewer negatives"),
	OPT_KEY(0, "fn-grade", "G", "export.fn_grade", CONFIG_INT, ES,
		fn_grade, "the grade of qrels lines"),
	OPT_VAL(0, "run", "ID", CONFIG_INT, "1..", NULL, ES, run,
		"the negatives are run ID's kept candidates (default: each "
		"query's newest run)"),
	OPT_FLAG(0, "all-runs", ES, all_runs,
		 "the negatives are the kept candidates of every run"),
	OPT_END
};
#undef ES

void
exportjob_settings_init(struct exportjob_settings *s,
			const struct config *cfg)
{
	memset(s, 0, sizeof(*s));
	opt_settings(exportjob_opts, cfg, s);
}

void
exportjob_defaults(struct exportjob_settings *s, int format,
		   const char *output)
{
	exportjob_settings_init(s, NULL);
	s->format = format;
	s->output = output;
}

enum ns_rc
exportjob_check(const struct exportjob_settings *s, struct ns_err *err)
{
	const char *fmt = exportfmt_name(s->format);

	if (s->format < 0 || s->format >= EXPORTFMT_COUNT)
		return err_set(err, NS_EUSAGE, "unknown export format");
	if (!s->output)
		return err_set(err, NS_EUSAGE, "no output: give -o FILE "
			       "(- for standard output)");
	if (s->file_type != EXPORTFMT_AUTO && !exportfmt_is_st(s->format) &&
	    !(s->file_type == EXPORTFMT_JSONL &&
	      !exportfmt_is_qrels(s->format)))
		return err_set(err, NS_EUSAGE, "--file-type %s: %s is written "
			       "as %s only",
			       exportfmt_file_type_name(s->file_type), fmt,
			       exportfmt_is_qrels(s->format) ? "a qrels file"
							     : "JSONL");
	/* a name that says CSV/TSV for a format written as JSON lines, or
	 * CSV for qrels (BEIR's are TSV files, TREC's columns separated by
	 * blanks), would leave a file its reader cannot read */
	if (!exportfmt_is_st(s->format) && strcmp(s->output, "-") &&
	    (exportfmt_file_type_for(s->output) == EXPORTFMT_CSV ||
	     (exportfmt_file_type_for(s->output) == EXPORTFMT_TSV &&
	      !exportfmt_is_qrels(s->format))))
		return err_set(err, NS_EUSAGE, "-o %s: %s is written as %s "
			       "only, not %s (name the file otherwise, or "
			       "export a sentence-transformers format as "
			       "CSV/TSV)", s->output, fmt,
			       exportfmt_is_qrels(s->format) ? "a qrels file"
							     : "JSONL",
			       exportfmt_file_type_name(
				       exportfmt_file_type_for(s->output)));
	/* a file type asked for that the name contradicts (--file-type csv
	 * -o x.jsonl): one of the two is a mistake */
	if (exportfmt_is_st(s->format) && s->file_type != EXPORTFMT_AUTO &&
	    strcmp(s->output, "-") &&
	    exportfmt_file_type_named(s->output) >= 0 &&
	    exportfmt_file_type_named(s->output) != s->file_type)
		return err_set(err, NS_EUSAGE, "-o %s: the name says %s, but "
			       "the file type asked for (--file-type or "
			       "export.file_type) is %s: give a name that "
			       "matches, or --file-type auto",
			       s->output,
			       exportfmt_file_type_name(
				       exportfmt_file_type_named(s->output)),
			       exportfmt_file_type_name(s->file_type));
	if (s->format == EXPORTFMT_NTUPLE && s->negatives < 1)
		return err_set(err, NS_EUSAGE, "n-tuple needs --negatives N "
			       "(export.negatives), its number of "
			       "negative columns");
	if (s->run > 0 && s->all_runs)
		return err_set(err, NS_EUSAGE, "--run and --all-runs exclude "
			       "each other");
	if (s->fn_grade < 1)
		return err_set(err, NS_EUSAGE, "--fn-grade %lld: the grade of "
			       "a false negative must be at least 1",
			       (long long)s->fn_grade);
	if (s->negatives < 0 || s->min_negatives < 0)
		return err_set(err, NS_EUSAGE, "--negatives and "
			       "--min-negatives cannot be negative");
	if (!(s->max_pfn >= 0.0 && s->max_pfn <= 1.0))
		return err_set(err, NS_EUSAGE, "--max-pfn: a probability in "
			       "0..1");
	if (s->action < 0 || s->action > EXPORTJOB_DROP_QUERY ||
	    s->undecided < 0 || s->undecided > EXPORTJOB_DROP ||
	    s->pending_fn < 0 || s->pending_fn > EXPORTJOB_DROP)
		return err_set(err, NS_EUSAGE, "unknown action");
	return NS_OK;
}

/* What an item is for the export (see the rules in exportjob.h). */
enum cls {
	CLS_POSITIVE,
	CLS_NEGATIVE,		/* decided: a person, a judgment, the cascade */
	CLS_UNDECIDED,
	CLS_FN_HUMAN,
	CLS_FN_AUTO,
	CLS_DROP,		/* a person dropped the passage */
};

static enum cls
classify(const struct export_item *it)
{
	if (it->positive)
		return it->label == LABEL_DROP_PASSAGE ? CLS_DROP
						       : CLS_POSITIVE;
	switch (it->label) {
	case LABEL_FN:
		return CLS_FN_HUMAN;
	case LABEL_TN:
		return CLS_NEGATIVE;
	case LABEL_DROP_PASSAGE:
		return CLS_DROP;
	default:
		break;
	}
	if (it->judged_neg)
		return CLS_NEGATIVE;
	switch (it->verdict) {
	case EXPORT_AUTO_FN:
		return CLS_FN_AUTO;
	case EXPORT_AUTO_TN:
		return CLS_NEGATIVE;
	default:
		return CLS_UNDECIDED;
	}
}

/* Did people label @it a true negative (not a cascade's or a judge's)? */
static bool
labelled_tn(const struct export_item *it)
{
	return !it->positive && it->label == LABEL_TN;
}

/* A growable list of items of one query. */
struct plist {
	const struct export_item **v;
	size_t n, cap;
};

static void
plist_add(struct plist *l, const struct export_item *it)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = it;
}

struct job {
	const struct exportjob_settings *s;
	struct exportjob_counts *c;
	struct exportfmt *fmt;
	struct plist pos, neg, fn;
	double max_pfn;		/* in force: s->max_pfn once a model
				 * gives P(FN), else 1 */
};

/* One query of a qrels format: its false negatives. */
static enum ns_rc
job_qrels(struct job *j, const struct export_query *q, struct ns_err *err)
{
	if (j->fn.n == 0)
		return NS_OK;
	j->c->written++;
	return exportfmt_qrels(j->fmt, q, j->fn.v, j->fn.n, j->s->fn_grade,
			       &j->c->rows, &j->c->qrels_no_id, err);
}

/* What the rules did to the candidates of one query (job_decide). */
struct qcounts {
	int64_t drop_fn, drop_passage, drop_undecided, drop_likely;
	int64_t drop_pending, drop_cut, drop_cut_tn, no_text, pos_dropped;
	int64_t undecided, near_dup, wait, conflict, relabelled;
	int64_t judged;
};

/* What becomes of a query of a training format. */
enum qfate {
	Q_WRITTEN,
	Q_NO_TEXT,		/* known by id only */
	Q_ACTION,		/* drop-query: it has a false negative */
	Q_MAX_FLAGGED,		/* more false negatives than max_flagged */
	Q_NO_POSITIVE,		/* no positive left */
	Q_FEW_NEGATIVES,	/* fewer negatives than needed */
	Q_NOT_IN_RUN,		/* as few, imported after the runs */
};

/*
 * The rules of a training format over query @q (its false negatives
 * already in j->fn): the positives into j->pos, the negatives into
 * j->neg, what each rule took out into @qc, and, when @fate is not NULL,
 * what became of each candidate q->items[i] (enum exportjob_fate; for a
 * query left out before its candidates are looked at, nothing).  Both
 * the export and exportjob_plan() (stats' estimate) decide here.
 */
static enum qfate
job_decide(struct job *j, const struct export_query *q, struct qcounts *qc,
	   unsigned char *fate)
{
	const struct exportjob_settings *s = j->s;
	int64_t need, tn_want = 0, tn_in = 0, others_in = 0;

	memset(qc, 0, sizeof(*qc));
	if (!q->text)
		return Q_NO_TEXT;
	if (j->fn.n > 0 && s->action == EXPORTJOB_DROP_QUERY)
		return Q_ACTION;
	if (s->max_flagged >= 0 && (int64_t)j->fn.n > s->max_flagged)
		return Q_MAX_FLAGGED;
	for (size_t i = 0; i < q->npos; i++) {
		const struct export_item *it = &q->pos[i];

		if (classify(it) == CLS_DROP)
			qc->pos_dropped++;
		else if (!it->text)
			qc->no_text++;
		else
			plist_add(&j->pos, it);
	}
	qc->judged = (int64_t)j->pos.n;
	/* --negatives takes the candidates people labelled true negatives
	 * first, as mine's sampler does (a query keeps them all, even more
	 * than --num-negatives): the best-scored others fill the places
	 * left, and a verified negative never gives way to a guess */
	for (size_t i = 0; i < q->nitems && s->negatives > 0; i++) {
		const struct export_item *it = &q->items[i];

		tn_want += it->candidate && labelled_tn(it) && it->text &&
			   !(it->pending && s->pending_fn == EXPORTJOB_DROP);
	}
	if (tn_want > s->negatives)
		tn_want = s->negatives;
	for (size_t i = 0; i < q->nitems; i++) {
		const struct export_item *it = &q->items[i];
		enum cls k = classify(it);
		int f = EXPORTJOB_FATE_IN;

		if (!it->candidate || k == CLS_POSITIVE) {
			if (fate)
				fate[i] = EXPORTJOB_FATE_IN;
			continue;
		}
		if (k == CLS_DROP) {
			qc->drop_passage++;
		} else if (k == CLS_FN_HUMAN || k == CLS_FN_AUTO) {
			qc->drop_fn += s->action != EXPORTJOB_RELABEL;
		} else if (it->pending && s->pending_fn == EXPORTJOB_DROP) {
			qc->drop_pending++;
			f = EXPORTJOB_FATE_CUT;
		} else if (k == CLS_UNDECIDED &&
			   s->undecided == EXPORTJOB_DROP) {
			qc->drop_undecided++;
		} else if (k == CLS_UNDECIDED && it->pfn > j->max_pfn) {
			qc->drop_likely++;
		} else if (!it->text) {
			qc->no_text++;
			f = EXPORTJOB_FATE_OUT;
		} else if (s->negatives > 0 &&
			   (labelled_tn(it) ? tn_in >= s->negatives :
			    others_in >= s->negatives - tn_want)) {
			qc->drop_cut++;
			qc->drop_cut_tn += labelled_tn(it);
			f = EXPORTJOB_FATE_OUT;
		} else {
			if (labelled_tn(it))
				tn_in++;
			else
				others_in++;
			plist_add(&j->neg, it);
			f = EXPORTJOB_FATE_NEGATIVE;
			qc->undecided += k == CLS_UNDECIDED;
			qc->near_dup += it->near_dup;
			qc->wait += it->pending == EXPORT_PENDING_WAIT;
			qc->conflict += it->pending == EXPORT_PENDING_CONFLICT;
		}
		if (fate)
			fate[i] = (unsigned char)f;
	}
	if (s->action == EXPORTJOB_RELABEL) {
		for (size_t i = 0; i < j->fn.n; i++) {
			if (!j->fn.v[i]->text) {
				qc->no_text++;
				continue;
			}
			plist_add(&j->pos, j->fn.v[i]);
			qc->relabelled++;
		}
	}
	if (j->pos.n == 0)
		return Q_NO_POSITIVE;
	need = s->format == EXPORTFMT_NTUPLE ? s->negatives : s->min_negatives;
	/* a query no run mined has no candidates: not "too few", but
	 * waiting for a mine */
	if ((int64_t)j->neg.n < need)
		return q->unmined ? Q_NOT_IN_RUN : Q_FEW_NEGATIVES;
	return Q_WRITTEN;
}

/* One query of a training format. */
static enum ns_rc
job_train(struct job *j, const struct export_query *q, struct ns_err *err)
{
	struct exportjob_counts *c = j->c;
	struct qcounts qc;
	enum qfate fate = job_decide(j, q, &qc, NULL);
	enum ns_rc rc;

	switch (fate) {
	case Q_NO_TEXT:
		c->q_no_text++;
		return NS_OK;
	case Q_ACTION:
		c->q_action++;
		return NS_OK;
	case Q_MAX_FLAGGED:
		c->q_max_flagged++;
		return NS_OK;
	case Q_NO_POSITIVE:
		c->q_no_positive++;
		break;
	case Q_FEW_NEGATIVES:
		c->q_few_negatives++;
		break;
	case Q_NOT_IN_RUN:
		c->q_not_in_run++;
		break;
	case Q_WRITTEN:
		if ((rc = exportfmt_query(j->fmt, q, j->pos.v, j->pos.n,
					  j->neg.v, j->neg.n, &c->rows, err)))
			return rc;
		c->written++;
		c->positives += qc.judged;
		c->relabelled += qc.relabelled;
		c->negatives += (int64_t)j->neg.n;
		c->undecided_kept += qc.undecided;
		c->near_dup_kept += qc.near_dup;
		c->pending_wait += qc.wait;
		c->pending_conflict += qc.conflict;
		c->pos_dropped += qc.pos_dropped;
		break;
	}
	/* what each rule took out of the candidates, whatever then became
	 * of the query: --max-pfn taking a query's last negatives leaves
	 * it out "with too few negatives", and still took them out */
	if (fate != Q_WRITTEN)
		c->drop_left_out += qc.drop_pending + qc.drop_fn +
				    qc.drop_passage + qc.drop_undecided +
				    qc.drop_likely + qc.drop_cut + qc.no_text;
	c->drop_pending += qc.drop_pending;
	c->drop_fn += qc.drop_fn;
	c->drop_passage += qc.drop_passage;
	c->drop_undecided += qc.drop_undecided;
	c->drop_likely += qc.drop_likely;
	c->drop_cut += qc.drop_cut;
	c->drop_cut_tn += qc.drop_cut_tn;
	c->drop_no_text += qc.no_text;
	return NS_OK;
}

/* Start query @q: its false negatives into j->fn, counted into j->c. */
static void
job_fns(struct job *j, const struct export_query *q)
{
	j->pos.n = j->neg.n = j->fn.n = 0;
	for (size_t i = 0; i < q->nitems; i++) {
		enum cls k = classify(&q->items[i]);

		if (k == CLS_FN_HUMAN || k == CLS_FN_AUTO) {
			plist_add(&j->fn, &q->items[i]);
			j->c->fn_human += k == CLS_FN_HUMAN;
			j->c->fn_auto += k == CLS_FN_AUTO;
		}
	}
}

static enum ns_rc
job_query(struct job *j, const struct export_query *q, struct ns_err *err)
{
	if (q->dropped) {
		j->c->q_people++;
		return NS_OK;
	}
	job_fns(j, q);
	if (exportfmt_is_qrels(j->s->format))
		return job_qrels(j, q, err);
	return job_train(j, q, err);
}

enum ns_rc
exportjob_plan(struct db *db, const struct exportjob_settings *s,
	       const struct export_rows *rows,
	       exportjob_plan_fn *fn, void *ctx, struct ns_err *err)
{
	struct export_reader *rd = NULL;
	struct exportjob_counts c;
	const struct export_query *q;
	unsigned char *fate = NULL;
	size_t cap = 0;
	struct job j;
	struct qcounts qc;
	enum ns_rc rc;

	memset(&c, 0, sizeof(c));
	memset(&j, 0, sizeof(j));
	j.s = s;
	j.c = &c;
	/* whether a passage has a text decides, not the text itself, nor a
	 * positive's score; every query is read (EXPORT_READ_SCAN), and no
	 * fate depends on the order of the passages added outside the
	 * candidates */
	if ((rc = export_reader_open(db, s->run, s->all_runs,
				     EXPORT_READ_HAS_TEXT | EXPORT_READ_SCAN |
				     EXPORT_READ_POS_UNSCORED, &rd, err)))
		return rc;
	if (rows)
		export_reader_rows(rd, rows);
	j.max_pfn = export_reader_model(rd) ? s->max_pfn : 1.0;
	while ((rc = export_reader_next(rd, &q, err)) == NS_OK) {
		if (q->dropped)
			continue;
		if (q->nitems > cap) {
			cap = q->nitems;
			fate = xrealloc(fate, cap);
		}
		job_fns(&j, q);
		switch (job_decide(&j, q, &qc, fate)) {
		case Q_WRITTEN:
			break;
		case Q_FEW_NEGATIVES:
			/* left with too few by max_pfn or pending_fn, rules
			 * on what P(FN) or an annotator says of its
			 * candidates: as those cut them, not as a query
			 * export never writes (the estimate keeps them
			 * in the pool without the cut) */
			if ((int64_t)j.neg.n + qc.drop_likely +
			    qc.drop_pending < (s->format == EXPORTFMT_NTUPLE
					       ? s->negatives
					       : s->min_negatives))
				continue;
			for (size_t i = 0; i < q->nitems; i++)
				fate[i] = EXPORTJOB_FATE_CUT;
			break;
		default:
			continue;
		}
		for (size_t i = 0; i < q->nitems; i++)
			if (q->items[i].candidate)
				fn(ctx, q->id, q->items[i].passage_id,
				   fate[i]);
	}
	if (rc == NS_ENOTFOUND)
		rc = NS_OK;
	export_reader_close(rd);
	free(fate);
	free(j.pos.v);
	free(j.neg.v);
	free(j.fn.v);
	return rc;
}

/*
 * Refuse an export that would have nothing to write from, before its
 * file is made: a project without a finished run (imported and embedded,
 * its mine failed or never ran), or, for the training formats, runs that
 * keep no candidate (every one filtered).  An empty training file and
 * status 0 would pass unnoticed down a pipeline.  The qrels formats write
 * what people found whatever filters now hide it, so a run is enough.
 */
static enum ns_rc
job_has_candidates(struct db *db, struct export_reader *rd,
		   const struct exportjob_settings *s, struct ns_err *err)
{
	size_t unfinished = 0;
	bool any = false;
	enum ns_rc rc;

	if (export_reader_runs(rd, &unfinished) == 0) {
		if (unfinished)
			return err_set(err, NS_EINPUT, "%s: no candidates: "
				       "the project's mining run is "
				       "unfinished (it was interrupted); run "
				       "'negsieve mine %s' again to resume "
				       "it", db_dir(db), db_dir(db));
		return err_set(err, NS_EINPUT, "%s: no candidates: the "
			       "project has no run yet (import negatives or "
			       "run 'negsieve mine %s' first)", db_dir(db),
			       db_dir(db));
	}
	if (exportfmt_is_qrels(s->format))
		return NS_OK;
	if ((rc = export_reader_kept(rd, &any, err)) || any)
		return rc;
	if (s->run > 0)
		return err_set(err, NS_EINPUT, "%s: no candidates: run %lld "
			       "keeps none (the filters left every one out; "
			       "'negsieve stats %s' counts them)", db_dir(db),
			       (long long)s->run, db_dir(db));
	return err_set(err, NS_EINPUT, "%s: no candidates: no run keeps "
		       "one (the filters left every one out; 'negsieve stats "
		       "%s' counts them)", db_dir(db), db_dir(db));
}

/* The settings as JSON, for the record. */
static char *
params_json(const struct exportjob_settings *s, int file_type)
{
	json_t *o = json_object();
	char *txt;

	json_object_set_new(o, "format", json_string(exportfmt_name(
							 s->format)));
	if (exportfmt_is_st(s->format))
		json_object_set_new(o, "file_type", json_string(
				    exportfmt_file_type_name(file_type)));
	json_object_set_new(o, "output", json_string(s->output));
	json_object_set_new(o, "run", s->run > 0 ? json_integer(s->run)
				      : json_string(s->all_runs ? "all"
						    : "newest"));
	if (exportfmt_is_qrels(s->format)) {
		json_object_set_new(o, "fn_grade", json_integer(s->fn_grade));
	} else {
		json_object_set_new(o, "action", json_string(
				    action_names[s->action]));
		json_object_set_new(o, "max_flagged", s->max_flagged >= 0
				    ? json_integer(s->max_flagged)
				    : json_null());
		json_object_set_new(o, "undecided", json_string(
				    undecided_names[s->undecided]));
		json_object_set_new(o, "pending_fn", json_string(
				    undecided_names[s->pending_fn]));
		json_object_set_new(o, "max_pfn", json_real(s->max_pfn));
		json_object_set_new(o, "negatives",
				    json_integer(s->negatives));
		json_object_set_new(o, "min_negatives",
				    json_integer(s->min_negatives));
	}
	txt = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return txt;
}

/* Every count, as JSON, for the record. */
static char *
counts_json(const struct exportjob_counts *c)
{
	const struct {
		const char *name;
		int64_t v;
	} v[] = {
		{ "queries", c->queries }, { "written", c->written },
		{ "rows", c->rows }, { "positives", c->positives },
		{ "relabelled", c->relabelled },
		{ "negatives", c->negatives },
		{ "undecided_kept", c->undecided_kept },
		{ "near_duplicates_kept", c->near_dup_kept },
		{ "pending_fn_waiting_kept", c->pending_wait },
		{ "pending_fn_conflict_kept", c->pending_conflict },
		{ "fn_by_people", c->fn_human },
		{ "fn_by_cascade", c->fn_auto },
		{ "dropped_fn", c->drop_fn },
		{ "dropped_passages", c->drop_passage },
		{ "dropped_undecided", c->drop_undecided },
		{ "dropped_likely_fn", c->drop_likely },
		{ "dropped_pending_fn", c->drop_pending },
		{ "max_pfn_not_applied", c->max_pfn_off },
		{ "dropped_beyond_negatives", c->drop_cut },
		{ "dropped_beyond_negatives_labelled_tn", c->drop_cut_tn },
		{ "dropped_without_text", c->drop_no_text },
		{ "dropped_in_queries_left_out", c->drop_left_out },
		{ "positives_dropped", c->pos_dropped },
		{ "queries_dropped_by_people", c->q_people },
		{ "queries_dropped_by_action", c->q_action },
		{ "queries_over_max_flagged", c->q_max_flagged },
		{ "queries_without_positive", c->q_no_positive },
		{ "queries_with_few_negatives", c->q_few_negatives },
		{ "queries_without_text", c->q_no_text },
		{ "queries_not_in_run", c->q_not_in_run },
		{ "fn_without_id", c->qrels_no_id },
	};
	json_t *o = json_object();
	char *txt;

	for (size_t i = 0; i < NS_ARRAY_SIZE(v); i++)
		json_object_set_new(o, v[i].name, json_integer(v[i].v));
	txt = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return txt;
}

enum ns_rc
exportjob_run(struct db *db, const struct exportjob_settings *s,
	      struct exportjob_counts *c, struct ns_err *err)
{
	struct export_reader *rd = NULL;
	struct outstream *out = NULL;
	struct export_record rec;
	struct progress pr;
	struct job j;
	const struct export_query *q;
	char *params = NULL, *counts = NULL;
	int file_type = s->file_type;
	unsigned what;
	enum ns_rc rc;

	memset(c, 0, sizeof(*c));
	memset(&j, 0, sizeof(j));
	j.s = s;
	j.c = c;
	if ((rc = exportjob_check(s, err)))
		return rc;
	if (!exportfmt_is_st(s->format))
		file_type = EXPORTFMT_JSONL;
	else if (file_type == EXPORTFMT_AUTO)
		file_type = exportfmt_file_type_for(s->output);
	what = exportfmt_is_qrels(s->format) ? EXPORT_READ_IDS
	       : s->format == EXPORTFMT_TEVATRON
	       ? EXPORT_READ_IDS | EXPORT_READ_TEXTS : EXPORT_READ_TEXTS;
	if ((rc = export_reader_open(db, s->run, s->all_runs, what, &rd,
				     err)) ||
	    (rc = job_has_candidates(db, rd, s, err)) ||
	    (rc = outstream_open(s->output, &out, err)) ||
	    (rc = exportfmt_begin(s->format, file_type, (int)s->negatives,
				  out, &j.fmt, err)))
		goto out;
	c->queries = export_reader_queries(rd);
	c->fit = export_reader_fit(rd);
	/* P(FN) leaves nothing out before it comes from a model */
	j.max_pfn = export_reader_model(rd) ? s->max_pfn : 1.0;
	c->max_pfn_off = s->max_pfn < 1.0 && !export_reader_model(rd) &&
			 !exportfmt_is_qrels(s->format);
	progress_start(&pr, "export", "queries", c->queries);
	c->newest_run = export_reader_newest(rd);
	while ((rc = export_reader_next(rd, &q, err)) == NS_OK) {
		if (s->run <= 0 && !s->all_runs && q->run > 0 &&
		    q->run != c->newest_run && !q->dropped)
			c->older_run++;
		if ((rc = job_query(&j, q, err)))
			break;
		progress_update(&pr, pr.done + 1);
	}
	progress_finish(&pr);
	if (rc != NS_ENOTFOUND)
		goto out;
	memset(&rec, 0, sizeof(rec));
	rec.format = (char *)exportfmt_name(s->format);
	rec.path = (char *)s->output;
	rec.params = params = params_json(s, file_type);
	rec.fit_id = c->fit;
	rec.decisions_upto = export_reader_decisions(rd);
	rec.queries = c->written;
	rec.rows = c->rows;
	rec.positives = c->positives + c->relabelled;
	rec.relabelled = c->relabelled;
	rec.negatives = c->negatives;
	rec.negatives_dropped = c->drop_fn + c->drop_passage +
				c->drop_undecided + c->drop_likely +
				c->drop_pending +
				c->drop_cut + c->drop_no_text;
	rec.queries_dropped = c->q_people + c->q_action + c->q_max_flagged;
	rec.counts = counts = counts_json(c);
	export_reader_close(rd);
	rd = NULL;
	/* the record and the file: both or neither.  The file is written
	 * whole under its temporary name, the record committed, and only
	 * then is the file published; a failed commit removes it. */
	if ((rc = outstream_finish(out, err)))
		goto out;
	if ((rc = db_begin(db, err)))
		goto out;
	if ((rc = export_record_add(db, &rec, &c->id, err))) {
		db_rollback(db);
		goto out;
	}
	if ((rc = db_commit(db, err)))
		goto out;
	rc = outstream_close(out, err);
	out = NULL;
out:
	export_reader_close(rd);
	exportfmt_free(j.fmt);
	outstream_abort(out);
	free(j.pos.v);
	free(j.neg.v);
	free(j.fn.v);
	free(params);
	free(counts);
	return rc;
}

void
exportjob_print(const struct exportjob_settings *s,
		const struct exportjob_counts *c, FILE *fp)
{
	fprintf(fp, "export %lld: %s to %s", (long long)c->id,
		exportfmt_name(s->format), strcmp(s->output, "-") ?
		s->output : "standard output");
	if (c->fit)
		fprintf(fp, " (cascade fit %lld)\n", (long long)c->fit);
	else
		fprintf(fp, " (no cascade yet: people's labels only)\n");
	fprintf(fp, "%-18s%lld found (%lld by people, %lld by the cascade)\n",
		"false negatives", (long long)(c->fn_human + c->fn_auto),
		(long long)c->fn_human, (long long)c->fn_auto);
	if (exportfmt_is_qrels(s->format)) {
		fprintf(fp, "%-18s%lld of grade %lld written for %lld queries",
			"judgments", (long long)c->rows,
			(long long)s->fn_grade, (long long)c->written);
		if (c->qrels_no_id)
			fprintf(fp, "; %lld passages without an id left out",
				(long long)c->qrels_no_id);
		fprintf(fp, "\n%-18s%lld by people\n", "queries dropped",
			(long long)c->q_people);
		return;
	}
	fprintf(fp, "%-18s%lld written of %lld (%lld records)\n", "queries",
		(long long)c->written, (long long)c->queries,
		(long long)c->rows);
	if (c->older_run)
		fprintf(fp, "%-18s%lld queries took their negatives from an "
			"older run than the newest (%lld), which kept none "
			"for them (--run %lld: that run alone)\n",
			"older runs", (long long)c->older_run,
			(long long)c->newest_run, (long long)c->newest_run);
	fprintf(fp, "%-18s%lld by people, %lld by drop-query, %lld over "
		"--max-flagged\n", "queries dropped", (long long)c->q_people,
		(long long)c->q_action, (long long)c->q_max_flagged);
	fprintf(fp, "%-18s%lld without a positive, %lld with too few "
		"negatives, %lld without text", "queries left out",
		(long long)c->q_no_positive, (long long)c->q_few_negatives,
		(long long)c->q_no_text);
	if (c->q_not_in_run)
		fprintf(fp, ", %lld not in the run (imported after it was "
			"mined, or without a vector when it was: negsieve "
			"embed (dense), then negsieve mine)",
			(long long)c->q_not_in_run);
	fputc('\n', fp);
	fprintf(fp, "%-18s%lld judged + %lld added by relabelling",
		"positives", (long long)c->positives,
		(long long)c->relabelled);
	if (c->pos_dropped)
		fprintf(fp, " (%lld dropped by people)",
			(long long)c->pos_dropped);
	fprintf(fp, "\n%-18s%lld written (%lld undecided, %lld flagged "
		"near-duplicates)\n", "negatives", (long long)c->negatives,
		(long long)c->undecided_kept, (long long)c->near_dup_kept);
	fprintf(fp, "%-18s%lld false negatives, %lld dropped by people, %lld "
		"undecided, %lld undecided with P(FN) above --max-pfn, %lld "
		"beyond --negatives",
		"negatives dropped", (long long)c->drop_fn,
		(long long)c->drop_passage, (long long)c->drop_undecided,
		(long long)c->drop_likely, (long long)c->drop_cut);
	/* people's true negatives go first: any cut are of queries with
	 * more of them than --negatives */
	if (c->drop_cut_tn)
		fprintf(fp, " (%lld labelled true negative by people, in "
			"queries with more such labels than --negatives)",
			(long long)c->drop_cut_tn);
	fprintf(fp, ", %lld without text", (long long)c->drop_no_text);
	if (c->drop_left_out)
		fprintf(fp, " (%lld of them in the queries left out)",
			(long long)c->drop_left_out);
	fputc('\n', fp);
	/* review.overlap: an annotator's fn is no label until the others
	 * agree (or an adjudicator decides), so such a candidate is what
	 * the other rules make it; say how many, whatever was done */
	if (c->pending_wait || c->pending_conflict)
		fprintf(fp, "%-18s%lld negatives written with an FN label from "
			"an annotator, not final (review.overlap): %lld "
			"waiting for more annotators, %lld for an adjudicator;"
			" --pending-fn drop leaves them out\n", "pending FN",
			(long long)(c->pending_wait + c->pending_conflict),
			(long long)c->pending_wait,
			(long long)c->pending_conflict);
	if (c->drop_pending)
		fprintf(fp, "%-18s%lld candidates with an FN label from an "
			"annotator, not final (review.overlap): left out "
			"(--pending-fn drop)\n", "pending FN",
			(long long)c->drop_pending);
	if (c->max_pfn_off)
		fprintf(fp, "%-18s--max-pfn %g not applied: no P(FN) model "
			"yet (a cascade fit makes one from at least 10 "
			"labels by people, false and true negatives among "
			"them); nothing was left out by P(FN)\n", "P(FN)",
			s->max_pfn);
}
