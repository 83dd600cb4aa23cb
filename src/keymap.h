/*
 * keymap.h - the review actions and their keys, in one table.
 *
 * Every action the review screen knows is one row of REQ_LIST with its
 * config name, help group, default keys and help text; the key handling,
 * the help screen (?) and the KEY BINDINGS section of negsieve(1) are all
 * generated from it.  Keys are named, not numbered, so this module has no
 * curses in it: a printable character is itself ("j", "G", "?"), others
 * are Space, Enter, Tab, Esc, Backspace, Up, Down, Left, Right, Home, End,
 * PgUp, PgDn, Delete, F1..F12 and C-a..C-z.
 */
#ifndef NS_KEYMAP_H
#define NS_KEYMAP_H

#include <stdio.h>

#include "src/config.h"
#include "src/err.h"

/* X(ID, config name, group, default keys, help) */
#define REQ_LIST(X) \
	X(MOVE_DOWN,    "down",         "Moving", "j Down",   "Select the next candidate") \
	X(MOVE_UP,      "up",           "Moving", "k Up",     "Select the previous candidate") \
	X(MOVE_FIRST,   "first",        "Moving", "g Home",   "Select the first candidate of the query") \
	X(MOVE_LAST,    "last",         "Moving", "G End",    "Select the last candidate of the query") \
	X(PAGE_DOWN,    "page-down",    "Moving", "PgDn C-f", "Move one page down the candidate list") \
	X(PAGE_UP,      "page-up",      "Moving", "PgUp C-b", "Move one page up the candidate list") \
	X(NEXT_QUERY,   "next-query",   "Moving", "> Right",  "Go to the next query of the queue") \
	X(PREV_QUERY,   "prev-query",   "Moving", "< Left",   "Go to the previous query of the queue") \
	X(NEXT_OPEN,    "next-open",    "Moving", "Tab",      "Go to the next undecided item of the queue") \
	X(BACK,         "back",         "Moving", "' C-o",    "Go back to where the last search or jump left") \
	X(FILTER,       "filter",       "Moving", "F",        "Show only my FN, TN, skipped or noted items (cycles)") \
	X(SCROLL_DOWN,  "scroll-down",  "Moving", "J",        "Scroll the detail pane half a page down") \
	X(SCROLL_UP,    "scroll-up",    "Moving", "K",        "Scroll the detail pane half a page up") \
	X(TOGGLE_POS,   "toggle-positive", "Moving", "p",     "Detail pane: the positive instead, for this candidate") \
	X(FN,           "fn",           "Deciding", "f",      "False negative: relabel the candidate as a positive") \
	X(TN,           "tn",           "Deciding", "x",      "True negative: keep the candidate as a negative") \
	X(DROP_PASSAGE, "drop-passage", "Deciding", "d",      "Drop the passage (bad text) in every query it is in") \
	X(DROP_QUERY,   "drop-query",   "Deciding", "D",      "Drop the whole query (asks first)") \
	X(SKIP,         "skip",         "Deciding", "Space",  "Skip the candidate for now") \
	X(REST_TN,      "rest-tn",      "Deciding", "X",      "Mark the undecided rest of the query as true negatives") \
	X(UNDO,         "undo",         "Deciding", "u",      "Undo your last decision (also after a restart)") \
	X(TAG,          "tag",          "Deciding", "t",      "Tag or untag the candidate and select the next") \
	X(TAG_APPLY,    "tag-apply",    "Deciding", ";",      "Apply the next decision key to all tagged candidates") \
	X(NOTE,         "note",         "Deciding", "c",      "Comment: write or edit the note; saving it empty removes it") \
	X(NOTE_EDITOR,  "note-editor",  "Deciding", "C",      "Comment: write or edit the note in $EDITOR; empty removes it") \
	X(SEARCH,       "search",       "Searching", "/",     "Search queries, positives, candidates (full text)") \
	X(SEARCH_NEXT,  "search-next",  "Searching", "n",     "Go to the next match") \
	X(SEARCH_PREV,  "search-prev",  "Searching", "N",     "Go to the previous match") \
	X(JUMP,         "jump",         "Searching", ":",     "Jump to a query by id, a prefix or a part of it") \
	X(STATS,        "stats",        "Other",   "S",       "Show the statistics of negsieve stats (agreement, pace)") \
	X(HELP,         "help",         "Other",   "? F1",    "Show this help, the legend and the guideline") \
	X(REDRAW,       "redraw",       "Other",   "C-l",     "Redraw the screen") \
	X(QUIT,         "quit",         "Other",   "q",       "Quit (every decision is already saved)")

enum req {
	REQ_NONE = 0,
#define REQ_ENUM(id, name, group, keys, help) REQ_##id,
	REQ_LIST(REQ_ENUM)
#undef REQ_ENUM
	REQ_COUNT
};

/* Static facts about an action. */
struct req_info {
	const char *name;	/* config name, e.g. "drop-passage" */
	const char *group;	/* help section */
	const char *keys;	/* default keys, space-separated */
	const char *help;	/* one line */
};

/* Facts about @r (REQ_NONE < r < REQ_COUNT). */
const struct req_info *keymap_req(enum req r);

/* The action named @name (config name), or REQ_NONE. */
enum req keymap_req_by_name(const char *name);

/* Is @key a valid key name? */
int keymap_key_valid(const char *key);

struct keymap;

/* The default bindings; free with keymap_free(). */
struct keymap *keymap_new(void);
void keymap_free(struct keymap *km);

/*
 * Apply the review.keys mapping of @cfg (key name -> action name, or
 * "none" to unbind).  An unknown key or action is NS_ECONFIG with a
 * message naming it, at its file:line:col when @cfg was read from a file;
 * @km is then unchanged.  negsieve config and init check a file with it
 * (src/project.c), review applies it.
 */
enum ns_rc keymap_configure(struct keymap *km, const struct config *cfg,
			    struct ns_err *err);

/* The action bound to key @key, or REQ_NONE. */
enum req keymap_lookup(const struct keymap *km, const char *key);

/* The keys bound to @r as "j, Down" into @buf; "" when none. */
char *keymap_keys_of(const struct keymap *km, enum req r, char *buf,
		     size_t size);

/*
 * The key name of an escape sequence a terminal sends for a common key
 * when the terminal description does not list it (TERM=xterm-256color
 * inside tmux, vt100): @seq is what follows ESC ("[1~", "OH", "[5~",
 * "[A", ...).  Returns "Home", "End", "PgUp", "PgDn", "Insert",
 * "Delete", "Up", "Down", "Left" or "Right", or NULL when it is none.
 */
const char *keymap_decode_seq(const char *seq);

/* Could @seq (after ESC) still grow into a sequence keymap_decode_seq()
 * knows? */
int keymap_seq_partial(const char *seq);

/* Write the KEY BINDINGS section of negsieve(1) (default keys, troff). */
void keymap_write_man(FILE *fp);

#endif
