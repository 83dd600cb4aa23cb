/*
 * topk.c - exact top-k search on the fastest GEMM (see topk.h).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TOPK_X86 1
#endif

#include "src/topk.h"
#include "src/util.h"

#define TOPK_CHUNK 65536
#define TOPK_READ_PIECE ((uintptr_t)128 << 10)	/* see topk_advise_range() */
#define TOPK_TILE_M GEMM_TILE_M	/* see gemm.h */
#define TOPK_TILE_N GEMM_TILE_N
#define TOPK_SEG_TILES 8	/* passage tiles per unit of work */
#define TOPK_SEL_BUDGET ((size_t)256 << 20)	/* see topk_batch_max() */

struct topk {
	const float *xb;	/* nb*dim, borrowed */
	int64_t nb;
	int dim;
	struct topk_opts o;
	struct gemm_kernel *kn;
	size_t esize;		/* bytes per converted value (4, 2, 1) */
	/* converted passages, the whole corpus (memory mode) or one chunk
	 * (streaming): bf16 or int8 rows, or for our own kernel (GEMM_AVX512)
	 * f32 packed in panels (gemm_pack()); NULL for OpenBLAS and oneDNN
	 * in f32 */
	void *conv;
	bool packed;		/* conv holds panels: search fused */
	float *pscale;		/* int8: per-row scale */
	int32_t *pzs;		/* int8: zero point x sum of the row's values */
	int zero, qmax;		/* int8: the u8 range of the queries */
	bool converted;		/* conv covers the whole corpus */
	/* for topk_bound(): maxima over the passages, once searched */
	bool have_norms;
	double pnorm_max, pscale_max;
	double perr_max;	/* bf16: the largest |bf16(p) - p| */
	/* selection buffers, kept between searches (no fresh pages each) */
	float *sel_v;
	int64_t *sel_l;
	size_t sel_slots;
};

void
topk_opts_default(struct topk_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->lib = GEMM_OPENBLAS;
	o->type = GEMM_F32;
}

/* Products of two floats are exact in double; their sum in double has an
 * error far below float's precision, so every path below rounds to the
 * same float but in the rarest near-halfway cases. */
static float
topk_dot_generic(const float *a, const float *b, int dim)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	int i = 0;

	for (; i + 4 <= dim; i += 4) {
		s0 += (double)a[i] * b[i];
		s1 += (double)a[i + 1] * b[i + 1];
		s2 += (double)a[i + 2] * b[i + 2];
		s3 += (double)a[i + 3] * b[i + 3];
	}
	for (; i < dim; i++)
		s0 += (double)a[i] * b[i];
	return (float)((s0 + s1) + (s2 + s3));
}

#ifdef TOPK_X86
__attribute__((target("avx512f"))) static float
topk_dot_avx512(const float *a, const float *b, int dim)
{
	__m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
	double s = 0;
	int i = 0;

	for (; i + 16 <= dim; i += 16) {
		s0 = _mm512_fmadd_pd(_mm512_cvtps_pd(_mm256_loadu_ps(a + i)),
				     _mm512_cvtps_pd(_mm256_loadu_ps(b + i)),
				     s0);
		s1 = _mm512_fmadd_pd(_mm512_cvtps_pd(_mm256_loadu_ps(a + i + 8)),
				     _mm512_cvtps_pd(_mm256_loadu_ps(b + i + 8)),
				     s1);
	}
	for (; i < dim; i++)
		s += (double)a[i] * b[i];
	return (float)(_mm512_reduce_add_pd(_mm512_add_pd(s0, s1)) + s);
}

__attribute__((target("avx2,fma"))) static float
topk_dot_avx2(const float *a, const float *b, int dim)
{
	__m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
	double t[4], s = 0;
	int i = 0;

	for (; i + 8 <= dim; i += 8) {
		s0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(a + i)),
				     _mm256_cvtps_pd(_mm_loadu_ps(b + i)), s0);
		s1 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(a + i + 4)),
				     _mm256_cvtps_pd(_mm_loadu_ps(b + i + 4)),
				     s1);
	}
	for (; i < dim; i++)
		s += (double)a[i] * b[i];
	_mm256_storeu_pd(t, _mm256_add_pd(s0, s1));
	return (float)((t[0] + t[1]) + (t[2] + t[3]) + s);
}
#endif

typedef float (*topk_dot_fn)(const float *, const float *, int);
static topk_dot_fn topk_dot_impl;

static topk_dot_fn
topk_dot_pick(void)
{
#ifdef TOPK_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		return topk_dot_avx512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return topk_dot_avx2;
#endif
	return topk_dot_generic;
}

float
topk_dot(const float *a, const float *b, int dim)
{
	topk_dot_fn f = __atomic_load_n(&topk_dot_impl, __ATOMIC_RELAXED);

	if (!f) {
		f = topk_dot_pick();
		__atomic_store_n(&topk_dot_impl, f, __ATOMIC_RELAXED);
	}
	return f(a, b, dim);
}

/* Convert passage rows [r0, r0+n) into @conv (at row 0), in parallel. */
static void
topk_convert_rows(struct topk *t, int64_t r0, int64_t n, void *conv,
		  float *scale, int32_t *zs)
{
	const int64_t blk = 256;

#pragma omp parallel for schedule(static)
	for (int64_t b = 0; b < n; b += blk) {
		int64_t m = n - b < blk ? n - b : blk;
		const float *x = t->xb + (size_t)(r0 + b) * (size_t)t->dim;

		if (t->packed) {
			gemm_pack(x, m, t->dim, t->dim, GEMM_PANEL,
				  (float *)conv + (size_t)b * t->dim);
		} else if (t->o.type == GEMM_BF16) {
			gemm_to_bf16(x, (size_t)m * (size_t)t->dim,
				     (uint16_t *)conv + (size_t)b * t->dim);
		} else {
			gemm_quantize(x, t->dim, m, 127, 0,
				      (uint8_t *)conv + (size_t)b * t->dim,
				      scale + b, zs + b);
			for (int64_t i = 0; i < m; i++)
				zs[b + i] *= t->zero;
		}
	}
}

