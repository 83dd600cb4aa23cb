/*
 * db.c - opening the project database, migrations, statement cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/db.h"
#include "db/schema.h"
#include "src/perm.h"
#include "src/util.h"

struct db_stmt_slot {
	const char *key;	/* address of the SQL text */
	sqlite3_stmt *stmt;
};

struct db {
	sqlite3 *h;			/* the connection */
	int readonly;			/* opened read-only */
	char *dir;			/* project directory */
	struct db_stmt_slot *stmts;	/* prepared statement cache */
	size_t nstmts, capstmts;
	bool in_tx;			/* db_begin()'s transaction is open */
	bool (*pending)(void *);	/* db_interruptible() */
	void *pending_arg;
	bool interrupted;		/* pending() stopped a statement */
	bool (*wait)(void *, double);	/* db_on_wait() */
	void *wait_arg;
	double wait_last;		/* when wait() was last called */
	bool gave_up;			/* wait() gave a wait up */
	double busy_secs;		/* a wait's limit without wait() */
};

int
db_schema_version(void)
{
	int v = 0;

	for (const struct schema_migration *m = schema_migrations; m->sql; m++)
		if (m->version > v)
			v = m->version;
	return v;
}

sqlite3 *
db_handle(struct db *db)
{
	return db->h;
}

const char *
db_dir(struct db *db)
{
	return db->dir;
}

int
db_readonly(struct db *db)
{
	return db->readonly;
}

/* Our code for SQLite's (extended) result code @code. */
static enum ns_rc
db_rc_of(int code)
{
	switch (code & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
		return NS_EIO;
	default:
		return NS_EDB;
	}
}

/* The error of a statement that found the project busy (SQLite's
 * @code): "@what: " first unless NULL, @msg after the cause; or that
 * the person gave the wait up (db_on_wait()).  NS_OK when @code is no
 * busy error. */
static enum ns_rc
db_busy_fail(struct db *db, int code, struct ns_err *err, const char *what,
	     const char *msg, const char *tail)
{
	if ((code & 0xff) != SQLITE_BUSY && (code & 0xff) != SQLITE_LOCKED)
		return NS_OK;
	if (db->gave_up) {
		db->gave_up = false;
		return err_set(err, NS_EDB, "%s%snot saved: you gave up "
			       "waiting while another negsieve was writing to "
			       "the project", what ? what : "",
			       what ? ": " : "");
	}
	return err_set(err, NS_EDB, "%s%sthe project is busy (another "
		       "negsieve holds a write lock): %s%s", what ? what : "",
		       what ? ": " : "", msg, tail);
}

enum ns_rc
db_fail(struct db *db, struct ns_err *err, const char *what)
{
	int code = sqlite3_extended_errcode(db->h);
	enum ns_rc rc = db_busy_fail(db, code, err, what,
				     sqlite3_errmsg(db->h), "");

	if (rc)
		return rc;
	return err_set(err, db_rc_of(code), "%s: %s", what,
		       sqlite3_errmsg(db->h));
}

enum ns_rc
db_step_id(struct db *db, sqlite3_stmt *st, int64_t *id, const char *what,
	   struct ns_err *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return NS_OK;
	if (rc == SQLITE_DONE)
		return NS_ENOTFOUND;
	return db_fail(db, err, what);
}

enum ns_rc
db_step_int(struct db *db, sqlite3_stmt *st, int64_t *v, const char *what,
	    struct ns_err *err)
{
	enum ns_rc rc = db_step_id(db, st, v, what, err);

	return rc == NS_ENOTFOUND ? db_fail(db, err, what) : rc;
}

enum ns_rc
db_lookup_id(struct db *db, const char *sql, const char *key, int64_t *id,
	     const char *what, struct ns_err *err)
{
	sqlite3_stmt *st = db_prep(db, sql, err);

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	return db_step_id(db, st, id, what, err);
}

