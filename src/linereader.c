/*
 * linereader.c - streaming line reader (see linereader.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "src/linereader.h"
#include "src/util.h"

#define LR_CHUNK (1u << 20)

enum ns_rc
linereader_open(struct linereader *lr, const char *path, size_t max,
		struct ns_err *err)
{
	memset(lr, 0, sizeof(*lr));
	lr->path = path;
	lr->max = max ? max : (size_t)-1 / 4;
	lr->fp = fopen(path, "rb");
	if (!lr->fp)
		return err_setpos(err, errno == ENOENT ? NS_ENOTFOUND : NS_EIO,
				  path, 0, 0, "cannot open: %s",
				  strerror(errno));
	lr->cap = LR_CHUNK;
	lr->buf = xmalloc(lr->cap + 1);
	return NS_OK;
}

enum ns_rc
linereader_rewind(struct linereader *lr, struct ns_err *err)
{
	if (fseek(lr->fp, 0, SEEK_SET) != 0)
		return err_setpos(err, NS_EIO, lr->path, 0, 0,
				  "cannot rewind: %s", strerror(errno));
	lr->start = lr->end = 0;
	lr->lineno = 0;
	lr->offset = lr->consumed = 0;
	lr->eof = lr->started = false;
	return NS_OK;
}

void
linereader_close(struct linereader *lr)
{
	if (lr->fp)
		fclose(lr->fp);
	free(lr->buf);
	lr->fp = NULL;
	lr->buf = NULL;
}

/* Read more data after buf[end]; moves pending bytes to the front first
 * when that makes room.  Returns false on a read error. */
static bool
lr_fill(struct linereader *lr)
{
	size_t n;

	if (lr->start > 0) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
	}
	if (lr->end == lr->cap) {
		lr->cap *= 2;
		lr->buf = xrealloc(lr->buf, lr->cap + 1);
	}
	n = fread(lr->buf + lr->end, 1, lr->cap - lr->end, lr->fp);
	lr->end += n;
	if (n == 0) {
		if (ferror(lr->fp))
			return false;
		lr->eof = true;
	}
	if (!lr->started && lr->end - lr->start >= 3) {
		lr->started = true;
		if (memcmp(lr->buf + lr->start, "\xEF\xBB\xBF", 3) == 0) {
			lr->start += 3;
			lr->consumed += 3;
		}
	}
	return true;
}

enum ns_rc
linereader_next(struct linereader *lr, const char **line, size_t *len,
		struct ns_err *err)
{
	size_t scanned = 0;
	bool toolong = false;
	char *nl;

	for (;;) {
		size_t avail = lr->end - lr->start;

		nl = memchr(lr->buf + lr->start + scanned, '\n',
			    avail - scanned);
		if (nl)
			break;
		if (lr->eof) {
			if (avail == 0 && !toolong)
				return NS_ENOTFOUND;
			break;
		}
		if (avail > lr->max) {
			/* Too long: drop what we have and keep looking for
			 * the end of the line. */
			toolong = true;
			lr->consumed += (long long)avail;
			lr->start = lr->end;
			scanned = 0;
		} else {
			scanned = avail;
		}
		if (!lr_fill(lr))
			return err_setpos(err, NS_EIO, lr->path,
					  lr->lineno + 1, 0, "read error: %s",
					  strerror(errno));
		if (!lr->started && lr->eof)
			lr->started = true;
	}
	lr->lineno++;
	lr->offset = lr->consumed;
	{
		char *s = lr->buf + lr->start;
		size_t n = nl ? (size_t)(nl - s) : lr->end - lr->start;

		lr->had_newline = nl != NULL;
		lr->start += n + (nl ? 1 : 0);
		lr->consumed += (long long)(n + (nl ? 1 : 0));
		if (toolong || n > lr->max)
			return err_setpos(err, NS_EINPUT, lr->path, lr->lineno,
					  0, "record longer than %zu bytes "
					  "(import.max_record_bytes)",
					  lr->max);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		s[n] = '\0';	/* buf has one spare byte past cap */
		*line = s;
		*len = n;
	}
	return NS_OK;
}
