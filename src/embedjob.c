/*
 * embedjob.c - computing or importing a project's vectors (see
 * embedjob.h): vector files joined on external ids, the built-in
 * embedder, an OpenAI-compatible endpoint with its cache.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "src/embed_builtin.h"
#include "src/embed_http.h"
#include "src/embedjob.h"
#include "src/jsonw.h"
#include "src/progress.h"
#include "src/util.h"
#include "db/vecdb.h"
#include "src/vecfile.h"

const char *
embedjob_kind_plural(enum vec_kind k)
{
	return k == VEC_QUERY ? "queries" : "passages";
}

/* Is every component of @vec (@dim floats) 0?  Such a row is the null
 * vector: it scores 0 against everything, so a passage's would be mined
 * as a "hard negative" of every query it reaches, and a query's would
 * rank passages by nothing but tie order.  No embedder means it; a
 * pipeline writes it for a text it failed on. */
static bool
vec_zero(const float *vec, int dim)
{
	for (int i = 0; i < dim; i++)
		if (vec[i] != 0.0f)
			return false;
	return true;
}

/* Do @a and @b (@dim floats) differ by more than 1% of the longer one's
 * length?  Less is the noise of one model run twice on the same text
 * (batching, float16 storage); more is another text's vector. */
static bool
vec_differ(const float *a, const float *b, int dim)
{
	double d = 0, na = 0, nb = 0;

	for (int i = 0; i < dim; i++) {
		d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
		na += (double)a[i] * a[i];
		nb += (double)b[i] * b[i];
	}
	return d > 1e-4 * (na > nb ? na : nb);
}

/* Count item @id (a query with @query) in *@n and name it in @ids (the
 * first EMBEDJOB_ZERO_NAMED: "'a', 'b'"): an item left without a vector
 * for its text, which the summary names. */
static void
name_item(struct db *db, bool query, int64_t id, int64_t *n, char ids[256])
{
	if ((*n)++ < EMBEDJOB_ZERO_NAMED) {
		char *xid = vecdb_xid(db, query, id);
		size_t at = strlen(ids);

		snprintf(ids + at, 256 - at, "%s'%s'", at ? ", " : "", xid);
		free(xid);
	}
}

/* The params of a set that left items out for a zero vector: ',"zero":N,
 * "zero_ids":"..."' into @sb (nothing when none), named again by a re-run
 * that finds the set up to date. */
static void
zero_params(struct strbuf *sb, const struct embedjob_kind *r)
{
	if (!r->zero)
		return;
	strbuf_addf(sb, ",\"zero\":%lld,\"zero_ids\":", (long long)r->zero);
	if (!jsonw_str(sb, r->zero_ids, strlen(r->zero_ids)))
		strbuf_addstr(sb, "\"\"");
}

/* --- file import -------------------------------------------------------- */

struct import_src {
	struct vecfile *vf;
	char **ids;		/* from the id list; NULL for JSONL */
	int64_t nids;
};

static void
import_src_fini(struct import_src *s)
{
	vecfile_close(s->vf);
	vecfile_ids_free(s->ids, s->nids);
	memset(s, 0, sizeof(*s));
}

static enum ns_rc
import_open(const struct embedjob_settings *o, enum vec_kind k,
	    struct import_src *s, struct ns_err *err)
{
	enum ns_rc rc;

	memset(s, 0, sizeof(*s));
	rc = vecfile_open(o->files[k], &s->vf, err);
	if (rc != NS_OK)
		return rc;
	if (vecfile_has_ids(s->vf)) {
		if (o->idfiles[k]) {
			rc = err_set(err, NS_EUSAGE, "%s: the file carries "
				     "its own ids; drop --%s-ids",
				     o->files[k], k == VEC_QUERY ? "query" :
				     "passage");
			import_src_fini(s);
		}
		return rc;
	}
	if (!o->idfiles[k]) {
		import_src_fini(s);
		return err_set(err, NS_EUSAGE, "--%s needs --%s-ids FILE "
			       "(the external id of each row)",
			       embedjob_kind_plural(k), k == VEC_QUERY ? "query" :
			       "passage");
	}
	rc = vecfile_read_ids(o->idfiles[k], &s->ids, &s->nids, err);
	if (rc == NS_OK && vecfile_format(s->vf) == VECFILE_NPY &&
	    s->nids != vecfile_rows(s->vf))
		rc = err_set(err, NS_EINPUT, "%s: %lld ids, but %s has %lld "
			     "rows", o->idfiles[k], (long long)s->nids,
			     o->files[k], (long long)vecfile_rows(s->vf));
	if (rc != NS_OK)
		import_src_fini(s);
	return rc;
}

/*
 * Read every row of @s into a new vecset of @k; rows are joined on
 * external ids, which must all be known.  Ids of one passage (two ids with
 * the same text share it) give it one vector: the first row's, counted in
 * @res->shared when the later rows agree with it, an error naming both
 * rows when they do not (an id list out of step with its vectors).
 */
