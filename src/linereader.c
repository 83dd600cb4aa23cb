/*
 * linereader.c - streaming record reader (see linereader.h).
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
	enum ns_rc rc;

	memset(lr, 0, sizeof(*lr));
	lr->path = path;
	lr->max = max ? max : (size_t)-1 / 4;
	lr->nul_at = (size_t)-1;
	if ((rc = instream_open(&lr->in, path, err)))
		return rc;
	lr->path = instream_name(lr->in);
	lr->cap = LR_CHUNK;
	lr->buf = xmalloc(lr->cap + 1);
	return NS_OK;
}

void
linereader_close(struct linereader *lr)
{
	instream_close(lr->in);
	free(lr->buf);
	lr->in = NULL;
	lr->buf = NULL;
}

/* Read more data after buf[end]; moves pending bytes to the front first
 * when that makes room. */
static enum ns_rc
lr_fill(struct linereader *lr, struct ns_err *err)
{
	size_t n;
	enum ns_rc rc;

	if (lr->start > 0) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		if (lr->nul_at != (size_t)-1)
			lr->nul_at -= lr->start;
		lr->end -= lr->start;
		lr->start = 0;
	}
	if (lr->end == lr->cap) {
		lr->cap *= 2;
		lr->buf = xrealloc(lr->buf, lr->cap + 1);
	}
	if ((rc = instream_read(lr->in, lr->buf + lr->end, lr->cap - lr->end,
				&n, err)))
		return rc;
	lr->end += n;
	if (n == 0)
		lr->eof = true;
	if (!lr->started && (lr->end - lr->start >= 3 || lr->eof)) {
		lr->started = true;
		if (lr->end - lr->start >= 3 &&
		    memcmp(lr->buf + lr->start, "\xEF\xBB\xBF", 3) == 0) {
			lr->start += 3;
			lr->consumed += 3;
			lr->bom = true;
		}
	}
	return NS_OK;
}

enum ns_rc
linereader_peek(struct linereader *lr, size_t n, const char **p,
		size_t *len, struct ns_err *err)
{
	enum ns_rc rc;

	while ((lr->end - lr->start < n || !lr->started) && !lr->eof)
		if ((rc = lr_fill(lr, err)))
			return rc;
	*p = lr->buf + lr->start;
	*len = lr->end - lr->start;
	return NS_OK;
}

static enum ns_rc lr_next_elem(struct linereader *lr, const char **rec,
			       size_t *len, struct ns_err *err);

enum ns_rc
linereader_next(struct linereader *lr, const char **line, size_t *len,
		struct ns_err *err)
{
	size_t scanned = 0;
	bool toolong = false;
	enum ns_rc rc;
	char *nl;

	if (lr->array)
		return lr_next_elem(lr, line, len, err);
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
		if ((rc = lr_fill(lr, err))) {
			if (rc == NS_EIO)
				err->line = lr->lineno + 1;
			return rc;
		}
	}
	lr->lineno++;
	lr->col = 1;
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
		lr->had_cr = n > 0 && s[n - 1] == '\r';
		if (lr->had_cr)
			n--;
		s[n] = '\0';	/* buf has one spare byte past cap */
		*line = s;
		*len = n;
	}
	return NS_OK;
}

/* --- JSON arrays ---------------------------------------------------- */

/* Consume @n bytes, keeping cur_line/cur_col. */
static void
lr_skip(struct linereader *lr, size_t n)
{
	const unsigned char *s = (const unsigned char *)lr->buf + lr->start;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			lr->cur_line++, lr->cur_col = 1;
		else if ((s[i] & 0xC0) != 0x80)
			lr->cur_col++;
	}
	lr->start += n;
	lr->consumed += (long long)n;
}

/* Byte @i after start, reading more as needed; -1 at the end. */
static int
lr_at(struct linereader *lr, size_t i, enum ns_rc *rc, struct ns_err *err)
{
	while (lr->start + i >= lr->end) {
		if (lr->eof)
			return -1;
		if ((*rc = lr_fill(lr, err)))
			return -1;
	}
	return (unsigned char)lr->buf[lr->start + i];
}

static bool
lr_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skip blanks; the next byte, or -1 at the end (*rc set on errors). */
static int
lr_skip_space(struct linereader *lr, enum ns_rc *rc, struct ns_err *err)
{
	int c;

	while ((c = lr_at(lr, 0, rc, err)) >= 0 && lr_space(c))
		lr_skip(lr, 1);
	return c;
}

enum ns_rc
linereader_array(struct linereader *lr, struct ns_err *err)
{
	enum ns_rc rc = NS_OK;
	int c;

	lr->cur_line = 1;
	lr->cur_col = 1;
	c = lr_skip_space(lr, &rc, err);
	if (rc)
		return rc;
	if (c != '[')
		return err_setpos(err, NS_EINPUT, lr->path, lr->cur_line,
				  lr->cur_col, "expected a JSON array ('[')");
	lr_skip(lr, 1);
	lr->array = lr->array_open = true;
	lr->array_n = 0;
	return NS_OK;
}

