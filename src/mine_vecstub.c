/*
 * mine_vecstub.c - stand-in for the vector store until branch `embed`
 * lands: there are never any vectors.  DELETE this file (and its line in
 * mk/mine.am) when merging embed's src/vecstore.c.
 */
#include "vecstore.h"

enum ns_rc
vecstore_load(struct db *db, enum vec_kind kind, const char *model,
	      struct vecset **out, struct ns_err *err)
{
	(void)db;
	(void)out;
	return err_set(err, NS_ENOTFOUND, "no %s vectors for model '%s': "
		       "run 'negsieve embed' first",
		       kind == VEC_QUERY ? "query" : "passage", model);
}

void
vecstore_close(struct vecset *vs)
{
	(void)vs;
}
