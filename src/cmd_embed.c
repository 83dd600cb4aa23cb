/*
 * cmd_embed.c - negsieve embed PROJECT: compute vectors for the project's
 * queries and passages with the built-in embedder or an OpenAI-compatible
 * endpoint, or import them from .npy / .fvecs / JSONL files joined on
 * external ids.  Each kind becomes one new vecset (src/vecstore.h).
 */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "src/cmd.h"
#include "src/embed_builtin.h"
#include "src/embed_http.h"
#include "src/progress.h"
#include "src/project.h"
#include "src/util.h"
#include "db/vecdb.h"
#include "src/vecfile.h"
#include "src/vecstore.h"

static const char embed_usage[] =
	"usage: negsieve embed [OPTIONS] PROJECT\n"
	"\n"
	"Compute vectors for the project's passages and queries, or import\n"
	"them from files.  Default: the built-in embedder (hashed word and\n"
	"character n-gram TF-IDF, no model needed).\n"
	"\n"
	"  -m, --model NAME         builtin, or the model name for --endpoint\n"
	"  -e, --endpoint URL       OpenAI-compatible /v1/embeddings service;\n"
	"                           API key from $NEGSIEVE_API_KEY or\n"
	"                           $OPENAI_API_KEY (see embed.api_key_env)\n"
	"  -d, --dim N              built-in dimension (default 384); for an\n"
	"                           endpoint, the dimension it must return\n"
	"  -b, --batch N            texts per endpoint request (default 64)\n"
	"  -t, --timeout SECONDS    per endpoint request (default 60)\n"
	"      --passages FILE      import passage vectors (.npy, .fvecs, JSONL)\n"
	"      --passage-ids FILE   their external ids, one per line\n"
	"      --queries FILE       import query vectors (.npy, .fvecs, JSONL)\n"
	"      --query-ids FILE     their external ids, one per line\n"
	"  -h, --help               show this help\n";

struct embed_opts {
	const char *model;
	const char *endpoint;
	int dim;		/* 0: unset */
	int batch;
	double timeout;
	const char *files[2];	/* vectors, by enum vec_kind */
	const char *idfiles[2];	/* id lists, by enum vec_kind */
};

/* What one kind produced, for the summary. */
struct embed_result {
	int64_t rows;		/* vectors written */
	int64_t notext;		/* items without text (not embedded) */
	int64_t cached;		/* endpoint: vectors from the cache */
	int dim;
	int done;		/* this kind was processed */
};

