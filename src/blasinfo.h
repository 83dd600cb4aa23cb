/*
 * blasinfo.h - report which BLAS implementation is live at run time.
 *
 * faiss does its brute-force inner products with sgemm_; whether that ends
 * up in OpenBLAS or in the (very slow) reference BLAS depends on link order
 * and on the Debian libblas.so.3 alternative.  negsieve prints this at
 * start-up so a slow configuration is visible immediately.
 */
#ifndef NEGSIEVE_BLASINFO_H
#define NEGSIEVE_BLASINFO_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * blasinfo_name - describe the BLAS in use.
 *
 * Returns a pointer to a NUL-terminated, human-readable string such as
 * "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64 (2 threads)"
 * when OpenBLAS is present in the process, or "reference BLAS (slow)"
 * otherwise.  Never returns NULL.  The string lives in static storage and is
 * rebuilt on every call, so it is valid until the next call; the function
 * is not thread-safe (call it from the main thread, e.g. at start-up).
 */
const char *blasinfo_name(void);

/*
 * blasinfo_threads - number of threads the BLAS will use.
 *
 * Returns openblas_get_num_threads() when OpenBLAS is live, otherwise 1
 * (the reference BLAS is single-threaded).  Always >= 1.  Thread-safe.
 */
int blasinfo_threads(void);

#ifdef __cplusplus
}
#endif

#endif /* NEGSIEVE_BLASINFO_H */