/*
 * SQLite rolls a transaction back by itself after some errors (out of
 * memory, I/O error, disk full) in any statement, even a read whose error
 * a caller took for "no row".  Every later statement would then commit on
 * its own, half an import at a time.  So while db_begin()'s transaction
 * should be open, no statement runs once it is not.
 */
static enum ns_rc
db_tx_lost(struct db *db, struct ns_err *err)
{
	if (!db->in_tx || !sqlite3_get_autocommit(db->h))
		return NS_OK;
	return err_set(err, NS_EDB, "the transaction was rolled back after an "
		       "earlier error (out of memory, I/O error or a full "
		       "disk); nothing of it was written");
}

enum ns_rc
db_exec(struct db *db, const char *sql, struct ns_err *err)
{
	char *msg = NULL;
	int src;

	if (db_tx_lost(db, err) != NS_OK)
		return NS_EDB;
	src = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
	if (src != SQLITE_OK) {
		enum ns_rc rc = db_rc_of(sqlite3_extended_errcode(db->h));

		/* what this command committed before stays (a mine
		 * stopped here is resumed by the next) */
		if (!db_busy_fail(db, src, err, NULL, msg ? msg :
				  sqlite3_errmsg(db->h),
				  "; try again when it is done"))
			err_set(err, rc, "database: %s", msg ? msg :
				sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		return rc;
	}
	return NS_OK;
}

enum ns_rc
db_begin(struct db *db, struct ns_err *err)
{
	enum ns_rc rc = db_exec(db, "BEGIN IMMEDIATE", err);

	db->in_tx = rc == NS_OK;
	return rc;
}

enum ns_rc
db_commit(struct db *db, struct ns_err *err)
{
	enum ns_rc rc = db_exec(db, "COMMIT", err);

	db->in_tx = false;
	return rc;
}

enum ns_rc
db_read_begin(struct db *db, struct ns_err *err)
{
	return db_exec(db, "BEGIN", err);
}

void
db_read_end(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
}

void
db_rollback(struct db *db)
{
	db->in_tx = false;
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *
db_prep(struct db *db, const char *sql, struct ns_err *err)
{
	sqlite3_stmt *st;

	if (db_tx_lost(db, err) != NS_OK)
		return NULL;
	for (size_t i = 0; i < db->nstmts; i++) {
		if (db->stmts[i].key == sql) {
			st = db->stmts[i].stmt;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
			       NULL) != SQLITE_OK) {
		db_fail(db, err, "preparing a statement");
		return NULL;
	}
	if (db->nstmts == db->capstmts) {
		db->capstmts = db->capstmts ? db->capstmts * 2 : 32;
		db->stmts = xrealloc(db->stmts,
				     db->capstmts * sizeof(*db->stmts));
	}
	db->stmts[db->nstmts].key = sql;
	db->stmts[db->nstmts].stmt = st;
	db->nstmts++;
	return st;
}

int64_t
db_scalar(struct db *db, const char *sql)
{
	sqlite3_stmt *st = db_prep(db, sql, NULL);
	int64_t v = -1;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return v;
}

/* SQLite's progress handler: stop the statement when pending() says so. */
static int
db_progress(void *arg)
{
	struct db *db = arg;

	if (db->pending && db->pending(db->pending_arg)) {
		db->interrupted = true;
		return 1;
	}
	return 0;
}

void
db_interruptible(struct db *db, bool (*pending)(void *), void *arg)
{
	db->pending = pending;
	db->pending_arg = arg;
	db->interrupted = false;
	/* a check every 10,000 steps of SQLite's machine: tens of
	 * microseconds apart, a small fraction of the work */
	sqlite3_progress_handler(db->h, pending ? 10000 : 0,
				 pending ? db_progress : NULL, db);
}

bool
db_interrupted(struct db *db)
{
	return db->interrupted;
}

void
db_on_wait(struct db *db, bool (*wait)(void *, double), void *arg)
{
	db->wait = wait;
	db->wait_arg = arg;
}

int64_t
db_data_version(struct db *db)
{
	return db_scalar(db, "PRAGMA data_version");
}

char *
db_meta_get(struct db *db, const char *key)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = ?1";
	sqlite3_stmt *st = db_prep(db, sql, NULL);
	char *v = NULL;

	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return v;
}

enum ns_rc
db_meta_set(struct db *db, const char *key, const char *value,
	    struct ns_err *err)
{
	static const char sql[] =
		"INSERT INTO meta(key, value) VALUES (?1, ?2)"
		" ON CONFLICT(key) DO UPDATE SET value = excluded.value";
	sqlite3_stmt *st = db_prep(db, sql, err);

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return db_step_done(db, st, "writing project metadata", err);
}

static int
db_user_version(struct db *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Apply every migration above the current user_version, each in its own
 * transaction together with the user_version bump. */
static enum ns_rc
db_migrate(struct db *db, struct ns_err *err)
{
	int cur = db_user_version(db);
	char pragma[64];

	if (cur < 0)
		return db_fail(db, err, "reading the schema version");
	if (cur > db_schema_version())
		return err_set(err, NS_EVERSION,
			       "%s/%s has schema version %d, newer than this "
			       "negsieve understands (%d); upgrade negsieve",
			       db->dir, DB_FILENAME, cur, db_schema_version());
	for (const struct schema_migration *m = schema_migrations; m->sql;
	     m++) {
		if (m->version <= cur)
			continue;
		if (db_begin(db, err) != NS_OK)
			return err->rc;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
			 m->version);
		if (db_exec(db, m->sql, err) != NS_OK ||
		    db_exec(db, pragma, err) != NS_OK) {
			char why[NS_ERR_MSG_MAX];

			db_rollback(db);
			snprintf(why, sizeof(why), "%s", err->msg);
			return err_set(err, err->rc,
				       "migrating the schema to version %d: %s",
				       m->version, why);
		}
		if (db_commit(db, err) != NS_OK) {
			db_rollback(db);
			return err->rc;
		}
		cur = m->version;
	}
	return NS_OK;
}

/*
 * State and start time (clock ticks after boot) of process @pid from
 * /proc; false when it cannot be read.
 */
static bool
db_proc_stat(long pid, char *state, long long *start)
{
	char path[64], buf[1024], *p;
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(fp = fopen(path, "r")))
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": comm may hold spaces and parentheses */
	if (!(p = strrchr(buf, ')')) || p[1] != ' ')
		return false;
	*state = p[2];
	p += 3;
	/* p is at the space before field 4 (ppid); starttime is field 22 */
	for (int field = 4; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	*start = p ? atoll(p + 1) : -1;
	return true;
}

long long
db_process_start(long pid)
{
	char state;
	long long start;

	return db_proc_stat(pid, &state, &start) ? start : -1;
}

/*
 * SQL function ns_alive(host, pid, start): 0 when process @pid of this
 * host is gone (no such process, a zombie, or another process that got
 * its number: a different @start), else 1 (alive, on another host, or
 * unknown: it cannot tell).  Review leases of a session whose process
 * died are free at once.
 */
static void
db_fn_alive(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char here[256], state;
	const unsigned char *host = sqlite3_value_text(argv[0]);
	sqlite3_int64 pid = sqlite3_value_int64(argv[1]);
	long long start, want = argc > 2 && sqlite3_value_type(argv[2]) ==
					    SQLITE_INTEGER
				? sqlite3_value_int64(argv[2]) : -1;
	int alive = 1;

	if (host && sqlite3_value_type(argv[1]) == SQLITE_INTEGER && pid > 0 &&
	    gethostname(here, sizeof(here)) == 0 &&
	    (here[sizeof(here) - 1] = '\0', !strcmp((const char *)host, here))) {
		if (db_proc_stat((long)pid, &state, &start))
			alive = state != 'Z' && state != 'X' &&
				(want < 0 || start == want);
		else
			alive = kill((pid_t)pid, 0) == 0 || errno == EPERM;
	}
	sqlite3_result_int(ctx, alive);
}

/* ns_blank(X): 1 when the text X is empty or only white space
 * (text_blank(), the one definition: import, embed, export and stats
 * all ask it), 0 when it is not, NULL for NULL. */
static void
db_fn_blank(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *t;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	t = sqlite3_value_text(argv[0]);
	sqlite3_result_int(ctx, text_blank((const char *)t,
					   (size_t)sqlite3_value_bytes(argv[0])));
}

/*
 * Waiting for another connection's lock.  SQLite's own handler sleeps
 * longer and longer (up to 100 ms a time), so with dozens of review
 * sessions a writer that comes back late keeps losing the lock to those
 * that came back early, and people saw "busy" after the timeout while the
 * lock sat idle between sleeps.  Short sleeps with jitter (0.5-2.5 ms)
 * keep the waiters' chances even; they give up after DB_BUSY_SECS
 * (NEGSIEVE_BUSY_TIMEOUT), unless db_on_wait() decides.
 */
#define DB_BUSY_SECS 30.0

static int
db_busy(void *arg, int count)
{
	static _Thread_local unsigned seed;
	static _Thread_local double since;
	struct db *db = arg;
	struct timespec ts;
	double now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
	if (count == 0) {
		since = now;
		db->wait_last = now;
		db->gave_up = false;
		if (!seed)
			seed = (unsigned)getpid() ^ (unsigned)ts.tv_nsec;
	}
	/* the review waits as long as the person wants (db_on_wait()): a
	 * run published under the write lock can take minutes at a million
	 * queries, and a decision lost to "busy" would be worse */
	if (db->wait) {
		if (now - since >= 0.3 && now - db->wait_last >= 0.1) {
			db->wait_last = now;
			if (!db->wait(db->wait_arg, now - since)) {
				db->gave_up = true;
				return 0;
			}
		}
	} else if (now - since >= db->busy_secs) {
		return 0;
	}
	usleep(500 + (useconds_t)(rand_r(&seed) % 2000));
	return 1;
}

/* The limit of a wait for another connection's write lock: DB_BUSY_SECS,
 * or NEGSIEVE_BUSY_TIMEOUT seconds. */
static enum ns_rc
db_busy_limit(struct db *db, struct ns_err *err)
{
	const char *v = getenv("NEGSIEVE_BUSY_TIMEOUT");
	char *end;
	double s;

	db->busy_secs = DB_BUSY_SECS;
	if (!v)
		return NS_OK;
	errno = 0;
	s = strtod(v, &end);
	if (end == v || *end || errno || !isfinite(s) || s <= 0)
		return err_set(err, NS_EUSAGE, "NEGSIEVE_BUSY_TIMEOUT=%s: "
			       "expected the seconds to wait for another "
			       "negsieve's write lock, a number above 0", v);
	db->busy_secs = s;
	return NS_OK;
}

static enum ns_rc
db_pragmas(struct db *db, int readonly, struct ns_err *err)
{
	if (db_busy_limit(db, err))
		return err->rc;
	sqlite3_busy_handler(db->h, db_busy, db);
	if (sqlite3_create_function(db->h, "ns_alive", 3, SQLITE_UTF8, NULL,
				    db_fn_alive, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db->h, "ns_blank", 1, SQLITE_UTF8 |
				    SQLITE_DETERMINISTIC, NULL, db_fn_blank,
				    NULL, NULL) != SQLITE_OK ||
	    db_mine_sql_functions(db->h) != SQLITE_OK)
		return db_fail(db, err, "registering functions");
	if (readonly)
		return db_exec(db, "PRAGMA foreign_keys = ON;"
				   "PRAGMA temp_store = MEMORY;", err);
	return db_exec(db, "PRAGMA journal_mode = WAL;"
			   "PRAGMA synchronous = NORMAL;"
			   "PRAGMA foreign_keys = ON;"
			   "PRAGMA temp_store = MEMORY;", err);
}

/* @path as an SQLite URI for a read-only, immutable open. */
static char *
db_uri_immutable(const char *path)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_addstr(&sb, "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			strbuf_addf(&sb, "%%%02X", (unsigned char)*p);
		else
			strbuf_addch(&sb, *p);
	}
	strbuf_addstr(&sb, "?mode=ro&immutable=1");
	return strbuf_detach(&sb, NULL);
}

