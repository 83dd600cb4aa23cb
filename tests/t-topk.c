/*
 * t-topk.c - the GEMM libraries (products, conversions, the probe and its
 * cache) and exact search: every path (OpenBLAS and oneDNN in f32, bf16
 * and int8 screening, faiss's knn, IVF with nprobe = nlist) mined through
 * mine_dense() must give the brute-force top-k, on SIFT vectors and on
 * generated data.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "src/dense.h"
#include "src/filter.h"
#include "src/gemm.h"
#include "src/mine.h"
#include "src/topk.h"
#include "src/util.h"
#include "tests/tap.h"

static const enum gemm_type types[] = { GEMM_F32, GEMM_BF16, GEMM_U8S8 };

static float
bf16_value(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;

	memcpy(&f, &u, 4);
	return f;
}

/* Random values in [-1, 1). */
static float *
randv(size_t n, uint64_t seed)
{
	float *x = xmalloc(n * sizeof(float));
	uint64_t st = seed;

	for (size_t i = 0; i < n; i++)
		x[i] = (float)(filter_rng_uniform(&st) * 2 - 1);
	return x;
}

static void
test_conversions(void)
{
	float x[6] = { 1.0f, 1.00390625f, 1.01171875f, -2.5f, 0, NAN };
	uint16_t h[6];
	uint8_t q[4];
	float sc;
	int32_t sum;
	float row[4] = { 0.5f, -1.0f, 0.25f, 0 };

	gemm_to_bf16(x, 6, h);
	is_dbl(bf16_value(h[0]), 1.0, 0, "bf16: 1 exact");
	/* 1 + 2^-8 is halfway between 1 and 1 + 2^-7: to even (1) */
	is_dbl(bf16_value(h[1]), 1.0, 0, "bf16: a tie rounds to even");
	/* 1 + 3*2^-8 is halfway too: to even (1 + 2^-6) */
	is_dbl(bf16_value(h[2]), 1.015625, 0, "bf16: the other tie to even");
	is_dbl(bf16_value(h[3]), -2.5, 0, "bf16: -2.5 exact");
	ok(isnan(bf16_value(h[5])), "bf16: NaN stays NaN");

	gemm_quantize(row, 4, 1, 127, 0, q, &sc, &sum);
	is_dbl(sc, 1.0 / 127, 1e-9, "int8: scale = max|x| / 127");
	is_int((int8_t)q[0], 64, "int8: 0.5 -> 64 (63.5 rounded to even)");
	is_int((int8_t)q[1], -127, "int8: -1 -> -127");
	is_int(sum, 64 - 127 + 32 + 0, "int8: row sum of the signed values");
	gemm_quantize(row, 4, 1, 63, 64, q, &sc, &sum);
	is_int(q[1], 1, "u8: -1 -> -63 + 64");
	is_int(q[3], 64, "u8: 0 -> the zero point");
}

/* Every library and type against a double reference, with odd sizes and
 * leading dimensions larger than the rows. */
static void
test_products(void)
{
	const int m = 37, n = 53, k = 29, lda = 31, ldb = 33, ldc = 60;
	float *a = randv((size_t)m * lda, 1), *b = randv((size_t)n * ldb, 2);
	float *c = xmalloc((size_t)m * ldc * sizeof(float));
	struct ns_err err;

	for (int l = 0; l < GEMM_NLIBS; l++)
		for (size_t ti = 0; ti < 3; ti++) {
			enum gemm_lib lib = (enum gemm_lib)l;
			enum gemm_type t = types[ti];
			struct gemm_kernel *kn = NULL;
			struct gemm_ctx *cx;
			uint16_t *ha = NULL, *hb = NULL;
			uint8_t *qa = NULL, *qb = NULL;
			float *sa = NULL, *sb = NULL;
			const void *pa = a, *pb = b;
			double worst = 0;
			char name[64];

			snprintf(name, sizeof(name), "%s %s",
				 gemm_lib_name(lib), gemm_type_name(t));
			err_clear(&err);
			if (!gemm_type_available(lib, t)) {
				is_int(gemm_kernel_new(lib, t, k, &kn, &err),
				       NS_EINPUT, name);
				ok(strstr(err.msg, "not available") != NULL,
				   "%s: message: %s", name, err.msg);
				continue;
			}
			if (!ok(gemm_kernel_new(lib, t, k, &kn, &err) == NS_OK,
				"%s: kernel", name))
				continue;
			if (t == GEMM_BF16) {
				ha = xmalloc((size_t)m * lda * 2);
				hb = xmalloc((size_t)n * ldb * 2);
				gemm_to_bf16(a, (size_t)m * lda, ha);
				gemm_to_bf16(b, (size_t)n * ldb, hb);
				pa = ha;
				pb = hb;
			} else if (t == GEMM_U8S8) {
				qa = xmalloc((size_t)m * lda);
				qb = xmalloc((size_t)n * ldb);
				sa = xmalloc((size_t)m * sizeof(float));
				sb = xmalloc((size_t)n * sizeof(float));
				gemm_quantize(a, lda, m, 127, 128, qa, sa, NULL);
				gemm_quantize(b, ldb, n, 127, 0, qb, sb, NULL);
				pa = qa;
				pb = qb;
			}
			cx = gemm_ctx_new(kn);
			is_int(gemm_run(kn, cx, m, n, pa, lda, pb, ldb, c, ldc),
			       0, name);
			for (int i = 0; i < m; i++)
				for (int j = 0; j < n; j++) {
					double ref = 0, got;

					for (int p = 0; p < k; p++) {
						if (t == GEMM_F32)
							ref += (double)a[i * lda + p] *
							       b[j * ldb + p];
						else if (t == GEMM_BF16)
							ref += (double)bf16_value(ha[i * lda + p]) *
							       bf16_value(hb[j * ldb + p]);
						else
							ref += (double)qa[i * lda + p] *
							       (int8_t)qb[j * ldb + p];
					}
					if (t == GEMM_U8S8)
						got = ((int32_t *)c)[i * ldc + j];
					else
						got = c[i * ldc + j];
					if (fabs(got - ref) > worst)
						worst = fabs(got - ref);
				}
			ok(worst <= (t == GEMM_U8S8 ? 0 : 1e-5),
			   "%s: equals the reference (worst %g)", name, worst);
			gemm_ctx_free(cx);
			gemm_kernel_free(kn);
			free(ha);
			free(hb);
			free(qa);
			free(qb);
			free(sa);
			free(sb);
		}
	free(a);
	free(b);
	free(c);
}

