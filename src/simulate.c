/*
 * simulate.c - the replay of review with an oracle (see simulate.h).
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/cascade.h"
#include "db/simulate.h"
#include "src/cascadejob.h"
#include "src/estimate.h"
#include "src/filter.h"
#include "src/import.h"
#include "src/simulate.h"
#include "src/util.h"

static const char *const simulate_policy_names[] = {
#define SIMULATE_POLICY_NAME(id, name, help) name,
	SIMULATE_POLICY_LIST(SIMULATE_POLICY_NAME)
#undef SIMULATE_POLICY_NAME
};

const char *
simulate_policy_name(enum simulate_policy p)
{
	return (unsigned)p < SIMULATE_NPOLICIES ? simulate_policy_names[p]
						 : "?";
}

const double simulate_default_budgets[] = { 0.01, 0.02, 0.05, 0.1, 0.2 };
const int simulate_ndefault_budgets =
	(int)(sizeof(simulate_default_budgets) /
	      sizeof(simulate_default_budgets[0]));

static int
simulate_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* --budget B[,B...]: shares in (0, 1] ("0.1" or "10%"), ascending, each
 * once. */
static const char *
simulate_parse_budget(const char *arg, void *settings, char *buf,
		      size_t size)
{
	struct simulate_settings *s = settings;
	const char *p = arg;
	int n = 0;

	while (*p) {
		char *end;
		double v = strtod(p, &end);

		if (end == p || isnan(v))
			goto bad;
		if (*end == '%') {
			v /= 100.0;
			end++;
		}
		if (!(v >= 0.0 && v <= 1.0) || (*end && *end != ','))
			goto bad;
		if (n == SIMULATE_MAX_BUDGETS) {
			snprintf(buf, size, "at most %d budgets",
				 SIMULATE_MAX_BUDGETS);
			return buf;
		}
		s->budget[n++] = v;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			goto bad;	/* a trailing comma */
	}
	if (n == 0)
		goto bad;
	qsort(s->budget, (size_t)n, sizeof(double), simulate_cmp_double);
	s->nbudget = 0;
	for (int i = 0; i < n; i++)
		if (s->nbudget == 0 || s->budget[i] != s->budget[s->nbudget - 1])
			s->budget[s->nbudget++] = s->budget[i];
	return NULL;
bad:
	return "expected shares of the judged candidates in 0..1 (0.1 or 10%), "
	       "separated by commas";
}

#define SS struct simulate_settings
const struct opt simulate_opts[] = {
	OPT_VAL(0, "oracle", "QRELS", CONFIG_STRING, NULL, NULL, SS, oracle,
		"the hidden graded qrels (TREC or BEIR TSV) that answer for "
		"people"),
	OPT_VAL(0, "relevant-grade", "G", CONFIG_INT, "1..1000000", "1", SS,
		relevant_grade, "a candidate judged >= G is a false negative, "
		"below G a true negative"),
	OPT_FN(0, "budget", "B[,B...]", simulate_parse_budget,
	       "human decisions as shares of the judged candidates; default "
	       "0.01,0.02,0.05,0.1,0.2"),
	OPT_VAL(0, "judge-accuracy", "P", CONFIG_FLOAT, "(0.5..1", NULL, SS,
		judge_accuracy, "add a simulated judge stage right with "
		"probability P at 0.5"),
	OPT_KEY(0, "seed", "S", "cascade.seed", CONFIG_INT, SS, seed,
		"seed of the audit slice and of the judge's noise"),
	OPT_KEY(0, "undecided", "U", "export.undecided", CONFIG_ENUM, SS,
		undecided, "candidates nobody decided count as negatives "
		"(keep) or are left out (drop), as in export"),
	OPT_KEY(0, "max-pfn", "P", "export.max_pfn", CONFIG_FLOAT, SS,
		max_pfn, "undecided candidates whose P(FN) is above P are left "
		"out, as in export (1: none)"),
	OPT_END
};
#undef SS

