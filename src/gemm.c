/*
 * gemm.c - products through OpenBLAS, oneDNN or our own kernel
 * (gemm_avx512.c), and the probe that picks the fastest (see gemm.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_DEFAULT */
#endif

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

#include "src/filter.h"
#include "src/gemm.h"
#include "src/util.h"

/* The Fortran BLAS entry point (LP64), as faiss calls it. */
extern int sgemm_(const char *transa, const char *transb, const int *m,
		  const int *n, const int *k, const float *alpha,
		  const float *a, const int *lda, const float *b,
		  const int *ldb, const float *beta, float *c, const int *ldc);

static const char *const gemm_lib_names[GEMM_NLIBS] = { "openblas",
							"onednn", "avx512" };

const char *
gemm_lib_name(enum gemm_lib lib)
{
	return (unsigned)lib < GEMM_NLIBS ? gemm_lib_names[lib] : "?";
}

const char *
gemm_type_name(enum gemm_type type)
{
	switch (type) {
	case GEMM_F32:
		return "f32";
	case GEMM_BF16:
		return "bf16";
	case GEMM_U8S8:
		return "int8";
	}
	return "?";
}

bool
gemm_lib_available(enum gemm_lib lib)
{
	switch (lib) {
	case GEMM_OPENBLAS:
		return true;
	case GEMM_ONEDNN:
#ifdef HAVE_DNNL
		return true;
#else
		return false;
#endif
	case GEMM_AVX512:
		return gemm_avx512_available();
	case GEMM_NLIBS:
		break;
	}
	return false;
}

bool
gemm_type_available(enum gemm_lib lib, enum gemm_type type)
{
	if (!gemm_lib_available(lib))
		return false;
	return type == GEMM_F32 || lib == GEMM_ONEDNN;
}

bool
gemm_lib_parse(const char *s, enum gemm_lib *lib)
{
	for (int i = 0; i < GEMM_NLIBS; i++)
		if (s && strcmp(s, gemm_lib_names[i]) == 0) {
			*lib = (enum gemm_lib)i;
			return true;
		}
	return false;
}

/* ---- OpenBLAS threads ------------------------------------------------- */

typedef void (*ob_set_fn)(int);
typedef int (*ob_get_fn)(void);

static pthread_mutex_t gemm_serial_lock = PTHREAD_MUTEX_INITIALIZER;
static int gemm_serial_depth, gemm_serial_saved;

void
gemm_serial_begin(void)
{
	ob_set_fn set;
	ob_get_fn get;

	*(void **)&set = dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
	*(void **)&get = dlsym(RTLD_DEFAULT, "openblas_get_num_threads");
	pthread_mutex_lock(&gemm_serial_lock);
	if (gemm_serial_depth++ == 0 && set && get) {
		gemm_serial_saved = get();
		set(1);
	}
	pthread_mutex_unlock(&gemm_serial_lock);
}

void
gemm_serial_end(void)
{
	ob_set_fn set;

	*(void **)&set = dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
	pthread_mutex_lock(&gemm_serial_lock);
	if (gemm_serial_depth > 0 && --gemm_serial_depth == 0 && set &&
	    gemm_serial_saved > 0)
		set(gemm_serial_saved);
	pthread_mutex_unlock(&gemm_serial_lock);
}

/* ---- kernels ---------------------------------------------------------- */

#ifdef HAVE_DNNL
/* A primitive for one shape (or for shapes given at run time).  Its
 * scratchpad belongs to the caller (gemm_ctx): with the library's own, one
 * primitive run by several threads at once would share it. */
struct gemm_prim {
	int64_t m, n, lda, ldb, ldc;
	dnnl_primitive_t p;
	dnnl_memory_desc_t scratch_md;
	size_t scratch;		/* bytes of scratchpad it needs */
};

#define GEMM_PRIMS 24

static dnnl_engine_t gemm_engine;
static pthread_once_t gemm_engine_once = PTHREAD_ONCE_INIT;

static void
gemm_engine_init(void)
{
	if (dnnl_engine_create(&gemm_engine, dnnl_cpu, 0) != dnnl_success)
		gemm_engine = NULL;
}
#endif

struct gemm_kernel {
	enum gemm_lib lib;
	enum gemm_type type;
	int k;
#ifdef HAVE_DNNL
	pthread_mutex_t lock;		/* guards prims */
	struct gemm_prim prims[GEMM_PRIMS];
	int nprims;
	struct gemm_prim runtime;	/* M, N and strides at run time */
#endif
};