static enum ns_rc
import_kind(struct project *p, const struct embedjob_settings *o, enum vec_kind k,
	    struct import_src *s, struct vecstore_writer *w,
	    struct embedjob_kind *res, struct ns_err *err)
{
	const char *vpath = o->files[k];
	const char *where = s->ids ? o->idfiles[k] : vpath;
	int dim = vecfile_dim(s->vf);
	float *vec = xmalloc((size_t)dim * sizeof(float));
	int64_t maxid = vecdb_max_id(p->db, k == VEC_QUERY);
	int64_t *first = xcalloc((size_t)maxid + 1, sizeof(*first));
	int64_t *kept = xcalloc((size_t)maxid + 1, sizeof(*kept));
	float *prev = xmalloc((size_t)dim * sizeof(float));
	char **jids = NULL;	/* JSONL: ids of rows, for repeats */
	int64_t row = 0;
	struct progress pr;
	enum ns_rc rc = NS_OK;

	progress_start(&pr, "embed", embedjob_kind_plural(k),
		       s->ids ? s->nids : 0);
	for (;;) {
		const char *xid;
		int64_t id;
		bool eof;

		rc = vecfile_next(s->vf, vec, &eof, &xid, err);
		if (rc != NS_OK || eof)
			break;
		row++;
		if (s->ids) {
			if (row > s->nids) {
				rc = err_set(err, NS_EINPUT, "%s: %lld ids, "
					     "but %s has more rows", where,
					     (long long)s->nids, vpath);
				break;
			}
			xid = s->ids[row - 1];
		} else {
			jids = xrealloc(jids, (size_t)row * sizeof(*jids));
			jids[row - 1] = xstrdup(xid);
		}
		rc = k == VEC_QUERY ? vecdb_query_id(p->db, xid, &id, err) :
			vecdb_passage_id(p->db, xid, &id, err);
		if (rc == NS_ENOTFOUND) {
			rc = err_setpos(err, NS_EINPUT, where,
					s->ids ? (long)row :
					(long)vecfile_pos(s->vf), 0,
					"unknown %s id '%s'",
					vecstore_kind_name(k), xid);
			break;
		}
		if (rc != NS_OK)
			break;
		for (int i = 0; i < dim; i++) {
			if (!isfinite(vec[i])) {
				rc = err_setpos(err, NS_EINPUT, vpath, 0, 0,
						"row %lld: id '%s': component "
						"%d is %s", (long long)row,
						xid, i, isnan(vec[i]) ? "NaN" :
						"infinite");
				break;
			}
		}
		if (rc != NS_OK)
			break;
		if (vec_zero(vec, dim)) {
			rc = s->ids ?
				err_setpos(err, NS_EINPUT, vpath, 0, 0, "row "
					   "%lld: id '%s': every component is "
					   "0 (a null vector)",
					   (long long)row, xid) :
				err_setpos(err, NS_EINPUT, vpath,
					   (long)vecfile_pos(s->vf), 0, "id "
					   "'%s': every component is 0 (a null "
					   "vector)", xid);
			break;
		}
		if (id >= 0 && id <= maxid && first[id]) {
			const char *fid = s->ids ? s->ids[first[id] - 1] :
					  jids[first[id] - 1];

			if (strcmp(fid, xid) == 0) {
				rc = err_setpos(err, NS_EINPUT, where,
						s->ids ? (long)row :
						(long)vecfile_pos(s->vf), 0,
						"id '%s' repeated (first in "
						"row %lld)", xid,
						(long long)first[id]);
				break;
			}
			/* another id of the same passage */
			if ((rc = vecstore_added(w, kept[id], prev, err)))
				break;
			if (vec_differ(prev, vec, dim)) {
				rc = err_setpos(err, NS_EINPUT, where,
						s->ids ? (long)row :
						(long)vecfile_pos(s->vf), 0,
						"ids '%s' (row %lld) and '%s' "
						"(row %lld) have the same text "
						"(one passage) but different "
						"vectors: are the ids in step "
						"with the rows of %s?", fid,
						(long long)first[id], xid,
						(long long)row, vpath);
				break;
			}
			res->shared++;
			continue;
		}
		if (id >= 0 && id <= maxid) {
			first[id] = row;
			kept[id] = vecstore_count(w);
		}
		rc = vecstore_add(w, id, vec, err);
		if (rc != NS_OK)
			break;
		res->rows++;
		progress_update(&pr, row);
	}
	progress_finish(&pr);
	if (rc == NS_OK && s->ids && row < s->nids)
		rc = err_set(err, NS_EINPUT, "%s: %lld ids, but %s has %lld "
			     "rows", where, (long long)s->nids, vpath,
			     (long long)row);
	if (rc == NS_OK && row == 0)
		rc = err_setpos(err, NS_EINPUT, vpath, 0, 0, "no vectors");
	if (jids)
		vecfile_ids_free(jids, row);
	free(first);
	free(kept);
	free(prev);
	free(vec);
	res->dim = dim;
	res->done = 1;
	return rc;
}

