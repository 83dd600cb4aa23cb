/*
 * judgecache.h - the LLM judge's answer cache (schema migration 7): raw
 * answers keyed by a 16-byte hash of model, settings and prompt, so a
 * re-run of a judge stage sends nothing it has asked before.
 */
#ifndef NS_JUDGECACHE_H
#define NS_JUDGECACHE_H

#include <stdint.h>

#include "db/db.h"

/*
 * The cached answer for @key: NS_OK with *@answer a copy (caller frees)
 * and the token counts it cost when asked; NS_ENOTFOUND without a message
 * when there is none; NS_EDB on a database error.
 */
enum ns_rc judgecache_get(struct db *db, const unsigned char key[16],
			  char **answer, int64_t *prompt_tokens,
			  int64_t *completion_tokens, struct ns_err *err);

/* Store (or replace) @answer of @model for @key with its token counts
 * (-1: unknown, stored as NULL). */
enum ns_rc judgecache_put(struct db *db, const unsigned char key[16],
			  const char *model, const char *answer,
			  int64_t prompt_tokens, int64_t completion_tokens,
			  struct ns_err *err);

#endif
