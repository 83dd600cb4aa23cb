/*
 * gemm_avx512.c - our own f32 product for exact search (see gemm.h):
 * C = A . B^T with B (the passages) packed once into panels of
 * GEMM_PANEL rows, k-major, and A (the queries) into groups of
 * GEMM_GROUP rows, k-major.  A micro-kernel keeps a group x panel tile
 * of scores in 28 registers over the whole inner dimension; the search's
 * variant (gemm_avx512_scan()) tests the tile against each query's
 * threshold while it is still in registers, so the scores are never
 * stored and read back, and only rows with a score above their threshold
 * reach the caller.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GEMM_X86 1
#endif

#include "src/gemm.h"
#include "src/util.h"

/* Passages per block: the block's packed panels stay in L2 (1 MB) while
 * every query group of the call passes over them. */
static int64_t
gemm_block_rows(int k)
{
	int64_t n = ((int64_t)1 << 20) / ((int64_t)k * 4);

	n = n / GEMM_PANEL * GEMM_PANEL;
	return n < GEMM_PANEL ? GEMM_PANEL : n;
}

bool
gemm_avx512_available(void)
{
#ifdef GEMM_X86
	/* NEGSIEVE_NO_AVX512 (any value): as on a CPU without it, for tests */
	if (getenv("NEGSIEVE_NO_AVX512"))
		return false;
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f");
#else
	return false;
#endif
}

size_t
gemm_pack_size(int64_t n, int k, int rows)
{
	return (size_t)((n + rows - 1) / rows) * (size_t)rows * (size_t)k;
}

void
gemm_pack(const float *x, int64_t n, int k, int64_t ld, int rows,
	  float *out)
{
	for (int64_t r0 = 0; r0 < n; r0 += rows) {
		float *o = out + (size_t)r0 * (size_t)k;
		int nr = n - r0 < rows ? (int)(n - r0) : rows;

		const float *s = x + (size_t)r0 * (size_t)ld;

		/* written in order, read across the block's rows (a 100k x
		 * 384 corpus: 65 ms, against 100-135 ms row by row) */
		for (int p = 0; p < k; p++) {
			for (int i = 0; i < nr; i++)
				o[(size_t)p * rows + i] = s[(size_t)i * ld + p];
			for (int i = nr; i < rows; i++)
				o[(size_t)p * rows + i] = 0;
		}
	}
}

#ifdef GEMM_X86
/* The 14 x 32 tile of group @a and panel @b (both packed, inner dimension
 * @k): with @c, stored there (row stride @ldc, @nr rows, @nc columns);
 * else tested, strictly, against the rows' thresholds @thr (@nr of them),
 * and each row with a score above its threshold handed to @hit with its
 * @nc scores. */
#define GEMM_ACC(i) __m512 c##i##a = _mm512_setzero_ps(), \
			c##i##b = _mm512_setzero_ps();
#define GEMM_FMA(i)                                                   \
	{                                                             \
		__m512 x = _mm512_set1_ps(a[i]);                      \
		c##i##a = _mm512_fmadd_ps(x, b0, c##i##a);            \
		c##i##b = _mm512_fmadd_ps(x, b1, c##i##b);            \
	}
