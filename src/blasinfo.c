/*
 * blasinfo.c - run-time detection of the live BLAS (see blasinfo.h).
 *
 * The OpenBLAS entry points are looked up with dlsym(RTLD_DEFAULT, ...)
 * rather than referenced directly, so this module links (and reports
 * honestly) whatever BLAS the program actually ended up with: it adds no
 * link-time dependency on OpenBLAS itself.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_DEFAULT */
#endif

#include "src/blasinfo.h"

#include <dlfcn.h>
#include <stdio.h>

typedef char *(*openblas_get_config_fn)(void);
typedef int (*openblas_get_num_threads_fn)(void);

/* Look up an OpenBLAS function in the global symbol scope; NULL if absent. */
static void *
lookup(const char *sym)
{
    return dlsym(RTLD_DEFAULT, sym);
}

int
blasinfo_threads(void)
{
    openblas_get_num_threads_fn nt;
    int n;

    *(void **) &nt = lookup("openblas_get_num_threads");
    if (nt == NULL)
        return 1;
    n = nt();
    return n >= 1 ? n : 1;
}

const char *
blasinfo_name(void)
{
    static char buf[256];
    openblas_get_config_fn cfg;
    const char *conf;
    int n;

    *(void **) &cfg = lookup("openblas_get_config");
    if (cfg == NULL)
        return "reference BLAS (slow)";
    conf = cfg(); /* e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY ..." */
    if (conf == NULL)
        conf = "OpenBLAS";
    n = blasinfo_threads();
    snprintf(buf, sizeof buf, "%s (%d thread%s)", conf, n, n == 1 ? "" : "s");
    return buf;
}