struct gemm_ctx {
	float *pa, *pb;		/* avx512: the operands packed */
	size_t na, nb;		/* their sizes (floats) */
#ifdef HAVE_DNNL
	dnnl_stream_t stream;
	void *scratch;		/* this thread's scratchpad */
	size_t scratch_len;
#endif
	int unused;
};

#ifdef HAVE_DNNL
static dnnl_data_type_t
gemm_dt_a(enum gemm_type t)
{
	return t == GEMM_BF16 ? dnnl_bf16 : t == GEMM_U8S8 ? dnnl_u8 : dnnl_f32;
}

static dnnl_data_type_t
gemm_dt_b(enum gemm_type t)
{
	return t == GEMM_BF16 ? dnnl_bf16 : t == GEMM_U8S8 ? dnnl_s8 : dnnl_f32;
}

static dnnl_data_type_t
gemm_dt_c(enum gemm_type t)
{
	return t == GEMM_U8S8 ? dnnl_s32 : dnnl_f32;
}

/* The three memory descriptors of C = A . B^T (any of the sizes may be
 * DNNL_RUNTIME_DIM_VAL). */
static int
gemm_descs(enum gemm_type t, int64_t m, int64_t n, int64_t k, int64_t lda,
	   int64_t ldb, int64_t ldc, dnnl_memory_desc_t *a,
	   dnnl_memory_desc_t *b, dnnl_memory_desc_t *c)
{
	dnnl_dims_t da = { m, k }, db = { k, n }, dc = { m, n };
	dnnl_dims_t sa = { lda, 1 }, sb = { 1, ldb }, sc = { ldc, 1 };

	return dnnl_memory_desc_init_by_strides(a, 2, da, gemm_dt_a(t), sa) !=
		       dnnl_success ||
	       dnnl_memory_desc_init_by_strides(b, 2, db, gemm_dt_b(t), sb) !=
		       dnnl_success ||
	       dnnl_memory_desc_init_by_strides(c, 2, dc, gemm_dt_c(t), sc) !=
		       dnnl_success;
}

/* Make @g's primitive; 0 on success. */
static int
gemm_prim_new(struct gemm_prim *g, enum gemm_type t, int64_t m, int64_t n,
	      int64_t k, int64_t lda, int64_t ldb, int64_t ldc)
{
	dnnl_memory_desc_t a, b, c;
	dnnl_matmul_desc_t md;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_primitive_desc_t pd = NULL;
	const dnnl_memory_desc_t *smd;
	int rc = -1;

	memset(g, 0, sizeof(*g));
	if (!gemm_engine || gemm_descs(t, m, n, k, lda, ldb, ldc, &a, &b, &c) ||
	    dnnl_matmul_desc_init(&md, &a, &b, NULL, &c) != dnnl_success ||
	    dnnl_primitive_attr_create(&attr) != dnnl_success)
		return -1;
	if (dnnl_primitive_attr_set_scratchpad_mode(attr,
			dnnl_scratchpad_mode_user) == dnnl_success &&
	    dnnl_primitive_desc_create(&pd, &md, attr, gemm_engine, NULL) ==
		    dnnl_success &&
	    (smd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md,
						0)) &&
	    dnnl_primitive_create(&g->p, pd) == dnnl_success) {
		g->scratch_md = *smd;
		g->scratch = dnnl_memory_desc_get_size(smd);
		g->m = m;
		g->n = n;
		g->lda = lda;
		g->ldb = ldb;
		g->ldc = ldc;
		rc = 0;
	}
	if (pd)
		dnnl_primitive_desc_destroy(pd);
	dnnl_primitive_attr_destroy(attr);
	return rc;
}

/* The primitive for this shape: a fixed-shape one (made once and kept; the
 * tile loops use a handful of shapes) or the run-time-shape one. */
static const struct gemm_prim *
gemm_prim_get(struct gemm_kernel *kn, int64_t m, int64_t n, int64_t lda,
	      int64_t ldb, int64_t ldc)
{
	const struct gemm_prim *p = NULL;

	pthread_mutex_lock(&kn->lock);
	for (int i = 0; i < kn->nprims; i++) {
		struct gemm_prim *g = &kn->prims[i];

		if (g->m == m && g->n == n && g->lda == lda && g->ldb == ldb &&
		    g->ldc == ldc) {
			p = g;
			break;
		}
	}
	if (!p && kn->nprims < GEMM_PRIMS &&
	    gemm_prim_new(&kn->prims[kn->nprims], kn->type, m, n, kn->k, lda,
			  ldb, ldc) == 0)
		p = &kn->prims[kn->nprims++];
	if (!p)
		p = &kn->runtime;
	pthread_mutex_unlock(&kn->lock);
	return p;
}
#endif

