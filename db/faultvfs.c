/*
 * faultvfs.c - failing SQLite's Nth write, sync or allocation, for tests
 * (see faultvfs.h).
 *
 * The shim VFS wraps the default one: each file it opens is a
 * struct faultvfs_file followed by the real VFS's file, and every method
 * forwards to the real one, except that xWrite, xTruncate and xSync first
 * ask faultvfs_hit() whether this one is to fail.  Counters are atomic:
 * the importer has worker threads (they do not use SQLite today, but a
 * torn counter would make a test unrepeatable if they ever do).
 */
#include <stdint.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/faultvfs.h"

struct faultvfs_state {
	long count;	/* operations since armed */
	long at;	/* fail this one (1-based), 0 never */
	int persist;	/* and every later one */
};

static struct faultvfs_state faultvfs_st[FAULTVFS_NKINDS];
static long faultvfs_nfired;
static sqlite3_vfs *faultvfs_real;
static sqlite3_mem_methods faultvfs_mem_real;

const char *
faultvfs_kind_name(enum faultvfs_kind kind)
{
	static const char *const names[] = { "write", "sync", "alloc" };

	return (unsigned)kind < FAULTVFS_NKINDS ? names[kind] : "?";
}

/* Count one operation of @kind; true when it is to fail. */
static int
faultvfs_hit(enum faultvfs_kind kind)
{
	struct faultvfs_state *s = &faultvfs_st[kind];
	long n = __atomic_add_fetch(&s->count, 1, __ATOMIC_SEQ_CST);
	long at = __atomic_load_n(&s->at, __ATOMIC_SEQ_CST);
	int fail = at > 0 && (n == at || (s->persist && n > at));

	if (fail)
		__atomic_add_fetch(&faultvfs_nfired, 1, __ATOMIC_SEQ_CST);
	return fail;
}

void
faultvfs_arm(enum faultvfs_kind kind, long n, bool persist)
{
	struct faultvfs_state *s = &faultvfs_st[kind];

	__atomic_store_n(&s->at, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->count, 0, __ATOMIC_SEQ_CST);
	s->persist = persist;
	__atomic_store_n(&s->at, n, __ATOMIC_SEQ_CST);
}

long
faultvfs_count(enum faultvfs_kind kind)
{
	return __atomic_load_n(&faultvfs_st[kind].count, __ATOMIC_SEQ_CST);
}

long
faultvfs_fired(void)
{
	return __atomic_load_n(&faultvfs_nfired, __ATOMIC_SEQ_CST);
}

/* --- files ---------------------------------------------------------------- */

struct faultvfs_file {
	sqlite3_file base;	/* pMethods = faultvfs_io */
	sqlite3_file *real;	/* the real file, right after this struct */
};

#define REAL(f) (((struct faultvfs_file *)(f))->real)

static int
fv_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int
fv_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int
fv_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	if (faultvfs_hit(FAULTVFS_WRITE))
		return SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int
fv_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (faultvfs_hit(FAULTVFS_WRITE))
		return SQLITE_IOERR_TRUNCATE;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
fv_sync(sqlite3_file *f, int flags)
{
	if (faultvfs_hit(FAULTVFS_SYNC))
		return SQLITE_IOERR_FSYNC;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
fv_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
fv_lock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xLock(REAL(f), lock);
}

static int
fv_unlock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}

static int
fv_check_lock(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
fv_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
fv_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
fv_devchar(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
fv_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}

static int
fv_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void
fv_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
fv_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int
fv_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}

static int
fv_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

/* One table per version of the real methods (the shm and fetch entries
 * exist only from versions 2 and 3). */
static const sqlite3_io_methods faultvfs_io[3] = {
	{ 1, fv_close, fv_read, fv_write, fv_truncate, fv_sync, fv_size,
	  fv_lock, fv_unlock, fv_check_lock, fv_control, fv_sector,
	  fv_devchar, NULL, NULL, NULL, NULL, NULL, NULL },
	{ 2, fv_close, fv_read, fv_write, fv_truncate, fv_sync, fv_size,
	  fv_lock, fv_unlock, fv_check_lock, fv_control, fv_sector,
	  fv_devchar, fv_shm_map, fv_shm_lock, fv_shm_barrier, fv_shm_unmap,
	  NULL, NULL },
	{ 3, fv_close, fv_read, fv_write, fv_truncate, fv_sync, fv_size,
	  fv_lock, fv_unlock, fv_check_lock, fv_control, fv_sector,
	  fv_devchar, fv_shm_map, fv_shm_lock, fv_shm_barrier, fv_shm_unmap,
	  fv_fetch, fv_unfetch },
};

