/*
 * draw.c - the review screen (see draw.h).  Every frame is drawn whole on
 * stdscr from the review state; ncurses sends only what changed.  Column
 * positions come from layout.c (wcwidth), never from byte counts.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/draw.h"
#include "src/util.h"

enum draw_pair {
	PAIR_HEAD = 1,
	PAIR_FN,
	PAIR_TN,
	PAIR_DROP,
	PAIR_MARK,
	PAIR_ERR,
	PAIR_DIM,
};

/* Attributes of each kind of text, with and without colour. */
static attr_t
draw_attr(const struct draw *d, enum draw_pair p)
{
	if (!d->color) {
		switch (p) {
		case PAIR_HEAD:
			return A_REVERSE;
		case PAIR_FN:
		case PAIR_ERR:
			return A_BOLD;
		case PAIR_MARK:
			return A_UNDERLINE | A_BOLD;
		case PAIR_DIM:
			return A_DIM;
		default:
			return A_NORMAL;
		}
	}
	switch (p) {
	case PAIR_FN:
	case PAIR_ERR:
		return (attr_t)COLOR_PAIR(p) | A_BOLD;
	default:
		return (attr_t)COLOR_PAIR(p);
	}
}

void
draw_init(struct draw *d, struct review *r, const struct keymap *km,
	  const char *project)
{
	const char *nc = getenv("NO_COLOR");

	memset(d, 0, sizeof(*d));
	d->r = r;
	d->km = km;
	d->project = project;
	d->terms_qid = -1;
	d->cand.key = d->pos.key = -1;
	d->last_pid = -1;
	d->color = has_colors() && !(nc && *nc);
	if (d->color) {
		start_color();
		use_default_colors();
		init_pair(PAIR_HEAD, COLOR_WHITE, COLOR_BLUE);
		init_pair(PAIR_FN, COLOR_RED, -1);
		init_pair(PAIR_TN, COLOR_GREEN, -1);
		init_pair(PAIR_DROP, COLOR_YELLOW, -1);
		init_pair(PAIR_MARK, COLOR_BLACK, COLOR_YELLOW);
		init_pair(PAIR_ERR, COLOR_RED, -1);
		init_pair(PAIR_DIM, COLOR_CYAN, -1);
	}
}

static void
draw_pane_fini(struct draw_pane *p)
{
	free(p->text);
	free(p->lines);
	free(p->mask);
	memset(p, 0, sizeof(*p));
	p->key = -1;
}

void
draw_fini(struct draw *d)
{
	draw_pane_fini(&d->cand);
	draw_pane_fini(&d->pos);
	layout_terms_fini(&d->terms);
}

/*
 * Draw @s[0..len) at (@y, @x) within @width columns with @attr, bytes
 * marked in @mask (may be NULL) with the mark attribute; pads with spaces
 * when @pad.  Returns the columns used.
 */
static int
draw_text(const struct draw *d, int y, int x, int width, const char *s,
	  size_t len, const unsigned char *mask, attr_t attr, bool pad)
{
	attr_t mark = draw_attr(d, PAIR_MARK);
	size_t i = 0;
	int col = 0;

	if (width <= 0)
		return 0;
	move(y, x);
	while (i < len) {
		wchar_t wc[2] = { 0, 0 };
		int w;
		size_t n = layout_char(s + i, len - i, &wc[0], &w);
		cchar_t cc;

		if (col + w > width)
			break;
		if (wc[0]) {
			attr_t a = mask && mask[i] ? mark : attr;

			/* setcchar takes the colour as its own argument and
			 * ignores the colour bits of the attributes */
			setcchar(&cc, wc, a & ~A_COLOR,
				 (short)PAIR_NUMBER(a), NULL);
			add_wch(&cc);
			col += w;
		}
		i += n;
	}
	if (pad) {
		attrset(attr);
		for (; col < width; col++)
			addch(' ');
		attrset(A_NORMAL);
	}
	return col;
}

