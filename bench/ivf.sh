#!/bin/sh
# bench/ivf.sh - IVF `auto` vs exact search on clustered vectors, one run.
# Usage: bench/ivf.sh [NB NQ DIM K CLUSTERS]  (default 1000000 10000 128 100 1000)
# The vectors are generated in memory; nothing is written.
set -eu
cd "$(dirname "$0")/.."
make -s bench/ivf-bench
OMP_WAIT_POLICY=PASSIVE GOMP_SPINCOUNT=0 \
	bench/ivf-bench "${1:-1000000}" "${2:-10000}" "${3:-128}" "${4:-100}" "${5:-1000}"
