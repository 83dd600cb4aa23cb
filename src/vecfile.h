/*
 * vecfile.h - reading vector files for import: NumPy .npy (float32 or
 * float16, C order, 2-D), .fvecs (per row an int32 dimension and that
 * many float32), and Anserini-style JSONL ({"docid": ..., "vector": [...]},
 * one object per line, ids inside).  Also the id lists that go with .npy
 * and .fvecs files (one external id per line).
 *
 * The format comes from the file name: *.npy, *.fvecs, anything else is
 * JSONL.  A file whose first bytes are another kind's (the .npy magic, an
 * .fvecs, .ivecs or .fbin header that fits the file's size, binary data
 * where JSON lines are expected) is refused saying what it looks like and
 * which formats are read.  Errors name the file (and line or row) as "FILE: ..." through
 * err_setpos().
 */
#ifndef NS_VECFILE_H
#define NS_VECFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "src/err.h"

enum vecfile_format { VECFILE_NPY, VECFILE_FVECS, VECFILE_JSONL };

struct vecfile;

/*
 * Open @path and read enough to know the dimension (the header of .npy,
 * the first row's dimension of .fvecs, the first line of JSONL).  On
 * success *@out owns the reader (vecfile_close()); on failure *@out is
 * untouched and @err names the file.
 */
enum ns_rc vecfile_open(const char *path, struct vecfile **out,
			struct ns_err *err);

/* Close; NULL is a no-op. */
void vecfile_close(struct vecfile *vf);

enum vecfile_format vecfile_format(const struct vecfile *vf);
int vecfile_dim(const struct vecfile *vf);

/* Rows in the file: exact for .npy, from the file size for .fvecs
 * (checked while reading), -1 (unknown) for JSONL. */
int64_t vecfile_rows(const struct vecfile *vf);

/* Does the file carry its own ids (JSONL)? */
bool vecfile_has_ids(const struct vecfile *vf);

/*
 * Read the next row into @vec (dim floats, float16 converted).  Sets
 * *@eof at the end instead.  For JSONL *@xid points to the row's id (valid
 * until the next call), else it is NULL.  A
 * dimension change, a truncated row, a null vector or bad JSON is
 * NS_EINPUT naming the file and row/line (and id when known).
 */
enum ns_rc vecfile_next(struct vecfile *vf, float *vec, bool *eof,
			const char **xid, struct ns_err *err);

/* 1-based number of the row last returned (line number for JSONL). */
int64_t vecfile_pos(const struct vecfile *vf);

/* IEEE half-precision bits to float (exact). */
float vecfile_half(uint16_t h);

/*
 * Read an id list: one id per line (surrounding blanks and a CR are
 * dropped; empty lines are errors "FILE:LINE: empty id").  *@ids is a new
 * array of *@n strings, never NULL (also for an empty file); free with
 * vecfile_ids_free().
 */
enum ns_rc vecfile_read_ids(const char *path, char ***ids, int64_t *n,
			    struct ns_err *err);
void vecfile_ids_free(char **ids, int64_t n);

#endif
