/*
 * draw.c - the review screen (see draw.h).  Every frame is drawn whole on
 * stdscr from the review state; ncurses sends only what changed.  Column
 * positions come from layout.c (wcwidth), never from byte counts.
 */
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
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
	PAIR_FOUND,
	PAIR_SIGNAL,
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
		case PAIR_FOUND:
			return A_REVERSE | A_BOLD;
		case PAIR_SIGNAL:
			return A_BOLD | A_UNDERLINE;
		case PAIR_DIM:
			return A_DIM;
		default:
			return A_NORMAL;
		}
	}
	switch (p) {
	case PAIR_FN:
	case PAIR_ERR:
	case PAIR_SIGNAL:
	case PAIR_FOUND:
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
	d->utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
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
		init_pair(PAIR_FOUND, COLOR_BLACK, COLOR_CYAN);
		init_pair(PAIR_SIGNAL, COLOR_MAGENTA, -1);
	}
}

static void
draw_pane_fini(struct draw_pane *p)
{
	free(p->head);
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
	layout_terms_fini(&d->sterms);
	free(d->sterms_text);
	free(d->same);
	for (size_t i = 0; i < d->help_n; i++)
		free(d->help_v[i]);
	free(d->help_v);
	free(d->pager);
}

/* Unicode isolates: a right-to-left text between them is reordered by a
 * bidi terminal within itself only, never with the fields around it. */
#define DRAW_FSI 0x2068
#define DRAW_PDI 0x2069

/* A frame drew text that is not ASCII while the locale is not UTF-8: it
 * showed as '?', which draw_frame() says once on the status line. */
static bool draw_lossy;

/* Add the zero-width character @c to the cell before the cursor. */
static void
draw_zw(wchar_t c)
{
	wchar_t wc[2] = { c, 0 };
	cchar_t cc;

	setcchar(&cc, wc, A_NORMAL, 0, NULL);
	add_wch(&cc);
}

/*
 * Draw @s[0..len) at (@y, @x) within @width columns with @attr, bytes
 * marked in @mask (may be NULL) with the mark attribute (1: a query
 * term, 2: a search match); pads with spaces when @pad.  A text holding
 * right-to-left letters is put between Unicode isolates (when @x > 0:
 * the isolate joins the cell before it, taking no column).  Returns the
 * columns used.
 */
