/* t-jobs.c - the embedding and mining jobs called as a library, the way the
 * cascade and `simulate` will: a project built in a temporary directory,
 * embedded, mined densely and with BM25, refiltered. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/stats.h"
#include "src/embedjob.h"
#include "src/import.h"
#include "src/instream.h"
#include "src/minejob.h"
#include "src/project.h"
#include "src/util.h"
#include "tests/tap.h"

/* Six queries about fruit, each with one positive and two negatives; the
 * shared pool gives every query candidates that are not its own. */
static const char train[] =
	"{\"query\":\"apple pie recipe\",\"pos\":[\"bake an apple pie with "
	"cinnamon\"],\"neg\":[\"pear tart with almonds\",\"plum jam\"]}\n"
	"{\"query\":\"pear tart\",\"pos\":[\"pear tart with almonds\"],"
	"\"neg\":[\"bake an apple pie with cinnamon\",\"cherry cake\"]}\n"
	"{\"query\":\"plum jam\",\"pos\":[\"plum jam\"],\"neg\":[\"cherry "
	"cake\",\"banana bread with walnuts\"]}\n"
	"{\"query\":\"cherry cake baking\",\"pos\":[\"cherry cake\"],\"neg\":"
	"[\"plum jam\",\"bake an apple pie with cinnamon\"]}\n"
	"{\"query\":\"banana bread\",\"pos\":[\"banana bread with walnuts\"],"
	"\"neg\":[\"pear tart with almonds\",\"lemon curd on toast\"]}\n"
	"{\"query\":\"lemon curd\",\"pos\":[\"lemon curd on toast\"],\"neg\":"
	"[\"banana bread with walnuts\",\"cherry cake\"]}\n";

static int64_t
kept(struct project *p)
{
	struct stats_counts c;
	struct ns_err err;

	err_clear(&err);
	if (stats_totals(p->db, &c, &err) != NS_OK)
		return -1;
	return c.candidates_kept;
}

/* One mine of @p with --index IVF2,Flat; what it said on its report and
 * warning streams into @report and @warn (caller frees). */
static enum ns_rc
mine_ivf(struct project *p, char **report, char **warn)
{
	struct minejob_settings ms;
	struct summary sum;
	struct ns_err err;
	size_t rlen = 0, wlen = 0;
	int64_t run = 0;
	enum ns_rc rc;

	err_clear(&err);
	minejob_settings_init(&ms, NULL);
	ms.index = "IVF2,Flat";
	ms.fp.range_max = 5;
	ms.report = open_memstream(report, &rlen);
	ms.warn = open_memstream(warn, &wlen);
	summary_init(&sum);
	rc = minejob_run(p, &ms, &sum, &run, &err);
	summary_fini(&sum);
	fclose(ms.report);
	fclose(ms.warn);
	return rc;
}

/* A saved index that faiss cannot read although its checksum is the one
 * recorded (e.g. written by another faiss): built again, with a warning,
 * and saved anew. */
static void
test_saved_index(struct project *p, const char *dir)
{
	char *report = NULL, *warn = NULL, *val, hex[33];
	char path[700], key[100];
	struct ns_err err;
	uint64_t bytes;
	FILE *fp;

	err_clear(&err);
	is_int(mine_ivf(p, &report, &warn), NS_OK, "IVF2,Flat: mined");
	ok(strstr(report, "recall@5") && !strstr(report, "reusing"),
	   "... building the index: %s", report);
	is_str(warn, "", "... without a warning");
	free(report);
	free(warn);
	snprintf(path, sizeof(path), "%s/index-1-IVF2,Flat.faiss", dir);
	snprintf(key, sizeof(key), "index:index-1-IVF2,Flat.faiss");
	fp = fopen(path, "w");
	fputs("not a faiss index\n", fp);
	fclose(fp);
	if (!ok(instream_file_digest(path, hex, &bytes, &err) == NS_OK,
		"checksum of the replaced file"))
		return;
	val = xasprintf("%s %llu", hex, (unsigned long long)bytes);
	ok(db_meta_set(p->db, key, val, &err) == NS_OK, "... recorded");
	free(val);
	is_int(mine_ivf(p, &report, &warn), NS_OK,
	       "a saved index faiss cannot read: mined");
	ok(strstr(warn, "negsieve: warning: index IVF2,Flat: saved file ") &&
	   strstr(warn, "IVF2,Flat.faiss unreadable (Index type ") &&
	   strstr(warn, "): building it again\n"), "... saying so: %s", warn);
	free(report);
	free(warn);
	is_int(mine_ivf(p, &report, &warn), NS_OK, "mined again");
	ok(strstr(report, "index IVF2,Flat: reusing ") != NULL,
	   "... reusing the index saved anew: %s", report);
	is_str(warn, "", "... without a warning");
	free(report);
	free(warn);
}