static void
test_probe(void)
{
	struct gemm_probe p;
	struct ns_err err;
	char cache[1024], path[1100], desc[600];
	const char *tmp = tap_tmpdir();
	FILE *fp;

	snprintf(cache, sizeof(cache), "%s/cache", tmp);
	snprintf(path, sizeof(path), "%s/negsieve/gemm-probe", cache);
	setenv("XDG_CACHE_HOME", cache, 1);
	setenv("NEGSIEVE_GEMM_PROBE", "128,256,32", 1);
	unsetenv("NEGSIEVE_GEMM");
	err_clear(&err);
	is_int(gemm_best(false, &p, &err), NS_OK, "probe: nothing cached");
	ok(p.source == NULL, "probe: not measured when not asked to");
	gemm_probe_describe(&p, desc, sizeof(desc));
	ok(strstr(desc, "not measured") != NULL, "describe: %s", desc);
	is_int(gemm_best(true, &p, &err), NS_OK, "probe: measures");
	is_str(p.source, "measured", "probe: measured");
	ok(p.rate[GEMM_OPENBLAS] > 0, "probe: an OpenBLAS rate");
	ok(!gemm_lib_available(GEMM_ONEDNN) || p.rate[GEMM_ONEDNN] > 0,
	   "probe: a oneDNN rate when built with it");
	ok(!gemm_lib_available(GEMM_AVX512) || p.rate[GEMM_AVX512] > 0,
	   "probe: an avx512 rate when the CPU has AVX-512");
	for (int l = 0; l < GEMM_NLIBS; l++)
		ok(p.rate[p.best] >= p.rate[l], "probe: best is the faster "
		   "(%s %.1f)", gemm_lib_name((enum gemm_lib)l), p.rate[l]);
	ok(gemm_type_available(GEMM_ONEDNN, GEMM_BF16) ? p.bf16 > 0 :
	   p.bf16 == 0, "probe: a bf16 rate exactly when oneDNN has bf16 "
	   "(%.1f)", p.bf16);
	ok(access(path, R_OK) == 0, "probe: cached in %s", path);
	{
		double bf = p.bf16;

		is_int(gemm_best(true, &p, &err), NS_OK, "probe: again");
		is_str(p.source, "cache", "probe: read back from the cache");
		ok(fabs(p.bf16 - bf) < 0.06, "probe: the bf16 rate read "
		   "back (%.1f, measured %.1f)", p.bf16, bf);
	}
	gemm_probe_describe(&p, desc, sizeof(desc));
	ok(strstr(desc, "GFLOP/s") && strstr(desc, "128x256x32"),
	   "describe: %s", desc);
	/* a damaged cache is measured again and rewritten */
	fp = fopen(path, "w");
	fputs("v1\tgarbage\n\x01\x02\n", fp);
	fclose(fp);
	is_int(gemm_best(true, &p, &err), NS_OK, "probe: damaged cache");
	is_str(p.source, "measured", "probe: damaged cache measured again");
	is_int(gemm_best(true, &p, &err), NS_OK, "probe: once more");
	is_str(p.source, "cache", "probe: rewritten");
	/* a line of the first format (one large product, not tiles) is
	 * measured again, well formed as it is */
	fp = fopen(path, "w");
	fprintf(fp, "v1\t128,256,32\t%s\t%s\topenblas\topenblas=1.0"
		"\tonednn=0.5\n", p.machine, p.when);
	fclose(fp);
	is_int(gemm_best(true, &p, &err), NS_OK, "probe: a v1 cache");
	is_str(p.source, "measured", "probe: a v1 line is measured again");
	ok(p.rate[GEMM_OPENBLAS] != 1.0, "probe: not its rates (%.1f)",
	   p.rate[GEMM_OPENBLAS]);
	fp = fopen(path, "r");
	ok(fp && fgets(desc, sizeof(desc), fp) &&
	   strncmp(desc, "v5\t128,256,32\t", 14) == 0 &&
	   !fgets(desc, sizeof(desc), fp),
	   "probe: the v5 line written in its place");
	if (fp)
		fclose(fp);
	/* so are a v2 line, which did not time our own kernel, a v3 line,
	 * which timed products without the threshold test, and a v4 line,
	 * which did not time bf16; lines of other shapes stay */
	for (int v = 2; v <= 4; v++) {
		fp = fopen(path, "w");
		fprintf(fp, "v5\t1,2,3\t%s\t%s\tonednn\topenblas=1.0"
			"\tonednn=2.0\tavx512=0.5\tbf16=4.0\n", p.machine,
			p.when);
		fprintf(fp, "v%d\t128,256,32\t%s\t%s\topenblas\topenblas=1.0"
			"\tonednn=0.5\tavx512=0.25\n", v, p.machine, p.when);
		fclose(fp);
		is_int(gemm_best(true, &p, &err), NS_OK, "probe: an old cache");
		ok(!strcmp(p.source, "measured"), "probe: a v%d line is "
		   "measured again", v);
		fp = fopen(path, "r");
		ok(fp && fgets(desc, sizeof(desc), fp) &&
		   strncmp(desc, "v5\t1,2,3\t", 9) == 0 &&
		   fgets(desc, sizeof(desc), fp) &&
		   strncmp(desc, "v5\t128,256,32\t", 14) == 0 &&
		   !fgets(desc, sizeof(desc), fp),
		   "probe: the other shape's line kept, the v%d line "
		   "replaced", v);
		if (fp)
			fclose(fp);
	}

	/* a cache that cannot be written (its directory is a file): the
	 * note says so, and the process keeps what it measured */
	{
		char when[40], file[1100];

		snprintf(file, sizeof(file), "%s/not-a-dir", tmp);
		fp = fopen(file, "w");
		if (fp)
			fclose(fp);
		setenv("XDG_CACHE_HOME", file, 1);
		setenv("NEGSIEVE_GEMM_PROBE", "64,128,16", 1);
		is_int(gemm_best(true, &p, &err), NS_OK, "probe: no cache");
		is_str(p.source, "measured, not cached",
		       "probe: measured, not cached");
		snprintf(when, sizeof(when), "%s", p.when);
		is_int(gemm_best(true, &p, &err), NS_OK, "probe: again");
		is_str(p.when, when, "probe: not measured twice by a process");
		is_int(gemm_best(false, &p, &err), NS_OK, "probe: --version");
		gemm_probe_describe(&p, desc, sizeof(desc));
		ok(strstr(desc, "measured, not cached") != NULL,
		   "describe: %s", desc);
		setenv("XDG_CACHE_HOME", cache, 1);
		setenv("NEGSIEVE_GEMM_PROBE", "128,256,32", 1);
	}

	setenv("NEGSIEVE_GEMM", "blis", 1);
	is_int(gemm_best(true, &p, &err), NS_ECONFIG, "NEGSIEVE_GEMM=blis");
	ok(strstr(err.msg, "NEGSIEVE_GEMM=blis: expected one of openblas")
	   != NULL, "message: %s", err.msg);
	setenv("NEGSIEVE_GEMM", "openblas", 1);
	is_int(gemm_best(true, &p, &err), NS_OK, "NEGSIEVE_GEMM=openblas");
	is_int(p.best, GEMM_OPENBLAS, "forced library");
	unsetenv("NEGSIEVE_GEMM");
	setenv("NEGSIEVE_GEMM_PROBE", "12,x", 1);
	is_int(gemm_best(true, &p, &err), NS_ECONFIG, "bad probe shape");
	is_str(err.msg, "NEGSIEVE_GEMM_PROBE=12,x: expected M,N,K",
	       "bad probe shape message");
	setenv("NEGSIEVE_GEMM_PROBE", "128,256,32", 1);
}

