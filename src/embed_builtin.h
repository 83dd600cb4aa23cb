/*
 * embed_builtin.h - the built-in model-free embedder: hashed TF-IDF.
 *
 * Features of the lowercased UTF-8 text: word unigrams, word bigrams and
 * character 3- to 5-grams of the words (with a space on each side).  Each
 * feature is hashed (XXH3, fixed seed) to a 64-bit value; its low 20 bits
 * index the document-frequency table, the rest pick one of @dim buckets
 * and a sign.  A feature adds sign * (1 + ln tf) * idf to its bucket, with
 * idf = ln((1 + N) / (1 + df)) + 1 over the N documents counted; the
 * vector is then L2-normalised (a text with no word, empty or punctuation
 * only, gives a zero vector, which embedjob stores for no item).  The
 * same text, table and dimension always give the same vector.
 *
 * Two passes over the passages: embed_builtin_count() each text (document
 * frequencies), then embed_builtin_vector().  Queries are embedded with
 * the passages' table, kept as the passage vecset's state blob
 * (embed_builtin_state() / embed_builtin_from_state()).
 */
#ifndef NS_EMBED_BUILTIN_H
#define NS_EMBED_BUILTIN_H

#include <stddef.h>
#include <stdint.h>

#include "src/err.h"

#define EMBED_BUILTIN_MODEL "builtin-tfidf-v1"

struct embed_builtin;

/* A new embedder of dimension @dim (1..65536) with an empty table.  Free
 * with embed_builtin_free(). */
struct embed_builtin *embed_builtin_new(int dim);
void embed_builtin_free(struct embed_builtin *eb);

/* Pass 1: count the features of one document. */
void embed_builtin_count(struct embed_builtin *eb, const char *text,
			 size_t len);

/* Documents counted so far. */
int64_t embed_builtin_docs(const struct embed_builtin *eb);

/* Pass 2: the vector of @text into @out (dim floats). */
void embed_builtin_vector(struct embed_builtin *eb, const char *text,
			  size_t len, float *out);

/* The table as a blob (caller frees *@data). */
void embed_builtin_state(const struct embed_builtin *eb, void **data,
			 size_t *len);

/* An embedder of dimension @dim from a blob made by embed_builtin_state();
 * a blob of another layout is NS_EINPUT. */
enum ns_rc embed_builtin_from_state(const void *data, size_t len, int dim,
				    struct embed_builtin **out,
				    struct ns_err *err);

#endif
