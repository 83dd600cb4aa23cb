/*
 * layout.h - terminal text layout without curses: display widths
 * (wcwidth), clipping, word wrapping, query-term marks and the screen
 * geometry of the review TUI.  Text is UTF-8 from the database; what the
 * terminal cannot show safely (control characters, bidi controls) is
 * mapped here so that every column stays where it is computed to be.
 */
#ifndef NS_LAYOUT_H
#define NS_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/* The smallest screen the review TUI draws on.  From 80x24 down to this
 * it drops parts in a fixed order: detail pane lines (and query lines)
 * first, then list columns (layout_columns). */
#define LAYOUT_MIN_COLS 60
#define LAYOUT_MIN_ROWS 15
/* From this width the detail pane shows candidate and positive side by side. */
#define LAYOUT_WIDE_COLS 160

/*
 * Decode the character at @s (@len > 0 bytes left).  Returns the bytes it
 * takes (>= 1); *@wc is what to draw: the character itself, ' ' for
 * control characters (tab, newline, ...), '?' for bad UTF-8 or characters
 * the locale cannot show, L'\0' for invisible ones to leave out (bidi
 * controls, zero-width marks).  *@width is its display width (0, 1 or 2).
 */
size_t layout_char(const char *s, size_t len, wchar_t *wc, int *width);

/* Display width of @s[0..len). */
int layout_width(const char *s, size_t len);

/* How many bytes of @s[0..len) fit in @width columns without splitting a
 * character; *@used (if not NULL) gets the columns they take. */
size_t layout_clip(const char *s, size_t len, int width, int *used);

/* A wrapped line: bytes [start, end) of the text. */
struct layout_line {
	size_t start;
	size_t end;
};

/*
 * Wrap @s[0..len) to @width (>= 1) columns: break at newlines, else at the
 * last space that fits, else inside a word (never inside a character).
 * *@lines is a new array of *@n lines (caller frees); empty text gives
 * one empty line.
 */
void layout_wrap(const char *s, size_t len, int width,
		 struct layout_line **lines, size_t *n);

/* Words of a query to highlight (lower-cased, stopwords left out). */
struct layout_terms {
	char **v;
	size_t n;
};

/* Fill @t from @query; layout_terms_fini() frees. */
void layout_terms_init(struct layout_terms *t, const char *query);
void layout_terms_fini(struct layout_terms *t);

/*
 * Set @mask[i] = 1 for each byte of @s[0..len) inside an occurrence of a
 * term (ASCII case-insensitive; ASCII terms only at word boundaries).
 * @mask has @len bytes and is cleared first.
 */
void layout_mark(const struct layout_terms *t, const char *s, size_t len,
		 unsigned char *mask);

/* Where everything goes on a screen of @cols x @rows. */
struct layout_geom {
	bool too_small;		/* below LAYOUT_MIN_COLS x LAYOUT_MIN_ROWS */
	int cols, rows;
	int query_row, query_rows;	/* the query, wrapped */
	int pos_row;			/* the positive, one line */
	int head_row;			/* column titles of the list */
	int list_row, list_rows;	/* candidates */
	int sep_row;			/* title of the detail pane */
	int detail_row, detail_rows;	/* wrapped text */
	bool wide;			/* candidate and positive side by side */
	int detail_w;			/* width of the candidate text */
	int pos_x, pos_w;		/* positive column when wide */
	int status_row;			/* messages and prompts */
	int status_rows;		/* rows of a message, ending on
					 * status_row (1: the status line) */
};

/* Compute the geometry for @ncand candidates and a query that wraps to
 * @query_lines lines at full width. */
void layout_geom(int cols, int rows, size_t ncand, size_t query_lines,
		 struct layout_geom *g);

/* Give a message that wraps to @want lines the rows above the status
 * line, taken from the bottom of the detail pane (which keeps two lines)
 * so that no row is drawn twice; returns the rows the message gets
 * (g->status_rows, at least 1). */
int layout_status(struct layout_geom *g, int want);

/* The optional columns of the candidate list, in the order they are
 * dropped when the terminal is narrow. */
enum layout_col {
	LCOL_RANK,		/* rank in the run */
	LCOL_SCORE,		/* the candidate's score */
	LCOL_STAGE,		/* the cascade's stage (only with a cascade) */
	LCOL_PFN,		/* P(FN) (only with a cascade) */
	LCOL_COUNT
};

/* Widths of the list's columns, including the blank after each. */
#define LAYOUT_W_RANK 6
#define LAYOUT_W_SCORE 8
#define LAYOUT_W_GAP 7
#define LAYOUT_W_PFN 6
#define LAYOUT_W_STAGE 6
/* markers ">*\/" + signals (3) + blank, decision (7) + note marker */
#define LAYOUT_W_FIXED (3 + 4 + LAYOUT_W_GAP + 8 + 2)
/* The passage text keeps at least this many columns. */
#define LAYOUT_MIN_TEXT 24

/*
 * Which optional columns a list of @cols columns shows (@show, indexed
 * by enum layout_col) with an id column of @idw columns: the cascade's
 * P(FN) and stage only when @cascade (they take no space before the
 * cascade has run), and then as many as leave LAYOUT_MIN_TEXT columns to
 * the text, dropping them in enum order.  Returns the width of
 * everything before the id.
 */
int layout_columns(int cols, bool cascade, int idw, bool show[LCOL_COUNT]);

/* Does @s[0..len) hold a right-to-left letter (Hebrew, Arabic, Syriac,
 * Thaana, N'Ko, ... and their presentation forms)? */
bool layout_has_rtl(const char *s, size_t len);

#endif