/* ---- exact search ---------------------------------------------------- */

struct got {
	int k;
	float *score;		/* nq * k, by query row */
	int64_t *pid;
	int64_t *qrow_of;	/* query id -> row (ids are row + 1) */
};

static enum ns_rc
sink_keep(void *arg, int64_t qid, const struct filter_cand *c, size_t n,
	  const int64_t *pos, const double *ps, size_t npos,
	  struct ns_err *err)
{
	struct got *g = arg;
	int64_t q = qid - 1;

	(void)pos, (void)ps, (void)npos, (void)err;
	for (size_t i = 0; i < n && (int)i < g->k; i++) {
		g->score[q * g->k + (int64_t)i] = (float)c[i].score;
		g->pid[q * g->k + (int64_t)i] = c[i].passage_id;
	}
	return NS_OK;
}

/* Brute force with topk_dot: scores best first, ties by lower row. */
static void
brute(const float *xq, int64_t nq, const float *xb, int64_t nb, int d, int k,
      float *s, int64_t *l)
{
	for (int64_t q = 0; q < nq; q++)
		for (int64_t b = 0; b < nb; b++) {
			float v = topk_dot(xq + q * d, xb + b * d, d);
			int j;

			if (b < k) {
				j = (int)b;
			} else if (v > s[q * k + k - 1]) {
				j = k - 1;
			} else {
				continue;
			}
			for (; j > 0 && v > s[q * k + j - 1]; j--) {
				s[q * k + j] = s[q * k + j - 1];
				l[q * k + j] = l[q * k + j - 1];
			}
			s[q * k + j] = v;
			l[q * k + j] = b;
		}
}

