/*
 * faiss_c_shim.cpp - minimal implementation of the faiss C API subset used
 * by negsieve, written on top of the C++ library (libfaiss.a).
 *
 * Why this file exists: Debian (bookworm, libfaiss-dev 1.7.3) ships the C API
 * headers in /usr/include/faiss/c_api/ but no libfaiss_c library.  negsieve
 * is written in C11 against those headers, so when no system libfaiss_c is
 * available, configure (m4/ns_faiss.m4, NS_CHECK_FAISS) sets the automake
 * conditional BUILD_FAISS_SHIM and this unit is compiled into negsieve
 * instead.  When a system libfaiss_c is found it is linked and this file is
 * not built at all.
 *
 * This is an independent implementation: only the function signatures come
 * from the faiss C API headers, which are included below so that the
 * compiler checks every definition against its declaration.
 *
 * Conventions (matching the documented behaviour of the real C API):
 *  - every int-returning function returns 0 on success and a negative
 *    FaissErrorCode if a C++ exception escaped (-2 faiss::FaissException,
 *    -4 other std::exception, -1 anything else);
 *  - the message of the last failure is kept in a thread-local string and
 *    returned by faiss_get_last_error();
 *  - opaque C handles (FaissIndex*, FaissParameterSpace*, ...) are plain
 *    pointers to the corresponding C++ objects.
 *
 * Implemented: faiss_get_last_error, faiss_index_factory, faiss_Index_free,
 * faiss_Index_d, faiss_Index_is_trained, faiss_Index_ntotal,
 * faiss_Index_metric_type, faiss_Index_verbose, faiss_Index_set_verbose,
 * faiss_Index_train, faiss_Index_add, faiss_Index_add_with_ids,
 * faiss_Index_search, faiss_Index_reset, faiss_write_index,
 * faiss_write_index_fname, faiss_read_index, faiss_read_index_fname,
 * faiss_IndexIVF_free, faiss_IndexIVF_cast, faiss_IndexIVF_nlist,
 * faiss_IndexIVF_nprobe, faiss_IndexIVF_set_nprobe, faiss_ParameterSpace_new,
 * faiss_ParameterSpace_free, faiss_ParameterSpace_set_index_parameter,
 * faiss_ParameterSpace_set_index_parameters.
 */

#include <exception>
#include <stdexcept>
#include <string>

#include <faiss/AutoTune.h>
#include <faiss/Index.h>
#include <faiss/IndexIVF.h>
#include <faiss/impl/FaissException.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>

#include <faiss/c_api/AutoTune_c.h>
#include <faiss/c_api/IndexIVF_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/error_c.h>
#include <faiss/c_api/index_factory_c.h>
#include <faiss/c_api/index_io_c.h>

namespace {

thread_local std::string last_error;

/* Run fn(); translate any escaping exception into an error code and record
 * its message for faiss_get_last_error(). */
template <typename Fn>
int guarded(Fn&& fn) noexcept {
    try {
        fn();
        return OK;
    } catch (const faiss::FaissException& e) {
        last_error = e.what();
        return FAISS_EXCEPT;
    } catch (const std::exception& e) {
        last_error = e.what();
        return STD_EXCEPT;
    } catch (...) {
        last_error = "unknown C++ exception";
        return UNKNOWN_EXCEPT;
    }
}

inline faiss::Index* cxx(FaissIndex* p) {
    return reinterpret_cast<faiss::Index*>(p);
}
inline const faiss::Index* cxx(const FaissIndex* p) {
    return reinterpret_cast<const faiss::Index*>(p);
}
inline FaissIndex* c_handle(faiss::Index* p) {
    return reinterpret_cast<FaissIndex*>(p);
}
/* FaissIndexIVF is declared as an alias of FaissIndex (inherited class),
 * but the pointer it carries is always the faiss::Index sub-object, so a
 * dynamic_cast is needed to reach the IndexIVF object. */
inline faiss::IndexIVF* ivf(FaissIndexIVF* p) {
    return dynamic_cast<faiss::IndexIVF*>(cxx(p));
}
inline const faiss::IndexIVF* ivf(const FaissIndexIVF* p) {
    return dynamic_cast<const faiss::IndexIVF*>(cxx(p));
}
inline faiss::ParameterSpace* ps(FaissParameterSpace* p) {
    return reinterpret_cast<faiss::ParameterSpace*>(p);
}
inline const faiss::ParameterSpace* ps(const FaissParameterSpace* p) {
    return reinterpret_cast<const faiss::ParameterSpace*>(p);
}

faiss::MetricType to_cxx_metric(FaissMetricType m) {
    /* The C enum mirrors faiss::MetricType value for value. */
    return static_cast<faiss::MetricType>(static_cast<int>(m));
}

} // namespace