#define GEMM_PUT(i)                                                   \
	_mm512_store_ps(t + (i) * GEMM_PANEL, c##i##a);               \
	_mm512_store_ps(t + (i) * GEMM_PANEL + 16, c##i##b);
#define GEMM_TEST(i)                                                  \
	if ((i) < nr) {                                               \
		__m512 th = _mm512_set1_ps(thr[i]);                   \
		if ((_mm512_cmp_ps_mask(c##i##a, th, _CMP_GT_OQ) &    \
		     cm0) |                                           \
		    (_mm512_cmp_ps_mask(c##i##b, th, _CMP_GT_OQ) &    \
		     cm1))                                            \
			any |= 1u << (i);                             \
	}

__attribute__((target("avx512f"))) static inline void
gemm_tile(const float *a, const float *b, int k, float *c, int64_t ldc,
	  int nr, int nc, const float *thr, gemm_hit_fn hit, void *arg,
	  int64_t row0, int64_t col0)
{
	float t[GEMM_GROUP * GEMM_PANEL] __attribute__((aligned(64)));
	GEMM_ACC(0) GEMM_ACC(1) GEMM_ACC(2) GEMM_ACC(3) GEMM_ACC(4)
	GEMM_ACC(5) GEMM_ACC(6) GEMM_ACC(7) GEMM_ACC(8) GEMM_ACC(9)
	GEMM_ACC(10) GEMM_ACC(11) GEMM_ACC(12) GEMM_ACC(13)

	for (int p = 0; p < k; p++) {
		__m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);

		GEMM_FMA(0) GEMM_FMA(1) GEMM_FMA(2) GEMM_FMA(3) GEMM_FMA(4)
		GEMM_FMA(5) GEMM_FMA(6) GEMM_FMA(7) GEMM_FMA(8) GEMM_FMA(9)
		GEMM_FMA(10) GEMM_FMA(11) GEMM_FMA(12) GEMM_FMA(13)
		a += GEMM_GROUP;
		b += GEMM_PANEL;
	}
	if (!c) {
		const __mmask16 cm0 = nc >= 16 ? 0xffff :
					(__mmask16)((1u << nc) - 1);
		const __mmask16 cm1 = nc >= 32 ? 0xffff : nc <= 16 ? 0 :
					(__mmask16)((1u << (nc - 16)) - 1);
		unsigned any = 0;

		GEMM_TEST(0) GEMM_TEST(1) GEMM_TEST(2) GEMM_TEST(3)
		GEMM_TEST(4) GEMM_TEST(5) GEMM_TEST(6) GEMM_TEST(7)
		GEMM_TEST(8) GEMM_TEST(9) GEMM_TEST(10) GEMM_TEST(11)
		GEMM_TEST(12) GEMM_TEST(13)
		if (!any)
			return;
		GEMM_PUT(0) GEMM_PUT(1) GEMM_PUT(2) GEMM_PUT(3) GEMM_PUT(4)
		GEMM_PUT(5) GEMM_PUT(6) GEMM_PUT(7) GEMM_PUT(8) GEMM_PUT(9)
		GEMM_PUT(10) GEMM_PUT(11) GEMM_PUT(12) GEMM_PUT(13)
		for (int i = 0; any; i++, any >>= 1)
			if (any & 1)
				hit(arg, row0 + i, t + i * GEMM_PANEL, col0,
				    nc);
		return;
	}
	if (nr == GEMM_GROUP && nc == GEMM_PANEL) {
		float *o = c;

#define GEMM_OUT(i)                                                   \
	_mm512_storeu_ps(o + (i) * ldc, c##i##a);                     \
	_mm512_storeu_ps(o + (i) * ldc + 16, c##i##b);
		GEMM_OUT(0) GEMM_OUT(1) GEMM_OUT(2) GEMM_OUT(3) GEMM_OUT(4)
		GEMM_OUT(5) GEMM_OUT(6) GEMM_OUT(7) GEMM_OUT(8) GEMM_OUT(9)
		GEMM_OUT(10) GEMM_OUT(11) GEMM_OUT(12) GEMM_OUT(13)
#undef GEMM_OUT
		return;
	}
	GEMM_PUT(0) GEMM_PUT(1) GEMM_PUT(2) GEMM_PUT(3) GEMM_PUT(4)
	GEMM_PUT(5) GEMM_PUT(6) GEMM_PUT(7) GEMM_PUT(8) GEMM_PUT(9)
	GEMM_PUT(10) GEMM_PUT(11) GEMM_PUT(12) GEMM_PUT(13)
	for (int i = 0; i < nr; i++)
		memcpy(c + (size_t)i * (size_t)ldc, t + i * GEMM_PANEL,
		       (size_t)nc * sizeof(float));
}

/* The tiles of packed @a (@m rows) against packed @b (@n rows), block by
 * block of passages, each query group over the block's panels: each
 * row's columns are visited in ascending order. */
__attribute__((target("avx512f"))) static void
gemm_tiles(const float *a, int64_t m, const float *b, int64_t n, int k,
	   float *c, int64_t ldc, const float *thr, gemm_hit_fn hit,
	   void *arg)
{
	const int64_t blk = gemm_block_rows(k);

	for (int64_t j0 = 0; j0 < n; j0 += blk) {
		int64_t j1 = n - j0 < blk ? n : j0 + blk;

		for (int64_t i = 0; i < m; i += GEMM_GROUP) {
			const float *ga = a + (size_t)i * (size_t)k;
			int nr = m - i < GEMM_GROUP ? (int)(m - i) : GEMM_GROUP;

			for (int64_t j = j0; j < j1; j += GEMM_PANEL) {
				int nc = j1 - j < GEMM_PANEL ? (int)(j1 - j) :
							       GEMM_PANEL;

				gemm_tile(ga, b + (size_t)j * (size_t)k, k,
					  c ? c + (size_t)i * (size_t)ldc + j :
					      NULL,
					  ldc, nr, nc, thr ? thr + i : NULL,
					  hit, arg, i, j);
			}
		}
	}
}
#endif

void
gemm_avx512_product(const float *ap, int64_t m, const float *bp, int64_t n,
		    int k, float *c, int64_t ldc)
{
#ifdef GEMM_X86
	gemm_tiles(ap, m, bp, n, k, c, ldc, NULL, NULL, NULL);
#else
	(void)ap, (void)m, (void)bp, (void)n, (void)k, (void)c, (void)ldc;
	abort();
#endif
}

void
gemm_avx512_scan(const float *ap, int64_t m, const float *bp, int64_t n,
		 int k, const float *thr, gemm_hit_fn hit, void *arg)
{
#ifdef GEMM_X86
	gemm_tiles(ap, m, bp, n, k, NULL, 0, thr, hit, arg);
#else
	(void)ap, (void)m, (void)bp, (void)n, (void)k, (void)thr, (void)hit;
	(void)arg;
	abort();
#endif
}