/* Mine @xq against @xb on one path and compare with brute force: the
 * scores at every rank must be equal, and the passages too wherever the
 * score is not tied.  @ix: an index (IVF at nprobe = nlist), else exact
 * search on @engine ("faiss", "openblas", "onednn") in @type. */
static void
check_path(const char *what, const float *xq, int64_t nq, const float *xb,
	   int64_t nb, int d, int k, struct dense_index *ix, const char *engine,
	   enum gemm_type type, const struct topk_opts *tune)
{
	int64_t *qids = xmalloc((size_t)nq * sizeof(int64_t));
	int64_t *pids = xmalloc((size_t)nb * sizeof(int64_t));
	int64_t *off = xcalloc((size_t)nq + 1, sizeof(int64_t)), pp = 0;
	int kb = k + 1 <= nb ? k + 1 : k;	/* one more: ties at rank k */
	float *rs = xmalloc((size_t)nq * kb * sizeof(float));
	int64_t *rl = xmalloc((size_t)nq * kb * sizeof(int64_t));
	struct got g;
	struct mine_in in;
	struct mine_screen sc;
	struct filter_params fp;
	struct summary sum;
	struct ns_err err;
	char desc[600];
	int bad = 0, tied = 0;
	enum ns_rc rc;

	for (int64_t i = 0; i < nq; i++)
		qids[i] = i + 1;
	for (int64_t i = 0; i < nb; i++)
		pids[i] = i + 1;
	g.k = k;
	g.score = xmalloc((size_t)nq * k * sizeof(float));
	g.pid = xmalloc((size_t)nq * k * sizeof(int64_t));
	for (int64_t i = 0; i < nq * k; i++) {
		g.score[i] = NAN;
		g.pid[i] = -1;
	}
	memset(&in, 0, sizeof(in));
	in.dim = d;
	in.nq = nq;
	in.qv = xq;
	in.qids = qids;
	in.np = nb;
	in.pv = xb;
	in.pids = pids;
	in.pos_off = off;
	in.pos_pid = &pp;
	memset(&sc, 0, sizeof(sc));
	err_clear(&err);
	if (!ix) {
		rc = mine_screen_init(&sc, engine, type, xb, nb, d, k, false,
				      desc, sizeof(desc), &err);
		if (rc == NS_OK && tune && sc.engine) {
			/* small chunks and tiles: every edge case */
			struct topk_opts o = *tune;

			o.lib = topk_lib(sc.engine);
			topk_free(sc.engine);
			sc.engine = NULL;
			o.type = type;
			rc = topk_new(xb, nb, d, &o, &sc.engine, &err);
		}
		if (!ok(rc == NS_OK, "%s: engine (%s)", what, err.msg))
			goto out;
		in.screen = &sc;
	}
	filter_params_default(&fp);
	fp.range_max = k;
	fp.num_negatives = 0;
	summary_init(&sum);
	rc = mine_dense_ex(&in, ix, k, 64, true, &fp, &sum, sink_keep, &g,
			   NULL, &err);
	summary_fini(&sum);
	if (!ok(rc == NS_OK, "%s: mine (%s)", what, err.msg))
		goto out;
	brute(xq, nq, xb, nb, d, kb, rs, rl);
	for (int64_t q = 0; q < nq; q++)
		for (int i = 0; i < k; i++) {
			int64_t o = q * k + i, b = q * kb + i;
			bool t = (i > 0 && rs[b - 1] == rs[b]) ||
				 (i + 1 < kb && rs[b + 1] == rs[b]);

			tied += t;
			if (g.score[o] != rs[b] ||
			    (!t && g.pid[o] != rl[b] + 1)) {
				if (bad++ < 3)
					diag("%s: query %lld rank %d: %lld %.9g,"
					     " brute force %lld %.9g", what,
					     (long long)q, i + 1,
					     (long long)g.pid[o], g.score[o],
					     (long long)rl[b] + 1, rs[b]);
			}
		}
	ok(bad == 0, "%s: top-%d equals brute force for all %lld queries "
	   "(%d of %lld ranks tied)", what, k, (long long)nq, tied,
	   (long long)nq * k);
	if (in.screen && sc.engine)
		ok(sc.certified + sc.rechecked == nq, "%s: %lld certified, "
		   "%lld searched again, %lld unproved", what,
		   (long long)sc.certified, (long long)sc.rechecked,
		   (long long)sc.uncertain);
out:
	mine_screen_fini(&sc);
	free(qids);
	free(pids);
	free(off);
	free(rs);
	free(rl);
	free(g.score);
	free(g.pid);
}