static enum ns_rc
run_import(struct project *p, const struct embedjob_settings *o,
	   struct embedjob_kind res[2], struct ns_err *err)
{
	struct import_src src[2];
	struct vecstore_writer *w[2] = { NULL, NULL };
	enum ns_rc rc = NS_OK;
	enum vec_kind k;

	memset(src, 0, sizeof(src));
	/* open both first: a dimension mismatch writes nothing */
	for (k = VEC_QUERY; k <= VEC_PASSAGE && rc == NS_OK; k++)
		if (o->files[k])
			rc = import_open(o, k, &src[k], err);
	if (rc == NS_OK && src[0].vf && src[1].vf &&
	    vecfile_dim(src[0].vf) != vecfile_dim(src[1].vf))
		rc = err_set(err, NS_EINPUT, "%s: dimension %d, but the "
			     "passage vectors in %s have dimension %d",
			     o->files[VEC_QUERY], vecfile_dim(src[0].vf),
			     o->files[VEC_PASSAGE], vecfile_dim(src[1].vf));
	for (k = VEC_QUERY; k <= VEC_PASSAGE && rc == NS_OK; k++) {
		const char *base;
		char *model;

		if (!src[k].vf)
			continue;
		base = strrchr(o->files[k], '/');
		model = o->import_model ? xstrdup(o->import_model) :
			xasprintf("file:%s", base ? base + 1 : o->files[k]);
		rc = vecstore_begin(p->db, k, model, vecfile_dim(src[k].vf),
				    &w[k], err);
		free(model);
		if (rc == NS_OK)
			rc = import_kind(p, o, k, &src[k], w[k], &res[k], err);
	}
	/* commit only when both kinds read cleanly */
	for (k = VEC_QUERY; k <= VEC_PASSAGE; k++) {
		if (w[k] && rc == NS_OK) {
			char *params = xasprintf(
				"{\"file\":\"%s\"}", o->files[k]);

			vecstore_set_params(w[k], params);
			free(params);
			rc = vecstore_commit(w[k], err);
			w[k] = NULL;
		}
		vecstore_abort(w[k]);
		import_src_fini(&src[k]);
	}
	return rc;
}

/* --- what a set was made from ------------------------------------------ */

/*
 * An embedder's vectors of a kind follow from its model, its dimension
 * and the texts it is given (a built-in query vector also from the
 * passage texts, whose statistics weight it).  Each set it writes keeps
 * a hash of those texts in its params ("texts", and "passages" for
 * built-in queries); a re-run whose texts hash the same, for the same
 * model and dimension, keeps the newest set instead of writing a copy of
 * it.  The hash takes one read of the texts and no query per item, as
 * cheap at 1M texts as a scan of the table.
 */
struct texts_ctx {
	XXH3_state_t *st;
	struct progress pr;
	int64_t n;
	struct db *db;
	bool query;
	struct embedjob_kind *res;	/* blank, blank_ids */
};

static enum ns_rc
texts_cb(int64_t id, const char *text, size_t len, void *arg)
{
	struct texts_ctx *c = arg;
	/* the id and length first: moving a text to another item, or a
	 * boundary between two texts, changes the hash */
	uint64_t head[2] = { (uint64_t)id, (uint64_t)len };

	XXH3_128bits_update(c->st, head, sizeof(head));
	XXH3_128bits_update(c->st, text, len);
	progress_update(&c->pr, ++c->n);
	return NS_OK;
}

/* A blank text (vecdb_walk_texts()): no vector, named in the summary.
 * In the hash as the id and a length no text has: a set made when such
 * a text was embedded (an endpoint was sent "") is not current. */
static enum ns_rc
texts_blank_cb(int64_t id, void *arg)
{
	struct texts_ctx *c = arg;
	uint64_t head[2] = { (uint64_t)id, UINT64_MAX };

	XXH3_128bits_update(c->st, head, sizeof(head));
	name_item(c->db, c->query, id, &c->res->blank, c->res->blank_ids);
	progress_update(&c->pr, ++c->n);
	return NS_OK;
}

/* The hash of the texts of kind @k, as the embedders walk them (with
 * @prompts, queries' prompts in front), as 32 hex digits in @hex; the
 * items without text counted in @res->notext, those with a blank text
 * (no embedder is given them) in @res->blank and named in
 * @res->blank_ids. */
static enum ns_rc
texts_hash(struct db *db, enum vec_kind k, bool prompts, char hex[33],
	   struct embedjob_kind *res, struct ns_err *err)
{
	struct texts_ctx c;
	XXH128_canonical_t h;
	enum ns_rc rc;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.query = k == VEC_QUERY;
	c.res = res;
	res->blank = 0;
	res->blank_ids[0] = '\0';
	c.st = XXH3_createState();
	XXH3_128bits_reset(c.st);
	progress_start(&c.pr, "embed: reading", embedjob_kind_plural(k),
		       vecdb_count(db, k == VEC_QUERY));
	rc = vecdb_walk_texts(db, k == VEC_QUERY, prompts, texts_cb,
			      texts_blank_cb, &c, &res->notext, err);
	progress_finish(&c.pr);
	XXH128_canonicalFromHash(&h, XXH3_128bits_digest(c.st));
	XXH3_freeState(c.st);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", h.digest[i]);
	return rc;
}

