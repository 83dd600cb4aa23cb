/*
 * cascade.c - stages, routing, refit and P(FN) (see cascade.h).
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "src/cascade.h"
#include "src/estimate.h"
#include "src/util.h"

static const struct {
	const char *name;
	int feat;
} cascade_scorers[CASCADE_SCORER_COUNT] = {
#define CASCADE_SCORER_ROW(id, name, feat, help) { name, feat },
	CASCADE_SCORER_LIST(CASCADE_SCORER_ROW)
#undef CASCADE_SCORER_ROW
};

const char *
cascade_scorer_name(enum cascade_scorer s)
{
	return s < CASCADE_SCORER_COUNT ? cascade_scorers[s].name : "?";
}

const char *
cascade_verdict_name(enum cascade_verdict v)
{
	return v == CASCADE_TN ? "tn" : v == CASCADE_FN ? "fn" : "review";
}

/* --- from the config ----------------------------------------------------- */

static void
cascade_add_stage(struct cascade *c, const char *name,
		  enum cascade_scorer s, int cfg_index)
{
	struct cascade_stage *st;

	c->st = xrealloc(c->st, (size_t)(c->n + 1) * sizeof(*c->st));
	st = &c->st[c->n++];
	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", name);
	st->scorer = s;
	st->feat = cascade_scorers[s].feat;
	st->ext = st->feat < 0 ? c->next++ : -1;
	st->cfg_index = cfg_index;
	st->lo = -INFINITY;
	st->hi = INFINITY;
	st->fit = true;
	snprintf(st->method, sizeof(st->method), "bm25");
}

enum ns_rc
cascade_from_config(struct cascade *c, const struct config *cfg,
		    struct ns_err *err)
{
	int n = config_seq_len(cfg, "cascade.stages");
	char key[128];

	memset(c, 0, sizeof(*c));
	c->target_fnr = config_float(cfg, "cascade.target_fn_rate", 0.02);
	c->target_precision = config_float(cfg, "cascade.target_precision",
					   0.90);
	c->confidence = config_float(cfg, "cascade.confidence", 0.95);
	c->audit_share = config_float(cfg, "cascade.audit_share", 0.05);
	c->refit_every = (int)config_int(cfg, "cascade.refit_every", 20);
	c->queue_window = (int)config_int(cfg, "cascade.queue_window", 50);
	c->queue_order = strcmp(config_str(cfg, "cascade.queue_order",
					   "likely_fn"), "uncertain")
			 ? CASCADE_QUEUE_LIKELY_FN : CASCADE_QUEUE_UNCERTAIN;
	c->seed = (uint64_t)config_int(cfg, "cascade.seed", 0);
	c->grid = (int)config_int(cfg, "cascade.grid", 200);
	c->query_effects = config_bool(cfg, "cascade.query_effects", true);
	if (n == 0) {
		cascade_add_stage(c, "near_duplicate", CASCADE_DUP, -1);
		cascade_add_stage(c, "gap", CASCADE_GAP, -1);
		cascade_add_stage(c, "bm25_agreement", CASCADE_AGREE, -1);
		return NS_OK;
	}
	/* each error is placed in the file (config_error()): at the
	 * offending value, or at the stage when it is the stage as a whole
	 * (no scorer, one stage too many, lo and hi together) */
	for (int i = 0; i < n; i++) {
		const char *sc, *name;
		struct cascade_stage *st;
		char item[64];
		int s;

		snprintf(item, sizeof(item), "cascade.stages.%d", i);
		snprintf(key, sizeof(key), "%s.scorer", item);
		sc = config_str(cfg, key, NULL);
		if (!sc) {
			cascade_fini(c);
			return config_error(cfg, item, false, err,
					    "cascade.stages[%d] has no scorer",
					    i);
		}
		for (s = 0; s < CASCADE_SCORER_COUNT; s++)
			if (!strcmp(sc, cascade_scorers[s].name))
				break;
		if (s == CASCADE_ORACLE || s == CASCADE_SCORER_COUNT) {
			cascade_fini(c);
			return config_error(cfg, key, false, err,
					    "cascade.stages[%d]: unknown "
					    "scorer '%s'", i, sc);
		}
		/* the name defaults to the scorer: a clash without a name is
		 * the scorer's */
		snprintf(key, sizeof(key), "%s.name", item);
		if (!config_isset(cfg, key))
			snprintf(key, sizeof(key), "%s.scorer", item);
		name = config_str(cfg, key, sc);
		for (int j = 0; j < c->n; j++)
			if (!strcmp(c->st[j].name, name)) {
				cascade_fini(c);
				return config_error(cfg, key, false, err,
						    "cascade.stages[%d]: a "
						    "second stage named '%s' "
						    "(name them with 'name:')",
						    i, name);
			}
		if (s == CASCADE_COMMAND || s == CASCADE_JUDGE) {
			if (c->next == CASCADE_MAX_EXT) {
				cascade_fini(c);
				return config_error(cfg, item, false, err,
						    "cascade.stages[%d]: at "
						    "most %d command and judge "
						    "stages", i,
						    CASCADE_MAX_EXT);
			}
		}
		cascade_add_stage(c, name, (enum cascade_scorer)s, i);
		st = &c->st[c->n - 1];
		snprintf(key, sizeof(key), "%s.lo", item);
		st->lo = config_float(cfg, key, -INFINITY);
		snprintf(key, sizeof(key), "%s.hi", item);
		st->hi = config_float(cfg, key, INFINITY);
		snprintf(key, sizeof(key), "%s.fit", item);
		st->fit = config_bool(cfg, key, true);
		snprintf(key, sizeof(key), "%s.method", item);
		snprintf(st->method, sizeof(st->method), "%s",
			 config_str(cfg, key, "bm25"));
		snprintf(key, sizeof(key), "%s.run", item);
		st->run = config_int(cfg, key, 0);
		if (st->lo > st->hi) {
			config_error(cfg, item, false, err, "cascade.stages"
				     "[%d] (%s): lo %g is above hi %g", i,
				     st->name, st->lo, st->hi);
			cascade_fini(c);
			return NS_ECONFIG;
		}
	}
	return NS_OK;
}

enum ns_rc
cascade_add_oracle(struct cascade *c, const char *name, struct ns_err *err)
{
	for (int k = 0; k < c->n; k++)
		if (!strcmp(c->st[k].name, name))
			return err_set(err, NS_ECONFIG, "a stage is already "
				       "named '%s'", name);
	if (c->next == CASCADE_MAX_EXT)
		return err_set(err, NS_ECONFIG, "the cascade has %d command "
			       "and judge stages already: no room for the "
			       "simulated judge", CASCADE_MAX_EXT);
	cascade_add_stage(c, name, CASCADE_ORACLE, -1);
	return NS_OK;
}

void
cascade_fini(struct cascade *c)
{
	if (!c)
		return;
	free(c->st);
	c->st = NULL;
	c->n = 0;
}

/* --- items --------------------------------------------------------------- */

double
cascade_draw(int64_t qid, int64_t pid, uint64_t seed)
{
	int64_t key[2] = { qid, pid };
	uint64_t h = XXH3_64bits_withSeed(key, sizeof(key), seed ^
					  0x6e65677369657665ULL);

	return (double)(h >> 11) * 0x1.0p-53;
}

void
cascade_item_draw(const struct cascade *c, struct cascade_item *it)
{
	it->u = cascade_draw(it->qid, it->pid, c->seed);
	it->audit = it->u < c->audit_share;
	it->au = cascade_draw(it->qid, it->pid, c->seed + 1);
}

double
cascade_score(const struct cascade *c, int k, const struct cascade_item *it)
{
	const struct cascade_stage *st = &c->st[k];

	return st->feat >= 0 ? it->f[st->feat] : it->x[st->ext];
}

void
cascade_thr_initial(const struct cascade *c, struct cascade_thr *t)
{
	for (int k = 0; k < c->n; k++) {
		memset(&t[k], 0, sizeof(t[k]));
		t[k].lo = c->st[k].lo;
		t[k].hi = c->st[k].hi;
		t[k].lo_bound = NAN;
		t[k].hi_bound = NAN;
		snprintf(t[k].lo_why, sizeof(t[k].lo_why), "%s",
			 c->st[k].fit ? "not fitted yet" : "fixed");
		snprintf(t[k].hi_why, sizeof(t[k].hi_why), "%s",
			 c->st[k].fit ? "not fitted yet" : "fixed");
	}
}

enum cascade_verdict
cascade_route(const struct cascade *c, const struct cascade_thr *t,
	      const struct cascade_item *it, int *stage, bool *pending)
{
	*pending = false;
	for (int k = 0; k < c->n; k++) {
		double s = cascade_score(c, k, it);

		*stage = k;
		if (isnan(s)) {
			if (c->st[k].feat < 0) {
				*pending = true;	/* not scored yet */
				return CASCADE_REVIEW;
			}
			continue;	/* no such signal: next stage */
		}
		if (s < t[k].lo)
			return CASCADE_TN;
		if (s > t[k].hi)
			return CASCADE_FN;
	}
	*stage = c->n;
	return CASCADE_REVIEW;
}

/* --- sorting -------------------------------------------------------------- */

/* The bits of @d as an unsigned integer in the same order as the doubles
 * (not NAN). */
static uint64_t
cascade_key_of(double d)
{
	uint64_t b;

	memcpy(&b, &d, sizeof(b));
	return b >> 63 ? ~b : b | 0x8000000000000000ULL;
}