/* All paths over one data set. */
static void
check_all(const char *set, const float *xq, int64_t nq, const float *xb,
	  int64_t nb, int d, int k)
{
	static const char *const engines[] = { "openblas", "onednn",
					       "avx512" };
	struct topk_opts small;
	struct dense_index *ix = NULL;
	struct ns_err err;
	char what[128], factory[32], path[1100];
	size_t bytes = (size_t)nb * d * sizeof(float);
	const float *mapped = NULL;
	FILE *fp;
	int fd;

	/* streaming drops pages: it needs a read-only file mapping */
	snprintf(path, sizeof(path), "%s/%s.f32", tap_tmpdir(), set);
	for (char *c = strrchr(path, '/') + 1; *c; c++)
		if (*c == ' ')
			*c = '_';
	if ((fp = fopen(path, "wb"))) {
		fwrite(xb, 1, bytes, fp);
		fclose(fp);
	}
	if ((fd = open(path, O_RDONLY)) >= 0) {
		void *m = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);

		mapped = m == MAP_FAILED ? NULL : m;
		close(fd);
	}
	ok(mapped != NULL, "%s: mapped copy", set);

	topk_opts_default(&small);
	small.chunk = 333;
	small.tile_m = 16;
	small.tile_n = 96;
	for (size_t e = 0; e < 3; e++)
		for (size_t ti = 0; ti < 3; ti++) {
			enum gemm_lib lib;

			gemm_lib_parse(engines[e], &lib);
			if (!gemm_type_available(lib, types[ti]))
				continue;
			snprintf(what, sizeof(what), "%s: %s %s", set,
				 engines[e], gemm_type_name(types[ti]));
			check_path(what, xq, nq, xb, nb, d, k, NULL, engines[e],
				   types[ti], NULL);
			snprintf(what, sizeof(what), "%s: %s %s, small tiles, "
				 "streamed", set, engines[e],
				 gemm_type_name(types[ti]));
			small.stream = true;
			if (mapped)
				check_path(what, xq, nq, mapped, nb, d, k, NULL,
					   engines[e], types[ti], &small);
		}
	snprintf(what, sizeof(what), "%s: faiss knn", set);
	check_path(what, xq, nq, xb, nb, d, k, NULL, "faiss", GEMM_F32, NULL);
	/* IVF scanning every list is exact */
	snprintf(factory, sizeof(factory), "IVF%d,Flat", nb >= 1600 ? 16 : 4);
	err_clear(&err);
	if (ok(dense_build(factory, d, xb, nb, 0, &ix, &err) == NS_OK,
	       "%s: %s (%s)", set, factory, err.msg) &&
	    ok(dense_set_param(ix, "nprobe", (double)dense_nlist(ix), &err) ==
		       NS_OK, "%s: nprobe = nlist", set)) {
		snprintf(what, sizeof(what), "%s: %s, nprobe = nlist", set,
			 factory);
		check_path(what, xq, nq, xb, nb, d, k, ix, NULL, GEMM_F32,
			   NULL);
	}
	dense_free(ix);
	ix = NULL;
	/* the same index trained and filled on our engine (auto's way) */
	{
		struct topk_opts eng;

		topk_opts_default(&eng);
		eng.lib = gemm_lib_available(GEMM_ONEDNN) ? GEMM_ONEDNN :
							    GEMM_OPENBLAS;
		if (ok(dense_build_ex(factory, d, xb, nb, 0, 4, &eng, &ix,
				      &err) == NS_OK, "%s: %s on our engine "
		       "(%s)", set, factory, err.msg) &&
		    ok(dense_set_gemm(ix, eng.lib, &err) == NS_OK &&
		       dense_set_param(ix, "nprobe", (double)dense_nlist(ix),
				       &err) == NS_OK,
		       "%s: scans on %s, nprobe = nlist", set,
		       gemm_lib_name(eng.lib))) {
			is_int(dense_ntotal(ix), nb, "all vectors added");
			snprintf(what, sizeof(what), "%s: %s trained on our "
				 "engine, nprobe = nlist", set, factory);
			check_path(what, xq, nq, xb, nb, d, k, ix, NULL,
				   GEMM_F32, NULL);
		}
		dense_free(ix);
	}
	if (mapped)
		munmap((void *)mapped, bytes);
}

static long
read_vecs(const char *path, float **out, int *dim)
{
	FILE *fp = fopen(path, "rb");
	float *buf = NULL;
	long n = 0;
	int32_t d;

	if (!fp)
		return -1;
	while (fread(&d, 4, 1, fp) == 1) {
		buf = xrealloc(buf, (size_t)(n + 1) * (size_t)d * 4);
		if (fread(buf + (size_t)n * d, 4, (size_t)d, fp) != (size_t)d)
			break;
		*dim = d;
		n++;
	}
	fclose(fp);
	*out = buf;
	return n;
}

static void
test_sift(void)
{
	const char *p = tap_data("sift-fvecs-tiledb/queries.fvecs");
	char *qp = p ? xstrdup(p) : NULL, *bp, *lp;
	float *xq = NULL, *xb = NULL, *xl = NULL;
	int dq = 0, db = 0;
	long nq, nb;
	FILE *fp;
	int32_t hdr[2];

	if (!qp)
		return;
	bp = xstrdup(tap_data("sift-fvecs-tiledb/siftmicro_base.fvecs"));
	lp = xstrdup(tap_data("sift-fvecs-tiledb/siftsmall_learn_256pts.fbin"));
	nq = read_vecs(qp, &xq, &dq);
	nb = read_vecs(bp, &xb, &db);
	is_int(nb, 100, "sift: 100 base vectors");
	/* SIFT: integers, unnormalised, many tied scores */
	check_all("sift base", xq, nq, xb, nb, dq, 10);
	/* the 256 learn vectors (.fbin: n, dim, then rows) as a base */
	if ((fp = fopen(lp, "rb")) && fread(hdr, 4, 2, fp) == 2 &&
	    hdr[1] == dq) {
		xl = xmalloc((size_t)hdr[0] * hdr[1] * sizeof(float));
		if (fread(xl, 4, (size_t)hdr[0] * hdr[1], fp) ==
		    (size_t)hdr[0] * hdr[1])
			check_all("sift learn", xq, nq, xl, hdr[0], dq, 20);
	}
	if (fp)
		fclose(fp);
	free(xq);
	free(xb);
	free(xl);
	free(qp);
	free(bp);
	free(lp);
}