/* --- the judge ----------------------------------------------------------- */

/* Phi^-1(p) for 0 < p < 1, by Newton's method on Phi (erfc). */
static double
simulate_probit(double p)
{
	double x = 0.0;

	for (int i = 0; i < 100; i++) {
		double cdf = 0.5 * erfc(-x / M_SQRT2);
		double pdf = exp(-0.5 * x * x) / sqrt(2.0 * M_PI);
		double step = (cdf - p) / pdf;

		x -= step;
		if (fabs(step) < 1e-13)
			break;
	}
	return x;
}

double
simulate_judge_sigma(double p)
{
	if (p >= 1.0)
		return 0.0;
	return 0.5 / simulate_probit(p);
}

double
simulate_judge_score(int64_t qid, int64_t pid, int y, double sigma,
		     uint64_t seed)
{
	/* Box-Muller on two draws of the item, apart from the audit
	 * slice's (cascade_draw() with other seeds) */
	double u1 = cascade_draw(qid, pid, seed ^ 0x6a75646765000001ULL);
	double u2 = cascade_draw(qid, pid, seed ^ 0x6a75646765000002ULL);
	double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);

	return (double)y + sigma * z;
}

/* --- the fixed rules ----------------------------------------------------- */

/* Does fixed rule @p leave item @it out (filter_check() with the rule's
 * one filter)?  An item its query's scoring run did not retrieve has no
 * rank or score there, and no rule can drop it. */
static bool
simulate_rule_drops(enum simulate_policy p, const struct cascade_item *it)
{
	struct filter_params fp;
	struct filter_cand fc;
	double anchor = it->f[0] - it->f[1];	/* the positive's score */

	if (p == SIMULATE_KEEP_ALL)
		return false;
	memset(&fp, 0, sizeof(fp));
	fp.max_score = fp.min_score = fp.abs_margin = fp.rel_margin = NAN;
	fp.near_dup = NAN;
	if (p == SIMULATE_SKIP_TOP)
		fp.range_min = 10;
	else if (p == SIMULATE_REL_MARGIN)
		fp.rel_margin = 0.05;
	else
		fp.abs_margin = 0.1;
	memset(&fc, 0, sizeof(fc));
	fc.rank = isnan(it->f[3]) ? INT_MAX : (int)-it->f[3];
	fc.score = it->f[0];
	fc.dup_sim = NAN;
	return filter_check(&fp, anchor, &fc) != FILTER_KEPT;
}

/* --- the tally ----------------------------------------------------------- */

/* Fill @r's counts and shares from what export would write: @out[i]
 * true when item i is not written as a negative: because people labelled
 * it FN (@people[i]), because it was flagged or dropped automatically
 * (@flag[i]; NULL: every other item out), or (neither) because it was
 * left undecided and undecided items are dropped. */
static void
simulate_tally(struct simulate_row *r, size_t n, const signed char *truth,
	       const bool *out, const bool *people, const bool *flag,
	       int64_t fn_total, int64_t tn_total)
{
	for (size_t i = 0; i < n; i++) {
		if (out[i]) {
			if (truth[i] && people && people[i])
				r->fn_people++;
			else if (truth[i] && (!flag || flag[i]))
				r->fn_auto++;
			continue;
		}
		r->negatives++;
		r->negatives_fn += truth[i];
		r->tn_kept += !truth[i];
	}
	r->contamination = r->negatives ? (double)r->negatives_fn /
					  (double)r->negatives : NAN;
	r->tn_share = tn_total ? (double)r->tn_kept / (double)tn_total : NAN;
	r->fn_share = fn_total ? (double)(r->fn_people + r->fn_auto) /
				 (double)fn_total : NAN;
}

/* --- the replay ---------------------------------------------------------- */