static double
cascade_double_of(uint64_t k)
{
	uint64_t b = k >> 63 ? k & ~0x8000000000000000ULL : ~k;
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

/*
 * Sort @n keys ascending, carrying @val (NULL: none) along: an LSD radix
 * sort, 8 bits a pass, skipping passes where every key has the same
 * byte.  A refit sorts the scores of every stage and the review queue,
 * which qsort() with a comparison callback made most of its time.
 */
static void
cascade_radix_with(uint64_t *key, size_t *val, size_t n, uint64_t *tmp)
{
	uint64_t *a = key, *b = tmp ? tmp : xmalloc((n ? n : 1) * sizeof(*b));
	uint64_t *tk;
	size_t *av = val, *bv = val ? xmalloc((n ? n : 1) * sizeof(*bv))
				    : NULL, *tv;

	for (int sh = 0; sh < 64 && n > 1; sh += 8) {
		size_t cnt[256] = { 0 }, pos = 0;

		for (size_t i = 0; i < n; i++)
			cnt[(a[i] >> sh) & 0xff]++;
		if (cnt[(a[0] >> sh) & 0xff] == n)
			continue;
		for (int d = 0; d < 256; d++) {
			size_t c = cnt[d];

			cnt[d] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t d = cnt[(a[i] >> sh) & 0xff]++;

			b[d] = a[i];
			if (val)
				bv[d] = av[i];
		}
		tk = a;
		a = b;
		b = tk;
		tv = av;
		av = bv;
		bv = tv;
	}
	if (a != key) {
		memcpy(key, a, n * sizeof(*key));
		if (val)
			memcpy(val, av, n * sizeof(*val));
	}
	if (!tmp)
		free(a == key ? b : a);
	if (val)
		free(av == val ? bv : av);
}

static void
cascade_radix(uint64_t *key, size_t *val, size_t n)
{
	cascade_radix_with(key, val, n, NULL);
}

/* Sort @n doubles (no NAN) ascending; @work: room for 2 @n keys (the
 * refit sorts every stage's sample in the same memory). */
static void
cascade_sort_doubles(double *v, size_t n, uint64_t *work)
{
	uint64_t *k = work;

	for (size_t i = 0; i < n; i++)
		k[i] = cascade_key_of(v[i]);
	cascade_radix_with(k, NULL, n, work + n);
	for (size_t i = 0; i < n; i++)
		v[i] = cascade_double_of(k[i]);
}

struct cascade_qent {
	double key;	/* sort key, descending */
	size_t i;	/* item */
};

/* Sort @n entries by key, highest first. */
static void
cascade_sort_qent(struct cascade_qent *e, size_t n)
{
	uint64_t *k = xmalloc((n ? n : 1) * sizeof(*k));
	size_t *v = xmalloc((n ? n : 1) * sizeof(*v));

	for (size_t j = 0; j < n; j++) {
		k[j] = ~cascade_key_of(e[j].key);
		v[j] = e[j].i;
	}
	cascade_radix(k, v, n);
	for (size_t j = 0; j < n; j++) {
		e[j].key = cascade_double_of(~k[j]);
		e[j].i = v[j];
	}
	free(k);
	free(v);
}

/* An entry with its sort key (cascade_key_of()). */
struct cascade_hent {
	uint64_t k;
	struct cascade_qent e;
};

/* Whether @a comes before @b in the order of cascade_sort_qent(): keys
 * highest first, ties by item, as the stable sort leaves them (entries
 * are made in item order). */
static bool
cascade_hent_before(const struct cascade_hent *a, const struct cascade_hent *b)
{
	return a->k > b->k || (a->k == b->k && a->e.i < b->e.i);
}

static int
cascade_cmp_hent(const void *a, const void *b)
{
	const struct cascade_hent *x = a, *y = b;

	return cascade_hent_before(x, y) ? -1 : cascade_hent_before(y, x);
}

/*
 * The best @w entries of those pushed (in item order) in the order
 * cascade_sort_qent() would put them, without keeping or sorting them
 * all: a heap of the best @w so far, the worst of them at its root.
 */
struct cascade_heap {
	struct cascade_hent *h;
	size_t m, cap, w;
};

static void
cascade_heap_push(struct cascade_heap *hp, double key, size_t i)
{
	struct cascade_hent x = { cascade_key_of(key), { key, i } };
	size_t at;

	if (hp->w == 0)
		return;
	if (hp->m < hp->w) {
		if (hp->m == hp->cap) {
			hp->cap = hp->cap ? 2 * hp->cap : 64;
			hp->h = xrealloc(hp->h, hp->cap * sizeof(*hp->h));
		}
		/* sift up past the better ones */
		for (at = hp->m++; at > 0 &&
		     cascade_hent_before(&hp->h[(at - 1) / 2], &x);
		     at = (at - 1) / 2)
			hp->h[at] = hp->h[(at - 1) / 2];
		hp->h[at] = x;
		return;
	}
	if (!cascade_hent_before(&x, &hp->h[0]))
		return;
	/* in place of the worst, sifted down past the worse ones */
	for (at = 0;;) {
		size_t c = 2 * at + 1;

		if (c >= hp->m)
			break;
		if (c + 1 < hp->m && cascade_hent_before(&hp->h[c],
							 &hp->h[c + 1]))
			c++;
		if (!cascade_hent_before(&x, &hp->h[c]))
			break;
		hp->h[at] = hp->h[c];
		at = c;
	}
	hp->h[at] = x;
}

/* The heap's entries in order into a new array (caller frees); *@m
 * their number.  Frees the heap. */
static struct cascade_qent *
cascade_heap_sorted(struct cascade_heap *hp, size_t *m)
{
	struct cascade_qent *e = xmalloc((hp->m ? hp->m : 1) * sizeof(*e));

	if (hp->m)	/* an empty heap has no array (qsort wants one) */
		qsort(hp->h, hp->m, sizeof(*hp->h), cascade_cmp_hent);
	for (size_t j = 0; j < hp->m; j++)
		e[j] = hp->h[j].e;
	*m = hp->m;
	free(hp->h);
	memset(hp, 0, sizeof(*hp));
	return e;
}

/* Audit items (@e: @m entries, key -au, made in item order) in audit
 * order (ascending au): a new array of their indices (caller frees);
 * frees @e. */
static size_t *
cascade_audit_sort(struct cascade_qent *e, size_t m)
{
	size_t *ord;

	cascade_sort_qent(e, m);	/* -au, highest first */
	ord = xmalloc((m ? m : 1) * sizeof(*ord));
	for (size_t k = 0; k < m; k++)
		ord[k] = e[k].i;
	free(e);
	return ord;
}

/* Append audit item @it (index @i) to @e (*@m entries, room for *@cap). */
static void
cascade_audit_add(struct cascade_qent **e, size_t *m, size_t *cap,
		  const struct cascade_item *it, size_t i)
{
	/* (grown as found: the slice is a few percent of the items) */
	if (*m == *cap) {
		*cap = *cap ? 2 * *cap : 1024;
		*e = xrealloc(*e, *cap * sizeof(**e));
	}
	(*e)[*m].key = -it->au;
	(*e)[(*m)++].i = i;
}

/* The audit items of @items in audit order (ascending au): a new array
 * of *@na indices (caller frees). */
static size_t *
cascade_audit_order(const struct cascade_item *items, size_t n, size_t *na)
{
	struct cascade_qent *e = NULL;
	size_t m = 0, cap = 0;

	for (size_t i = 0; i < n; i++)
		if (items[i].audit)
			cascade_audit_add(&e, &m, &cap, &items[i], i);
	*na = m;
	return cascade_audit_sort(e, m);
}

/* The labelled prefix of audit order @ord (@na items): its length, and
 * in @cert (NULL: not wanted; room for @na) the indices of its TN and FN
 * items, ascending; *@nc their number. */
static size_t
cascade_prefix(const struct cascade_item *items, const size_t *ord, size_t na,
	       size_t *cert, size_t *nc)
{
	size_t prefix = 0, m = 0;

	while (prefix < na && items[ord[prefix]].label != CASCADE_UNLABELLED) {
		const struct cascade_item *it = &items[ord[prefix]];

		if (cert && (it->label == CASCADE_LABEL_TN ||
			     it->label == CASCADE_LABEL_FN))
			cert[m++] = ord[prefix];
		prefix++;
	}
	if (cert) {
		uint64_t *k = xmalloc((m ? m : 1) * sizeof(*k));

		for (size_t j = 0; j < m; j++)
			k[j] = cert[j];
		cascade_radix(k, NULL, m);
		for (size_t j = 0; j < m; j++)
			cert[j] = (size_t)k[j];
		free(k);
	}
	if (nc)
		*nc = m;
	return prefix;
}

long
cascade_audit_next(const struct cascade_item *items, size_t n)
{
	size_t na, *ord = cascade_audit_order(items, n, &na);
	size_t prefix = cascade_prefix(items, ord, na, NULL, NULL);
	long i = prefix < na ? (long)ord[prefix] : -1;

	free(ord);
	return i;
}

size_t
cascade_certifying(const struct cascade_item *items, size_t n, bool *cert)
{
	size_t na, nc, prefix, *ord = cascade_audit_order(items, n, &na);
	size_t *ci = xmalloc((na ? na : 1) * sizeof(*ci));

	for (size_t i = 0; i < n; i++)
		cert[i] = false;
	prefix = cascade_prefix(items, ord, na, ci, &nc);
	for (size_t j = 0; j < nc; j++)
		cert[ci[j]] = true;
	free(ci);
	free(ord);
	return prefix;
}

void
cascade_queue_order(const struct cascade *c, const struct cascade_item *items,
		    size_t n, const enum cascade_verdict *v,
		    const bool *pending, const double *pfn, double *prio)
{
	struct cascade_qent *rev = NULL;
	struct cascade_heap hp = { 0 };
	size_t nr = 0, na = 0, ir = 0, ia = 0, pos = 0, labelled = 0;
	size_t prefix = 0, next_audit = 0, window = SIZE_MAX, *aud, nsel;
	int every = c->audit_share > 0 ? (int)lround(1.0 / c->audit_share)
				       : 0;

	if (every > 0 && every < 2)
		every = 2;
	if (c->queue_window > 0)
		window = (size_t)(c->queue_window > 2 * c->refit_every
				  ? c->queue_window : 2 * c->refit_every);
	/* Only the first `window` places get a priority, so only the first
	 * `window` review items in order can take one: with a window they
	 * are picked as they come (a heap); without, all are sorted. */
	if (window == SIZE_MAX)
		rev = xmalloc((n ? n : 1) * sizeof(*rev));
	else
		hp.w = window;
	for (size_t i = 0; i < n; i++) {
		const struct cascade_item *it = &items[i];
		double p = isnan(pfn[i]) ? 0.5 : pfn[i], key;

		prio[i] = 0.0;
		if (it->label != CASCADE_UNLABELLED) {
			labelled++;
			continue;
		}
		if (it->audit)
			continue;
		if (pending[i]) {
			prio[i] = -1.0;
		} else if (v[i] == CASCADE_REVIEW) {
			/* ties (no model yet) in a random order */
			key = (c->queue_order == CASCADE_QUEUE_UNCERTAIN
			       ? 4.0 * p * (1.0 - p) : p) + 1e-9 * it->u;
			if (rev) {
				rev[nr].key = key;
				rev[nr].i = i;
			} else {
				cascade_heap_push(&hp, key, i);
			}
			nr++;
			prio[i] = -1.0;	/* unless it gets a place below */
		}
	}
	if (rev) {
		cascade_sort_qent(rev, nr);
		nsel = nr;
	} else {
		rev = cascade_heap_sorted(&hp, &nsel);
	}
	/* the audit slice's unlabelled items, in audit order, after its
	 * labelled prefix */
	aud = cascade_audit_order(items, n, &na);
	prefix = cascade_prefix(items, aud, na, NULL, NULL);
	{
		size_t m = 0;

		for (size_t k = prefix; k < na; k++)
			if (items[aud[k]].label == CASCADE_UNLABELLED)
				aud[m++] = aud[k];
		na = m;
	}
	while (ir < nsel || ia < na) {
		bool take_audit;
		size_t i;

		/* the audit slice's next item is its (prefix + ia + 1)-th
		 * label, due as label (prefix + ia + 1) M: the place that
		 * many labels from now, or the next one when it is late */
		if (every > 0 && ia < na) {
			size_t due = (prefix + ia + 1) * (size_t)every;

			next_audit = due > labelled + 1 ? due - labelled - 1
							: 0;
		}
		/* (the review items past the first nsel would only come
		 * after the window, where every item waits) */
		take_audit = ia < na && (ir == nsel || (every > 0 &&
							pos >= next_audit));
		i = take_audit ? aud[ia++] : rev[ir++].i;
		prio[i] = pos < window ? (double)(nr + na - pos) : -1.0;
		pos++;
	}
	free(rev);
	free(aud);
}

void
cascade_funnel(const struct cascade *c, struct cascade_thr *t,
	       const struct cascade_item *items, size_t n)
{
	for (int k = 0; k < c->n; k++)
		t[k].seen = t[k].kept = t[k].flagged = t[k].passed =
			t[k].pending = 0;
	for (size_t i = 0; i < n; i++) {
		int stage;
		bool pending;
		enum cascade_verdict v;

		/* a hidden item is no candidate: nothing routes it */
		if (items[i].hidden)
			continue;
		v = cascade_route(c, t, &items[i], &stage, &pending);
		for (int k = 0; k < stage && k < c->n; k++) {
			t[k].seen++;
			t[k].passed++;
		}
		if (stage >= c->n)
			continue;
		t[stage].seen++;
		if (pending)
			t[stage].pending++;
		else if (v == CASCADE_TN)
			t[stage].kept++;
		else if (v == CASCADE_FN)
			t[stage].flagged++;
	}
}

/* --- P(FN) --------------------------------------------------------------- */

/* The version of the model's inputs: 2 since the rank is on a log
 * scale; a stored model of other inputs is no model. */
#define CASCADE_PFN_INPUTS 2

/* Feature @j of @it as the model sees it: the rank on a log scale
 * (what the 1st and the 2nd differ by, the 50th and the 51st do not). */
static double
cascade_pfn_in(const struct cascade_item *it, int j)
{
	if (j >= CASCADE_NFEAT)
		return it->x[j - CASCADE_NFEAT];
	if (j == 3 && !isnan(it->f[3]))		/* minus the rank */
		return -log(fmax(1.0, -it->f[3]));
	return it->f[j];
}

/* The inputs of the model for @it: each feature standardized (0 when
 * missing) and a missing-indicator, then a constant 1. */
static int
cascade_pfn_x(const struct cascade *c, const struct cascade_pfn *m,
	      const struct cascade_item *it, double *x)
{
	int nf = CASCADE_NFEAT + c->next, d = 0;

	for (int j = 0; j < nf; j++) {
		double v = cascade_pfn_in(it, j);
		bool miss = isnan(v);

		x[d++] = miss ? 0.0 : (v - m->mean[j]) / m->sd[j];
		x[d++] = miss ? 1.0 : 0.0;
	}
	x[d++] = 1.0;
	return d;
}

double
cascade_pfn(const struct cascade *c, const struct cascade_pfn *m,
	    const struct cascade_item *it, double off)
{
	double x[CASCADE_PFN_DIM], z = off;
	int d;

	if (m->dim == 0)
		return m->trained_on > 0 ? m->base_rate : NAN;
	d = cascade_pfn_x(c, m, it, x);
	for (int j = 0; j < d && j < m->dim; j++)
		z += m->w[j] * x[j];
	return 1.0 / (1.0 + exp(-z));
}

/* The linear part of the model (without a query effect) at @it. */
static double
cascade_pfn_z(const struct cascade *c, const struct cascade_pfn *m,
	      const struct cascade_item *it)
{
	double x[CASCADE_PFN_DIM], z = 0.0;
	int d = cascade_pfn_x(c, m, it, x);

	for (int j = 0; j < d && j < m->dim; j++)
		z += m->w[j] * x[j];
	return z;
}

static bool
cascade_is_label(const struct cascade_item *it)
{
	return it->label == CASCADE_LABEL_TN || it->label == CASCADE_LABEL_FN;
}

/* Queries -> their index among the queries with labels (open
 * addressing on the qid). */
struct cascade_qmap {
	int64_t *key;
	uint32_t *val;		/* UINT32_MAX: empty */
	size_t cap, n;
};

static void
cascade_qmap_init(struct cascade_qmap *q, size_t most)
{
	q->cap = 16;
	while (q->cap < 2 * most + 1)
		q->cap *= 2;
	q->key = xmalloc(q->cap * sizeof(*q->key));
	q->val = xmalloc(q->cap * sizeof(*q->val));
	for (size_t h = 0; h < q->cap; h++)
		q->val[h] = UINT32_MAX;
	q->n = 0;
}

static void
cascade_qmap_fini(struct cascade_qmap *q)
{
	free(q->key);
	free(q->val);
}

/* The slot of @qid: its own, or the empty one where it would go. */
static size_t
cascade_qmap_slot(const struct cascade_qmap *q, int64_t qid)
{
	size_t h = (size_t)(((uint64_t)qid * 0x9e3779b97f4a7c15ULL) >> 17) &
		   (q->cap - 1);

	while (q->val[h] != UINT32_MAX && q->key[h] != qid)
		h = (h + 1) & (q->cap - 1);
	return h;
}

/* The index of @qid, added when new (at most the @most given). */
static uint32_t
cascade_qmap_add(struct cascade_qmap *q, int64_t qid)
{
	size_t h = cascade_qmap_slot(q, qid);

	if (q->val[h] == UINT32_MAX) {
		q->key[h] = qid;
		q->val[h] = (uint32_t)q->n++;
	}
	return q->val[h];
}

/* The index of @qid; UINT32_MAX when absent. */
static uint32_t
cascade_qmap_get(const struct cascade_qmap *q, int64_t qid)
{
	return q->val[cascade_qmap_slot(q, qid)];
}

/*
 * The labelled items @lab (@nl indices into @items, ascending) grouped by
 * query: @lg[k] gets the k-th labelled item's query among the queries
 * with labels, in @q (cascade_qmap_fini()).
 */
static void
cascade_label_groups(const struct cascade_item *items, const size_t *lab,
		     size_t nl, struct cascade_qmap *q, uint32_t *lg)
{
	int64_t last = 0;

	cascade_qmap_init(q, nl);
	for (size_t k = 0; k < nl; k++) {
		int64_t qid = items[lab[k]].qid;

		/* the same query as the last labelled item: its group */
		lg[k] = k > 0 && qid == last ? lg[k - 1]
					     : cascade_qmap_add(q, qid);
		last = qid;
	}
}

/*
 * The query effects b[g] of @ng groups given the linear parts @z and
 * labels @y of @nl labelled items in groups @lg: the mode of the
 * posterior under the prior N(0, 1 / @prec), by Newton's method per
 * group, from the values in @b.  @h gets each group's curvature (the
 * labels' weights plus the prior's) at the solution.
 */
static void
cascade_qeffects(const double *z, const unsigned char *y, const uint32_t *lg,
		 size_t nl, size_t ng, double prec, double *b, double *h)
{
	double *g = xmalloc((ng ? ng : 1) * sizeof(*g));

	for (int iter = 0; iter < 50; iter++) {
		double step = 0.0;

		for (size_t q = 0; q < ng; q++) {
			g[q] = prec * b[q];
			h[q] = prec;
		}
		for (size_t i = 0; i < nl; i++) {
			double p = 1.0 / (1.0 + exp(-(z[i] + b[lg[i]])));

			g[lg[i]] += p - y[i];
			h[lg[i]] += p * (1.0 - p);
		}
		for (size_t q = 0; q < ng; q++) {
			double d = g[q] / h[q];

			b[q] -= d;
			step = fmax(step, fabs(d));
		}
		if (step < 1e-9)
			break;
	}
	free(g);
}

/* The query effects under @m of the queries with labels, from the @nl
 * labelled items @lab (indices, ascending): the groups @q and @lg (as
 * cascade_label_groups()), each labelled item's linear part *@z and
 * label *@y, each group's effect *@b and curvature *@h (caller frees;
 * cascade_qmap_fini()).  False (nothing made) when @m has none. */
static bool
cascade_qsolve(const struct cascade *c, const struct cascade_pfn *m,
	       const struct cascade_item *items, const size_t *lab, size_t nl,
	       struct cascade_qmap *q, uint32_t **lg, double **z,
	       unsigned char **y, double **b, double **h)
{
	if (m->dim == 0 || !(m->qprec > 0) || nl == 0)
		return false;
	*lg = xmalloc(nl * sizeof(**lg));
	cascade_label_groups(items, lab, nl, q, *lg);
	*z = xmalloc(nl * sizeof(**z));
	*y = xmalloc(nl);
	*b = xcalloc(q->n, sizeof(**b));
	*h = xmalloc(q->n * sizeof(**h));
	for (size_t k = 0; k < nl; k++) {
		*(*z + k) = cascade_pfn_z(c, m, &items[lab[k]]);
		*(*y + k) = items[lab[k]].label == CASCADE_LABEL_FN;
	}
	cascade_qeffects(*z, *y, *lg, nl, q->n, m->qprec, *b, *h);
	return true;
}

/* The effect without its own label of labelled item k (linear part @z,
 * label @y) in a group of effect @b and curvature @h: one Newton step
 * back from the solution. */
static double
cascade_loo(double z, unsigned char y, double b, double h)
{
	double p = 1.0 / (1.0 + exp(-(z + b)));
	double rest = h - p * (1.0 - p);

	return b + (p - y) / rest;
}

/*
 * The query effect of every item under @m (see cascade_pfn_offsets),
 * and with @loo, for each labelled item, its effect without its own
 * label (one Newton step back from the solution: for calibration).
 */
static void
cascade_pfn_offsets_loo(const struct cascade *c, const struct cascade_pfn *m,
			const struct cascade_item *items, size_t n,
			double *off, double *loo)
{
	struct cascade_qmap q;
	uint32_t *lg = NULL, g = UINT32_MAX;
	double *z = NULL, *b = NULL, *h = NULL;
	unsigned char *y = NULL;
	size_t nl = 0, k = 0, *lab;
	int64_t last = 0;

	for (size_t i = 0; i < n; i++) {
		off[i] = 0.0;
		if (loo)
			loo[i] = 0.0;
		nl += cascade_is_label(&items[i]);
	}
	if (m->dim == 0 || !(m->qprec > 0) || nl == 0)
		return;
	lab = xmalloc(nl * sizeof(*lab));
	for (size_t i = 0; i < n; i++)
		if (cascade_is_label(&items[i]))
			lab[k++] = i;
	cascade_qsolve(c, m, items, lab, nl, &q, &lg, &z, &y, &b, &h);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		/* items come mostly in query order: look up each run once */
		if (i == 0 || items[i].qid != last) {
			last = items[i].qid;
			g = cascade_qmap_get(&q, last);
		}
		if (g == UINT32_MAX)
			continue;	/* a query without labels */
		off[i] = b[g];
		if (loo && cascade_is_label(&items[i]))
			loo[i] = cascade_loo(z[k], y[k], b[g], h[g]);
		k += cascade_is_label(&items[i]);
	}
	cascade_qmap_fini(&q);
	free(lab);
	free(lg);
	free(z);
	free(y);
	free(b);
	free(h);
}

