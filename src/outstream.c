/*
 * outstream.c - whole-or-nothing output files (see outstream.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "src/cleanup.h"
#include "src/outstream.h"
#include "src/util.h"

#define OUT_BUF (256 * 1024)

struct outstream {
	char *path;		/* the name asked for */
	char *target;		/* the file tmp becomes (@path, or where its
				 * symbolic link points) */
	char *tmp;		/* the temporary file; NULL when writing
				 * straight (stdout, a device, a pipe) */
	int fd;			/* of tmp, or the file written straight */
	gzFile gz;		/* when compressing to gzip, over fd */
	ZSTD_CStream *zs;	/* when compressing to zstd */
	char *zbuf;		/* zstd's output, written to fd */
	size_t zcap;
	char *buf;		/* pending bytes */
	size_t len;
	size_t total;		/* bytes given so far */
	enum ns_rc failed;	/* a write error seen (reported once) */
	bool direct;		/* fd is the file itself (not stdout) */
	bool finished;		/* outstream_finish() done: all written */
	/* standard output ("-"): a signal handler writes the whole
	 * records pending in buf (see cleanup_output()): an export to
	 * stdout ended by SIGTERM or Ctrl-C does not lose the records it
	 * had made, nor end in the middle of one (unless the signal came
	 * while the buffer itself was being written) */
	bool sig;
	volatile sig_atomic_t sig_len;	/* bytes of whole records in buf */
	volatile sig_atomic_t sig_busy;	/* out_flush() at work */
};

/* The compressions written, by suffix (any case: import reads .GZ too) */
static const struct {
	const char *suffix;
	enum outstream_codec codec;
} out_codecs[] = {
	{ ".gz", OUTSTREAM_GZIP },
	{ ".zst", OUTSTREAM_ZSTD },
	{ ".zstd", OUTSTREAM_ZSTD },
};

/* ... and those that are not: a name asking for one is refused rather
 * than written plain under it (a reader of the name would fail on it) */
static const struct {
	const char *suffix, *what;
} out_unwritten[] = {
	{ ".bz2", "bzip2" }, { ".xz", "xz" }, { ".lz4", "lz4" },
	{ ".lzma", "lzma" }, { ".zip", "zip" }, { ".7z", "7z" },
	{ ".br", "brotli" }, { ".Z", "compress" }, { ".sz", "snappy" },
};

static bool
out_ends_with(const char *s, size_t n, const char *tail)
{
	size_t m = strlen(tail);

	return n > m && strcasecmp(s + n - m, tail) == 0;
}

enum outstream_codec
outstream_codec(const char *path, size_t *base_len)
{
	size_t n = strlen(path);

	if (base_len)
		*base_len = n;
	if (!strcmp(path, "-"))
		return OUTSTREAM_PLAIN;
	for (size_t i = 0; i < NS_ARRAY_SIZE(out_codecs); i++)
		if (out_ends_with(path, n, out_codecs[i].suffix)) {
			if (base_len)
				*base_len = n - strlen(out_codecs[i].suffix);
			return out_codecs[i].codec;
		}
	return OUTSTREAM_PLAIN;
}

enum ns_rc
outstream_check_name(const char *path, struct ns_err *err)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < NS_ARRAY_SIZE(out_unwritten); i++)
		if (out_ends_with(path, n, out_unwritten[i].suffix))
			return err_setpos(err, NS_EUSAGE, path, 0, 0, "the "
					  "name asks for %s, which negsieve "
					  "does not write (gzip for .gz, zstd "
					  "for .zst, else plain): name the "
					  "output .gz or .zst, or compress it "
					  "afterwards", out_unwritten[i].what);
	return NS_OK;
}

/* Start the compression @o->path asks for over @o->fd. */
static enum ns_rc
out_start_codec(struct outstream *o, struct ns_err *err)
{
	switch (outstream_codec(o->path, NULL)) {
	case OUTSTREAM_GZIP: {
		int fd2 = dup(o->fd);

		if (fd2 < 0 || !(o->gz = gzdopen(fd2, "wb"))) {
			if (fd2 >= 0)
				close(fd2);
			return err_setpos(err, NS_EIO, o->path, 0, 0, "cannot "
					  "start gzip output");
		}
		gzbuffer(o->gz, OUT_BUF);
		break;
	}
	case OUTSTREAM_ZSTD:
		/* the default level, with a checksum (zstd -t checks it);
		 * the same input gives the same bytes, as with gzip */
		if (!(o->zs = ZSTD_createCStream()) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(o->zs,
				 ZSTD_c_compressionLevel,
				 ZSTD_CLEVEL_DEFAULT)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(o->zs,
				 ZSTD_c_checksumFlag, 1)))
			return err_setpos(err, NS_EIO, o->path, 0, 0, "cannot "
					  "start zstd output");
		o->zcap = ZSTD_CStreamOutSize();
		o->zbuf = xmalloc(o->zcap);
		break;
	case OUTSTREAM_PLAIN:
		break;
	}
	return NS_OK;
}