enum ns_rc
gemm_kernel_new(enum gemm_lib lib, enum gemm_type type, int k,
		struct gemm_kernel **out, struct ns_err *err)
{
	struct gemm_kernel *kn;

	if (lib == GEMM_AVX512 && !gemm_lib_available(lib))
		return err_set(err, NS_EINPUT, "avx512 products are not "
			       "available on this CPU: it has no AVX-512F "
			       "(use openblas or onednn)");
	if (!gemm_type_available(lib, type))
		return err_set(err, NS_EINPUT, "%s products are not available "
			       "through %s in this build%s",
			       gemm_type_name(type), gemm_lib_name(lib),
			       gemm_lib_available(GEMM_ONEDNN) ? "" :
			       " (it needs oneDNN: apt-get install "
			       "libdnnl-dev, then rebuild)");
	kn = xcalloc(1, sizeof(*kn));
	kn->lib = lib;
	kn->type = type;
	kn->k = k;
#ifdef HAVE_DNNL
	pthread_mutex_init(&kn->lock, NULL);
	if (lib == GEMM_ONEDNN) {
		const int64_t rt = DNNL_RUNTIME_DIM_VAL;

		pthread_once(&gemm_engine_once, gemm_engine_init);
		if (gemm_prim_new(&kn->runtime, type, rt, rt, k, rt, rt, rt)) {
			gemm_kernel_free(kn);
			return err_set(err, NS_EINTERNAL, "oneDNN: cannot "
				       "create a %s matmul of inner dimension "
				       "%d", gemm_type_name(type), k);
		}
	}
#endif
	*out = kn;
	return NS_OK;
}

void
gemm_kernel_free(struct gemm_kernel *kn)
{
	if (!kn)
		return;
#ifdef HAVE_DNNL
	for (int i = 0; i < kn->nprims; i++)
		dnnl_primitive_destroy(kn->prims[i].p);
	if (kn->runtime.p)
		dnnl_primitive_destroy(kn->runtime.p);
	pthread_mutex_destroy(&kn->lock);
#endif
	free(kn);
}

enum gemm_lib
gemm_kernel_lib(const struct gemm_kernel *kn)
{
	return kn->lib;
}

enum gemm_type
gemm_kernel_type(const struct gemm_kernel *kn)
{
	return kn->type;
}

struct gemm_ctx *
gemm_ctx_new(struct gemm_kernel *kn)
{
	struct gemm_ctx *cx = xcalloc(1, sizeof(*cx));

#ifdef HAVE_DNNL
	if (kn->lib == GEMM_ONEDNN &&
	    dnnl_stream_create(&cx->stream, gemm_engine,
			       dnnl_stream_default_flags) != dnnl_success)
		cx->stream = NULL;
#else
	(void)kn;
#endif
	return cx;
}

void
gemm_ctx_free(struct gemm_ctx *cx)
{
	if (!cx)
		return;
	free(cx->pa);
	free(cx->pb);
#ifdef HAVE_DNNL
	if (cx->stream)
		dnnl_stream_destroy(cx->stream);
	free(cx->scratch);
#endif
	free(cx);
}

