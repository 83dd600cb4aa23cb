/*
 * fuzz-config.c - the negsieve.yaml parser (config_parse) on any bytes,
 * then every key read back with its type, and the review.keys mapping
 * applied to a keymap.
 */
#include "fuzz/fuzz.h"
#include "src/config.h"
#include "src/keymap.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL;
	struct keymap *km;
	struct ns_err err;
	char buf[NS_ERR_MSG_MAX + 600];

	err_clear(&err);
	if (config_parse((const char *)data, size, "fuzz.yaml", &cfg, &err) !=
	    NS_OK) {
		err_format(&err, buf, sizeof(buf));
		return 0;
	}
	for (const struct config_key *k = config_keys; k->name; k++) {
		switch (k->type) {
		case CONFIG_INT:
			(void)config_int(cfg, k->name, 0);
			break;
		case CONFIG_FLOAT:
			(void)config_float(cfg, k->name, 0);
			break;
		case CONFIG_BOOL:
			(void)config_bool(cfg, k->name, false);
			break;
		default:
			(void)config_str(cfg, k->name, NULL);
			break;
		}
		(void)config_isset(cfg, k->name);
	}
	km = keymap_new();
	if (keymap_configure(km, cfg, &err) != NS_OK)
		err_format(&err, buf, sizeof(buf));
	keymap_free(km);
	config_free(cfg);
	return 0;
}