/* madvise(@advice) the pages [a, b) (page-aligned). */
static void
topk_madvise(uintptr_t a, uintptr_t b, int advice)
{
	if (b <= a)
		return;
	if (advice != MADV_WILLNEED) {
		madvise((void *)a, b - a, advice);
		return;
	}
	/* the kernel reads at most its readahead window (read_ahead_kb,
	 * 128 KB by default) per MADV_WILLNEED: ask piece by piece, so the
	 * whole range is queued */
	for (uintptr_t p = a; p < b; p += TOPK_READ_PIECE)
		madvise((void *)p, b - p < TOPK_READ_PIECE ? b - p :
				   TOPK_READ_PIECE, MADV_WILLNEED);
}

/* madvise(@advice) the pages of passage rows [r0, r1): those the rows
 * touch (for MADV_DONTNEED only those within the rows). */
static void
topk_advise_range(const struct topk *t, int64_t r0, int64_t r1, int advice)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)(t->xb + (size_t)r0 * (size_t)t->dim);
	uintptr_t b = (uintptr_t)(t->xb + (size_t)r1 * (size_t)t->dim);

	if (pg <= 0 || r1 <= r0)
		return;
	if (advice == MADV_DONTNEED) {
		a = (a + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
		b &= ~((uintptr_t)pg - 1);
	} else {
		a &= ~((uintptr_t)pg - 1);
		b = (b + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
	}
	topk_madvise(a, b, advice);
}

/* Queue MADV_WILLNEED for the @n page ranges @iov: in one system call
 * per 1024 (process_madvise(2), Linux 5.10+) when the kernel takes it,
 * else one each. */
static void
topk_willneed(struct iovec *iov, int n, int *pidfd)
{
#if defined(SYS_process_madvise) && defined(SYS_pidfd_open)
	if (*pidfd == -2)
		*pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (*pidfd >= 0 && syscall(SYS_process_madvise, *pidfd, iov,
				   (size_t)n, MADV_WILLNEED, 0) >= 0)
		return;
#else
	(void)pidfd;
#endif
	for (int i = 0; i < n; i++)
		topk_madvise((uintptr_t)iov[i].iov_base,
			     (uintptr_t)iov[i].iov_base + iov[i].iov_len,
			     MADV_WILLNEED);
}

void
topk_rows_advise(const struct topk *t, const int64_t *rows, int64_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	const size_t rb = (size_t)t->dim * sizeof(float);
	uintptr_t a = 0, b = 0;
	struct iovec iov[1024];
	int niov = 0, pidfd = -2;

	if (!t->o.stream || pg <= 0)
		return;
	/* runs of rows on the same or adjacent pages, one range each (the
	 * kernel reads each up to its readahead window) */
	for (int64_t i = 0; i <= n; i++) {
		uintptr_t ra = 0, rz = 0;

		if (i < n) {
			if (rows[i] < 0 || rows[i] >= t->nb)
				continue;
			ra = (uintptr_t)t->xb + (size_t)rows[i] * rb;
			rz = ra + rb;
			ra &= ~((uintptr_t)pg - 1);
			rz = (rz + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
			if (b > a && ra <= b && rz - a <= TOPK_READ_PIECE) {
				if (rz > b)
					b = rz;
				continue;
			}
		}
		if (b > a) {
			iov[niov].iov_base = (void *)a;
			iov[niov++].iov_len = b - a;
		}
		if (niov == 1024 || (i == n && niov)) {
			topk_willneed(iov, niov, &pidfd);
			niov = 0;
		}
		a = ra;
		b = rz;
	}
	if (pidfd >= 0)
		close(pidfd);
}

void
topk_release(const struct topk *t, int64_t r0, int64_t r1)
{
	if (t->o.stream)
		topk_advise_range(t, r0 < 0 ? 0 : r0, r1 > t->nb ? t->nb : r1,
				  MADV_DONTNEED);
}

/* Drop (@drop) or read ahead the whole pages of passage rows [r0, r1). */
static void
topk_advise(const struct topk *t, int64_t r0, int64_t r1, bool drop)
{
	topk_advise_range(t, r0, r1, drop ? MADV_DONTNEED : MADV_WILLNEED);
}

enum ns_rc
topk_new(const float *xb, int64_t nb, int dim, const struct topk_opts *o,
	 struct topk **out, struct ns_err *err)
{
	struct topk *t = xcalloc(1, sizeof(*t));
	enum ns_rc rc;

	t->xb = xb;
	t->nb = nb;
	t->dim = dim;
	t->o = *o;
	t->packed = o->lib == GEMM_AVX512 && o->type == GEMM_F32;
	/* in memory one chunk: a chunk ends with all threads waiting; but
	 * a packed copy of a corpus larger than a quarter of the memory is
	 * made chunk by chunk at each search */
	if (t->o.chunk <= 0)
		t->o.chunk = o->stream || (t->packed && ns_memory() > 0 &&
					   (double)nb * dim * 4 >
						   ns_memory() / 4) ?
				     TOPK_CHUNK : nb > 0 ? nb : 1;
	if (t->o.tile_m <= 0)
		t->o.tile_m = TOPK_TILE_M;
	if (t->o.tile_n <= 0)
		t->o.tile_n = TOPK_TILE_N;
	if (o->lib == GEMM_AVX512) {
		/* passage tiles and chunks start on a panel */
		t->o.tile_n = (t->o.tile_n + GEMM_PANEL - 1) / GEMM_PANEL *
			      GEMM_PANEL;
		t->o.chunk = (t->o.chunk + GEMM_PANEL - 1) / GEMM_PANEL *
			     GEMM_PANEL;
	}
	if ((rc = gemm_kernel_new(o->lib, o->type, dim, &t->kn, err))) {
		free(t);
		return rc;
	}
	t->esize = o->type == GEMM_F32 ? 4 : o->type == GEMM_BF16 ? 2 : 1;
	gemm_u8_range(&t->zero, &t->qmax);
	/* streaming: no read-around on a page fault (8 MB per 1.5 KB row
	 * on some disks); the search reads each chunk ahead itself and
	 * rows wanted at random are read ahead by topk_rows_advise() */
	if (o->stream)
		topk_advise_range(t, 0, nb, MADV_RANDOM);
	if (o->type != GEMM_F32 || t->packed) {
		/* the whole corpus, or one chunk when streaming or packing
		 * chunk by chunk (packed: a whole last panel) */
		int64_t rows = (o->stream || t->packed) && nb > t->o.chunk ?
				       t->o.chunk : nb;

		t->conv = xmalloc_large(gemm_pack_size(rows > 0 ? rows : 1,
						       dim, GEMM_PANEL) *
					t->esize);
		if (o->type == GEMM_U8S8) {
			t->pscale = xmalloc((size_t)(rows + 1) * sizeof(float));
			t->pzs = xmalloc((size_t)(rows + 1) * sizeof(int32_t));
		}
		if (rows == nb) {
			topk_convert_rows(t, 0, nb, t->conv, t->pscale, t->pzs);
			t->converted = true;
		}
	}
	*out = t;
	return NS_OK;
}

void
topk_free(struct topk *t)
{
	if (!t)
		return;
	gemm_kernel_free(t->kn);
	free(t->conv);
	free(t->sel_v);
	free(t->sel_l);
	free(t->pscale);
	free(t->pzs);
	free(t);
}

enum gemm_type
topk_type(const struct topk *t)
{
	return t->o.type;
}

enum gemm_lib
topk_lib(const struct topk *t)
{
	return t->o.lib;
}

int64_t
topk_chunk(const struct topk *t)
{
	return t->conv && !t->converted ? t->o.chunk : t->nb;
}

/* ---- selection -------------------------------------------------------- */

/* Min-heap of (value, label) ordered by value, then by label descending,
 * so that among equal values the higher row leaves first. */
static inline bool
topk_worse(float av, int64_t al, float bv, int64_t bl)
{
	return av < bv || (av == bv && al > bl);
}

static void
topk_sift(float *hv, int64_t *hl, int k, int i, float v, int64_t l)
{
	for (;;) {
		int c = 2 * i + 1;

		if (c >= k)
			break;
		if (c + 1 < k && topk_worse(hv[c + 1], hl[c + 1], hv[c], hl[c]))
			c++;
		if (!topk_worse(hv[c], hl[c], v, l))
			break;
		hv[i] = hv[c];
		hl[i] = hl[c];
		i = c;
	}
	hv[i] = v;
	hl[i] = l;
}

/* Index of the first of @x[j..n) above @thr, or n. */
static int64_t
topk_scan_generic(const float *x, int64_t j, int64_t n, float thr)
{
	for (; j + 8 <= n; j += 8) {
		int any = 0;

		for (int t = 0; t < 8; t++)
			any |= x[j + t] > thr;
		if (any)
			break;
	}
	for (; j < n; j++)
		if (x[j] > thr)
			return j;
	return n;
}

#ifdef TOPK_X86
__attribute__((target("avx512f"))) static int64_t
topk_scan_avx512(const float *x, int64_t j, int64_t n, float thr)
{
	__m512 t = _mm512_set1_ps(thr);

	for (; j + 32 <= n; j += 32) {
		__mmask16 a = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + j), t,
						 _CMP_GT_OQ);
		__mmask16 b = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + j + 16),
						 t, _CMP_GT_OQ);

		if (a | b)
			break;
	}
	for (; j < n; j++)
		if (x[j] > thr)
			return j;
	return n;
}

