/*
 * keymap.c - the review actions and their keys (see keymap.h).
 */
#include <stdlib.h>
#include <string.h>

#include "src/keymap.h"
#include "src/util.h"

static const struct req_info req_infos[REQ_COUNT] = {
	[REQ_NONE] = { "none", "", "", "" },
#define REQ_INFO(id, name, group, keys, help) \
	[REQ_##id] = { name, group, keys, help },
	REQ_LIST(REQ_INFO)
#undef REQ_INFO
};

static const char *const keymap_special[] = {
	"Space", "Enter", "Tab", "Esc", "Backspace", "Up", "Down", "Left",
	"Right", "Home", "End", "PgUp", "PgDn", "Delete", "Insert",
};

#define KEYMAP_KEY_MAX 16

struct keymap_entry {
	char key[KEYMAP_KEY_MAX];
	enum req req;
};

struct keymap {
	struct keymap_entry *v;	/* bindings, one per key */
	size_t n, cap;
};

const struct req_info *
keymap_req(enum req r)
{
	return &req_infos[r < REQ_COUNT ? r : REQ_NONE];
}

enum req
keymap_req_by_name(const char *name)
{
	for (int r = REQ_NONE + 1; r < REQ_COUNT; r++)
		if (!strcmp(req_infos[r].name, name))
			return (enum req)r;
	return REQ_NONE;
}

/* One UTF-8 encoded character, no control characters or spaces. */
static int
keymap_one_char(const char *key)
{
	size_t len = strlen(key);
	unsigned char c = (unsigned char)key[0];
	size_t want = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

	if (len == 0 || len != want || utf8_check(key, len, NULL) >= 0)
		return 0;
	return c > 0x20 && c != 0x7f;
}

int
keymap_key_valid(const char *key)
{
	if (keymap_one_char(key))
		return 1;
	for (size_t i = 0; i < NS_ARRAY_SIZE(keymap_special); i++)
		if (!strcmp(key, keymap_special[i]))
			return 1;
	if (key[0] == 'C' && key[1] == '-' && key[2] >= 'a' && key[2] <= 'z'
	    && !key[3])
		return 1;
	if (key[0] == 'F' && key[1] >= '1' && key[1] <= '9') {
		int n = atoi(key + 1);

		return n >= 1 && n <= 12 && strlen(key) == (n >= 10 ? 3u : 2u);
	}
	return 0;
}

static void
keymap_bind(struct keymap *km, const char *key, enum req r)
{
	for (size_t i = 0; i < km->n; i++) {
		if (!strcmp(km->v[i].key, key)) {
			km->v[i].req = r;
			return;
		}
	}
	if (km->n == km->cap) {
		km->cap = km->cap ? km->cap * 2 : 64;
		km->v = xrealloc(km->v, km->cap * sizeof(*km->v));
	}
	snprintf(km->v[km->n].key, KEYMAP_KEY_MAX, "%s", key);
	km->v[km->n++].req = r;
}

struct keymap *
keymap_new(void)
{
	struct keymap *km = xcalloc(1, sizeof(*km));

	for (int r = REQ_NONE + 1; r < REQ_COUNT; r++) {
		char *keys = xstrdup(req_infos[r].keys), *save = NULL;

		for (char *k = strtok_r(keys, " ", &save); k;
		     k = strtok_r(NULL, " ", &save))
			keymap_bind(km, k, (enum req)r);
		free(keys);
	}
	return km;
}

void
keymap_free(struct keymap *km)
{
	if (!km)
		return;
	free(km->v);
	free(km);
}

struct keymap_cfg {
	struct keymap *tmp;
	const struct config *cfg;
	struct ns_err *err;
};

static int
keymap_cfg_one(const char *key, const char *value, void *arg)
{
	struct keymap_cfg *c = arg;
	enum req r = keymap_req_by_name(value);
	char *name;

	/* the message points into the YAML file (at the key, or at the
	 * action) when the config came from one */
	if (!keymap_key_valid(key)) {
		name = xasprintf("review.keys.%s", key);
		config_error(c->cfg, name, true, c->err, "review.keys: "
			     "unknown key '%s' (use a character, Space, Enter, "
			     "Up, PgDn, F1, C-x, ...)", key);
		free(name);
		return 1;
	}
	if (r == REQ_NONE && strcmp(value, "none")) {
		name = xasprintf("review.keys.%s", key);
		config_error(c->cfg, name, false, c->err, "review.keys: "
			     "unknown action '%s' for key '%s'", value, key);
		free(name);
		return 1;
	}
	keymap_bind(c->tmp, key, r);
	return 0;
}

enum ns_rc
keymap_configure(struct keymap *km, const struct config *cfg,
		 struct ns_err *err)
{
	struct keymap tmp = { NULL, 0, 0 };
	struct keymap_cfg c = { &tmp, cfg, err };

	tmp.v = xmalloc((km->n ? km->n : 1) * sizeof(*tmp.v));
	memcpy(tmp.v, km->v, km->n * sizeof(*tmp.v));
	tmp.n = tmp.cap = km->n;
	if (tmp.cap == 0)
		tmp.cap = 1;
	if (config_map_each(cfg, "review.keys", keymap_cfg_one, &c)) {
		free(tmp.v);
		return err->rc;
	}
	free(km->v);
	*km = tmp;
	return NS_OK;
}

enum req
keymap_lookup(const struct keymap *km, const char *key)
{
	for (size_t i = 0; i < km->n; i++)
		if (!strcmp(km->v[i].key, key))
			return km->v[i].req;
	return REQ_NONE;
}

char *
keymap_keys_of(const struct keymap *km, enum req r, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < km->n && len + 1 < size; i++) {
		if (km->v[i].req != r)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					len ? ", " : "", km->v[i].key);
		if (len >= size)
			len = size - 1;
	}
	return buf;
}

