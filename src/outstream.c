/*
 * outstream.c - whole-or-nothing output files (see outstream.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

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
	gzFile gz;		/* when compressing, over fd */
	char *buf;		/* pending bytes */
	size_t len;
	size_t total;		/* bytes given so far */
	enum ns_rc failed;	/* a write error seen (reported once) */
	bool direct;		/* fd is the file itself (not stdout) */
	bool finished;		/* outstream_finish() done: all written */
};

bool
outstream_is_gzip(const char *path)
{
	size_t n = strlen(path);

	return n > 3 && strcmp(path + n - 3, ".gz") == 0;
}

enum ns_rc
outstream_open(const char *path, struct outstream **out, struct ns_err *err)
{
	struct outstream *o;
	struct stat st;
	mode_t mask;

	if (!*path)
		return err_set(err, NS_EUSAGE, "the output file name is empty");
	o = xcalloc(1, sizeof(*o));
	o->path = xstrdup(path);
	o->buf = xmalloc(OUT_BUF);
	o->fd = -1;
	if (strcmp(path, "-") == 0) {
		o->fd = STDOUT_FILENO;
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
		goto gzip;
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
	o->tmp = xasprintf("%s.tmp-XXXXXX", o->target);
	if ((o->fd = mkstemp(o->tmp)) < 0) {
		enum ns_rc rc = err_setpos(err, NS_EIO, path, 0, 0,
					   "cannot create: %s",
					   strerror(errno));

		free(o->tmp);
		o->tmp = NULL;
		outstream_abort(o);
		return rc;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0666 & ~mask) != 0) {
		err_setpos(err, NS_EIO, path, 0, 0, "cannot create: %s",
			   strerror(errno));
		outstream_abort(o);
		return NS_EIO;
	}
gzip:
	if (outstream_is_gzip(path)) {
		int fd2 = dup(o->fd);

		if (fd2 < 0 || !(o->gz = gzdopen(fd2, "wb"))) {
			if (fd2 >= 0)
				close(fd2);
			err_setpos(err, NS_EIO, path, 0, 0, "cannot start "
				   "gzip output");
			outstream_abort(o);
			return NS_EIO;
		}
		gzbuffer(o->gz, OUT_BUF);
	}
	*out = o;
	return NS_OK;
}

/* Write the pending bytes out. */
static enum ns_rc
out_flush(struct outstream *o, struct ns_err *err)
{
	size_t off = 0;

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
	while (off < o->len) {
		ssize_t w = write(o->fd, o->buf + off, o->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->len = 0;
			o->failed = NS_EIO;
			return err_setpos(err, NS_EIO, o->path, 0, 0, "write "
					  "error: %s", w < 0 ? strerror(errno)
					  : "nothing written");
		}
		off += (size_t)w;
	}
	o->len = 0;
	return NS_OK;
}

enum ns_rc
outstream_write(struct outstream *o, const void *buf, size_t len,
		struct ns_err *err)
{
	const char *p = buf;
	enum ns_rc rc;

	o->total += len;
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
	free(o->path);
	free(o->target);
	free(o->tmp);
	free(o->buf);
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
	if (o->tmp)
		unlink(o->tmp);
	out_free(o);
}