__attribute__((target("avx2"))) static int64_t
topk_scan_avx2(const float *x, int64_t j, int64_t n, float thr)
{
	__m256 t = _mm256_set1_ps(thr);

	for (; j + 16 <= n; j += 16) {
		__m256 a = _mm256_cmp_ps(_mm256_loadu_ps(x + j), t, _CMP_GT_OQ);
		__m256 b = _mm256_cmp_ps(_mm256_loadu_ps(x + j + 8), t,
					 _CMP_GT_OQ);

		if (_mm256_movemask_ps(_mm256_or_ps(a, b)))
			break;
	}
	for (; j < n; j++)
		if (x[j] > thr)
			return j;
	return n;
}

/* int8: v = (float)(c - zs) * sc, in place over the int32 tile row. */
__attribute__((target("avx512f"))) static void
topk_dequant_avx512(int32_t *c, const int32_t *zs, const float *sc, int64_t n)
{
	int64_t j = 0;

	for (; j + 16 <= n; j += 16) {
		__m512i v = _mm512_sub_epi32(_mm512_loadu_si512(c + j),
					     _mm512_loadu_si512(zs + j));
		__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(v),
					 _mm512_loadu_ps(sc + j));

		_mm512_storeu_ps((float *)(c + j), f);
	}
	for (; j < n; j++) {
		float f = (float)(c[j] - zs[j]) * sc[j];

		memcpy(&c[j], &f, 4);
	}
}
#endif

static void
topk_dequant_generic(int32_t *c, const int32_t *zs, const float *sc,
		     int64_t n)
{
	for (int64_t j = 0; j < n; j++) {
		float f = (float)(c[j] - zs[j]) * sc[j];

		memcpy(&c[j], &f, 4);
	}
}