/* Clustered unit vectors, as embeddings look. */
static float *
clustered(int64_t n, int d, int nc, uint64_t seed)
{
	float *c = randv((size_t)nc * d, seed * 7 + 1);
	float *x = xmalloc((size_t)n * d * sizeof(float));
	uint64_t st = seed;

	for (int64_t i = 0; i < n; i++) {
		int64_t cc = (int64_t)(filter_rng_next(&st) % (uint64_t)nc);
		double norm = 0;

		for (int t = 0; t < d; t++) {
			float v = c[cc * d + t] +
				  0.6f * (float)(filter_rng_uniform(&st) - 0.5);

			x[i * d + t] = v;
			norm += v * v;
		}
		for (int t = 0; t < d; t++)
			x[i * d + t] /= (float)sqrt(norm);
	}
	free(c);
	return x;
}

static void
test_generated(void)
{
	const int d = 72;
	const int64_t nb = 2500, nq = 150;
	float *xb = clustered(nb, d, 40, 3), *xq = clustered(nq, d, 40, 4);

	/* exact duplicates: ties across chunk and tile edges */
	memcpy(xb + 1000 * d, xb + 7 * d, d * sizeof(float));
	memcpy(xb + 2400 * d, xb + 7 * d, d * sizeof(float));
	check_all("generated", xq, nq, xb, nb, d, 30);
	free(xb);
	free(xq);
}

/*
 * The selection on its own: small integer vectors (every score exact in
 * f32, so the library's scores equal topk_dot's), with many rows tied
 * (37 distinct rows repeated), rows whose scores rise with the row (each
 * one enters, the buffers fill and are cut again and again) and fall with
 * it; k from 1 to past the passages, tiles and chunks cut mid-vector.
 * The rows and scores must be brute force's, ties to the lower row.
 */
static void
test_selection(void)
{
	const int d = 8, ks[] = { 1, 7, 16, 48, 100, 250, 3100 };
	const int64_t nb = 3000, nq = 40;
	const char *what[] = { "ties", "rising", "falling" };
	float *xb = xmalloc((size_t)nb * d * sizeof(float));
	float *xq = xmalloc((size_t)nq * d * sizeof(float));
	struct ns_err err;

	for (int64_t q = 0; q < nq; q++)
		for (int i = 0; i < d; i++)
			xq[q * d + i] = (float)((q * 5 + i * 11) % 7 - 3);
	for (int c = 0; c < 3; c++) {
		for (int64_t r = 0; r < nb; r++)
			for (int i = 0; i < d; i++)
				xb[r * d + i] = c == 0 ?
					(float)((r % 37 * 7 + i * 3) % 5 - 2) :
					i > 0 ? 0.0f :
					c == 1 ? (float)r : (float)(nb - r);
		/* the queries' first value positive: a rising score */
		for (int64_t q = 0; c > 0 && q < nq; q++)
			xq[q * d] = (float)(q % 3 + 1);
		for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
			int k = ks[ki];
			float *s = xmalloc((size_t)nq * k * sizeof(float));
			float *bs = xmalloc((size_t)nq * k * sizeof(float));
			int64_t *l = xmalloc((size_t)nq * k * sizeof(int64_t));
			int64_t *bl = xmalloc((size_t)nq * k * sizeof(int64_t));
			int kb = k < nb ? k : (int)nb;

			for (int64_t i = 0; i < nq * k; i++) {
				bs[i] = -INFINITY;
				bl[i] = -1;
			}
			for (int64_t q = 0; q < nq; q++)
				brute(xq + q * d, 1, xb, nb, d, kb,
				      bs + q * k, bl + q * k);
			/* tiles of 72 and 700 passages: narrower and wider
			 * than a query's slots (2k + 32) */
			for (int lib = 0; lib < 2 * GEMM_NLIBS; lib++) {
				struct topk_opts o;
				struct topk *t = NULL;
				int64_t bad = 0;

				topk_opts_default(&o);
				o.lib = (enum gemm_lib)(lib % GEMM_NLIBS);
				if (!gemm_lib_available(o.lib))
					continue;
				o.chunk = 1000;
				o.tile_m = 16;
				o.tile_n = lib < GEMM_NLIBS ? 72 : 700;
				err_clear(&err);
				if (topk_new(xb, nb, d, &o, &t, &err) ||
				    topk_search(t, xq, nq, k, s, l, &err)) {
					ok(0, "selection: %s", err.msg);
					topk_free(t);
					continue;
				}
				for (int64_t i = 0; i < nq * k; i++)
					if (l[i] != bl[i] ||
					    !(s[i] == bs[i] ||
					      (isinf(s[i]) && isinf(bs[i]))))
						bad++;
				ok(bad == 0, "selection, %s, %s, tiles of %d, "
				   "k = %d: rows and scores of brute force "
				   "(%lld differ)", what[c], gemm_lib_name(o.lib),
				   o.tile_n, k, (long long)bad);
				topk_free(t);
			}
			free(s);
			free(bs);
			free(l);
			free(bl);
		}
	}
	free(xb);
	free(xq);
}