enum ns_rc
outstream_open(const char *path, struct outstream **out, struct ns_err *err)
{
	struct outstream *o;
	struct stat st;
	mode_t mask;

	if (!*path)
		return err_set(err, NS_EUSAGE, "the output file name is empty");
	if (outstream_check_name(path, err))
		return err->rc;
	o = xcalloc(1, sizeof(*o));
	o->path = xstrdup(path);
	o->buf = xmalloc(OUT_BUF);
	o->fd = -1;
	if (strcmp(path, "-") == 0) {
		o->fd = STDOUT_FILENO;
		o->sig = true;
		cleanup_output(STDOUT_FILENO, o->buf, &o->sig_len,
			       &o->sig_busy);
		*out = o;
		return NS_OK;
	}
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    file_is_sqlite(path)) {
		/* e.g. -o PROJECT/negsieve.db: never replace a database */
		outstream_abort(o);
		return err_setpos(err, NS_EUSAGE, path, 0, 0, "is an SQLite "
				  "database (a project's or a shard?): not "
				  "replaced; write the output elsewhere");
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* a device or a pipe (/dev/null, /dev/stdout, a FIFO) is
		 * written straight: it cannot be replaced */
		if (S_ISDIR(st.st_mode)) {
			outstream_abort(o);
			return err_setpos(err, NS_EIO, path, 0, 0, "cannot "
					  "create: %s", strerror(EISDIR));
		}
		if ((o->fd = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
			enum ns_rc rc = err_setpos(err, NS_EIO, path, 0, 0,
						   "cannot open: %s",
						   strerror(errno));

			outstream_abort(o);
			return rc;
		}
		o->direct = true;
		goto codec;
	}
	/* a symbolic link stays one: the file it points to is replaced */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    (o->target = realpath(path, NULL)) == NULL) {
		enum ns_rc rc = err_setpos(err, NS_EIO, path, 0, 0, "cannot "
					   "resolve: %s", strerror(errno));

		outstream_abort(o);
		return rc;
	}
	if (!o->target)
		o->target = xstrdup(path);
	/* named with our pid, so that the next export can tell one that
	 * SIGKILL left from one a live export is writing */
	cleanup_stale(o->target);
	o->tmp = cleanup_tmp_name(o->target);
	unlink(o->tmp);		/* a dead process's that had our pid */
	if ((o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0600)) < 0) {
		enum ns_rc rc = err_setpos(err, NS_EIO, path, 0, 0,
					   "cannot create: %s",
					   strerror(errno));

		free(o->tmp);
		o->tmp = NULL;
		outstream_abort(o);
		return rc;
	}
	/* removed by SIGINT, SIGTERM and SIGHUP too (a command that
	 * writes one calls cleanup_catch_signals()) */
	cleanup_add(o->tmp);
	mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0666 & ~mask) != 0) {
		err_setpos(err, NS_EIO, path, 0, 0, "cannot create: %s",
			   strerror(errno));
		outstream_abort(o);
		return NS_EIO;
	}
codec:
	if (out_start_codec(o, err)) {
		outstream_abort(o);
		return err->rc;
	}
	*out = o;
	return NS_OK;
}

static enum ns_rc out_flush_buf(struct outstream *o, struct ns_err *err);

/* Write the pending bytes out.  The signal handler keeps off the buffer
 * meanwhile: what it would write may be written already. */
static enum ns_rc
out_flush(struct outstream *o, struct ns_err *err)
{
	enum ns_rc rc;

	if (!o->sig)
		return out_flush_buf(o, err);
	o->sig_busy = 1;
	atomic_signal_fence(memory_order_seq_cst);
	rc = out_flush_buf(o, err);
	o->sig_len = 0;
	atomic_signal_fence(memory_order_seq_cst);
	o->sig_busy = 0;
	return rc;
}

/* Write @len bytes of @p to the file itself. */
static enum ns_rc
out_write_fd(struct outstream *o, const char *p, size_t len,
	     struct ns_err *err)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(o->fd, p + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->failed = NS_EIO;
			return err_setpos(err, NS_EIO, o->path, 0, 0, "write "
					  "error: %s", w < 0 ? strerror(errno)
					  : "nothing written");
		}
		off += (size_t)w;
	}
	return NS_OK;
}

/* Compress @len bytes of @p into zstd's stream, writing what it gives
 * out; @end: the input is all there, end the frame. */
static enum ns_rc
out_zstd(struct outstream *o, const char *p, size_t len, bool end,
	 struct ns_err *err)
{
	ZSTD_inBuffer in = { p, len, 0 };
	size_t left;

