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
	PROMPT_NOTE,		/* "note: " (filled with the current note) */
	PROMPT_CONFIRM,		/* a y/n question (drop the query) */
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
	unsigned char *mask;	/* marks, one per byte: 1 query term,
				 * 2 search match */
	char *head;		/* facts shown above the title, owned */
	unsigned sgen;		/* search the marks are of */
};

struct draw {
	struct review *r;		/* borrowed */
	const struct keymap *km;	/* borrowed */
	const char *project;		/* name in the header */
	bool color;			/* colours in use */
	bool utf8;			/* the locale's character set is UTF-8;
					 * else what is not ASCII shows as '?' */
	bool locale_said;		/* ... and the status line said so */
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
	/* rows of the same text in the current query */
	const struct queue_query *same_q;	/* the query they belong to */
	int64_t same_qid;
	size_t *same;			/* row of another row's same text, or
					 * (size_t)-1; q->n entries */
	/* the last search's words, marked in the list and the detail */
	char *sterms_text;
	struct layout_terms sterms;
	unsigned sgen;			/* bumped when the search changes */
	/* the help screen's lines, made for help_cols columns; when
	 * pager is set the screen shows that text instead (the statistics) */
	char *pager;
	char **help_v;
	size_t help_n;
	int help_cols;
	const char *guideline;		/* the labelling guideline (borrowed);
					 * NULL: the built-in one */
	char confirm[256];		/* PROMPT_CONFIRM: the question */
	enum req confirm_req;		/* ... and what y does */
};

/* Set up @d for @r; call after initscr/newterm (colours). */
void draw_init(struct draw *d, struct review *r, const struct keymap *km,
	       const char *project);
void draw_fini(struct draw *d);

/* Draw a whole frame on stdscr and update the terminal. */
void draw_frame(struct draw *d);

/* Write @msg on the status line of the frame drawn last and update the
 * terminal, reading nothing of the project: for a note while a database
 * call waits (the next frame draws the status line again). */
void draw_note(struct draw *d, const char *msg);

/* The built-in labelling guideline (review.guideline replaces it). */
extern const char draw_default_guideline[];

/* Lines of the detail pane and of the help text (for scrolling). */
int draw_detail_lines(const struct draw *d);
int draw_help_lines(const struct draw *d);

#endif
