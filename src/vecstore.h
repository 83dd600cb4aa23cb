/*
 * vecstore.h - the project's vector sets: dense vectors of queries or
 * passages, stored as files in PROJECT/vectors/ and described by rows of
 * the vecset table.
 *
 * A vecset is written once and never changed: PROJECT/vectors/KIND-ID.f32
 * holds count*dim float32 values, row-major, native byte order, rows in
 * ascending internal id order; KIND-ID.ids holds the count int64 internal
 * ids (query.id or passage.id) of those rows.  A set may cover only part of
 * the project's items.  Readers mmap both files read-only, so a 100k x 384
 * set costs no copying.  The newest set of a kind wins; older ones stay
 * until removed by hand.
 */
#ifndef NS_VECSTORE_H
#define NS_VECSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "src/err.h"

enum vec_kind { VEC_QUERY, VEC_PASSAGE };

/* A loaded, read-only set of vectors. */
struct vecset {
	int64_t id;		/* vecset row id */
	enum vec_kind kind;
	char *model;		/* "builtin-tfidf-v1", an endpoint model
				 * name, or "file:<basename>" */
	int dim;
	int64_t n;		/* rows */
	const float *data;	/* n*dim floats, row-major, mmap'ed read-only */
	const int64_t *ids;	/* n internal ids, strictly ascending */
	/* private fields after this */
	void *map_data;		/* mmap of the .f32 file (NULL when n == 0) */
	size_t len_data;
	void *map_ids;		/* mmap of the .ids file */
	size_t len_ids;
	int fd_data;		/* the .f32 file, open (vecstore_read()) */
	char *path_data;
};

/* "query" or "passage". */
const char *vecstore_kind_name(enum vec_kind kind);

/*
 * Latest vecset of @kind (for @model, or any model when NULL).  On success
 * *@out is a new vecset the caller frees with vecstore_close().  When there
 * is none: NS_ENOTFOUND with a message telling the user to run 'negsieve
 * embed'.  Files that do not match their vecset row (size, id order) are
 * NS_EIO naming the file.  *@out is untouched on failure.
 */
enum ns_rc vecstore_load(struct db *db, enum vec_kind kind, const char *model,
			 struct vecset **out, struct ns_err *err);

/*
 * The latest passage vecset (for @model, or any when NULL) and the latest
 * query vecset that goes with it, as mining needs them: of the same model
 * name, or, for passages imported from a file without a name ("file:"
 * and the file's name), the queries imported from the one file that
 * holds query vectors (several such files: NS_EUSAGE listing them, as
 * which goes with the passages is not known); and of the same dimension
 * (else NS_EINPUT naming both).  On success the caller frees both with
 * vecstore_close(); on failure both are untouched.
 */
enum ns_rc vecstore_load_pair(struct db *db, const char *model,
			      struct vecset **queries,
			      struct vecset **passages, struct ns_err *err);

/* Unmap and free; NULL is a no-op. */
void vecstore_close(struct vecset *vs);

/* Row index of internal id @id in @vs (binary search), or -1. */
int64_t vecstore_row(const struct vecset *vs, int64_t id);

/*
 * Copy the @n rows @rows of @vs (ascending; each 0 <= row < n) into @out
 * (n * dim floats) by reading the file, not the mapping: rows wanted at
 * random cost a system call each instead of a page fault, which maps the
 * pages around them too and is far slower on some virtual machines.
 * Adjacent rows are read together.  A short read is NS_EIO naming the
 * file.
 */
enum ns_rc vecstore_read(const struct vecset *vs, const int64_t *rows,
			 int64_t n, float *out, struct ns_err *err);

/* Row @row of @vs (dim floats). */
static inline const float *
vecstore_vec(const struct vecset *vs, int64_t row)
{
	return vs->data + (size_t)row * (size_t)vs->dim;
}

/*
 * Streamed writing: begin, add rows (internal id + vector) in any order,
 * commit.  Rows are spooled to a temporary file in PROJECT/vectors/, so
 * memory stays at 16 bytes per row.  Commit sorts by id, writes the files
 * and inserts the vecset row in one transaction; on any failure (also
 * abort) nothing is left behind, neither files nor rows.  The spool and
 * the files being committed are registered with src/cleanup.h, so SIGINT,
 * SIGTERM and SIGHUP remove them too (after cleanup_catch_signals());
 * after SIGKILL, vecstore_sweep() removes them.
 */
struct vecstore_writer;

/*
 * Start a set of @kind vectors of dimension @dim (1..65536) produced by
 * @model.  On success *@out owns the writer: finish it with exactly one of
 * vecstore_commit() or vecstore_abort().
 */
enum ns_rc vecstore_begin(struct db *db, enum vec_kind kind,
			  const char *model, int dim,
			  struct vecstore_writer **out, struct ns_err *err);

/*
 * Add the vector @vec (dim floats, copied) of internal id @id.  A
 * non-finite value is NS_EINPUT naming the id; a repeated id is reported
 * by vecstore_commit().  On failure the writer stays usable for abort.
 */
enum ns_rc vecstore_add(struct vecstore_writer *w, int64_t id,
			const float *vec, struct ns_err *err);

/* Optional: JSON text describing where the vectors came from (copied). */
void vecstore_set_params(struct vecstore_writer *w, const char *json);

/* Optional: an opaque blob stored with the set (copied), e.g. the built-in
 * embedder's document frequencies; read back with vecstore_state(). */
void vecstore_set_state(struct vecstore_writer *w, const void *data,
			size_t len);

/* Rows added so far. */
int64_t vecstore_count(const struct vecstore_writer *w);

/* Copy row @i (0-based, in the order added; i < vecstore_count()) back
 * into @out (dim floats), from the spool.  An I/O error is NS_EIO. */
enum ns_rc vecstore_added(struct vecstore_writer *w, int64_t i, float *out,
			  struct ns_err *err);

/*
 * Write the set and record it.  Frees @w whatever the outcome.  A repeated
 * id is NS_EINPUT naming it.  Must not be called inside an open
 * transaction.
 */
enum ns_rc vecstore_commit(struct vecstore_writer *w, struct ns_err *err);

/* The same, also returning the new vecset id in *@id_out on success. */
enum ns_rc vecstore_commit_id(struct vecstore_writer *w, int64_t *id_out,
			      struct ns_err *err);

/* Drop everything written so far and free @w; NULL is a no-op. */
void vecstore_abort(struct vecstore_writer *w);

/*
 * Remove what interrupted writers left in PROJECT/vectors/: spools no
 * live process holds (see vecstore_begin()) and vector files no vecset row
 * names.  *@files and *@bytes count what was removed.  Takes the write
 * lock for a moment; must not be called inside a transaction.
 */
enum ns_rc vecstore_sweep(struct db *db, int64_t *files, int64_t *bytes,
			  struct ns_err *err);

/*
 * The state blob stored with vecset @id: *@data (caller frees) and *@len;
 * *@data is NULL when the set has none.
 */
enum ns_rc vecstore_state(struct db *db, int64_t id, void **data,
			  size_t *len, struct ns_err *err);

#endif
