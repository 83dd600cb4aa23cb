/*
 * tap.h - a tiny TAP producer for the unit tests (run by automake's TAP
 * driver).  Each check prints "ok N - name" or "not ok N - name" with a
 * diagnostic; tap_done() prints the plan and returns the exit status.
 */
#ifndef NS_TAP_H
#define NS_TAP_H

#include <stdbool.h>

/* Record one check; returns @cond. */
bool ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool is_int(long long got, long long want, const char *name);
bool is_dbl(double got, double want, double tol, const char *name);
bool is_str(const char *got, const char *want, const char *name);
/* A check that cannot run here: "ok N - name # SKIP reason". */
void skip(const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A known failure, reported and not counted: "not ok N - NAME # TODO
 * REASON" (automake's driver shows it as XFAIL). */
void todo_fail(const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A "# ..." comment line. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the plan "1..N"; returns 0 if all passed, else 1. */
int tap_done(void);
/* A path under the shared test data ($NEGSIEVE_DATA, else
 * ../shared/data), or NULL if absent: then skip() what needs it. */
const char *tap_data(const char *rel);
/* A fresh temporary directory (removed by tap_done()). */
const char *tap_tmpdir(void);

#endif