int
gemm_run(struct gemm_kernel *kn, struct gemm_ctx *cx, int64_t m, int64_t n,
	 const void *a, int64_t lda, const void *b, int64_t ldb, void *c,
	 int64_t ldc)
{
	if (m <= 0 || n <= 0)
		return 0;
	if (kn->lib == GEMM_OPENBLAS) {
		const float one = 1, zero = 0;
		int mi = (int)m, ni = (int)n, ki = kn->k, la = (int)lda,
		    lb = (int)ldb, lc = (int)ldc;

		/* column-major: C^T (n x m) = B (n x k) . A^T */
		sgemm_("T", "N", &ni, &mi, &ki, &one, b, &lb, a, &la, &zero,
		       c, &lc);
		return 0;
	}
	if (kn->lib == GEMM_AVX512) {
		size_t na = gemm_pack_size(m, kn->k, GEMM_GROUP);
		size_t nb = gemm_pack_size(n, kn->k, GEMM_PANEL);

		if (!cx)
			return -1;
		if (na > cx->na) {
			free(cx->pa);
			cx->pa = xmalloc_large(na * sizeof(float));
			cx->na = na;
		}
		if (nb > cx->nb) {
			free(cx->pb);
			cx->pb = xmalloc_large(nb * sizeof(float));
			cx->nb = nb;
		}
		gemm_pack(a, m, kn->k, lda, GEMM_GROUP, cx->pa);
		gemm_pack(b, n, kn->k, ldb, GEMM_PANEL, cx->pb);
		gemm_avx512_product(cx->pa, m, cx->pb, n, kn->k, c, ldc);
		return 0;
	}
#ifdef HAVE_DNNL
	{
		const struct gemm_prim *g = gemm_prim_get(kn, m, n, lda, ldb,
							   ldc);
		dnnl_memory_desc_t da, db, dc;
		dnnl_memory_t ma = NULL, mb = NULL, mc = NULL, ms = NULL;
		int rc = -1;

		if (!g->p || !cx || !cx->stream ||
		    gemm_descs(kn->type, m, n, kn->k, lda, ldb, ldc, &da, &db,
			       &dc))
			return -1;
		if (g->scratch > cx->scratch_len) {
			free(cx->scratch);
			cx->scratch = xmalloc(g->scratch);
			cx->scratch_len = g->scratch;
		}
		if (dnnl_memory_create(&ma, &da, gemm_engine, (void *)a) ==
			    dnnl_success &&
		    dnnl_memory_create(&mb, &db, gemm_engine, (void *)b) ==
			    dnnl_success &&
		    dnnl_memory_create(&mc, &dc, gemm_engine, c) ==
			    dnnl_success &&
		    dnnl_memory_create(&ms, &g->scratch_md, gemm_engine,
				       cx->scratch) == dnnl_success) {
			dnnl_exec_arg_t args[4] = {
				{ DNNL_ARG_SRC, ma },
				{ DNNL_ARG_WEIGHTS, mb },
				{ DNNL_ARG_DST, mc },
				{ DNNL_ARG_SCRATCHPAD, ms },
			};

			if (dnnl_primitive_execute(g->p, cx->stream, 4, args) ==
				    dnnl_success &&
			    dnnl_stream_wait(cx->stream) == dnnl_success)
				rc = 0;
		}
		if (ma)
			dnnl_memory_destroy(ma);
		if (mb)
			dnnl_memory_destroy(mb);
		if (mc)
			dnnl_memory_destroy(mc);
		if (ms)
			dnnl_memory_destroy(ms);
		return rc;
	}
#else
	(void)cx;
	(void)a;
	(void)b;
	(void)c;
	return -1;
#endif
}

/* ---- conversions ---------------------------------------------------- */

/* Branch-free, so that the compiler vectorises it (a clone per vector
 * width, picked at load time). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default"),
	       optimize("tree-vectorize")))
#endif
void
gemm_to_bf16(const float *x, size_t n, uint16_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = gemm_bf16_bits(x[i]);
}

void
gemm_quantize(const float *x, int dim, int64_t rows, int qmax, int zero,
	      uint8_t *out, float *scale, int32_t *sum)
{
	for (int64_t r = 0; r < rows; r++) {
		const float *v = x + (size_t)r * (size_t)dim;
		uint8_t *o = out + (size_t)r * (size_t)dim;
		float mx = 0, s, inv;
		int32_t t = 0;

		for (int i = 0; i < dim; i++)
			if (fabsf(v[i]) > mx)
				mx = fabsf(v[i]);
		s = mx > 0 && isfinite(mx) ? mx / (float)qmax : 1.0f;
		inv = 1.0f / s;
		for (int i = 0; i < dim; i++) {
			long q = lrintf(v[i] * inv);

			q = q > qmax ? qmax : q < -qmax ? -qmax : q;
			t += (int32_t)q;
			o[i] = (uint8_t)(int8_t)(q + zero);
		}
		scale[r] = s;
		if (sum)
			sum[r] = t;
	}
}

void
gemm_u8_range(int *zero, int *qmax)
{
	*zero = 64;
	*qmax = 63;
#ifdef HAVE_DNNL
	{
		dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();

		/* vpdpbusd (VNNI) sums u8 x s8 products into 32 bits; older
		 * AVX-512/AVX2 code pairs them in 16 bits first */
		if (isa == dnnl_cpu_isa_avx512_core_vnni ||
		    isa == dnnl_cpu_isa_avx512_core_bf16 ||
		    isa == dnnl_cpu_isa_avx512_core_amx ||
		    isa == dnnl_cpu_isa_avx2_vnni) {
			*zero = 128;
			*qmax = 127;
		}
	}
#endif
}

/* ---- probe ---------------------------------------------------------- */

static int
gemm_threads(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
#endif
}

/* CPU model, threads and library versions: what the probe's answer
 * depends on. */
