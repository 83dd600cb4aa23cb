/*
 * ompenv.c - re-exec with OpenMP wait settings (see ompenv.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/ompenv.h"

void
ompenv_reexec(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "mine") != 0 ||
	    getenv("OMP_WAIT_POLICY"))
		return;
	/* OpenBLAS's own threads spin 2^28 cycles (0.1 s) after each
	 * call by default: on 2 cores that is time the OpenMP threads of
	 * oneDNN and faiss need */
	if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0 ||
	    setenv("GOMP_SPINCOUNT", "0", 0) != 0 ||
	    setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0) != 0)
		return;
	execv("/proc/self/exe", argv);
	/* still here: run with the library's defaults */
}