struct sim {
	const struct cascade *c;
	const struct simulate_settings *s;
	struct cascade_item *it;
	size_t n;
	const signed char *truth;
	const bool *judged_neg;
	struct cascade_thr *t;		/* in force (c->n) */
	struct cascade_pfn m;
	enum cascade_verdict *v;
	int *stage;
	bool *pending;
	double *pfn, *prio;
	size_t *qstart;			/* query q: items qstart[q] ..
					 * qstart[q + 1] - 1 */
	size_t nq;
	size_t *qof;			/* item -> its query */
	size_t *order;			/* display order within each query */
	bool *out, *people, *flag;	/* scratch of a tally */
	size_t *offer, noffer, next;	/* the items offered to people
					 * (priority > 0), highest first,
					 * and the first maybe waiting */
	int64_t fn_total, tn_total;
	int64_t refits;
};

static const double *sim_sort_prio;

static int
sim_cmp_prio(const void *a, const void *b)
{
	double x = sim_sort_prio[*(const size_t *)a];
	double y = sim_sort_prio[*(const size_t *)b];

	return x > y ? -1 : x < y;
}

/* Route every item under s->t and s->m, and order the queue. */
static void
sim_apply(struct sim *s)
{
	cascade_pfn_all(s->c, &s->m, s->it, s->n, s->pfn);
	for (size_t i = 0; i < s->n; i++)
		s->v[i] = cascade_route(s->c, s->t, &s->it[i], &s->stage[i],
					&s->pending[i]);
	cascade_queue_order(s->c, s->it, s->n, s->v, s->pending, s->pfn,
			    s->prio);
	s->noffer = s->next = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->prio[i] > 0)
			s->offer[s->noffer++] = i;
	sim_sort_prio = s->prio;
	qsort(s->offer, s->noffer, sizeof(*s->offer), sim_cmp_prio);
}

/* A refit from the thresholds in force, as review's background `fit`. */
static enum ns_rc
sim_refit(struct sim *s, struct ns_err *err)
{
	struct cascade_fitres fr;
	enum ns_rc rc = cascade_fit(s->c, s->t, s->it, s->n, &fr, err);

	if (rc != NS_OK)
		return rc;
	memcpy(s->t, fr.t, (size_t)s->c->n * sizeof(*s->t));
	s->m = fr.pfn;
	cascade_fitres_fini(&fr);
	s->refits++;
	sim_apply(s);
	return NS_OK;
}

/* Does item i wait for people (review_for_people), unlabelled? */
static bool
sim_waits(const struct sim *s, size_t i)
{
	return s->it[i].label == CASCADE_UNLABELLED && s->prio[i] >= 0 &&
	       (s->it[i].audit || (s->v[i] == CASCADE_REVIEW &&
				   !s->pending[i]));
}

/* The query holding the waiting item of highest priority; false when
 * none waits (queue_next_unsettled).  Between two orders of the queue
 * items only get labelled, so the search goes on from the last one. */
static bool
sim_next_query(struct sim *s, size_t *q)
{
	while (s->next < s->noffer && !sim_waits(s, s->offer[s->next]))
		s->next++;
	if (s->next == s->noffer)
		return false;
	*q = s->qof[s->offer[s->next]];
	return true;
}

/* The row of the cascade at this point: one more refit (as `negsieve
 * fit` would run before an export), then what export would write and
 * the estimate `stats` would print. */
static enum ns_rc
sim_snapshot(struct sim *s, double budget, int64_t decisions,
	     struct simulate_row *r, struct ns_err *err)
{
	struct cascade_fitres fr;
	struct cascade_estimate_in in;
	struct cascadejob_estimate e;
	bool drop = s->s->undecided == SIMULATE_UNDECIDED_DROP;
	enum ns_rc rc = cascade_fit(s->c, s->t, s->it, s->n, &fr, err);
	double *pfn = NULL;