void
cascade_pfn_offsets(const struct cascade *c, const struct cascade_pfn *m,
		    const struct cascade_item *items, size_t n, double *off)
{
	cascade_pfn_offsets_loo(c, m, items, n, off, NULL);
}

void
cascade_pfn_all(const struct cascade *c, const struct cascade_pfn *m,
		const struct cascade_item *items, size_t n, double *pfn)
{
	cascade_pfn_offsets(c, m, items, n, pfn);
	for (size_t i = 0; i < n; i++)
		pfn[i] = cascade_pfn(c, m, &items[i], pfn[i]);
}

/* Solve the d x d system A w = b in place (Gaussian elimination with
 * partial pivoting); false when singular. */
static bool
cascade_solve(double *A, double *b, int d)
{
	for (int col = 0; col < d; col++) {
		int piv = col;

		for (int r = col + 1; r < d; r++)
			if (fabs(A[r * d + col]) > fabs(A[piv * d + col]))
				piv = r;
		if (fabs(A[piv * d + col]) < 1e-12)
			return false;
		if (piv != col) {
			for (int j = 0; j < d; j++) {
				double tmp = A[col * d + j];

				A[col * d + j] = A[piv * d + j];
				A[piv * d + j] = tmp;
			}
			double tb = b[col];

			b[col] = b[piv];
			b[piv] = tb;
		}
		for (int r = col + 1; r < d; r++) {
			double f = A[r * d + col] / A[col * d + col];

			for (int j = col; j < d; j++)
				A[r * d + j] -= f * A[col * d + j];
			b[r] -= f * b[col];
		}
	}
	for (int r = d - 1; r >= 0; r--) {
		double s = b[r];

		for (int j = r + 1; j < d; j++)
			s -= A[r * d + j] * b[j];
		b[r] = s / A[r * d + r];
	}
	return true;
}