static void
gemm_machine(char *buf, size_t size)
{
	char model[128] = "unknown CPU", line[512];
	FILE *fp = fopen("/proc/cpuinfo", "r");
	typedef char *(*cfg_fn)(void);
	cfg_fn cfg;
	char ob[96] = "OpenBLAS ?";

	if (fp) {
		while (fgets(line, sizeof(line), fp))
			if (strncmp(line, "model name", 10) == 0) {
				char *v = strchr(line, ':');

				if (v) {
					v++;
					while (*v == ' ' || *v == '\t')
						v++;
					v[strcspn(v, "\n")] = 0;
					snprintf(model, sizeof(model), "%s", v);
				}
				break;
			}
		fclose(fp);
	}
	*(void **)&cfg = dlsym(RTLD_DEFAULT, "openblas_get_config");
	if (cfg && cfg()) {
		/* "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64" */
		snprintf(ob, sizeof(ob), "%s", cfg());
		for (char *t = ob; *t; t++)
			if (*t == '\t' || *t == '\n')
				*t = ' ';
	}
#ifdef HAVE_DNNL
	{
		const dnnl_version_t *v = dnnl_version();

		snprintf(buf, size, "%s; %d threads; %s; oneDNN %d.%d.%d",
			 model, gemm_threads(), ob, v->major, v->minor,
			 v->patch);
	}
#else
	snprintf(buf, size, "%s; %d threads; %s; no oneDNN", model,
		 gemm_threads(), ob);
#endif
}

/* Scores of @c[0..n) above @thr: the test exact search makes of every
 * score a library wrote (topk_push()), for the probe. */
static size_t
gemm_probe_scan(const float *c, size_t n, float thr)
{
	size_t above = 0;

	for (size_t i = 0; i < n; i++)
		above += c[i] > thr;
	return above;
}

/* No score is above an infinite threshold: never called. */
static void
gemm_probe_hit(void *arg, int64_t i, const float *x, int64_t j0, int n)
{
	(void)i, (void)x, (void)j0, (void)n;
	++*(size_t *)arg;
}

/* Seconds for the @m x @n x @k product of @a and @b through @kn, in
 * tiles on every thread as exact search runs it, each score tested
 * against a threshold (our own kernel: from the passages packed once,
 * @bp, its queries packed once per query tile, tested in registers; a
 * library's tile read again after the product); < 0 when a product
 * failed. */
static double
gemm_probe_time(struct gemm_kernel *kn, int m, int n, int k, const void *av,
		const void *bv, const float *bp)
{
	/* bytes per element of @av and @bv: the kernel's input type */
	const size_t es = gemm_kernel_type(kn) == GEMM_BF16 ? 2 : 4;
	const char *a = av, *b = bv;
	const int tm = m < GEMM_TILE_M ? m : GEMM_TILE_M;
	const int tn = n < GEMM_TILE_N ? n : GEMM_TILE_N;
	const int mt = (m + tm - 1) / tm;
	int failed = 0;
	double t = now_seconds();

	gemm_serial_begin();
#pragma omp parallel
	{
		struct gemm_ctx *cx = gemm_ctx_new(kn);
		float *c = xmalloc((size_t)tm * (size_t)tn * sizeof(float));
		float *pa = bp ? xmalloc(gemm_pack_size(tm, k, GEMM_GROUP) *
					 sizeof(float)) : NULL;
		float *thr = xmalloc((size_t)tm * sizeof(float));
		size_t above = 0;

		for (int i = 0; i < tm; i++)
			thr[i] = INFINITY;

#pragma omp for schedule(dynamic, 1)
		for (int ti = 0; ti < mt; ti++) {
			int q0 = ti * tm, mm = m - q0 < tm ? m - q0 : tm;

			if (pa)
				gemm_pack((const float *)av + (size_t)q0 *
					  (size_t)k, mm, k, k, GEMM_GROUP, pa);
			for (int j0 = 0; j0 < n; j0 += tn) {
				int nn = n - j0 < tn ? n - j0 : tn;

				if (pa)
					gemm_avx512_scan(pa, mm, bp +
							 (size_t)j0 * k, nn, k,
							 thr, gemm_probe_hit,
							 &above);
				else if (gemm_run(kn, cx, mm, nn,
						  a + (size_t)q0 * (size_t)k *
							  es, k,
						  b + (size_t)j0 * (size_t)k *
							  es, k, c, nn)) {
#pragma omp atomic write
					failed = 1;
				} else {
					above += gemm_probe_scan(
					    c, (size_t)mm * (size_t)nn,
					    INFINITY);
				}
			}
		}
		/* nothing is above infinity (and the tests are not
		 * optimised away) */
		if (above) {
#pragma omp atomic write
			failed = 1;
		}
		free(thr);
		free(c);
		free(pa);
		gemm_ctx_free(cx);
	}
	gemm_serial_end();
	t = now_seconds() - t;
	return failed ? -1 : t;
}