static const struct {
	const char *seq;
	const char *key;
} keymap_seqs[] = {
	{ "[A", "Up" }, { "[B", "Down" }, { "[C", "Right" }, { "[D", "Left" },
	{ "OA", "Up" }, { "OB", "Down" }, { "OC", "Right" }, { "OD", "Left" },
	{ "[H", "Home" }, { "OH", "Home" }, { "[1~", "Home" },
	{ "[7~", "Home" }, { "[F", "End" }, { "OF", "End" },
	{ "[4~", "End" }, { "[8~", "End" }, { "[5~", "PgUp" },
	{ "[6~", "PgDn" }, { "[2~", "Insert" }, { "[3~", "Delete" },
};

const char *
keymap_decode_seq(const char *seq)
{
	for (size_t i = 0; i < NS_ARRAY_SIZE(keymap_seqs); i++)
		if (!strcmp(seq, keymap_seqs[i].seq))
			return keymap_seqs[i].key;
	return NULL;
}

int
keymap_seq_partial(const char *seq)
{
	size_t n = strlen(seq);

	for (size_t i = 0; i < NS_ARRAY_SIZE(keymap_seqs); i++)
		if (strlen(keymap_seqs[i].seq) > n &&
		    !strncmp(seq, keymap_seqs[i].seq, n))
			return 1;
	return 0;
}

/* Escape for troff: backslash and leading dot/apostrophe, '-' as \-. */
static void
keymap_troff(FILE *fp, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", fp);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", fp);
		else if (*s == '-')
			fputs("\\-", fp);
		else
			fputc(*s, fp);
	}
}

void
keymap_write_man(FILE *fp)
{
	const char *group = "";

	for (int r = REQ_NONE + 1; r < REQ_COUNT; r++) {
		const struct req_info *ri = &req_infos[r];
		char *keys = xstrdup(ri->keys), *save = NULL;
		int first = 1;

		if (strcmp(group, ri->group)) {
			group = ri->group;
			fputs(".PP\n.I ", fp);
			keymap_troff(fp, group);
			fputc('\n', fp);
		}
		fputs(".TP\n.BR", fp);
		for (char *k = strtok_r(keys, " ", &save); k;
		     k = strtok_r(NULL, " ", &save)) {
			fputs(first ? " \"" : " \", \" \"", fp);
			keymap_troff(fp, k);
			fputc('"', fp);
			first = 0;
		}
		fputc('\n', fp);
		free(keys);
		keymap_troff(fp, ri->help);
		fputs(" (\\fB", fp);
		keymap_troff(fp, ri->name);
		fputs("\\fR).\n", fp);
	}
}