/* Can this user write the project (its directory and its database)? */
static int
db_writable(const char *dir, const char *path)
{
	return access(dir, W_OK) == 0 && access(path, W_OK) == 0;
}

/* Open @path read-only.  In a directory this user cannot write, SQLite
 * cannot make the -shm file that reading a WAL database needs; without a
 * pending write-ahead log the file is then read as immutable (nothing can
 * change it while nobody who could write has it open: a writer would
 * have made the -shm file). */
static int
db_sqlite_open_ro(struct db *db, const char *dir, const char *path)
{
	int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
	char *wal, *shm, *uri;
	struct stat sb;
	int rc, pending;

	rc = sqlite3_open_v2(path, &db->h, flags, NULL);
	if (rc == SQLITE_OK &&
	    sqlite3_exec(db->h, "SELECT count(*) FROM sqlite_schema", NULL,
			 NULL, NULL) == SQLITE_OK)
		return SQLITE_OK;
	if (access(dir, W_OK) == 0)
		return rc == SQLITE_OK ? sqlite3_errcode(db->h) : rc;
	wal = xasprintf("%s-wal", path);
	shm = xasprintf("%s-shm", path);
	pending = (stat(wal, &sb) == 0 && sb.st_size > 0) ||
		  stat(shm, &sb) == 0;
	free(wal);
	free(shm);
	if (pending)
		return rc == SQLITE_OK ? sqlite3_errcode(db->h) : rc;
	sqlite3_close(db->h);
	db->h = NULL;
	uri = db_uri_immutable(path);
	rc = sqlite3_open_v2(uri, &db->h, flags | SQLITE_OPEN_URI, NULL);
	free(uri);
	return rc;
}

