/*
 * instream.h - the bytes of one input: a file, standard input or a pipe,
 * decompressed when it is gzip or zstd.
 *
 * Compression is recognised by the magic bytes at the start of the data,
 * never by the name, so a compressed stream read from a pipe is
 * decompressed too.  The stream is read once, front to back (it may be a
 * pipe): whoever needs to look ahead keeps what it read.  While reading,
 * the stream hashes the bytes it delivers, so that an input imported
 * before can be recognised by its content.
 */
#ifndef NS_INSTREAM_H
#define NS_INSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/err.h"

enum instream_codec {
	INSTREAM_PLAIN,
	INSTREAM_GZIP,
	INSTREAM_ZSTD,
};

struct instream;

/*
 * Open @path for reading; "-" is standard input (never closed here).
 * @path is copied.  On success *@out owns the stream (instream_close());
 * on failure *@out is untouched and @err says why (NS_ENOTFOUND, NS_EIO,
 * or NS_EINPUT for a directory).
 */
enum ns_rc instream_open(struct instream **out, const char *path,
			 struct ns_err *err);

/*
 * Read up to @n decompressed bytes into @buf; *@got is their count, 0 at
 * the end of the data.  NS_EIO on a read error, NS_EINPUT for compressed
 * data that is corrupt or cut short (@err names the file).
 */
enum ns_rc instream_read(struct instream *s, void *buf, size_t n,
			 size_t *got, struct ns_err *err);

/* The name to show for the stream: its path, or "<stdin>" for "-". */
const char *instream_name(const struct instream *s);

/* How the data was compressed. */
enum instream_codec instream_codec(const struct instream *s);

/* "gzip", "zstd", or NULL for plain data. */
const char *instream_codec_name(enum instream_codec c);

/* Is the input a regular file (which can be opened and read again)? */
bool instream_regular(const struct instream *s);

/* Bytes delivered so far. */
uint64_t instream_bytes(const struct instream *s);

/*
 * The XXH3-128 of the bytes delivered so far, as 32 hex digits and a NUL
 * into @out.  Once the stream is read to the end it identifies the
 * (decompressed) content.
 */
void instream_digest(const struct instream *s, char out[33]);

/*
 * The XXH3-128 of the bytes of the file @path as they lie on disk (never
 * decompressed), in instream_digest()'s form, into @out, and their count
 * into *@bytes: one read front to back, for checksums of files the
 * program writes itself (a saved index).  On failure @out and *@bytes are
 * untouched and @err names the file (NS_ENOTFOUND, NS_EIO).
 */
enum ns_rc instream_file_digest(const char *path, char out[33],
				uint64_t *bytes, struct ns_err *err);

/* Close and free; NULL is a no-op. */
void instream_close(struct instream *s);

#endif
