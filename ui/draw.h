/*
 * draw.h - drawing the review screen with ncursesw: the state the screen
 * keeps besides the review itself (scroll offsets, wrapped-text caches,
 * prompt, help) and one function that draws a whole frame.
 */
#ifndef NS_DRAW_H
#define NS_DRAW_H

#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>

#include "src/keymap.h"
#include "src/layout.h"
#include "src/review.h"

enum draw_prompt {
	PROMPT_NONE,
	PROMPT_SEARCH,		/* "/" */
	PROMPT_JUMP,		/* ":" */
	PROMPT_NOTE,		/* "note: " */
};

#define DRAW_PROMPT_MAX 1024

/* A text wrapped for a pane, kept until the text or width changes. */
struct draw_pane {
	int64_t key;		/* passage id, -1: empty */
	int width;		/* wrap width */
	char *text;		/* title + text, owned */
	size_t len;
	struct layout_line *lines;
	size_t nlines;
	unsigned char *mask;	/* query-term marks, one per byte */
};

struct draw {
	struct review *r;		/* borrowed */
	const struct keymap *km;	/* borrowed */
	const char *project;		/* name in the header */
	bool color;			/* colours in use */
	struct layout_geom g;		/* of the last frame */
	size_t top;			/* first candidate row shown */
	int detail_top;			/* first detail line shown */
	bool show_pos;			/* narrow: detail shows the positive */
	int64_t terms_qid;		/* query the terms belong to */
	struct layout_terms terms;
	struct draw_pane cand, pos;
	bool help;			/* the help screen is open */
	int help_top;
	enum draw_prompt prompt;	/* a prompt is open */
	wchar_t pbuf[DRAW_PROMPT_MAX];	/* its text */
	size_t plen;
	int64_t last_pid;		/* selection of the last frame */
};

/* Set up @d for @r; call after initscr/newterm (colours). */
void draw_init(struct draw *d, struct review *r, const struct keymap *km,
	       const char *project);
void draw_fini(struct draw *d);

/* Draw a whole frame on stdscr and update the terminal. */
void draw_frame(struct draw *d);

/* Lines of the detail pane and of the help text (for scrolling). */
int draw_detail_lines(const struct draw *d);
int draw_help_lines(const struct draw *d);

#endif
