/*
 * vecstore.c - vector sets as mmap'ed files plus vecset rows (see
 * vecstore.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/cleanup.h"
#include "src/perm.h"
#include "src/util.h"
#include "db/vecdb.h"
#include "src/vecstore.h"

#define VECSTORE_DIR "vectors"

struct vecstore_pair {
	int64_t id;	/* internal id */
	int64_t row;	/* row in the spool file */
};

struct vecstore_writer {
	struct db *db;
	enum vec_kind kind;
	char *model;
	int dim;
	char *spool;			/* temporary file, arrival order */
	FILE *fp;
	struct vecstore_pair *pairs;	/* one per row added */
	int64_t n, cap;
	int sorted;			/* ids arrived strictly ascending */
	char *params;
	void *state;
	size_t state_len;
};

const char *
vecstore_kind_name(enum vec_kind kind)
{
	return kind == VEC_QUERY ? "query" : "passage";
}

/* --- reading ------------------------------------------------------------ */

static enum ns_rc
vecstore_map(const char *dir, const char *rel, size_t want, void **map,
	     int *keep_fd, char **keep_path, struct ns_err *err)
{
	char *path = xasprintf("%s/%s", dir, rel);
	struct stat st;
	enum ns_rc rc = NS_OK;
	int fd;

	*map = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = err_set(err, NS_EIO, "%s: cannot open: %s", path,
			     strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || (size_t)st.st_size != want) {
		rc = err_set(err, NS_EIO, "%s: %lld bytes, expected %zu (the "
			     "vector file does not match its record; re-run "
			     "'negsieve embed')", path,
			     (long long)st.st_size, want);
		goto out;
	}
	if (want) {
		*map = mmap(NULL, want, PROT_READ, MAP_SHARED, fd, 0);
		if (*map == MAP_FAILED) {
			*map = NULL;
			rc = err_set(err, NS_EIO, "%s: cannot map: %s", path,
				     strerror(errno));
		}
	}
out:
	if (rc == NS_OK && keep_fd) {
		*keep_fd = fd;
		*keep_path = path;
		return rc;
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

enum ns_rc
vecstore_read(const struct vecset *vs, const int64_t *rows, int64_t n,
	      float *out, struct ns_err *err)
{
	const size_t rb = (size_t)vs->dim * sizeof(float);

	for (int64_t i = 0, j; i < n; i = j) {
		size_t len, got = 0;
		off_t off = (off_t)rows[i] * (off_t)rb;

		/* a run of consecutive rows: one read */
		for (j = i + 1; j < n && rows[j] == rows[j - 1] + 1; j++)
			;
		len = (size_t)(j - i) * rb;
		while (got < len) {
			ssize_t r = pread(vs->fd_data, (char *)(out + (size_t)i *
					  (size_t)vs->dim) + got, len - got,
					  off + (off_t)got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return err_set(err, NS_EIO, "%s: cannot read "
					       "row %lld: %s", vs->path_data,
					       (long long)rows[i], r < 0 ?
					       strerror(errno) :
					       "end of file");
			got += (size_t)r;
		}
	}
	return NS_OK;
}

void
vecstore_close(struct vecset *vs)
{
	if (!vs)
		return;
	if (vs->fd_data >= 0)
		close(vs->fd_data);
	free(vs->path_data);
	if (vs->map_data)
		munmap(vs->map_data, vs->len_data);
	if (vs->map_ids)
		munmap(vs->map_ids, vs->len_ids);
	free(vs->model);
	free(vs);
}

enum ns_rc
vecstore_load(struct db *db, enum vec_kind kind, const char *model,
	      struct vecset **out, struct ns_err *err)
{
	const char *kname = vecstore_kind_name(kind);
	struct vecdb_row r;
	struct vecset *vs;
	enum ns_rc rc;

	rc = vecdb_latest(db, kname, model, &r, err);
	if (rc == NS_ENOTFOUND) {
		if (model)
			return err_set(err, NS_ENOTFOUND, "%s: no %s vectors "
				       "of model '%s'; run 'negsieve embed "
				       "%s' first", db_dir(db), kname, model,
				       db_dir(db));
		return err_set(err, NS_ENOTFOUND, "%s: no %s vectors; run "
			       "'negsieve embed %s' first", db_dir(db), kname,
			       db_dir(db));
	}
	if (rc != NS_OK)
		return rc;
	vs = xcalloc(1, sizeof(*vs));
	vs->id = r.id;
	vs->kind = kind;
	vs->model = r.model;
	r.model = NULL;
	vs->dim = r.dim;
	vs->n = r.count;
	vs->len_data = (size_t)r.count * (size_t)r.dim * sizeof(float);
	vs->len_ids = (size_t)r.count * sizeof(int64_t);
	vs->fd_data = -1;
	rc = vecstore_map(db_dir(db), r.path, vs->len_data, &vs->map_data,
			  &vs->fd_data, &vs->path_data, err);
	if (rc == NS_OK)
		rc = vecstore_map(db_dir(db), r.ids_path, vs->len_ids,
				  &vs->map_ids, NULL, NULL, err);
	if (rc == NS_OK) {
		vs->data = vs->map_data;
		vs->ids = vs->map_ids;
		for (int64_t i = 1; i < vs->n; i++) {
			if (vs->ids[i] <= vs->ids[i - 1]) {
				rc = err_set(err, NS_EIO, "%s/%s: ids not "
					     "ascending at row %lld",
					     db_dir(db), r.ids_path,
					     (long long)i);
				break;
			}
		}
	}
	vecdb_row_fini(&r);
	if (rc != NS_OK) {
		vecstore_close(vs);
		return rc;
	}
	*out = vs;
	return NS_OK;
}

/* "a (dimension 768), b (dimension 1536)" of @n names. */
static char *
vecstore_list(char **names, const int *dims, int n)
{
	struct strbuf sb;

	strbuf_init(&sb);
	for (int i = 0; i < n; i++)
		strbuf_addf(&sb, "%s'%s' (dimension %d)", i ? ", " : "",
			    names[i], dims[i]);
	return strbuf_detach(&sb, NULL);
}

/*
 * Passage vectors imported from a file without a model name (@p) and no
 * query vectors of the same name: the query vectors imported from one
 * file go with them; from several, which is unknown, and guessing would
 * pair two models' vectors without a word.
 */
static enum ns_rc
vecstore_file_queries(struct db *db, const struct vecset *p,
		      struct vecset **q, struct ns_err *err)
{
	char **names = NULL, *list;
	int *dims = NULL, n = 0;
	enum ns_rc rc;

	if ((rc = vecdb_file_models(db, "query", &names, &dims, &n, err)))
		return rc;
	if (n == 1) {
		rc = vecstore_load(db, VEC_QUERY, names[0], q, err);
	} else if (n == 0) {
		/* an embedder's queries would not go with them */
		rc = err_set(err, NS_ENOTFOUND, "%s: no query vectors to go "
			     "with the imported passage vectors '%s'; import "
			     "the queries' vectors of the same model with "
			     "'negsieve embed --queries FILE --query-ids FILE "
			     "%s'", db_dir(db), p->model, db_dir(db));
	} else {
		list = vecstore_list(names, dims, n);
		rc = err_set(err, NS_EUSAGE, "%s: query vectors were imported "
			     "from %d files, %s: which of them go with the "
			     "passage vectors '%s' is not known.  Import the "
			     "vectors of one model under one name: 'negsieve "
			     "embed --model NAME --passages FILE --passage-ids "
			     "FILE --queries FILE --query-ids FILE %s', then "
			     "'negsieve mine --model NAME'", db_dir(db), n,
			     list, p->model, db_dir(db));
		free(list);
	}
	vecdb_models_free(names, n);
	free(dims);
	return rc;
}

enum ns_rc
vecstore_load_pair(struct db *db, const char *model, struct vecset **queries,
		   struct vecset **passages, struct ns_err *err)
{
	struct vecset *p = NULL, *q = NULL;
	enum ns_rc rc;

	rc = vecstore_load(db, VEC_PASSAGE, model, &p, err);
	if (rc != NS_OK)
		return rc;
	/* the queries of the passages' model */
	rc = vecstore_load(db, VEC_QUERY, p->model, &q, err);
	if (rc == NS_ENOTFOUND && strncmp(p->model, "file:", 5) == 0) {
		rc = vecstore_file_queries(db, p, &q, err);
	} else if (rc == NS_ENOTFOUND) {
		rc = err_set(err, NS_ENOTFOUND, "%s: no query vectors to go "
			     "with the passage vectors of model '%s'; run "
			     "'negsieve embed %s' first", db_dir(db),
			     p->model, db_dir(db));
	}
	if (rc == NS_OK && q->dim != p->dim) {
		/* imported: other passage vectors may be the queries' */
		char **names = NULL, *list = NULL;
		int *dims = NULL, n = 0;
		struct ns_err e2;

		if (strncmp(q->model, "file:", 5) == 0 &&
		    vecdb_file_models(db, "passage", &names, &dims, &n,
				      &e2) == NS_OK && n > 1)
			list = vecstore_list(names, dims, n);
		rc = err_set(err, NS_EINPUT, "%s: the query vectors '%s' "
			     "(dimension %d) do not go with the passage "
			     "vectors '%s' (dimension %d)%s%s%s", db_dir(db),
			     q->model, q->dim, p->model, p->dim,
			     list ? ": choose the passage vectors with "
				    "--model among those imported, " : "",
			     list ? list : "",
			     list ? "" :
			     strncmp(q->model, "file:", 5) == 0 ?
				    "; import the vectors of one model for "
				    "both" :
				    "; run 'negsieve embed' again for both "
				    "kinds");
		free(list);
		vecdb_models_free(names, n);
		free(dims);
	}
	if (rc != NS_OK) {
		vecstore_close(p);
		vecstore_close(q);
		return rc;
	}
	*queries = q;
	*passages = p;
	return NS_OK;
}

int64_t
vecstore_row(const struct vecset *vs, int64_t id)
{
	int64_t lo = 0, hi = vs->n;

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;

		if (vs->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < vs->n && vs->ids[lo] == id ? lo : -1;
}

enum ns_rc
vecstore_state(struct db *db, int64_t id, void **data, size_t *len,
	       struct ns_err *err)
{
	return vecdb_state(db, id, data, len, err);
}

/* --- writing ------------------------------------------------------------ */

static void
vecstore_writer_free(struct vecstore_writer *w)
{
	if (w->spool)
		unlink(w->spool);
	if (w->fp)
		fclose(w->fp);	/* after the unlink: the lock keeps it ours */
	if (w->spool)
		cleanup_remove(w->spool);
	free(w->spool);
	free(w->model);
	free(w->pairs);
	free(w->params);
	free(w->state);
	free(w);
}

enum ns_rc
vecstore_begin(struct db *db, enum vec_kind kind, const char *model, int dim,
	       struct vecstore_writer **out, struct ns_err *err)
{
	struct vecstore_writer *w;
	char *dir;
	int fd;

	if (dim < 1 || dim > 65536)
		return err_set(err, NS_EINPUT, "vector dimension %d out of "
			       "range (1..65536)", dim);
	dir = xasprintf("%s/%s", db_dir(db), VECSTORE_DIR);
	if (perm_mkdir(db_dir(db), dir) != 0) {
		enum ns_rc rc = err_set(err, NS_EIO, "%s: cannot create: %s",
					dir, strerror(errno));
		free(dir);
		return rc;
	}
	w = xcalloc(1, sizeof(*w));
	w->db = db;
	w->kind = kind;
	w->model = xstrdup(model);
	w->dim = dim;
	w->sorted = 1;
	for (;;) {
		struct stat st;

		w->spool = xasprintf("%s/.spool-%s-XXXXXX", dir,
				     vecstore_kind_name(kind));
		fd = mkstemp(w->spool);
		if (fd < 0)
			break;
		/* The lock marks the spool as live for vecstore_sweep() in
		 * other processes; the kernel drops it when we die.  A sweep
		 * may have removed it before we locked it: then again. */
		if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
			int e = errno;

			close(fd);
			unlink(w->spool);
			errno = e;
			fd = -1;
			break;
		}
		if (st.st_nlink > 0)
			break;
		close(fd);
		free(w->spool);
	}
	free(dir);
	/* shared through the project's group, like the database */
	if (fd >= 0 && (perm_fd(db_dir(db), fd) != 0 ||
			cleanup_add(w->spool) != 0)) {
		close(fd);
		unlink(w->spool);
		fd = -1;
	}
	if (fd < 0 || !(w->fp = fdopen(fd, "w+"))) {
		enum ns_rc rc = err_set(err, NS_EIO, "%s: cannot create: %s",
					w->spool, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(w->spool);
			cleanup_remove(w->spool);
		}
		free(w->spool);
		w->spool = NULL;
		vecstore_writer_free(w);
		return rc;
	}
	*out = w;
	return NS_OK;
}

enum ns_rc
vecstore_add(struct vecstore_writer *w, int64_t id, const float *vec,
	     struct ns_err *err)
{
	for (int i = 0; i < w->dim; i++)
		if (!isfinite(vec[i]))
			return err_set(err, NS_EINPUT, "%s %lld: vector "
				       "component %d is not a finite number",
				       vecstore_kind_name(w->kind),
				       (long long)id, i);
	if (fwrite(vec, sizeof(float), (size_t)w->dim, w->fp) !=
	    (size_t)w->dim)
		return err_set(err, NS_EIO, "%s: write failed: %s", w->spool,
			       strerror(errno));
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		w->pairs = xrealloc(w->pairs, w->cap * sizeof(*w->pairs));
	}
	if (w->n && id <= w->pairs[w->n - 1].id)
		w->sorted = 0;
	w->pairs[w->n].id = id;
	w->pairs[w->n].row = w->n;
	w->n++;
	return NS_OK;
}

void
vecstore_set_params(struct vecstore_writer *w, const char *json)
{
	free(w->params);
	w->params = json ? xstrdup(json) : NULL;
}

void
vecstore_set_state(struct vecstore_writer *w, const void *data, size_t len)
{
	free(w->state);
	w->state = NULL;
	w->state_len = 0;
	if (data) {
		w->state = xmalloc(len ? len : 1);
		memcpy(w->state, data, len);
		w->state_len = len;
	}
}

int64_t
vecstore_count(const struct vecstore_writer *w)
{
	return w->n;
}

enum ns_rc
vecstore_added(struct vecstore_writer *w, int64_t i, float *out,
	       struct ns_err *err)
{
	size_t len = (size_t)w->dim * sizeof(float);
	ssize_t got;

	/* the row may still sit in the stream's buffer */
	if (fflush(w->fp) != 0)
		return err_set(err, NS_EIO, "%s: write failed: %s", w->spool,
			       strerror(errno));
	got = pread(fileno(w->fp), out, len, (off_t)((size_t)i * len));
	if (got != (ssize_t)len)
		return err_set(err, NS_EIO, "%s: cannot read row %lld back%s%s",
			       w->spool, (long long)i, got < 0 ? ": " : "",
			       got < 0 ? strerror(errno) : "");
	return NS_OK;
}

static int
vecstore_pair_cmp(const void *a, const void *b)
{
	const struct vecstore_pair *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Write @len bytes to @fd; 0 or -1 with errno. */
static int
vecstore_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t k = write(fd, p, len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Create @path and write the bytes produced by the rows of @w: the int64
 * ids (@ids) or the vectors in id order from the spool map @spool. */
static enum ns_rc
vecstore_write_file(struct vecstore_writer *w, const char *path, int ids,
		    const float *spool, struct ns_err *err)
{
	enum { CHUNK = 4096 };
	size_t rowbytes = (size_t)w->dim * sizeof(float);
	char *buf = NULL;
	size_t used = 0, cap;
	int fd;

	cleanup_add(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		cleanup_remove(path);
		return err_set(err, NS_EIO, "%s: cannot create: %s", path,
			       strerror(errno));
	}
	if (perm_fd(db_dir(w->db), fd) != 0)
		goto fail;
	cap = ids ? CHUNK * sizeof(int64_t) : CHUNK * rowbytes;
	if (cap > ((size_t)1 << 24))
		cap = (size_t)1 << 24 < rowbytes ? rowbytes : (size_t)1 << 24;
	buf = xmalloc(cap);
	for (int64_t i = 0; i < w->n; i++) {
		const void *src = ids ? (const void *)&w->pairs[i].id :
			(const void *)(spool + (size_t)w->pairs[i].row *
				       (size_t)w->dim);
		size_t len = ids ? sizeof(int64_t) : rowbytes;

		if (used + len > cap) {
			if (vecstore_write_all(fd, buf, used) != 0)
				goto fail;
			used = 0;
		}
		memcpy(buf + used, src, len);
		used += len;
	}
	if ((used && vecstore_write_all(fd, buf, used) != 0) ||
	    fdatasync(fd) != 0)
		goto fail;
	free(buf);
	buf = NULL;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return NS_OK;
fail:
	err_set(err, NS_EIO, "%s: write failed: %s", path, strerror(errno));
	free(buf);
	if (fd >= 0)
		close(fd);
	unlink(path);
	cleanup_remove(path);
	return NS_EIO;
}

enum ns_rc
vecstore_commit_id(struct vecstore_writer *w, int64_t *id_out,
		   struct ns_err *err)
{
	const char *kname = vecstore_kind_name(w->kind);
	const char *dir = db_dir(w->db);
	char *rel = NULL, *rel_ids = NULL, *path = NULL, *path_ids = NULL;
	void *map = NULL;
	size_t maplen = (size_t)w->n * (size_t)w->dim * sizeof(float);
	int64_t id = 0;
	int in_tx = 0, files = 0;
	enum ns_rc rc;

	if (fflush(w->fp) != 0) {
		rc = err_set(err, NS_EIO, "%s: write failed: %s", w->spool,
			     strerror(errno));
		goto out;
	}
	if (!w->sorted)
		qsort(w->pairs, (size_t)w->n, sizeof(*w->pairs),
		      vecstore_pair_cmp);
	for (int64_t i = 1; i < w->n; i++) {
		if (w->pairs[i].id == w->pairs[i - 1].id) {
			rc = err_set(err, NS_EINPUT, "%s %lld: two vectors "
				     "for the same item", kname,
				     (long long)w->pairs[i].id);
			goto out;
		}
	}
	if ((rc = db_begin(w->db, err)) != NS_OK)
		goto out;
	in_tx = 1;
	rc = vecdb_insert(w->db, kname, w->model, w->dim, w->n, w->params,
			  w->state, w->state_len, &id, err);
	if (rc != NS_OK)
		goto out;
	rel = xasprintf("%s/%s-%lld.f32", VECSTORE_DIR, kname, (long long)id);
	rel_ids = xasprintf("%s/%s-%lld.ids", VECSTORE_DIR, kname,
			    (long long)id);
	path = xasprintf("%s/%s", dir, rel);
	path_ids = xasprintf("%s/%s", dir, rel_ids);
	if (w->sorted) {
		/* The spool already is the data file. */
		cleanup_add(path);
		if (fdatasync(fileno(w->fp)) != 0 ||
		    rename(w->spool, path) != 0) {
			rc = err_set(err, NS_EIO, "%s: cannot write: %s", path,
				     strerror(errno));
			cleanup_remove(path);
			goto out;
		}
		fclose(w->fp);
		w->fp = NULL;
		cleanup_remove(w->spool);
		free(w->spool);
		w->spool = NULL;
	} else {
		map = mmap(NULL, maplen, PROT_READ, MAP_SHARED,
			   fileno(w->fp), 0);
		if (map == MAP_FAILED) {
			map = NULL;
			rc = err_set(err, NS_EIO, "%s: cannot map: %s",
				     w->spool, strerror(errno));
			goto out;
		}
		rc = vecstore_write_file(w, path, 0, map, err);
		if (rc != NS_OK)
			goto out;
	}
	files = 1;
	rc = vecstore_write_file(w, path_ids, 1, NULL, err);
	if (rc != NS_OK)
		goto out;
	files = 2;
	rc = vecdb_set_paths(w->db, id, rel, rel_ids, err);
	if (rc == NS_OK) {
		/* a signal now must not remove what the commit names */
		cleanup_hold();
		rc = db_commit(w->db, err);
		if (rc == NS_OK) {
			in_tx = 0;
			cleanup_remove(path);
			cleanup_remove(path_ids);
		}
		cleanup_release();
	}
out:
	if (map)
		munmap(map, maplen);
	if (rc != NS_OK) {
		if (in_tx)
			db_rollback(w->db);
		if (files >= 1) {
			unlink(path);
			cleanup_remove(path);
		}
		if (files >= 2) {
			unlink(path_ids);
			cleanup_remove(path_ids);
		}
	} else if (id_out) {
		*id_out = id;
	}
	free(rel);
	free(rel_ids);
	free(path);
	free(path_ids);
	vecstore_writer_free(w);
	return rc;
}

enum ns_rc
vecstore_commit(struct vecstore_writer *w, struct ns_err *err)
{
	return vecstore_commit_id(w, NULL, err);
}

void
vecstore_abort(struct vecstore_writer *w)
{
	if (w)
		vecstore_writer_free(w);
}

/* --- stale files -------------------------------------------------------- */

/* Is @name a vector file name, KIND-ID.f32 or KIND-ID.ids? */
static bool
vecstore_is_set_file(const char *name)
{
	const char *p = !strncmp(name, "query-", 6) ? name + 6
			: !strncmp(name, "passage-", 8) ? name + 8 : NULL;

	if (!p || !(*p >= '0' && *p <= '9'))
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return !strcmp(p, ".f32") || !strcmp(p, ".ids");
}

enum ns_rc
vecstore_sweep(struct db *db, int64_t *files, int64_t *bytes,
	       struct ns_err *err)
{
	char *dir = xasprintf("%s/%s", db_dir(db), VECSTORE_DIR);
	struct dirent *de;
	enum ns_rc rc;
	DIR *d;

	*files = *bytes = 0;
	if (!(d = opendir(dir))) {
		rc = errno == ENOENT ? NS_OK
		     : err_set(err, NS_EIO, "%s: cannot read: %s", dir,
			       strerror(errno));
		free(dir);
		return rc;
	}
	/* With the write lock no other embed is between writing its files
	 * and committing their row. */
	if ((rc = db_begin(db, err)) != NS_OK)
		goto out;
	while ((de = readdir(d))) {
		char *path, *rel;
		struct stat st;
		bool stale = false;

		if (strncmp(de->d_name, ".spool-", 7) != 0 &&
		    !vecstore_is_set_file(de->d_name))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.') {
			/* a live spool is locked by its writer */
			int fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
			    fstat(fd, &st) == 0)
				stale = true;
			if (stale && unlink(path) != 0)
				stale = false;
			if (fd >= 0)
				close(fd);
		} else {
			rel = xasprintf("%s/%s", VECSTORE_DIR, de->d_name);
			stale = vecdb_path_used(db, rel) == 0 &&
				stat(path, &st) == 0 && unlink(path) == 0;
			free(rel);
		}
		if (stale) {
			++*files;
			*bytes += st.st_size;
		}
		free(path);
	}
	db_rollback(db);	/* nothing was written */
out:
	closedir(d);
	free(dir);
	return rc;
}
