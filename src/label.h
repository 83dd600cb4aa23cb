/*
 * label.h - what a person decided about an item, in one table.
 *
 * Every state an item (a query's candidate) can be in after review is one
 * row of LABEL_LIST: the action stored in the decision log, the name the
 * screen, `stats` and help show, the display style the TUI colours it
 * with, and the review action (keymap.h) that makes it.  db/ stores the
 * action string, the item_label view derives the current label from the
 * log (see db/schema.c, migration 5), and every reader maps it back here.
 *
 * The current label of an item is the latest labelling event (fn, tn,
 * drop_passage) not undone; a drop_passage says the passage's text is
 * bad, so it labels the passage in every query it is a candidate of
 * (where no later label of that item says otherwise); a drop_query in
 * force labels every item of its query and wins over them.  A skip is
 * not a label: it only takes an item out of one person's queue until
 * they list their skips (review's filter).
 */
#ifndef NS_LABEL_H
#define NS_LABEL_H

#include <stdbool.h>

#include "src/keymap.h"

/* X(ID, stored action, list name, message name, style, request,
 *   is a label) */
#define LABEL_LIST(X) \
	X(FN,           "fn",           "FN",     "FN",           "fn",   REQ_FN,           true) \
	X(TN,           "tn",           "TN",     "TN",           "tn",   REQ_TN,           true) \
	X(DROP_PASSAGE, "drop_passage", "drop",   "drop passage", "drop", REQ_DROP_PASSAGE, true) \
	X(DROP_QUERY,   "drop_query",   "drop q", "drop query",   "drop", REQ_DROP_QUERY,   true) \
	X(SKIP,         "skip",         "skip",   "skip",         "dim",  REQ_SKIP,         false)

enum label {
	LABEL_NONE = 0,
#define LABEL_ENUM(id, action, name, words, style, req, is_label) \
	LABEL_##id,
	LABEL_LIST(LABEL_ENUM)
#undef LABEL_ENUM
	LABEL_COUNT
};

/* The action stored in the decision log ("fn", ...); "" for LABEL_NONE. */
const char *label_action(enum label l);

/* The name in the candidate list ("FN", "drop q", ...; at most 7
 * columns); "" for LABEL_NONE. */
const char *label_name(enum label l);

/* The name in messages, `stats` and help ("FN", "drop query", ...);
 * "" for LABEL_NONE. */
const char *label_words(enum label l);

/* The display style ("fn", "tn", "drop", "dim"); "" for LABEL_NONE. */
const char *label_style(enum label l);

/* The review action that records @l; REQ_NONE for LABEL_NONE. */
enum req label_req(enum label l);

/* Is @l a label (decides the item), not only a skip or nothing? */
bool label_decides(enum label l);

/* The label of stored action @action, or LABEL_NONE when it is none of
 * them (note, undo, NULL). */
enum label label_of_action(const char *action);

/* The label the review action @r records, or LABEL_NONE. */
enum label label_of_req(enum req r);

#endif
