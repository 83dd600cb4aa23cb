/*
 * faiss_extra.cpp - faiss settings outside the C API (see faiss_extra.h).
 */
#include <faiss/utils/distances.h>

#include "faiss_extra.h"

extern "C" void ns_faiss_set_blas_block(int query_bs, int database_bs) {
    if (query_bs > 0)
        faiss::distance_compute_blas_query_bs = query_bs;
    if (database_bs > 0)
        faiss::distance_compute_blas_database_bs = database_bs;
}

extern "C" void ns_faiss_get_blas_block(int *query_bs, int *database_bs) {
    *query_bs = faiss::distance_compute_blas_query_bs;
    *database_bs = faiss::distance_compute_blas_database_bs;
}

extern "C" int ns_faiss_knn_ip(const float *x, const float *y, size_t d,
                               size_t nx, size_t ny, size_t k, float *dist,
                               int64_t *labels) {
    try {
        faiss::knn_inner_product(x, y, d, nx, ny, k, dist, labels);
        return 0;
    } catch (...) {
        return -1;
    }
}