/*
 * Newton's method for the weights of @m (d = m->dim) on @nl labelled
 * items, L2 penalty @lambda except on the intercept, at most @iters
 * steps from m->w: labels @y, offsets @off (the query effects; NULL:
 * none), and of the inputs only the @na in @act (ascending), given side
 * by side in @xa (nl x na): the others are 0 for every label and add
 * nothing to z, g or A, so leaving them out of the sums (done in the
 * same order) leaves these the same to the last bit.
 */
static void
cascade_pfn_newton(struct cascade_pfn *m, const double *xa,
		   const unsigned char *y, const double *off, size_t nl,
		   const int *act, int na, double lambda, int iters)
{
	int d = m->dim;
	double A[CASCADE_PFN_DIM * CASCADE_PFN_DIM], g[CASCADE_PFN_DIM];
	double Aa[CASCADE_PFN_DIM * CASCADE_PFN_DIM], ga[CASCADE_PFN_DIM];
	double wa[CASCADE_PFN_DIM];

	for (int iter = 0; iter < iters; iter++) {
		double step = 0.0;

		memset(Aa, 0, sizeof(double) * (size_t)(na * na));
		memset(ga, 0, sizeof(double) * (size_t)na);
		for (int a = 0; a < na; a++)
			wa[a] = m->w[act[a]];
		for (size_t i = 0; i < nl; i++) {
			const double *xi = xa + i * (size_t)na;
			double z = off ? off[i] : 0.0, p, wgt;

			for (int a = 0; a < na; a++)
				z += wa[a] * xi[a];
			p = 1.0 / (1.0 + exp(-z));
			wgt = p * (1.0 - p);
			for (int a = 0; a < na; a++) {
				double wx = wgt * xi[a], *row = Aa + a * na;
				int e = a;

				if (xi[a] == 0.0)
					continue;
				ga[a] += (p - y[i]) * xi[a];
				/* the upper triangle, mirrored below (two at a
				 * time: each element's sum as one at a time) */
				for (; e + 1 < na; e += 2) {
					row[e] += wx * xi[e];
					row[e + 1] += wx * xi[e + 1];
				}
				if (e < na)
					row[e] += wx * xi[e];
			}
		}
		memset(A, 0, sizeof(double) * (size_t)(d * d));
		memset(g, 0, sizeof(double) * (size_t)d);
		for (int a = 0; a < na; a++) {
			g[act[a]] = ga[a];
			for (int e = a; e < na; e++)
				A[act[a] * d + act[e]] = Aa[a * na + e];
		}
		for (int j = 0; j < d; j++)
			for (int l = 0; l < j; l++)
				A[j * d + l] = A[l * d + j];
		/* the penalty, not on the intercept */
		for (int j = 0; j < d - 1; j++) {
			g[j] += lambda * m->w[j];
			A[j * d + j] += lambda;
		}
		A[(d - 1) * d + d - 1] += 1e-9;
		if (!cascade_solve(A, g, d))
			break;
		for (int j = 0; j < d; j++) {
			m->w[j] -= g[j];
			step += fabs(g[j]);
		}
		if (step < 1e-8)
			break;
	}
}

/*
 * The weights of @m and the query effects @b (of @ng groups; @lg: each
 * label's) at their joint mode under the effects' prior of precision
 * @prec, by Newton's method from their values, at most @iters steps
 * (inputs, labels, @lambda, @act as cascade_pfn_newton()).  The
 * effects' block of the Hessian is diagonal, so a step solves the
 * weights' system less what the effects take up (its Schur complement)
 * and then each effect alone.  Both at once rather than each given the
 * other in turn: the intercept and the effects' common part trade
 * against each other, and taking turns leaves the weights a step behind
 * the effects.  @h gets each group's curvature (its labels' weights plus
 * the prior's); @gb (ng) and @cq (ng x na) are scratch.
 */
static void
cascade_pfn_joint(struct cascade_pfn *m, const double *xa,
		  const unsigned char *y, const uint32_t *lg, size_t nl,
		  size_t ng, const int *act, int na, double lambda,
		  double prec, double *b, double *h, double *gb, double *cq,
		  int iters)
{
	double S[CASCADE_PFN_DIM * CASCADE_PFN_DIM], r[CASCADE_PFN_DIM];

	for (int iter = 0; iter < iters; iter++) {
		double step = 0.0;

		memset(S, 0, sizeof(double) * (size_t)(na * na));
		memset(r, 0, sizeof(double) * (size_t)na);
		memset(cq, 0, sizeof(double) * ng * (size_t)na);
		for (size_t q = 0; q < ng; q++) {
			h[q] = prec;
			gb[q] = prec * b[q];
		}
		for (size_t i = 0; i < nl; i++) {
			const double *xi = xa + i * (size_t)na;
			double *ci = cq + lg[i] * (size_t)na;
			double z = b[lg[i]], p, wgt;

			for (int a = 0; a < na; a++)
				z += m->w[act[a]] * xi[a];
			p = 1.0 / (1.0 + exp(-z));
			wgt = p * (1.0 - p);
			h[lg[i]] += wgt;
			gb[lg[i]] += p - y[i];
			for (int a = 0; a < na; a++) {
				double wx = wgt * xi[a], *row = S + a * na;

				if (xi[a] == 0.0)
					continue;
				r[a] += (p - y[i]) * xi[a];
				ci[a] += wx;
				for (int e = a; e < na; e++)
					row[e] += wx * xi[e];
			}
		}
		/* the penalty, not on the intercept */
		for (int a = 0; a < na; a++) {
			if (act[a] == m->dim - 1) {
				S[a * na + a] += 1e-9;
				continue;
			}
			r[a] += lambda * m->w[act[a]];
			S[a * na + a] += lambda;
		}
		/* less what the effects take up */
		for (size_t q = 0; q < ng; q++) {
			const double *cg = cq + q * (size_t)na;

			for (int a = 0; a < na; a++) {
				double f = cg[a] / h[q];

				if (f == 0.0)
					continue;
				r[a] -= f * gb[q];
				for (int e = a; e < na; e++)
					S[a * na + e] -= f * cg[e];
			}
		}
		for (int a = 0; a < na; a++)
			for (int e = 0; e < a; e++)
				S[a * na + e] = S[e * na + a];
		if (!cascade_solve(S, r, na))
			break;
		for (int a = 0; a < na; a++) {
			m->w[act[a]] -= r[a];
			step += fabs(r[a]);
		}
		for (size_t q = 0; q < ng; q++) {
			const double *cg = cq + q * (size_t)na;
			double d = gb[q];

			for (int a = 0; a < na; a++)
				d -= cg[a] * r[a];
			d /= h[q];
			b[q] -= d;
			step = fmax(step, fabs(d));
		}
		if (step < 1e-8)
			break;
	}
}