/* Is @rel (relative to the project @dir) a file of @size bytes? */
static bool
file_whole(const char *dir, const char *rel, int64_t size)
{
	char *path = xasprintf("%s/%s", dir, rel);
	struct stat st;
	bool yes = *rel && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		   (int64_t)st.st_size == size;

	free(path);
	return yes;
}

/* Does the set @id keep @value under @key in its params? */
static bool
param_is(struct db *db, int64_t id, const char *key, const char *value)
{
	char *v = vecdb_param(db, id, key);
	bool yes = v && strcmp(v, value) == 0;

	free(v);
	return yes;
}

/*
 * May the newest set of kind @k by @model stand for what the embedder
 * would write now: made from the texts @texts (and for built-in queries,
 * @passages not NULL, weighted by passage texts @passages), of dimension
 * @dim (0: any, an endpoint's own), with its two files whole (a file
 * removed or cut by hand is made again rather than trusted)?  Then the
 * kind is current in @res and true.  Sets made before the hash was kept
 * have none: written once more.
 */
static bool
set_current(struct project *p, enum vec_kind k, const char *model, int dim,
	    const char *texts, const char *passages,
	    struct embedjob_kind *res)
{
	struct vecdb_row r;
	struct ns_err e;
	bool yes;

	err_clear(&e);
	if (vecdb_latest(p->db, vecstore_kind_name(k), model, &r, &e) != NS_OK)
		return false;
	yes = strcmp(r.model, model) == 0 && (dim == 0 || r.dim == dim) &&
	      param_is(p->db, r.id, "texts", texts) &&
	      (!passages || param_is(p->db, r.id, "passages", passages)) &&
	      file_whole(p->dir, r.path, r.count * r.dim *
			 (int64_t)sizeof(float)) &&
	      file_whole(p->dir, r.ids_path, r.count *
			 (int64_t)sizeof(int64_t));
	if (yes) {
		char *z = vecdb_param(p->db, r.id, "zero");
		char *zi = vecdb_param(p->db, r.id, "zero_ids");

		res->done = res->current = true;
		res->set = r.id;
		res->rows = r.count;
		res->dim = r.dim;
		res->zero = z ? atoll(z) : 0;
		snprintf(res->zero_ids, sizeof(res->zero_ids), "%s",
			 zi ? zi : "");
		free(z);
		free(zi);
	}
	vecdb_row_fini(&r);
	return yes;
}

/* --- the built-in embedder ---------------------------------------------- */

struct builtin_ctx {
	struct embed_builtin *eb;
	struct vecstore_writer *w;
	float *vec;
	int dim;
	struct db *db;
	bool query;		/* the kind being embedded */
	struct embedjob_kind *res;	/* its result: zero, zero_ids */
	struct progress pr;
	int64_t n;
	struct ns_err *err;
};

static enum ns_rc
builtin_count_cb(int64_t id, const char *text, size_t len, void *arg)
{
	struct builtin_ctx *c = arg;

	(void)id;
	embed_builtin_count(c->eb, text, len);
	progress_update(&c->pr, ++c->n);
	return NS_OK;
}

static enum ns_rc
builtin_vec_cb(int64_t id, const char *text, size_t len, void *arg)
{
	struct builtin_ctx *c = arg;

	embed_builtin_vector(c->eb, text, len, c->vec);
	progress_update(&c->pr, ++c->n);
	/* a text with no word (punctuation only: blank ones are not
	 * walked) gives the null vector: stored, it would be mined as a
	 * negative of score 0 for every query; refused, one such text would
	 * stop the project's mining.  Left without a vector like an item
	 * without text, and named (the first few). */
	if (vec_zero(c->vec, c->dim)) {
		name_item(c->db, c->query, id, &c->res->zero,
			  c->res->zero_ids);
		return NS_OK;
	}
	return vecstore_add(c->w, id, c->vec, c->err);
}

static enum ns_rc
run_builtin(struct project *p, int dim, bool prompts,
	    struct embedjob_kind res[2], struct ns_err *err)
{
	struct builtin_ctx c;
	char texts[2][33];
	enum ns_rc rc = NS_OK;