static int
draw_str(const struct draw *d, int y, int x, int width, const char *s,
	 attr_t attr, bool pad)
{
	return draw_text(d, y, x, width, s, strlen(s), NULL, attr, pad);
}

/* What stands for a text known by id only. */
#define DRAW_NO_TEXT "(no text: known by its id only)"

/* Wrap @title + @text for a pane of @width columns keyed by @key. */
static void
draw_pane_fill(struct draw *d, struct draw_pane *p, int64_t key,
	       const char *title, const char *text, int width)
{
	if (p->key == key && p->width == width && p->text)
		return;
	if (!*text && !(title && *title))
		text = DRAW_NO_TEXT;
	draw_pane_fini(p);
	p->key = key;
	p->width = width;
	if (title && *title)
		p->text = xasprintf("%s\n%s", title, text);
	else
		p->text = xstrdup(text);
	p->len = strlen(p->text);
	layout_wrap(p->text, p->len, width, &p->lines, &p->nlines);
	p->mask = xmalloc(p->len ? p->len : 1);
	layout_mark(&d->terms, p->text, p->len, p->mask);
}

static void
draw_pane_lines(const struct draw *d, const struct draw_pane *p, int y,
		int x, int rows, int width, int top)
{
	for (int k = 0; k < rows; k++) {
		size_t li = (size_t)(top + k);

		if (li >= p->nlines)
			break;
		draw_text(d, y + k, x, width, p->text + p->lines[li].start,
			  p->lines[li].end - p->lines[li].start,
			  p->mask + p->lines[li].start, A_NORMAL, false);
	}
}

static void
draw_too_small(const struct draw *d)
{
	char line[128];
	int y = LINES / 2 - 1;

	snprintf(line, sizeof(line), "Terminal too small: %dx%d.", COLS,
		 LINES);
	draw_str(d, y > 0 ? y : 0, 0, COLS, line, A_BOLD, false);
	snprintf(line, sizeof(line), "negsieve review needs at least %dx%d; "
		 "enlarge the window (q quits).", LAYOUT_MIN_COLS,
		 LAYOUT_MIN_ROWS);
	if (y + 1 < LINES)
		draw_str(d, y + 1, 0, COLS, line, A_NORMAL, false);
}

/* The first key bound to @r into @buf ("" when none). */
static const char *
draw_first_key(const struct draw *d, enum req r, char *buf, size_t size)
{
	keymap_keys_of(d->km, r, buf, size);
	buf[strcspn(buf, ",")] = '\0';
	return buf;
}

int
draw_help_lines(const struct draw *d)
{
	const char *group = "";
	int n = 2;

	(void)d;
	for (int r = REQ_NONE + 1; r < REQ_COUNT; r++) {
		if (strcmp(group, keymap_req((enum req)r)->group)) {
			group = keymap_req((enum req)r)->group;
			n += 2;
		}
		n++;
	}
	return n;
}

static void
draw_help(struct draw *d)
{
	const char *group = "";
	int y = 0, line = 0;
	int max = draw_help_lines(d) - (LINES - 1);
	char keys[128], buf[512];

	if (d->help_top > max)
		d->help_top = max > 0 ? max : 0;
	{
		char down[32], up[32];

		draw_first_key(d, REQ_MOVE_DOWN, down, sizeof(down));
		draw_first_key(d, REQ_MOVE_UP, up, sizeof(up));
		snprintf(buf, sizeof(buf), " negsieve review: keys   (%s/%s "
			 "scroll, any other key closes)", *down ? down : "-",
			 *up ? up : "-");
		draw_str(d, 0, 0, COLS, buf, draw_attr(d, PAIR_HEAD), true);
	}
	y = 1;
	line = 1;
	for (int r = REQ_NONE + 1; r < REQ_COUNT; r++) {
		const struct req_info *ri = keymap_req((enum req)r);

		if (strcmp(group, ri->group)) {
			group = ri->group;
			if (line++ >= d->help_top + 1 && y < LINES)
				y++;
			if (line++ >= d->help_top + 1 && y < LINES)
				draw_str(d, y++, 1, COLS - 1, group, A_BOLD,
					 false);
		}
		keymap_keys_of(d->km, (enum req)r, keys, sizeof(keys));
		snprintf(buf, sizeof(buf), "%-16s %s", *keys ? keys : "(none)",
			 ri->help);
		if (line++ >= d->help_top + 1 && y < LINES)
			draw_str(d, y++, 3, COLS - 3, buf, A_NORMAL, false);
	}
}