int
main(void)
{
	char dir[600], path[700];
	struct import_input inputs[1];
	struct import_opts io;
	struct import_result ir;
	struct embedjob_settings es;
	struct embedjob_result er;
	struct minejob_settings ms;
	struct summary sum;
	struct project p;
	struct ns_err err;
	int64_t run = -1, dense_run, base, before;
	char *report = NULL;
	size_t rlen = 0;
	FILE *fp;

	err_clear(&err);
	snprintf(dir, sizeof(dir), "%s/proj", tap_tmpdir());
	snprintf(path, sizeof(path), "%s/train.jsonl", tap_tmpdir());
	fp = fopen(path, "w");
	fputs(train, fp);
	fclose(fp);
	if (!ok(project_init(&p, dir, NULL, &err) == NS_OK, "project created"))
		return tap_done();
	memset(&io, 0, sizeof(io));
	io.fts = true;
	io.max_record = 1 << 20;
	memset(inputs, 0, sizeof(inputs));
	inputs[0].path = path;
	ok(import_run(p.db, &io, inputs, 1, &ir, &err) == NS_OK,
	   "training data imported");
	is_int(ir.queries, 6, "six queries");
	is_int(ir.passages, 6, "six distinct passages");

	/* the defaults are config_keys[]'s */
	minejob_settings_init(&ms, NULL);
	ok(ms.method == MINEJOB_DENSE && !strcmp(ms.index, "auto") &&
	   !ms.model && ms.recall_target == 0.95 && ms.fp.range_max == 100 &&
	   ms.fp.num_negatives == 3 && isnan(ms.fp.rel_margin) && !ms.embed,
	   "minejob_settings_init: the defaults");
	embedjob_settings_init(&es, NULL);
	ok(!strcmp(es.model, "builtin") && !es.endpoint && es.dim == 384 &&
	   es.batch == 64 && es.retries == 5,
	   "embedjob_settings_init: the defaults");

	/* mining before there are vectors, and nothing to embed with */
	summary_init(&sum);
	is_int(minejob_run(&p, &ms, &sum, &run, &err), NS_ENOTFOUND,
	       "dense mining without vectors and without an embedder");
	ok(strstr(err.msg, ": no vectors yet; run 'negsieve embed ") != NULL,
	   "... says what to run: %s", err.msg);
	ms.model = "builtin";
	is_int(minejob_run(&p, &ms, &sum, &run, &err), NS_ENOTFOUND,
	       "the same with a model asked for");
	ok(strstr(err.msg, "no passage vectors of model 'builtin-tfidf-v1'"),
	   "... naming the missing vectors: %s", err.msg);
	summary_fini(&sum);

	/* the built-in embedder through the library */
	es.dim = 7;
	is_int(embedjob_run(&p, &es, &er, &err), NS_OK, "builtin embedding");
	ok(er.kind[VEC_PASSAGE].done && er.kind[VEC_QUERY].done,
	   "both kinds embedded");
	is_int(er.kind[VEC_PASSAGE].rows, 6, "a vector per passage");
	is_int(er.kind[VEC_QUERY].rows, 6, "a vector per query");
	is_int(er.kind[VEC_PASSAGE].items, 6, "passages counted");
	is_int(er.kind[VEC_QUERY].dim, 7, "dimension as set");
	is_int(er.requests, -1, "no endpoint requests");
	es.model = "some-model";
	is_int(embedjob_run(&p, &es, &er, &err), NS_EUSAGE,
	       "a model name without an endpoint is refused");
	is_str(err.msg, "model 'some-model' needs --endpoint URL (or "
	       "embed.endpoint)", "... with the reason");
	es.model = "builtin";
	es.dim = 0;
	is_int(embedjob_check(&es, &err), NS_EUSAGE, "dimension 0 refused");

	/* dense mining, k = 5: every query sees all passages but one (the
	 * import made run 1 of the BGE negatives) */
	minejob_settings_init(&ms, NULL);
	ms.fp.range_max = 5;
	ms.fp.num_negatives = 2;
	summary_init(&sum);
	base = kept(&p);
	is_int(base, 12, "the imported negatives are kept candidates");
	is_int(minejob_run(&p, &ms, &sum, &run, &err), NS_OK, "dense run");
	is_int(run, 2, "it is run 2");
	dense_run = run;
	is_int(sum.queries, 6, "all queries mined");
	is_int(sum.candidates, 30, "five candidates each");
	is_int(sum.reasons[FILTER_POSITIVE], 6,
	       "each query finds its positive (exact search)");
	before = kept(&p);
	is_int(before - base, 12, "two negatives kept per query");
	summary_fini(&sum);

	/* BM25 through FTS5 */
	ms.method = MINEJOB_BM25;
	summary_init(&sum);
	is_int(minejob_run(&p, &ms, &sum, &run, &err), NS_OK, "bm25 run");
	is_int(run, 3, "it is run 3");
	is_int(sum.queries, 6, "bm25: all queries mined");
	before = kept(&p);
	summary_fini(&sum);

	/* refilter the dense run to one negative per query, no search */
	ms.refilter = true;
	ms.run = dense_run;
	ms.fp.num_negatives = 1;
	summary_init(&sum);
	is_int(minejob_run(&p, &ms, &sum, &run, &err), NS_OK, "refilter");
	is_int(run, dense_run, "the refiltered run");
	is_int(sum.candidates, 30, "the stored candidates, again");
	is_int(kept(&p), before - 6, "one negative fewer per query");
	summary_fini(&sum);
	ms.run = 9;
	summary_init(&sum);
	is_int(minejob_run(&p, &ms, &sum, &run, &err), NS_ENOTFOUND,
	       "refilter of a missing run");
	summary_fini(&sum);
	test_saved_index(&p, dir);
	project_close(&p);

	/* a project without vectors, mined with an embedder at hand: it is
	 * embedded first, as `negsieve mine` does */
	snprintf(dir, sizeof(dir), "%s/proj2", tap_tmpdir());
	if (!ok(project_init(&p, dir, NULL, &err) == NS_OK &&
		import_run(p.db, &io, inputs, 1, &ir, &err) == NS_OK,
		"second project imported"))
		return tap_done();
	minejob_settings_init(&ms, NULL);
	embedjob_settings_init(&es, NULL);
	es.dim = 5;
	ms.embed = &es;
	ms.report = open_memstream(&report, &rlen);
	summary_init(&sum);
	is_int(minejob_run(&p, &ms, &sum, &run, &err), NS_OK,
	       "mining without vectors embeds first");
	fclose(ms.report);
	ok(strstr(report, "no vectors yet: embedding with the built-in "
		  "embedder first") != NULL, "... and says so");
	ok(strstr(report, "embedded 6 passages and 6 queries (dimension 5)")
	   != NULL, "... with the embedder's settings: %s", report);
	is_int(sum.queries, 6, "then mines every query");
	summary_fini(&sum);
	free(report);
	project_close(&p);
	return tap_done();
}