	if (rc != NS_OK)
		return rc;
	if (s->s->max_pfn < 1.0 && fr.pfn.dim > 0) {
		/* export leaves out the undecided likely false negatives */
		pfn = xmalloc((s->n ? s->n : 1) * sizeof(*pfn));
		cascade_pfn_all(s->c, &fr.pfn, s->it, s->n, pfn);
	}
	memset(r, 0, sizeof(*r));
	r->policy = SIMULATE_CASCADE;
	r->budget = budget;
	r->decisions = decisions;
	for (size_t i = 0; i < s->n; i++) {
		const struct cascade_item *it = &s->it[i];
		int stage;
		bool pending;
		enum cascade_verdict v = cascade_route(s->c, fr.t, it, &stage,
						       &pending);

		s->people[i] = it->label == CASCADE_LABEL_FN;
		s->flag[i] = false;
		if (it->label != CASCADE_UNLABELLED) {
			/* a person's label wins: FN out, TN a negative */
			s->out[i] = it->label != CASCADE_LABEL_TN;
			continue;
		}
		if (s->judged_neg && s->judged_neg[i]) {
			s->out[i] = false;	/* a judged negative */
			continue;
		}
		r->auto_tn += v == CASCADE_TN;
		r->auto_fn += v == CASCADE_FN;
		r->undecided += v == CASCADE_REVIEW;
		s->flag[i] = v == CASCADE_FN;
		s->out[i] = v == CASCADE_FN ||
			    (v == CASCADE_REVIEW &&
			     (drop || (pfn && pfn[i] > s->s->max_pfn)));
		r->left_out += v == CASCADE_REVIEW && !drop && pfn &&
			       pfn[i] > s->s->max_pfn;
	}
	free(pfn);
	simulate_tally(r, s->n, s->truth, s->out, s->people, s->flag,
		       s->fn_total, s->tn_total);
	cascade_estimate_counts(s->c, fr.t, &fr.pfn, s->s->max_pfn, s->it, s->n,
				drop, NULL, &in);
	cascadejob_estimate_from(&in, s->c->confidence, &e);
	r->estimate_known = e.known;
	r->estimate = e.rate;
	r->estimate_lo = e.lo;
	r->estimate_hi = e.hi;
	r->estimate_raw = e.raw;
	r->estimate_bound = e.bound;
	r->audit_n = e.audit_n;
	r->audit_fn = e.audit_fn;
	cascade_fitres_fini(&fr);
	return NS_OK;
}

/* The display order of each query: score, highest first (items its
 * scoring run did not retrieve last), then passage id. */
static const struct cascade_item *sim_sort_items;

