/*
 * faiss_extra.cpp - faiss settings outside the C API (see faiss_extra.h).
 */
#include <algorithm>
#include <stdexcept>
#include <cstring>
#include <typeinfo>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/invlists/InvertedLists.h>
#include <faiss/utils/Heap.h>
#include <faiss/utils/distances.h>

#include "src/faiss_extra.h"

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

/* ---- IVF,Flat search list by list through BLAS ------------------------- */

/* The Fortran BLAS entry point faiss itself calls (LP64 integers). */
extern "C" int sgemm_(const char *transa, const char *transb, int *m, int *n,
                      int *k, const float *alpha, const float *a, int *lda,
                      const float *b, int *ldb, float *beta, float *c,
                      int *ldc);

namespace {

/* Queries per block: their heaps and probe lists stay in memory together. */
const int64_t ivf_query_bs = 65536;
/* Most list vectors per sgemm: the score block is at most qbs x this. */
const int64_t ivf_list_bs = 1024;

/* Whether (v, id) beats the top of a CMin heap (its worst): faiss's own
 * order of entries, ties to the higher id, so the k kept do not depend on
 * the order lists are scanned in. */
inline bool ivf_beats(float v, int64_t id, const float *hv, const int64_t *hl) {
    return v > hv[0] || (v == hv[0] && id > hl[0]);
}

/* Search queries [0, n) of @x (one block) as described in faiss_extra.h.
 * The lists are spread over the OpenMP threads, each with heaps of its own
 * for the block's queries (merged at the end) and the products on the
 * calling thread: a product per list on the library's threads woke and
 * parked them once per list, which cost more than small lists' products. */
void ivf_blas_block(const faiss::IndexIVF *ivf, int64_t n, const float *x,
                    int64_t k, size_t nprobe, float *dist, int64_t *labels,
                    struct gemm_kernel *kn) {
    const int64_t d = ivf->d, nlist = (int64_t)ivf->nlist;
    const faiss::InvertedLists *il = ivf->invlists;
    std::vector<int64_t> probe((size_t)n * nprobe), start(nlist + 1, 0);
    std::vector<float> cdis((size_t)n * nprobe);
    std::vector<int64_t> order((size_t)n * nprobe);
#ifdef _OPENMP
    const int nth = omp_get_max_threads();
#else
    const int nth = 1;
#endif
    /* heaps of threads 1.. (thread 0 uses the caller's) */
    std::vector<float> tdist((size_t)(nth - 1) * n * k);
    std::vector<int64_t> tlab((size_t)(nth - 1) * n * k);
    int failed = 0;

    ivf->quantizer->search(n, x, (int64_t)nprobe, cdis.data(), probe.data());
    for (int64_t i = 0; i < n; i++)
        faiss::minheap_heapify(k, dist + i * k, labels + i * k);
    for (int64_t i = 0; i < (nth - 1) * n; i++)
        faiss::minheap_heapify(k, tdist.data() + i * k, tlab.data() + i * k);
    /* invert: the queries probing each list, by counting sort */
    for (int64_t p : probe)
        if (p >= 0 && p < nlist)
            start[p + 1]++;
    for (int64_t l = 0; l < nlist; l++)
        start[l + 1] += start[l];
    {
        std::vector<int64_t> fill(start.begin(), start.end() - 1);

        for (int64_t i = 0; i < n; i++)
            for (size_t j = 0; j < nprobe; j++) {
                int64_t p = probe[(size_t)i * nprobe + j];

                if (p >= 0 && p < nlist)
                    order[fill[p]++] = i;
            }
    }
    gemm_serial_begin();
#pragma omp parallel
    {
#ifdef _OPENMP
        const int t = omp_get_thread_num();
#else
        const int t = 0;
#endif
        float *td = t ? tdist.data() + (size_t)(t - 1) * n * k : dist;
        int64_t *tl = t ? tlab.data() + (size_t)(t - 1) * n * k : labels;
        struct gemm_ctx *cx = kn ? gemm_ctx_new(kn) : nullptr;
        std::vector<float> q, ip;

#pragma omp for schedule(dynamic, 1)
        for (int64_t l = 0; l < nlist; l++) {
            int64_t m = start[l + 1] - start[l];
            int64_t ls = (int64_t)il->list_size(l);

            if (m == 0 || ls == 0 || failed)
                continue;
            try {
                const int64_t *qi = order.data() + start[l];
                faiss::InvertedLists::ScopedCodes codes(il, l);
                faiss::InvertedLists::ScopedIds ids(il, l);
                const float *y = reinterpret_cast<const float *>(codes.get());
                const int64_t *yid = ids.get();

                q.resize((size_t)m * d);
                for (int64_t i = 0; i < m; i++)
                    std::memcpy(q.data() + i * d, x + qi[i] * d,
                                d * sizeof(float));
                ip.resize((size_t)m * std::min(ls, ivf_list_bs));
                for (int64_t j0 = 0; j0 < ls; j0 += ivf_list_bs) {
                    int nyi = (int)std::min(ivf_list_bs, ls - j0), nxi = (int)m,
                        di = (int)d;
                    float one = 1, zero = 0;

                    /* ip (m x nyi, row-major) = q . y[j0..j0+nyi)^T */
                    if (kn) {
                        if (gemm_run(kn, cx, nxi, nyi, q.data(), di,
                                     y + j0 * d, di, ip.data(), nyi))
                            throw std::runtime_error("GEMM failed");
                    } else {
                        sgemm_("Transposed", "Not transposed", &nyi, &nxi,
                               &di, &one, y + j0 * d, &di, q.data(), &di,
                               &zero, ip.data(), &nyi);
                    }
                    for (int64_t i = 0; i < m; i++) {
                        float *hv = td + qi[i] * k;
                        int64_t *hl = tl + qi[i] * k;
                        const float *row = ip.data() + i * nyi;

                        for (int j = 0; j < nyi; j++)
                            if (ivf_beats(row[j], yid[j0 + j], hv, hl))
                                faiss::minheap_replace_top(k, hv, hl, row[j],
                                                           yid[j0 + j]);
                    }
                }
            } catch (...) {
#pragma omp atomic write
                failed = 1;
            }
        }
        gemm_ctx_free(cx);
    }
    gemm_serial_end();
    if (failed)
        throw std::runtime_error("IVF list scan failed");
    /* the other threads' heaps into the caller's */
    for (int t = 1; t < nth; t++)
        for (int64_t i = 0; i < n; i++) {
            const float *sv = tdist.data() + ((size_t)(t - 1) * n + i) * k;
            const int64_t *sl = tlab.data() + ((size_t)(t - 1) * n + i) * k;

            for (int64_t j = 0; j < k; j++)
                if (sl[j] >= 0 &&
                    ivf_beats(sv[j], sl[j], dist + i * k, labels + i * k))
                    faiss::minheap_replace_top(k, dist + i * k,
                                               labels + i * k, sv[j], sl[j]);
        }
    for (int64_t i = 0; i < n; i++)
        faiss::minheap_reorder(k, dist + i * k, labels + i * k);
}

} // namespace