	memset(&c, 0, sizeof(c));
	c.err = err;
	c.db = p->db;
	c.dim = dim;
	for (int k = VEC_QUERY; rc == NS_OK && k <= VEC_PASSAGE; k++)
		rc = texts_hash(p->db, (enum vec_kind)k,
				k == VEC_QUERY && prompts, texts[k], &res[k],
				err);
	if (rc != NS_OK)
		return rc;
	/* the query vectors are weighted by the passages' statistics: they
	 * are current only with the passages they were weighted by */
	if (set_current(p, VEC_PASSAGE, EMBED_BUILTIN_MODEL, dim,
			texts[VEC_PASSAGE], NULL, &res[VEC_PASSAGE]))
		set_current(p, VEC_QUERY, EMBED_BUILTIN_MODEL, dim,
			    texts[VEC_QUERY], texts[VEC_PASSAGE],
			    &res[VEC_QUERY]);
	if (res[VEC_QUERY].current)
		return NS_OK;
	/* passages unchanged: their statistics as stored with their set
	 * (the very table a count of the same texts makes), no count */
	if (res[VEC_PASSAGE].current) {
		void *state;
		size_t len;
		struct ns_err e;

		err_clear(&e);
		if (vecstore_state(p->db, res[VEC_PASSAGE].set, &state, &len,
				   &e) == NS_OK && state &&
		    embed_builtin_from_state(state, len, dim, &c.eb, &e) !=
			    NS_OK)
			c.eb = NULL;
		free(state);
	}
	if (!c.eb) {
		c.eb = embed_builtin_new(dim);
		progress_start(&c.pr, "embed: counting", "passages",
			       vecdb_count(p->db, false));
		rc = vecdb_walk_texts(p->db, false, false, builtin_count_cb,
				      NULL, &c, NULL, err);
		progress_finish(&c.pr);
	}
	c.vec = xmalloc((size_t)dim * sizeof(float));
	for (int k = VEC_PASSAGE; rc == NS_OK && k >= VEC_QUERY; k--) {
		char *params, *weights;
		struct strbuf zero;

		if (res[k].current)
			continue;
		rc = vecstore_begin(p->db, (enum vec_kind)k,
				    EMBED_BUILTIN_MODEL, dim, &c.w, err);
		if (rc != NS_OK)
			break;
		c.n = 0;
		c.query = k == VEC_QUERY;
		c.res = &res[k];
		progress_start(&c.pr, "embed", embedjob_kind_plural((enum vec_kind)k),
			       vecdb_count(p->db, k == VEC_QUERY));
		rc = vecdb_walk_texts(p->db, k == VEC_QUERY, prompts,
				      builtin_vec_cb, NULL, &c, &res[k].notext,
				      err);
		progress_finish(&c.pr);
		res[k].rows = vecstore_count(c.w);
		res[k].dim = dim;
		res[k].done = 1;
		if (rc != NS_OK) {
			vecstore_abort(c.w);
			c.w = NULL;
			break;
		}
		if (k == VEC_PASSAGE) {
			void *state;
			size_t len;

			embed_builtin_state(c.eb, &state, &len);
			vecstore_set_state(c.w, state, len);
			free(state);
		}
		/* queries: also the passage texts that weighted them */
		weights = k == VEC_QUERY ?
			  xasprintf(",\"passages\":\"%s\"",
				    texts[VEC_PASSAGE]) : xstrdup("");
		strbuf_init(&zero);
		zero_params(&zero, &res[k]);
		params = xasprintf("{\"embedder\":\"%s\",\"documents\":%lld,"
				   "\"texts\":\"%s\"%s%s}", EMBED_BUILTIN_MODEL,
				   (long long)embed_builtin_docs(c.eb),
				   texts[k], weights, zero.len ? zero.buf : "");
		strbuf_fini(&zero);
		free(weights);
		vecstore_set_params(c.w, params);
		free(params);
		rc = vecstore_commit(c.w, err);
		c.w = NULL;
	}
	embed_builtin_free(c.eb);
	free(c.vec);
	return rc;
}

/* --- endpoint ----------------------------------------------------------- */

struct http_ctx {
	struct db *db;
	struct embed_http *http;
	const char *model;
	enum vec_kind kind;
	struct vecstore_writer *w;
	int dim;		/* 0 until known */
	int batch;
	/* the pending batch */
	char **texts;
	size_t *lens;
	int64_t *ids;
	unsigned char (*keys)[16];
	int n;
	float *vec;		/* 65536 floats */
	struct progress pr;
	int64_t done, cached;
	struct embedjob_kind *res;	/* the kind's: zero, zero_ids */
	struct ns_err *err;
};

static void
http_key(const char *model, const char *text, size_t len,
	 unsigned char key[16])
{
	XXH3_state_t *st = XXH3_createState();
	XXH128_canonical_t c;

	XXH3_128bits_reset(st);
	XXH3_128bits_update(st, model, strlen(model) + 1);
	XXH3_128bits_update(st, text, len);
	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(st));
	XXH3_freeState(st);
	memcpy(key, c.digest, 16);
}

/* Store @vec as item @id's vector (*@kept true), or not when it is
 * the null vector. */
static enum ns_rc
http_add(struct http_ctx *c, int64_t id, const float *vec, bool *kept)
{
	enum ns_rc rc;

	/* the service's null vector is no embedding (a text it failed on):
	 * stored, it would be mined as a negative of score 0 for every
	 * query; refused, one such text would keep every vector of the
	 * model out (negsieve cannot change an imported text).  Left
	 * without a vector, named, and not cached, as the built-in
	 * embedder leaves a text with no word. */
	*kept = false;
	if (vec_zero(vec, c->dim)) {
		name_item(c->db, c->kind == VEC_QUERY, id, &c->res->zero,
			  c->res->zero_ids);
		progress_update(&c->pr, ++c->done);
		return NS_OK;
	}
	*kept = true;

	if (!c->w) {
		rc = vecstore_begin(c->db, c->kind, c->model, c->dim, &c->w,
				    c->err);
		if (rc != NS_OK)
			return rc;
	}
	rc = vecstore_add(c->w, id, vec, c->err);
	progress_update(&c->pr, ++c->done);
	return rc;
}