/* sum (bf16(x_i) - x_i)^2 of a row, in double (for topk_bound()). */
static double
topk_bf16_err2(const float *x, int dim)
{
	double e = 0;

	for (int i = 0; i < dim; i++) {
		uint32_t u = (uint32_t)gemm_bf16_bits(x[i]) << 16;
		float r;
		double d;

		memcpy(&r, &u, 4);
		d = (double)r - x[i];

		e += d * d;
	}
	return e;
}

/* sum x_i^2 of a row, in double (for topk_bound()). */
static double
topk_norms_generic(const float *x, int dim)
{
	double a = 0;

	for (int i = 0; i < dim; i++)
		a += (double)x[i] * x[i];
	return a;
}

#ifdef TOPK_X86
__attribute__((target("avx512f"))) static double
topk_norms_avx512(const float *x, int dim)
{
	__m512d a = _mm512_setzero_pd();
	int i = 0;

	for (; i + 8 <= dim; i += 8) {
		__m512d v = _mm512_cvtps_pd(_mm256_loadu_ps(x + i));

		a = _mm512_fmadd_pd(v, v, a);
	}
	return _mm512_reduce_add_pd(a) + topk_norms_generic(x + i, dim - i);
}
#endif

typedef double (*topk_norms_fn)(const float *, int);
static topk_norms_fn topk_norms = topk_norms_generic;

typedef int64_t (*topk_scan_fn)(const float *, int64_t, int64_t, float);
typedef void (*topk_dequant_fn)(int32_t *, const int32_t *, const float *,
				int64_t);

static topk_scan_fn topk_scan = topk_scan_generic;
static topk_dequant_fn topk_dequant = topk_dequant_generic;


/* Heap to "best first" (value descending, then row ascending). */
static void
topk_heap_sort(float *hv, int64_t *hl, int k)
{
	for (int i = k - 1; i > 0; i--) {
		float v = hv[i];
		int64_t l = hl[i];

		hv[i] = hv[0];
		hl[i] = hl[0];
		topk_sift(hv, hl, i, 0, v, l);
	}
}

/*
 * Selection buffers: each query collects the rows scoring above its
 * threshold, unsorted, in @cap slots; when they fill, a selection keeps
 * the k best (value descending, then row ascending) and the k-th best
 * becomes the threshold (or, cut without sorting, keeps every entry
 * scoring at least the k-th best value).  New rows come in ascending
 * order, so one scoring exactly the threshold loses the tie and is left
 * out, as it would be at the end.  Until the first selection the
 * threshold is -inf.  Each thread has buffers of its own (topk_search()),
 * merged by topk_sel_finish().
 */
struct topk_sel {
	float *v;		/* cap values per query */
	int64_t *l;		/* cap rows per query */
	int *n;			/* entries per query */
	float *thr;		/* threshold per query */
	/* shared by the threads' buffers: per query, just below the
	 * highest k-th best any thread has (a row scoring under it has k
	 * rows scoring more elsewhere; one scoring it exactly may still
	 * win a tie on its row).  Read and raised atomically. */
	float *floor;
	int k, cap;
};

/* Slots per query: room for k and as many again (and one vector). */
static int
topk_sel_cap(int k)
{
	return 2 * k + 32;
}

static inline bool
topk_better(float av, int64_t al, float bv, int64_t bl)
{
	return av > bv || (av == bv && al < bl);
}

/* Reorder @v, @l[0..n) so that the @k best come first and [k-1] is the
 * k-th best (the rows are distinct: a strict total order). */
