#!/bin/sh
# fuzz/run.sh - run every libFuzzer target for a while and report.
#
#   fuzz/run.sh BUILD SECONDS RESULTS
#
# BUILD is a tree configured with --enable-fuzz and built (./setup fuzz
# makes one); each target runs SECONDS (started again after a crash).
# RESULTS gets one automake-style .trs per target (PASS, FAIL for a new
# crash, XFAIL for a crash listed in fuzz/known-crashes), the crash
# inputs, and summary.txt: per target the inputs executed, the corpus at
# the end (inputs/bytes), the inputs it added to RESULTS/corpus, coverage
# (cov: edges, ft: features) and the crashes.  The corpus is kept in
# RESULTS/corpus/TARGET, so a later run starts from it.
#
# Targets: import-FORMAT for every import format (fuzz-import with
# NS_FUZZ_FORMAT), detect, config, vecfile.  Seeds, made here at run time
# (nothing of ../shared/data is copied into the repository): the first
# lines of every text file of $NEGSIEVE_DATA, the inputs that the import
# tests write (tests/cli-import-bad.sh, tests/cli-import.sh, kept with
# NS_TEST_KEEP), small vector files, and fuzz/seeds/ (hand-written).
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$1" && pwd)
secs=$2
R=$3
mkdir -p "$R"
R=$(cd "$R" && pwd)
DATA=${NEGSIEVE_DATA:-$src/../shared/data}
W=$R/work
rm -rf "$W" "$R"/fuzz-*.trs "$R/crashes"
mkdir -p "$W/seeds/text" "$W/seeds/vec" "$W/seeds/config" "$R/corpus" \
	"$R/crashes"

# --- seeds ------------------------------------------------------------------
n=0
if [ -d "$DATA" ]; then
	for f in $(find "$DATA" -type f ! -name '*.md' ! -name '*.npy' \
		   ! -name '*.fvecs' ! -name '*.ivecs' ! -name '*.fbin' \
		   ! -name '*.gz' | sort); do
		n=$((n + 1))
		head -n 12 "$f" | head -c 16384 >"$W/seeds/text/data-$n"
		tail -n 3 "$f" | head -c 8192 >"$W/seeds/text/data-$n-tail"
		case $f in
		*.ids.txt|*json_vector*) cp "$W/seeds/text/data-$n" "$W/seeds/vec/" ;;
		esac
	done
	for f in $(find "$DATA" -type f \( -name '*.npy' -o -name '*.fvecs' \) | sort); do
		n=$((n + 1))
		head -c 3000 "$f" >"$W/seeds/vec/data-$n"
	done
fi
# the inputs of the import tests
if [ -x "$src/negsieve" ]; then
	for t in cli-import-bad cli-import; do
		mkdir -p "$W/kept-$t"
		( cd "$src" && NS_TEST_KEEP="$W/kept-$t" top_srcdir="$src" \
		  NEGSIEVE="$src/negsieve" NEGSIEVE_DATA="$DATA" \
		  sh "tests/$t.sh" >/dev/null 2>&1 )
		find "$W/kept-$t" -type f -size -64k ! -name 'negsieve.db*' \
			! -name '.*' ! -name review.log | while read -r f; do
			n=$(( $(ls "$W/seeds/text" | wc -l) + 1 ))
			cp "$f" "$W/seeds/text/test-$n"
		done
	done