static enum ns_rc
http_flush(struct http_ctx *c)
{
	float *vecs = NULL;
	enum ns_rc rc = NS_OK;
	int dim = c->dim;

	if (c->n == 0)
		return NS_OK;
	rc = embed_http_embed(c->http, (const char *const *)c->texts, c->lens,
			      c->n, &vecs, &dim, c->err);
	if (rc == NS_OK) {
		c->dim = dim;
		for (int i = 0; i < c->n && rc == NS_OK; i++) {
			const float *v = vecs + (size_t)i * (size_t)dim;
			bool kept;

			/* added first: a vector left out is not cached (a
			 * later run asks again) */
			rc = http_add(c, c->ids[i], v, &kept);
			if (rc == NS_OK && kept)
				rc = vecdb_cache_put(c->db, c->keys[i], dim, v,
						     c->err);
		}
	}
	free(vecs);
	for (int i = 0; i < c->n; i++)
		free(c->texts[i]);
	c->n = 0;
	return rc;
}

static enum ns_rc
http_cb(int64_t id, const char *text, size_t len, void *arg)
{
	struct http_ctx *c = arg;
	unsigned char key[16];
	int dim = c->dim;

	http_key(c->model, text, len, key);
	if (vecdb_cache_get(c->db, key, &dim, c->vec)) {
		bool kept;

		c->dim = dim;
		c->cached++;
		return http_add(c, id, c->vec, &kept);
	}
	c->texts[c->n] = xstrndup(text, len);
	c->lens[c->n] = len;
	c->ids[c->n] = id;
	memcpy(c->keys[c->n], key, 16);
	if (++c->n == c->batch)
		return http_flush(c);
	return NS_OK;
}

static enum ns_rc
run_http(struct project *p, const struct embedjob_settings *o,
	 struct embedjob_kind res[2], int64_t *requests, struct ns_err *err)
{
	struct embed_http_opts ho;
	struct embed_http *http = NULL;
	struct http_ctx c;
	char texts[2][33];
	enum ns_rc rc = NS_OK;

	/* a kind whose newest set of the model has the same texts (and the
	 * dimension asked for) is kept: its vectors would all come from the
	 * cache, into a copy of the set */
	for (int k = VEC_QUERY; rc == NS_OK && k <= VEC_PASSAGE; k++)
		if ((rc = texts_hash(p->db, (enum vec_kind)k,
				     k == VEC_QUERY && o->prompt, texts[k],
				     &res[k], err)) == NS_OK)
			set_current(p, (enum vec_kind)k, o->model, o->dim,
				    texts[k], NULL, &res[k]);
	if (rc != NS_OK)
		return rc;
	*requests = 0;
	if (res[VEC_QUERY].current && res[VEC_PASSAGE].current)
		return NS_OK;
	memset(&ho, 0, sizeof(ho));
	ho.url = o->endpoint;
	ho.model = o->model;
	ho.timeout = o->timeout;
	ho.retries = o->retries;
	ho.backoff = o->backoff;
	ho.key_env = o->key_env;
	rc = embed_http_new(&ho, &http, err);
	if (rc != NS_OK)
		return rc;
	memset(&c, 0, sizeof(c));
	c.db = p->db;
	c.http = http;
	c.model = o->model;
	c.dim = o->dim;
	c.batch = o->batch;
	c.err = err;
	c.texts = xcalloc((size_t)c.batch, sizeof(*c.texts));
	c.lens = xcalloc((size_t)c.batch, sizeof(*c.lens));
	c.ids = xcalloc((size_t)c.batch, sizeof(*c.ids));
	c.keys = xcalloc((size_t)c.batch, sizeof(*c.keys));
	c.vec = xmalloc(65536 * sizeof(float));
	for (int k = VEC_PASSAGE; rc == NS_OK && k >= VEC_QUERY; k--) {
		if (res[k].current)
			continue;
		c.kind = (enum vec_kind)k;
		c.res = &res[k];
		c.done = c.cached = 0;
		progress_start(&c.pr, "embed", embedjob_kind_plural(c.kind),
			       vecdb_count(p->db, k == VEC_QUERY));
		/* blank texts are not walked: never sent */
		rc = vecdb_walk_texts(p->db, k == VEC_QUERY, o->prompt,
				      http_cb, NULL, &c, &res[k].notext, err);
		if (rc == NS_OK)
			rc = http_flush(&c);
		progress_finish(&c.pr);
		res[k].rows = c.w ? vecstore_count(c.w) : 0;
		res[k].cached = c.cached;
		res[k].dim = c.dim;
		res[k].done = 1;
		if (rc == NS_OK && c.w) {
			struct strbuf zero;
			char *params;

			strbuf_init(&zero);
			zero_params(&zero, &res[k]);
			params = xasprintf("{\"endpoint\":\"%s\","
					   "\"texts\":\"%s\"%s}",
					   embed_http_url(http), texts[k],
					   zero.len ? zero.buf : "");
			strbuf_fini(&zero);
			vecstore_set_params(c.w, params);
			free(params);
			rc = vecstore_commit(c.w, err);
		} else {
			vecstore_abort(c.w);
		}
		c.w = NULL;
		for (int i = 0; i < c.n; i++)
			free(c.texts[i]);
		c.n = 0;
	}
	*requests = embed_http_requests(http);
	free(c.texts);
	free(c.lens);
	free(c.ids);
	free(c.keys);
	free(c.vec);
	embed_http_free(http);
	return rc;
}