static void
topk_select(float *v, int64_t *l, int n, int k)
{
	int lo = 0, hi = n - 1, kk = k - 1;

	if (k <= 0 || k >= n)
		return;
	while (lo < hi) {
		/* the pivot: the median of the first, middle and last (after
		 * a selection [k-1] holds the old threshold, the worst) */
		int mid = lo + (hi - lo) / 2, p = mid;
		bool a_b = topk_better(v[lo], l[lo], v[mid], l[mid]);
		bool b_c = topk_better(v[mid], l[mid], v[hi], l[hi]);
		bool a_c = topk_better(v[lo], l[lo], v[hi], l[hi]);
		float pv;
		int64_t pl;
		int i = lo, j = hi;

		if (a_b != b_c)		/* mid is not in between */
			p = a_b == a_c ? hi : lo;
		pv = v[p];
		pl = l[p];

		do {
			while (topk_better(v[i], l[i], pv, pl))
				i++;
			while (topk_better(pv, pl, v[j], l[j]))
				j--;
			if (i <= j) {
				float tv = v[i];
				int64_t tl = l[i];

				v[i] = v[j];
				l[i] = l[j];
				v[j] = tv;
				l[j] = tl;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < kk)
			lo = i;
		if (kk < i)
			hi = j;
	}
}

/* *@f = max(*@f, @v), atomically. */
static void
topk_floor_raise(float *f, float v)
{
	float cur;

	__atomic_load(f, &cur, __ATOMIC_RELAXED);
	while (v > cur && !__atomic_compare_exchange(f, &cur, &v, true,
						     __ATOMIC_RELAXED,
						     __ATOMIC_RELAXED))
		;
}

/* Query @q's threshold is now @t (k entries score @t or more): the shared
 * floor just below it. */
static void
topk_sel_raise(struct topk_sel *s, int64_t q, float t)
{
	s->thr[q] = t;
	if (s->floor)
		topk_floor_raise(&s->floor[q], nextafterf(t, -INFINITY));
}

/* Keep query @q's k best, raise its threshold to the k-th. */
static void
topk_sel_compact(struct topk_sel *s, int64_t q)
{
	float *v = s->v + (size_t)q * s->cap;
	int64_t *l = s->l + (size_t)q * s->cap;

	if (s->n[q] <= s->k)
		return;
	topk_select(v, l, s->n[q], s->k);
	s->n[q] = s->k;
	topk_sel_raise(s, q, v[s->k - 1]);
}

/* The threshold query @q's rows are tested against (strictly): its own,
 * or the threads' shared floor when that is higher. */
static inline float
topk_sel_thr(const struct topk_sel *s, int64_t q)
{
	float f;

	if (!s->floor)
		return s->thr[q];
	__atomic_load(&s->floor[q], &f, __ATOMIC_RELAXED);
	return f > s->thr[q] ? f : s->thr[q];
}

#ifdef TOPK_X86
/* The lanes of the last (partial) vector of @left values. */
static inline __mmask16
topk_lanes(int left)
{
	return left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
}

/* A float's bits as an unsigned key in the float's order (not NaN). */
__attribute__((target("avx512f"))) static inline __m512i
topk_key16(__m512 x)
{
	__m512i b = _mm512_castps_si512(x);
	__m512i neg = _mm512_srai_epi32(b, 31);

	return _mm512_xor_si512(b, _mm512_or_si512(neg, _mm512_set1_epi32(
						       (int)0x80000000u)));
}

/*
 * topk_sel_compact() without sorting, while a buffer fills: the k-th best
 * value T is found by bisecting the values' keys (counting those >= a key
 * takes a compare per 16), and the entries below T are dropped.  Any
 * threshold T with k entries >= T excludes later rows scoring T or less
 * (they lose ties on their higher rows), so entries tied at T may all
 * stay; only when ties would leave no room does the exact selection run.
 */
__attribute__((target("avx512f"))) static void
topk_sel_cut_avx512(struct topk_sel *s, int64_t q)
{
	float *v = s->v + (size_t)q * s->cap;
	int64_t *l = s->l + (size_t)q * s->cap;
	const int n = s->n[q], k = s->k;
	__m512i kmin = _mm512_set1_epi32(-1), kmax = _mm512_setzero_si512();
	uint32_t lo, hi, kt;
	float t;
	int c = 0;

	if (n <= k)
		return;
	for (int j = 0; j < n; j += 16) {
		__mmask16 m = topk_lanes(n - j);
		__m512i key = topk_key16(_mm512_maskz_loadu_ps(m, v + j));

		kmin = _mm512_mask_min_epu32(kmin, m, kmin, key);
		kmax = _mm512_mask_max_epu32(kmax, m, kmax, key);
	}
	lo = (uint32_t)_mm512_reduce_min_epu32(kmin);
	hi = (uint32_t)_mm512_reduce_max_epu32(kmax);
	/* the largest key with at least k entries at or above it */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2 + 1;
		__m512i vm = _mm512_set1_epi32((int)mid);
		int cnt = 0;

		for (int j = 0; j < n; j += 16) {
			__mmask16 m = topk_lanes(n - j);
			__m512i key = topk_key16(
				_mm512_maskz_loadu_ps(m, v + j));

			cnt += __builtin_popcount(
				_mm512_mask_cmpge_epu32_mask(m, key, vm));
		}
		if (cnt >= k)
			lo = mid;
		else
			hi = mid - 1;
	}
	kt = lo ^ (lo >> 31 ? 0x80000000u : 0xffffffffu);
	memcpy(&t, &kt, sizeof(t));
	/* keep the entries >= t, in place */
	for (int j = 0; j < n; j += 16) {
		__mmask16 m = topk_lanes(n - j);
		__m512 x = _mm512_maskz_loadu_ps(m, v + j);
		__m512i l0 = _mm512_maskz_loadu_epi64((__mmask8)m, l + j);
		__m512i l1 = _mm512_maskz_loadu_epi64((__mmask8)(m >> 8),
						      l + j + 8);
		__mmask16 keep = _mm512_mask_cmp_ps_mask(m, x,
							 _mm512_set1_ps(t),
							 _CMP_GE_OQ);

		_mm512_mask_compressstoreu_ps(v + c, keep, x);
		_mm512_mask_compressstoreu_epi64(l + c, (__mmask8)keep, l0);
		c += __builtin_popcount(keep & 0xff);
		_mm512_mask_compressstoreu_epi64(l + c, (__mmask8)(keep >> 8),
						 l1);
		c += __builtin_popcount(keep >> 8);
	}
	s->n[q] = c;
	if (c > s->cap - 32) {
		/* ties: the exact k */
		topk_sel_compact(s, q);
		return;
	}
	topk_sel_raise(s, q, t);
}
#endif

/* Add the scores @x[0..n) of rows base.. to query @q's buffer. */
static void
topk_push_generic(struct topk_sel *s, int64_t q, const float *x, int64_t n,
		  int64_t base)
{
	float *v = s->v + (size_t)q * s->cap;
	int64_t *l = s->l + (size_t)q * s->cap;
	int64_t j = 0;

	for (;;) {
		j = topk_scan(x, j, n, topk_sel_thr(s, q));
		if (j >= n)
			break;
		/* full (the vector loop may fill every slot): room first */
		if (s->n[q] >= s->cap) {
			topk_sel_compact(s, q);
			continue;
		}
		v[s->n[q]] = x[j];
		l[s->n[q]] = base + j;
		s->n[q]++;
		j++;
	}
}

#ifdef TOPK_X86
/* The same, 16 scores at a time: those above the threshold are appended
 * with one compressing store each for values and rows. */
