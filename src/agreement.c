/*
 * agreement.c - Cohen's kappa and Krippendorff's alpha (see agreement.h).
 */
#include <math.h>
#include <string.h>

#include "src/agreement.h"

double
agreement_kappa(const struct agreement_rating *r, size_t n, int a, int b,
		int64_t *both)
{
	double ca[AGREEMENT_MAX_VALUES] = { 0 }, cb[AGREEMENT_MAX_VALUES] = { 0 };
	double agree = 0, m = 0, pe = 0;
	size_t i = 0;

	while (i < n) {
		size_t j = i;
		int va = -1, vb = -1;

		while (j < n && r[j].item == r[i].item) {
			if (r[j].rater == a)
				va = r[j].value;
			else if (r[j].rater == b)
				vb = r[j].value;
			j++;
		}
		if (va >= 0 && vb >= 0 && va < AGREEMENT_MAX_VALUES &&
		    vb < AGREEMENT_MAX_VALUES) {
			m++;
			agree += va == vb;
			ca[va]++;
			cb[vb]++;
		}
		i = j;
	}
	*both = (int64_t)m;
	if (m == 0)
		return NAN;
	for (int v = 0; v < AGREEMENT_MAX_VALUES; v++)
		pe += (ca[v] / m) * (cb[v] / m);
	if (pe >= 1.0)
		return NAN;
	return (agree / m - pe) / (1.0 - pe);
}

double
agreement_alpha(const struct agreement_rating *r, size_t n, int64_t *units)
{
	double o[AGREEMENT_MAX_VALUES][AGREEMENT_MAX_VALUES];
	double nc[AGREEMENT_MAX_VALUES] = { 0 }, total = 0, d_o = 0, d_e = 0;
	size_t i = 0;

	memset(o, 0, sizeof(o));
	*units = 0;
	while (i < n) {
		size_t j = i;
		int cnt[AGREEMENT_MAX_VALUES] = { 0 }, m = 0;

		while (j < n && r[j].item == r[i].item) {
			if (r[j].value >= 0 && r[j].value < AGREEMENT_MAX_VALUES) {
				cnt[r[j].value]++;
				m++;
			}
			j++;
		}
		i = j;
		if (m < 2)
			continue;
		(*units)++;
		/* each ordered pair of values from different raters counts
		 * 1 / (m - 1) */
		for (int c = 0; c < AGREEMENT_MAX_VALUES; c++)
			for (int k = 0; k < AGREEMENT_MAX_VALUES; k++)
				o[c][k] += (double)cnt[c] *
					   (double)(cnt[k] - (c == k)) /
					   (double)(m - 1);
	}
	for (int c = 0; c < AGREEMENT_MAX_VALUES; c++)
		for (int k = 0; k < AGREEMENT_MAX_VALUES; k++)
			nc[c] += o[c][k];
	for (int c = 0; c < AGREEMENT_MAX_VALUES; c++)
		total += nc[c];
	if (total <= 1)
		return NAN;
	for (int c = 0; c < AGREEMENT_MAX_VALUES; c++)
		for (int k = 0; k < AGREEMENT_MAX_VALUES; k++)
			if (c != k) {
				d_o += o[c][k];
				d_e += nc[c] * nc[k];
			}
	if (d_e == 0)
		return NAN;
	return 1.0 - (total - 1.0) * d_o / d_e;
}
