/*
 * agreement.h - how much annotators agree: Cohen's kappa for a pair,
 * Krippendorff's alpha (nominal) over everyone, from the labels each gave
 * each item.
 */
#ifndef NS_AGREEMENT_H
#define NS_AGREEMENT_H

#include <stddef.h>
#include <stdint.h>

/* One annotator's label of one item; categories are small integers. */
struct agreement_rating {
	int64_t item;		/* any id, the same for one item */
	int rater;		/* 0 .. nraters-1 */
	int value;		/* 0 .. AGREEMENT_MAX_VALUES-1 */
};

#define AGREEMENT_MAX_VALUES 8

/*
 * Cohen's kappa of raters @a and @b over the items both rated, from @n
 * ratings sorted by item: (p_o - p_e) / (1 - p_e).  *@both gets the
 * number of such items.  NAN when there are none or p_e is 1.
 */
double agreement_kappa(const struct agreement_rating *r, size_t n, int a,
		       int b, int64_t *both);

/*
 * Krippendorff's alpha for nominal data over the items rated at least
 * twice, from @n ratings sorted by item: 1 - D_o / D_e from the
 * coincidence matrix.  *@units gets the number of such items.  NAN when
 * there are none or everyone always gave one value.
 */
double agreement_alpha(const struct agreement_rating *r, size_t n,
		       int64_t *units);

#endif