/* --- the job ------------------------------------------------------------ */

#define ES struct embedjob_settings
const struct opt embedjob_opts[] = {
	OPT_KEY('m', "model", "NAME", "embed.model", CONFIG_STRING, ES, model,
		"builtin, or the model name for --endpoint; with --passages/"
		"--queries, the imported vectors' model name"),
	OPT_KEY('e', "endpoint", "URL", "embed.endpoint", CONFIG_STRING, ES,
		endpoint, "OpenAI-compatible /v1/embeddings service; API key "
		"from $NEGSIEVE_API_KEY or $OPENAI_API_KEY (see "
		"embed.api_key_env)"),
	OPT_KEY('d', "dim", "N", "embed.dim", CONFIG_INT, ES, dim,
		"built-in dimension; for an endpoint, the dimension it must "
		"return"),
	OPT_KEY('b', "batch", "N", "embed.batch", CONFIG_INT, ES, batch,
		"texts per endpoint request"),
	OPT_KEY('t', "timeout", "SECONDS", "embed.timeout", CONFIG_FLOAT, ES,
		timeout, "per endpoint request"),
	OPT_CONFIG("embed.retries", CONFIG_INT, ES, retries),
	OPT_CONFIG("embed.backoff", CONFIG_FLOAT, ES, backoff),
	OPT_CONFIG("embed.api_key_env", CONFIG_STRING, ES, key_env),
	OPT_VAL(0, "passages", "FILE", CONFIG_STRING, NULL, NULL, ES,
		files[VEC_PASSAGE],
		"import passage vectors (.npy, .fvecs, JSONL)"),
	OPT_VAL(0, "passage-ids", "FILE", CONFIG_STRING, NULL, NULL, ES,
		idfiles[VEC_PASSAGE], "their external ids, one per line"),
	OPT_VAL(0, "queries", "FILE", CONFIG_STRING, NULL, NULL, ES,
		files[VEC_QUERY], "import query vectors (.npy, .fvecs, JSONL)"),
	OPT_VAL(0, "query-ids", "FILE", CONFIG_STRING, NULL, NULL, ES,
		idfiles[VEC_QUERY], "their external ids, one per line"),
	OPT_KEY_SET(0, "no-prompt", "embed.prompt", CONFIG_BOOL, "false", ES,
		    prompt, "embed queries without the prompt of their "
		    "training row (FlagEmbedding's \"prompt\")"),
	OPT_END
};
#undef ES

void
embedjob_settings_init(struct embedjob_settings *s, const struct config *cfg)
{
	memset(s, 0, sizeof(*s));
	opt_settings(embedjob_opts, cfg, s);
	if (s->endpoint && !config_isset(cfg, "embed.dim"))
		s->dim = 0;
}

enum ns_rc
embedjob_check(const struct embedjob_settings *s, struct ns_err *err)
{
	if (s->files[VEC_QUERY] || s->files[VEC_PASSAGE])
		return NS_OK;
	if (s->endpoint && strcmp(s->model, "builtin") == 0)
		return err_set(err, NS_EUSAGE, "--endpoint needs --model NAME "
			       "(the model the service should use)");
	/* its vectors would pass for the built-in embedder's */
	if (s->endpoint && strcmp(s->model, EMBED_BUILTIN_MODEL) == 0)
		return err_set(err, NS_EUSAGE, "--model %s is the built-in "
			       "embedder's name: an endpoint's model needs "
			       "another", s->model);
	if (!s->endpoint && strcmp(s->model, "builtin") != 0)
		return err_set(err, NS_EUSAGE, "model '%s' needs --endpoint "
			       "URL (or embed.endpoint)", s->model);
	if (!s->endpoint && (s->dim < 1 || s->dim > 65536))
		return err_set(err, NS_EUSAGE, "embed.dim: expected 1..65536, "
			       "got %d", s->dim);
	return NS_OK;
}

enum ns_rc
embedjob_run(struct project *p, const struct embedjob_settings *s,
	     struct embedjob_result *res, struct ns_err *err)
{
	double t0 = now_seconds();
	enum ns_rc rc;