/* The prior precision of the query effects: its bounds, the most
 * updates of it a fit makes, and how close (in log(precision)) to the
 * fixed point it stops. */
#define CASCADE_QPREC_MIN 0.05
#define CASCADE_QPREC_MAX 100.0
#define CASCADE_QSTEPS 20
#define CASCADE_QTOL 1e-3

/*
 * The search for the prior precision of the query effects (see
 * cascade_pfn_fit()), in t = log(precision).  Empirical Bayes makes it a
 * fixed point: the number of queries with labels over the sum of their
 * effects' squares and posterior variances (1 / curvature), effects
 * and weights at their mode under the precision tried.  That update
 * alone creeps where a query's labels say little of its effect (a label
 * or two, or features that almost decide): each step is a small share of
 * the distance left, on cascade-bench's items 0.1% a step with the fixed
 * point past the bound 100, so no tolerance on the step tells converged
 * from slow.  The same fixed point, rearranged (MacKay's form): the
 * share of each effect its labels determine, 1 - precision / curvature,
 * summed, over the sum of the squares; its step, f(t) = log(update) - t,
 * is 0 there and moves the precision by what the labels show against
 * what the prior allows.  The secant through the last two steps
 * estimates where f is 0 and so the distance left; the fixed point stays
 * bracketed by the points with f > 0 (below it) and f < 0 (above it).
 */
struct cascade_qsearch {
	double lo, hi;		/* the fixed point is in [lo, hi] */
	bool lo_seen, hi_seen;	/* lo, hi are points searched (else the
				 * bounds) */
	double tp, fp;		/* the last point searched, its step */
	bool prev;		/* tp, fp set */
};

static void
cascade_qsearch_init(struct cascade_qsearch *s)
{
	memset(s, 0, sizeof(*s));
	s->lo = log(CASCADE_QPREC_MIN);
	s->hi = log(CASCADE_QPREC_MAX);
}

/* The point to search after @t, whose update's step is @f; *@sloped when
 * it comes from the secant (then its distance from @t estimates the
 * distance to the fixed point). */
static double
cascade_qsearch_next(struct cascade_qsearch *s, double t, double f,
		     bool *sloped)
{
	double tn = t + f;

	*sloped = false;
	if (f > 0 && t >= s->lo) {
		s->lo = t;
		s->lo_seen = true;
	} else if (f < 0 && t <= s->hi) {
		s->hi = t;
		s->hi_seen = true;
	}
	if (s->prev && t != s->tp) {
		double slope = (f - s->fp) / (t - s->tp);

		/* below 0 about a fixed point the update approaches */
		if (slope < 0 && isfinite(f / slope)) {
			tn = t - f / slope;
			*sloped = true;
		}
	}
	/* past the bracket: to its end where that is a bound, else half
	 * way there */
	if (tn > s->hi) {
		tn = s->hi_seen ? 0.5 * (t + s->hi) : s->hi;
		*sloped = false;
	} else if (tn < s->lo) {
		tn = s->lo_seen ? 0.5 * (t + s->lo) : s->lo;
		*sloped = false;
	}
	s->tp = t;
	s->fp = f;
	s->prev = true;
	return tn;
}

/*
 * Fit P(FN): L2-regularized logistic regression by Newton's method on
 * the labelled items (TN/FN: the @nl indices @lab, ascending), features
 * standardized on those items; with c->query_effects, a random
 * intercept per query fitted with the weights, its prior's precision by
 * empirical Bayes (struct cascade_qsearch; for tests, c->qe_em_steps
 * plain updates, effects and weights in turn, as the fit made them
 * before).  Fewer than 10 labels or a single class: no model (the base
 * rate).
 */
static void
cascade_pfn_fit(const struct cascade *c, const struct cascade_item *items,
		const size_t *lab, size_t nl, struct cascade_pfn *m)
{
	int nf = CASCADE_NFEAT + c->next, d = 2 * nf + 1;
	int64_t cnt[CASCADE_NFEAT + CASCADE_MAX_EXT] = { 0 }, pos = 0;
	double s1[CASCADE_NFEAT + CASCADE_MAX_EXT] = { 0 };
	double s2[CASCADE_NFEAT + CASCADE_MAX_EXT] = { 0 };
	double *x = NULL, *off = NULL, *z = NULL, *b = NULL, *h = NULL;
	unsigned char *y = NULL;
	uint32_t *lg = NULL;
	struct cascade_qmap qm;
	size_t ng = 0;
	int act[CASCADE_PFN_DIM], na = 0;
	bool plain = c->qe_em_steps > 0;
	int nsteps = plain ? c->qe_em_steps : CASCADE_QSTEPS;
	struct cascade_qsearch qs;
	double *gb = NULL, *cq = NULL;

	memset(m, 0, sizeof(*m));
	for (size_t k = 0; k < nl; k++) {
		const struct cascade_item *it = &items[lab[k]];

		pos += it->label == CASCADE_LABEL_FN;
		for (int j = 0; j < nf; j++) {
			double v = cascade_pfn_in(it, j);

			if (!isnan(v)) {
				cnt[j]++;
				s1[j] += v;
				s2[j] += v * v;
			}
		}
	}
	m->trained_on = (int64_t)nl;
	m->base_rate = nl ? (double)pos / (double)nl : 0.5;
	if (nl < 10 || pos == 0 || pos == (int64_t)nl)
		return;
	for (int j = 0; j < nf; j++) {
		double mean = cnt[j] ? s1[j] / (double)cnt[j] : 0.0;
		double var = cnt[j] ? s2[j] / (double)cnt[j] - mean * mean : 0.0;

		m->mean[j] = mean;
		m->sd[j] = var > 1e-18 ? sqrt(var) : 1.0;
	}
	m->dim = d;
	m->w[d - 1] = log(m->base_rate / (1.0 - m->base_rate));
	/* the labelled items' inputs, once, side by side */
	x = xmalloc(nl * (size_t)d * sizeof(*x));
	y = xmalloc(nl);
	for (size_t k = 0; k < nl; k++) {
		cascade_pfn_x(c, m, &items[lab[k]], x + k * (size_t)d);
		y[k] = items[lab[k]].label == CASCADE_LABEL_FN;
	}
	/* the inputs not 0 for every label, side by side (see
	 * cascade_pfn_newton()) */
	for (int j = 0; j < d; j++)
		for (size_t k = 0; k < nl; k++)
			if (x[k * (size_t)d + (size_t)j] != 0.0) {
				act[na++] = j;
				break;
			}
	for (size_t k = 0; k < nl; k++)
		for (int a = 0; a < na; a++)
			x[k * (size_t)na + (size_t)a] =
				x[k * (size_t)d + (size_t)act[a]];
	cascade_pfn_newton(m, x, y, NULL, nl, act, na, 1.0, 30);
	if (!c->query_effects)
		goto out;
	lg = xmalloc(nl * sizeof(*lg));
	cascade_label_groups(items, lab, nl, &qm, lg);
	ng = qm.n;
	cascade_qmap_fini(&qm);
	off = xmalloc(nl * sizeof(*off));
	z = xmalloc(nl * sizeof(*z));
	b = xcalloc(ng, sizeof(*b));
	h = xmalloc(ng * sizeof(*h));
	m->qprec = 1.0;
	cascade_qsearch_init(&qs);
	if (!plain) {
		gb = xmalloc(ng * sizeof(*gb));
		cq = xmalloc(ng * (size_t)na * sizeof(*cq));
	}
	for (int outer = 0; outer < nsteps; outer++) {
		double var = 0.0, b2 = 0.0, gam = 0.0, prec, t = log(m->qprec);
		double tn;
		size_t used = 0;
		bool sloped;

		if (plain) {
			/* tests: the effects given the weights, the weights
			 * given the effects (below), in turn */
			for (size_t i = 0; i < nl; i++) {
				const double *xi = x + i * (size_t)na;

				z[i] = 0.0;
				for (int a = 0; a < na; a++)
					z[i] += m->w[act[a]] * xi[a];
			}
			cascade_qeffects(z, y, lg, nl, ng, m->qprec, b, h);
		} else {
			cascade_pfn_joint(m, x, y, lg, nl, ng, act, na, 1.0,
					  m->qprec, b, h, gb, cq, 20);
		}
		for (size_t q = 0; q < ng; q++)
			if (h[q] > m->qprec) {	/* a query with labels */
				var += b[q] * b[q] + 1.0 / h[q];
				b2 += b[q] * b[q];
				gam += 1.0 - m->qprec / h[q];
				used++;
			}
		m->qsteps = outer + 1;
		if (plain) {
			prec = used && var > 0 ? (double)used / var : 1.0;
			prec = fmin(fmax(prec, CASCADE_QPREC_MIN),
				    CASCADE_QPREC_MAX);
			if (fabs(prec - m->qprec) < c->qe_em_tol * m->qprec)
				break;
			m->qprec = prec;
			for (size_t i = 0; i < nl; i++)
				off[i] = b[lg[i]];
			cascade_pfn_newton(m, x, y, off, nl, act, na, 1.0, 8);
			continue;
		}
		/* MacKay's form (struct cascade_qsearch) */
		prec = !used ? 1.0 : b2 > 0 ? gam / b2 : CASCADE_QPREC_MAX;
		prec = fmin(fmax(prec, CASCADE_QPREC_MIN), CASCADE_QPREC_MAX);
		tn = cascade_qsearch_next(&qs, t, log(prec) - t, &sloped);
		/* at the fixed point (or at a bound the update pushes past),
		 * the secant within the tolerance of it or the bracket as
		 * narrow; or out of steps: the weights and effects are
		 * those of the precision last tried */
		if (log(prec) == t || (sloped && fabs(tn - t) < CASCADE_QTOL) ||
		    qs.hi - qs.lo < CASCADE_QTOL || outer + 1 == nsteps)
			break;
		m->qprec = exp(tn);
	}
out:
	free(x);
	free(y);
	free(lg);
	free(off);
	free(z);
	free(b);
	free(h);
	free(gb);
	free(cq);
}