/*
 * Make the database's -wal and -shm files, when missing, with the
 * database's mode from the start.  SQLite creates them under the umask
 * and gives them the database's mode a moment later; another user's
 * process that opens one in that moment has it read-only ("attempt to
 * write a readonly database" at its first write: tests/cli-team-users.sh,
 * once, in a loaded full run).  Empty files are what SQLite makes too.
 */
static void
db_side_files(const char *path)
{
	static const char *const side[] = { "-wal", "-shm" };
	struct stat st;

	if (stat(path, &st) != 0)
		return;
	for (size_t i = 0; i < NS_ARRAY_SIZE(side); i++) {
		char *p = xasprintf("%s%s", path, side[i]);
		mode_t um = umask(0);
		int fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
				 O_NOFOLLOW, st.st_mode & 0777);

		umask(um);
		if (fd >= 0)
			close(fd);
		free(p);
	}
}

enum ns_rc
db_open(const char *dir, enum db_open_mode mode, struct db **out,
	struct ns_err *err)
{
	struct db *db;
	struct stat stbuf;
	char *path;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, src;
	enum ns_rc rc;

	if (mode == DB_OPEN_CREATE)
		return db_create(dir, NULL, NULL, out, err);
	if (stat(dir, &stbuf) == 0 && !S_ISDIR(stbuf.st_mode))
		return err_set(err, NS_ENOTFOUND, "%s: not a negsieve project "
			       "(a project is a directory; this is a file)",
			       dir);
	path = xasprintf("%s/%s", dir, DB_FILENAME);
	if (stat(path, &stbuf) != 0) {
		rc = err_set(err, NS_ENOTFOUND, "%s: not a negsieve project "
			     "(no %s; create one with 'negsieve init %s')",
			     dir, DB_FILENAME, dir);
		free(path);
		return rc;
	}
	if (mode == DB_OPEN_READ)
		mode = db_writable(dir, path) ? DB_OPEN_EXISTING
		       : DB_OPEN_READONLY;
	/* a clear message up front rather than SQLite's "readonly
	 * database" at the first write */
	if (mode == DB_OPEN_EXISTING &&
	    (rc = perm_check_writable(dir, path, err)) != NS_OK) {
		free(path);
		return rc;
	}

