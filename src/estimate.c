/*
 * estimate.c - incomplete beta, Clopper-Pearson bounds (see estimate.h).
 *
 * I_x(a, b) is evaluated with its continued fraction (modified Lentz), on
 * the side of x where it converges fast (x < (a + 1) / (a + b + 2)), and
 * the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) on the other; the quantile
 * by bisection, which cannot fail to converge and is fast enough here
 * (a fit asks for a few hundred bounds).
 */
#include <math.h>

#include "src/estimate.h"

#define EST_EPS 1e-15
#define EST_TINY 1e-300

/* The continued fraction of I_x(a, b) without its prefactor. */
static double
estimate_beta_cf(double a, double b, double x)
{
	double qab = a + b, qap = a + 1.0, qam = a - 1.0;
	double c = 1.0, d = 1.0 - qab * x / qap, h;

	if (fabs(d) < EST_TINY)
		d = EST_TINY;
	d = 1.0 / d;
	h = d;
	for (int m = 1; m <= 10000; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < EST_TINY)
			d = EST_TINY;
		c = 1.0 + aa / c;
		if (fabs(c) < EST_TINY)
			c = EST_TINY;
		d = 1.0 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < EST_TINY)
			d = EST_TINY;
		c = 1.0 + aa / c;
		if (fabs(c) < EST_TINY)
			c = EST_TINY;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < EST_EPS)
			break;
	}
	return h;
}

double
estimate_beta_inc(double a, double b, double x)
{
	double front;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
		    b * log1p(-x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * estimate_beta_cf(a, b, x) / a;
	return 1.0 - front * estimate_beta_cf(b, a, 1.0 - x) / b;
}

double
estimate_beta_quantile(double a, double b, double p)
{
	double lo = 0.0, hi = 1.0;

	if (p <= 0.0)
		return 0.0;
	if (p >= 1.0)
		return 1.0;
	for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
		double mid = 0.5 * (lo + hi);

		if (estimate_beta_inc(a, b, mid) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

double
estimate_cp_upper(double k, double n, double conf)
{
	if (n <= 0.0 || k >= n)
		return 1.0;
	if (k < 0.0)
		k = 0.0;
	return estimate_beta_quantile(k + 1.0, n - k, conf);
}

double
estimate_cp_lower(double k, double n, double conf)
{
	if (n <= 0.0 || k <= 0.0)
		return 0.0;
	if (k > n)
		k = n;
	return estimate_beta_quantile(k, n - k + 1.0, 1.0 - conf);
}

void
estimate_cp_interval(double k, double n, double conf, double *lo, double *hi)
{
	double tail = (1.0 + conf) / 2.0;

	*lo = estimate_cp_lower(k, n, tail);
	*hi = estimate_cp_upper(k, n, tail);
}

/* Half the width of the interval with @n labels at rate @p. */
static double
estimate_half_width(double p, double n, double conf)
{
	double lo, hi;

	estimate_cp_interval(p * n, n, conf, &lo, &hi);
	return (hi - lo) / 2.0;
}

long
estimate_labels_for(double k, double n, double conf, double half)
{
	double p = n > 0 ? k / n : 0.5;
	long lo = 0, hi = 1;

	if (estimate_half_width(p, n, conf) <= half)
		return 0;
	while (estimate_half_width(p, n + (double)hi, conf) > half) {
		lo = hi;
		hi *= 2;
		if (hi > 10000000L)
			return -1;
	}
	while (hi - lo > 1) {
		long mid = lo + (hi - lo) / 2;

		if (estimate_half_width(p, n + (double)mid, conf) > half)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}