static const char *
kind_plural(enum vec_kind k)
{
	return k == VEC_QUERY ? "queries" : "passages";
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
import_open(const struct embed_opts *o, enum vec_kind k,
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
			       kind_plural(k), k == VEC_QUERY ? "query" :
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

/* Read every row of @s into a new vecset of @k; rows are joined on
 * external ids, which must all be known. */
static enum ns_rc
import_kind(struct project *p, const struct embed_opts *o, enum vec_kind k,
	    struct import_src *s, struct vecstore_writer *w,
	    struct embed_result *res, struct ns_err *err)
{
	const char *vpath = o->files[k];
	const char *where = s->ids ? o->idfiles[k] : vpath;
	int dim = vecfile_dim(s->vf);
	float *vec = xmalloc((size_t)dim * sizeof(float));
	int64_t maxid = vecdb_max_id(p->db, k == VEC_QUERY);
	int64_t *first = xcalloc((size_t)maxid + 1, sizeof(*first));
	char **jids = NULL;	/* JSONL: ids of rows, for repeats */
	int64_t row = 0, shared = 0;
	struct progress pr;
	enum ns_rc rc = NS_OK;

	progress_start(&pr, "embed", kind_plural(k),
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
		if (id >= 0 && id <= maxid && first[id]) {
			const char *prev = s->ids ? s->ids[first[id] - 1] :
					   jids[first[id] - 1];

			if (strcmp(prev, xid) == 0) {
				rc = err_setpos(err, NS_EINPUT, where,
						s->ids ? (long)row :
						(long)vecfile_pos(s->vf), 0,
						"id '%s' repeated (first in "
						"row %lld)", xid,
						(long long)first[id]);
				break;
			}
			shared++;	/* another id of the same passage */
			continue;
		}
		if (id >= 0 && id <= maxid)
			first[id] = row;
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
	free(vec);
	res->dim = dim;
	res->done = 1;
	(void)shared;
	return rc;
}

static enum ns_rc
run_import(struct project *p, const struct embed_opts *o,
	   struct embed_result res[2], struct ns_err *err)
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
		model = xasprintf("file:%s", base ? base + 1 : o->files[k]);
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

/* --- the built-in embedder ---------------------------------------------- */

struct builtin_ctx {
	struct embed_builtin *eb;
	struct vecstore_writer *w;
	float *vec;
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
	return vecstore_add(c->w, id, c->vec, c->err);
}

static enum ns_rc
run_builtin(struct project *p, int dim, struct embed_result res[2],
	    struct ns_err *err)
{
	struct builtin_ctx c;
	enum ns_rc rc = NS_OK;

	memset(&c, 0, sizeof(c));
	c.err = err;
	c.eb = embed_builtin_new(dim);
	c.vec = xmalloc((size_t)dim * sizeof(float));
	progress_start(&c.pr, "embed: counting", "passages",
		       vecdb_count(p->db, false));
	rc = vecdb_walk_texts(p->db, false, builtin_count_cb, &c, NULL, err);
	progress_finish(&c.pr);
	for (int k = VEC_PASSAGE; rc == NS_OK && k >= VEC_QUERY; k--) {
		rc = vecstore_begin(p->db, (enum vec_kind)k,
				    EMBED_BUILTIN_MODEL, dim, &c.w, err);
		if (rc != NS_OK)
			break;
		c.n = 0;
		progress_start(&c.pr, "embed", kind_plural((enum vec_kind)k),
			       vecdb_count(p->db, k == VEC_QUERY));
		rc = vecdb_walk_texts(p->db, k == VEC_QUERY, builtin_vec_cb,
				      &c, &res[k].notext, err);
		progress_finish(&c.pr);
		res[k].rows = vecstore_count(c.w);
		res[k].dim = dim;
		res[k].done = 1;
		if (rc == NS_OK && k == VEC_PASSAGE) {
			void *state;
			size_t len;

			embed_builtin_state(c.eb, &state, &len);
			vecstore_set_state(c.w, state, len);
			free(state);
		}
		if (rc == NS_OK) {
			char *params = xasprintf("{\"embedder\":\"%s\","
						 "\"documents\":%lld}",
						 EMBED_BUILTIN_MODEL,
						 (long long)embed_builtin_docs(
							 c.eb));

			vecstore_set_params(c.w, params);
			free(params);
			rc = vecstore_commit(c.w, err);
		} else {
			vecstore_abort(c.w);
		}
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

static enum ns_rc
http_add(struct http_ctx *c, int64_t id, const float *vec)
{
	enum ns_rc rc;

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

			rc = vecdb_cache_put(c->db, c->keys[i], dim, v, c->err);
			if (rc == NS_OK)
				rc = http_add(c, c->ids[i], v);
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
		c->dim = dim;
		c->cached++;
		return http_add(c, id, c->vec);
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
run_http(struct project *p, const struct embed_opts *o,
	 struct embed_result res[2], int64_t *requests, struct ns_err *err)
{
	struct embed_http_opts ho;
	struct embed_http *http = NULL;
	struct http_ctx c;
	enum ns_rc rc;

	memset(&ho, 0, sizeof(ho));
	ho.url = o->endpoint;
	ho.model = o->model;
	ho.timeout = o->timeout;
	ho.retries = (int)config_int(p->cfg, "embed.retries", 5);
	ho.backoff = config_float(p->cfg, "embed.backoff", 1);
	ho.key_env = config_str(p->cfg, "embed.api_key_env", NULL);
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
		c.kind = (enum vec_kind)k;
		c.done = c.cached = 0;
		progress_start(&c.pr, "embed", kind_plural(c.kind),
			       vecdb_count(p->db, k == VEC_QUERY));
		rc = vecdb_walk_texts(p->db, k == VEC_QUERY, http_cb, &c,
				      &res[k].notext, err);
		if (rc == NS_OK)
			rc = http_flush(&c);
		progress_finish(&c.pr);
		res[k].rows = c.w ? vecstore_count(c.w) : 0;
		res[k].cached = c.cached;
		res[k].dim = c.dim;
		res[k].done = 1;
		if (rc == NS_OK && c.w) {
			char *params = xasprintf("{\"endpoint\":\"%s\"}",
						 embed_http_url(http));

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

/* --- the command -------------------------------------------------------- */

static int
parse_int(const char *s, long lo, long hi, long *v)
{
	char *end;

	*v = strtol(s, &end, 10);
	return *s && !*end && *v >= lo && *v <= hi;
}

int
cmd_embed(int argc, char **argv)
{
	enum { OPT_PASSAGES = 256, OPT_PASSAGE_IDS, OPT_QUERIES,
	       OPT_QUERY_IDS };
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "dim", required_argument, NULL, 'd' },
		{ "batch", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "passages", required_argument, NULL, OPT_PASSAGES },
		{ "passage-ids", required_argument, NULL, OPT_PASSAGE_IDS },
		{ "queries", required_argument, NULL, OPT_QUERIES },
		{ "query-ids", required_argument, NULL, OPT_QUERY_IDS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *opt_model = NULL, *opt_endpoint = NULL;
	long opt_dim = 0, opt_batch = 0, v;
	double opt_timeout = 0;
	struct embed_opts o;
	struct embed_result res[2];
	struct project p;
	struct ns_err err;
	int64_t requests = -1;
	double t0;
	enum ns_rc rc;
	char *end;
	int c;

	memset(&o, 0, sizeof(o));
	memset(res, 0, sizeof(res));
	err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:e:d:b:t:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'm':
			opt_model = optarg;
			break;
		case 'e':
			opt_endpoint = optarg;
			break;
		case 'd':
			if (!parse_int(optarg, 1, 65536, &opt_dim))
				return cmd_usage_error("embed", "--dim: "
						       "expected 1..65536, "
						       "got '%s'", optarg);
			break;
		case 'b':
			if (!parse_int(optarg, 1, 100000, &opt_batch))
				return cmd_usage_error("embed", "--batch: "
						       "expected 1..100000, "
						       "got '%s'", optarg);
			break;
		case 't':
			opt_timeout = strtod(optarg, &end);
			if (!*optarg || *end || !(opt_timeout > 0))
				return cmd_usage_error("embed", "--timeout: "
						       "expected seconds > 0, "
						       "got '%s'", optarg);
			break;
		case OPT_PASSAGES:
			o.files[VEC_PASSAGE] = optarg;
			break;
		case OPT_PASSAGE_IDS:
			o.idfiles[VEC_PASSAGE] = optarg;
			break;
		case OPT_QUERIES:
			o.files[VEC_QUERY] = optarg;
			break;
		case OPT_QUERY_IDS:
			o.idfiles[VEC_QUERY] = optarg;
			break;
		case 'h':
			fputs(embed_usage, stdout);
			return NS_OK;
		default:
			return cmd_usage_error("embed", "bad option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("embed", "expected one PROJECT argument");
	for (int k = VEC_QUERY; k <= VEC_PASSAGE; k++)
		if (o.idfiles[k] && !o.files[k])
			return cmd_usage_error("embed", "--%s-ids needs --%s",
					       k == VEC_QUERY ? "query" :
					       "passage",
					       kind_plural((enum vec_kind)k));
	if ((o.files[0] || o.files[1]) && (opt_model || opt_endpoint))
		return cmd_usage_error("embed", "--model and --endpoint do "
				       "not apply to imported vector files");

	if (project_open(&p, argv[optind], &err) != NS_OK)
		return cmd_fail(&err);
	o.model = opt_model ? opt_model :
		  config_str(p.cfg, "embed.model", "builtin");
	o.endpoint = opt_endpoint ? opt_endpoint :
		     config_str(p.cfg, "embed.endpoint", NULL);
	o.dim = (int)(opt_dim ? opt_dim :
		      config_isset(p.cfg, "embed.dim") || !o.endpoint ?
		      config_int(p.cfg, "embed.dim", 384) : 0);
	v = opt_batch ? opt_batch : config_int(p.cfg, "embed.batch", 64);
	o.batch = v < 1 ? 1 : v > 100000 ? 100000 : (int)v;
	o.timeout = opt_timeout > 0 ? opt_timeout :
		    config_float(p.cfg, "embed.timeout", 60);

	t0 = now_seconds();
	if (o.files[0] || o.files[1]) {
		rc = run_import(&p, &o, res, &err);
	} else if (o.endpoint) {
		if (strcmp(o.model, "builtin") == 0) {
			project_close(&p);
			return cmd_usage_error("embed", "--endpoint needs "
					       "--model NAME (the model the "
					       "service should use)");
		}
		rc = run_http(&p, &o, res, &requests, &err);
	} else if (strcmp(o.model, "builtin") != 0) {
		project_close(&p);
		return cmd_usage_error("embed", "model '%s' needs --endpoint "
				       "URL (or embed.endpoint)", o.model);
	} else {
		if (o.dim < 1 || o.dim > 65536) {
			project_close(&p);
			return cmd_usage_error("embed", "embed.dim: expected "
					       "1..65536, got %d", o.dim);
		}
		rc = run_builtin(&p, o.dim, res, &err);
	}
	if (rc != NS_OK) {
		project_close(&p);
		return cmd_fail(&err);
	}
	{
		double dt = now_seconds() - t0;
		int64_t total = res[0].rows + res[1].rows;
		int dim = res[1].done ? res[1].dim : res[0].dim;

		printf("embedded");
		if (res[VEC_PASSAGE].done)
			printf(" %lld passages", (long long)res[VEC_PASSAGE].rows);
		if (res[VEC_PASSAGE].done && res[VEC_QUERY].done)
			printf(" and");
		if (res[VEC_QUERY].done)
			printf(" %lld queries", (long long)res[VEC_QUERY].rows);
		printf(" (dimension %d) in %.2f s, %.0f/s", dim, dt,
		       dt > 0 ? (double)total / dt : 0.0);
		if (requests >= 0)
			printf("; %lld requests, %lld from the cache",
			       (long long)requests,
			       (long long)(res[0].cached + res[1].cached));
		printf("\n");
		for (int k = VEC_QUERY; k <= VEC_PASSAGE; k++) {
			int64_t all = vecdb_count(p.db, k == VEC_QUERY);

			if (res[k].done && all > res[k].rows)
				printf("note: %lld of %lld %s have no vector"
				       "%s\n", (long long)(all - res[k].rows),
				       (long long)all,
				       kind_plural((enum vec_kind)k),
				       res[k].notext ? " (no text)" : "");
		}
	}
	project_close(&p);
	return NS_OK;
}
