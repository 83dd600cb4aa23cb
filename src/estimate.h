/*
 * estimate.h - the statistics behind the cascade's honest bounds: the
 * regularized incomplete beta function and its inverse, Clopper-Pearson
 * bounds of a binomial proportion, and the interval of a rate estimated
 * from a uniform random sample (the audit slice).
 *
 * Bounds are one-sided at confidence @conf (e.g. 0.95): the upper bound U
 * of k successes in n trials is the p with P(X <= k | n, p) = 1 - conf,
 * i.e. the (conf) quantile of Beta(k + 1, n - k); the lower bound is the
 * (1 - conf) quantile of Beta(k, n - k + 1).  k and n may be fractional
 * (an effective sample size), which the same formulas accept.
 */
#ifndef NS_ESTIMATE_H
#define NS_ESTIMATE_H

/* I_x(a, b), the regularized incomplete beta function (a, b > 0). */
double estimate_beta_inc(double a, double b, double x);

/* The x in [0, 1] with I_x(a, b) = p (0 <= p <= 1). */
double estimate_beta_quantile(double a, double b, double p);

/* One-sided Clopper-Pearson upper / lower bound of a proportion with
 * @k successes in @n trials (0 <= k <= n); n = 0 gives 1 / 0. */
double estimate_cp_upper(double k, double n, double conf);
double estimate_cp_lower(double k, double n, double conf);

/*
 * A two-sided interval at @conf (each tail (1 - conf) / 2) of a
 * proportion with @k successes in @n trials: *@lo and *@hi.  n = 0 gives
 * [0, 1].
 */
void estimate_cp_interval(double k, double n, double conf, double *lo,
			  double *hi);

/*
 * How many more labels, drawn like the @n so far (of which @k positive),
 * would narrow the two-sided @conf interval to +-@half (e.g. 0.02): the
 * smallest m >= 0 with (hi - lo) / 2 <= half at the same observed rate;
 * -1 when even 10^7 would not.
 */
long estimate_labels_for(double k, double n, double conf, double half);

#endif
