/*
 * ompenv.h - thread settings that must be in the environment before
 * libgomp loads.
 *
 * faiss runs OpenMP regions around OpenBLAS's own threads; with libgomp's
 * default busy-waiting, idle OpenMP threads spin on the cores OpenBLAS
 * needs (measured: 40% of exact search lost on 2 cores).  libgomp reads
 * OMP_WAIT_POLICY / GOMP_SPINCOUNT only when it is loaded, so the program
 * re-executes itself once with them set.
 */
#ifndef NS_OMPENV_H
#define NS_OMPENV_H

/*
 * For the commands that search (argv[1] is "mine"): when OMP_WAIT_POLICY
 * is unset, set OMP_WAIT_POLICY=PASSIVE and GOMP_SPINCOUNT=0 (unless the
 * user set them) and execv("/proc/self/exe", argv).  Returns only when no
 * re-exec was needed or it failed (then the program runs as it is).
 * User settings always win.
 */
void ompenv_reexec(int argc, char **argv);

#endif
