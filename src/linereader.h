/*
 * linereader.h - a streaming line reader for the importers.
 *
 * Reads a file through one growable buffer and hands out lines without
 * copying them: memory stays bounded by the longest line (at most the
 * caller's limit), never by the file size.  Lines are split on '\n' only
 * (so U+0085 and U+2028 inside a line are just text); a trailing '\r' is
 * removed, a UTF-8 byte order mark at the start of the file is skipped, and
 * a last line without '\n' is returned like any other.
 */
#ifndef NS_LINEREADER_H
#define NS_LINEREADER_H

#include <stdbool.h>
#include <stdio.h>

#include "src/err.h"

struct linereader {
	FILE *fp;		/* owned; NULL once closed */
	const char *path;	/* borrowed, for messages */
	char *buf;		/* read buffer, owned */
	size_t cap;		/* bytes allocated in buf */
	size_t start;		/* first unconsumed byte in buf */
	size_t end;		/* bytes of data in buf */
	size_t max;		/* longest accepted line, in bytes */
	long lineno;		/* 1-based number of the last line returned */
	long long offset;	/* file offset of the last line returned */
	long long consumed;	/* file offset after the last line returned */
	bool eof;		/* fread reached the end */
	bool started;		/* first read done (BOM handled) */
	bool had_newline;	/* the last line ended with '\n' */
};

/*
 * Open @path for reading lines of at most @max bytes (0 = no limit).
 * @path is borrowed and must outlive the reader.  On failure @lr is left
 * closed (linereader_close() is still safe) and @err says why (NS_EIO or
 * NS_ENOTFOUND).
 */
enum ns_rc linereader_open(struct linereader *lr, const char *path,
			   size_t max, struct ns_err *err);

/*
 * The next line: on NS_OK *@line points at its bytes (NUL-terminated, no
 * '\n' or trailing '\r'; valid until the next call) and *@len is their
 * count.  NS_ENOTFOUND at the end of the file.  A line longer than the
 * limit gives NS_EINPUT with @err at its line; the reader has then skipped
 * it, so reading can go on.  A read error gives NS_EIO.
 */
enum ns_rc linereader_next(struct linereader *lr, const char **line,
			   size_t *len, struct ns_err *err);

/* Start again from the beginning of the file (line 1). */
enum ns_rc linereader_rewind(struct linereader *lr, struct ns_err *err);

/* Close and free; safe on a closed or failed reader. */
void linereader_close(struct linereader *lr);

#endif