/* "12.3%" gap of a candidate score below the best positive score. */
static void
draw_gap(const struct queue_query *q, const struct queue_cand *c, char *buf,
	 size_t size)
{
	double p;

	if (q->npos == 0 || !q->pos[0].has_score || !c->has_score) {
		snprintf(buf, size, "-");
		return;
	}
	p = q->pos[0].score;
	if (fabs(p) < 1e-12) {
		snprintf(buf, size, "-");
		return;
	}
	snprintf(buf, size, "%.0f%%", (p - c->score) / fabs(p) * 100.0);
}

/* The attribute of label @l's style (src/label.h). */
static attr_t
draw_label_attr(const struct draw *d, enum label l)
{
	const char *style = label_style(l);

	if (!strcmp(style, "fn"))
		return draw_attr(d, PAIR_FN);
	if (!strcmp(style, "tn"))
		return draw_attr(d, PAIR_TN);
	if (!strcmp(style, "drop"))
		return draw_attr(d, PAIR_DROP);
	if (!strcmp(style, "dim"))
		return draw_attr(d, PAIR_DIM);
	return A_NORMAL;
}

/* Column widths of the candidate list before the passage text. */
#define DRAW_LIST_FIXED 45

static void
draw_list(struct draw *d)
{
	const struct review *r = d->r;
	const struct queue_query *q = r->q;
	const struct layout_geom *g = &d->g;
	char buf[256], gap[32], score[32], rank[32], pfn[16], stage[16];
	int x0;

	x0 = draw_str(d, g->head_row, 0, COLS, "    rank   score    gap P(FN) "
		      "stage decision passage", A_BOLD, false);
	/* the cascade's live thresholds, right of the column heads */
	if (r->cascade_line[0] && COLS - x0 > 12) {
		int w = layout_width(r->cascade_line,
				     strlen(r->cascade_line));
		int x = COLS - w > x0 + 2 ? COLS - w : x0 + 2;

		draw_str(d, g->head_row, x, COLS - x, r->cascade_line,
			 draw_attr(d, PAIR_DIM), false);
	}
	if (r->cur < d->top)
		d->top = r->cur;
	if (r->cur >= d->top + (size_t)g->list_rows)
		d->top = r->cur - (size_t)g->list_rows + 1;
	for (int k = 0; k < g->list_rows; k++) {
		size_t i = d->top + (size_t)k;
		const struct queue_cand *c;
		enum label l;
		attr_t base;
		bool auto_decided;
		int x;

		if (i >= q->n)
			break;
		c = &q->c[i];
		l = q->dropped ? LABEL_DROP_QUERY : c->label;
		base = i == r->cur ? A_REVERSE : A_NORMAL;
		draw_gap(q, c, gap, sizeof(gap));
		if (c->has_score)
			snprintf(score, sizeof(score), "%7.3f", c->score);
		else
			snprintf(score, sizeof(score), "%7s", "-");
		if (c->in_run)
			snprintf(rank, sizeof(rank), "%5lld",
				 (long long)c->rank);
		else
			snprintf(rank, sizeof(rank), "%5s", "-");
		/* the cascade's verdict is shown only where it decided: an
		 * item left to people (or drawn for the audit slice) shows
		 * its P(FN) and nothing that could lean the decision */
		auto_decided = c->auto_verdict[0] && !c->audit &&
			       strcmp(c->auto_verdict, "review");
		if (isnan(c->pfn))
			snprintf(pfn, sizeof(pfn), "-");
		else
			snprintf(pfn, sizeof(pfn), "%.2f", c->pfn);
		if (auto_decided)
			snprintf(stage, sizeof(stage), "%.5s", c->auto_stage);
		else if (c->auto_pending && !c->audit)
			snprintf(stage, sizeof(stage), "wait");
		else
			snprintf(stage, sizeof(stage), "%s",
				 c->near_dup ? "dup" : "-");
		snprintf(buf, sizeof(buf), "%c%c%c%s %s %6s %5s %5s ",
			 i == r->cur ? '>' : ' ', c->tagged ? '*' : ' ',
			 r->hit && r->hit[i] ? '/' : ' ', rank, score, gap,
			 pfn, stage);
		x = draw_str(d, g->list_row + k, 0, COLS, buf, base, false);
		snprintf(buf, sizeof(buf), "%-7s", l ? label_name(l)
			 : c->judged > 0 ? "(pos)" : c->judged < 0 ? "(neg)"
			 : auto_decided && !strcmp(c->auto_verdict, "tn")
			 ? "auto TN"
			 : auto_decided ? "auto FN" : "-");
		x += draw_str(d, g->list_row + k, x, 7, buf,
			      base | (l ? draw_label_attr(d, l)
				      : auto_decided ? draw_attr(d, PAIR_DIM)
				      : A_NORMAL), false);
		x += draw_str(d, g->list_row + k, x, 2, c->note ? "+ " : "  ",
			      base, false);
		if (*c->text) {
			draw_text(d, g->list_row + k, x, COLS - x, c->text,
				  strlen(c->text), NULL, base, i == r->cur);
		} else {
			/* known by id only: show the id */
			snprintf(buf, sizeof(buf), "%s (no text)", c->xid);
			draw_str(d, g->list_row + k, x, COLS - x, buf,
				 base | draw_attr(d, PAIR_DIM), i == r->cur);
		}
	}
}

