/*
 * err.h - the project-wide result codes and the error record.
 *
 * Every fallible function returns an enum ns_rc and, on failure, fills a
 * caller-owned struct ns_err with a message for the user and, where it
 * applies, the file, line and column of the bad input.  Values of the enum
 * are never renumbered: they are also the process exit status.
 */
#ifndef NS_ERR_H
#define NS_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* X(name, exit status, short description) */
#define NS_RC_LIST(X) \
	X(NS_OK,       0,  "success") \
	X(NS_EUSAGE,   2,  "usage error") \
	X(NS_EINPUT,   3,  "bad input") \
	X(NS_EIO,      4,  "I/O error") \
	X(NS_EDB,      5,  "database error") \
	X(NS_ECONFIG,  6,  "configuration error") \
	X(NS_ENOTFOUND,7,  "not found") \
	X(NS_EVERSION, 8,  "incompatible version") \
	X(NS_ENOMEM,   9,  "out of memory") \
	X(NS_ENET,     10, "network error") \
	X(NS_ETERM,    11, "terminal unusable") \
	X(NS_EINTERNAL,70, "internal error")

enum ns_rc {
#define NS_RC_ENUM(name, code, desc) name = code,
	NS_RC_LIST(NS_RC_ENUM)
#undef NS_RC_ENUM
};

#define NS_ERR_MSG_MAX 1024

struct ns_err {
	enum ns_rc rc;			/* NS_OK until something fails */
	char file[512];			/* input file, "" when none applies */
	long line;			/* 1-based line, 0 when none applies */
	long col;			/* 1-based column, 0 when none applies */
	char msg[NS_ERR_MSG_MAX];	/* message, without file/line prefix */
};

/* Reset @err to "no error". */
void err_clear(struct ns_err *err);

/* Record a failure without a position; returns @rc so callers can write
 * "return err_set(err, NS_EINPUT, ...)".  @err may be NULL. */
enum ns_rc err_set(struct ns_err *err, enum ns_rc rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record a failure at @file:@line:@col (line/col 0 = unknown). */
enum ns_rc err_setpos(struct ns_err *err, enum ns_rc rc, const char *file,
		      long line, long col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

enum ns_rc err_vsetpos(struct ns_err *err, enum ns_rc rc, const char *file,
		       long line, long col, const char *fmt, va_list ap);

/* Short description of a result code ("bad input", ...). */
const char *err_rcname(enum ns_rc rc);

/* Format @err as "file:line:col: message" (parts omitted when unknown)
 * into @buf of @size bytes; returns @buf. */
char *err_format(const struct ns_err *err, char *buf, size_t size);

/* Print "negsieve: file:line:col: message" to stderr. */
void err_print(const struct ns_err *err);

#endif