	db = xcalloc(1, sizeof(*db));
	db->dir = xstrdup(dir);
	db->readonly = mode == DB_OPEN_READONLY;
	/* no umask games: SQLite gives the -wal and -shm files it makes the
	 * database's mode, which follows the project's rule (src/perm.h) */
	/* no memory statistics: their mutex is taken on every malloc */
	{
		static int configured;

		if (!configured) {
			sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
			configured = 1;
		}
	}
	if (!db->readonly)
		db_side_files(path);
	src = db->readonly ? db_sqlite_open_ro(db, dir, path)
	      : sqlite3_open_v2(path, &db->h, flags, NULL);
	if (src != SQLITE_OK) {
		rc = err_set(err, db_rc_of(src), "%s: cannot open%s: %s", path,
			     db->readonly ? " for reading" : "",
			     db->h ? sqlite3_errmsg(db->h) : "out of memory");
		free(path);
		db_close(db);
		return rc;
	}
	sqlite3_extended_result_codes(db->h, 1);
	rc = db_pragmas(db, db->readonly, err);
	if (rc == NS_OK && mode == DB_OPEN_EXISTING &&
	    db_scalar(db, "SELECT count(*) FROM sqlite_schema WHERE name = "
			  "'meta'") != 1 && db_user_version(db) == 0)
		rc = err_set(err, NS_EINPUT, "%s: not a negsieve database",
			     path);
	if (rc == NS_OK && mode == DB_OPEN_READONLY) {
		int v = db_user_version(db);

		if (v < 0)
			rc = db_fail(db, err, "reading the schema version");
		else if (v > db_schema_version())
			rc = err_set(err, NS_EVERSION, "%s has schema version "
				     "%d, newer than this negsieve understands "
				     "(%d); upgrade negsieve", path, v,
				     db_schema_version());
		else if (v < db_schema_version() && db_writable(dir, path))
			rc = err_set(err, NS_EVERSION, "%s has schema version "
				     "%d, this negsieve writes %d; open it once "
				     "read-write (e.g. 'negsieve stats') to "
				     "upgrade it", path, v, db_schema_version());
		else if (v < db_schema_version())
			rc = err_set(err, NS_EVERSION, "%s has schema version "
				     "%d, older than this negsieve's %d, and "
				     "it is read-only to you; someone who can "
				     "write it must open it once with this "
				     "negsieve (e.g. 'negsieve stats') to "
				     "upgrade it", path, v, db_schema_version());
	} else if (rc == NS_OK) {
		rc = db_migrate(db, err);
	}
	free(path);
	if (rc != NS_OK) {
		db_close(db);
		return rc;
	}
	*out = db;
	return NS_OK;
}