/* "run 2 dense": the run whose scores are shown, or "" with none. */
static void
draw_run(const struct review *r, char *buf, size_t size)
{
	const struct queue_query *q = r->q;

	if (q && q->run)
		snprintf(buf, size, "run %lld%s%s", (long long)q->run,
			 *q->run_method ? " " : "", q->run_method);
	else if (r->run)
		snprintf(buf, size, "run %lld", (long long)r->run);
	else
		buf[0] = '\0';
}

static void
draw_header(struct draw *d)
{
	const struct review *r = d->r;
	char buf[512], run[96], queue[128], queries[48], left[48];
	double pct = r->prog.items ? 100.0 * (double)r->prog.labelled /
				     (double)r->prog.items : 0.0;

	draw_run(r, run, sizeof(run));
	if (r->prog_known) {
		snprintf(queue, sizeof(queue), "queue %lld/%lld done (%.1f%%)",
			 (long long)r->prog.labelled,
			 (long long)r->prog.items, pct);
		snprintf(queries, sizeof(queries), ", %lld queries",
			 (long long)r->prog.queries);
	} else {
		snprintf(queue, sizeof(queue), "queue: counting...");
		queries[0] = '\0';
	}
	if (r->q)
		snprintf(left, sizeof(left), " | %zu left", review_left(r));
	else
		left[0] = '\0';
	/* everything; else without the word "session"; else also without
	 * the query count */
	for (int form = 0; form < 3; form++) {
		snprintf(buf, sizeof(buf), " %s |%s%s%s %s%s%s | %s | %s%lld, "
			 "%.0f/h", d->project, *run ? " " : "", run,
			 *run ? " |" : "", queue, form < 2 ? queries : "", left,
			 r->annotator, form ? "" : "session ",
			 (long long)r->session_decisions, review_rate(r));
		if (layout_width(buf, strlen(buf)) <= COLS)
			break;
	}
	draw_str(d, 0, 0, COLS, buf, draw_attr(d, PAIR_HEAD) | A_BOLD, true);
}