__attribute__((target("avx512f"))) static void
topk_push_avx512(struct topk_sel *s, int64_t q, const float *x, int64_t n,
		 int64_t base)
{
	float *v = s->v + (size_t)q * s->cap;
	int64_t *l = s->l + (size_t)q * s->cap;
	__m512 t = _mm512_set1_ps(topk_sel_thr(s, q));
	const __m512i step = _mm512_set1_epi64(8);
	__m512i r0 = _mm512_add_epi64(_mm512_set1_epi64(base),
				      _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6,
							7));
	int64_t j = 0;

	for (; j + 16 <= n; j += 16) {
		/* the score tile is cold (a product wrote it): fetch 1 KB
		 * ahead, into the next row at a row's end (measured: -2% of
		 * the f32 job's time) */
		_mm_prefetch((const char *)(x + j) + 1024, _MM_HINT_T0);
		__mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + j), t,
						 _CMP_GT_OQ);

		if (m) {
			int c;

			/* room for 16 (the generic tail may leave less) */
			if (s->n[q] > s->cap - 16) {
				topk_sel_cut_avx512(s, q);
				t = _mm512_set1_ps(topk_sel_thr(s, q));
				m = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + j),
						       t, _CMP_GT_OQ);
			}
			c = s->n[q];

			_mm512_mask_compressstoreu_ps(v + c, m,
						      _mm512_loadu_ps(x + j));
			_mm512_mask_compressstoreu_epi64(l + c,
							 (__mmask8)m, r0);
			c += __builtin_popcount(m & 0xff);
			_mm512_mask_compressstoreu_epi64(
			    l + c, (__mmask8)(m >> 8),
			    _mm512_add_epi64(r0, step));
			s->n[q] += __builtin_popcount(m);
		}
		r0 = _mm512_add_epi64(r0, _mm512_add_epi64(step, step));
	}
	if (j < n)
		topk_push_generic(s, q, x + j, n - j, base + j);
}
#endif

typedef void (*topk_push_fn)(struct topk_sel *, int64_t, const float *,
			     int64_t, int64_t);
static topk_push_fn topk_push = topk_push_generic;

static void
topk_pick_kernels(void)
{
#ifdef TOPK_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f")) {
		topk_scan = topk_scan_avx512;
		topk_dequant = topk_dequant_avx512;
		topk_push = topk_push_avx512;
		topk_norms = topk_norms_avx512;
	} else if (__builtin_cpu_supports("avx2")) {
		topk_scan = topk_scan_avx2;
	}
#endif
}

/* Query @q's k best over the @nsel threads' buffers @s, best first (value
 * descending, then row ascending), into @dist[k] and @label[k] (-inf and
 * -1 past the end).  The buffers are cut to k, then merged into the first
 * one pair by pair (2k entries fit its 2k + 32 slots). */
static void
topk_sel_finish(struct topk_sel *s, int nsel, int64_t q, float *dist,
		int64_t *label)
{
	float *v = s->v + (size_t)q * s->cap;
	int64_t *l = s->l + (size_t)q * s->cap;
	int n;

	topk_sel_compact(&s[0], q);
	for (int t = 1; t < nsel; t++) {
		size_t o = (size_t)q * s[t].cap;

		topk_sel_compact(&s[t], q);
		memcpy(v + s->n[q], s[t].v + o, (size_t)s[t].n[q] * sizeof(*v));
		memcpy(l + s->n[q], s[t].l + o, (size_t)s[t].n[q] * sizeof(*l));
		s->n[q] += s[t].n[q];
		topk_sel_compact(&s[0], q);
	}
	n = s->n[q];
	memcpy(dist, v, (size_t)n * sizeof(*dist));
	memcpy(label, l, (size_t)n * sizeof(*label));
	/* a min-heap of the n, sorted */
	for (int i = n / 2 - 1; i >= 0; i--)
		topk_sift(dist, label, n, i, dist[i], label[i]);
	topk_heap_sort(dist, label, n);
	for (int i = n; i < s->k; i++) {
		dist[i] = -INFINITY;
		label[i] = -1;
	}
}

/* ---- search ----------------------------------------------------------- */

int
topk_threads(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}

size_t
topk_sel_bytes(int k)
{
	return (size_t)topk_threads() * (size_t)topk_sel_cap(k) *
	       (sizeof(float) + sizeof(int64_t));
}

int64_t
topk_batch_max(int k)
{
	int64_t n = (int64_t)(TOPK_SEL_BUDGET / topk_sel_bytes(k > 0 ? k : 1));

	return n < 1024 ? 1024 : n;
}

static int
topk_thread_num(void)
{
#ifdef _OPENMP
	return omp_get_thread_num();
#else
	return 0;
#endif
}

/* A fused scan's state (gemm_avx512_scan()): the thread's buffers, the
 * unit's first query and passage row, its queries' thresholds. */
struct topk_fused {
	struct topk_sel *sel;
	int64_t q0, base;
	float *thr;
};

/* Row @i of the unit has a score above its threshold among @x[0..n)
 * (passages @j0.. of the tile): into its buffer, the threshold kept. */
static void
topk_hit(void *arg, int64_t i, const float *x, int64_t j0, int n)
{
	struct topk_fused *f = arg;

	topk_push(f->sel, f->q0 + i, x, n, f->base + j0);
	f->thr[i] = topk_sel_thr(f->sel, f->q0 + i);
}