/* Remove @path and its -wal, -shm and -journal files. */
static void
db_unlink_all(const char *path)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };

	for (size_t i = 0; i < NS_ARRAY_SIZE(ext); i++) {
		char *p = xasprintf("%s%s", path, ext[i]);

		unlink(p);
		free(p);
	}
}

/* Build the new database at @tmp: schema, meta, WAL, all on disk. */
static enum ns_rc
db_build(const char *dir, const char *tmp, const char *const *meta,
	 struct ns_err *err)
{
	struct db *db = xcalloc(1, sizeof(*db));
	enum ns_rc rc = NS_OK;
	int src;

	db->dir = xstrdup(dir);
	src = sqlite3_open_v2(tmp, &db->h, SQLITE_OPEN_READWRITE |
			      SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (src != SQLITE_OK) {
		rc = err_set(err, db_rc_of(src), "%s: cannot create: %s", tmp,
			     db->h ? sqlite3_errmsg(db->h) : "out of memory");
		db_close(db);
		return rc;
	}
	sqlite3_extended_result_codes(db->h, 1);
	/* SQLite creates files 0644 & ~umask; the project's rule decides
	 * (src/perm.h), and the -wal and -shm files SQLite makes later get
	 * the database's mode, whoever opens it. */
	if (perm_path(dir, tmp) != 0) {
		rc = err_set(err, NS_EIO, "%s: cannot set its permissions: %s",
			     tmp, strerror(errno));
		goto out;
	}
	/* 16 KiB pages (before WAL fixes the size): fewer b-tree pages and
	 * splits for bulk imports of ~300-byte passages (BENCHMARKS.md). */
	if ((rc = db_exec(db, "PRAGMA page_size = 16384", err)) ||
	    (rc = db_pragmas(db, 0, err)) || (rc = db_migrate(db, err)))
		goto out;
	if (meta && meta[0]) {
		if ((rc = db_begin(db, err)))
			goto out;
		for (size_t i = 0; meta[i] && meta[i + 1] && rc == NS_OK;
		     i += 2)
			rc = db_meta_set(db, meta[i], meta[i + 1], err);
		if (rc == NS_OK)
			rc = db_commit(db, err);
		if (rc) {
			db_rollback(db);
			goto out;
		}
	}
	/* everything into the database file, the log emptied */
	rc = db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", err);
out:
	for (size_t i = 0; i < db->nstmts; i++)
		sqlite3_finalize(db->stmts[i].stmt);
	db->nstmts = 0;
	if (sqlite3_close(db->h) != SQLITE_OK && rc == NS_OK)
		rc = err_set(err, NS_EIO, "%s: closing: %s", tmp,
			     sqlite3_errmsg(db->h));
	else
		db->h = NULL;
	db_close(db);
	return rc;
}

enum ns_rc
db_create(const char *dir, const char *const *meta, const char *group,
	  struct db **out, struct ns_err *err)
{
	char *path = xasprintf("%s/%s", dir, DB_FILENAME);
	char *tmp = xasprintf("%s/.%s.new-%ld", dir, DB_FILENAME,
			      (long)getpid());
	struct stat stbuf;
	bool made_dir = false;
	enum ns_rc rc = NS_OK;
	int fd;