enum ns_rc
gemm_probe_measure(int m, int n, int k, struct gemm_probe *p,
		   struct ns_err *err)
{
	float *a, *b, *bp = NULL;
	uint16_t *ah = NULL, *bh = NULL;
	struct gemm_kernel *kn[GEMM_NLIBS] = { NULL }, *kh = NULL;
	uint64_t st = 1;
	enum ns_rc rc = NS_OK;
	double flop = 2.0 * m * n * k;

	memset(p, 0, sizeof(*p));
	p->m = m;
	p->n = n;
	p->k = k;
	p->source = "measured";
	p->seconds = now_seconds();
	gemm_machine(p->machine, sizeof(p->machine));
	now_iso8601(p->when, sizeof(p->when));
	a = xmalloc((size_t)m * (size_t)k * sizeof(float));
	b = xmalloc((size_t)n * (size_t)k * sizeof(float));
	for (size_t i = 0; i < (size_t)m * (size_t)k; i++)
		a[i] = (float)(filter_rng_uniform(&st) - 0.5);
	for (size_t i = 0; i < (size_t)n * (size_t)k; i++)
		b[i] = (float)(filter_rng_uniform(&st) - 0.5);
	if (gemm_lib_available(GEMM_AVX512)) {
		bp = xmalloc_large(gemm_pack_size(n, k, GEMM_PANEL) *
				   sizeof(float));
		gemm_pack(b, n, k, k, GEMM_PANEL, bp);
	}
	for (int l = 0; l < GEMM_NLIBS && rc == NS_OK; l++) {
		if (!gemm_lib_available((enum gemm_lib)l))
			continue;
		if ((rc = gemm_kernel_new((enum gemm_lib)l, GEMM_F32, k, &kn[l],
					  err)))
			break;
		/* warm up: thread pools, primitive creation, page faults */
		if (gemm_probe_time(kn[l], m, n, k, a, b,
				    l == GEMM_AVX512 ? bp : NULL) < 0)
			rc = err_set(err, NS_EINTERNAL, "%s: the probe's "
				     "product failed",
				     gemm_lib_name((enum gemm_lib)l));
	}
	/* oneDNN's bf16 product, for --precision auto: a failure only
	 * leaves it unknown (f32 is then used) */
	if (rc == NS_OK && gemm_type_available(GEMM_ONEDNN, GEMM_BF16)) {
		if (gemm_kernel_new(GEMM_ONEDNN, GEMM_BF16, k, &kh, err)) {
			err_clear(err);
			kh = NULL;
		} else {
			ah = xmalloc((size_t)m * (size_t)k * sizeof(*ah));
			bh = xmalloc((size_t)n * (size_t)k * sizeof(*bh));
			gemm_to_bf16(a, (size_t)m * (size_t)k, ah);
			gemm_to_bf16(b, (size_t)n * (size_t)k, bh);
			/* warm up */
			if (gemm_probe_time(kh, m, n, k, ah, bh, NULL) < 0) {
				gemm_kernel_free(kh);
				kh = NULL;
			}
		}
	}
	/* alternate the libraries, best of three: the machine is shared */
	for (int r = 0; r < 3 && rc == NS_OK; r++) {
		double t;

		for (int l = 0; l < GEMM_NLIBS; l++) {
			if (!kn[l])
				continue;
			t = gemm_probe_time(kn[l], m, n, k, a, b,
					    l == GEMM_AVX512 ? bp : NULL);
			if (t > 0 && flop / t / 1e9 > p->rate[l])
				p->rate[l] = flop / t / 1e9;
		}
		if (kh && (t = gemm_probe_time(kh, m, n, k, ah, bh, NULL)) > 0 &&
		    flop / t / 1e9 > p->bf16)
			p->bf16 = flop / t / 1e9;
	}
	p->best = GEMM_OPENBLAS;
	for (int l = 0; l < GEMM_NLIBS; l++)
		if (p->rate[l] > p->rate[p->best])
			p->best = (enum gemm_lib)l;
	for (int l = 0; l < GEMM_NLIBS; l++)
		gemm_kernel_free(kn[l]);
	gemm_kernel_free(kh);
	free(a);
	free(b);
	free(ah);
	free(bh);
	free(bp);
	p->seconds = now_seconds() - p->seconds;
	return rc;
}

/* The cache file's path into @buf; false when there is no home (HOME
 * unset: the password database's). */
static bool
gemm_cache_path(char *buf, size_t size)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	struct passwd *pw;

	if ((!h || !*h) && (pw = getpwuid(getuid())))
		h = pw->pw_dir;

	if (x && *x == '/')
		snprintf(buf, size, "%s/negsieve/gemm-probe", x);
	else if (h && *h)
		snprintf(buf, size, "%s/.cache/negsieve/gemm-probe", h);
	else
		return false;
	return true;
}