	memset(res, 0, sizeof(*res));
	res->requests = -1;
	res->dir = p->dir;
	res->model = embedjob_model(s);
	if ((rc = embedjob_check(s, err)))
		return rc;
	/* what an embed killed before left in vectors/ */
	if ((rc = vecstore_sweep(p->db, &res->swept, &res->swept_bytes, err)))
		return rc;
	if (s->files[VEC_QUERY] || s->files[VEC_PASSAGE])
		rc = run_import(p, s, res->kind, err);
	else if (s->endpoint)
		rc = run_http(p, s, res->kind, &res->requests, err);
	else
		rc = run_builtin(p, s->dim, s->prompt, res->kind, err);
	res->seconds = now_seconds() - t0;
	for (int k = VEC_QUERY; k <= VEC_PASSAGE; k++)
		res->kind[k].items = vecdb_count(p->db, k == VEC_QUERY);
	return rc;
}

void
embedjob_print(const struct embedjob_result *res, FILE *fp)
{
	const struct embedjob_kind *q = &res->kind[VEC_QUERY],
				   *ps = &res->kind[VEC_PASSAGE];
	bool eq = q->done && !q->current, ep = ps->done && !ps->current;
	double dt = res->seconds;

	if (res->swept)
		fprintf(fp, "removed %lld stale temporary file%s (%.1f MB) left "
			"in %s/vectors by an interrupted embed\n",
			(long long)res->swept, res->swept == 1 ? "" : "s",
			(double)res->swept_bytes / 1e6, res->dir);
	for (int k = VEC_PASSAGE; k >= VEC_QUERY; k--) {
		const struct embedjob_kind *r = &res->kind[k];

		if (r->current)
			fprintf(fp, "%s vectors up to date: %lld of model "
				"%s (dimension %d, set %lld); nothing "
				"written\n",
				vecstore_kind_name((enum vec_kind)k),
				(long long)r->rows, res->model, r->dim,
				(long long)r->set);
	}
	if (eq || ep) {
		fprintf(fp, "embedded");
		if (ep)
			fprintf(fp, " %lld passages", (long long)ps->rows);
		if (ep && eq)
			fprintf(fp, " and");
		if (eq)
			fprintf(fp, " %lld queries", (long long)q->rows);
		fprintf(fp, " (dimension %d) in %.2f s, %.0f/s",
			ep ? ps->dim : q->dim, dt, dt > 0 ?
			(double)((eq ? q->rows : 0) + (ep ? ps->rows : 0)) /
			dt : 0.0);
		if (res->requests >= 0)
			fprintf(fp, "; %lld requests, %lld from the cache",
				(long long)res->requests,
				(long long)(q->cached + ps->cached));
		fprintf(fp, "\n");
	}
	for (int k = VEC_QUERY; k <= VEC_PASSAGE; k++) {
		const struct embedjob_kind *r = &res->kind[k];

		if (!r->done || r->items <= r->rows)
			continue;
		fprintf(fp, "note: %lld of %lld %s have no vector",
			(long long)(r->items - r->rows), (long long)r->items,
			embedjob_kind_plural((enum vec_kind)k));
		if (!r->zero && !r->blank) {
			fprintf(fp, "%s\n", r->notext ? " (no text)" : "");
			continue;
		}
		/* named, the first few: negsieve keeps an imported text as
		 * it is, so what can be done is in the data imported */
		fprintf(fp, " (");
		if (r->notext)
			fprintf(fp, "%lld without text; ", (long long)r->notext);
		if (r->blank)
			fprintf(fp, "%lld with an empty or blank text, sent to "
				"no embedder: %s%s%s", (long long)r->blank,
				r->blank_ids, r->blank > EMBEDJOB_ZERO_NAMED ?
				", ..." : "", r->zero ? "; " : "");
		if (r->zero && res->requests >= 0)
			fprintf(fp, "%lld to which model '%s' returned a zero "
				"vector (every component 0), not cached: %s%s",
				(long long)r->zero, res->model, r->zero_ids,
				r->zero > EMBEDJOB_ZERO_NAMED ? ", ..." : "");
		else if (r->zero)
			fprintf(fp, "%lld whose text has no word, a zero "
				"vector to the built-in embedder: %s%s",
				(long long)r->zero, r->zero_ids,
				r->zero > EMBEDJOB_ZERO_NAMED ? ", ..." : "");
		fprintf(fp, "): they stay out of mining; to have them, fix "
			"those texts in the data and import it into a new "
			"project\n");
	}
	for (int k = VEC_QUERY; k <= VEC_PASSAGE; k++) {
		const struct embedjob_kind *r = &res->kind[k];

		if (r->done && r->shared)
			fprintf(fp, "note: %lld %s row%s the vector of "
				"another id with the same text (one %s, one "
				"vector kept)\n", (long long)r->shared,
				vecstore_kind_name((enum vec_kind)k),
				r->shared == 1 ? " repeats" : "s repeat",
				vecstore_kind_name((enum vec_kind)k));
	}
}

const char *
embedjob_model(const struct embedjob_settings *s)
{
	return strcmp(s->model, "builtin") == 0 ? EMBED_BUILTIN_MODEL :
						  s->model;
}