	if (stat(path, &stbuf) == 0) {
		rc = err_set(err, NS_EUSAGE, "%s: a project already exists "
			     "here", dir);
		goto out;
	}
	/* its mode is the project's rule for every file (src/perm.h) */
	if ((rc = perm_make_project_dir(dir, group, &made_dir, err)))
		goto out;
	db_unlink_all(tmp);
	rc = db_build(dir, tmp, meta, err);
	if (rc == NS_OK) {
		/* link(): never replaces a project made meanwhile */
		if (link(tmp, path) != 0)
			rc = errno == EEXIST
			     ? err_set(err, NS_EUSAGE, "%s: a project already "
				       "exists here", dir)
			     : err_set(err, NS_EIO, "%s: cannot create %s: %s",
				       dir, DB_FILENAME, strerror(errno));
	}
	db_unlink_all(tmp);
	if (rc != NS_OK) {
		char why[NS_ERR_MSG_MAX];

		snprintf(why, sizeof(why), "%s", err->msg);
		if (rc != NS_EUSAGE)
			err_set(err, rc, "%s: cannot create the project: %s",
				dir, why);
		if (made_dir)
			rmdir(dir);
		goto out;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(fd);	/* the new name is durable too */
		close(fd);
	}
	rc = db_open(dir, DB_OPEN_EXISTING, out, err);
out:
	free(path);
	free(tmp);
	return rc;
}

void
db_close(struct db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->nstmts; i++)
		sqlite3_finalize(db->stmts[i].stmt);
	free(db->stmts);
	if (db->h)
		sqlite3_close(db->h);
	free(db->dir);
	free(db);
}
