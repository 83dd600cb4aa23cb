#!/bin/sh
# bench/mine.sh - exact dense mining vs the best GEMM, and storing costs.
# Usage: bench/mine.sh [NQ NB DIM K [now]]   (default 10000 100000 384 20)
# "now" runs only the way negsieve mine works (and so shows its peak RSS).
# Generated data goes to a temporary directory outside the repo.
set -eu
cd "$(dirname "$0")/.."
make -s bench/mine-bench
dir=$(mktemp -d "${TMPDIR:-/tmp}/ns-bench-XXXXXX")
trap 'rm -rf "$dir"' EXIT
rmdir "$dir"; mkdir -p "$(dirname "$dir")"
# the settings negsieve mine applies to itself (src/ompenv.c)
OMP_WAIT_POLICY=PASSIVE GOMP_SPINCOUNT=0 OPENBLAS_THREAD_TIMEOUT=4 \
	bench/mine-bench "${1:-10000}" "${2:-100000}" "${3:-384}" "${4:-50}" "$dir" ${5:+"$5"}