extern "C" {

/* ---- errors ------------------------------------------------------------ */

const char* faiss_get_last_error() {
    return last_error.empty() ? nullptr : last_error.c_str();
}

/* ---- factory ----------------------------------------------------------- */

int faiss_index_factory(
        FaissIndex** p_index,
        int d,
        const char* description,
        FaissMetricType metric) {
    return guarded([&] {
        if (!p_index || !description) {
            throw std::invalid_argument("faiss_index_factory: null argument");
        }
        *p_index = nullptr;
        *p_index = c_handle(
                faiss::index_factory(d, description, to_cxx_metric(metric)));
    });
}

/* ---- Index ------------------------------------------------------------- */

void faiss_Index_free(FaissIndex* obj) {
    delete cxx(obj);
}

int faiss_Index_d(const FaissIndex* index) {
    return cxx(index)->d;
}

int faiss_Index_is_trained(const FaissIndex* index) {
    return cxx(index)->is_trained ? 1 : 0;
}

idx_t faiss_Index_ntotal(const FaissIndex* index) {
    return cxx(index)->ntotal;
}

FaissMetricType faiss_Index_metric_type(const FaissIndex* index) {
    return static_cast<FaissMetricType>(static_cast<int>(cxx(index)->metric_type));
}

int faiss_Index_verbose(const FaissIndex* index) {
    return cxx(index)->verbose ? 1 : 0;
}

void faiss_Index_set_verbose(FaissIndex* index, int verbose) {
    cxx(index)->verbose = verbose != 0;
}

int faiss_Index_train(FaissIndex* index, idx_t n, const float* x) {
    return guarded([&] { cxx(index)->train(n, x); });
}

int faiss_Index_add(FaissIndex* index, idx_t n, const float* x) {
    return guarded([&] { cxx(index)->add(n, x); });
}

int faiss_Index_add_with_ids(
        FaissIndex* index,
        idx_t n,
        const float* x,
        const idx_t* xids) {
    return guarded([&] {
        /* idx_t (C) and faiss::idx_t are both int64_t */
        cxx(index)->add_with_ids(n, x, xids);
    });
}

int faiss_Index_search(
        const FaissIndex* index,
        idx_t n,
        const float* x,
        idx_t k,
        float* distances,
        idx_t* labels) {
    return guarded([&] { cxx(index)->search(n, x, k, distances, labels); });
}

int faiss_Index_reset(FaissIndex* index) {
    return guarded([&] { cxx(index)->reset(); });
}

/* ---- I/O --------------------------------------------------------------- */

int faiss_write_index(const FaissIndex* idx, FILE* f) {
    return guarded([&] { faiss::write_index(cxx(idx), f); });
}

int faiss_write_index_fname(const FaissIndex* idx, const char* fname) {
    return guarded([&] { faiss::write_index(cxx(idx), fname); });
}

int faiss_read_index(FILE* f, int io_flags, FaissIndex** p_out) {
    return guarded([&] {
        *p_out = nullptr;
        *p_out = c_handle(faiss::read_index(f, io_flags));
    });
}

int faiss_read_index_fname(const char* fname, int io_flags, FaissIndex** p_out) {
    return guarded([&] {
        *p_out = nullptr;
        *p_out = c_handle(faiss::read_index(fname, io_flags));
    });
}

/* ---- IndexIVF ---------------------------------------------------------- */

void faiss_IndexIVF_free(FaissIndexIVF* obj) {
    delete cxx(obj); /* virtual destructor through faiss::Index */
}

FaissIndexIVF* faiss_IndexIVF_cast(FaissIndex* index) {
    /* Returns the same pointer when the object is an IndexIVF, else NULL.
     * Wrappers (IndexPreTransform, IndexIDMap) are not IVF: use
     * faiss_ParameterSpace_set_index_parameter for those. */
    return dynamic_cast<faiss::IndexIVF*>(cxx(index)) ? index : nullptr;
}

size_t faiss_IndexIVF_nlist(const FaissIndexIVF* index) {
    return ivf(index)->nlist;
}

size_t faiss_IndexIVF_nprobe(const FaissIndexIVF* index) {
    return ivf(index)->nprobe;
}

void faiss_IndexIVF_set_nprobe(FaissIndexIVF* index, size_t nprobe) {
    ivf(index)->nprobe = nprobe;
}

/* ---- ParameterSpace ---------------------------------------------------- */

int faiss_ParameterSpace_new(FaissParameterSpace** space) {
    return guarded([&] {
        *space = nullptr;
        *space = reinterpret_cast<FaissParameterSpace*>(
                new faiss::ParameterSpace());
    });
}

void faiss_ParameterSpace_free(FaissParameterSpace* space) {
    delete ps(space);
}

int faiss_ParameterSpace_set_index_parameters(
        const FaissParameterSpace* space,
        FaissIndex* index,
        const char* params) {
    return guarded([&] { ps(space)->set_index_parameters(cxx(index), params); });
}

int faiss_ParameterSpace_set_index_parameter(
        const FaissParameterSpace* space,
        FaissIndex* index,
        const char* name,
        double value) {
    return guarded([&] {
        ps(space)->set_index_parameter(cxx(index), name, value);
    });
}

} // extern "C"
