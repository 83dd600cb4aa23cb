/*
 * cleanup.c - temporary files removed on SIGINT/SIGTERM/SIGHUP (see
 * cleanup.h).
 *
 * The handler reads the table while the main program may be changing it,
 * so a slot is published in two steps: the path is written first and only
 * then the slot marked used (a sig_atomic_t); removing a slot clears the
 * mark first.  Signals are blocked while the table changes, so the handler
 * never sees a half-written slot.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/cleanup.h"
#include "src/util.h"

static char cleanup_paths[CLEANUP_MAX][PATH_MAX];
static volatile sig_atomic_t cleanup_used[CLEANUP_MAX];
static sigset_t cleanup_held;	/* the mask before cleanup_hold() */
/* cleanup_output(): set with signals blocked, read by the handler */
static int cleanup_out_fd = -1;
static const char *cleanup_out_buf;
static volatile sig_atomic_t *cleanup_out_len, *cleanup_out_busy;

static void
cleanup_block(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
}

int
cleanup_add(const char *path)
{
	size_t len = strlen(path);
	sigset_t old;
	int rc = -1;

	if (len >= PATH_MAX)
		return -1;
	cleanup_block(&old);
	for (int i = 0; i < CLEANUP_MAX; i++) {
		if (!cleanup_used[i]) {
			memcpy(cleanup_paths[i], path, len + 1);
			cleanup_used[i] = 1;
			rc = 0;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void
cleanup_remove(const char *path)
{
	sigset_t old;

	cleanup_block(&old);
	for (int i = 0; i < CLEANUP_MAX; i++)
		if (cleanup_used[i] && strcmp(cleanup_paths[i], path) == 0)
			cleanup_used[i] = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void
cleanup_hold(void)
{
	cleanup_block(&cleanup_held);
}

void
cleanup_release(void)
{
	sigprocmask(SIG_SETMASK, &cleanup_held, NULL);
}

void
cleanup_output(int fd, const char *buf, volatile sig_atomic_t *len,
	       volatile sig_atomic_t *busy)
{
	sigset_t old;

	cleanup_block(&old);
	cleanup_out_fd = fd;
	cleanup_out_buf = buf;
	cleanup_out_len = len;
	cleanup_out_busy = busy;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* write(), unlink() and raise() are async-signal-safe; nothing else is
 * used (errno is not restored: the process ends). */
static void
cleanup_on_signal(int sig)
{
	if (cleanup_out_fd >= 0 && !*cleanup_out_busy) {
		const char *p = cleanup_out_buf;
		size_t n = (size_t)*cleanup_out_len;

		while (n > 0) {
			ssize_t w = write(cleanup_out_fd, p, n);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			p += w;
			n -= (size_t)w;
		}
	}
	for (int i = 0; i < CLEANUP_MAX; i++)
		if (cleanup_used[i])
			unlink(cleanup_paths[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

void
cleanup_catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cleanup_on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction cur;

		/* a signal ignored by the parent (nohup) stays ignored */
		if (sigaction(sigs[i], NULL, &cur) == 0 &&
		    cur.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* --- what SIGKILL left -------------------------------------------------- */

char *
cleanup_tmp_name(const char *target)
{
	return xasprintf("%s.tmp-%ld", target, (long)getpid());
}

/* The pid that @s (the part after ".tmp-") names exactly, or 0. */
static pid_t
cleanup_tmp_pid(const char *s)
{
	long v = 0;

	if (*s < '1' || *s > '9')
		return 0;	/* empty, or a leading zero: not our name */
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (LONG_MAX - 9) / 10)
			return 0;
		v = v * 10 + (*s - '0');
	}
	return (pid_t)v == v ? (pid_t)v : 0;
}

int
cleanup_stale(const char *target)
{
	const char *slash = strrchr(target, '/');
	char *dir = slash ? xstrndup(target, (size_t)(slash - target + 1)) :
			    xstrdup(".");
	char *prefix = xasprintf("%s.tmp-", slash ? slash + 1 : target);
	size_t plen = strlen(prefix);
	struct dirent *de;
	int removed = 0;
	DIR *d;

	if (!(d = opendir(dir))) {
		free(dir);
		free(prefix);
		return 0;	/* the writer reports a directory it cannot use */
	}
	while ((de = readdir(d))) {
		pid_t pid;
		char *path;
		struct stat st;

		if (strncmp(de->d_name, prefix, plen) != 0 ||
		    !(pid = cleanup_tmp_pid(de->d_name + plen)) ||
		    pid == getpid())
			continue;
		/* EPERM: alive, someone else's; only ESRCH is gone */
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		path = slash ? xasprintf("%s%s", dir, de->d_name) :
			       xstrdup(de->d_name);
		/* a directory or a link of that name is no file of ours */
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    unlink(path) == 0) {
			fprintf(stderr, "negsieve: removed %s (%lld bytes), "
				"left by process %ld, which is no longer "
				"running\n", path, (long long)st.st_size,
				(long)pid);
			removed++;
		}
		free(path);
	}
	closedir(d);
	free(dir);
	free(prefix);
	return removed;
}