/* Cache lines: "v5<TAB>M,N,K<TAB>machine<TAB>when<TAB>best<TAB>rate..."
 * with one "lib=rate" field per library and "bf16=rate" (oneDNN's bf16
 * product).  A line that does not parse is ignored (and replaced at the
 * next write); so are v1 lines, measured on one large product with the
 * libraries' own threads, not in tiles, v2 lines, which did not measure
 * our own kernel, v3 lines, which timed the products without the
 * threshold test exact search makes of every score, and v4 lines, which
 * did not time bf16 (a write drops them all). */
static bool
gemm_cache_read(const char *path, struct gemm_probe *p)
{
	FILE *fp = fopen(path, "r");
	char line[1024], key[64];
	bool found = false;

	if (!fp)
		return false;
	snprintf(key, sizeof(key), "%d,%d,%d", p->m, p->n, p->k);
	while (!found && fgets(line, sizeof(line), fp)) {
		char *f[6 + GEMM_NLIBS], *s = line;
		int nf = 0;
		enum gemm_lib best;

		line[strcspn(line, "\n")] = 0;
		while (nf < 6 + GEMM_NLIBS && s) {
			f[nf++] = s;
			if ((s = strchr(s, '\t')))
				*s++ = 0;
		}
		if (nf < 5 || strcmp(f[0], "v5") || strcmp(f[1], key) ||
		    strcmp(f[2], p->machine) || !gemm_lib_parse(f[4], &best))
			continue;
		memset(p->rate, 0, sizeof(p->rate));
		p->bf16 = 0;
		for (int i = 5; i < nf; i++) {
			char *eq = strchr(f[i], '=');
			enum gemm_lib l;

			if (!eq)
				continue;
			*eq = 0;
			if (gemm_lib_parse(f[i], &l))
				p->rate[l] = strtod(eq + 1, NULL);
			else if (!strcmp(f[i], "bf16"))
				p->bf16 = strtod(eq + 1, NULL);
		}
		if (!gemm_lib_available(best))
			continue;
		p->best = best;
		snprintf(p->when, sizeof(p->when), "%s", f[3]);
		found = true;
	}
	fclose(fp);
	return found;
}

/* Add @p's line to the cache (other lines kept), atomically; false (and
 * errno) when it cannot be written. */
static bool
gemm_cache_write(const char *path, const struct gemm_probe *p)
{
	char dir[512], *tmp, line[1024], key[64];
	FILE *in, *out;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *s = dir + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(dir, 0755);
			*s = '/';
		}
	tmp = xasprintf("%s.tmp-XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0 || !(out = fdopen(fd, "w"))) {
		int e = errno;

		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		errno = e;
		return false;
	}
	snprintf(key, sizeof(key), "v5\t%d,%d,%d\t", p->m, p->n, p->k);
	if ((in = fopen(path, "r"))) {
		size_t kl = strlen(key), ml = strlen(p->machine);

		while (fgets(line, sizeof(line), in))
			if (!strncmp(line, "v5\t", 3) &&
			    !(strncmp(line, key, kl) == 0 &&
			      strncmp(line + kl, p->machine, ml) == 0 &&
			      line[kl + ml] == '\t'))
				fputs(line, out);
		fclose(in);
	}
	fprintf(out, "%s%s\t%s\t%s", key, p->machine, p->when,
		gemm_lib_name(p->best));
	for (int l = 0; l < GEMM_NLIBS; l++)
		fprintf(out, "\t%s=%.1f", gemm_lib_name((enum gemm_lib)l),
			p->rate[l]);
	fprintf(out, "\tbf16=%.1f\n", p->bf16);
	if (fclose(out) != 0 || rename(tmp, path) != 0) {
		int e = errno;

		unlink(tmp);
		free(tmp);
		errno = e;
		return false;
	}
	free(tmp);
	return true;
}

/* A measurement that could not be cached, kept for the rest of the
 * process (a mine asks twice: for the index and for exact search). */
static pthread_mutex_t gemm_memo_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gemm_probe gemm_memo;
static bool gemm_memo_set;

