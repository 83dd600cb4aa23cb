# ns_dnnl.m4 - optional oneDNN for negsieve                -*- Autoconf -*-
#
# NS_CHECK_DNNL
# -------------
# oneDNN's matmul primitive (Debian: libdnnl-dev, API 2.x) is, on some
# CPUs, much faster than OpenBLAS sgemm, and it has the bf16 and u8 x s8
# products of reduced-precision screening (src/gemm.c).  Optional:
# without it negsieve uses OpenBLAS for everything and --precision
# bf16/int8 are refused.  --without-dnnl leaves it out.
#
# Output: DNNL_LIBS (AC_SUBST), HAVE_DNNL in autoconfig.h.
AC_DEFUN([NS_CHECK_DNNL], [
AC_ARG_WITH([dnnl],
  [AS_HELP_STRING([--without-dnnl],
    [do not use oneDNN (libdnnl-dev) even when it is installed])],
  [], [with_dnnl=check])
DNNL_LIBS=
AS_IF([test "x$with_dnnl" != xno], [
  AC_LANG_PUSH([C])
  ns_save_LIBS=$LIBS
  LIBS="-ldnnl $LIBS"
  AC_MSG_CHECKING([for oneDNN 2.x (dnnl_matmul_desc_init in -ldnnl)])
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <oneapi/dnnl/dnnl.h>]],
      [[dnnl_matmul_desc_t md;
        return dnnl_matmul_desc_init(&md, 0, 0, 0, 0) == dnnl_success;]])],
    [ns_dnnl=yes], [ns_dnnl=no])
  AC_MSG_RESULT([$ns_dnnl])
  LIBS=$ns_save_LIBS
  AC_LANG_POP([C])
  AS_IF([test $ns_dnnl = yes],
    [DNNL_LIBS=-ldnnl
     AC_DEFINE([HAVE_DNNL], [1], [Define to 1 to use oneDNN's matmul.])],
    [AS_IF([test "x$with_dnnl" = xyes],
       [AC_MSG_ERROR([oneDNN 2.x not found: apt-get install libdnnl-dev])],
       [AC_MSG_WARN([oneDNN not found (apt-get install libdnnl-dev): exact search uses OpenBLAS only, no --precision bf16/int8])])])
])
AC_SUBST([DNNL_LIBS])
])
