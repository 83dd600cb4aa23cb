/*
 * gemm.h - the matrix products of exact search on the fastest library the
 * machine has: OpenBLAS sgemm, oneDNN's matmul primitive (f32, and the
 * bf16 and u8 x s8 products that reduced-precision screening uses) or our
 * own AVX-512 f32 kernel (gemm_avx512.c), which exact search runs fused
 * with its threshold test.
 *
 * Every product here is C[m x n] = A[m x k] . B[n x k]^T with row-major A
 * (queries), B (passages) and C (scores), leading dimensions in elements.
 * Which of them is faster depends on the CPU, so it is
 * measured (gemm_probe_measure()) once per machine at the mining shape and
 * the result kept in a small cache file (gemm_best()).
 *
 * Threads: a product called outside an OpenMP parallel region uses all
 * the library's threads; inside one (the tile loops of topk.c) it runs on
 * the calling thread only, so callers split work across threads
 * themselves.  gemm_serial_begin()/gemm_serial_end() keep OpenBLAS from
 * starting threads of its own meanwhile.
 */
#ifndef NS_GEMM_H
#define NS_GEMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "src/err.h"

#ifdef __cplusplus
extern "C" {
#endif

enum gemm_lib { GEMM_OPENBLAS, GEMM_ONEDNN, GEMM_AVX512, GEMM_NLIBS };

/*
 * Element types: f32 x f32 -> f32; bf16 x bf16 -> f32 (uint16_t storage);
 * u8 (A) x s8 (B) -> s32.  GEMM_BF16 and GEMM_U8S8 need oneDNN.
 */
enum gemm_type { GEMM_F32, GEMM_BF16, GEMM_U8S8 };

/* "openblas", "onednn", "avx512"; "f32", "bf16", "int8". */
const char *gemm_lib_name(enum gemm_lib lib);
const char *gemm_type_name(enum gemm_type type);

/* Whether this build has @lib (OpenBLAS always; oneDNN when configure
 * found libdnnl; avx512 when the CPU has AVX-512F), and whether @lib
 * computes products of @type (avx512: f32 only). */
bool gemm_lib_available(enum gemm_lib lib);
bool gemm_type_available(enum gemm_lib lib, enum gemm_type type);

/* Parse "openblas"/"onednn"/"avx512" into *@lib; false when @s is none. */
bool gemm_lib_parse(const char *s, enum gemm_lib *lib);

/* ---- products ------------------------------------------------------- */

struct gemm_kernel;

/*
 * A kernel computes products of @type with inner dimension @k on @lib.
 * On success *@out owns it (gemm_kernel_free()); NS_EINPUT names the
 * library and type when this build cannot (e.g. bf16 without oneDNN).
 * A kernel may be used by several threads at once, each with its own
 * context (gemm_ctx_new()).
 */
enum ns_rc gemm_kernel_new(enum gemm_lib lib, enum gemm_type type, int k,
			   struct gemm_kernel **out, struct ns_err *err);
void gemm_kernel_free(struct gemm_kernel *kn);
enum gemm_lib gemm_kernel_lib(const struct gemm_kernel *kn);
enum gemm_type gemm_kernel_type(const struct gemm_kernel *kn);

/* Per-thread state of a kernel (oneDNN's stream); NULL-safe free. */
struct gemm_ctx;
struct gemm_ctx *gemm_ctx_new(struct gemm_kernel *kn);
void gemm_ctx_free(struct gemm_ctx *cx);

/*
 * C[m x n] = A[m x k] . B[n x k]^T: A has leading dimension @lda, B @ldb,
 * C @ldc (elements of their types).  Returns 0, or -1 when the library
 * failed (nothing useful in C).
 */
int gemm_run(struct gemm_kernel *kn, struct gemm_ctx *cx, int64_t m,
	     int64_t n, const void *a, int64_t lda, const void *b, int64_t ldb,
	     void *c, int64_t ldc);

/* While a parallel region calls gemm_run() from several threads: OpenBLAS
 * single-threaded (its default restored by gemm_serial_end()). */
void gemm_serial_begin(void);
void gemm_serial_end(void);

/* ---- conversions ---------------------------------------------------- */

/* @n floats to bf16, rounded to nearest even (NaN kept a NaN). */
void gemm_to_bf16(const float *x, size_t n, uint16_t *out);

/* @x rounded to bf16 as gemm_to_bf16() rounds it (to nearest even; a
 * NaN stays one, quiet): its bits. */
static inline uint16_t
gemm_bf16_bits(float x)
{
	uint32_t u;

	memcpy(&u, &x, 4);
	return (uint16_t)((u & 0x7fffffffu) > 0x7f800000u
				  ? (u >> 16) | 0x40
				  : (u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}

/*
 * Rows of @dim floats to 8 bits with one scale per row: out = round(x /
 * scale), scale = max|x| / @qmax (1 for an all-zero row), and, for
 * GEMM_U8S8's A side, @zero added (0 for the s8 B side).  @sum, when not
 * NULL, receives each row's sum of the signed values (before @zero), which
 * the u8 x s8 product needs to remove the zero point of the other side.
 */
void gemm_quantize(const float *x, int dim, int64_t rows, int qmax, int zero,
		   uint8_t *out, float *scale, int32_t *sum);

/* The u8 zero point and the largest |value| of the A side of GEMM_U8S8:
 * 128/127 with VNNI instructions, 64/63 without (where oneDNN's
 * pairwise 16-bit sums could otherwise saturate). */
void gemm_u8_range(int *zero, int *qmax);

/* ---- our own kernel (AVX-512, f32) ------------------------------------ */

/*
 * Operands packed in blocks of @rows rows, each block k-major (value p of
 * its row i at [p * rows + i]), the last block padded with zero rows:
 * passages in panels of GEMM_PANEL rows (packed once per corpus), queries
 * in groups of GEMM_GROUP.  A panel's rows start at row 32 * j of the
 * packing, at float (32 * j) * k.
 */
#define GEMM_PANEL 32
#define GEMM_GROUP 14

/* Whether the CPU runs the kernel (AVX-512F; NEGSIEVE_NO_AVX512 set: no,
 * as on a CPU without it, for tests). */
bool gemm_avx512_available(void);

/* Floats that @n rows of @k take packed in blocks of @rows. */
size_t gemm_pack_size(int64_t n, int k, int rows);

/* Pack the @n rows @x (row stride @ld) into @out (gemm_pack_size()). */
void gemm_pack(const float *x, int64_t n, int k, int64_t ld, int rows,
	       float *out);

/* C (@m x @n, row stride @ldc) = A . B^T of packed queries @ap and packed
 * passages @bp, on the calling thread. */
void gemm_avx512_product(const float *ap, int64_t m, const float *bp,
			 int64_t n, int k, float *c, int64_t ldc);

/* Called with the scores @x[0..n) of query row @i against passages
 * @j0.. of a gemm_avx512_scan() when one of them is above thr[i]. */
typedef void (*gemm_hit_fn)(void *arg, int64_t i, const float *x,
			    int64_t j0, int n);

/*
 * The same product, tested instead of stored: each tile of GEMM_GROUP
 * queries x GEMM_PANEL passages is compared, in registers, with the
 * queries' thresholds @thr[0..m) (strictly greater), and @hit gets the
 * rows that have a score above theirs (it may raise @thr meanwhile).  A
 * row's passages come in ascending order.
 */
void gemm_avx512_scan(const float *ap, int64_t m, const float *bp, int64_t n,
		      int k, const float *thr, gemm_hit_fn hit, void *arg);

/* ---- which library is faster ------------------------------------------ */

/* The products exact search runs (topk_search()): tiles of GEMM_TILE_M
 * queries x GEMM_TILE_N passages, one per thread at a time, each
 * single-threaded.  (Each product packs its passages again, so more
 * queries per tile pack them fewer times: 512 -> 1024 made the whole
 * f32 mining job 5% faster on an AVX-512 Xeon; see BENCHMARKS.md.) */
#define GEMM_TILE_M 1024
#define GEMM_TILE_N 1024

/* The mining shape of the probe: 4096 queries x 16384 passages x 384. */
#define GEMM_PROBE_M 4096
#define GEMM_PROBE_N 16384
#define GEMM_PROBE_K 384

struct gemm_probe {
	double rate[GEMM_NLIBS];	/* f32 GFLOP/s, 0 = not available */
	enum gemm_lib best;		/* the faster */
	double bf16;			/* oneDNN's bf16 product, GFLOP/s
					 * (0 = not available or not known) */
	int m, n, k;			/* the shape measured */
	char machine[256];		/* CPU model, threads, library versions */
	char when[40];			/* ISO 8601 time of the measurement */
	const char *source;		/* "measured", "cache", "NEGSIEVE_GEMM",
					 * "measured, not cached" */
	double seconds;			/* the measurement took (measured) */
	char cache[512];		/* the cache file ("" when none) */
};

/*
 * Time the f32 product of shape @m x @n x @k (random data) on each
 * available library the way exact search runs it: in GEMM_TILE_M x
 * GEMM_TILE_N tiles, every thread its own tiles, the library
 * single-threaded (a library's own threads on one large product rank
 * them differently: on an AVX-512 Xeon OpenBLAS won there by 6% while
 * oneDNN made the mining job 5% faster).  Libraries alternate, best of
 * three; fills @p (source "measured").  Our own kernel is timed as the
 * search runs it too: the passages packed once, before the clock starts,
 * the queries once per query tile.  Each score is tested against a
 * threshold as the search tests it: our kernel's in registers, a
 * library's tile read again after the product (a pass the fused kernel
 * saves: 4% of an f32 mining job's CPU on the Xeon).  With oneDNN, its
 * bf16 product (inputs rounded to bf16 beforehand, f32 sums) is timed
 * the same way (@p->bf16): `--precision auto` screens in bf16 where it
 * pays.  Memory: 3 (m + n) * k floats and a tile per thread for a
 * moment.
 */
enum ns_rc gemm_probe_measure(int m, int n, int k, struct gemm_probe *p,
			      struct ns_err *err);

/*
 * The faster library on this machine: NEGSIEVE_GEMM=openblas|onednn|avx512
 * forces one (no measurement); else the cache file
 * ($XDG_CACHE_HOME or ~/.cache)/negsieve/gemm-probe, keyed by the machine
 * string and the shape; else a measurement at the mining shape (or at
 * NEGSIEVE_GEMM_PROBE=M,N,K, for tests), written to the cache when
 * possible.  @measure false: never measure (for --version); *@p->source
 * is then NULL when nothing is known.
 */
enum ns_rc gemm_best(bool measure, struct gemm_probe *p, struct ns_err *err);

/* One line describing @p ("onednn 338.1 GFLOP/s, openblas 195.0 ..."). */
char *gemm_probe_describe(const struct gemm_probe *p, char *buf,
			  size_t size);

#ifdef __cplusplus
}
#endif

#endif