/*
 * Our own kernel packs a corpus once when the copy takes at most a
 * quarter of the memory, else chunk by chunk at each search
 * (NEGSIEVE_MEMORY plays a small machine): the same rows and scores as
 * brute force either way, over several chunks and a last partial panel.
 */
static void
test_packed_chunks(void)
{
	const int d = 8, k = 12;
	const int64_t nb = 70001, nq = 20;
	float *xb = xmalloc((size_t)nb * d * sizeof(float));
	float *xq = xmalloc((size_t)nq * d * sizeof(float));
	float *s = xmalloc((size_t)nq * k * sizeof(float));
	float *bs = xmalloc((size_t)nq * k * sizeof(float));
	int64_t *l = xmalloc((size_t)nq * k * sizeof(int64_t));
	int64_t *bl = xmalloc((size_t)nq * k * sizeof(int64_t));
	struct ns_err err;

	/* small integers: every score exact in f32, many tied (to the
	 * lower row) */
	for (int64_t r = 0; r < nb; r++)
		for (int i = 0; i < d; i++)
			xb[r * d + i] = (float)((r * 7 + i * 13 + r / 97) % 11 - 5);
	for (int64_t q = 0; q < nq; q++)
		for (int i = 0; i < d; i++)
			xq[q * d + i] = (float)((q * 5 + i * 3) % 9 - 4);
	/* the last row, alone in the last panel's 17th column, is the
	 * first query's best */
	for (int i = 0; i < d; i++)
		xb[(nb - 1) * d + i] = xq[i] >= 0 ? 6.0f : -6.0f;

	if (!gemm_lib_available(GEMM_AVX512)) {
		for (int i = 0; i < 4; i++)
			skip("no AVX-512 on this CPU", "packed search %d", i);
		goto out;
	}
	brute(xq, nq, xb, nb, d, k, bs, bl);
	for (int small = 0; small < 2; small++) {
		struct topk_opts o;
		struct topk *t = NULL;
		int64_t bad = 0;

		if (small)
			setenv("NEGSIEVE_MEMORY", "4000000", 1);
		topk_opts_default(&o);
		o.lib = GEMM_AVX512;
		err_clear(&err);
		if (topk_new(xb, nb, d, &o, &t, &err) ||
		    topk_search(t, xq, nq, k, s, l, &err)) {
			ok(0, "packed: %s", err.msg);
			ok(0, "packed: no search");
		} else {
			if (small)
				ok(topk_chunk(t) < nb, "packed on a 4 MB "
				   "machine: chunk by chunk (%lld of %lld)",
				   (long long)topk_chunk(t), (long long)nb);
			else
				is_int(topk_chunk(t), nb, "packed once");
			for (int64_t i = 0; i < nq * k; i++)
				if (l[i] != bl[i] || s[i] != bs[i])
					bad++;
			ok(bad == 0, "packed %s: rows and scores of brute "
			   "force (%lld differ)", small ? "by chunk" : "once",
			   (long long)bad);
		}
		topk_free(t);
		unsetenv("NEGSIEVE_MEMORY");
	}
out:
	free(xb);
	free(xq);
	free(s);
	free(bs);
	free(l);
	free(bl);
}

static void
test_bound(void)
{
	const int d = 64, k = 40;
	const int64_t nb = 900, nq = 30;
	float *xb = clustered(nb, d, 10, 5), *xq = clustered(nq, d, 10, 6);
	float *dist = xmalloc((size_t)nq * k * sizeof(float));
	int64_t *lab = xmalloc((size_t)nq * k * sizeof(int64_t));
	struct ns_err err;

	for (size_t ti = 1; ti < 3; ti++) {
		struct topk_opts o;
		struct topk *t = NULL;
		double worst = 0;

		topk_opts_default(&o);
		o.lib = GEMM_ONEDNN;
		o.type = types[ti];
		if (!gemm_type_available(o.lib, o.type))
			continue;
		err_clear(&err);
		topk_new(xb, nb, d, &o, &t, &err);
		topk_search(t, xq, nq, k, dist, lab, &err);
		for (int64_t q = 0; q < nq; q++) {
			double b = topk_bound(t, xq + q * d);

			for (int i = 0; i < k; i++) {
				double e = topk_dot(xq + q * d,
						    xb + lab[q * k + i] * d, d);

				if (fabs(dist[q * k + i] - e) / b > worst)
					worst = fabs(dist[q * k + i] - e) / b;
			}
		}
		ok(worst <= 1, "%s screen: |screen - exact| <= bound "
		   "(worst %.3f of it)", gemm_type_name(o.type), worst);
		topk_free(t);
	}
	free(xb);
	free(xq);
	free(dist);
	free(lab);

	/* the worst case of bf16: every element just under half a unit
	 * above 1 (and its sign), so that all round down and every error
	 * of the sum has the same sign (2u of the score: a bound of six
	 * standard deviations held a third of it) */
	{
		const int dd = 256;
		const int64_t n = 64;
		float *v = xmalloc((size_t)n * dd * sizeof(float));
		float dv[4];
		int64_t lv[4];
		struct topk_opts o;
		struct topk *t = NULL;

		for (int64_t i = 0; i < n; i++)
			for (int j = 0; j < dd; j++)
				v[i * dd + j] = (float)((1 + 0.99 * 0x1p-8) *
						(j % 2 ? -1 : 1) *
						(i % 2 ? -1 : 1));
		topk_opts_default(&o);
		o.lib = GEMM_ONEDNN;
		o.type = GEMM_BF16;
		if (gemm_type_available(o.lib, o.type)) {
			double e, b;

			err_clear(&err);
			topk_new(v, n, dd, &o, &t, &err);
			topk_search(t, v, 1, 4, dv, lv, &err);
			e = topk_dot(v, v + lv[0] * dd, dd);
			b = topk_bound(t, v);
			ok(fabs(dv[0] - e) > 0.9 * 0x1p-8 * 2 * e &&
			   fabs(dv[0] - e) <= b, "bf16 screen, every rounding "
			   "one way: |screen - exact| %.4g <= bound %.4g",
			   fabs(dv[0] - e), b);
			topk_free(t);
		}
		free(v);
	}
}