static void
draw_query(struct draw *d)
{
	const struct queue_query *q = d->r->q;
	const struct layout_geom *g = &d->g;
	struct layout_line *lines;
	size_t n;
	char *s = xasprintf("Q %s%s: %s", q->xid, q->dropped ? " (dropped)"
			    : "", *q->text ? q->text : DRAW_NO_TEXT);

	layout_wrap(s, strlen(s), COLS, &lines, &n);
	for (int k = 0; k < g->query_rows && (size_t)k < n; k++)
		draw_text(d, g->query_row + k, 0, COLS, s + lines[k].start,
			  lines[k].end - lines[k].start, NULL,
			  A_BOLD | (d->r->query_hit && k == 0 ?
				    draw_attr(d, PAIR_DIM) : 0), false);
	free(lines);
	free(s);
	if (q->npos == 0) {
		draw_str(d, g->pos_row, 0, COLS, "+ (no positive)", A_NORMAL,
			 false);
	} else {
		const struct queue_pos *p = &q->pos[0];
		char head[128];
		int x;

		if (p->has_score)
			snprintf(head, sizeof(head), "+ %s %.3f%s: ", p->xid,
				 p->score, q->npos > 1 ? " (+more)" : "");
		else
			snprintf(head, sizeof(head), "+ %s%s: ", p->xid,
				 q->npos > 1 ? " (+more)" : "");
		x = draw_str(d, g->pos_row, 0, COLS, head,
			     draw_attr(d, PAIR_TN), false);
		if (*p->text)
			draw_text(d, g->pos_row, x, COLS - x, p->text,
				  strlen(p->text), NULL, A_NORMAL, false);
		else
			draw_str(d, g->pos_row, x, COLS - x, DRAW_NO_TEXT,
				 draw_attr(d, PAIR_DIM), false);
	}
}

/* Characters (not bytes) of UTF-8 @s. */
static size_t
draw_nchars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The detail title: which passage, where in it, how to see more (the
 * scroll keys as bound); the character count goes first when it is too
 * long for @width. */
static void
draw_sep(struct draw *d, int x, int width, const char *what,
	 const char *xid, size_t chars, const char *extra,
	 const struct draw_pane *p)
{
	char buf[512], count[48], hint[80], down[32], up[32];
	int last = d->detail_top + d->g.detail_rows;

	if ((size_t)last > p->nlines)
		last = (int)p->nlines;
	mvhline(d->g.sep_row, x, ACS_HLINE, width);
	draw_first_key(d, REQ_SCROLL_DOWN, down, sizeof(down));
	draw_first_key(d, REQ_SCROLL_UP, up, sizeof(up));
	if (*down || *up)
		snprintf(hint, sizeof(hint), "(%s/%s) ", *down ? down : "-",
			 *up ? up : "-");
	else
		hint[0] = '\0';
	snprintf(count, sizeof(count), " %zu chars,", chars);
	for (int form = 0; form < 2; form++) {
		snprintf(buf, sizeof(buf), " %s %s,%s%s lines %d-%d of %zu %s",
			 what, xid, form ? "" : count, extra, p->nlines ?
			 d->detail_top + 1 : 0, last, p->nlines, hint);
		if (layout_width(buf, strlen(buf)) <= width - 1)
			break;
	}
	draw_str(d, d->g.sep_row, x + 1, width - 1, buf, A_BOLD, false);
}