static int
fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
	int *out)
{
	struct faultvfs_file *ff = (struct faultvfs_file *)f;
	int rc, v;

	(void)vfs;
	ff->real = (sqlite3_file *)&ff[1];
	rc = faultvfs_real->xOpen(faultvfs_real, name, ff->real, flags, out);
	if (rc != SQLITE_OK || !ff->real->pMethods) {
		ff->base.pMethods = NULL;
		return rc;
	}
	v = ff->real->pMethods->iVersion;
	ff->base.pMethods = &faultvfs_io[v < 1 ? 0 : v > 3 ? 2 : v - 1];
	return SQLITE_OK;
}

static int
fv_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	(void)vfs;
	return faultvfs_real->xDelete(faultvfs_real, name, sync);
}

static int
fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return faultvfs_real->xAccess(faultvfs_real, name, flags, out);
}

static int
fv_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return faultvfs_real->xFullPathname(faultvfs_real, name, n, out);
}

static void *
fv_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return faultvfs_real->xDlOpen(faultvfs_real, name);
}

static void
fv_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	faultvfs_real->xDlError(faultvfs_real, n, msg);
}

static void (*fv_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return faultvfs_real->xDlSym(faultvfs_real, h, sym);
}

static void
fv_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	faultvfs_real->xDlClose(faultvfs_real, h);
}

static int
fv_random(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return faultvfs_real->xRandomness(faultvfs_real, n, out);
}

static int
fv_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return faultvfs_real->xSleep(faultvfs_real, us);
}

static int
fv_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return faultvfs_real->xCurrentTime(faultvfs_real, out);
}

static int
fv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return faultvfs_real->xGetLastError ?
	       faultvfs_real->xGetLastError(faultvfs_real, n, out) : 0;
}

static int
fv_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return faultvfs_real->xCurrentTimeInt64(faultvfs_real, out);
}

static sqlite3_vfs faultvfs_vfs = {
	2, 0, 0, NULL, "faultvfs", NULL,
	fv_open, fv_delete, fv_access, fv_fullpath,
	fv_dlopen, fv_dlerror, fv_dlsym, fv_dlclose,
	fv_random, fv_sleep, fv_time, fv_last_error, fv_time64,
	NULL, NULL, NULL
};

/* --- memory ------------------------------------------------------------- */

static void *
fm_malloc(int n)
{
	if (faultvfs_hit(FAULTVFS_ALLOC))
		return NULL;
	return faultvfs_mem_real.xMalloc(n);
}

static void
fm_free(void *p)
{
	faultvfs_mem_real.xFree(p);
}

static void *
fm_realloc(void *p, int n)
{
	if (faultvfs_hit(FAULTVFS_ALLOC))
		return NULL;
	return faultvfs_mem_real.xRealloc(p, n);
}

static int
fm_size(void *p)
{
	return faultvfs_mem_real.xSize(p);
}

static int
fm_roundup(int n)
{
	return faultvfs_mem_real.xRoundup(n);
}

static int
fm_init(void *arg)
{
	return faultvfs_mem_real.xInit(arg);
}

static void
fm_shutdown(void *arg)
{
	faultvfs_mem_real.xShutdown(arg);
}

static const sqlite3_mem_methods faultvfs_mem = {
	fm_malloc, fm_free, fm_realloc, fm_size, fm_roundup, fm_init,
	fm_shutdown, NULL
};

int
faultvfs_install(void)
{
	int rc;

	rc = sqlite3_config(SQLITE_CONFIG_GETMALLOC, &faultvfs_mem_real);
	if (rc == SQLITE_OK)
		rc = sqlite3_config(SQLITE_CONFIG_MALLOC, &faultvfs_mem);
	if (rc == SQLITE_OK)
		rc = sqlite3_initialize();
	if (rc != SQLITE_OK)
		return rc;
	faultvfs_real = sqlite3_vfs_find(NULL);
	if (!faultvfs_real)
		return SQLITE_ERROR;
	faultvfs_vfs.szOsFile = (int)sizeof(struct faultvfs_file) +
				faultvfs_real->szOsFile;
	faultvfs_vfs.mxPathname = faultvfs_real->mxPathname;
	return sqlite3_vfs_register(&faultvfs_vfs, 1);
}
