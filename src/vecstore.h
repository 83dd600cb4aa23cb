/*
 * vecstore.h - placeholder copy of the vector store API that branch
 * `embed` implements; the merge takes theirs.
 */
#ifndef NS_VECSTORE_H
#define NS_VECSTORE_H

#include <stdint.h>

#include "db.h"
#include "err.h"

enum vec_kind { VEC_QUERY, VEC_PASSAGE };
struct vecset { int64_t id; enum vec_kind kind; char *model; int dim; int64_t n; const float *data; /* n*dim row-major, mmap'ed */ const int64_t *ids; /* internal query.id / passage.id, ascending */ };
enum ns_rc vecstore_load(struct db *db, enum vec_kind kind, const char *model, struct vecset **out, struct ns_err *err);
void vecstore_close(struct vecset *vs);

#endif
