# ns_faiss.m4 - locate faiss for negsieve                  -*- Autoconf -*-
#
# NS_CHECK_FAISS
# --------------
# negsieve is C11 code that talks to faiss only through the faiss C API
# (<faiss/c_api/*.h>).  Two ways to get an implementation of that API:
#
#  1. a system libfaiss_c (e.g. faiss built from source with
#     -DFAISS_ENABLE_C_API=ON): link -lfaiss_c (plus -lfaiss).
#  2. Debian/Ubuntu: libfaiss-dev ships the C API headers and the C++
#     static library libfaiss.a, but no libfaiss_c.  Then we compile our own
#     src/faiss_c_shim.cpp (AM_CONDITIONAL BUILD_FAISS_SHIM) and link it
#     with libfaiss.a, OpenMP (libgomp), OpenBLAS and libstdc++.
#
# libfaiss.a references sgemm_/ssyrk_ and LAPACK (sgesvd_, dsyev_, sgelsd_,
# sgeqrf_, sorgqr_, ...).  We link -lopenblas explicitly (Debian's
# openblas-pthread libopenblas also contains LAPACK) instead of -lblas, so
# the program never binds to the reference BLAS, whatever the
# libblas.so.3 alternative points at.
#
# Requires AC_PROG_CC and AC_PROG_CXX to have been called.
#
# Output variables:
#   FAISS_CXXFLAGS  flags for compiling faiss_c_shim.cpp (C++17 + OpenMP)
#   FAISS_LIBS      libraries for the final link (add to LIBS / prog_LDADD)
#   FAISS_LDFLAGS   link flags (OpenMP) for the final link
#   OPENMP_CXXFLAGS from AC_OPENMP in C++ mode
# AM_CONDITIONAL:
#   BUILD_FAISS_SHIM  true when src/faiss_c_shim.cpp must be built
# Defines HAVE_FAISS_C_SHIM (shim used) in config.h.
AC_DEFUN([NS_CHECK_FAISS], [
AC_REQUIRE([AC_PROG_CC])
AC_REQUIRE([AC_PROG_CXX])

AC_ARG_WITH([system-faiss-c],
  [AS_HELP_STRING([--without-system-faiss-c],
    [always build the bundled faiss C API shim instead of linking libfaiss_c])],
  [], [with_system_faiss_c=check])

ns_faiss_missing="install the Debian packages: apt-get install libfaiss-dev libopenblas-dev (and g++)"

AC_CHECK_HEADER([faiss/c_api/Index_c.h], [],
  [AC_MSG_ERROR([faiss C API header <faiss/c_api/Index_c.h> not found; $ns_faiss_missing])])

# dlsym(RTLD_DEFAULT, ...) is used by blasinfo.c (libc on glibc >= 2.34)
AC_SEARCH_LIBS([dlsym], [dl])

FAISS_CXXFLAGS=
FAISS_LIBS=
FAISS_LDFLAGS=
ns_faiss_shim=no
ns_faiss_found=no

# --- 1. system libfaiss_c ---------------------------------------------------
AS_IF([test "x$with_system_faiss_c" != xno], [
  AC_LANG_PUSH([C])
  ns_save_LIBS=$LIBS
  for ns_faiss_try in "-lfaiss_c" "-lfaiss_c -lfaiss"; do
    AC_MSG_CHECKING([for faiss_index_factory in $ns_faiss_try])
    LIBS="$ns_faiss_try $ns_save_LIBS"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <faiss/c_api/index_factory_c.h>]],
        [[FaissIndex *ix = 0;
          return faiss_index_factory(&ix, 8, "Flat", METRIC_L2);]])],
      [ns_faiss_found=yes], [ns_faiss_found=no])
    AC_MSG_RESULT([$ns_faiss_found])
    AS_IF([test $ns_faiss_found = yes], [FAISS_LIBS=$ns_faiss_try; break])
  done
  LIBS=$ns_save_LIBS
  AC_LANG_POP([C])
])