/* Brier score and expected calibration error (10 equal-width bins) of
 * @m on the @nc certifying labels @cert (indices, ascending), of the @nl
 * labelled items @lab (the same order), each with its query's effect
 * without its own label (a label says nothing of itself). */
static void
cascade_pfn_calibrate(const struct cascade *c, const struct cascade_item *items,
		      const size_t *lab, size_t nl, const size_t *cert,
		      size_t nc, struct cascade_pfn *m)
{
	double bin_p[10] = { 0 }, bin_y[10] = { 0 }, se = 0.0;
	int64_t bin_n[10] = { 0 }, cal = 0;
	struct cascade_qmap q;
	uint32_t *lg = NULL;
	double *z = NULL, *b = NULL, *h = NULL;
	unsigned char *y = NULL;
	bool eff = cascade_qsolve(c, m, items, lab, nl, &q, &lg, &z, &y, &b,
				  &h);
	size_t k = 0;

	for (size_t j = 0; j < nc; j++) {
		const struct cascade_item *it = &items[cert[j]];
		double p, yv, loo = 0.0;
		int bin;

		if (eff) {
			/* its place among the labelled items */
			while (k < nl && lab[k] < cert[j])
				k++;
			loo = cascade_loo(z[k], y[k], b[lg[k]], h[lg[k]]);
		}
		p = cascade_pfn(c, m, it, loo);
		yv = it->label == CASCADE_LABEL_FN;
		se += (p - yv) * (p - yv);
		bin = (int)(p * 10.0);
		bin = bin < 0 ? 0 : bin > 9 ? 9 : bin;
		bin_p[bin] += p;
		bin_y[bin] += yv;
		bin_n[bin]++;
		cal++;
	}
	if (eff) {
		cascade_qmap_fini(&q);
		free(lg);
		free(z);
		free(y);
		free(b);
		free(h);
	}
	m->cal_n = cal;
	m->brier = cal ? se / (double)cal : NAN;
	m->ece = cal ? 0.0 : NAN;
	for (int bin = 0; cal && bin < 10; bin++)
		if (bin_n[bin])
			m->ece += fabs(bin_p[bin] - bin_y[bin]) / (double)cal;
}

/* --- fitting thresholds -------------------------------------------------- */

struct cascade_lab {
	double s;	/* score at the stage */
	int fn;		/* 1: false negative */
};

static int
cascade_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
cascade_cmp_lab(const void *a, const void *b)
{
	return cascade_cmp_double(&((const struct cascade_lab *)a)->s,
				  &((const struct cascade_lab *)b)->s);
}

/*
 * The grid of candidate thresholds of a stage: up to c->grid distinct
 * quantiles of the scores @v (@m of them; sorted here, in @work: room for
 * 2 @m keys).  *@ng gets their number; returns a new array (caller
 * frees).
 */
static double *
cascade_grid(const struct cascade *c, double *v, size_t m, uint64_t *work,
	     size_t *ng)
{
	double *g = xmalloc(((size_t)c->grid + 1) * sizeof(*g));
	size_t k = 0;

	cascade_sort_doubles(v, m, work);
	for (int i = 0; i < c->grid && m > 0; i++) {
		double q = v[(size_t)((double)i / (c->grid - 1) *
				      (double)(m - 1))];

		if (k == 0 || q > g[k - 1])
			g[k++] = q;
	}
	*ng = k;
	return g;
}

/* The fewest labels that can certify a target: n with q^n <= 1 - conf,
 * q the share that must be right (a set of n labels all right certifies
 * only then). */
static int64_t
cascade_nmin(double q, double conf)
{
	if (q <= 0.0)
		return 1;
	if (q >= 1.0)
		return INT64_MAX;
	return (int64_t)ceil(log(1.0 - conf) / log(q) - 1e-9);
}

/*
 * Choose lo for one stage.  @lab: the certifying labels reaching it,
 * sorted by score.  Thresholds g[0] < g[1] < ... are tried in order; t
 * is certified when the upper bound of the FN rate of the labels with
 * s < t is <= the target.  The search stops at the first failure.
 */
static void
cascade_fit_lo(const struct cascade *c, const struct cascade_stage *st,
	       const struct cascade_thr *cur, const struct cascade_lab *lab,
	       size_t nl, const double *g, size_t ng, struct cascade_thr *t)
{
	double best = -INFINITY, best_b = NAN;
	int64_t best_n = 0, best_k = 0, n = 0, k = 0;
	int64_t nmin = cascade_nmin(1.0 - c->target_fnr, c->confidence);
	size_t j = 0;

	t->lo = cur->lo;
	if (!st->fit) {
		snprintf(t->lo_why, sizeof(t->lo_why), "fixed");
		return;
	}
	for (size_t i = 0; i < ng; i++) {
		double b;

		while (j < nl && lab[j].s < g[i]) {
			n++;
			k += lab[j].fn;
			j++;
		}
		/* Too few labels below t to certify even with no FN: not
		 * tested yet.  This depends only on where the audit labels
		 * lie, never on what they say, so it keeps the sequence's
		 * guarantee. */
		if (n < nmin)
			continue;
		b = estimate_cp_upper((double)k, (double)n, c->confidence);
		if (b > c->target_fnr)
			break;
		best = g[i];
		best_b = b;
		best_n = n;
		best_k = k;
	}
	/* what the labels say about the current threshold */
	n = k = 0;
	for (j = 0; j < nl && lab[j].s < cur->lo; j++) {
		n++;
		k += lab[j].fn;
	}
	if (best > cur->lo) {
		t->lo = best;
		t->lo_n = best_n;
		t->lo_k = best_k;
		t->lo_bound = best_b;
		snprintf(t->lo_why, sizeof(t->lo_why), "certified");
	} else if (n > 0 && estimate_cp_lower((double)k, (double)n,
					      c->confidence) >
					c->target_fnr) {
		/* the labels show the current one keeps too many FN */
		t->lo = best;
		t->lo_n = best_n;
		t->lo_k = best_k;
		t->lo_bound = best_b;
		snprintf(t->lo_why, sizeof(t->lo_why), "tightened");
	} else {
		t->lo_n = n;
		t->lo_k = k;
		t->lo_bound = n ? estimate_cp_upper((double)k, (double)n,
						    c->confidence) : NAN;
		snprintf(t->lo_why, sizeof(t->lo_why), "%s",
			 best == cur->lo && isfinite(best) ? "certified"
			 : "too few labels to loosen");
	}
}

/* Choose hi, as cascade_fit_lo from the top: t is certified when the
 * lower bound of the precision (FN share) of the labels with s > t is
 * >= the target. */
static void
cascade_fit_hi(const struct cascade *c, const struct cascade_stage *st,
	       const struct cascade_thr *cur, const struct cascade_lab *lab,
	       size_t nl, const double *g, size_t ng, struct cascade_thr *t)
{
	double best = INFINITY, best_b = NAN;
	int64_t best_n = 0, best_k = 0, n = 0, k = 0;
	int64_t nmin = cascade_nmin(c->target_precision, c->confidence);
	size_t j = nl;

	t->hi = cur->hi;
	if (!st->fit) {
		snprintf(t->hi_why, sizeof(t->hi_why), "fixed");
		return;
	}
	for (size_t i = ng; i-- > 0;) {
		double b;

		while (j > 0 && lab[j - 1].s > g[i]) {
			j--;
			n++;
			k += lab[j].fn;
		}
		if (n < nmin)
			continue;	/* as in cascade_fit_lo */
		b = estimate_cp_lower((double)k, (double)n, c->confidence);
		if (b < c->target_precision)
			break;
		best = g[i];
		best_b = b;
		best_n = n;
		best_k = k;
	}
	n = k = 0;
	for (j = nl; j > 0 && lab[j - 1].s > cur->hi; j--) {
		n++;
		k += lab[j - 1].fn;
	}
	if (best < cur->hi) {
		t->hi = best;
		t->hi_n = best_n;
		t->hi_k = best_k;
		t->hi_bound = best_b;
		snprintf(t->hi_why, sizeof(t->hi_why), "certified");
	} else if (n > 0 && estimate_cp_upper((double)k, (double)n,
					      c->confidence) <
					c->target_precision) {
		t->hi = best;
		t->hi_n = best_n;
		t->hi_k = best_k;
		t->hi_bound = best_b;
		snprintf(t->hi_why, sizeof(t->hi_why), "tightened");
	} else {
		t->hi_n = n;
		t->hi_k = k;
		t->hi_bound = n ? estimate_cp_lower((double)k, (double)n,
						    c->confidence) : NAN;
		snprintf(t->hi_why, sizeof(t->hi_why), "%s",
			 best == cur->hi && isfinite(best) ? "certified"
			 : "too few labels to loosen");
	}
}

/* Items used for the grid: at most this many, the first by their draw
 * u (a uniform sample, the same at every refit). */
#define CASCADE_GRID_SAMPLE 65536

/* A growable list of item indices. */
struct cascade_idx {
	size_t *v, n, cap;
};

static void
cascade_idx_add(struct cascade_idx *l, size_t i)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = i;
}

/* Whether an item with stage scores @sc (c->n of them) reaches stage @k
 * with a score there under @t, as cascade_route() would route it with
 * the thresholds of stages 0..k-1: none of them decided it or held it
 * unscored. */
