/*
 * layout.c - text layout for the terminal (see layout.h).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/layout.h"
#include "src/util.h"

/* Decode one UTF-8 sequence; returns bytes, or 0 when malformed. */
static size_t
layout_utf8(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n;
	uint32_t c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Invisible formatting characters that would move or reorder text. */
static bool
layout_invisible(uint32_t c)
{
	return c == 0x200b || c == 0x200c || c == 0x200d || c == 0x200e ||
	       c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x061c || c == 0xfeff;
}

size_t
layout_char(const char *s, size_t len, wchar_t *wc, int *width)
{
	uint32_t cp;
	size_t n = layout_utf8((const unsigned char *)s, len, &cp);
	int w;

	if (n == 0) {
		*wc = L'?';
		*width = 1;
		return 1;
	}
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
		*wc = L' ';
		*width = 1;
		return n;
	}
	if (layout_invisible(cp)) {
		*wc = L'\0';
		*width = 0;
		return n;
	}
	w = wcwidth((wchar_t)cp);
	if (w < 0) {
		*wc = L'?';
		*width = 1;
		return n;
	}
	*wc = (wchar_t)cp;
	*width = w;
	return n;
}

int
layout_width(const char *s, size_t len)
{
	size_t i = 0;
	int total = 0;

	while (i < len) {
		wchar_t wc;
		int w;

		i += layout_char(s + i, len - i, &wc, &w);
		total += w;
	}
	return total;
}

size_t
layout_clip(const char *s, size_t len, int width, int *used)
{
	size_t i = 0;
	int total = 0;

	while (i < len) {
		wchar_t wc;
		int w;
		size_t n = layout_char(s + i, len - i, &wc, &w);

		if (total + w > width)
			break;
		total += w;
		i += n;
	}
	if (used)
		*used = total;
	return i;
}

void
layout_wrap(const char *s, size_t len, int width,
	    struct layout_line **lines, size_t *n)
{
	struct layout_line *v = NULL;
	size_t nv = 0, cap = 0, i = 0;