	do {
		ZSTD_outBuffer zo = { o->zbuf, o->zcap, 0 };

		left = ZSTD_compressStream2(o->zs, &zo, &in, end ?
					    ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(left)) {
			o->failed = NS_EIO;
			return err_setpos(err, NS_EIO, o->path, 0, 0, "zstd "
					  "compression: %s",
					  ZSTD_getErrorName(left));
		}
		if (zo.pos && out_write_fd(o, o->zbuf, zo.pos, err))
			return NS_EIO;
	} while (end ? left != 0 : in.pos < in.size);
	return NS_OK;
}

static enum ns_rc
out_flush_buf(struct outstream *o, struct ns_err *err)
{
	enum ns_rc rc;

	if (o->failed) {
		o->len = 0;
		return o->failed;
	}
	if (o->gz) {
		if (o->len && gzwrite(o->gz, o->buf, (unsigned)o->len) !=
			      (int)o->len) {
			int zerr;
			const char *msg = gzerror(o->gz, &zerr);

			o->len = 0;
			o->failed = NS_EIO;
			return err_setpos(err, NS_EIO, o->path, 0, 0, "write "
					  "error: %s", zerr == Z_ERRNO ?
					  strerror(errno) : msg);
		}
		o->len = 0;
		return NS_OK;
	}
	rc = o->zs ? (o->len ? out_zstd(o, o->buf, o->len, false, err) : 0)
		   : out_write_fd(o, o->buf, o->len, err);
	o->len = 0;
	return rc;
}

enum ns_rc
outstream_write(struct outstream *o, const void *buf, size_t len,
		struct ns_err *err)
{
	const char *p = buf;
	enum ns_rc rc;

	o->total += len;
	/* to stdout, a record (each call of the exporters writes one) is
	 * not split over two flushes unless it is larger than the buffer */
	if (o->sig && o->len && o->len + len > OUT_BUF &&
	    (rc = out_flush(o, err)))
		return rc;
	while (len) {
		size_t n = OUT_BUF - o->len;

		if (n > len)
			n = len;
		memcpy(o->buf + o->len, p, n);
		o->len += n;
		p += n;
		len -= n;
		if (o->len == OUT_BUF && (rc = out_flush(o, err)))
			return rc;
	}
	if (o->sig) {
		/* the bytes are in buf before the handler may write them */
		atomic_signal_fence(memory_order_seq_cst);
		o->sig_len = (sig_atomic_t)o->len;
	}
	return o->failed;
}

enum ns_rc
outstream_puts(struct outstream *o, const char *s, struct ns_err *err)
{
	return outstream_write(o, s, strlen(s), err);
}

size_t
outstream_bytes(const struct outstream *o)
{
	return o->total;
}

static void
out_free(struct outstream *o)
{
	if (o->sig)
		cleanup_output(-1, NULL, NULL, NULL);
	free(o->path);
	free(o->target);
	free(o->tmp);
	free(o->buf);
	free(o->zbuf);
	ZSTD_freeCStream(o->zs);
	free(o);
}

enum ns_rc
outstream_finish(struct outstream *o, struct ns_err *err)
{
	enum ns_rc rc = out_flush(o, err);

	o->finished = true;
	if (o->gz) {
		int zrc = gzclose(o->gz);

		o->gz = NULL;
		if (rc == NS_OK && zrc != Z_OK)
			rc = err_setpos(err, NS_EIO, o->path, 0, 0, "write "
					"error: %s", zrc == Z_ERRNO ?
					strerror(errno) : "gzip stream");
	}
	if (o->zs && rc == NS_OK)
		rc = out_zstd(o, NULL, 0, true, err);
	if (!o->tmp && !o->direct) {
		if (rc == NS_OK && fflush(stdout) != 0)
			rc = err_setpos(err, NS_EIO, "-", 0, 0, "write error: "
					"%s", strerror(errno));
		return rc;
	}
	if (o->fd >= 0 && close(o->fd) != 0 && rc == NS_OK)
		rc = err_setpos(err, NS_EIO, o->path, 0, 0, "write error: %s",
				strerror(errno));
	o->fd = -1;
	return rc;
}

enum ns_rc
outstream_close(struct outstream *o, struct ns_err *err)
{
	enum ns_rc rc = o->finished ? NS_OK : outstream_finish(o, err);

	if (o->tmp) {
		if (rc == NS_OK && rename(o->tmp, o->target) != 0)
			rc = err_setpos(err, NS_EIO, o->path, 0, 0, "cannot "
					"rename %s to it: %s", o->tmp,
					strerror(errno));
		if (rc != NS_OK)
			unlink(o->tmp);
		cleanup_remove(o->tmp);
	}
	out_free(o);
	return rc;
}

void
outstream_abort(struct outstream *o)
{
	if (!o)
		return;
	if (o->gz)
		gzclose(o->gz);		/* over a dup of fd */
	if ((o->direct || o->tmp) && o->fd >= 0)
		close(o->fd);
	if (o->tmp) {
		unlink(o->tmp);
		cleanup_remove(o->tmp);
	}
	out_free(o);
}