fi
cp "$src"/fuzz/seeds/text/* "$W/seeds/text/" 2>/dev/null
# a few compressed ones (the importers read gzip and zstd)
for f in $(ls "$W/seeds/text" | head -6); do
	gzip -c "$W/seeds/text/$f" >"$W/seeds/text/$f.gz"
	command -v zstd >/dev/null &&
		zstd -q -c "$W/seeds/text/$f" >"$W/seeds/text/$f.zst"
done
cp "$src"/fuzz/seeds/config/* "$W/seeds/config/"
# small valid vector files: .npy float32 and float16, .fvecs, JSONL
python3 - "$W/seeds/vec" <<'EOF'
import struct, sys
d = sys.argv[1]
def npy(path, descr, rows, cols, fmt):
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }" % (descr, rows, cols)
    hdr += " " * ((64 - (10 + len(hdr) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode())
        f.write(struct.pack("<%d%s" % (rows * cols, fmt), *range(rows * cols)))
npy(d + "/seed-f4.npy", "<f4", 3, 4, "f")
npy(d + "/seed-f2.npy", "<f2", 2, 3, "e")
with open(d + "/seed.fvecs", "wb") as f:
    for r in range(3):
        f.write(struct.pack("<i4f", 4, r, 1, 2, 3))
with open(d + "/seed.jsonl", "w") as f:
    f.write('{"docid": "d1", "vector": [0.5, 1, -2]}\n{"docid": "d2", "vector": [1, 2, 3]}\n')
with open(d + "/seed.ids", "w") as f:
    f.write("d1\nd2\n d3 \r\n")
EOF
echo "seeds: $(ls "$W/seeds/text" | wc -l) text, $(ls "$W/seeds/vec" | wc -l) vector, $(ls "$W/seeds/config" | wc -l) config"

# --- the runs -----------------------------------------------------------------
targets=""
for f in $(NS_FUZZ_LIST=1 "$B/fuzz/fuzz-import"); do
	targets="$targets import-$f"
done
targets="$targets detect config vecfile"
# FUZZ_TARGETS="detect config" runs only those
[ -n "${FUZZ_TARGETS:-}" ] && targets=$FUZZ_TARGETS

# known SUMMARY lines ("file:line" of the fault), one per line, # comments
known=$src/fuzz/known-crashes

summary=$R/summary.txt
printf '%-18s %9s %7s %11s %6s %6s %6s  %s\n' target execs exec/s corpus new cov ft crashes >"$summary"
failed=0
for t in $targets; do
	case $t in
	import-*) bin=fuzz-import; seeds=$W/seeds/text; maxlen=65536
		  fmt=${t#import-} ;;
	detect) bin=fuzz-detect; seeds=$W/seeds/text; maxlen=16384; fmt= ;;
	config) bin=fuzz-config; seeds=$W/seeds/config; maxlen=8192; fmt= ;;
	vecfile) bin=fuzz-vecfile; seeds=$W/seeds/vec; maxlen=16384; fmt= ;;
	esac
	corpus=$R/corpus/$t
	art=$W/art-$t
	mkdir -p "$corpus" "$art"
	log=$R/$t.log
	: >"$log"
	# libFuzzer stops at a crash: start it again for the time left (at
	# most 8 times), so a known crash does not end the run.  (Fork mode
	# would go on by itself, but replays the corpus in every job, which
	# costs the slow import targets most of their time.)
	start=$(date +%s)
	execs=0 runs=0
	while :; do
		left=$(( secs - ($(date +%s) - start) ))
		[ $left -gt 0 ] && [ $runs -lt 8 ] || break
		runs=$((runs + 1))
		NS_FUZZ_FORMAT=$fmt "$B/fuzz/$bin" -max_total_time=$left \
			-timeout=20 -rss_limit_mb=2048 -max_len=$maxlen \
			-print_final_stats=1 -artifact_prefix="$art/" \
			"$corpus" "$seeds" >"$log.run" 2>&1
		st=$?
		cat "$log.run" >>"$log"
		n=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log.run")
		if [ -z "$n" ]; then
			# no final stats: the last status line counts
			n=$(grep -E '^#[0-9]+' "$log.run" | tail -1 | sed -nE 's/^#([0-9]+).*/\1/p')
		fi
		execs=$((execs + ${n:-0}))
		# 0: the time is up; else a crash (or a leak, a timeout)
		[ $st = 0 ] && break
	done
	rm -f "$log.run"
	# the last status line: "#N KIND cov: C ft: F corp: K/S ... exec/s: E"
	st=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -1)
	cov=$(printf '%s' "$st" | sed -nE 's/.* cov: ([0-9]+) .*/\1/p')
	ft=$(printf '%s' "$st" | sed -nE 's/.* ft: ([0-9]+) .*/\1/p')
	corp=$(printf '%s' "$st" | sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*) .*/\1/p')
	eps=$((execs / (secs > 0 ? secs : 1)))
	[ $runs -gt 0 ] && [ -n "$st" ] || execs=
	ncorp=$(ls "$corpus" | wc -l)
	# every crash input, reproduced alone to name its fault
	new=0 old=0 list=""
	for c in "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*; do
		[ -f "$c" ] || continue
		rep=$(NS_FUZZ_FORMAT=$fmt "$B/fuzz/$bin" -runs=1 "$c" 2>&1)
		sig=$(printf '%s\n' "$rep" | sed -nE 's/^SUMMARY: [A-Za-z]+: [^ ]+ ([^ ]+:[0-9]+).*/\1/p' | head -1)
		[ -n "$sig" ] || sig=$(printf '%s\n' "$rep" | grep -m1 -E '^SUMMARY|ERROR' || echo "$(basename "$c")")
		case " $list " in *" $sig "*) continue ;; esac
		list="$list $sig"
		cp "$c" "$R/crashes/$t-$(basename "$c")"
		isknown=0
		for k in $(grep -v '^#' "$known" 2>/dev/null); do
			case $sig in *"$k"*) isknown=1 ;; esac
		done
		if [ $isknown = 1 ]; then
			old=$((old + 1))
			echo "$t: known crash ($sig): $R/crashes/$t-$(basename "$c")"
		else
			new=$((new + 1))
			echo "$t: NEW crash ($sig): $R/crashes/$t-$(basename "$c")"
			printf '%s\n' "$rep" | grep -E '^(==|    #|SUMMARY|.*runtime error)' | head -25
		fi
	done
	printf '%-18s %9s %7s %11s %6s %6s %6s  %s\n' "$t" "${execs:-?}" \
		"${eps:-?}" "${corp:-?}" "$ncorp" "${cov:-?}" "${ft:-?}" \
		"$new new, $old known:$list" >>"$summary"
	if [ -z "$execs" ]; then
		res=ERROR
		failed=1
		tail -20 "$log"
	elif [ $new -gt 0 ]; then
		res=FAIL
		failed=1
	elif [ $old -gt 0 ]; then
		res=XFAIL
	else
		res=PASS
	fi
	printf ':test-result: %s\n:global-test-result: %s\n:recheck: no\n:copy-in-global-log: no\n' \
		"$res" "$res" >"$R/fuzz-$t.trs"
	rm -rf "$art"
done
cat "$summary"
exit $failed
