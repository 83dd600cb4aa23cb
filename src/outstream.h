/*
 * outstream.h - an output file written whole or not at all: standard
 * output for "-", gzip (zlib) when the name ends in ".gz", zstd when it
 * ends in ".zst" or ".zstd" (in any case), and otherwise a temporary file
 * next to the target (cleanup_tmp_name(); those of processes killed by
 * SIGKILL are removed first, cleanup_stale()) that is renamed over it only
 * when everything was written, so a failed or interrupted export never
 * leaves a truncated file under the name asked for.  What cannot be
 * replaced (a
 * device such as /dev/null, a named pipe) is written straight; a symbolic
 * link stays a link and the file it points to is replaced.
 */
#ifndef NS_OUTSTREAM_H
#define NS_OUTSTREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "src/err.h"

struct outstream;

/*
 * Open @path ("-": standard output, never compressed).  The file is
 * created with mode 0666 less the umask; an existing file is replaced at
 * outstream_close().  On success *@out is a new stream that the caller
 * ends with outstream_close() or outstream_abort(); on failure @err names
 * @path and says why.
 */
enum ns_rc outstream_open(const char *path, struct outstream **out,
			  struct ns_err *err);

enum outstream_codec { OUTSTREAM_PLAIN, OUTSTREAM_GZIP, OUTSTREAM_ZSTD };

/* The compression output @path's name asks for: gzip for .gz, zstd for
 * .zst or .zstd (any case), else none ("-": none).  *@base_len (when not
 * NULL) gets the length of the name without that suffix. */
enum outstream_codec outstream_codec(const char *path, size_t *base_len);

/* NS_EUSAGE naming @path when its name asks for a compression that is
 * not written (.bz2, .xz, ...): it would be plain text under that name.
 * outstream_open() checks it first. */
enum ns_rc outstream_check_name(const char *path, struct ns_err *err);

/* Append @len bytes (buffered).  A write error is reported once, here or
 * at a later call, with the path and strerror. */
enum ns_rc outstream_write(struct outstream *o, const void *buf, size_t len,
			   struct ns_err *err);

/* Append the NUL-terminated string @s. */
enum ns_rc outstream_puts(struct outstream *o, const char *s,
			  struct ns_err *err);

/* Bytes given to the stream so far (before compression). */
size_t outstream_bytes(const struct outstream *o);

/*
 * Flush, finish the gzip or zstd stream and close the file, but leave it
 * under its temporary name: then outstream_close() publishes it and
 * outstream_abort() removes it (a caller that records the file elsewhere
 * does that in between).  On failure @err says why; @o is still the
 * caller's to close or abort.
 */
enum ns_rc outstream_finish(struct outstream *o, struct ns_err *err);

/*
 * Flush, finish the gzip or zstd stream, and move the temporary file to
 * its name (outstream_finish() first when it was not called).
 * Frees @o whatever happens; on failure nothing is left under the name
 * (an existing file there is untouched) and @err says why.
 */
enum ns_rc outstream_close(struct outstream *o, struct ns_err *err);

/* Give up: remove the temporary file and free @o.  NULL is a no-op. */
void outstream_abort(struct outstream *o);

#endif