	if (width < 1)
		width = 1;
	do {
		size_t start = i, brk = 0, end;
		int col = 0;
		bool have_brk = false, soft;

		/* scan one line */
		while (i < len && s[i] != '\n') {
			wchar_t wc;
			int w;
			size_t k = layout_char(s + i, len - i, &wc, &w);

			if (col + w > width)
				break;
			if (s[i] == ' ' || s[i] == '\t') {
				brk = i;
				have_brk = true;
			}
			col += w;
			i += k;
		}
		soft = i < len && s[i] != '\n';
		if (soft && have_brk && brk > start) {
			end = brk;
			i = brk + 1;
		} else {
			if (i == start && soft) {
				/* a character wider than the line: take it */
				wchar_t wc;
				int w;

				i += layout_char(s + i, len - i, &wc, &w);
			}
			end = i;
			if (i < len && s[i] == '\n')
				i++;
		}
		if (nv == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[nv].start = start;
		v[nv].end = end;
		nv++;
		/* a wrapped line's continuation does not start with spaces */
		if (soft)
			while (i < len && s[i] == ' ')
				i++;
	} while (i < len);
	*lines = v;
	*n = nv;
}

static const char *const layout_stopwords[] = {
	"the", "and", "for", "are", "was", "were", "with", "what", "which",
	"who", "how", "why", "when", "where", "does", "did", "from", "that",
	"this", "these", "those", "into", "than", "then", "but", "not", "can",
	"you", "your", "its", "has", "have", "had", "all", "any", "some",
};

static bool
layout_stop(const char *w)
{
	for (size_t i = 0; i < NS_ARRAY_SIZE(layout_stopwords); i++)
		if (!strcmp(w, layout_stopwords[i]))
			return true;
	return false;
}

static bool
layout_wordch(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

void
layout_terms_init(struct layout_terms *t, const char *query)
{
	const char *p = query;
	size_t cap = 0;

	t->v = NULL;
	t->n = 0;
	while (*p) {
		const char *b;
		char *w;
		bool dup = false;

		while (*p && !layout_wordch((unsigned char)*p))
			p++;
		b = p;
		while (*p && layout_wordch((unsigned char)*p))
			p++;
		if (p == b)
			break;
		w = xstrndup(b, (size_t)(p - b));
		for (char *c = w; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		/* short ASCII words and stopwords are noise */
		if ((strlen(w) < 3 && (unsigned char)w[0] < 0x80) ||
		    layout_stop(w)) {
			free(w);
			continue;
		}
		for (size_t i = 0; i < t->n; i++)
			dup = dup || !strcmp(t->v[i], w);
		if (dup) {
			free(w);
			continue;
		}
		if (t->n == cap) {
			cap = cap ? cap * 2 : 8;
			t->v = xrealloc(t->v, cap * sizeof(*t->v));
		}
		t->v[t->n++] = w;
	}
}

void
layout_terms_fini(struct layout_terms *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

void
layout_mark(const struct layout_terms *t, const char *s, size_t len,
	    unsigned char *mask)
{
	memset(mask, 0, len);
	for (size_t k = 0; k < t->n; k++) {
		const char *w = t->v[k];
		size_t wl = strlen(w);
		bool ascii = (unsigned char)w[0] < 0x80;

		if (wl > len)
			continue;
		for (size_t i = 0; i + wl <= len; i++) {
			if (tolower((unsigned char)s[i]) != (unsigned char)w[0])
				continue;
			if (ascii && i > 0 && layout_wordch((unsigned char)s[i - 1]))
				continue;
			if (strncasecmp(s + i, w, wl))
				continue;
			if (ascii && i + wl < len &&
			    isalnum((unsigned char)s[i + wl]))
				continue;
			memset(mask + i, 1, wl);
			i += wl - 1;
		}
	}
}

void
layout_geom(int cols, int rows, size_t ncand, size_t query_lines,
	    struct layout_geom *g)
{
	int rest, list, qrows;

	memset(g, 0, sizeof(*g));
	g->cols = cols;
	g->rows = rows;
	if (cols < LAYOUT_MIN_COLS || rows < LAYOUT_MIN_ROWS) {
		g->too_small = true;
		return;
	}
	/* below 24 rows the detail pane and the query give lines first */
	qrows = rows >= 40 ? 4 : rows >= 30 ? 3 : rows >= 20 ? 2 : 1;
	if (query_lines < 1)
		query_lines = 1;
	if ((size_t)qrows > query_lines)
		qrows = (int)query_lines;
	g->query_row = 1;
	g->query_rows = qrows;
	g->pos_row = g->query_row + qrows;
	g->head_row = g->pos_row + 1;
	g->list_row = g->head_row + 1;
	g->status_row = rows - 1;
	g->status_rows = 1;
	rest = g->status_row - g->list_row - 1;	/* list + detail */
	list = (rest * 2 + 2) / 5;
	if (list < 3)
		list = 3;
	if (ncand < (size_t)list)
		list = ncand < 3 ? 3 : (int)ncand;
	if (rest - list < 2)	/* the detail pane keeps two lines */
		list = rest - 2;
	g->list_rows = list;
	g->sep_row = g->list_row + list;
	g->detail_row = g->sep_row + 1;
	g->detail_rows = g->status_row - g->detail_row;
	g->wide = cols >= LAYOUT_WIDE_COLS;
	if (g->wide) {
		g->detail_w = (cols - 1) / 2;
		g->pos_x = g->detail_w + 1;
		g->pos_w = cols - g->pos_x;
	} else {
		g->detail_w = cols;
	}
}

int
layout_status(struct layout_geom *g, int want)
{
	int extra = want - 1;

	if (g->too_small)
		return g->status_rows = want > 1 ? want : 1;
	/* what the last frame gave back first */
	g->detail_rows += g->status_rows - 1;
	if (extra > g->detail_rows - 2)
		extra = g->detail_rows - 2;
	if (extra < 0)
		extra = 0;
	g->detail_rows -= extra;
	return g->status_rows = extra + 1;
}

int
layout_columns(int cols, bool cascade, int idw, bool show[LCOL_COUNT])
{
	static const int width[LCOL_COUNT] = {
		[LCOL_RANK] = LAYOUT_W_RANK, [LCOL_SCORE] = LAYOUT_W_SCORE,
		[LCOL_STAGE] = LAYOUT_W_STAGE, [LCOL_PFN] = LAYOUT_W_PFN,
	};
	int used = LAYOUT_W_FIXED;

	for (int c = 0; c < LCOL_COUNT; c++) {
		show[c] = cascade || (c != LCOL_PFN && c != LCOL_STAGE);
		if (show[c])
			used += width[c];
	}
	for (int c = 0; c < LCOL_COUNT; c++) {
		if (cols - used - idw - 1 >= LAYOUT_MIN_TEXT)
			break;
		if (show[c]) {
			show[c] = false;
			used -= width[c];
		}
	}
	return used;
}

bool
layout_has_rtl(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t c;
		size_t n;

		if ((unsigned char)s[i] < 0xd6) {	/* below U+0590 */
			i++;
			continue;
		}
		n = layout_utf8((const unsigned char *)s + i, len - i, &c);
		if (n == 0) {
			i++;
			continue;
		}
		if ((c >= 0x0590 && c <= 0x08ff) || (c >= 0xfb1d && c <= 0xfdff)
		    || (c >= 0xfe70 && c <= 0xfeff) ||
		    (c >= 0x10800 && c <= 0x10fff) ||
		    (c >= 0x1e800 && c <= 0x1efff))
			return true;
		i += n;
	}
	return false;
}
