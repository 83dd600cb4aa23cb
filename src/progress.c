/*
 * progress.c - progress bar (see progress.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/progress.h"
#include "src/util.h"

void
progress_start(struct progress *pr, const char *label, const char *unit,
	       int64_t total)
{
	const char *env = getenv("NEGSIEVE_PROGRESS");

	memset(pr, 0, sizeof(*pr));
	pr->label = label;
	pr->unit = unit;
	pr->total = total;
	pr->start = now_seconds();
	pr->active = isatty(2) && !(env && strcmp(env, "0") == 0);
}

static void
progress_fmt_time(char *buf, size_t size, double s)
{
	long t = (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60,
			 t % 60);
	else
		snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

static void
progress_draw(struct progress *pr, double now)
{
	double el = now - pr->start;
	double rate = el > 0 ? (double)pr->done / el : 0;
	char eta[32] = "";

	if (pr->total > 0) {
		int width = 30;
		int fill = (int)((double)pr->done / (double)pr->total * width);
		char bar[64];

		if (fill > width)
			fill = width;
		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(width - fill));
		bar[width] = '\0';
		if (rate > 0 && pr->done < pr->total)
			progress_fmt_time(eta, sizeof(eta),
					  (double)(pr->total - pr->done) /
					  rate);
		fprintf(stderr, "\r%s [%s] %lld/%lld %s, %.0f/s%s%s\033[K",
			pr->label, bar, (long long)pr->done,
			(long long)pr->total, pr->unit, rate,
			eta[0] ? ", ETA " : "", eta);
	} else {
		fprintf(stderr, "\r%s %lld %s, %.0f/s\033[K", pr->label,
			(long long)pr->done, pr->unit, rate);
	}
	fflush(stderr);
	pr->last_draw = now;
}

void
progress_update(struct progress *pr, int64_t done)
{
	double now;

	pr->done = done;
	if (!pr->active)
		return;
	now = now_seconds();
	if (now - pr->last_draw >= 0.1)
		progress_draw(pr, now);
}

void
progress_finish(struct progress *pr)
{
	if (pr->active && pr->last_draw > 0) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
	pr->active = false;
}
