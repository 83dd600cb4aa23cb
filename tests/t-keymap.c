/* t-keymap.c - the action table, default keys, remapping from the
 * config, and the generated man page section. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/config.h"
#include "src/keymap.h"
#include "tests/tap.h"

static struct config *
cfg_of(const char *yaml)
{
	struct config *cfg = NULL;
	struct ns_err err;

	if (config_parse(yaml, strlen(yaml), "t.yaml", &cfg, &err) != NS_OK)
		diag("config: %s", err.msg);
	return cfg;
}

int
main(void)
{
	struct keymap *km = keymap_new();
	struct config *cfg;
	struct ns_err err;
	char buf[128];
	char *man = NULL;
	size_t manlen = 0;
	FILE *fp;

	err_clear(&err);
	is_int(keymap_lookup(km, "f"), REQ_FN, "f is fn");
	is_int(keymap_lookup(km, "x"), REQ_TN, "x is tn");
	is_int(keymap_lookup(km, "d"), REQ_DROP_PASSAGE, "d drops a passage");
	is_int(keymap_lookup(km, "D"), REQ_DROP_QUERY, "D drops the query");
	is_int(keymap_lookup(km, "Space"), REQ_SKIP, "Space skips");
	is_int(keymap_lookup(km, "u"), REQ_UNDO, "u undoes");
	is_int(keymap_lookup(km, "Down"), REQ_MOVE_DOWN, "Down moves");
	is_int(keymap_lookup(km, "z"), REQ_NONE, "z is unbound");
	is_str(keymap_keys_of(km, REQ_MOVE_DOWN, buf, sizeof(buf)), "j, Down",
	       "keys of an action");
	is_int(keymap_req_by_name("drop-passage"), REQ_DROP_PASSAGE,
	       "actions by config name");

	/* help lines fit an 80-column help screen (3 + 17 + text) */
	for (int r = REQ_NONE + 1; r < REQ_COUNT; r++)
		if (strlen(keymap_req((enum req)r)->help) > 60)
			ok(0, "help of %s fits 80 columns",
			   keymap_req((enum req)r)->name);

	/* every default key is a valid key name */
	for (int r = REQ_NONE + 1; r < REQ_COUNT; r++) {
		char *keys = strdup(keymap_req((enum req)r)->keys), *save;
		int good = 1;

		for (char *k = strtok_r(keys, " ", &save); k;
		     k = strtok_r(NULL, " ", &save))
			good &= keymap_key_valid(k);
		if (!good)
			ok(0, "default keys of %s are valid",
			   keymap_req((enum req)r)->name);
		free(keys);
	}
	ok(keymap_key_valid("C-l") && keymap_key_valid("F12") &&
	   !keymap_key_valid("F13") && !keymap_key_valid("Ctrl") &&
	   keymap_key_valid("é"), "key name syntax");

	cfg = cfg_of("review:\n  keys:\n    n: fn\n    f: none\n");
	ok(keymap_configure(km, cfg, &err) == NS_OK, "remap from config");
	is_int(keymap_lookup(km, "n"), REQ_FN, "n is now fn");
	is_int(keymap_lookup(km, "f"), REQ_NONE, "f unbound by 'none'");
	config_free(cfg);

	cfg = cfg_of("review:\n  keys:\n    q: frobnicate\n");
	ok(keymap_configure(km, cfg, &err) == NS_ECONFIG, "unknown action");
	is_str(err.msg, "review.keys: unknown action 'frobnicate' for key 'q'",
	       "message names the action and key");
	is_str(err_format(&err, buf, sizeof(buf)), "t.yaml:3:8: review.keys: "
	       "unknown action 'frobnicate' for key 'q'",
	       "... at the action's place in the file");
	is_int(keymap_lookup(km, "q"), REQ_QUIT, "keymap unchanged on error");
	config_free(cfg);

	cfg = cfg_of("review:\n  keys:\n    Ctrl-x: fn\n");
	ok(keymap_configure(km, cfg, &err) == NS_ECONFIG, "unknown key");
	is_str(err.msg, "review.keys: unknown key 'Ctrl-x' (use a character, "
	       "Space, Enter, Up, PgDn, F1, C-x, ...)", "message names the key");
	is_int(err.line * 100 + err.col, 305, "... at the key's place (3:5)");
	config_free(cfg);
	keymap_free(km);

	fp = open_memstream(&man, &manlen);
	keymap_write_man(fp);
	fclose(fp);
	ok(strstr(man, ".BR \"j\" \", \" \"Down\"\n") != NULL,
	   "man page lists j, Down");
	ok(strstr(man, "Drop the whole query (asks first) (\\fBdrop\\-query\\fR).") != NULL,
	   "man page has help text and action name");
	free(man);
	return tap_done();
}
