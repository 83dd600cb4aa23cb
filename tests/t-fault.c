/*
 * t-fault.c - fault injection in SQLite's spirit: import, mine, a review
 * decision, export, cascade, fit, and the rebuild of a stale full-text
 * index by import and by mine --method bm25 (one row of scenarios[] each)
 * are run with SQLite's Nth write, sync or allocation failing
 * (db/faultvfs.c), for N over the whole run.  Each run must either
 * complete as an unfaulted run does, or stop with a clear message
 * ("negsieve: ...", a documented exit status, no crash) and leave the
 * project as it was before the command (for review: the decision log as it
 * was before the key, and every decision on it acknowledged on screen).
 * A review on a disk that fills up (every write from the Nth on failing)
 * must store all its decisions or say which keys were not saved, at once
 * and at quit, and exit 4 (test_review_full_disk()).
 *
 * This program is both the test and the negsieve under test: with
 * arguments it is negsieve (src/main.c is compiled into it with its main
 * renamed) with the shim installed and armed from $NEGSIEVE_FAULT
 * ("KIND:N" or "KIND:N:persist"); its operation counts go to
 * $NEGSIEVE_FAULT_REPORT.  Without arguments it runs the test, starting
 * itself for every command.  The shim is never in the shipped binary.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/faultvfs.h"
#include "src/util.h"
#include "tests/tap.h"

#undef main		/* built with -Dmain=negsieve_main for src/main.c */
int negsieve_main(int argc, char **argv);

/* --- negsieve with the shim --------------------------------------------- */

static void
fault_report(void)
{
	const char *path = getenv("NEGSIEVE_FAULT_REPORT");
	FILE *fp;

	if (!path || !(fp = fopen(path, "w")))
		return;
	fprintf(fp, "%ld %ld %ld %ld\n", faultvfs_count(FAULTVFS_WRITE),
		faultvfs_count(FAULTVFS_SYNC), faultvfs_count(FAULTVFS_ALLOC),
		faultvfs_fired());
	fclose(fp);
}

static int
fault_command(int argc, char **argv)
{
	const char *spec = getenv("NEGSIEVE_FAULT");
	char kind[16];
	long n = 0;
	int k, rc;

	if ((rc = faultvfs_install()) != 0) {
		fprintf(stderr, "t-fault: cannot install the shim: %d\n", rc);
		return 70;
	}
	if (spec && sscanf(spec, "%15[a-z]:%ld", kind, &n) == 2) {
		for (k = 0; k < FAULTVFS_NKINDS; k++)
			if (!strcmp(kind, faultvfs_kind_name(k)))
				faultvfs_arm(k, n, strstr(spec, ":persist"));
	}
	atexit(fault_report);
	return negsieve_main(argc, argv);
}

/* --- the test ------------------------------------------------------------ */

static char self[PATH_MAX];
static const char *tmp;

/* One command under test. */
struct scenario {
	const char *name;
	const char *base;	/* the project it starts from */
	const char *argv[8];	/* "@P": the project, "@D": the data file,
				 * "@O": an output file outside it, which a
				 * failed run must not leave behind */
	const char *keys;	/* review: the keys, else NULL */
	const char *keep;	/* tables whose changes do not count, "|a|b|" */
	const char *todo;	/* a known defect: a failed run that leaves
				 * its output file is reported as TODO with
				 * this reason, or NULL */
	const char *either;	/* tables a failed run may leave as they
				 * were or as the unfaulted run left them
				 * (a first transaction of its own), or
				 * NULL */
};

