/*
 * instream.c - input bytes, decompressed by magic (see instream.h).
 *
 * The raw bytes come through read(2) into a buffer; gzip goes through
 * zlib's inflate (gzip members one after another are one stream, as
 * gunzip reads them), zstd through ZSTD_decompressStream (several frames
 * likewise).  Plain data is copied from the buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "src/instream.h"
#include "src/util.h"

#define IN_RAW (1u << 18)

struct instream {
	int fd;			/* owned unless it is standard input */
	char *path;		/* owned */
	bool is_stdin, regular;
	enum instream_codec codec;
	unsigned char *raw;	/* compressed (or plain) bytes, IN_RAW */
	size_t rpos, rend;	/* unconsumed raw bytes: raw[rpos..rend) */
	bool raw_eof;		/* read(2) returned 0 */
	uint64_t raw_off;	/* raw bytes consumed before raw[rpos] */
	z_stream z;
	bool z_init;
	bool frame_open;	/* a gzip member / zstd frame is unfinished */
	bool done;		/* the data is over */
	ZSTD_DStream *zs;
	XXH3_state_t *xx;
	uint64_t bytes;
};

const char *
instream_codec_name(enum instream_codec c)
{
	return c == INSTREAM_GZIP ? "gzip" : c == INSTREAM_ZSTD ? "zstd"
	       : NULL;
}

/* Refill the raw buffer (keeps unconsumed bytes). */
static enum ns_rc
in_fill(struct instream *s, struct ns_err *err)
{
	ssize_t n;

	if (s->rpos > 0) {
		memmove(s->raw, s->raw + s->rpos, s->rend - s->rpos);
		s->raw_off += s->rpos;
		s->rend -= s->rpos;
		s->rpos = 0;
	}
	while (!s->raw_eof && s->rend < IN_RAW) {
		n = read(s->fd, s->raw + s->rend, IN_RAW - s->rend);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_setpos(err, NS_EIO, s->path, 0, 0,
					  "read error: %s", strerror(errno));
		if (n == 0)
			s->raw_eof = true;
		s->rend += (size_t)n;
		break;
	}
	return NS_OK;
}

enum ns_rc
instream_open(struct instream **out, const char *path, struct ns_err *err)
{
	struct instream *s;
	struct stat sb;
	enum ns_rc rc;
	int fd;

	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return err_setpos(err, errno == ENOENT ? NS_ENOTFOUND
					  : NS_EIO, path, 0, 0,
					  "cannot open: %s", strerror(errno));
	}
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		if (fd != STDIN_FILENO)
			close(fd);
		return err_setpos(err, NS_EINPUT, path, 0, 0, "is a "
				  "directory");
	}
	s = xcalloc(1, sizeof(*s));
	s->fd = fd;
	s->is_stdin = fd == STDIN_FILENO;
	s->path = xstrdup(s->is_stdin ? "<stdin>" : path);
	s->regular = !s->is_stdin && S_ISREG(sb.st_mode);
	s->raw = xmalloc(IN_RAW);
	s->xx = XXH3_createState();
	if (!s->xx)
		abort();
	XXH3_128bits_reset(s->xx);
	/* Enough bytes for the magic numbers (a pipe may give fewer). */
	while (!s->raw_eof && s->rend < 4)
		if ((rc = in_fill(s, err))) {
			instream_close(s);
			return rc;
		}
	if (s->rend >= 2 && s->raw[0] == 0x1f && s->raw[1] == 0x8b) {
		s->codec = INSTREAM_GZIP;
		/* 15 + 32: a gzip or zlib header, detected */
		if (inflateInit2(&s->z, 15 + 32) != Z_OK) {
			instream_close(s);
			return err_setpos(err, NS_ENOMEM, path, 0, 0,
					  "cannot start gzip decompression");
		}
		s->z_init = true;
	} else if (s->rend >= 4 && s->raw[0] == 0x28 && s->raw[1] == 0xb5 &&
		   s->raw[2] == 0x2f && s->raw[3] == 0xfd) {
		s->codec = INSTREAM_ZSTD;
		s->zs = ZSTD_createDStream();
		if (!s->zs || ZSTD_isError(ZSTD_initDStream(s->zs))) {
			instream_close(s);
			return err_setpos(err, NS_ENOMEM, path, 0, 0,
					  "cannot start zstd decompression");
		}
	}
	*out = s;
	return NS_OK;
}

/* Report corrupt or truncated compressed data. */
static enum ns_rc
in_corrupt(struct instream *s, const char *why, struct ns_err *err)
{
	return err_setpos(err, NS_EINPUT, s->path, 0, 0, "%s data %s (at "
			  "compressed byte %llu)", instream_codec_name(s->codec),
			  why, (unsigned long long)(s->raw_off + s->rpos));
}

static enum ns_rc
in_gzip(struct instream *s, unsigned char *buf, size_t n, size_t *got,
	struct ns_err *err)
{
	enum ns_rc rc;
	int zr;

