/*
 * progress.h - a progress bar with rate and ETA on stderr, shown only when
 * stderr is a terminal; silent otherwise.
 */
#ifndef NS_PROGRESS_H
#define NS_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	const char *label;	/* e.g. "import" */
	const char *unit;	/* e.g. "records" */
	int64_t total;		/* 0 when unknown (no bar, no ETA) */
	int64_t done;
	double start;		/* seconds */
	double last_draw;	/* seconds */
	bool active;		/* stderr is a terminal and not disabled */
};

/* Start; @total may be 0 (unknown).  Honours NEGSIEVE_PROGRESS=0. */
void progress_start(struct progress *pr, const char *label, const char *unit,
		    int64_t total);

/* Set the count done; redraws at most ~10 times a second. */
void progress_update(struct progress *pr, int64_t done);

/* Clear the bar line. */
void progress_finish(struct progress *pr);

#endif