static const struct scenario scenarios[] = {
	{ "import", "empty", { "import", "@P", "@D", NULL }, NULL, "", NULL,
	  NULL },
	{ "mine", "embedded", { "mine", "--index", "Flat", "@P", NULL }, NULL,
	  "", NULL, NULL },
	/* the decision log is what a key changes; the session and lease
	 * rows are bookkeeping of opening and closing the review */
	{ "review decision", "mined", { "review", "@P", NULL }, "x\nq\n",
	  "|annotator|review_session|review_lease|", NULL, NULL },
	{ "export", "mined", { "export", "-o", "@O", "@P", NULL }, NULL, "",
	  NULL, NULL },
	/* every verdict written in bulk (a first run; a fit's new
	 * version), and a re-run writing the few that changed after three
	 * decisions */
	{ "cascade", "mined", { "cascade", "@P", NULL }, NULL, "", NULL,
	  NULL },
	{ "cascade again", "cascaded", { "cascade", "@P", NULL }, NULL, "",
	  NULL, NULL },
	{ "fit", "cascaded", { "fit", "@P", NULL }, NULL, "", NULL, NULL },
	/* an import with the index on over one an import without it left
	 * stale: the whole index built again in the import's transaction */
	{ "import rebuilding a stale index", "stale",
	  { "import", "--again", "@P", "@D", NULL }, NULL, "", NULL, NULL },
	/* mine --method bm25 rebuilds a stale index first, in a transaction
	 * of its own: a run failing after it keeps the rebuilt index */
	{ "mine bm25 on a stale index", "stale",
	  { "mine", "--method", "bm25", "@P", NULL }, NULL, "", NULL,
	  "|meta|passage_fts_data|passage_fts_idx|passage_fts_docsize|"
	  "passage_fts_config|query_fts_data|query_fts_idx|"
	  "query_fts_docsize|query_fts_config|" },
};

struct outcome {
	int status;		/* exit status, or 128 + signal */
	char err[2048];		/* standard error */
	long counts[4];		/* write, sync, alloc, fired */
};

/* Run this program as negsieve with @args (NULL-terminated) and the
 * environment additions @env ("K=V", NULL-terminated). */
static void
run(const char *const *args, const char *const *env, struct outcome *o)
{
	char *errpath = xasprintf("%s/stderr", tmp);
	char *rep = xasprintf("%s/report", tmp);
	FILE *fp;
	pid_t pid;
	int st = 0;
	size_t n;

	memset(o, 0, sizeof(*o));
	unlink(rep);
	pid = fork();
	if (pid == 0) {
		const char *argv[16];
		int i = 0, fd;

		argv[i++] = self;
		for (; *args && i < 15; args++)
			argv[i++] = *args;
		argv[i] = NULL;
		for (; env && *env; env++)
			putenv((char *)*env);
		setenv("NEGSIEVE_FAULT_REPORT", rep, 1);
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		execv(self, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	o->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if ((fp = fopen(errpath, "r"))) {
		n = fread(o->err, 1, sizeof(o->err) - 1, fp);
		o->err[n] = '\0';
		fclose(fp);
	}
	if ((fp = fopen(rep, "r"))) {
		if (fscanf(fp, "%ld %ld %ld %ld", &o->counts[0], &o->counts[1],
			   &o->counts[2], &o->counts[3]) != 4)
			o->counts[3] = -1;
		fclose(fp);
	}
	free(errpath);
	free(rep);
}

static int
sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The content of the project database: per table "name rows hash" (the
 * hash left out when @shape), one per line, less the tables in @keep (and
 * with @only, only those in it); then the integrity check.  Rows of
 * unfinished mining runs are left out (see below).  Caller frees. */
static char *
digest_only(const char *proj, const char *keep, const char *only, int shape)
{
	char *path = xasprintf("%s/negsieve.db", proj);
	struct strbuf out, row;
	sqlite3 *h = NULL;
	sqlite3_stmt *tl = NULL, *st;

	strbuf_init(&out);
	strbuf_init(&row);
	if (sqlite3_open(path, &h) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT name FROM sqlite_schema WHERE "
			       "type = 'table' AND name NOT LIKE 'sqlite_%' "
			       "ORDER BY name", -1, &tl, NULL) != SQLITE_OK) {
		strbuf_addf(&out, "cannot open: %s\n", sqlite3_errmsg(h));
		goto out;
	}
	while (sqlite3_step(tl) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(tl, 0);
		char *pat = xasprintf("|%s|", name), *sql;
		long rows = 0;

		if (strstr(keep, pat) || (only && !strstr(only, pat))) {
			free(pat);
			continue;
		}
		free(pat);
		/* an unfinished mining run (state 'mining', kept for
		 * resuming) is invisible to every reader: what counts is
		 * the finished runs and their rows */
		if (!strcmp(name, "run"))
			sql = xstrdup("SELECT * FROM run WHERE state = 'done'");
		else if (!strcmp(name, "candidate") ||
			 !strcmp(name, "run_pool") ||
			 !strcmp(name, "run_positive"))
			sql = xasprintf("SELECT * FROM \"%s\" WHERE run_id IN "
					"(SELECT id FROM run WHERE state = "
					"'done')", name);
		else
			sql = xasprintf("SELECT * FROM \"%s\"", name);
		strbuf_reset(&row);
		if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
			while (sqlite3_step(st) == SQLITE_ROW) {
				for (int c = 0; c < sqlite3_column_count(st);
				     c++) {
					strbuf_addch(&row, '0' +
						     sqlite3_column_type(st, c));
					strbuf_add(&row, sqlite3_column_blob(
							   st, c),
						   (size_t)sqlite3_column_bytes(
							   st, c));
				}
				rows++;
			}
			sqlite3_finalize(st);
		}
		free(sql);
		if (shape)
			strbuf_addf(&out, "%s %ld\n", name, rows);
		else
			strbuf_addf(&out, "%s %ld %016llx\n", name, rows,
				    (unsigned long long)hash64(
					    row.buf ? row.buf : "", row.len));
	}
	sqlite3_finalize(tl);
	if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) ==
	    SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			strbuf_addf(&out, "integrity %s\n",
				    sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
out:
	sqlite3_close(h);
	free(path);
	strbuf_fini(&row);
	return strbuf_detach(&out, NULL);
}

