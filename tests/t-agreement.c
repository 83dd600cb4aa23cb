/*
 * t-agreement.c - Cohen's kappa and Krippendorff's alpha against
 * published worked examples.
 */
#include <math.h>
#include <stdlib.h>

#include "src/agreement.h"
#include "tests/tap.h"

static int
cmp_item(const void *a, const void *b)
{
	int64_t x = ((const struct agreement_rating *)a)->item;
	int64_t y = ((const struct agreement_rating *)b)->item;

	return x < y ? -1 : x > y;
}

int
main(void)
{
	/* Cohen's kappa: 50 items, both yes 20, A yes B no 5, A no B yes
	 * 10, both no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4 */
	struct agreement_rating r[200];
	size_t n = 0;
	int64_t both, units;

	for (int i = 0; i < 50; i++) {
		int va = i < 25 ? 1 : 0;
		int vb = i < 20 || (i >= 25 && i < 35) ? 1 : 0;

		r[n++] = (struct agreement_rating){ i, 0, va };
		r[n++] = (struct agreement_rating){ i, 1, vb };
	}
	is_dbl(agreement_kappa(r, n, 0, 1, &both), 0.4, 1e-12,
	       "kappa of the textbook 2x2 table (20, 5, 10, 15) is 0.4");
	is_int(both, 50, "over the 50 items both rated");
	ok(isnan(agreement_kappa(r, n, 0, 2, &both)) && both == 0,
	   "no shared items: no kappa");

	/*
	 * Krippendorff (2011), "Computing Krippendorff's Alpha-
	 * Reliability", the 4 observers x 12 units example with missing
	 * values: nominal alpha = 0.743.
	 */
	{
		static const int data[4][12] = {
			{ 1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0 },
			{ 1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3 },
			{ 0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0 },
			{ 1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0 },
		};

		n = 0;
		for (int c = 0; c < 4; c++)
			for (int u = 0; u < 12; u++)
				if (data[c][u])
					r[n++] = (struct agreement_rating){
						u, c, data[c][u] };
		qsort(r, n, sizeof(r[0]), cmp_item);
		is_dbl(agreement_alpha(r, n, &units), 0.743, 0.0005,
		       "alpha (nominal) of Krippendorff's worked example is "
		       "0.743");
		is_int(units, 11, "the unit rated once is left out");
	}
	/* everyone agrees on one value: no variation, no alpha */
	n = 0;
	for (int i = 0; i < 5; i++) {
		r[n++] = (struct agreement_rating){ i, 0, 1 };
		r[n++] = (struct agreement_rating){ i, 1, 1 };
	}
	ok(isnan(agreement_alpha(r, n, &units)), "one value only: no alpha");
	/* perfect agreement over two values: 1 */
	r[0].value = r[1].value = 2;
	is_dbl(agreement_alpha(r, n, &units), 1.0, 1e-12,
	       "perfect agreement: alpha 1");
	return tap_done();
}