# --- 2. libfaiss.a + our shim -------------------------------------------------
AS_IF([test $ns_faiss_found = no], [
  AC_LANG_PUSH([C++])
  AC_OPENMP
  AS_IF([test "x$ac_cv_prog_cxx_openmp" = xunsupported],
    [AC_MSG_ERROR([the C++ compiler does not support OpenMP (needed by libfaiss.a); $ns_faiss_missing])])

  AC_CHECK_HEADER([faiss/index_factory.h], [],
    [AC_MSG_ERROR([faiss C++ headers not found; $ns_faiss_missing])])

  ns_save_LIBS=$LIBS
  ns_save_CXXFLAGS=$CXXFLAGS
  CXXFLAGS="$CXXFLAGS $OPENMP_CXXFLAGS"
  # Try the minimal set first; extra libraries only if the linker needs them.
  for ns_faiss_try in \
      "-lfaiss -lopenblas" \
      "-lfaiss -lopenblas -lgomp -lpthread -lm" \
      "-lfaiss -lopenblas -llapack -lgomp -lpthread -lm" \
      "-lfaiss -lopenblas -llapack -lgfortran -lgomp -lpthread -lm"; do
    AC_MSG_CHECKING([whether libfaiss links with $ns_faiss_try])
    LIBS="$ns_faiss_try $ns_save_LIBS"
    AC_LINK_IFELSE([AC_LANG_PROGRAM(
        [[#include <faiss/index_factory.h>
          #include <faiss/Index.h>
          #include <faiss/IndexIVF.h>
          #include <faiss/AutoTune.h>
          #include <faiss/index_io.h>
          #include <vector>]],
        [[faiss::Index *ix = faiss::index_factory(16, "PCA8,IVF4,Flat",
                                                  faiss::METRIC_INNER_PRODUCT);
          std::vector<float> x(16 * 256, 1.0f);
          ix->train(256, x.data());
          faiss::ParameterSpace().set_index_parameter(ix, "nprobe", 2);
          faiss::write_index(ix, "/dev/null");
          delete ix;]])],
      [ns_faiss_found=yes], [ns_faiss_found=no])
    AC_MSG_RESULT([$ns_faiss_found])
    AS_IF([test $ns_faiss_found = yes], [break])
  done
  LIBS=$ns_save_LIBS
  CXXFLAGS=$ns_save_CXXFLAGS

  AS_IF([test $ns_faiss_found = no],
    [AC_MSG_ERROR([cannot link libfaiss (static C++ library) with OpenBLAS and OpenMP; $ns_faiss_missing])])

  # The final program is linked by the C compiler driver (automake picks
  # CXXLINK only if a C++ source is in the program; be explicit anyway):
  # add libstdc++ and the OpenMP runtime explicitly.
  ns_faiss_shim=yes
  FAISS_CXXFLAGS="$OPENMP_CXXFLAGS"
  FAISS_LDFLAGS="$OPENMP_CXXFLAGS"
  FAISS_LIBS="$ns_faiss_try -lstdc++ -lm"
  AC_LANG_POP([C++])
  AC_DEFINE([HAVE_FAISS_C_SHIM], [1],
    [Define to 1 if the bundled faiss C API shim (src/faiss_c_shim.cpp) is used.])
])

# --- make sure sgemm_ will come from OpenBLAS --------------------------------
AC_LANG_PUSH([C])
ns_save_LIBS=$LIBS
LIBS="$FAISS_LIBS $LIBS"
AC_CHECK_FUNC([openblas_get_config], [],
  [AS_IF([test $ns_faiss_shim = yes],
     [AC_MSG_ERROR([OpenBLAS (openblas_get_config) not found in the link; $ns_faiss_missing])],
     [AC_MSG_WARN([the system libfaiss_c does not pull in OpenBLAS; faiss may run on the slow reference BLAS])])])
LIBS=$ns_save_LIBS
AC_LANG_POP([C])

AC_MSG_CHECKING([for the faiss C API implementation])
AS_IF([test $ns_faiss_shim = yes],
  [AC_MSG_RESULT([bundled shim over libfaiss.a ($FAISS_LIBS)])],
  [AC_MSG_RESULT([system libfaiss_c ($FAISS_LIBS)])])

AM_CONDITIONAL([BUILD_FAISS_SHIM], [test $ns_faiss_shim = yes])
AC_SUBST([FAISS_CXXFLAGS])
AC_SUBST([FAISS_LDFLAGS])
AC_SUBST([FAISS_LIBS])
AC_SUBST([OPENMP_CXXFLAGS])
])