static char *
digest(const char *proj, const char *keep, int shape)
{
	return digest_only(proj, keep, NULL, shape);
}

/* The files of project @proj (and its subdirectories), without SQLite's
 * -wal, -shm and -journal files and review.log.  Caller frees. */
static char *
listing(const char *proj)
{
	char *cmd = xasprintf("cd '%s' && find . -type f ! -name '*-wal' "
			      "! -name '*-shm' ! -name '*-journal' ! -name "
			      "review.log | sort", proj);
	struct strbuf sb;
	char buf[4096];
	FILE *fp = popen(cmd, "r");
	size_t n;

	strbuf_init(&sb);
	strbuf_addstr(&sb, "");
	while (fp && (n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_add(&sb, buf, n);
	if (fp)
		pclose(fp);
	free(cmd);
	return strbuf_detach(&sb, NULL);
}

/* Lines of @path that start with @prefix. */
static long
count_lines(const char *path, const char *prefix)
{
	char line[4096];
	long n = 0;
	FILE *fp = fopen(path, "r");

	while (fp && fgets(line, sizeof(line), fp))
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	if (fp)
		fclose(fp);
	return n;
}

static long
decisions(const char *proj)
{
	char *cmd = xasprintf("sqlite3 '%s/negsieve.db' 'SELECT count(*) "
			      "FROM decision'", proj);
	FILE *fp = popen(cmd, "r");
	long n = -1;

	if (fp) {
		if (fscanf(fp, "%ld", &n) != 1)
			n = -1;
		pclose(fp);
	}
	free(cmd);
	return n;
}

/* Is @o a clean failure: a documented status, and a message of lines
 * that all start "negsieve: " and say what failed (not SQLite's "not an
 * error", not an internal error)? */
static bool
clean_failure(const struct outcome *o)
{
	const char *p = o->err;

	if (!(o->status == 3 || o->status == 4 || o->status == 5 ||
	      o->status == 9) || !*p || strstr(p, "internal") ||
	    strstr(p, "not an error"))
		return false;
	for (; *p; p = strchr(p, '\n') + 1) {
		if (strncmp(p, "negsieve: ", 10) != 0 || !strchr(p, '\n'))
			return false;
	}
	return true;
}

/*
 * The Ns to try for a kind that ran @count times unfaulted, into *@ns
 * (caller frees): every one up to T_FAULT_POINTS (default 16), else the
 * first half of that many and the other half spread evenly over the rest.
 * T_FAULT_POINTS=all tries every N (minutes: thousands of allocations).
 */
static int
pick(long count, long **ns)
{
	const char *env = getenv("T_FAULT_POINTS");
	long max = env && !strcmp(env, "all") ? count : env ? atol(env) : 16;
	int k = 0;

	if (max < 2)
		max = 2;
	*ns = xcalloc((size_t)(count < max ? count : max) + 1, sizeof(**ns));
	if (count <= max) {
		for (long n = 1; n <= count; n++)
			(*ns)[k++] = n;
		return k;
	}
	for (long n = 1; n <= max / 2; n++)
		(*ns)[k++] = n;
	for (long i = 1; i <= max - max / 2; i++)
		(*ns)[k++] = max / 2 + (count - max / 2) * i / (max - max / 2);
	return k;
}

static void
prepare(const char *data)
{
	FILE *fp = fopen(data, "w");
	char *cmd;

	for (int i = 1; i <= 30; i++)
		fprintf(fp, "{\"query\": \"question %d about topic %d\", "
			"\"pos\": [\"answer %d about topic %d\"], \"neg\": "
			"[\"other %d\", \"more text %d\", \"topic %d again\"]}\n",
			i, i % 7, i, i % 7, i, i, i % 7);
	fclose(fp);
	cmd = xasprintf("cd '%s' && '%s' init empty >/dev/null && "
			"cp -a empty stale && "
			"'%s' import --no-fts stale '%s' >/dev/null && "
			"cp -a empty embedded && "
			"'%s' import embedded '%s' >/dev/null && "
			"'%s' embed --dim 32 embedded >/dev/null && "
			"cp -a embedded mined && "
			"'%s' mine --index Flat mined >/dev/null && "
			"cp -a mined cascaded && "
			"'%s' cascade cascaded >/dev/null && "
			"printf 'x\\nx\\nx\\nq\\n' >keys3 && "
			"NEGSIEVE_REVIEW_SCRIPT=keys3 '%s' review cascaded "
			">/dev/null",
			tmp, self, self, data, self, data, self, self, self,
			self);
	if (sh(cmd) != 0)
		ok(false, "the base projects are made");
	free(cmd);
}

static void
scenario_run(const struct scenario *sc, const char *data)
{
	static const struct {
		enum faultvfs_kind kind;
		bool persist;
	} kinds[] = {
		{ FAULTVFS_WRITE, false }, { FAULTVFS_WRITE, true },
		{ FAULTVFS_SYNC, false }, { FAULTVFS_ALLOC, false },
	};
	char *base = xasprintf("%s/%s", tmp, sc->base);
	char *proj = xasprintf("%s/p", tmp);
	char *keys = xasprintf("%s/keys", tmp);
	char *ack = xasprintf("%s/ack", tmp);
	char *outf = xasprintf("%s/out.jsonl", tmp);
	char *reset = xasprintf("rm -rf '%s' '%s' '%s' && cp -a '%s' '%s'",
				proj, ack, outf, base, proj);
	char *env_keys = xasprintf("NEGSIEVE_REVIEW_SCRIPT=%s", keys);
	char *env_ack = xasprintf("NEGSIEVE_REVIEW_ACK=%s", ack);
	/* the tables compared whole, and those in sc->either compared
	 * with both their states */
	char *keep = xasprintf("%s%s", sc->keep, sc->either ? sc->either : "");
	char *e_before = NULL, *e_after = NULL;
	const char *args[8];
	char *before, *files, *shape;
	struct outcome ref, o;
	FILE *fp;

	for (int i = 0; i < 8; i++)
		args[i] = !sc->argv[i] ? NULL : !strcmp(sc->argv[i], "@P") ?
			  proj : !strcmp(sc->argv[i], "@D") ? data :
			  !strcmp(sc->argv[i], "@O") ? outf : sc->argv[i];
	if (sc->keys && (fp = fopen(keys, "w"))) {
		fputs(sc->keys, fp);
		fclose(fp);
	}
	{
		const char *env[] = { env_keys, env_ack, NULL };

		before = digest(base, keep, 0);
		files = listing(base);
		sh(reset);
		run(args, env, &ref);
		shape = digest(proj, sc->keep, 1);
		if (sc->either) {
			e_before = digest_only(base, sc->keep, sc->either, 0);
			e_after = digest_only(proj, sc->keep, sc->either, 0);
		}
		if (!ok(ref.status == 0 && ref.counts[3] == 0, "%s: runs "
			"unfaulted (%ld writes, %ld syncs, %ld allocations)",
			sc->name, ref.counts[0], ref.counts[1],
			ref.counts[2]))
			diag("status %d: %s", ref.status, ref.err);
	}
	for (size_t k = 0; k < NS_ARRAY_SIZE(kinds); k++) {
		const char *kname = faultvfs_kind_name(kinds[k].kind);
		long *ns;
		int nn = pick(ref.counts[kinds[k].kind], &ns);
		long fired = 0, failed = 0, bad = 0, left = 0;
		char first_bad[2600 + 64] = "";
		char spec[64];

		for (int i = 0; i < nn; i++) {
			const char *env[] = { spec, env_keys, env_ack, NULL };
			char why[2600] = "";
			char *now;

			snprintf(spec, sizeof(spec), "NEGSIEVE_FAULT=%s:%ld%s",
				 kname, ns[i], kinds[k].persist ? ":persist" :
				 "");
			sh(reset);
			run(args, env, &o);
			fired += o.counts[3] > 0;
			if (o.status >= 128) {
				snprintf(why, sizeof(why), "killed by signal "
					 "%d", o.status - 128);
			} else if (o.status == 0) {
				/* completed: as an unfaulted run, or (review)
				 * the error was on the status line */
				now = digest(proj, sc->keep, 1);
				if (!sc->keys && strcmp(now, shape))
					snprintf(why, sizeof(why), "completed "
						 "with other contents:\n%s",
						 now);
				free(now);
			} else {
				char *e = sc->either ? digest_only(proj,
						sc->keep, sc->either, 0) : NULL;

				failed++;
				now = digest(proj, keep, 0);
				if (!clean_failure(&o))
					snprintf(why, sizeof(why), "status %d, "
						 "unclear message: %s",
						 o.status, o.err);
				else if (strcmp(now, before))
					snprintf(why, sizeof(why), "failed "
						 "(%s) but changed the project:"
						 "\n%s", o.err, now);
				else if (e && strcmp(e, e_before) &&
					 strcmp(e, e_after))
					snprintf(why, sizeof(why), "failed "
						 "(%s) leaving %s neither as "
						 "before nor as an unfaulted "
						 "run:\n%s", o.err, sc->either,
						 e);
				else if (access(outf, F_OK) == 0) {
					snprintf(why, sizeof(why), "failed (%s) "
						 "but left its output file",
						 o.err);
					left++;
				}
				else {
					char *l = listing(proj);

					if (strcmp(l, files))
						snprintf(why, sizeof(why),
							 "failed (%s) but left "
							 "files:\n%s", o.err, l);
					free(l);
				}
				free(now);
				free(e);
			}
			if (!why[0] && sc->keys) {
				/* every decision in the log acknowledged,
				 * and a key that made none said why */
				long d = decisions(proj);
				long a = count_lines(ack, "ack ");
				long e = count_lines(ack, "err ");

				if (d != a)
					snprintf(why, sizeof(why), "%ld "
						 "decisions, %ld acknowledged",
						 d, a);
				else if (o.status == 0 && d == 0 && e == 0)
					snprintf(why, sizeof(why), "no "
						 "decision and no error shown");
			}
			if (why[0] && getenv("T_FAULT_VERBOSE"))
				diag("%s: %s", spec + 15, why);
			if (why[0]) {
				if (!bad++)
					snprintf(first_bad, sizeof(first_bad),
						 "%s: %s", spec + 15, why);
			}
		}
		if (bad > 0 && bad == left && sc->todo) {
			todo_fail(sc->todo, "%s: %s fault%s at %d points: each "
				  "run completes or fails cleanly, leaving the "
				  "project as it was", sc->name, kname,
				  kinds[k].persist ? "s from N on" : "", nn);
			diag("%ld runs left the output file; the first: %s",
			     bad, first_bad);
		} else if (!ok(bad == 0, "%s: %s fault%s at %d points: each "
			       "run completes or fails cleanly, leaving the "
			       "project as it was", sc->name, kname,
			       kinds[k].persist ? "s from N on" : "", nn)) {
			diag("%ld bad runs; the first: %s", bad, first_bad);
		}
		diag("%s, %s%s: %d runs, %ld faults injected, %ld stopped "
		     "with a message", sc->name, kname, kinds[k].persist ?
		     " persistent" : "", nn, fired, failed);
		ok(fired > 0, "%s: %s faults were injected", sc->name, kname);
		free(ns);
	}
	free(before);
	free(files);
	free(shape);
	free(base);
	free(proj);
	free(keys);
	free(ack);
	free(outf);
	free(reset);
	free(env_keys);
	free(env_ack);
	free(keep);
	free(e_before);
	free(e_after);
}

/* The syncs of one review run from the mined project with @keys. */
static long
review_syncs(const char *keys)
{
	char *proj = xasprintf("%s/s", tmp);
	char *kf = xasprintf("%s/skeys", tmp);
	char *env_keys = xasprintf("NEGSIEVE_REVIEW_SCRIPT=%s", kf);
	char *reset = xasprintf("rm -rf '%s' && cp -a '%s/mined' '%s'", proj,
				tmp, proj);
	const char *args[] = { "review", proj, NULL };
	const char *env[] = { env_keys, NULL };
	struct outcome o;
	FILE *fp;

	if ((fp = fopen(kf, "w"))) {
		fputs(keys, fp);
		fclose(fp);
	}
	sh(reset);
	run(args, env, &o);
	if (o.status != 0)
		diag("review with keys %s: status %d: %s", keys, o.status,
		     o.err);
	free(proj);
	free(kf);
	free(env_keys);
	free(reset);
	return o.status == 0 ? o.counts[1] : -1;
}

/* A query change hands its lease over without waiting for the disk; a
 * decision still waits for its fsync (decision_lazy_commits()). */
static void
test_review_syncs(void)
{
	long none = review_syncs("q\n"), moves = review_syncs(">\n>\n>\nq\n");
	long decide = review_syncs("x\nq\n");

	ok(none > 0 && moves == none, "review: three query changes add no "
	   "sync (%ld syncs, %ld without them)", moves, none);
	ok(decide > none, "review: a decision adds a sync (%ld syncs, %ld "
	   "without it)", decide, none);
}

/* Lines of @path that start with @prefix and hold @needle. */
static long
count_lines_with(const char *path, const char *prefix, const char *needle)
{
	char line[4096];
	long n = 0;
	FILE *fp = fopen(path, "r");

	while (fp && fgets(line, sizeof(line), fp))
		n += strncmp(line, prefix, strlen(prefix)) == 0 &&
		     strstr(line, needle) != NULL;
	if (fp)
		fclose(fp);
	return n;
}

/*
 * A disk that fills up during a review: every write from the Nth on
 * fails (write:N:persist), for every N of the session.  x decides one
 * candidate (the next is in the same query), X the rest of the query
 * (then the next query is leased: a write), x one of the next query.
 * A run that exits 0 stored every decision the unfaulted run stores; a
 * key whose decision was not saved says so on the status line at once
 * (an "err" acknowledgement) and at quit on stderr with how many, and
 * the review exits 4.  It exited 0 with one decision of 150 stored.
 */
static void
test_review_full_disk(void)
{
	char *proj = xasprintf("%s/fd", tmp);
	char *kf = xasprintf("%s/fdkeys", tmp);
	char *ack = xasprintf("%s/fdack", tmp);
	char *env_keys = xasprintf("NEGSIEVE_REVIEW_SCRIPT=%s", kf);
	char *env_ack = xasprintf("NEGSIEVE_REVIEW_ACK=%s", ack);
	char *reset = xasprintf("rm -rf '%s' '%s' && cp -a '%s/mined' '%s'",
				proj, ack, tmp, proj);
	const char *args[] = { "review", proj, NULL };
	char spec[64], first_bad[2600 + 64] = "";
	long ref, writes, bad = 0, partial = 0, moved = 0, stopped = 0;
	struct outcome o;
	FILE *fp;

	if ((fp = fopen(kf, "w"))) {
		fputs("x\nX\nx\nq\n", fp);
		fclose(fp);
	}
	{
		const char *env[] = { env_keys, env_ack, NULL };

		sh(reset);
		run(args, env, &o);
		ref = decisions(proj);
		writes = o.counts[0];
		if (!ok(o.status == 0 && ref > 2, "full disk: the review runs "
			"unfaulted (%ld decisions, %ld writes)", ref, writes))
			diag("status %d: %s", o.status, o.err);
	}
	for (long n = 1; n <= writes; n++) {
		const char *env[] = { spec, env_keys, env_ack, NULL };
		char why[2600] = "", want[96];
		long d, a, e;

		snprintf(spec, sizeof(spec), "NEGSIEVE_FAULT=write:%ld:persist",
			 n);
		sh(reset);
		run(args, env, &o);
		d = decisions(proj);
		a = count_lines(ack, "ack ");
		e = count_lines_with(ack, "err ", "not saved");
		moved += count_lines_with(ack, "err ", "Saved, but cannot "
					  "move on") > 0;
		partial += d > 0 && d < ref;
		stopped += e > 0;
		snprintf(want, sizeof(want), "negsieve: review: %ld key%s could "
			 "not be saved", e, e > 1 ? "s" : "");
		if (d != a)
			snprintf(why, sizeof(why), "%ld decisions, %ld "
				 "acknowledged", d, a);
		else if (o.status == 0 && d != ref)
			snprintf(why, sizeof(why), "status 0 with %ld of %ld "
				 "decisions stored", d, ref);
		else if (e > 0 && (o.status != 4 || !strstr(o.err, want)))
			snprintf(why, sizeof(why), "%ld keys not saved on "
				 "screen, but status %d and: %s", e, o.status,
				 o.err);
		if (why[0] && !bad++)
			snprintf(first_bad, sizeof(first_bad), "write:%ld:"
				 "persist: %s", n, why);
	}
	if (!ok(bad == 0, "full disk: each of %ld review runs stores all its "
		"decisions or says at once and at quit which keys were not "
		"saved, and exits 4", writes))
		diag("%ld bad runs; the first: %s", bad, first_bad);
	ok(partial > 0 && stopped > 0, "full disk: runs that stored some "
	   "decisions and then could not (%ld), keys not saved (%ld runs)",
	   partial, stopped);
	ok(moved > 0, "full disk: a decision saved whose move to the next "
	   "query failed says both at once (%ld runs)", moved);
	free(proj);
	free(kf);
	free(ack);
	free(env_keys);
	free(env_ack);
	free(reset);
}

int
main(int argc, char **argv)
{
	char *data;
	ssize_t n;

	if (argc > 1)
		return fault_command(argc, argv);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		printf("1..0 # SKIP no /proc/self/exe\n");
		return 0;
	}
	self[n] = '\0';
	if (sh("command -v sqlite3 >/dev/null") != 0) {
		printf("1..0 # SKIP no sqlite3\n");
		return 0;
	}
	/* no re-exec for OpenMP settings in every run; tmpfs when there is
	 * one (the faults are injected above the file system) */
	setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
	setenv("OPENBLAS_NUM_THREADS", "1", 1);
	setenv("NEGSIEVE_PROGRESS", "0", 1);
	if (!getenv("TMPDIR") && access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
	tmp = tap_tmpdir();
	data = xasprintf("%s/data.jsonl", tmp);
	prepare(data);
	test_review_syncs();
	test_review_full_disk();
	for (size_t i = 0; i < NS_ARRAY_SIZE(scenarios); i++)
		scenario_run(&scenarios[i], data);
	free(data);
	return tap_done();
}