/* Resident kB of the mapping that starts at @addr (/proc/self/smaps); -1
 * when it cannot be read. */
static long
mapping_rss(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			in = a == (unsigned long)(uintptr_t)addr;
		else if (in && sscanf(line, "Rss: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* topk_rows_advise() and topk_release(): the pages of rows read at
 * random after a streamed search leave the resident memory again, the
 * rows asked for. */
static void
test_rows_advise(void)
{
	const int64_t nb = 8192;
	const int dim = 64;
	size_t bytes = (size_t)nb * dim * sizeof(float);
	char path[1100];
	float *xb = xcalloc((size_t)nb * dim, sizeof(float)), sum = 0;
	int64_t rows[] = { -1, 0, 1, 2, 3, 4, 5, 100, 101, 2000, 4095, 9000 };
	const float *m = NULL;
	struct topk_opts o;
	struct topk *t = NULL;
	struct ns_err err;
	long full, half, none;
	FILE *fp;
	int fd;

	err_clear(&err);
	snprintf(path, sizeof(path), "%s/rows.f32", tap_tmpdir());
	if ((fp = fopen(path, "wb"))) {
		fwrite(xb, 1, bytes, fp);
		fclose(fp);
	}
	if ((fd = open(path, O_RDONLY)) >= 0) {
		void *p = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);

		m = p == MAP_FAILED ? NULL : p;
		close(fd);
	}
	topk_opts_default(&o);
	o.stream = true;
	if (!ok(m && topk_new(m, nb, dim, &o, &t, &err) == NS_OK,
		"rows: a streaming engine over a mapped file (%s)", err.msg))
		goto out;
	/* rows out of range are skipped; none at all: nothing */
	topk_rows_advise(t, rows, (int64_t)(sizeof(rows) / sizeof(*rows)));
	topk_rows_advise(t, rows, 0);
	for (size_t i = 0; i < (size_t)nb * dim; i++)
		sum += m[i];
	full = mapping_rss(m);
	topk_release(t, -5, nb / 2);
	half = mapping_rss(m);
	topk_release(t, nb / 2, nb + 5);
	none = mapping_rss(m);
	if (full < 0) {
		skip("no /proc/self/smaps", "rows: resident memory");
	} else {
		ok(full >= (long)(bytes / 1024) - 4,
		   "rows: all read: %ld kB resident", full);
		/* at most the other half stays (a huge page mapping of the
		 * file goes whole) */
		ok(half <= full / 2 + 8, "rows: the first half released: "
		   "%ld kB", half);
		ok(none <= 8, "rows: all released: %ld kB", none);
	}
	for (size_t i = 0; i < (size_t)nb * dim; i++)
		sum += m[i];
	ok(sum == 0, "rows: the data reads back");
	topk_free(t);
out:
	if (m)
		munmap((void *)m, bytes);
	free(xb);
}

/*
 * Selection buffers are per thread: on many threads a search takes fewer
 * queries at once (mining batches, k-means blocks), so that they stay
 * within 256 MB.
 */
static void
test_batch_max(void)
{
#ifdef _OPENMP
	int was = omp_get_max_threads();
	const size_t slot = sizeof(float) + sizeof(int64_t);
	int64_t b;

	omp_set_num_threads(2);
	is_int((long long)topk_sel_bytes(62),
	       2 * (2 * 62 + 32) * (long long)slot,
	       "selection bytes per query: 2 threads x (2k + 32) slots");
	ok(topk_batch_max(62) >= 4096 &&
	   mine_screen_batch(NULL, 10000, 62, 384) == 4096,
	   "2 threads: batches of 4096 (%lld at most)",
	   (long long)topk_batch_max(62));
	omp_set_num_threads(64);
	b = topk_batch_max(62);
	ok(b >= 1024 && b < 4096 &&
	   (size_t)b * topk_sel_bytes(62) <= ((size_t)256 << 20),
	   "64 threads: %lld queries at once, %zu MB of buffers", (long long)b,
	   (size_t)b * topk_sel_bytes(62) >> 20);
	is_int(mine_screen_batch(NULL, 10000, 62, 384), b,
	       "64 threads: mining batches as large");
	omp_set_num_threads(was);
#else
	skip("no OpenMP", "selection buffers per thread");
#endif
}

int
main(void)
{
	test_batch_max();
	test_rows_advise();
	test_conversions();
	test_products();
	test_probe();
	test_sift();
	test_generated();
	test_selection();
	test_packed_chunks();
	test_bound();
	return tap_done();
}