enum ns_rc
topk_search(struct topk *t, const float *xq, int64_t nq, int k, float *dist,
	    int64_t *label, struct ns_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const int dim = t->dim;
	const size_t es = t->esize;
	void *qa = NULL;
	float *qscale = NULL;
	int32_t *qsum = NULL;
	float *floor = NULL, *qpk = NULL;
	int64_t mt, nt = t->o.tile_n, ntiles, seg;
	int nth = topk_threads(), failed = 0, cap;
	double pn = 0, ps = 0, pe = 0;
	struct topk_sel *sel;
	size_t per;

	pthread_once(&once, topk_pick_kernels);
	if (nq <= 0 || k <= 0)
		return NS_OK;
	/* a selection buffer per thread (see topk_sel_finish()) */
	cap = topk_sel_cap(k);
	per = (size_t)nq * (size_t)cap;
	if (t->sel_slots < per * (size_t)nth) {
		t->sel_slots = per * (size_t)nth;
		free(t->sel_v);
		free(t->sel_l);
		t->sel_v = xmalloc_large(t->sel_slots * sizeof(float));
		t->sel_l = xmalloc_large(t->sel_slots * sizeof(int64_t));
	}
	if (nth > 1) {
		floor = xmalloc((size_t)nq * sizeof(float));
		for (int64_t i = 0; i < nq; i++)
			floor[i] = -INFINITY;
	}
	sel = xmalloc((size_t)nth * sizeof(*sel));
	for (int i = 0; i < nth; i++) {
		sel[i].k = k;
		sel[i].cap = cap;
		sel[i].v = t->sel_v + per * (size_t)i;
		sel[i].l = t->sel_l + per * (size_t)i;
		sel[i].n = xcalloc((size_t)nq, sizeof(int));
		sel[i].thr = xmalloc((size_t)nq * sizeof(float));
		sel[i].floor = floor;
		for (int64_t q = 0; q < nq; q++)
			sel[i].thr[q] = -INFINITY;
	}
	/* the query side in the screening precision */
	if (t->o.type == GEMM_BF16) {
		qa = xmalloc((size_t)nq * (size_t)dim * 2);
		gemm_to_bf16(xq, (size_t)nq * (size_t)dim, qa);
	} else if (t->o.type == GEMM_U8S8) {
		qa = xmalloc((size_t)nq * (size_t)dim);
		qscale = xmalloc((size_t)nq * sizeof(float));
		qsum = xmalloc((size_t)nq * sizeof(int32_t));
		gemm_quantize(xq, dim, nq, t->qmax, t->zero, qa, qscale, qsum);
	}
	/*
	 * Work: query tiles of equal size (at most tile_m queries) times
	 * segments of TOPK_SEG_TILES passage tiles, handed out to whichever
	 * thread is free, segment by segment (every query tile's first,
	 * then every tile's second, ...: the threads read the same passages
	 * at about the same time).  Each thread keeps its own buffers, so
	 * any thread may take any unit; small units keep all threads busy
	 * to the end of a search (and of a chunk) even while the caller's
	 * thread takes a core from one of them.  (Whole query tiles, 0.3 s
	 * each, left a core idle for ~0.1 s per search on 2 cores.)
	 */
	ntiles = (nq + t->o.tile_m - 1) / t->o.tile_m;
	mt = (nq + ntiles - 1) / ntiles;
	mt = (mt + 15) / 16 * 16;
	ntiles = (nq + mt - 1) / mt;
	seg = nt * TOPK_SEG_TILES;
	/* our own kernel: each query tile packed once for all its units */
	if (t->packed) {
		size_t per_tile = gemm_pack_size(mt, dim, GEMM_GROUP);

		qpk = xmalloc((size_t)ntiles * per_tile * sizeof(float));
#pragma omp parallel for schedule(static)
		for (int64_t ti = 0; ti < ntiles; ti++) {
			int64_t q0 = ti * mt, m = nq - q0 < mt ? nq - q0 : mt;

			gemm_pack(xq + (size_t)q0 * dim, m, dim, dim,
				  GEMM_GROUP, qpk + (size_t)ti * per_tile);
		}
	}
	if (t->o.stream)
		topk_advise(t, 0, t->nb < t->o.chunk ? t->nb : t->o.chunk,
			    false);
	gemm_serial_begin();
	for (int64_t c0 = 0; c0 < t->nb && !failed; c0 += t->o.chunk) {
		int64_t cn = t->nb - c0 < t->o.chunk ? t->nb - c0 : t->o.chunk;
		int64_t nseg = (cn + seg - 1) / seg;
		const char *pb;
		const float *psc = NULL;
		const int32_t *pzs = NULL;

		if (t->o.stream && c0 + cn < t->nb)
			topk_advise(t, c0 + cn, c0 + cn +
				    (t->nb - c0 - cn < t->o.chunk ?
				     t->nb - c0 - cn : t->o.chunk), false);
		if (!t->conv) {
			pb = (const char *)(t->xb + (size_t)c0 * (size_t)dim);
		} else if (t->converted) {
			pb = (const char *)t->conv + (size_t)c0 * dim * es;
			psc = t->pscale ? t->pscale + c0 : NULL;
			pzs = t->pzs ? t->pzs + c0 : NULL;
		} else {
			topk_convert_rows(t, c0, cn, t->conv, t->pscale,
					  t->pzs);
			pb = t->conv;
			psc = t->pscale;
			pzs = t->pzs;
		}
		/* maxima for topk_bound(), from the first search */
		if (!t->have_norms) {
#pragma omp parallel for reduction(max : pn, ps, pe) schedule(static)
			for (int64_t r = 0; r < cn; r++) {
				const float *x = t->xb + (size_t)(c0 + r) * dim;
				double s = topk_norms(x, dim);

				if (s > pn)
					pn = s;
				if (t->o.type == GEMM_BF16 &&
				    (s = topk_bf16_err2(x, dim)) > pe)
					pe = s;
				if (psc && psc[r] > ps)
					ps = psc[r];
			}
		}
#pragma omp parallel
		{
			struct gemm_ctx *cx = t->packed ? NULL :
					      gemm_ctx_new(t->kn);
			float *ct = t->packed ? NULL :
				    xmalloc((size_t)mt * (size_t)nt * 4);
			struct topk_sel *my = &sel[topk_thread_num()];
			struct topk_fused fu = { my, 0, 0, NULL };

			if (t->packed)
				fu.thr = xmalloc((size_t)mt * sizeof(float));

			/* a thread's units come in ascending order, so each
			 * query's rows reach a buffer in ascending order (the
			 * tie rule of struct topk_sel) */
#pragma omp for schedule(dynamic, 1)
			for (int64_t u = 0; u < ntiles * nseg; u++) {
				int64_t q0 = u % ntiles * mt;
				int64_t m = nq - q0 < mt ? nq - q0 : mt;
				int64_t s0 = u / ntiles * seg;
				int64_t s1 = cn - s0 < seg ? cn : s0 + seg;
				const char *a = qa ? (const char *)qa +
					(size_t)q0 * dim * es :
					(const char *)(xq + (size_t)q0 * dim);

				if (t->packed) {
					/* each passage tile tested in
					 * registers */
					const float *qp = qpk + (size_t)(q0 / mt) *
						gemm_pack_size(mt, dim, GEMM_GROUP);

					fu.q0 = q0;
					for (int64_t j0 = s0; j0 < s1;
					     j0 += nt) {
						int64_t n = s1 - j0 < nt ?
							s1 - j0 : nt;

						for (int64_t i = 0; i < m; i++)
							fu.thr[i] = topk_sel_thr(
								my, q0 + i);
						fu.base = c0 + j0;
						gemm_avx512_scan(
						    qp, m,
						    (const float *)pb +
							(size_t)j0 * dim,
						    n, dim, fu.thr, topk_hit,
						    &fu);
					}
					continue;
				}
				for (int64_t j0 = s0; j0 < s1 && !failed;
				     j0 += nt) {
					int64_t n = s1 - j0 < nt ? s1 - j0 : nt;

					if (gemm_run(t->kn, cx, m, n, a, dim,
						     pb + (size_t)j0 * dim * es,
						     dim, ct, n)) {
#pragma omp atomic write
						failed = 1;
						break;
					}
					for (int64_t i = 0; i < m; i++) {
						float *row = ct + (size_t)i * n;

						if (pzs)
							topk_dequant(
							    (int32_t *)row,
							    pzs + j0, psc + j0,
							    n);
						topk_push(my, q0 + i, row, n,
							  c0 + j0);
					}
				}
			}
			free(ct);
			free(fu.thr);
			gemm_ctx_free(cx);
		}
		if (t->o.stream)
			topk_advise(t, c0, c0 + cn, true);
	}
	gemm_serial_end();
	if (!t->have_norms && !failed) {
		t->pnorm_max = sqrt(pn);
		t->perr_max = sqrt(pe);
		t->pscale_max = ps;
		t->have_norms = true;
	}
#pragma omp parallel for schedule(static)
	for (int64_t q = 0; q < nq; q++) {
		topk_sel_finish(sel, nth, q, dist + q * k, label + q * k);
		if (qscale)
			for (int i = 0; i < k; i++)
				dist[q * k + i] *= qscale[q];
	}
	free(qa);
	free(qpk);
	free(qscale);
	free(qsum);
	for (int i = 0; i < nth; i++) {
		free(sel[i].n);
		free(sel[i].thr);
	}
	free(sel);
	free(floor);
	if (failed)
		return err_set(err, NS_EINTERNAL, "%s: a %s product of the "
			       "exact search failed", gemm_lib_name(t->o.lib),
			       gemm_type_name(t->o.type));
	return NS_OK;
}

