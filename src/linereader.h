/*
 * linereader.h - a streaming record reader for the importers.
 *
 * Reads an input (a file, standard input or a pipe, decompressed when it
 * is gzip or zstd: see instream.h) through one growable buffer and hands
 * out records without copying them: memory stays bounded by the longest
 * record (at most the caller's limit), never by the input size.
 *
 * A record is a line, or, once linereader_array() has been called, an
 * element of the JSON array that the input holds (which may span lines,
 * or share one line with others).  Lines are split on '\n' only (so
 * U+0085 and U+2028 inside a line are just text); a trailing '\r' is
 * removed, a UTF-8 byte order mark at the start is skipped, and a last
 * line without '\n' is returned like any other (had_newline tells).
 *
 * For format detection, linereader_peek() shows the first bytes without
 * consuming them: a pipe can be read only once.
 */
#ifndef NS_LINEREADER_H
#define NS_LINEREADER_H

#include <stdbool.h>
#include <stdio.h>

#include "src/err.h"
#include "src/instream.h"

struct linereader {
	struct instream *in;	/* owned; NULL once closed */
	const char *path;	/* the input's name, for messages (owned by
				 * @in; err_setpos() copies it) */
	char *buf;		/* read buffer, owned */
	size_t cap;		/* bytes allocated in buf */
	size_t start;		/* first unconsumed byte in buf */
	size_t end;		/* bytes of data in buf */
	size_t max;		/* longest accepted record, in bytes */
	long lineno;		/* 1-based line of the last record returned
				 * (of its first byte) */
	long col;		/* 1-based column (code points) of its first
				 * byte: 1 for lines */
	long long offset;	/* input offset of the last record returned */
	long long consumed;	/* input offset after the last record */
	bool eof;		/* the input is read to the end */
	bool started;		/* first read done (BOM handled) */
	bool had_newline;	/* the last line ended with '\n' */
	bool had_cr;		/* ... with "\r\n" (the '\r' removed): a
				 * reader joining lines inside a quoted
				 * field puts it back */
	bool bom;		/* a UTF-8 BOM was skipped */
	/* JSON array mode (linereader_array()) */
	bool array;		/* records are array elements */
	bool array_open;	/* '[' read, ']' not yet */
	int array_n;		/* elements returned */
	long cur_line, cur_col;	/* position of buf[start] */
	size_t nul_at;		/* byte replaced by the NUL after the last
				 * element, or (size_t)-1 */
	char nul_ch;		/* what was there */
};

/*
 * Open @path ("-" = standard input) for records of at most @max bytes
 * (0 = no limit).  On failure @lr is left closed (linereader_close() is
 * still safe) and @err says why (NS_EIO, NS_ENOTFOUND, NS_EINPUT).
 */
enum ns_rc linereader_open(struct linereader *lr, const char *path,
			   size_t max, struct ns_err *err);

/*
 * The next record: on NS_OK *@line points at its bytes (NUL-terminated,
 * for a line without '\n' or trailing '\r'; valid until the next call)
 * and *@len is their count; lr->lineno and lr->col say where it starts.
 * NS_ENOTFOUND at the end.  A record longer than the limit gives
 * NS_EINPUT with @err at its line; the reader has then skipped it, so
 * reading can go on (a line; an array element that is too long ends the
 * array).  A JSON array that is malformed between its elements (a
 * missing comma, no closing bracket) gives NS_EINPUT and ends it.  A
 * read error gives NS_EIO.
 */
enum ns_rc linereader_next(struct linereader *lr, const char **line,
			   size_t *len, struct ns_err *err);

/*
 * Read the input as one JSON array from here on: the next non-blank byte
 * must be '['; every element is a record.  NS_EINPUT (with the position)
 * when the input does not start with '['.
 */
enum ns_rc linereader_array(struct linereader *lr, struct ns_err *err);

/*
 * Make at least @n bytes after the consumed ones available (fewer at the
 * end of the input) without consuming them: *@p and *@len are those
 * bytes, valid until the next call.
 */
enum ns_rc linereader_peek(struct linereader *lr, size_t n, const char **p,
			   size_t *len, struct ns_err *err);

/* Close and free; safe on a closed or failed reader. */
void linereader_close(struct linereader *lr);

#endif