enum ns_rc
gemm_best(bool measure, struct gemm_probe *p, struct ns_err *err)
{
	const char *force = getenv("NEGSIEVE_GEMM"), *shape;
	int m = GEMM_PROBE_M, n = GEMM_PROBE_N, k = GEMM_PROBE_K;
	char path[512] = "";
	enum ns_rc rc;

	memset(p, 0, sizeof(*p));
	if (force && *force) {
		enum gemm_lib l;

		if (!gemm_lib_parse(force, &l) || !gemm_lib_available(l)) {
			char libs[64] = "";

			for (int i = 0; i < GEMM_NLIBS; i++)
				if (gemm_lib_available((enum gemm_lib)i))
					snprintf(libs + strlen(libs),
						 sizeof(libs) - strlen(libs),
						 "%s%s", *libs ? ", " : "",
						 gemm_lib_name(
							 (enum gemm_lib)i));
			return err_set(err, NS_ECONFIG, "NEGSIEVE_GEMM=%s: "
				       "expected one of %s (what this build "
				       "and CPU have)", force, libs);
		}
		p->best = l;
		p->source = "NEGSIEVE_GEMM";
		gemm_machine(p->machine, sizeof(p->machine));
		return NS_OK;
	}
	if ((shape = getenv("NEGSIEVE_GEMM_PROBE")) && *shape) {
		char tail;

		if (sscanf(shape, "%d,%d,%d%c", &m, &n, &k, &tail) != 3 ||
		    m < 1 || n < 1 || k < 1 || m > 65536 || n > 65536 ||
		    k > 65536)
			return err_set(err, NS_ECONFIG, "NEGSIEVE_GEMM_PROBE="
				       "%s: expected M,N,K", shape);
	}
	p->m = m;
	p->n = n;
	p->k = k;
	gemm_machine(p->machine, sizeof(p->machine));
	if (gemm_cache_path(path, sizeof(path))) {
		snprintf(p->cache, sizeof(p->cache), "%s", path);
		if (gemm_cache_read(path, p)) {
			p->source = "cache";
			return NS_OK;
		}
	}
	pthread_mutex_lock(&gemm_memo_lock);
	if (gemm_memo_set && gemm_memo.m == m && gemm_memo.n == n &&
	    gemm_memo.k == k && !strcmp(gemm_memo.machine, p->machine)) {
		*p = gemm_memo;
		pthread_mutex_unlock(&gemm_memo_lock);
		return NS_OK;
	}
	pthread_mutex_unlock(&gemm_memo_lock);
	if (!measure)
		return NS_OK;
	if ((rc = gemm_probe_measure(m, n, k, p, err)))
		return rc;
	snprintf(p->cache, sizeof(p->cache), "%s", path);
	if (!path[0] || !gemm_cache_write(path, p)) {
		/* said once; the process keeps the measurement */
		fprintf(stderr, "note: the GEMM probe's result cannot be "
			"cached%s%s%s%s: each run measures it again (%.1f s)\n",
			path[0] ? " in " : " (no home directory)",
			path[0] ? path : "", path[0] ? ": " : "",
			path[0] ? strerror(errno) : "", p->seconds);
		p->source = "measured, not cached";
		pthread_mutex_lock(&gemm_memo_lock);
		gemm_memo = *p;
		gemm_memo_set = true;
		pthread_mutex_unlock(&gemm_memo_lock);
	}
	return NS_OK;
}

char *
gemm_probe_describe(const struct gemm_probe *p, char *buf, size_t size)
{
	struct strbuf sb;

	strbuf_init(&sb);
	if (!p->source && !p->cache[0]) {
		strbuf_addstr(&sb, "not cached: no home directory for the "
			      "cache (each dense 'negsieve mine' measures "
			      "it)");
	} else if (!p->source) {
		strbuf_addf(&sb, "not measured on this machine yet (the "
			    "first dense 'negsieve mine' measures it and "
			    "caches it in %s)", p->cache);
	} else if (!strcmp(p->source, "NEGSIEVE_GEMM")) {
		strbuf_addf(&sb, "%s (set by NEGSIEVE_GEMM)",
			    gemm_lib_name(p->best));
	} else {
		strbuf_addf(&sb, "%s (", gemm_lib_name(p->best));
		for (int l = 0; l < GEMM_NLIBS; l++)
			if (gemm_lib_available((enum gemm_lib)l))
				strbuf_addf(&sb, "%s %.1f GFLOP/s, ",
					    gemm_lib_name((enum gemm_lib)l),
					    p->rate[l]);
		strbuf_addf(&sb, "f32 at %dx%dx%d in %dx%d tiles; ",
			    p->m, p->n, p->k, GEMM_TILE_M, GEMM_TILE_N);
		if (p->bf16 > 0)
			strbuf_addf(&sb, "onednn bf16 %.1f GFLOP/s; ",
				    p->bf16);
		strbuf_addf(&sb, "%s %s)", p->source, p->when);
	}
	snprintf(buf, size, "%s", sb.buf ? sb.buf : "");
	strbuf_fini(&sb);
	return buf;
}
