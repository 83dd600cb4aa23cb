/*
 * label.c - the label table (see label.h).
 */
#include <string.h>

#include "src/label.h"

static const struct {
	const char *action, *name, *words, *style;
	enum req req;
	bool is_label;
} label_rows[LABEL_COUNT] = {
	[LABEL_NONE] = { "", "", "", "", REQ_NONE, false },
#define LABEL_ROW(id, action, name, words, style, req, is_label) \
	[LABEL_##id] = { action, name, words, style, req, is_label },
	LABEL_LIST(LABEL_ROW)
#undef LABEL_ROW
};

static enum label
label_checked(enum label l)
{
	return l > LABEL_NONE && l < LABEL_COUNT ? l : LABEL_NONE;
}

const char *
label_action(enum label l)
{
	return label_rows[label_checked(l)].action;
}

const char *
label_name(enum label l)
{
	return label_rows[label_checked(l)].name;
}

const char *
label_words(enum label l)
{
	return label_rows[label_checked(l)].words;
}

const char *
label_style(enum label l)
{
	return label_rows[label_checked(l)].style;
}

enum req
label_req(enum label l)
{
	return label_rows[label_checked(l)].req;
}

bool
label_decides(enum label l)
{
	return label_rows[label_checked(l)].is_label;
}

enum label
label_of_action(const char *action)
{
	if (!action)
		return LABEL_NONE;
	for (int l = LABEL_NONE + 1; l < LABEL_COUNT; l++)
		if (!strcmp(label_rows[l].action, action))
			return (enum label)l;
	return LABEL_NONE;
}

enum label
label_of_req(enum req r)
{
	for (int l = LABEL_NONE + 1; l < LABEL_COUNT; l++)
		if (label_rows[l].req == r && r != REQ_NONE)
			return (enum label)l;
	return LABEL_NONE;
}