static int
draw_text(const struct draw *d, int y, int x, int width, const char *s,
	  size_t len, const unsigned char *mask, attr_t attr, bool pad)
{
	attr_t mark = draw_attr(d, PAIR_MARK);
	attr_t found = draw_attr(d, PAIR_FOUND);
	size_t i = 0;
	int col = 0;
	bool iso;

	if (width <= 0)
		return 0;
	/* not in a locale that cannot encode them: ncurses would draw each
	 * isolate as a blank of its own */
	iso = d->utf8 && x > 0 && layout_has_rtl(s, len);
	move(y, x);
	if (iso)	/* joins the cell before the cursor */
		draw_zw(DRAW_FSI);
	while (i < len) {
		wchar_t wc[2] = { 0, 0 };
		int w;
		size_t n = layout_char(s + i, len - i, &wc[0], &w);
		cchar_t cc;

		if (col + w > width)
			break;
		if (!d->utf8 && (unsigned char)s[i] >= 0x80)
			draw_lossy = true;
		if (wc[0]) {
			attr_t a = mask && mask[i] == 2 ? found
				   : mask && mask[i] ? mark : attr;

			/* setcchar takes the colour as its own argument and
			 * ignores the colour bits of the attributes */
			setcchar(&cc, wc, a & ~A_COLOR,
				 (short)PAIR_NUMBER(a), NULL);
			add_wch(&cc);
			col += w;
		}
		i += n;
	}
	if (iso)
		draw_zw(DRAW_PDI);
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

/* Mark the search words in @mask (2) over the query-term marks. */
static void
draw_mark_search(const struct draw *d, const char *s, size_t len,
		 unsigned char *mask)
{
	unsigned char *m2;

	if (!d->sterms.n || !len)
		return;
	m2 = xmalloc(len);
	layout_mark(&d->sterms, s, len, m2);
	for (size_t i = 0; i < len; i++)
		if (m2[i])
			mask[i] = 2;
	free(m2);
}

/* One line of @s (not empty) at (@y, @x), @width columns, the search's
 * words marked: the part that can show, at most 4 bytes a column. */
static void
draw_text_marked(const struct draw *d, int y, int x, int width,
		 const char *s, attr_t attr, bool pad)
{
	size_t len = strlen(s), show_len;
	unsigned char *mask = NULL;

	show_len = len < (size_t)(COLS * 4) ? len : (size_t)(COLS * 4);
	if (d->sterms.n) {
		mask = xcalloc(show_len ? show_len : 1, 1);
		draw_mark_search(d, s, show_len, mask);
	}
	draw_text(d, y, x, width, s, show_len, mask, attr, pad);
	free(mask);
}

/* Wrap @head (facts, may be "") + @title + @text for a pane of @width
 * columns keyed by @key. */
static void
draw_pane_fill(struct draw *d, struct draw_pane *p, int64_t key,
	       const char *head, const char *title, const char *text,
	       int width)
{
	if (p->key == key && p->width == width && p->text && p->head &&
	    !strcmp(p->head, head) && p->sgen == d->sgen)
		return;
	if (!*text && !(title && *title))
		text = DRAW_NO_TEXT;
	draw_pane_fini(p);
	p->key = key;
	p->width = width;
	p->head = xstrdup(head);
	p->sgen = d->sgen;
	p->text = xasprintf("%s%s%s%s%s", head, *head ? "\n" : "",
			    title && *title ? title : "",
			    title && *title ? "\n" : "", text);
	p->len = strlen(p->text);
	layout_wrap(p->text, p->len, width, &p->lines, &p->nlines);
	p->mask = xmalloc(p->len ? p->len : 1);
	layout_mark(&d->terms, p->text, p->len, p->mask);
	draw_mark_search(d, p->text, p->len, p->mask);
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

/* Put @text into rows @y0.. of @width columns, wrapped; returns rows. */
static int
draw_wrapped(const struct draw *d, int y0, int rows, int width,
	     const char *text, attr_t attr)
{
	struct layout_line *lines;
	size_t n;
	int k;

	layout_wrap(text, strlen(text), width, &lines, &n);
	for (k = 0; k < rows && (size_t)k < n; k++)
		draw_text(d, y0 + k, 0, width, text + lines[k].start,
			  lines[k].end - lines[k].start, NULL, attr, false);
	free(lines);
	return k;
}

static void
draw_too_small(const struct draw *d)
{
	char line[256];
	struct layout_line *lines;
	size_t n;
	/* a prompt stays open on the last row and keys still go to it
	 * (what is typed shows there): q is then a letter of it, Esc
	 * closes it */
	bool prompt = d->prompt != PROMPT_NONE;
	int y, avail = prompt ? LINES - 1 : LINES;

	/* wrapped, and shorter when even that does not fit */
	snprintf(line, sizeof(line), "Terminal too small: %dx%d. negsieve "
		 "review needs at least %dx%d; enlarge the window (%s).",
		 COLS, LINES, LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS, prompt
		 ? "Esc closes the prompt below, then q quits" : "q quits");
	layout_wrap(line, strlen(line), COLS, &lines, &n);
	free(lines);
	if ((int)n > avail) {
		snprintf(line, sizeof(line), "Too small (%dx%d): needs %dx%d. "
			 "%s", COLS, LINES, LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS,
			 prompt ? "Esc, then q quits." : "q quits.");
		layout_wrap(line, strlen(line), COLS, &lines, &n);
		free(lines);
	}
	y = (avail - (int)n) / 2;
	if (y < 0)
		y = 0;
	draw_wrapped(d, y, avail - y, COLS, line, A_BOLD);
}

/* The first key bound to @r into @buf ("" when none). */
static const char *
draw_first_key(const struct draw *d, enum req r, char *buf, size_t size)
{
	keymap_keys_of(d->km, r, buf, size);
	buf[strcspn(buf, ",")] = '\0';
	return buf;
}

const char draw_default_guideline[] =
	"A false negative (FN) is a candidate that answers the query: it "
	"gives what a person asking this query wants, as the positive does, "
	"even if in other words or only in part.  It must not be trained on "
	"as a negative; f relabels it as a positive.\n"
	"A true negative (TN) does not answer the query, even when it "
	"shares its words or its topic: related is not relevant.  x keeps "
	"it as a negative.\n"
	"Judge the text, not the score, the rank or the cascade's P(FN).  "
	"Read the positive (p) when the query alone is unclear.\n"
	"Drop the passage (d) when its text is broken, empty, boilerplate "
	"or in another language than the query: that holds in every query "
	"the passage is in.  Drop the query (D) when the query itself is "
	"broken or cannot be judged.\n"
	"Unsure?  Skip it (Space) and say why in a note (c).";

/* One legend line: a marker or column and what it means. */
static const char *const draw_legend[][2] = {
	{ ">", "the selected candidate" },
	{ "*", "tagged (t); ; applies the next decision to all tagged" },
	{ "/", "matches the last search (/); the words are highlighted" },
	{ "sig ^", "scores above the positive: the gap is below 0 (red; "
		   "bold and underlined without colour)" },
	{ "sig d", "near-duplicate of the positive, as mining flagged it "
		   "(the detail pane gives the similarity)" },
	{ "sig =", "the same text as another row of this query (the "
		   "detail pane names it)" },
	{ "rank", "rank in the run whose scores are shown (see the header)" },
	{ "score", "the run's score of the candidate" },
	{ "gap", "the positive's score minus the candidate's, in the run's "
		 "own units (absolute, not a percentage: it stays readable "
		 "when the positive scores near 0 or below); below 0 the "
		 "candidate scores higher than the positive" },
	{ "  gone", "in place of the gap: labelled, but no run keeps it "
		    "any more (a refilter or a new mine left it out); its "
		    "label still counts, a TN is not exported (the detail "
		    "pane says more)" },
	{ "P(FN)", "the cascade's probability that the candidate is a false "
		   "negative; shown once the cascade has run" },
	{ "stage", "the cascade stage that decided the candidate, or held "
		   "or later: not offered to people yet, for one of two "
		   "reasons (below; the cursor skips both); shown once the "
		   "cascade has run" },
	{ "  held", "a stage (a command, a judge) has not scored it yet, so "
		    "the cascade cannot route it: it waits for the next "
		    "negsieve cascade (the detail pane names the stage)" },
	{ "  later", "beyond the queue's window (cascade.queue_window): it "
		     "waits for a refit of the cascade to offer it in its "
		     "turn" },
	{ "decision", "the current label: FN, TN, drop (the passage, in "
		      "every query), drop q (the query), skip (yours); "
		      "(pos)/(neg) the imported judgment; auto TN/auto FN the "
		      "cascade's verdict (the cursor skips those)" },
	{ "#", "the candidate has a note; c shows it for editing, the "
	       "detail pane shows it" },
	{ "id", "the passage's id, then its text" },
	{ "+", "the line under the query: the query's positive" },
	{ "columns", "on a narrow terminal rank goes first, then score, "
		     "stage and P(FN)" },
};

static void
draw_help_add(struct draw *d, size_t *cap, const char *line)
{
	if (d->help_n == *cap) {
		*cap = *cap ? *cap * 2 : 128;
		d->help_v = xrealloc(d->help_v, *cap * sizeof(*d->help_v));
	}
	d->help_v[d->help_n++] = xstrdup(line);
}

/* Add "@lead@text" wrapped to @width, continuation lines indented by
 * the width of @lead. */
static void
draw_help_wrap(struct draw *d, size_t *cap, const char *lead,
	       const char *text, int width)
{
	int lw = layout_width(lead, strlen(lead));
	struct layout_line *lines;
	size_t n;

	if (width - lw < 10)
		lw = 0;
	layout_wrap(text, strlen(text), width - lw, &lines, &n);
	for (size_t k = 0; k < n; k++) {
		char *l = xasprintf("%*s%.*s", lw, k ? "" : lead,
				    (int)(lines[k].end - lines[k].start),
				    text + lines[k].start);

		if (k == 0 && lw == 0) {
			free(l);
			l = xasprintf("%s%.*s", lead,
				      (int)(lines[k].end - lines[k].start),
				      text + lines[k].start);
		}
		draw_help_add(d, cap, l);
		free(l);
	}
	free(lines);
}

/* Make the help lines for the current width: the keys (from the action
 * table, as bound), the legend, the guideline. */
static void
draw_help_build(struct draw *d)
{
	const char *group = "";
	char keys[128], lead[160];
	size_t cap = 0;
	int w = COLS - 2;

	for (size_t i = 0; i < d->help_n; i++)
		free(d->help_v[i]);
	free(d->help_v);
	d->help_v = NULL;
	d->help_n = 0;
	d->help_cols = COLS;
	if (d->pager) {
		const char *t = d->pager;

		while (*t) {
			size_t len = strcspn(t, "\n");
			char *line = xstrndup(t, len);

			if (*line)
				draw_help_wrap(d, &cap, "", line, w);
			else
				draw_help_add(d, &cap, "");
			free(line);
			t += len;
			if (*t)
				t++;
		}
		return;
	}
	for (int r = REQ_NONE + 1; r < REQ_COUNT; r++) {
		const struct req_info *ri = keymap_req((enum req)r);

		if (strcmp(group, ri->group)) {
			group = ri->group;
			draw_help_add(d, &cap, "");
			draw_help_add(d, &cap, group);
		}
		keymap_keys_of(d->km, (enum req)r, keys, sizeof(keys));
		snprintf(lead, sizeof(lead), "  %-16s ",
			 *keys ? keys : "(none)");
		draw_help_wrap(d, &cap, lead, ri->help, w);
	}
	draw_help_add(d, &cap, "");
	draw_help_add(d, &cap, "Legend");
	for (size_t i = 0; i < NS_ARRAY_SIZE(draw_legend); i++) {
		snprintf(lead, sizeof(lead), "  %-9s ", draw_legend[i][0]);
		draw_help_wrap(d, &cap, lead, draw_legend[i][1], w);
	}
	draw_help_add(d, &cap, "");
	draw_help_add(d, &cap, d->guideline ? "Labelling guideline "
		      "(review.guideline)" : "Labelling guideline");
	{
		const char *g = d->guideline ? d->guideline
			      : draw_default_guideline;

		while (*g) {
			size_t len = strcspn(g, "\n");
			char *para = xstrndup(g, len);

			draw_help_wrap(d, &cap, "  ", para, w);
			free(para);
			g += len;
			if (*g)
				g++;
		}
	}
}

int
draw_help_lines(const struct draw *d)
{
	return (int)d->help_n;
}

static void
draw_help(struct draw *d)
{
	int max;
	char buf[512];

	if (d->help_cols != COLS || !d->help_v)
		draw_help_build(d);
	max = draw_help_lines(d) - (LINES - 1);
	if (d->help_top > max)
		d->help_top = max > 0 ? max : 0;
	{
		char down[32], up[32];

		draw_first_key(d, REQ_MOVE_DOWN, down, sizeof(down));
		draw_first_key(d, REQ_MOVE_UP, up, sizeof(up));
		const char *what = d->pager ? "statistics"
				   : "keys, legend, guideline";

		snprintf(buf, sizeof(buf), " negsieve review: %s   (%s/%s "
			 "scroll, any other key closes)", what,
			 *down ? down : "-", *up ? up : "-");
		if (layout_width(buf, strlen(buf)) > COLS)
			snprintf(buf, sizeof(buf), " %s (%s/%s, any key "
				 "closes)", what, *down ? down : "-",
				 *up ? up : "-");
		draw_str(d, 0, 0, COLS, buf, draw_attr(d, PAIR_HEAD), true);
	}
	for (int y = 1; y < LINES; y++) {
		size_t li = (size_t)(d->help_top + y - 1);
		const char *l;

		if (li >= d->help_n)
			break;
		l = d->help_v[li];
		draw_str(d, y, 1, COLS - 1, l, l[0] && l[0] != ' ' ? A_BOLD
			 : A_NORMAL, false);
	}
}

/* The gap of a candidate: the best positive's score minus its score, in
 * the run's units (absolute); "-" when either has no score.  *@above
 * when the candidate scores above the positive. */
static void
draw_gap(const struct queue_query *q, const struct queue_cand *c, char *buf,
	 size_t size, bool *above)
{
	double g, a;

	*above = false;
	if (q->npos == 0 || !q->pos[0].has_score || !c->has_score) {
		snprintf(buf, size, "-");
		return;
	}
	g = q->pos[0].score - c->score;
	a = fabs(g);
	*above = g < 0;
	snprintf(buf, size, a < 10 ? "%.3f" : a < 1000 ? "%.1f" : "%.0f", g);
	if (strlen(buf) > 6)
		snprintf(buf, size, "%.2g", g);
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

/* Has the cascade filled P(FN) or a stage in the current query? */
static bool
draw_cascade_shown(const struct review *r)
{
	const struct queue_query *q = r->q;

	for (size_t i = 0; q && i < q->n; i++)
		if (!isnan(q->c[i].pfn) || q->c[i].auto_verdict[0])
			return true;
	return false;
}

/*
 * Why the cascade holds @c back from people, as the stage column says it
 * (the legend explains both words), or NULL when it does not: "held"
 * when a stage that has not scored it yet holds it (it waits for
 * `negsieve cascade`), "later" when it is beyond the queue's window (it
 * waits for a refit to order the queue again).  Both have priority -1
 * (auto_pending); only a held item keeps the holding stage with a
 * "review" verdict (src/cascadejob.c).  An audit item is never held (the
 * audit order places it whatever its stages say) and, beyond the window,
 * shows "later" like any other item there, so the column does not single
 * out the audit slice.
 */
static const char *
draw_waiting(const struct queue_cand *c)
{
	if (!c->auto_pending)
		return NULL;
	if (!c->audit && c->auto_stage[0] &&
	    !strcmp(c->auto_verdict, "review"))
		return "held";
	return "later";
}

/* Width of the id column: the longest id of the query, within bounds. */
static int
draw_id_width(const struct queue_query *q, int cols)
{
	int w = 2, cap = cols >= 100 ? 16 : 10;

	for (size_t i = 0; i < q->n; i++) {
		int iw = layout_width(q->c[i].xid, strlen(q->c[i].xid));

		if (iw > w)
			w = iw;
	}
	return w < cap ? w : cap;
}

/* Which rows of the query have the same text as another (d->same). */
static void
draw_same_texts(struct draw *d)
{
	const struct queue_query *q = d->r->q;

	if (d->same && d->same_q == q && d->same_qid == q->id)
		return;
	free(d->same);
	d->same = xmalloc((q->n ? q->n : 1) * sizeof(*d->same));
	d->same_q = q;
	d->same_qid = q->id;
	for (size_t i = 0; i < q->n; i++) {
		d->same[i] = (size_t)-1;
		if (!*q->c[i].text)
			continue;
		for (size_t j = 0; j < q->n; j++)
			if (j != i && !strcmp(q->c[i].text, q->c[j].text)) {
				d->same[i] = j;
				break;
			}
	}
}

/* Draw @id in @w columns (cut with '~' when longer) at (@y, @x). */
static void
draw_id(const struct draw *d, int y, int x, int w, const char *id,
	attr_t attr)
{
	int iw = layout_width(id, strlen(id));

	if (iw <= w) {
		draw_text(d, y, x, w, id, strlen(id), NULL, attr, true);
		return;
	}
	draw_text(d, y, x, w - 1, id, strlen(id), NULL, attr, true);
	draw_str(d, y, x + w - 1, 1, "~", attr, false);
}

static void
draw_list(struct draw *d)
{
	const struct review *r = d->r;
	const struct queue_query *q = r->q;
	const struct layout_geom *g = &d->g;
	char buf[256], gap[32], pfn[16], stage[16];
	bool show[LCOL_COUNT], cascade = draw_cascade_shown(r);
	int idw = draw_id_width(q, COLS), x0, textx;
	size_t *vis = xmalloc((q->n ? q->n : 1) * sizeof(*vis)), nvis = 0,
	       curv = 0;

	draw_same_texts(d);
	x0 = layout_columns(COLS, cascade, idw, show);
	textx = x0 + idw + 1;
	/* the column heads, at the columns' own places */
	{
		int x = 0;

		x += draw_str(d, g->head_row, x, 7, "   sig ", A_BOLD, true);
		if (show[LCOL_RANK])
			x += draw_str(d, g->head_row, x, LAYOUT_W_RANK,
				      " rank ", A_BOLD, true);
		if (show[LCOL_SCORE])
			x += draw_str(d, g->head_row, x, LAYOUT_W_SCORE,
				      "  score ", A_BOLD, true);
		x += draw_str(d, g->head_row, x, LAYOUT_W_GAP, "   gap ",
			      A_BOLD, true);
		if (show[LCOL_PFN])
			x += draw_str(d, g->head_row, x, LAYOUT_W_PFN,
				      "P(FN) ", A_BOLD, true);
		if (show[LCOL_STAGE])
			x += draw_str(d, g->head_row, x, LAYOUT_W_STAGE,
				      "stage ", A_BOLD, true);
		draw_str(d, g->head_row, x, 10, "decision", A_BOLD, false);
		x = draw_str(d, g->head_row, x0, COLS - x0, "id", A_BOLD,
			     false) + x0;
		x += draw_str(d, g->head_row, textx, COLS - textx,
			      r->only ? "text (filter: " : "text", A_BOLD,
			      false) + (textx - x);
		if (r->only) {
			snprintf(buf, sizeof(buf), "%s)",
				 review_filter_name(r->only));
			x += draw_str(d, g->head_row, x, COLS - x, buf,
				      A_BOLD, false);
		}
		/* the cascade's live thresholds, right of the column heads */
		if (r->cascade_line[0] && COLS - x > 12) {
			const char *s = r->cascade_line, *more = "";
			char line[sizeof(r->cascade_line) + 8];
			size_t len = strlen(s);
			int w = layout_width(s, len), cx;

			/* too long: whole stages only, then "..." (or just
			 * the version; when even that is too long, cut) */
			for (size_t l = len; w > COLS - x - 2 && l > 0;) {
				l--;
				if (s[l] == ',' || s[l] == ':') {
					len = s[l] == ',' ? l : l + 1;
					more = s[l] == ',' ? ", ..." : " ...";
					w = layout_width(s, len) +
					    (int)strlen(more);
				}
			}
			snprintf(line, sizeof(line), "%.*s%s", (int)len, s, more);
			cx = COLS - w > x + 2 ? COLS - w : x + 2;
			draw_str(d, g->head_row, cx, COLS - cx, line,
				 draw_attr(d, PAIR_DIM), false);
		}
	}
	for (size_t i = 0; i < q->n; i++) {
		if (!review_visible(r, i))
			continue;
		if (i == r->cur)
			curv = nvis;
		vis[nvis++] = i;
	}
	if (nvis == 0) {
		snprintf(buf, sizeof(buf), "(nothing here is %s: > goes to "
			 "the next such query, F changes the filter)",
			 review_filter_name(r->only));
		draw_str(d, g->list_row, 0, COLS, buf,
			 draw_attr(d, PAIR_DIM), false);
		free(vis);
		return;
	}
	if (curv < d->top)
		d->top = curv;
	if (curv >= d->top + (size_t)g->list_rows)
		d->top = curv - (size_t)g->list_rows + 1;
	if (d->top >= nvis)
		d->top = 0;
	for (int k = 0; k < g->list_rows; k++) {
		size_t v = d->top + (size_t)k, i;
		const struct queue_cand *c;
		enum label l;
		attr_t base, sig = draw_attr(d, PAIR_SIGNAL);
		bool auto_decided, above;
		int x, y = g->list_row + k;

		if (v >= nvis)
			break;
		i = vis[v];
		c = &q->c[i];
		l = q->dropped ? LABEL_DROP_QUERY : c->label;
		base = i == r->cur ? A_REVERSE : A_NORMAL;
		draw_gap(q, c, gap, sizeof(gap), &above);
		/* a labelled item no run keeps says so where its gap would
		 * be (always shown): its score, if any, is an old one */
		if (c->gone) {
			snprintf(gap, sizeof(gap), "gone");
			above = false;
		}
		/* the cascade's verdict is shown only where it decided: an
		 * item left to people (or drawn for the audit slice) shows
		 * its P(FN) and nothing that could lean the decision */
		auto_decided = c->auto_verdict[0] && !c->audit &&
			       strcmp(c->auto_verdict, "review");
		snprintf(buf, sizeof(buf), "%c%c%c", i == r->cur ? '>' : ' ',
			 c->tagged ? '*' : ' ',
			 r->hit && r->hit[i] ? '/' : ' ');
		x = draw_str(d, y, 0, 3, buf, base, true);
		x += draw_str(d, y, x, 1, above ? "^" : " ",
			      base | (above ? sig : 0), true);
		x += draw_str(d, y, x, 1, c->near_dup ? "d" : " ",
			      base | (c->near_dup ? draw_attr(d, PAIR_DROP)
				      | A_BOLD : 0), true);
		x += draw_str(d, y, x, 2, d->same[i] != (size_t)-1 ? "= "
			      : "  ", base | (d->same[i] != (size_t)-1 ?
					      A_BOLD : 0), true);
		if (show[LCOL_RANK]) {
			if (c->in_run)
				snprintf(buf, sizeof(buf), "%5lld ",
					 (long long)c->rank);
			else
				snprintf(buf, sizeof(buf), "%5s ", "-");
			x += draw_str(d, y, x, LAYOUT_W_RANK, buf, base, true);
		}
		if (show[LCOL_SCORE]) {
			if (c->has_score)
				snprintf(buf, sizeof(buf), "%7.3f ", c->score);
			else
				snprintf(buf, sizeof(buf), "%7s ", "-");
			x += draw_str(d, y, x, LAYOUT_W_SCORE, buf, base,
				      true);
		}
		snprintf(buf, sizeof(buf), "%6s", gap);
		x += draw_str(d, y, x, LAYOUT_W_GAP - 1, buf,
			      base | (above ? sig : 0), true);
		x += draw_str(d, y, x, 1, " ", base, true);
		if (show[LCOL_PFN]) {
			if (isnan(c->pfn))
				snprintf(pfn, sizeof(pfn), "%5s ", "-");
			else
				snprintf(pfn, sizeof(pfn), "%5.2f ", c->pfn);
			x += draw_str(d, y, x, LAYOUT_W_PFN, pfn, base, true);
		}
		if (show[LCOL_STAGE]) {
			if (auto_decided)
				snprintf(stage, sizeof(stage), "%-5.5s ",
					 c->auto_stage);
			else if (draw_waiting(c))
				snprintf(stage, sizeof(stage), "%-5s ",
					 draw_waiting(c));
			else
				snprintf(stage, sizeof(stage), "-     ");
			x += draw_str(d, y, x, LAYOUT_W_STAGE, stage, base,
				      true);
		}
		snprintf(buf, sizeof(buf), "%-7s", l ? label_name(l)
			 : c->judged > 0 ? "(pos)" : c->judged < 0 ? "(neg)"
			 : auto_decided && !strcmp(c->auto_verdict, "tn")
			 ? "auto TN"
			 : auto_decided ? "auto FN" : "-");
		x += draw_str(d, y, x, 8, buf,
			      base | (l ? draw_label_attr(d, l)
				      : auto_decided ? draw_attr(d, PAIR_DIM)
				      : A_NORMAL), true);
		x += draw_str(d, y, x, 2, c->note ? "# " : "  ", base, true);
		draw_id(d, y, x, idw, c->xid, base);
		x += idw;
		x += draw_str(d, y, x, 1, " ", base, true);
		if (*c->text) {
			draw_text_marked(d, y, x, COLS - x, c->text, base,
					 i == r->cur);
		} else {
			draw_str(d, y, x, COLS - x, "(no text)",
				 base | draw_attr(d, PAIR_DIM), i == r->cur);
		}
	}
	free(vis);
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

/*
 * The header: every field with its label, none ever cut.  Fields that
 * do not fit go whole, in this order: the query count, the project,
 * "this" of "in this query", the percentage, the run, the annotator, the
 * word "queue".  What is left is the current query's (what
 * review_left() counts), said so: the queue's own progress is the
 * "queue done" field, and a count of what is left for this annotator in
 * the whole queue would cost a probe of item_label per item (what
 * queue_count does for `negsieve queue`; ~7 us a label by BENCHMARKS.md,
 * seconds at 1M), too dear to redo whenever others decide.
 */
static void
draw_header(struct draw *d)
{
	const struct review *r = d->r;
	char buf[512], run[96], queue[96], pct[32], queries[48], left[48],
	     left_short[48], who[96], rate[64];
	double p = r->prog.items ? 100.0 * (double)r->prog.labelled /
				   (double)r->prog.items : 0.0;

	draw_run(r, run, sizeof(run));
	if (r->prog_known) {
		snprintf(queue, sizeof(queue), "%lld/%lld done",
			 (long long)r->prog.labelled,
			 (long long)r->prog.items);
		snprintf(pct, sizeof(pct), " (%.1f%%)", p);
		snprintf(queries, sizeof(queries), ", %lld queries",
			 (long long)r->prog.queries);
	} else {
		snprintf(queue, sizeof(queue), "counting...");
		pct[0] = queries[0] = '\0';
	}
	if (r->q) {
		size_t n = review_left(r);

		snprintf(left, sizeof(left), " | %zu left in this query", n);
		snprintf(left_short, sizeof(left_short), " | %zu left in query",
			 n);
	} else {
		left[0] = left_short[0] = '\0';
	}
	snprintf(who, sizeof(who), "%s: ", r->annotator);
	snprintf(rate, sizeof(rate), "%lld decisions, %.0f/h",
		 (long long)r->session_decisions, review_rate(r));
	for (int form = 0; form < 8; form++) {
		snprintf(buf, sizeof(buf), " %s%s%s%s%s%s%s%s%s | %s%s", form < 2
			 ? d->project : "", form < 2 ? " | " : "",
			 form < 5 && *run ? run : "",
			 form < 5 && *run ? " | " : "",
			 form < 7 ? "queue " : "", queue, form < 4 ? pct : "",
			 form < 1 ? queries : "", form < 3 ? left : left_short,
			 form < 6 ? who : "", rate);
		if (layout_width(buf, strlen(buf)) <= COLS)
			break;
	}
	draw_str(d, 0, 0, COLS, buf, draw_attr(d, PAIR_HEAD) | A_BOLD, true);
}

static void
draw_query(struct draw *d)
{
	const struct review *r = d->r;
	const struct queue_query *q = r->q;
	const struct layout_geom *g = &d->g;
	struct layout_line *lines;
	size_t n;
	char mark[128];
	char *s;

	if (r->leased_out && r->holder_self)
		snprintf(mark, sizeof(mark), " [open in your other window: "
			 "read only]");
	else if (r->leased_out)
		snprintf(mark, sizeof(mark), " [%s is reviewing it: read "
			 "only]", r->holder);
	else
		mark[0] = '\0';
	s = xasprintf("Q %s%s%s: %s", q->xid, q->dropped ? " (dropped)" : "",
		      mark, *q->text ? q->text : DRAW_NO_TEXT);
	layout_wrap(s, strlen(s), COLS, &lines, &n);
	for (int k = 0; k < g->query_rows && (size_t)k < n; k++) {
		size_t a = lines[k].start, e = lines[k].end;
		size_t colon = k == 0 ? strlen(s) - strlen(*q->text ? q->text
				: DRAW_NO_TEXT) : a;
		attr_t at = A_BOLD | (r->query_hit && k == 0 ?
				      draw_attr(d, PAIR_DIM) : 0);
		int x = 0;

		/* the id and marks, then the text on its own (isolated) */
		if (colon > a && colon <= e)
			x = draw_text(d, g->query_row + k, 0, COLS, s + a,
				      colon - a, NULL, mark[0] ?
				      at | draw_attr(d, PAIR_ERR) : at,
				      false);
		else
			colon = a;
		draw_text(d, g->query_row + k, x, COLS - x, s + colon,
			  e - colon, NULL, at, false);
	}
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
		/* the search's words, as on the candidates' rows (/
		 * searches the positives too) */
		if (*p->text)
			draw_text_marked(d, g->pos_row, x, COLS - x, p->text,
					 A_NORMAL, false);
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
 * scroll keys as bound); parts go whole when @width is short: the
 * character count, then the hint, then "lines" (1-6/12), then where. */
static void
draw_sep(struct draw *d, int x, int width, const char *what,
	 const char *xid, size_t chars, const struct draw_pane *p)
{
	char buf[512], count[48], hint[80], down[32], up[32];
	int last = d->detail_top + d->g.detail_rows;

	if ((size_t)last > p->nlines)
		last = (int)p->nlines;
	mvhline(d->g.sep_row, x, ACS_HLINE, width);
	draw_first_key(d, REQ_SCROLL_DOWN, down, sizeof(down));
	draw_first_key(d, REQ_SCROLL_UP, up, sizeof(up));
	if (*down || *up)
		snprintf(hint, sizeof(hint), " (%s/%s)", *down ? down : "-",
			 *up ? up : "-");
	else
		hint[0] = '\0';
	snprintf(count, sizeof(count), " %zu chars,", chars);
	for (int form = 0; form < 5; form++) {
		int first = p->nlines ? d->detail_top + 1 : 0;

		if (form < 3)
			snprintf(buf, sizeof(buf), " %s %s,%s lines %d-%d of "
				 "%zu%s ", what, xid, form ? "" : count, first,
				 last, p->nlines, form < 2 ? hint : "");
		else if (form == 3)	/* lines 1-6 of 12 as 1-6/12 */
			snprintf(buf, sizeof(buf), " %s %s, %d-%d/%zu ", what,
				 xid, first, last, p->nlines);
		else
			snprintf(buf, sizeof(buf), " %s %s ", what, xid);
		if (layout_width(buf, strlen(buf)) <= width - 1)
			break;
	}
	draw_str(d, d->g.sep_row, x + 1, width - 1, buf, A_BOLD, false);
}

/* What the detail pane says of a gone item @c: that no run keeps it,
 * what its label still does, and the score the last run that had it
 * gave it. */
static void
draw_gone(struct strbuf *sb, const struct queue_query *q,
	  const struct queue_cand *c)
{
	strbuf_addf(sb, "gone: no run keeps it now (a refilter or a new "
		    "mine left it out); ");
	if (c->label == LABEL_FN)
		strbuf_addf(sb, "its FN label still counts as evidence "
			    "(estimate, fit) and export writes it as a "
			    "positive.\n");
	else if (c->label == LABEL_TN)
		strbuf_addf(sb, "its TN label still counts as evidence "
			    "(estimate, fit); not exported.\n");
	else
		strbuf_addf(sb, "not exported.\n");
	if (!c->last_run) {
		strbuf_addf(sb, "no run stored its score.\n");
		return;
	}
	strbuf_addf(sb, "run %lld%s gave it score %.3f, rank %lld",
		    (long long)c->last_run,
		    c->last_run == q->run ? "" : " (not the run shown)",
		    c->last_score, (long long)c->last_rank);
	if (c->last_filter[0])
		strbuf_addf(sb, "; left out by %s", c->last_filter);
	strbuf_addf(sb, ".\n");
}

/* What the detail pane says above the candidate's text: its note, the
 * signals and what the run, the import and the cascade know. */
static char *
draw_facts(struct draw *d)
{
	const struct review *r = d->r;
	const struct queue_query *q = r->q;
	const struct queue_cand *c = &q->c[r->cur];
	struct strbuf sb;
	char gap[32];
	bool above;

	strbuf_init(&sb);
	if (c->note && c->note_text)
		strbuf_addf(&sb, "# note: %s\n", c->note_text);
	draw_gap(q, c, gap, sizeof(gap), &above);
	if (above)
		strbuf_addf(&sb, "^ scores above the positive %s (gap %s).\n",
			    q->pos[0].xid, gap);
	if (c->near_dup && !isnan(c->dup_sim))
		strbuf_addf(&sb, "d near-duplicate of the positive "
			    "(similarity %.2f).\n", c->dup_sim);
	else if (c->near_dup)
		strbuf_addf(&sb, "d near-duplicate of the positive.\n");
	if (d->same && d->same[r->cur] != (size_t)-1)
		strbuf_addf(&sb, "= the same text as %s.\n",
			    q->c[d->same[r->cur]].xid);
	if (c->gone)
		draw_gone(&sb, q, c);
	else if (!c->in_run && q->run)
		strbuf_addf(&sb, "not in run %lld (no score).\n",
			    (long long)q->run);
	if (draw_waiting(c) && !strcmp(draw_waiting(c), "held"))
		strbuf_addf(&sb, "held: stage %s has not scored it yet; the "
			    "next negsieve cascade scores it.\n",
			    c->auto_stage);
	else if (draw_waiting(c))
		strbuf_addf(&sb, "later: beyond the queue's window; a refit "
			    "offers it in its turn.\n");
	if (c->judged)
		strbuf_addf(&sb, "judged %s by the import.\n", c->judged > 0
			    ? "relevant" : "non-relevant");
	if (c->auto_verdict[0] && !c->audit &&
	    strcmp(c->auto_verdict, "review"))
		strbuf_addf(&sb, "cascade: %s by %s (%.3g).\n",
			    !strcmp(c->auto_verdict, "tn") ? "kept as TN"
			    : "flagged FN", c->auto_stage, c->auto_score);
	/* an adjudicator sees every annotator's label (annotators of an
	 * overlap item decide without seeing each other's) */
	if (r->adjudicating && c->others && c->others[0])
		strbuf_addf(&sb, "%s: %s.\n", c->conflict ? "conflict" :
			    "labels", c->others);
	if (sb.len)
		sb.buf[sb.len - 1] = '\0';	/* the last newline */
	return strbuf_detach(&sb, NULL);
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
	int max;

	if (!pos_only) {
		char *facts = draw_facts(d);

		if (c->auto_raw && *c->auto_raw) {
			/* what the external stages answered, under the text */
			char *t = xasprintf("%s\n\n-- what the cascade's stages "
					    "answered:\n%s", c->text,
					    c->auto_raw);

			draw_pane_fill(d, &d->cand, c->passage_id, facts,
				       c->title, t, g->detail_w);
			free(t);
		} else {
			draw_pane_fill(d, &d->cand, c->passage_id, facts,
				       c->title, c->text, g->detail_w);
		}
		free(facts);
	}
	if (g->wide || pos_only)
		draw_pane_fill(d, &d->pos, p ? p->passage_id : 0, "",
			       p ? p->title : "", p ? p->text :
			       "(this query has no positive)",
			       g->wide ? g->pos_w - 1 : g->cols);
	max = draw_detail_lines(d) - g->detail_rows;
	if (d->detail_top > max)
		d->detail_top = max > 0 ? max : 0;
	if (d->detail_top < 0)
		d->detail_top = 0;
	if (pos_only) {
		char what[96], k[32];

		draw_first_key(d, REQ_TOGGLE_POS, k, sizeof(k));
		snprintf(what, sizeof(what), "positive for %s (%s: back)",
			 c->xid, *k ? k : "move");
		draw_sep(d, 0, COLS, what, p ? p->xid : "-",
			 p ? draw_nchars(p->text) : 0, &d->pos);
		draw_pane_lines(d, &d->pos, g->detail_row, 0, g->detail_rows,
				COLS, d->detail_top);
		return;
	}
	draw_sep(d, 0, g->detail_w, "candidate", c->xid, draw_nchars(c->text),
		 &d->cand);
	draw_pane_lines(d, &d->cand, g->detail_row, 0, g->detail_rows,
			g->detail_w, d->detail_top);
	if (g->wide) {
		draw_sep(d, g->pos_x, g->pos_w, "positive", p ? p->xid : "-",
			 p ? draw_nchars(p->text) : 0, &d->pos);
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

/* The most rows a message takes (the status line and those above it). */
#define DRAW_MSG_ROWS 3

/* The rows the status line needs this frame: a message wraps to up to
 * DRAW_MSG_ROWS; a prompt, the key hints or no message take one. */
static int
draw_msg_rows(const struct draw *d)
{
	struct layout_line *lines;
	size_t n;

	if (d->prompt != PROMPT_NONE || !d->r->msg[0])
		return 1;
	layout_wrap(d->r->msg, strlen(d->r->msg), COLS, &lines, &n);
	free(lines);
	return (int)n > DRAW_MSG_ROWS ? DRAW_MSG_ROWS : n ? (int)n : 1;
}

static void
draw_status(struct draw *d)
{
	const struct review *r = d->r;
	int y = d->g.too_small ? LINES - 1 : d->g.status_row;
	char buf[512], k[64];

	if (d->prompt == PROMPT_CONFIRM) {
		draw_str(d, y, 0, COLS, d->confirm, draw_attr(d, PAIR_ERR),
			 false);
		return;
	}
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
		/* a long message takes the rows above the status line */
		struct layout_line *lines;
		size_t n;
		int rows;

		layout_wrap(r->msg, strlen(r->msg), COLS, &lines, &n);
		rows = (int)n > DRAW_MSG_ROWS ? DRAW_MSG_ROWS : (int)n;
		/* the rows draw_frame took from the detail pane, no more */
		if (!d->g.too_small && rows > d->g.status_rows)
			rows = d->g.status_rows;
		for (int k2 = 0; k2 < rows; k2++) {
			int yy = y - rows + 1 + k2;

			move(yy, 0);
			clrtoeol();
			draw_text(d, yy, 0, COLS, r->msg + lines[k2].start,
				  lines[k2].end - lines[k2].start, NULL,
				  r->msg_err ? draw_attr(d, PAIR_ERR)
				  : A_NORMAL, false);
		}
		free(lines);
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
			/* a hint that does not fit whole is left out */
			if ((int)(len + strlen(k) + strlen(names[i]) + 1) >
			    COLS)
				break;
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s %s  ", k, names[i]);
			if (len >= sizeof(buf))
				break;
		}
	}
	draw_str(d, y, 0, COLS, buf, draw_attr(d, PAIR_DIM), false);
}

/* Keep the search words (d->sterms) in step with the review's search. */
static void
draw_sync_search(struct draw *d)
{
	const char *t = d->r->search_text;

	if ((!t && !d->sterms_text) ||
	    (t && d->sterms_text && !strcmp(t, d->sterms_text)))
		return;
	layout_terms_fini(&d->sterms);
	free(d->sterms_text);
	d->sterms_text = t ? xstrdup(t) : NULL;
	if (t)
		layout_terms_init(&d->sterms, t);
	d->sgen++;
}

void
draw_frame(struct draw *d)
{
	struct review *r = d->r;
	size_t qlines = 1;

	erase();
	draw_sync_search(d);
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
		d->show_pos = false;	/* p holds for one candidate */
	}
	if (r->q) {
		int w = layout_width(r->q->text, strlen(r->q->text)) +
			(int)strlen(r->q->xid) + 4;

		qlines = (size_t)(w / (COLS > 0 ? COLS : 1) + 1);
	}
	layout_geom(COLS, LINES, r->q ? r->q->n : 0, qlines, &d->g);
	/* a message of several lines shortens the detail pane, so that
	 * "lines a-b" and J/K count only the lines that show */
	layout_status(&d->g, draw_msg_rows(d));
	curs_set(d->prompt != PROMPT_NONE && d->prompt != PROMPT_CONFIRM
		 ? 1 : 0);
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
	if (d->prompt == PROMPT_NONE || d->prompt == PROMPT_CONFIRM)
		move(LINES - 1, 0);
	else if (d->help)
		draw_status(d);
	/* once: why the text is question marks (drawn again, with the
	 * message, which may take rows from the detail pane) */
	if (!d->utf8 && draw_lossy && !d->locale_said) {
		size_t len = strlen(r->msg);
		const char *loc = setlocale(LC_CTYPE, NULL);

		d->locale_said = true;
		snprintf(r->msg + len, sizeof(r->msg) - len, "%sThe terminal's "
			 "locale (%s) is not UTF-8: text that is not ASCII "
			 "shows as '?' (set LC_ALL or LANG to a UTF-8 locale, "
			 "e.g. C.UTF-8).", len ? "  " : "",
			 loc ? loc : "C");
		draw_frame(d);
		return;
	}
	wnoutrefresh(stdscr);
	doupdate();
}

void
draw_note(struct draw *d, const char *msg)
{
	int y = d->g.too_small ? LINES - 1 : d->g.status_row;

	move(y, 0);
	clrtoeol();
	draw_str(d, y, 0, COLS, msg, draw_attr(d, PAIR_ERR), false);
	move(LINES - 1, 0);
	wnoutrefresh(stdscr);
	doupdate();
}
