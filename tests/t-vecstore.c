/* t-vecstore.c - vector sets: writing in any order, loading by mmap,
 * failures leaving nothing behind, query/passage pairing. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/db.h"
#include "tests/tap.h"
#include "src/util.h"
#include "src/vecstore.h"

/* Number of entries in @dir other than . and .. */
static int
count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static enum ns_rc
write_set(struct db *db, enum vec_kind kind, const char *model, int dim,
	  const int64_t *ids, int n, int64_t *id_out, struct ns_err *err)
{
	struct vecstore_writer *w;
	float v[8];
	enum ns_rc rc;

	rc = vecstore_begin(db, kind, model, dim, &w, err);
	if (rc != NS_OK)
		return rc;
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < dim; j++)
			v[j] = (float)(ids[i] * 10 + j);
		if ((rc = vecstore_add(w, ids[i], v, err)) != NS_OK) {
			vecstore_abort(w);
			return rc;
		}
	}
	return vecstore_commit_id(w, id_out, err);
}

int
main(void)
{
	struct db *db = NULL;
	struct vecset *vs = NULL, *q = NULL, *p = NULL;
	struct vecstore_writer *w = NULL;
	struct ns_err err;
	char dir[512], vdir[600], msg[1200];
	int64_t id = 0;
	float v[4];
	void *blob;
	size_t len;

	err_clear(&err);
	snprintf(dir, sizeof(dir), "%s/proj", tap_tmpdir());
	snprintf(vdir, sizeof(vdir), "%s/vectors", dir);
	if (db_open(dir, DB_OPEN_CREATE, &db, &err) != NS_OK) {
		diag("%s", err.msg);
		return 1;
	}

	/* nothing yet */
	ok(vecstore_load(db, VEC_PASSAGE, NULL, &vs, &err) == NS_ENOTFOUND,
	   "no vecset: NS_ENOTFOUND");
	snprintf(msg, sizeof(msg), "%s: no passage vectors; run 'negsieve "
		 "embed %s' first", dir, dir);
	is_str(err.msg, msg, "message tells to run embed");
	ok(vs == NULL, "out untouched");
	ok(vecstore_load(db, VEC_QUERY, "m1", &vs, &err) == NS_ENOTFOUND,
	   "no vecset of a model");
	snprintf(msg, sizeof(msg), "%s: no query vectors of model 'm1'; run "
		 "'negsieve embed %s' first", dir, dir);
	is_str(err.msg, msg, "message names the model");

	/* out-of-order rows come back sorted */
	{
		static const int64_t ids[] = { 9, 2, 5, 7 };

		ok(write_set(db, VEC_PASSAGE, "m1", 3, ids, 4, &id, &err) ==
		   NS_OK, "write an unsorted set");
	}
	ok(vecstore_load(db, VEC_PASSAGE, NULL, &vs, &err) == NS_OK, "load");
	if (vs) {
		is_int(vs->id, id, "vecset id");
		is_int(vs->n, 4, "4 rows");
		is_int(vs->dim, 3, "dim 3");
		is_str(vs->model, "m1", "model");
		ok(vs->ids[0] == 2 && vs->ids[1] == 5 && vs->ids[2] == 7 &&
		   vs->ids[3] == 9, "ids ascending");
		is_dbl(vs->data[0], 20, 0, "row 0 is id 2");
		is_dbl(vecstore_vec(vs, 3)[2], 92, 0, "row 3 is id 9");
		is_int(vecstore_row(vs, 7), 2, "row of id 7");
		is_int(vecstore_row(vs, 6), -1, "row of a missing id");
		is_int(vecstore_row(vs, 100), -1, "row past the end");
		/* rows read from the file: a run of two, then one */
		{
			static const int64_t rows[] = { 0, 1, 3 };
			float out[9] = { 0 }, keep[12];
			char path[700];

			ok(vecstore_read(vs, rows, 3, out, &err) == NS_OK &&
			   !memcmp(out, vecstore_vec(vs, 0), 6 * sizeof(float))
			   && !memcmp(out + 6, vecstore_vec(vs, 3),
				      3 * sizeof(float)),
			   "vecstore_read: rows 0, 1 and 3 as mapped");
			ok(vecstore_read(vs, rows, 0, out, &err) == NS_OK,
			   "vecstore_read: no rows");
			/* the file cut short under the set: a clear error
			 * (then put back as it was) */
			snprintf(path, sizeof(path), "%s/passage-%lld.f32",
				 vdir, (long long)vs->id);
			memcpy(keep, vs->data, sizeof(keep));
			ok(truncate(path, 2 * 3 * sizeof(float)) == 0,
			   "vector file cut to two rows");
			is_int(vecstore_read(vs, rows + 2, 1, out, &err),
			       NS_EIO, "vecstore_read past the end");
			snprintf(msg, sizeof(msg), "%s: cannot read row 3: end "
				 "of file", path);
			is_str(err.msg, msg, "... names the file and the row");
			{
				FILE *fp = fopen(path, "wb");

				ok(fp && fwrite(keep, sizeof(float), 12,
						fp) == 12 && fclose(fp) == 0,
				   "vector file put back");
			}
		}
		vecstore_close(vs);
		vs = NULL;
	}
	is_int(count_files(vdir), 2, "two files: data and ids");

	/* sorted arrival takes the rename path */
	{
		static const int64_t ids[] = { 1, 3, 4 };

		ok(write_set(db, VEC_QUERY, "m1", 3, ids, 3, NULL, &err) ==
		   NS_OK, "write a sorted set");
	}
	ok(vecstore_load(db, VEC_QUERY, "m1", &vs, &err) == NS_OK,
	   "load queries");
	if (vs) {
		ok(vs->ids[2] == 4 && vs->data[7] == 41, "sorted set intact");
		vecstore_close(vs);
		vs = NULL;
	}
	ok(vecstore_load_pair(db, NULL, &q, &p, &err) == NS_OK, "pair loads");
	if (q && p)
		ok(q->kind == VEC_QUERY && p->kind == VEC_PASSAGE &&
		   q->dim == p->dim, "pair kinds and dims");
	vecstore_close(q);
	vecstore_close(p);
	q = p = NULL;

	/* duplicate ids: nothing left behind */
	{
		static const int64_t ids[] = { 4, 1, 4 };

		ok(write_set(db, VEC_PASSAGE, "m2", 3, ids, 3, NULL, &err) ==
		   NS_EINPUT, "duplicate id refused");
		is_str(err.msg, "passage 4: two vectors for the same item",
		       "duplicate named");
	}
	is_int(count_files(vdir), 4, "no files left by the failed commit");
	is_int(db_scalar(db, "SELECT count(*) FROM vecset"), 2,
	       "no vecset row left");

	/* non-finite values */
	ok(vecstore_begin(db, VEC_PASSAGE, "m2", 2, &w, &err) == NS_OK,
	   "begin");
	v[0] = 1;
	v[1] = NAN;
	ok(vecstore_add(w, 12, v, &err) == NS_EINPUT, "NaN refused");
	is_str(err.msg, "passage 12: vector component 1 is not a finite "
	       "number", "NaN message");
	vecstore_abort(w);
	is_int(count_files(vdir), 4, "abort removes the spool");

	ok(vecstore_begin(db, VEC_PASSAGE, "m2", 0, &w, &err) == NS_EINPUT,
	   "dim 0 refused");
	is_str(err.msg, "vector dimension 0 out of range (1..65536)",
	       "dim message");

	/* dimension mismatch in a pair; state blob */
	ok(vecstore_begin(db, VEC_PASSAGE, "m1", 2, &w, &err) == NS_OK,
	   "begin dim 2");
	v[0] = 0.5f;
	v[1] = 0.25f;
	vecstore_add(w, 3, v, &err);
	/* a row added reads back from the spool; one not added is an I/O
	 * error naming the spool */
	{
		float back[2] = { 0, 0 };

		ok(vecstore_added(w, 0, back, &err) == NS_OK &&
		   back[0] == 0.5f && back[1] == 0.25f,
		   "vecstore_added: row 0 read back");
		ok(vecstore_added(w, 1, back, &err) == NS_EIO,
		   "vecstore_added: a row not added is NS_EIO");
		ok(strstr(err.msg, "cannot read row 1 back") != NULL,
		   "... saying so");
	}
	vecstore_set_state(w, "abc", 3);
	vecstore_set_params(w, "{\"x\":1}");
	is_int(vecstore_count(w), 1, "count");
	ok(vecstore_commit_id(w, &id, &err) == NS_OK, "commit dim 2");
	ok(vecstore_state(db, id, &blob, &len, &err) == NS_OK && len == 3 &&
	   memcmp(blob, "abc", 3) == 0, "state round trip");
	free(blob);
	ok(vecstore_load_pair(db, "m1", &q, &p, &err) == NS_EINPUT,
	   "pair with different dims refused");
	snprintf(msg, sizeof(msg), "%s: the query vectors 'm1' (dimension 3) "
		 "do not go with the passage vectors 'm1' (dimension 2); run "
		 "'negsieve embed' again for both kinds", dir);
	is_str(err.msg, msg, "mismatch message");
	ok(q == NULL && p == NULL, "pair out untouched");

	/* file: models pair with each other */
	{
		static const int64_t ids[] = { 1 };

		write_set(db, VEC_QUERY, "file:q.npy", 2, ids, 1, NULL, &err);
		write_set(db, VEC_PASSAGE, "file:p.npy", 2, ids, 1, NULL,
			  &err);
	}
	ok(vecstore_load_pair(db, NULL, &q, &p, &err) == NS_OK,
	   "file: sets pair");
	if (q && p)
		is_str(q->model, "file:q.npy", "query file model");
	vecstore_close(q);
	vecstore_close(p);

	/* a damaged file is reported */
	{
		char path[700];
		FILE *fp;

		snprintf(path, sizeof(path), "%s/passage-%lld.f32", vdir,
			 (long long)db_scalar(db, "SELECT max(id) FROM vecset"));
		fp = fopen(path, "a");
		fputs("xx", fp);
		fclose(fp);
		ok(vecstore_load(db, VEC_PASSAGE, NULL, &vs, &err) == NS_EIO,
		   "damaged file refused");
		snprintf(msg, sizeof(msg), "%s: 10 bytes, expected 8 (the "
			 "vector file does not match its record; re-run "
			 "'negsieve embed')", path);
		is_str(err.msg, msg, "damaged file named");
	}
	vecstore_close(NULL);
	vecstore_abort(NULL);
	db_close(db);
	return tap_done();
}