static int
sim_cmp_display(const void *a, const void *b)
{
	const struct cascade_item *x = &sim_sort_items[*(const size_t *)a];
	const struct cascade_item *y = &sim_sort_items[*(const size_t *)b];
	bool xn = isnan(x->f[0]), yn = isnan(y->f[0]);

	if (xn != yn)
		return xn ? 1 : -1;
	if (!xn && x->f[0] != y->f[0])
		return x->f[0] > y->f[0] ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static void
sim_fini(struct sim *s)
{
	free(s->t);
	free(s->v);
	free(s->stage);
	free(s->pending);
	free(s->pfn);
	free(s->prio);
	free(s->qstart);
	free(s->qof);
	free(s->order);
	free(s->out);
	free(s->people);
	free(s->flag);
	free(s->offer);
}

/* The fixed rules' rows (the same at every budget). */
static void
sim_rules(struct sim *s, struct simulate_row *rule)
{
	for (int p = SIMULATE_KEEP_ALL; p < SIMULATE_NPOLICIES; p++) {
		struct simulate_row *r = &rule[p];

		memset(r, 0, sizeof(*r));
		r->policy = (enum simulate_policy)p;
		for (size_t i = 0; i < s->n; i++)
			s->out[i] = simulate_rule_drops(r->policy, &s->it[i]);
		simulate_tally(r, s->n, s->truth, s->out, NULL, NULL,
			       s->fn_total, s->tn_total);
		r->estimate = r->estimate_lo = r->estimate_hi = NAN;
		r->estimate_raw = NAN;
	}
}

enum ns_rc
simulate_items(const struct cascade *c, struct cascade_item *items, size_t n,
	       const signed char *truth, const bool *judged_neg,
	       const struct simulate_settings *set,
	       struct simulate_result *res, struct ns_err *err)
{
	struct sim s;
	struct simulate_row rule[SIMULATE_NPOLICIES];
	const double *budget = set->nbudget ? set->budget
					    : simulate_default_budgets;
	int nb = set->nbudget ? set->nbudget : simulate_ndefault_budgets;
	int64_t *target = xmalloc((size_t)nb * sizeof(*target));
	int64_t decisions = 0, since = 0;
	enum ns_rc rc = NS_OK;
	int j = 0;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.s = set;
	s.it = items;
	s.n = n;
	s.truth = truth;
	s.judged_neg = judged_neg;
	s.t = xcalloc((size_t)c->n + 1, sizeof(*s.t));
	s.v = xmalloc((n ? n : 1) * sizeof(*s.v));
	s.stage = xmalloc((n ? n : 1) * sizeof(*s.stage));
	s.pending = xmalloc((n ? n : 1) * sizeof(*s.pending));
	s.pfn = xmalloc((n ? n : 1) * sizeof(*s.pfn));
	s.prio = xmalloc((n ? n : 1) * sizeof(*s.prio));
	s.qstart = xmalloc((n + 1) * sizeof(*s.qstart));
	s.qof = xmalloc((n ? n : 1) * sizeof(*s.qof));
	s.order = xmalloc((n ? n : 1) * sizeof(*s.order));
	s.out = xmalloc((n ? n : 1) * sizeof(*s.out));
	s.people = xmalloc((n ? n : 1) * sizeof(*s.people));
	s.flag = xmalloc((n ? n : 1) * sizeof(*s.flag));
	s.offer = xmalloc((n ? n : 1) * sizeof(*s.offer));

	res->rows = xcalloc((size_t)nb * SIMULATE_NPOLICIES,
			    sizeof(*res->rows));
	res->nrows = (size_t)nb * SIMULATE_NPOLICIES;
	for (size_t i = 0; i < n; i++) {
		items[i].label = CASCADE_UNLABELLED;
		s.fn_total += truth[i] != 0;
		s.tn_total += truth[i] == 0;
		res->audit += items[i].audit;
		if (i == 0 || items[i].qid != items[i - 1].qid)
			s.qstart[s.nq++] = i;
		s.qof[i] = s.nq - 1;
		s.order[i] = i;
	}
	s.qstart[s.nq] = n;
	sim_sort_items = items;
	for (size_t q = 0; q < s.nq; q++)
		qsort(&s.order[s.qstart[q]], s.qstart[q + 1] - s.qstart[q],
		      sizeof(size_t), sim_cmp_display);
	res->judged = (int64_t)n;
	res->fn = s.fn_total;
	res->tn = s.tn_total;
	sim_rules(&s, rule);
	for (int b = 0; b < nb; b++)
		target[b] = llround(budget[b] * (double)n);

	/* the first `negsieve cascade`: the config's thresholds, no model */
	cascade_thr_initial(c, s.t);
	memset(&s.m, 0, sizeof(s.m));
	s.m.base_rate = 0.5;
	sim_apply(&s);
	while (j < nb && target[j] <= decisions && rc == NS_OK) {
		rc = sim_snapshot(&s, budget[j], decisions,
				  &res->rows[(size_t)j * SIMULATE_NPOLICIES],
				  err);
		j++;
	}
	while (j < nb && rc == NS_OK) {
		size_t q, m = 0, *todo;

		if (!sim_next_query(&s, &q))
			break;	/* nothing waits for people */
		/* what waits in this query when review opens it */
		todo = xmalloc((s.qstart[q + 1] - s.qstart[q]) *
			       sizeof(*todo));
		for (size_t k = s.qstart[q]; k < s.qstart[q + 1]; k++)
			if (sim_waits(&s, s.order[k]))
				todo[m++] = s.order[k];
		for (size_t k = 0; k < m && j < nb && rc == NS_OK; k++) {
			struct cascade_item *it = &items[todo[k]];

			it->label = truth[todo[k]] ? CASCADE_LABEL_FN
						   : CASCADE_LABEL_TN;
			decisions++;
			if (++since >= c->refit_every) {
				rc = sim_refit(&s, err);
				since = 0;
			}
			while (rc == NS_OK && j < nb &&
			       target[j] <= decisions) {
				rc = sim_snapshot(&s, budget[j], decisions,
						  &res->rows[(size_t)j *
							     SIMULATE_NPOLICIES],
						  err);
				j++;
			}
		}
		free(todo);
	}
	/* budgets beyond what people were given: the queue ran out */
	for (; j < nb && rc == NS_OK; j++)
		rc = sim_snapshot(&s, budget[j], decisions,
				  &res->rows[(size_t)j * SIMULATE_NPOLICIES],
				  err);
	for (int b = 0; b < nb && rc == NS_OK; b++)
		for (int p = SIMULATE_KEEP_ALL; p < SIMULATE_NPOLICIES; p++) {
			struct simulate_row *r =
				&res->rows[(size_t)b * SIMULATE_NPOLICIES +
					   (size_t)p];

			*r = rule[p];
			r->budget = budget[b];
		}
	res->refits = s.refits;
	res->confidence = c->confidence;
	res->audit_share = c->audit_share;
	res->refit_every = c->refit_every;
	free(target);
	sim_fini(&s);
	return rc;
}

/* --- the project and the oracle ------------------------------------------ */

/* The oracle: (query id, passage id) -> highest grade, in a hash table
 * of "qxid\x1fpxid" keys. */
struct sim_oracle {
	char **key;
	long *grade;
	size_t cap, n;
	struct strbuf kb;	/* the key being looked up */
	bool *held;		/* per slot: a judgment of the project too
				 * (sim_held_row()) */
	size_t nheld;
};

static size_t
sim_oracle_slot(const struct sim_oracle *o, const char *key, size_t len)
{
	size_t i = (size_t)hash64(key, len) & (o->cap - 1);

	while (o->key[i] && strcmp(o->key[i], key))
		i = (i + 1) & (o->cap - 1);
	return i;
}

static char *
sim_oracle_key(const char *q, const char *p, struct strbuf *sb)
{
	strbuf_reset(sb);
	strbuf_addstr(sb, q);
	strbuf_addch(sb, '\x1f');
	strbuf_addstr(sb, p);
	return sb->buf;
}

static enum ns_rc
sim_oracle_add(void *ctx, const char *qxid, const char *pxid, long grade,
	       struct ns_err *err)
{
	struct sim_oracle *o = ctx;
	char *key = sim_oracle_key(qxid, pxid, &o->kb);
	size_t i;

	(void)err;
	if (2 * (o->n + 1) > o->cap) {
		struct sim_oracle g = *o;

		g.cap = o->cap ? 2 * o->cap : 1024;

		g.key = xcalloc(g.cap, sizeof(*g.key));
		g.grade = xmalloc(g.cap * sizeof(*g.grade));
		for (size_t k = 0; k < o->cap; k++) {
			size_t slot;

			if (!o->key[k])
				continue;
			slot = sim_oracle_slot(&g, o->key[k],
					       strlen(o->key[k]));
			g.key[slot] = o->key[k];
			g.grade[slot] = o->grade[k];
		}
		free(o->key);
		free(o->grade);
		*o = g;
	}
	i = sim_oracle_slot(o, key, o->kb.len);
	if (o->key[i]) {
		/* a repeated judgment: the highest grade, as import keeps */
		if (grade > o->grade[i])
			o->grade[i] = grade;
		return NS_OK;
	}
	o->key[i] = xstrdup(key);
	o->grade[i] = grade;
	o->n++;
	return NS_OK;
}

static bool
sim_oracle_get(struct sim_oracle *o, const char *qxid, const char *pxid,
	       long *grade)
{
	char *key;
	size_t i;

	if (!o->cap)
		return false;
	key = sim_oracle_key(qxid, pxid, &o->kb);
	i = sim_oracle_slot(o, key, o->kb.len);
	if (!o->key[i])
		return false;
	*grade = o->grade[i];
	return true;
}

/* A judgment of the project: is it the oracle's too?  (Each of the
 * oracle's counted once, whichever of its passage's ids it uses.) */
static enum ns_rc
sim_held_row(void *ctx, const char *qxid, const char *pxid,
	     struct ns_err *err)
{
	struct sim_oracle *o = ctx;
	char *key;
	size_t i;

	(void)err;
	if (!o->cap)
		return NS_OK;
	key = sim_oracle_key(qxid, pxid, &o->kb);	/* sets kb.len */
	i = sim_oracle_slot(o, key, o->kb.len);
	if (o->key[i] && !o->held[i]) {
		o->held[i] = true;
		o->nheld++;
	}
	return NS_OK;
}

static void
sim_oracle_fini(struct sim_oracle *o)
{
	for (size_t i = 0; i < o->cap; i++)
		free(o->key[i]);
	free(o->key);
	free(o->grade);
	free(o->held);
	strbuf_fini(&o->kb);
	memset(o, 0, sizeof(*o));
}

/* Joining the items to the oracle. */
struct sim_join {
	struct sim_oracle *o;
	struct cascade_item *items;
	size_t n, i;		/* items, and the cursor (rows come in
				 * item order) */
	long *grade;		/* per item; LONG_MIN: not judged */
	bool *judged_neg;
};

static enum ns_rc
sim_join_row(void *ctx, int64_t qid, int64_t pid, const char *qxid,
	     const char *pxid, bool judged_neg, struct ns_err *err)
{
	struct sim_join *jn = ctx;
	long g;

	(void)err;
	while (jn->i < jn->n && (jn->items[jn->i].qid < qid ||
				 (jn->items[jn->i].qid == qid &&
				  jn->items[jn->i].pid < pid)))
		jn->i++;
	if (jn->i == jn->n || jn->items[jn->i].qid != qid ||
	    jn->items[jn->i].pid != pid)
		return NS_OK;
	jn->judged_neg[jn->i] = judged_neg;
	if (qxid && pxid && sim_oracle_get(jn->o, qxid, pxid, &g) &&
	    g > jn->grade[jn->i])
		jn->grade[jn->i] = g;
	return NS_OK;
}

enum ns_rc
simulate_run(struct project *pj, const struct config *cfg,
	     const struct simulate_settings *s, struct simulate_result *res,
	     struct ns_err *err)
{
	struct cascade c;
	struct sim_oracle o;
	struct sim_join jn;
	struct cascade_item *items = NULL;
	signed char *truth = NULL;
	size_t n = 0, m = 0;
	int judge = -1;
	enum ns_rc rc;

	memset(res, 0, sizeof(*res));
	memset(&o, 0, sizeof(o));
	strbuf_init(&o.kb);
	memset(&jn, 0, sizeof(jn));
	res->sigma = NAN;
	if ((rc = cascade_from_config(&c, cfg, err))) {
		strbuf_fini(&o.kb);
		return rc;
	}
	c.seed = (uint64_t)s->seed;
	if (!isnan(s->judge_accuracy)) {
		if ((rc = cascade_add_oracle(&c, "judge_simulated", err)))
			goto out;
		judge = c.st[c.n - 1].ext;
		res->sigma = simulate_judge_sigma(s->judge_accuracy);
	}
	for (int k = 0; k < c.n; k++) {
		size_t len = strlen(res->stages);

		snprintf(res->stages + len, sizeof(res->stages) - len, "%s%s",
			 k ? ", " : "", c.st[k].name);
	}
	if ((rc = import_qrels(s->oracle, sim_oracle_add, &o, err)))
		goto out;
	res->oracle_judgments = (int64_t)o.n;
	/* an oracle imported into the project (a BEIR directory imported
	 * whole, then simulated against its own qrels) leaves no false
	 * negative to find: its relevant pairs are positives, its others
	 * known negatives; count them, for the caller to say so */
	o.held = xcalloc(o.cap ? o.cap : 1, sizeof(*o.held));
	if ((rc = simulate_db_qrels(pj->db, sim_held_row, &o, err)))
		goto out;
	res->oracle_held = (int64_t)o.nheld;
	if ((rc = cascade_db_items(pj->db, &c, 0, &items, &n, err)))
		goto out;
	/* the candidates, as people's labels are simulated: not the
	 * labelled items a filter hides */
	for (size_t i = 0; i < n; i++)
		if (!items[i].hidden)
			items[m++] = items[i];
	n = m;
	m = 0;
	res->candidates = (int64_t)n;
	if (n == 0) {
		rc = err_set(err, NS_EINPUT, "%s: no kept candidates to "
			     "simulate on (import negatives or run negsieve "
			     "mine first)", pj->dir);
		goto out;
	}
	jn.o = &o;
	jn.items = items;
	jn.n = n;
	jn.grade = xmalloc(n * sizeof(*jn.grade));
	jn.judged_neg = xcalloc(n, sizeof(*jn.judged_neg));
	for (size_t i = 0; i < n; i++)
		jn.grade[i] = LONG_MIN;
	if ((rc = simulate_db_ids(pj->db, sim_join_row, &jn, err)))
		goto out;
	/* only what the oracle judged takes part */
	truth = xmalloc(n);
	for (size_t i = 0; i < n; i++) {
		if (jn.grade[i] == LONG_MIN)
			continue;
		items[m] = items[i];
		jn.judged_neg[m] = jn.judged_neg[i];
		truth[m] = jn.grade[i] >= s->relevant_grade;
		if (judge >= 0)
			items[m].x[judge] = simulate_judge_score(
				items[m].qid, items[m].pid, truth[m],
				res->sigma, (uint64_t)s->seed);
		m++;
	}
	res->unjudged = (int64_t)(n - m);
	if (m == 0) {
		rc = err_set(err, NS_EINPUT, "%s: the oracle judges none of "
			     "the %zu kept candidates of %s (are its query "
			     "and passage ids the project's?)", s->oracle, n,
			     pj->dir);
		goto out;
	}
	if (s->report && res->unjudged)
		fprintf(s->report, "%lld of %lld candidates are not judged by "
			"the oracle: left out\n", (long long)res->unjudged,
			(long long)n);
	rc = simulate_items(&c, items, m, truth, jn.judged_neg, s, res, err);
	res->candidates = (int64_t)n;
	res->unjudged = (int64_t)(n - m);
out:
	if (rc != NS_OK)
		simulate_result_fini(res);
	sim_oracle_fini(&o);
	free(jn.grade);
	free(jn.judged_neg);
	free(truth);
	free(items);
	cascade_fini(&c);
	return rc;
}

bool
simulate_oracle_held(const struct simulate_result *res)
{
	return res->oracle_judgments > 0 &&
	       2 * res->oracle_held > res->oracle_judgments;
}

void
simulate_result_fini(struct simulate_result *res)
{
	if (!res)
		return;
	free(res->rows);
	res->rows = NULL;
	res->nrows = 0;
}
