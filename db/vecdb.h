/*
 * vecdb.h - the SQL behind vectors: vecset rows, the embedding cache and
 * the lookups and text streams the embedders need (schema migration 2).
 */
#ifndef NS_VECDB_H
#define NS_VECDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* A vecset row; strings owned (vecdb_row_fini()). */
struct vecdb_row {
	int64_t id;
	char *kind;		/* "query" | "passage" */
	char *model;
	int dim;
	int64_t count;
	char *path;		/* data file, relative to the project dir */
	char *ids_path;		/* id file, relative to the project dir */
};

void vecdb_row_fini(struct vecdb_row *r);

/*
 * Insert a vecset row (paths filled in later with vecdb_set_paths(); call
 * both inside one transaction).  *@id gets the new row id.  @params and
 * @state may be NULL.
 */
enum ns_rc vecdb_insert(struct db *db, const char *kind, const char *model,
			int dim, int64_t count, const char *params,
			const void *state, size_t state_len, int64_t *id,
			struct ns_err *err);
enum ns_rc vecdb_set_paths(struct db *db, int64_t id, const char *path,
			   const char *ids_path, struct ns_err *err);

/*
 * The newest vecset of @kind whose model is @model (any when NULL; models
 * starting with "file:" when @model is "file:").  NS_ENOTFOUND without a
 * message when none; @r is filled only on NS_OK.
 */
enum ns_rc vecdb_latest(struct db *db, const char *kind, const char *model,
			struct vecdb_row *r, struct ns_err *err);

/*
 * The models that have passage vectors, newest first ("file:" for every
 * set imported from files, as vecdb_latest() matches them); caller frees
 * with vecdb_models_free().  *@n is 0 when the project has no vectors.
 */
enum ns_rc vecdb_models(struct db *db, char ***models, int *n,
			struct ns_err *err);
void vecdb_models_free(char **models, int n);

/*
 * The names of the sets of @kind imported from files without a model name
 * ("file:" and the file's name), newest first, with the dimension of each
 * name's newest set in *@dims; caller frees with vecdb_models_free() and
 * free(*@dims).
 */
enum ns_rc vecdb_file_models(struct db *db, const char *kind, char ***models,
			     int **dims, int *n, struct ns_err *err);

/*
 * The value of @key in the JSON params of vecset @id (caller frees), or
 * NULL when the set has none (no such key, no params, params that are not
 * JSON, or a database error).
 */
char *vecdb_param(struct db *db, int64_t id, const char *key);

/* State blob of vecset @id: *@data is a copy (caller frees) or NULL. */
enum ns_rc vecdb_state(struct db *db, int64_t id, void **data, size_t *len,
		       struct ns_err *err);

/*
 * Embedding cache keyed by a 16-byte hash of model '\0' text.  get: on a
 * hit copies the vector into @vec and returns true.  *@dim is the wanted
 * dimension (a cached vector of another is a miss), or 0 for any (then
 * set; @vec must hold 65536 floats).  put: insert or replace.
 */
bool vecdb_cache_get(struct db *db, const unsigned char key[16], int *dim,
		     float *vec);
enum ns_rc vecdb_cache_put(struct db *db, const unsigned char key[16],
			   int dim, const float *vec, struct ns_err *err);

/* Internal id of the query / passage with external id @xid: NS_OK and
 * *@id, or NS_ENOTFOUND without a message. */
enum ns_rc vecdb_query_id(struct db *db, const char *xid, int64_t *id,
			  struct ns_err *err);
enum ns_rc vecdb_passage_id(struct db *db, const char *xid, int64_t *id,
			    struct ns_err *err);

/* A displayable external id of internal query/passage @id (caller frees);
 * "#ID" when it has none. */
char *vecdb_xid(struct db *db, bool query, int64_t id);

/* Does a vecset row name @rel (a path relative to the project) as its
 * vectors or ids file?  -1 on a database error. */
int vecdb_path_used(struct db *db, const char *rel);

/* Number of queries / passages. */
int64_t vecdb_count(struct db *db, bool query);

/* The largest internal id of queries / passages (0 when none; -1 on a
 * database error). */
int64_t vecdb_max_id(struct db *db, bool query);

/*
 * Stream the texts of all queries (@query) or passages in ascending id
 * order: calls @fn(id, text, len, arg) for each item with text (a passage's
 * text is "title text" when it has a title; with @prompts, a query's text
 * is its prompt, if it has one, followed directly by the query, as
 * FlagEmbedding's default instruction format "{}{}" makes it).  Items
 * whose own text is blank (text_blank(): empty or white space; a passage's
 * title too; a query's prompt does not count) have no text to embed:
 * @blank(id, arg) is called for each instead (@blank NULL: skipped).
 * Items without text (NULL) are counted in *@notext (may be NULL).  A
 * non-OK return from @fn or @blank stops the walk and is returned.  The
 * text is valid only during the call.  @fn may use the cache functions
 * above but not start another walk.
 */
enum ns_rc vecdb_walk_texts(struct db *db, bool query, bool prompts,
			    enum ns_rc (*fn)(int64_t id, const char *text,
					     size_t len, void *arg),
			    enum ns_rc (*blank)(int64_t id, void *arg),
			    void *arg, int64_t *notext, struct ns_err *err);

#endif
