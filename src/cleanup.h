/*
 * cleanup.h - temporary files that must not outlive an interrupted
 * command.
 *
 * A command registers each temporary file it creates and unregisters it
 * once the file is renamed into place or removed.  After
 * cleanup_catch_signals(), SIGINT, SIGTERM and SIGHUP remove every
 * registered file and then end the process as the signal would have (the
 * default action, re-raised), so the shell still sees "killed by SIGINT".
 * SIGKILL cannot be caught: whatever removes stale temporaries at the next
 * run (e.g. vecstore_sweep()) handles that case.
 */
#ifndef NS_CLEANUP_H
#define NS_CLEANUP_H

#include <signal.h>

/* Room for this many registered files at once; more are not removed on a
 * signal (cleanup_add() returns -1). */
#define CLEANUP_MAX 8

/* Register @path (copied; at most PATH_MAX bytes).  0, or -1 when the
 * table is full or the path too long. */
int cleanup_add(const char *path);

/* Unregister @path (a no-op when it is not registered). */
void cleanup_remove(const char *path);

/*
 * Hold the three signals (they wait) until cleanup_release(): around a
 * commit and the cleanup_remove() of the files it made permanent, so that
 * a signal cannot remove a file the database already names.  Not nested.
 */
void cleanup_hold(void);
void cleanup_release(void);

/*
 * Output written by a signal too: an output buffer whose first *@len
 * bytes (whole records) are still to be written to @fd; the handler
 * write()s them before it removes the files and ends the process, so the
 * records made before the signal are not lost.  One at a time;
 * cleanup_output(-1, NULL, NULL) unregisters it.  The owner publishes
 * *@len only after the bytes are in the buffer, and sets *@busy while it
 * writes the buffer itself (the handler then writes nothing: what it
 * would write may be half written already).
 */
void cleanup_output(int fd, const char *buf, volatile sig_atomic_t *len,
		    volatile sig_atomic_t *busy);

/* Install the handlers for SIGINT, SIGTERM and SIGHUP. */
void cleanup_catch_signals(void);

/*
 * The temporary file an output @target is written to before it is
 * renamed over @target: "@target.tmp-PID" with this process's pid (caller
 * frees), so that cleanup_stale() can tell whose it is.
 */
char *cleanup_tmp_name(const char *target);

/*
 * Remove what processes killed by SIGKILL left while writing @target:
 * the regular files beside it named exactly "@target.tmp-PID" (PID in
 * decimal, no leading zero) whose process is gone (kill(PID, 0) fails
 * with ESRCH), each said on stderr.  Not this process's own name (its
 * writer replaces it), and not the file of a live process, e.g. a second
 * shard given the same --output by mistake.  Only processes of this
 * machine are seen: on a directory shared between machines, a file of a
 * process running elsewhere under a pid unused here counts as stale.
 * Returns the number of files removed.
 */
int cleanup_stale(const char *target);

#endif