	*got = 0;
	while (*got == 0 && !s->done) {
		if (s->rpos == s->rend) {
			if ((rc = in_fill(s, err)))
				return rc;
			if (s->rpos == s->rend) {
				if (s->frame_open)
					return in_corrupt(s, "is cut short",
							  err);
				s->done = true;
				break;
			}
		}
		if (!s->frame_open) {
			/* a new member: zlib needs a reset between members */
			if (inflateReset(&s->z) != Z_OK)
				return in_corrupt(s, "is corrupt", err);
			s->frame_open = true;
		}
		s->z.next_in = s->raw + s->rpos;
		s->z.avail_in = (uInt)(s->rend - s->rpos);
		s->z.next_out = buf;
		s->z.avail_out = (uInt)(n > (1u << 30) ? (1u << 30) : n);
		zr = inflate(&s->z, Z_NO_FLUSH);
		s->rpos = s->rend - s->z.avail_in;
		*got = (size_t)(s->z.next_out - buf);
		if (zr == Z_STREAM_END)
			s->frame_open = false;
		else if (zr == Z_BUF_ERROR && *got == 0 && s->z.avail_in)
			return in_corrupt(s, "is corrupt", err);
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return in_corrupt(s, s->z.msg ? s->z.msg : "is corrupt",
					  err);
	}
	return NS_OK;
}

static enum ns_rc
in_zstd(struct instream *s, unsigned char *buf, size_t n, size_t *got,
	struct ns_err *err)
{
	enum ns_rc rc;
	size_t zr;

	*got = 0;
	while (*got == 0 && !s->done) {
		ZSTD_inBuffer in;
		ZSTD_outBuffer o = { buf, n, 0 };

		if (s->rpos == s->rend) {
			if ((rc = in_fill(s, err)))
				return rc;
			if (s->rpos == s->rend) {
				if (s->frame_open)
					return in_corrupt(s, "is cut short",
							  err);
				s->done = true;
				break;
			}
		}
		in.src = s->raw + s->rpos;
		in.size = s->rend - s->rpos;
		in.pos = 0;
		zr = ZSTD_decompressStream(s->zs, &o, &in);
		if (ZSTD_isError(zr))
			return in_corrupt(s, ZSTD_getErrorName(zr), err);
		s->rpos += in.pos;
		*got = o.pos;
		/* 0: a frame is complete and flushed */
		s->frame_open = zr != 0;
	}
	return NS_OK;
}

enum ns_rc
instream_read(struct instream *s, void *buf, size_t n, size_t *got,
	      struct ns_err *err)
{
	enum ns_rc rc = NS_OK;

	*got = 0;
	if (n == 0 || s->done)
		return NS_OK;
	switch (s->codec) {
	case INSTREAM_GZIP:
		rc = in_gzip(s, buf, n, got, err);
		break;
	case INSTREAM_ZSTD:
		rc = in_zstd(s, buf, n, got, err);
		break;
	case INSTREAM_PLAIN:
		if (s->rpos < s->rend) {
			*got = s->rend - s->rpos < n ? s->rend - s->rpos : n;
			memcpy(buf, s->raw + s->rpos, *got);
			s->rpos += *got;
			break;
		}
		while (!s->raw_eof) {
			ssize_t r = read(s->fd, buf, n);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return err_setpos(err, NS_EIO, s->path, 0, 0,
						  "read error: %s",
						  strerror(errno));
			if (r == 0)
				s->raw_eof = true;
			*got = (size_t)r;
			break;
		}
		if (*got == 0)
			s->done = true;
		break;
	}
	if (rc == NS_OK && *got) {
		XXH3_128bits_update(s->xx, buf, *got);
		s->bytes += *got;
	}
	return rc;
}

const char *
instream_name(const struct instream *s)
{
	return s->path;
}

enum instream_codec
instream_codec(const struct instream *s)
{
	return s->codec;
}

bool
instream_regular(const struct instream *s)
{
	return s->regular;
}

uint64_t
instream_bytes(const struct instream *s)
{
	return s->bytes;
}

void
instream_digest(const struct instream *s, char out[33])
{
	XXH128_hash_t h = XXH3_128bits_digest(s->xx);

	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64,
		 (unsigned long long)h.low64);
}

enum ns_rc
instream_file_digest(const char *path, char out[33], uint64_t *bytes,
		     struct ns_err *err)
{
	/* large reads: the file is hundreds of MB for a 1M-passage IVF */
	enum { CHUNK = 1 << 20 };
	XXH3_state_t *xx;
	XXH128_hash_t h;
	unsigned char *buf;
	uint64_t n = 0;
	enum ns_rc rc = NS_OK;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_setpos(err, errno == ENOENT ? NS_ENOTFOUND : NS_EIO,
				  path, 0, 0, "cannot open: %s",
				  strerror(errno));
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	buf = xmalloc(CHUNK);
	xx = XXH3_createState();
	if (!xx)
		abort();
	XXH3_128bits_reset(xx);
	for (;;) {
		r = read(fd, buf, CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = err_setpos(err, NS_EIO, path, 0, 0,
					"read error: %s", strerror(errno));
			break;
		}
		if (r == 0)
			break;
		XXH3_128bits_update(xx, buf, (size_t)r);
		n += (uint64_t)r;
	}
	if (rc == NS_OK) {
		h = XXH3_128bits_digest(xx);
		snprintf(out, 33, "%016llx%016llx",
			 (unsigned long long)h.high64,
			 (unsigned long long)h.low64);
		*bytes = n;
	}
	XXH3_freeState(xx);
	free(buf);
	close(fd);
	return rc;
}

void
instream_close(struct instream *s)
{
	if (!s)
		return;
	if (!s->is_stdin && s->fd >= 0)
		close(s->fd);
	if (s->z_init)
		inflateEnd(&s->z);
	ZSTD_freeDStream(s->zs);
	XXH3_freeState(s->xx);
	free(s->raw);
	free(s->path);
	free(s);
}