double
topk_bound(const struct topk *t, const float *q)
{
	const double u24 = 0x1p-24, u8 = 0x1p-8;
	double qn = 0, qm = 0, pn = t->pnorm_max, d = t->dim;

	for (int i = 0; i < t->dim; i++) {
		qn += (double)q[i] * q[i];
		if (fabs(q[i]) > qm)
			qm = fabs(q[i]);
	}
	qn = sqrt(qn);
	switch (t->o.type) {
	case GEMM_F32:
		/* |fl(sum) - sum| <= gamma_d sum |q_i p_i| <= gamma_d |q||p|
		 * for the screen's sum and for topk_dot()'s, whatever the
		 * order of their additions; gamma_d < 1.01 d u24 for d up
		 * to 2^17 */
		return 2 * 1.01 * d * u24 * qn * pn;
	case GEMM_BF16: {
		/* with q' = bf16(q), p' = bf16(p) (to nearest: |p'| <= (1 +
		 * u)|p|, u = 2^-8), q'.p' - q.p = (q' - q).p' + q.(p' - p)
		 * exactly, so by Cauchy-Schwarz it is at most |q' - q| (1 +
		 * u)|p| + |q| |p' - p|, both rounding errors measured (the
		 * passages' largest, from the first search); about 2u/sqrt(3)
		 * |q||p| against 2u |q||p| for the bound on each element's
		 * relative error.  The products of two bf16 values are exact
		 * in f32 and their sum is within gamma_d of its value,
		 * topk_dot()'s too.  Inputs below 2^-126 that the hardware
		 * may treat as 0 move a score by less than d 2^-126 |x|_inf:
		 * covered by the last term for vectors of norm below 2^20. */
		double eq = sqrt(topk_bf16_err2(q, t->dim));

		return 1.0001 * (eq * (1 + u8) * pn + qn * t->perr_max) +
		       1.01 * d * u24 * ((1 + u8) * (1 + u8) + 1) * qn * pn +
		       d * 0x1p-100;
	}
	case GEMM_U8S8: {
		double sq = qm > 0 ? qm / t->qmax : 0, sp = t->pscale_max;

		/* errors uniform in +-s/2 (variance s^2/12) on each side:
		 * 6 sigma of sum q_i e_p,i + p_i e_q,i, plus the worst
		 * case of sum e_q,i e_p,i */
		return 6 * sqrt((qn * qn * sp * sp + pn * pn * sq * sq) / 12) +
		       d * sq * sp / 4;
	}
	}
	return INFINITY;
}