static bool
cascade_reaches(const struct cascade *c, const struct cascade_thr *t, int k,
		const double *sc)
{
	for (int j = 0; j < k; j++) {
		double s = sc[j];

		if (isnan(s)) {
			if (c->st[j].feat < 0)
				return false;	/* held, not scored */
			continue;		/* no such signal */
		}
		if (s < t[j].lo || s > t[j].hi)
			return false;
	}
	return !isnan(sc[k]);
}

/* Append the stage scores of @it (c->n) to @sc (*@n items so far, room
 * for *@cap). */
static void
cascade_scores_add(const struct cascade *c, double **sc, size_t *n,
		   size_t *cap, const struct cascade_item *it)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 1024;
		*sc = xrealloc(*sc, *cap * (size_t)(c->n ? c->n : 1) *
				    sizeof(**sc));
	}
	for (int k = 0; k < c->n; k++)
		(*sc)[*n * (size_t)c->n + (size_t)k] = cascade_score(c, k, it);
	(*n)++;
}

/* Whether audit item (@au, @i) comes before (@bu, @j) in audit order
 * (cascade_audit_order(): au ascending, ties by index). */
static bool
cascade_audit_before(double au, size_t i, double bu, size_t j)
{
	uint64_t ka = cascade_key_of(-au), kb = cascade_key_of(-bu);

	return ka > kb || (ka == kb && i < j);
}

enum ns_rc
cascade_fit(const struct cascade *c, const struct cascade_thr *cur,
	    const struct cascade_item *items, size_t n,
	    struct cascade_fitres *out, struct ns_err *err)
{
	struct cascade_thr *t = xcalloc((size_t)c->n + 1, sizeof(*t));
	struct cascade_idx labelled = { 0 }, alab = { 0 }, cert = { 0 };
	struct cascade_lab *lab;
	size_t ns = 0, scap = 0, first = SIZE_MAX;
	double *v, *ssc = NULL, *csc, u_cut = 2.0, first_au = 0.0;
	uint64_t *work;

	(void)err;
	memset(out, 0, sizeof(*out));
	/* the grid sample: items with u below the cut (u is uniform, so
	 * about CASCADE_GRID_SAMPLE of them, the same ones every time) */
	if (n > CASCADE_GRID_SAMPLE)
		u_cut = (double)CASCADE_GRID_SAMPLE / (double)n;
	/* room for about as many as expected (grown if need be) */
	scap = n < CASCADE_GRID_SAMPLE ? n : CASCADE_GRID_SAMPLE +
					     CASCADE_GRID_SAMPLE / 16;
	ssc = xmalloc((scap ? scap : 1) * (size_t)(c->n ? c->n : 1) *
		      sizeof(*ssc));
	/*
	 * One pass over the items for all that the thresholds' fit looks
	 * at: the grid sample's stage scores, the labels, and of the audit
	 * slice its labelled items and the first unlabelled one in audit
	 * order: the labelled prefix (see cascade_certifying()) is the
	 * labelled items before it.
	 */
	for (size_t i = 0; i < n; i++) {
		const struct cascade_item *it = &items[i];

		/* (the grid is of the candidates, known before any label:
		 * not of the hidden items, there because labelled) */
		if (it->u < u_cut && !it->hidden)
			cascade_scores_add(c, &ssc, &ns, &scap, it);
		if (it->label == CASCADE_LABEL_TN ||
		    it->label == CASCADE_LABEL_FN)
			cascade_idx_add(&labelled, i);
		if (!it->audit)
			continue;
		if (it->label != CASCADE_UNLABELLED)
			cascade_idx_add(&alab, i);
		else if (first == SIZE_MAX ||
			 cascade_audit_before(it->au, i, first_au, first)) {
			first = i;
			first_au = it->au;
		}
	}
	/* the certifying labels, by index */
	for (size_t j = 0; j < alab.n; j++) {
		const struct cascade_item *it = &items[alab.v[j]];

		if ((it->label == CASCADE_LABEL_TN ||
		     it->label == CASCADE_LABEL_FN) &&
		    (first == SIZE_MAX ||
		     cascade_audit_before(it->au, alab.v[j], first_au, first)))
			cascade_idx_add(&cert, alab.v[j]);
	}
	out->labels = (int64_t)labelled.n;
	out->certifying = (int64_t)cert.n;
	/* their stage scores side by side: each stage's fit routes them */
	csc = xmalloc((cert.n ? cert.n : 1) * (size_t)(c->n ? c->n : 1) *
		      sizeof(*csc));
	for (size_t j = 0; j < cert.n; j++)
		for (int k = 0; k < c->n; k++)
			csc[j * (size_t)c->n + (size_t)k] =
				cascade_score(c, k, &items[cert.v[j]]);
	lab = xmalloc((cert.n ? cert.n : 1) * sizeof(*lab));
	v = xmalloc((ns ? ns : 1) * sizeof(*v));
	work = xmalloc((ns ? 2 * ns : 1) * sizeof(*work));
	for (int k = 0; k < c->n; k++) {
		size_t m = 0, nl = 0, ng;
		double *g;

		t[k] = cur[k];
		t[k].lo_n = t[k].lo_k = t[k].hi_n = t[k].hi_k = 0;
		/* the items reaching stage k under the new thresholds of
		 * stages 0..k-1, with a score here: of the grid sample,
		 * their scores; of the certifying labels, theirs */
		for (size_t j = 0; j < ns; j++) {
			const double *sc = &ssc[j * (size_t)c->n];

			if (cascade_reaches(c, t, k, sc))
				v[m++] = sc[k];
		}
		for (size_t j = 0; j < cert.n; j++) {
			const double *sc = &csc[j * (size_t)c->n];

			if (!cascade_reaches(c, t, k, sc))
				continue;
			lab[nl].s = sc[k];
			lab[nl].fn = items[cert.v[j]].label ==
				     CASCADE_LABEL_FN;
			nl++;
		}
		g = cascade_grid(c, v, m, work, &ng);
		qsort(lab, nl, sizeof(*lab), cascade_cmp_lab);
		cascade_fit_lo(c, &c->st[k], &cur[k], lab, nl, g, ng, &t[k]);
		cascade_fit_hi(c, &c->st[k], &cur[k], lab, nl, g, ng, &t[k]);
		if (t[k].lo > t[k].hi)
			t[k].lo = t[k].hi;	/* never both at once */
		free(g);
	}
	cascade_funnel(c, t, items, n);
	cascade_pfn_fit(c, items, labelled.v, labelled.n, &out->pfn);
	cascade_pfn_calibrate(c, items, labelled.v, labelled.n, cert.v, cert.n,
			      &out->pfn);
	out->t = t;
	free(lab);
	free(v);
	free(work);
	free(ssc);
	free(csc);
	free(labelled.v);
	free(alab.v);
	free(cert.v);
	return NS_OK;
}

void
cascade_fitres_fini(struct cascade_fitres *f)
{
	if (!f)
		return;
	free(f->t);
	f->t = NULL;
}

void
cascade_estimate_counts(const struct cascade *c, const struct cascade_thr *t,
			const struct cascade_pfn *m, double max_pfn,
			const struct cascade_item *items, size_t n,
			bool drop_undecided, const unsigned char *fate,
			struct cascade_estimate_in *out)
{
	bool *cert = xmalloc((n ? n : 1) * sizeof(*cert));
	double *off = NULL, *loo = NULL;

	memset(out, 0, sizeof(*out));
	cascade_certifying(items, n, cert);
	if (m && m->dim > 0 && max_pfn < 1.0) {
		off = xmalloc((n ? n : 1) * sizeof(*off));
		loo = xmalloc((n ? n : 1) * sizeof(*loo));
		cascade_pfn_offsets_loo(c, m, items, n, off, loo);
	}
	for (size_t i = 0; i < n; i++) {
		const struct cascade_item *it = &items[i];
		int stage;
		bool pending;
		enum cascade_verdict v = cascade_route(c, t, it, &stage,
						       &pending);
		bool pool = v == CASCADE_TN ||
			    (v == CASCADE_REVIEW && !drop_undecided);

		/* what export does not write is no part of the estimate:
		 * the queries it leaves out (no positive, ...) hold
		 * neither negatives nor pool items */
		if (fate && fate[i] == CASCADE_EST_OUT)
			continue;
		if (pool) {
			/* the pool without the cut, whose audit labels are
			 * a uniform sample of it */
			out->all_pool++;
			out->all_pool_fn += it->label == CASCADE_LABEL_FN;
			if (cert[i]) {
				out->all_audit_n++;
				out->all_audit_fn += it->label ==
						     CASCADE_LABEL_FN;
			}
		}
		/* left out as a likely false negative: a labelled item by
		 * its P(FN) without its own label, as if nobody had */
		if (pool && v == CASCADE_REVIEW && off &&
		    cascade_pfn(c, m, it, it->label == CASCADE_UNLABELLED
				? off[i] : loo[i]) > max_pfn) {
			pool = false;
			out->cut = true;
			out->cut_unlabelled += it->label == CASCADE_UNLABELLED;
		}
		/* an annotator's fn, not final: left out as the P(FN) cut
		 * leaves items out, by what someone thinks of them */
		if (pool && fate && fate[i] == CASCADE_EST_CUT) {
			pool = false;
			out->cut = true;
			out->cut_unlabelled += it->label == CASCADE_UNLABELLED;
		}
		if (fate) {
			/* export's own count of what it writes (a judged
			 * negative, say, that the cascade would flag) */
			if (fate[i] == CASCADE_EST_NEG) {
				out->negatives++;
				out->unlabelled += it->label ==
						   CASCADE_UNLABELLED;
			}
		} else {
			/* (a hidden item is not written: no candidate) */
			if (it->label == CASCADE_LABEL_TN && !it->hidden)
				out->negatives++;
			if (pool && it->label == CASCADE_UNLABELLED) {
				out->negatives++;
				out->unlabelled++;
			}
		}
		if (!pool)
			continue;
		out->pool++;
		out->pool_fn += it->label == CASCADE_LABEL_FN;
		if (cert[i]) {
			out->audit_n++;
			out->audit_fn += it->label == CASCADE_LABEL_FN;
		}
	}
	free(cert);
	free(off);
	free(loo);
}

/* --- JSON ---------------------------------------------------------------- */