/* The length of the JSON value at start (its first byte is @c); 0 and
 * *@why set when it is cut short or over the limit. */
static size_t
lr_value_len(struct linereader *lr, int c, const char **why, enum ns_rc *rc,
	     struct ns_err *err)
{
	size_t i = 1;
	int depth = 0;
	bool str = false, esc = false;

	if (c == '{' || c == '[')
		depth = 1;
	else if (c == '"')
		str = true;
	for (;; i++) {
		int b;

		if (i > lr->max) {
			*why = "long";
			return 0;
		}
		b = lr_at(lr, i, rc, err);
		if (b < 0) {
			if (*rc)
				return 0;
			if (depth == 0 && !str)
				return i;	/* a number at the very end */
			*why = "cut";
			return 0;
		}
		if (str) {
			if (esc)
				esc = false;
			else if (b == '\\')
				esc = true;
			else if (b == '"') {
				str = false;
				if (depth == 0)
					return i + 1;
			}
			continue;
		}
		if (depth == 0) {
			/* a number, true, false or null */
			if (b == ',' || b == ']' || b == '}' || lr_space(b))
				return i;
			continue;
		}
		if (b == '"')
			str = true;
		else if (b == '{' || b == '[')
			depth++;
		else if ((b == '}' || b == ']') && --depth == 0)
			return i + 1;
	}
}

static enum ns_rc
lr_next_elem(struct linereader *lr, const char **rec, size_t *len,
	     struct ns_err *err)
{
	enum ns_rc rc = NS_OK;
	const char *why = NULL;
	size_t n;
	int c;

	if (lr->nul_at != (size_t)-1) {
		lr->buf[lr->nul_at] = lr->nul_ch;
		lr->nul_at = (size_t)-1;
	}
	if (!lr->array_open)
		return NS_ENOTFOUND;
	c = lr_skip_space(lr, &rc, err);
	if (rc)
		return rc;
	if (lr->array_n > 0 && c == ',') {
		lr_skip(lr, 1);
		c = lr_skip_space(lr, &rc, err);
		if (rc)
			return rc;
		if (c == ']') {
			lr->array_open = false;
			return err_setpos(err, NS_EINPUT, lr->path,
					  lr->cur_line, lr->cur_col, "a value "
					  "expected after ',' in the JSON "
					  "array");
		}
	} else if (c == ']') {
		lr_skip(lr, 1);
		lr->array_open = false;
		c = lr_skip_space(lr, &rc, err);
		if (rc)
			return rc;
		if (c >= 0)
			return err_setpos(err, NS_EINPUT, lr->path,
					  lr->cur_line, lr->cur_col, "text "
					  "after the end of the JSON array");
		return NS_ENOTFOUND;
	} else if (lr->array_n > 0) {
		lr->array_open = false;
		if (c < 0)
			return err_setpos(err, NS_EINPUT, lr->path,
					  lr->cur_line, lr->cur_col, "the "
					  "JSON array is not closed (no ']' "
					  "before the end)");
		return err_setpos(err, NS_EINPUT, lr->path, lr->cur_line,
				  lr->cur_col, "expected ',' or ']' after an "
				  "element of the JSON array");
	}
	if (c < 0) {
		lr->array_open = false;
		return err_setpos(err, NS_EINPUT, lr->path, lr->cur_line,
				  lr->cur_col, "the JSON array is not closed "
				  "(no ']' before the end)");
	}
	lr->lineno = lr->cur_line;
	lr->col = lr->cur_col;
	lr->offset = lr->consumed;
	n = lr_value_len(lr, c, &why, &rc, err);
	if (rc)
		return rc;
	if (n == 0) {
		lr->array_open = false;
		if (why[0] == 'l')
			return err_setpos(err, NS_EINPUT, lr->path,
					  lr->lineno, 0, "record longer than "
					  "%zu bytes (import.max_record_bytes)",
					  lr->max);
		return err_setpos(err, NS_EINPUT, lr->path, lr->lineno,
				  lr->col, "the JSON array is not closed "
				  "(the input ends inside an element)");
	}
	*rec = lr->buf + lr->start;
	*len = n;
	lr_skip(lr, n);
	/* NUL-terminate in place; a byte of data is put back on the next
	 * call (past the data, buf has one spare byte) */
	lr->nul_at = lr->start < lr->end ? lr->start : (size_t)-1;
	lr->nul_ch = lr->buf[lr->start];
	lr->buf[lr->start] = '\0';
	lr->array_n++;
	lr->had_newline = true;
	lr->had_cr = false;
	return NS_OK;
}
