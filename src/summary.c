/*
 * summary.c - statistics of mined scores (see summary.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "src/summary.h"
#include "src/util.h"

void
summary_col_add(struct summary_col *c, double x)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = x;
}

void
summary_col_fini(struct summary_col *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
summary_quantile(const double *sorted, size_t n, double q)
{
	double pos, frac;
	size_t lo;

	if (n == 0)
		return NAN;
	pos = q * (double)(n - 1);
	lo = (size_t)floor(pos);
	if (lo >= n - 1)
		return sorted[n - 1];
	frac = pos - (double)lo;
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

void
summary_describe(const double *v, size_t n, struct summary_desc *d)
{
	double *s, sum = 0, ss = 0;

	d->count = n;
	if (n == 0) {
		d->mean = d->std = d->min = d->q25 = d->median = d->q75 =
			d->max = NAN;
		return;
	}
	s = xmalloc(n * sizeof(*s));
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), dbl_cmp);
	for (size_t i = 0; i < n; i++)
		sum += s[i];
	d->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (s[i] - d->mean) * (s[i] - d->mean);
	d->std = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
	d->min = s[0];
	d->max = s[n - 1];
	d->q25 = summary_quantile(s, n, 0.25);
	d->median = summary_quantile(s, n, 0.5);
	d->q75 = summary_quantile(s, n, 0.75);
	free(s);
}

void
summary_init(struct summary *s)
{
	memset(s, 0, sizeof(*s));
}

void
summary_fini(struct summary *s)
{
	summary_col_fini(&s->pos);
	summary_col_fini(&s->neg);
	summary_col_fini(&s->diff);
}

void
summary_add_query(struct summary *s, const double *pos, size_t npos,
		  double anchor, const struct filter_cand *c, size_t n,
		  int want)
{
	size_t kept = 0;

	s->queries++;
	if (npos == 0)
		s->no_positive++;
	for (size_t i = 0; i < npos; i++)
		summary_col_add(&s->pos, pos[i]);
	for (size_t i = 0; i < npos; i++)
		if (pos[i] == 0.0) {
			s->zero_positive++;
			break;
		}
	for (size_t i = 0; i < n; i++) {
		s->candidates++;
		s->reasons[c[i].reason]++;
		s->near_dup += c[i].near_dup;
		if (c[i].tn_out != FILTER_KEPT)
			s->tn_out[c[i].tn_out]++;
		if (c[i].reason != FILTER_KEPT)
			continue;
		if (c[i].tn_over != FILTER_KEPT) {
			s->tn_kept[c[i].tn_over]++;
			s->tn_pending += c[i].tn_pending;
		}
		s->tn_unflagged += c[i].tn_unflagged;
		kept++;
		summary_col_add(&s->neg, c[i].score);
		if (!isnan(anchor))
			summary_col_add(&s->diff, anchor - c[i].score);
	}
	if (want > 0 && kept < (size_t)want)
		s->short_queries++;
}

/* One value of the table; "-" where there is none (no scores, or the
 * standard deviation of a single score). */
static void
summary_cell(FILE *fp, double x)
{
	if (isnan(x))
		fprintf(fp, " %12s", "-");
	else
		fprintf(fp, " %12.4f", x);
}

static void
summary_row(FILE *fp, const char *name, double a, double b, double c)
{
	fprintf(fp, "%-10s", name);
	summary_cell(fp, a);
	summary_cell(fp, b);
	summary_cell(fp, c);
	fputc('\n', fp);
}

/* The candidates that people's true-negative labels kept, by the rule
 * that would have left them out (filter.h), those not flagged, and those
 * that min_score or the rank window left out all the same (a label does
 * not answer them: the user who set them should hear what they cost). */
static void
summary_print_tn(const struct summary *s, FILE *fp)
{
	int64_t kept = 0, out = s->tn_out[FILTER_MIN_SCORE] +
				s->tn_out[FILTER_RANK];
	const char *sep = "";

	for (int r = 1; r < FILTER_NREASONS; r++)
		kept += s->tn_kept[r];
	if (kept) {
		fprintf(fp, "Kept %lld candidates (%.2f%%) that people labelled "
			"true negative although a rule would have left them "
			"out (", (long long)kept,
			100.0 * (double)kept / (double)s->candidates);
		for (int i = 0; i < FILTER_NREASONS - 1; i++) {
			enum filter_reason r = filter_reason_order[i];

			if (!s->tn_kept[r])
				continue;
			fprintf(fp, "%s%s %lld", sep, filter_reason_name(r),
				(long long)s->tn_kept[r]);
			sep = ", ";
		}
		fputs(")\n", fp);
		if (s->tn_pending)
			fprintf(fp, "  %lld of them have one annotator's "
				"label only (fn or tn), waiting for the "
				"others' or an adjudicator's\n",
				(long long)s->tn_pending);
	}
	if (s->tn_unflagged)
		fprintf(fp, "Did not flag %lld candidates (%.2f%%) as "
			"near-duplicates: people labelled them true "
			"negative\n", (long long)s->tn_unflagged,
			100.0 * (double)s->tn_unflagged /
				(double)s->candidates);
	if (out) {
		fprintf(fp, "Left out %lld candidates (%.2f%%) that people "
			"labelled true negative, by rules a label does not "
			"answer (", (long long)out,
			100.0 * (double)out / (double)s->candidates);
		if (s->tn_out[FILTER_MIN_SCORE])
			fprintf(fp, "min_score %lld",
				(long long)s->tn_out[FILTER_MIN_SCORE]);
		if (s->tn_out[FILTER_RANK])
			fprintf(fp, "%srank window %lld",
				s->tn_out[FILTER_MIN_SCORE] ? ", " : "",
				(long long)s->tn_out[FILTER_RANK]);
		fputs(")\n", fp);
	}
}