extern "C" int ns_faiss_ivf_flat_search(const void *index, int64_t n,
                                        const float *x, int64_t k,
                                        float *dist, int64_t *labels,
                                        struct gemm_kernel *kn) {
    const faiss::Index *ix = static_cast<const faiss::Index *>(index);
    const faiss::IndexIVFFlat *ivf =
            dynamic_cast<const faiss::IndexIVFFlat *>(ix);

    /* exactly IndexIVFFlat (not a subclass such as IndexIVFFlatDedup),
     * inner product, float codes */
    if (!ivf || typeid(*ivf) != typeid(faiss::IndexIVFFlat) ||
        ivf->metric_type != faiss::METRIC_INNER_PRODUCT ||
        ivf->code_size != ivf->d * sizeof(float) || !ivf->invlists || k <= 0)
        return 1;
    int rc = 0;

    try {
        size_t nprobe = std::max<size_t>(
                1, std::min(ivf->nprobe, ivf->nlist));

        for (int64_t i0 = 0; i0 < n; i0 += ivf_query_bs) {
            int64_t nb = std::min(ivf_query_bs, n - i0);

            ivf_blas_block(ivf, nb, x + i0 * ivf->d, k, nprobe,
                           dist + i0 * k, labels + i0 * k, kn);
        }
    } catch (...) {
        rc = -1;
    }
    return rc;
}

extern "C" int ns_faiss_ivf_settable(const void *index) {
    const faiss::IndexIVFFlat *ivf =
            dynamic_cast<const faiss::IndexIVFFlat *>(
                    static_cast<const faiss::Index *>(index));

    return ivf && typeid(*ivf) == typeid(faiss::IndexIVFFlat) &&
           ivf->metric_type == faiss::METRIC_INNER_PRODUCT &&
           dynamic_cast<const faiss::IndexFlat *>(ivf->quantizer) &&
           ivf->quantizer->metric_type == faiss::METRIC_INNER_PRODUCT;
}

extern "C" int ns_faiss_ivf_set_centroids(void *index, const float *c) {
    faiss::IndexIVFFlat *ivf =
            dynamic_cast<faiss::IndexIVFFlat *>(static_cast<faiss::Index *>(
                    index));

    if (!ns_faiss_ivf_settable(index))
        return 1;
    try {
        ivf->quantizer->reset();
        ivf->quantizer->add((faiss::Index::idx_t)ivf->nlist, c);
        ivf->quantizer->is_trained = true;
        ivf->is_trained = true;
        return 0;
    } catch (...) {
        return -1;
    }
}

extern "C" int ns_faiss_ivf_add_assigned(void *index, int64_t n,
                                         const float *x,
                                         const int64_t *assign) {
    faiss::IndexIVF *ivf = dynamic_cast<faiss::IndexIVF *>(
            static_cast<faiss::Index *>(index));

    if (!ivf)
        return 1;
    try {
        ivf->add_core(n, x, nullptr,
                      reinterpret_cast<const faiss::Index::idx_t *>(assign));
        return 0;
    } catch (...) {
        return -1;
    }
}

extern "C" const float *ns_faiss_ivf_centroids(const void *index) {
    const faiss::IndexIVF *ivf = dynamic_cast<const faiss::IndexIVF *>(
            static_cast<const faiss::Index *>(index));
    const faiss::IndexFlat *q =
            ivf ? dynamic_cast<const faiss::IndexFlat *>(ivf->quantizer)
                : nullptr;

    return q ? q->get_xb() : nullptr;
}

/* ---- HNSW -------------------------------------------------------------- */

extern "C" int64_t ns_faiss_hnsw_ef_search(const void *index) {
    const faiss::Index *ix = static_cast<const faiss::Index *>(index);

    /* the wrappers ParameterSpace::set_index_parameter() passes "efSearch"
     * through, so that what is read here is what dense_set_param() sets */
    for (;;) {
        if (auto *t = dynamic_cast<const faiss::IndexPreTransform *>(ix))
            ix = t->index;
        else if (auto *m = dynamic_cast<const faiss::IndexIDMap *>(ix))
            ix = m->index;
        else
            break;
    }
    auto *h = dynamic_cast<const faiss::IndexHNSW *>(ix);
    return h ? h->hnsw.efSearch : 0;
}
