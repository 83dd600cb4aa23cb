/* t-layout.c - display widths, clipping, wrapping, term marks and the
 * screen geometry of the review TUI. */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "src/layout.h"
#include "tests/tap.h"

static char *
line_of(const char *s, const struct layout_line *l)
{
	static char buf[256];
	size_t n = l->end - l->start;

	memcpy(buf, s + l->start, n);
	buf[n] = '\0';
	return buf;
}

int
main(void)
{
	struct layout_line *lines;
	struct layout_terms t;
	struct layout_geom g;
	unsigned char mask[64];
	size_t n;
	int used;
	const char *cjk = "日本語のテキスト";	/* 8 wide characters */
	const char *ar = "مرحبا بالعالم";	/* Arabic, width 1 each */

	if (!setlocale(LC_ALL, "C.UTF-8") && !setlocale(LC_ALL, "en_US.UTF-8"))
		diag("no UTF-8 locale; wide-character checks may fail");

	is_int(layout_width("hello", 5), 5, "ASCII width");
	is_int(layout_width(cjk, strlen(cjk)), 16, "CJK characters are 2 wide");
	is_int(layout_width(ar, strlen(ar)), 13, "Arabic characters are 1 wide");
	is_int(layout_width("a\tb\nc", 5), 5, "controls show as one space");
	is_int(layout_width("a\xe2\x80\x8f" "b", 5), 2,
	       "bidi mark U+200F takes no column");
	is_int(layout_width("\xff" "a", 2), 2, "bad UTF-8 shows as '?'");

	n = layout_clip(cjk, strlen(cjk), 5, &used);
	is_int((long long)n, 6, "clip never splits a wide character (bytes)");
	is_int(used, 4, "clip to 5 columns uses 4");
	n = layout_clip("abcdef", 6, 3, &used);
	is_int((long long)n, 3, "ASCII clip");

	layout_wrap("the quick brown fox", 19, 10, &lines, &n);
	is_int((long long)n, 2, "wrap at a space: 2 lines");
	is_str(line_of("the quick brown fox", &lines[0]), "the quick",
	       "first line ends before the space");
	is_str(line_of("the quick brown fox", &lines[1]), "brown fox",
	       "second line");
	free(lines);

	layout_wrap("abcdefghij", 10, 4, &lines, &n);
	is_int((long long)n, 3, "a long word is broken");
	is_str(line_of("abcdefghij", &lines[2]), "ij", "last piece");
	free(lines);

	layout_wrap("one\n\ntwo", 8, 20, &lines, &n);
	is_int((long long)n, 3, "newlines break, empty line kept");
	free(lines);

	layout_wrap(cjk, strlen(cjk), 5, &lines, &n);
	is_int((long long)n, 4, "CJK wraps 2 characters per 5 columns");
	ok(layout_width(cjk + lines[0].start, lines[0].end - lines[0].start)
	   <= 5, "no wrapped CJK line is wider than the pane");
	free(lines);

	layout_wrap("", 0, 10, &lines, &n);
	is_int((long long)n, 1, "empty text is one empty line");
	free(lines);

	layout_wrap(cjk, strlen(cjk), 1, &lines, &n);
	is_int((long long)n, 8, "a pane narrower than a character still "
	       "progresses");
	free(lines);

	layout_terms_init(&t, "What is the Debian package for tmux?");
	is_int((long long)t.n, 3, "stopwords and short words dropped");
	is_str(t.v[0], "debian", "terms are lower-cased");
	layout_mark(&t, "tmux: a Debian multiplexer; tmuxinator", 38, mask);
	ok(mask[0] && mask[3] && !mask[4], "term marked at the start");
	ok(mask[8] && mask[13], "case-insensitive match");
	ok(!mask[28], "no match inside a longer word");
	layout_terms_fini(&t);

	layout_geom(80, 24, 20, 1, &g);
	ok(!g.too_small, "80x24 is big enough");
	is_int(g.list_rows, 7, "80x24: 7 candidate rows");
	is_int(g.detail_rows, 11, "80x24: 11 detail rows");
	is_int(g.status_row, 23, "status on the last row");
	is_int(g.detail_row + g.detail_rows, g.status_row,
	       "detail pane ends above the status line");
	ok(!g.wide, "80 columns is narrow");
	layout_geom(160, 40, 20, 3, &g);
	ok(g.wide, "160 columns is wide");
	is_int(g.detail_w + 1 + g.pos_w, 160, "side by side panes fill the "
	       "width");
	layout_geom(80, 23, 20, 1, &g);
	ok(!g.too_small, "80x23 (24 rows under a status line) is enough");
	is_int(g.list_rows, 7, "80x23: as many candidate rows");
	is_int(g.detail_rows, 10, "80x23: the detail pane gives a line");
	layout_geom(60, 15, 20, 3, &g);
	ok(!g.too_small, "60x15 is enough");
	is_int(g.query_rows, 1, "60x15: one query line");
	ok(g.list_rows >= 3 && g.detail_rows >= 2, "60x15: 3 list rows, 2 "
	   "detail lines at least (%d, %d)", g.list_rows, g.detail_rows);
	is_int(g.detail_row + g.detail_rows, g.status_row,
	       "60x15: detail pane ends above the status line");
	{
		int rows = g.detail_rows;

		is_int(g.status_rows, 1, "60x15: a status line of one row");
		is_int(layout_status(&g, 2), 2, "60x15: a message of two "
		       "lines gets them");
		is_int(g.detail_rows, rows - 1, "... from the detail pane");
		is_int(g.detail_row + g.detail_rows, g.status_row - 1,
		       "... which ends above the message");
		layout_status(&g, 1);
		is_int(g.detail_rows, rows, "one line again: the pane gets "
		       "its row back");
		is_int(layout_status(&g, 40), rows - 1, "a long message is "
		       "cut: the detail pane keeps two lines");
		is_int(g.detail_rows, 2, "... two");
	}
	layout_geom(59, 24, 20, 1, &g);
	ok(g.too_small, "59 columns is too small");
	layout_geom(80, 14, 20, 1, &g);
	ok(g.too_small, "14 rows is too small");
	{
		bool show[LCOL_COUNT];
		int x;

		x = layout_columns(80, false, 4, show);
		ok(show[LCOL_RANK] && show[LCOL_SCORE] && !show[LCOL_PFN] &&
		   !show[LCOL_STAGE], "80 columns, no cascade: rank and "
		   "score, no P(FN) or stage");
		is_int(x, LAYOUT_W_FIXED + LAYOUT_W_RANK + LAYOUT_W_SCORE,
		       "no space for the cascade's columns before it runs");
		layout_columns(80, true, 4, show);
		ok(show[LCOL_PFN] && show[LCOL_STAGE], "80 columns with a "
		   "cascade: P(FN) and stage");
		x = layout_columns(60, true, 4, show);
		ok(!show[LCOL_RANK] && !show[LCOL_SCORE] && show[LCOL_PFN],
		   "60 columns: rank and score go first, P(FN) stays");
		ok(60 - x - 5 >= LAYOUT_MIN_TEXT, "60 columns: the text keeps "
		   "%d columns", LAYOUT_MIN_TEXT);
	}
	ok(layout_has_rtl("abc \xd8\xa7", 6), "Arabic is right-to-left");
	ok(layout_has_rtl("\xd7\x90", 2), "Hebrew is right-to-left");
	ok(!layout_has_rtl("abc \xe6\x9d\xb1", 7), "CJK is not");
	layout_geom(80, 24, 2, 1, &g);
	is_int(g.list_rows, 3, "few candidates: the list shrinks to 3 rows");
	return tap_done();
}