static void
draw_detail(struct draw *d)
{
	const struct review *r = d->r;
	const struct queue_query *q = r->q;
	const struct layout_geom *g = &d->g;
	const struct queue_cand *c = &q->c[r->cur];
	const struct queue_pos *p = q->npos ? &q->pos[0] : NULL;
	bool pos_only = !g->wide && d->show_pos;
	char notin[192];
	int max;

	if (!pos_only && c->auto_raw && *c->auto_raw) {
		/* what the external stages answered, under the text */
		char *t = xasprintf("%s\n\n-- what the cascade's stages "
				    "answered:\n%s", c->text, c->auto_raw);

		draw_pane_fill(d, &d->cand, c->passage_id, c->title, t,
			       g->detail_w);
		free(t);
	} else if (!pos_only) {
		draw_pane_fill(d, &d->cand, c->passage_id, c->title, c->text,
			       g->detail_w);
	}
	if (g->wide || pos_only)
		draw_pane_fill(d, &d->pos, p ? p->passage_id : 0,
			       p ? p->title : "", p ? p->text :
			       "(this query has no positive)",
			       g->wide ? g->pos_w - 1 : g->cols);
	max = draw_detail_lines(d) - g->detail_rows;
	if (d->detail_top > max)
		d->detail_top = max > 0 ? max : 0;
	if (d->detail_top < 0)
		d->detail_top = 0;
	if (pos_only) {
		draw_sep(d, 0, COLS, "positive", p ? p->xid : "-",
			 p ? draw_nchars(p->text) : 0, "", &d->pos);
		draw_pane_lines(d, &d->pos, g->detail_row, 0, g->detail_rows,
				COLS, d->detail_top);
		return;
	}
	if (c->in_run || !q->run)
		notin[0] = '\0';
	else
		snprintf(notin, sizeof(notin), " not in run %lld (no score),",
			 (long long)q->run);
	if (c->judged)
		snprintf(notin + strlen(notin), sizeof(notin) - strlen(notin),
			 " judged %s,", c->judged > 0 ? "relevant"
			 : "non-relevant");
	if (c->auto_verdict[0] && !c->audit &&
	    strcmp(c->auto_verdict, "review"))
		snprintf(notin + strlen(notin), sizeof(notin) - strlen(notin),
			 " cascade: %s by %s (%.3g),",
			 !strcmp(c->auto_verdict, "tn") ? "kept as TN"
			 : "flagged FN", c->auto_stage, c->auto_score);
	if (c->near_dup && !isnan(c->dup_sim))
		snprintf(notin + strlen(notin), sizeof(notin) - strlen(notin),
			 " near-duplicate of the positive (%.2f),",
			 c->dup_sim);
	else if (c->near_dup)
		snprintf(notin + strlen(notin), sizeof(notin) - strlen(notin),
			 " near-duplicate of the positive,");
	draw_sep(d, 0, g->detail_w, "candidate", c->xid, draw_nchars(c->text),
		 notin, &d->cand);
	draw_pane_lines(d, &d->cand, g->detail_row, 0, g->detail_rows,
			g->detail_w, d->detail_top);
	if (g->wide) {
		draw_sep(d, g->pos_x, g->pos_w, "positive", p ? p->xid : "-",
			 p ? draw_nchars(p->text) : 0, "", &d->pos);
		mvvline(g->detail_row, g->pos_x - 1, ACS_VLINE, g->detail_rows);
		draw_pane_lines(d, &d->pos, g->detail_row, g->pos_x + 1,
				g->detail_rows, g->pos_w - 1, d->detail_top);
	}
}

int
draw_detail_lines(const struct draw *d)
{
	size_t n = d->cand.nlines;

	if (!d->g.wide && d->show_pos)
		n = d->pos.nlines;
	else if (d->g.wide && d->pos.nlines > n)
		n = d->pos.nlines;
	return (int)n;
}

