/*
 * faultvfs.h - fault injection for tests, in SQLite's spirit: a VFS shim
 * that fails the Nth write (xWrite, xTruncate) or sync (xSync) of any
 * SQLite file, and an allocator that fails SQLite's Nth allocation
 * (xMalloc, xRealloc).
 *
 * TEST ONLY: linked into tests/t-fault and never into the negsieve
 * binary (mk/rel.am).
 */
#ifndef NS_FAULTVFS_H
#define NS_FAULTVFS_H

#include <stdbool.h>

enum faultvfs_kind {
	FAULTVFS_WRITE,		/* xWrite and xTruncate */
	FAULTVFS_SYNC,		/* xSync */
	FAULTVFS_ALLOC,		/* xMalloc and xRealloc */
	FAULTVFS_NKINDS
};

/* "write", "sync", "alloc". */
const char *faultvfs_kind_name(enum faultvfs_kind kind);

/*
 * Install both: the shim VFS becomes SQLite's default and the allocator
 * SQLite's.  Call before anything else uses SQLite, once.  0, or an SQLite
 * error code.
 */
int faultvfs_install(void);

/*
 * Count operations of @kind from 0 again and fail the @n-th (1-based;
 * 0: never) and, with @persist, every one after it.  Other kinds keep
 * counting.
 */
void faultvfs_arm(enum faultvfs_kind kind, long n, bool persist);

/* Operations of @kind since it was last armed (or installed). */
long faultvfs_count(enum faultvfs_kind kind);

/* Operations that were made to fail, all kinds. */
long faultvfs_fired(void);

#endif