void
summary_print(const struct summary *s, const struct filter_params *p,
	      FILE *fp)
{
	struct summary_desc d[3];
	int64_t decided = 0;

	summary_describe(s->pos.v, s->pos.n, &d[0]);
	summary_describe(s->neg.v, s->neg.n, &d[1]);
	summary_describe(s->diff.v, s->diff.n, &d[2]);
	fprintf(fp, "%-10s %12s %12s %12s\n", "Metric", "Positive",
		"Negative", "Difference");
	fprintf(fp, "%-10s %12zu %12zu %12zu\n", "Count", d[0].count,
		d[1].count, d[2].count);
	summary_row(fp, "Mean", d[0].mean, d[1].mean, d[2].mean);
	summary_row(fp, "Median", d[0].median, d[1].median, d[2].median);
	summary_row(fp, "Std", d[0].std, d[1].std, d[2].std);
	summary_row(fp, "Min", d[0].min, d[1].min, d[2].min);
	summary_row(fp, "25%", d[0].q25, d[1].q25, d[2].q25);
	summary_row(fp, "50%", d[0].median, d[1].median, d[2].median);
	summary_row(fp, "75%", d[0].q75, d[1].q75, d[2].q75);
	summary_row(fp, "Max", d[0].max, d[1].max, d[2].max);
	for (int i = 0; i < FILTER_NREASONS - 1; i++) {
		enum filter_reason r = filter_reason_order[i];
		double pct;

		if (!s->reasons[r])
			continue;
		pct = s->candidates ? 100.0 * (double)s->reasons[r] /
					      (double)s->candidates : 0;
		fprintf(fp, "Skipped %lld candidates (%.2f%%) by %s: %s",
			(long long)s->reasons[r], pct, filter_reason_name(r),
			filter_reason_desc(r));
		switch (r) {
		case FILTER_RANK:
			/* the ranks kept: range_min is the last one dropped */
			if (p->range_max > 0)
				fprintf(fp, " (ranks %d..%d kept)",
					p->range_min + 1, p->range_max);
			else
				fprintf(fp, " (ranks %d.. kept)",
					p->range_min + 1);
			break;
		case FILTER_MAX_SCORE:
			fprintf(fp, " (%g)", p->max_score);
			break;
		case FILTER_MIN_SCORE:
			fprintf(fp, " (%g)", p->min_score);
			break;
		case FILTER_ABS_MARGIN:
			fprintf(fp, " (%g)", p->abs_margin);
			break;
		case FILTER_REL_MARGIN:
			fprintf(fp, " (%g)", p->rel_margin);
			break;
		default:
			break;
		}
		fputc('\n', fp);
	}
	for (int r = 1; r < FILTER_NREASONS; r++)
		decided += FILTER_DECIDED(r) ? s->reasons[r] : 0;
	if (decided)
		fprintf(fp, "Left out %lld candidates (%.2f%%) because of "
			"people's decisions (labelled false negative, dropped "
			"passage or dropped query)\n", (long long)decided,
			100.0 * (double)decided / (double)s->candidates);
	summary_print_tn(s, fp);
	if (s->near_dup)
		fprintf(fp, "Flagged %lld candidates (%.2f%%) as near-duplicates "
			"of a positive (similarity >= %g)\n",
			(long long)s->near_dup,
			100.0 * (double)s->near_dup / (double)s->candidates,
			p->near_dup);
	if (s->no_positive)
		fprintf(fp, "%lld queries (%.2f%%) have no positive: margins "
			"do not apply to them\n", (long long)s->no_positive,
			100.0 * (double)s->no_positive / (double)s->queries);
	/* BM25 gives 0 to a positive without a term of the query; as the
	 * anchor of --anchor min it makes any margin drop every candidate
	 * (they all score above 0) */
	if (s->bm25 && s->zero_positive) {
		fprintf(fp, "%lld queries (%.2f%%) have a positive scoring 0 "
			"under bm25 (no term in common with the query)",
			(long long)s->zero_positive,
			100.0 * (double)s->zero_positive / (double)s->queries);
		if (p->anchor == FILTER_ANCHOR_MIN &&
		    (!isnan(p->abs_margin) || !isnan(p->rel_margin)))
			fprintf(fp, ": it is their anchor (--anchor min), so "
				"the margin drops every candidate of "
				"theirs\n");
		else if (p->anchor == FILTER_ANCHOR_MIN)
			fprintf(fp, ": it is their anchor (--anchor min), so "
				"a margin would drop every candidate of "
				"theirs\n");
		else
			fputc('\n', fp);
	}
	if (s->not_in_run)
		fprintf(fp, "%lld queries of the project are not in the run "
			"(imported after it was mined, or without a vector "
			"when it was): they have no candidates (a refilter "
			"works on the run's queries; negsieve embed (dense), "
			"then negsieve mine)\n", (long long)s->not_in_run);
	if (s->no_text)
		fprintf(fp, "%lld queries of the project have no text (known "
			"by id only, or empty or blank): no mine can search "
			"them, and export leaves them out without text (fix "
			"the text in the data imported)\n",
			(long long)s->no_text);
	if (s->short_queries)
		fprintf(fp, "Could not find %d negatives for %lld queries "
			"(%.2f%%)\n", p->num_negatives,
			(long long)s->short_queries,
			100.0 * (double)s->short_queries /
				(double)s->queries);
}