static json_t *
cascade_json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

char *
cascade_thr_json(const struct cascade *c, const struct cascade_thr *t)
{
	json_t *a = json_array();
	char *s;

	for (int k = 0; k < c->n; k++) {
		json_t *o = json_object();

		json_object_set_new(o, "stage", json_string(c->st[k].name));
		json_object_set_new(o, "scorer", json_string(
			cascade_scorer_name(c->st[k].scorer)));
		json_object_set_new(o, "lo", cascade_json_num(t[k].lo));
		json_object_set_new(o, "hi", cascade_json_num(t[k].hi));
		json_object_set_new(o, "lo_n", json_integer(t[k].lo_n));
		json_object_set_new(o, "lo_fn", json_integer(t[k].lo_k));
		json_object_set_new(o, "lo_bound",
				    cascade_json_num(t[k].lo_bound));
		json_object_set_new(o, "lo_why", json_string(t[k].lo_why));
		json_object_set_new(o, "hi_n", json_integer(t[k].hi_n));
		json_object_set_new(o, "hi_fn", json_integer(t[k].hi_k));
		json_object_set_new(o, "hi_bound",
				    cascade_json_num(t[k].hi_bound));
		json_object_set_new(o, "hi_why", json_string(t[k].hi_why));
		json_object_set_new(o, "seen", json_integer(t[k].seen));
		json_object_set_new(o, "kept", json_integer(t[k].kept));
		json_object_set_new(o, "flagged", json_integer(t[k].flagged));
		json_object_set_new(o, "passed", json_integer(t[k].passed));
		json_object_set_new(o, "pending", json_integer(t[k].pending));
		json_array_append_new(a, o);
	}
	s = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(a);
	return s;
}

static double
cascade_json_get(json_t *o, const char *k, double def)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : def;
}

bool
cascade_thr_parse(const struct cascade *c, const char *json,
		  struct cascade_thr *t)
{
	json_error_t je;
	json_t *a = json_loads(json, 0, &je), *o;
	size_t i;

	cascade_thr_initial(c, t);
	if (!json_is_array(a)) {
		json_decref(a);
		return false;
	}
	json_array_foreach(a, i, o) {
		const char *name = json_string_value(json_object_get(o,
								     "stage"));

		const char *scorer = json_string_value(json_object_get(o,
								       "scorer"));

		for (int k = 0; name && k < c->n; k++) {
			/* the same stage: its name and its scorer */
			if (strcmp(c->st[k].name, name) || !scorer ||
			    strcmp(cascade_scorer_name(c->st[k].scorer),
				   scorer))
				continue;
			if (!c->st[k].fit)
				break;	/* fixed: the config's */
			t[k].lo = cascade_json_get(o, "lo", -INFINITY);
			t[k].hi = cascade_json_get(o, "hi", INFINITY);
			t[k].lo_n = (int64_t)cascade_json_get(o, "lo_n", 0);
			t[k].lo_k = (int64_t)cascade_json_get(o, "lo_fn", 0);
			t[k].lo_bound = cascade_json_get(o, "lo_bound", NAN);
			t[k].hi_n = (int64_t)cascade_json_get(o, "hi_n", 0);
			t[k].hi_k = (int64_t)cascade_json_get(o, "hi_fn", 0);
			t[k].hi_bound = cascade_json_get(o, "hi_bound", NAN);
			snprintf(t[k].lo_why, sizeof(t[k].lo_why), "%s",
				 json_string_value(json_object_get(o, "lo_why"))
				 ? json_string_value(json_object_get(o,
								     "lo_why"))
				 : "");
			snprintf(t[k].hi_why, sizeof(t[k].hi_why), "%s",
				 json_string_value(json_object_get(o, "hi_why"))
				 ? json_string_value(json_object_get(o,
								     "hi_why"))
				 : "");
			t[k].seen = (int64_t)cascade_json_get(o, "seen", 0);
			t[k].kept = (int64_t)cascade_json_get(o, "kept", 0);
			t[k].flagged = (int64_t)cascade_json_get(o, "flagged",
								 0);
			t[k].passed = (int64_t)cascade_json_get(o, "passed", 0);
			t[k].pending = (int64_t)cascade_json_get(o, "pending",
								 0);
		}
	}
	json_decref(a);
	return true;
}

void
cascade_thr_summary(const char *json, int64_t fit_id, char *buf, size_t size)
{
	json_error_t je;
	json_t *a = json_loads(json ? json : "", 0, &je), *o;
	size_t i, len, shown = 0;

	len = (size_t)snprintf(buf, size, "cascade v%lld:", (long long)fit_id);
	json_array_foreach(a, i, o) {
		double lo = cascade_json_get(o, "lo", -INFINITY);
		double hi = cascade_json_get(o, "hi", INFINITY);
		const char *name = json_string_value(json_object_get(o,
								     "stage"));

		if (!name || (!isfinite(lo) && !isfinite(hi)) || len >= size)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s %s",
					shown++ ? "," : "", name);
		if (isfinite(lo) && len < size)
			len += (size_t)snprintf(buf + len, size - len, " <%.3g",
						lo);
		if (isfinite(hi) && len < size)
			len += (size_t)snprintf(buf + len, size - len, " >%.3g",
						hi);
	}
	if (!shown && len < size)
		snprintf(buf + len, size - len, " nothing automatic yet");
	json_decref(a);
}

char *
cascade_pfn_json(const struct cascade *c, const struct cascade_pfn *m)
{
	json_t *o = json_object(), *w = json_array(), *mean = json_array(),
	       *sd = json_array();
	int nf = CASCADE_NFEAT + c->next;
	char *s;

	for (int j = 0; j < m->dim; j++)
		json_array_append_new(w, json_real(m->w[j]));
	for (int j = 0; m->dim && j < nf; j++) {
		json_array_append_new(mean, json_real(m->mean[j]));
		json_array_append_new(sd, json_real(m->sd[j]));
	}
	json_object_set_new(o, "w", w);
	json_object_set_new(o, "mean", mean);
	json_object_set_new(o, "sd", sd);
	json_object_set_new(o, "inputs", json_integer(CASCADE_PFN_INPUTS));
	json_object_set_new(o, "trained_on", json_integer(m->trained_on));
	json_object_set_new(o, "query_precision", cascade_json_num(m->qprec));
	json_object_set_new(o, "base_rate", cascade_json_num(m->base_rate));
	json_object_set_new(o, "calibration_n", json_integer(m->cal_n));
	json_object_set_new(o, "brier", cascade_json_num(m->brier));
	json_object_set_new(o, "ece", cascade_json_num(m->ece));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

bool
cascade_pfn_parse(const struct cascade *c, const char *json,
		  struct cascade_pfn *m)
{
	json_error_t je;
	json_t *o = json_loads(json, 0, &je), *w, *mean, *sd;
	int nf = CASCADE_NFEAT + c->next;

	memset(m, 0, sizeof(*m));
	if (!json_is_object(o)) {
		json_decref(o);
		return false;
	}
	w = json_object_get(o, "w");
	mean = json_object_get(o, "mean");
	sd = json_object_get(o, "sd");
	m->trained_on = (int64_t)cascade_json_get(o, "trained_on", 0);
	m->base_rate = cascade_json_get(o, "base_rate", 0.5);
	m->qprec = cascade_json_get(o, "query_precision", 0.0);
	if (!(m->qprec > 0))
		m->qprec = 0.0;	/* older fits: no query effects */
	m->cal_n = (int64_t)cascade_json_get(o, "calibration_n", 0);
	m->brier = cascade_json_get(o, "brier", NAN);
	m->ece = cascade_json_get(o, "ece", NAN);
	/* a model for another set of stages, or of older inputs, is no
	 * model */
	if (cascade_json_get(o, "inputs", 1) == CASCADE_PFN_INPUTS &&
	    json_array_size(w) == (size_t)(2 * nf + 1) &&
	    json_array_size(mean) == (size_t)nf &&
	    json_array_size(sd) == (size_t)nf) {
		m->dim = 2 * nf + 1;
		for (int j = 0; j < m->dim; j++)
			m->w[j] = json_number_value(json_array_get(w,
								   (size_t)j));
		for (int j = 0; j < nf; j++) {
			m->mean[j] = json_number_value(json_array_get(
				mean, (size_t)j));
			m->sd[j] = json_number_value(json_array_get(
				sd, (size_t)j));
			if (!(m->sd[j] > 0))
				m->sd[j] = 1.0;
		}
	}
	json_decref(o);
	return true;
}

char *
cascade_stages_json(const struct cascade *c)
{
	json_t *o = json_object(), *a = json_array();
	char *s;

	for (int k = 0; k < c->n; k++) {
		json_t *st = json_object();

		json_object_set_new(st, "name", json_string(c->st[k].name));
		json_object_set_new(st, "scorer", json_string(
			cascade_scorer_name(c->st[k].scorer)));
		json_object_set_new(st, "lo", cascade_json_num(c->st[k].lo));
		json_object_set_new(st, "hi", cascade_json_num(c->st[k].hi));
		json_object_set_new(st, "fit", json_boolean(c->st[k].fit));
		if (c->st[k].scorer == CASCADE_AGREE) {
			json_object_set_new(st, "method",
					    json_string(c->st[k].method));
			json_object_set_new(st, "run",
					    json_integer(c->st[k].run));
		}
		/* another judge model, prompt or command scores on another
		 * scale: thresholds and P(FN) fitted on the old scores are
		 * not this stage's, so it starts a new version */
		if (c->st[k].keyed) {
			char hex[17];

			snprintf(hex, sizeof(hex), "%016llx",
				 (unsigned long long)c->st[k].key);
			json_object_set_new(st, "settings", json_string(hex));
		}
		json_array_append_new(a, st);
	}
	json_object_set_new(o, "stages", a);
	json_object_set_new(o, "target_fn_rate", json_real(c->target_fnr));
	json_object_set_new(o, "target_precision",
			    json_real(c->target_precision));
	json_object_set_new(o, "confidence", json_real(c->confidence));
	json_object_set_new(o, "audit_share", json_real(c->audit_share));
	json_object_set_new(o, "seed", json_integer((json_int_t)c->seed));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}