static void
draw_status(struct draw *d)
{
	const struct review *r = d->r;
	int y = d->g.too_small ? LINES - 1 : d->g.status_row;
	char buf[512], k[64];

	if (d->prompt != PROMPT_NONE) {
		const char *lead = d->prompt == PROMPT_SEARCH ? "/"
				   : d->prompt == PROMPT_JUMP ? "query id: "
				   : "note: ";
		char text[DRAW_PROMPT_MAX * 4 + 1];
		size_t len = wcstombs(text, d->pbuf, sizeof(text) - 1);
		int x, w;

		if (len == (size_t)-1)
			len = 0;
		text[len] = '\0';
		x = draw_str(d, y, 0, COLS, lead, A_BOLD, false);
		w = layout_width(text, len);
		/* keep the end of a long input in view */
		{
			size_t off = 0;

			while (w > COLS - x - 1 && off < len) {
				wchar_t wc;
				int cw;

				off += layout_char(text + off, len - off, &wc,
						   &cw);
				w -= cw;
			}
			x += draw_text(d, y, x, COLS - x - 1, text + off,
				       len - off, NULL, A_NORMAL, false);
		}
		move(y, x);
		return;
	}
	if (r->msg[0]) {
		draw_str(d, y, 0, COLS, r->msg, r->msg_err ?
			 draw_attr(d, PAIR_ERR) : A_NORMAL, false);
		return;
	}
	buf[0] = '\0';
	{
		static const enum req hints[] = {
			REQ_FN, REQ_TN, REQ_DROP_PASSAGE, REQ_DROP_QUERY,
			REQ_SKIP, REQ_UNDO, REQ_SEARCH, REQ_HELP, REQ_QUIT,
		};
		static const char *const names[] = {
			"FN", "TN", "drop", "drop query", "skip", "undo",
			"search", "help", "quit",
		};
		size_t len = 0;

		for (size_t i = 0; i < NS_ARRAY_SIZE(hints); i++) {
			char *comma;

			keymap_keys_of(d->km, hints[i], k, sizeof(k));
			if ((comma = strchr(k, ',')))
				*comma = '\0';
			if (!*k)
				continue;
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s %s  ", k, names[i]);
			if (len >= sizeof(buf))
				break;
		}
	}
	draw_str(d, y, 0, COLS, buf, draw_attr(d, PAIR_DIM), false);
}

void
draw_frame(struct draw *d)
{
	struct review *r = d->r;
	size_t qlines = 1;

	erase();
	if (r->q && d->terms_qid != r->q->id) {
		layout_terms_fini(&d->terms);
		layout_terms_init(&d->terms, r->q->text);
		d->terms_qid = r->q->id;
		draw_pane_fini(&d->cand);
		draw_pane_fini(&d->pos);
		d->top = 0;
	}
	if (r->q && r->q->n && r->q->c[r->cur].passage_id != d->last_pid) {
		d->last_pid = r->q->c[r->cur].passage_id;
		d->detail_top = 0;
	}
	if (r->q) {
		int w = layout_width(r->q->text, strlen(r->q->text)) +
			(int)strlen(r->q->xid) + 4;

		qlines = (size_t)(w / (COLS > 0 ? COLS : 1) + 1);
	}
	layout_geom(COLS, LINES, r->q ? r->q->n : 0, qlines, &d->g);
	curs_set(d->prompt != PROMPT_NONE ? 1 : 0);
	if (d->g.too_small) {
		draw_too_small(d);
	} else if (d->help) {
		draw_help(d);
	} else {
		draw_header(d);
		if (r->q && r->q->n) {
			draw_query(d);
			draw_list(d);
			draw_detail(d);
		} else if (r->q) {
			draw_query(d);
		}
		draw_status(d);
	}
	if (d->g.too_small && d->prompt != PROMPT_NONE)
		draw_status(d);
	if (d->prompt == PROMPT_NONE)
		move(LINES - 1, 0);
	else if (d->help)
		draw_status(d);
	wnoutrefresh(stdscr);
	doupdate();
}
