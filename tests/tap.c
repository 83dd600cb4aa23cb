/*
 * tap.c - the unit-test harness (see tap.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/tap.h"

static int tap_n, tap_failed;
static char tap_tmp[256];

bool
ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

void
skip(const char *reason, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("ok %d - ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", reason);
	fflush(stdout);
}

void
todo_fail(const char *reason, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("not ok %d - ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # TODO %s\n", reason);
	fflush(stdout);
}

void
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

bool
is_int(long long got, long long want, const char *name)
{
	if (!ok(got == want, "%s", name))
		diag("got %lld, want %lld", got, want);
	return got == want;
}

bool
is_dbl(double got, double want, double tol, const char *name)
{
	bool c = fabs(got - want) <= tol;

	if (!ok(c, "%s", name))
		diag("got %.9g, want %.9g (tolerance %g)", got, want, tol);
	return c;
}

bool
is_str(const char *got, const char *want, const char *name)
{
	bool c = (got && want) ? strcmp(got, want) == 0 : got == want;

	if (!ok(c, "%s", name))
		diag("got '%s', want '%s'", got ? got : "(null)",
		     want ? want : "(null)");
	return c;
}

const char *
tap_data(const char *rel)
{
	static char path[1024];
	const char *base = getenv("NEGSIEVE_DATA");
	struct stat st;

	if (!base)
		base = "../shared/data";
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	if (stat(path, &st) != 0)
		return NULL;
	return path;
}

const char *
tap_tmpdir(void)
{
	if (!tap_tmp[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(tap_tmp, sizeof(tap_tmp), "%s/ns-test-XXXXXX",
			 t ? t : "/tmp");
		if (!mkdtemp(tap_tmp)) {
			perror("mkdtemp");
			exit(99);
		}
	}
	return tap_tmp;
}

int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_tmp[0]) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tap_tmp);
		if (system(cmd) != 0)
			diag("could not remove %s", tap_tmp);
	}
	return tap_failed ? 1 : 0;
}
