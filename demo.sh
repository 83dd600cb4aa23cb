#!/bin/sh
# demo.sh - the main job on the bundled sample (run by './setup demo'):
# create a project from sample/debian-descriptions with the demo's cascade
# (sample/demo.yaml), embed it with the built-in embedder, mine lexical and
# dense candidates, run the cascade, show the numbers and end in the
# review TUI (where the cascade refits itself as you decide).
set -eu
cd "$(dirname "$0")"
proj=${NEGSIEVE_DEMO_PROJECT:-demo-project}
rm -rf "$proj"
./negsieve init --config sample/demo.yaml "$proj"
./negsieve import "$proj" sample/debian-descriptions
./negsieve embed "$proj"
./negsieve mine --method bm25 "$proj"
./negsieve mine --method dense "$proj"
./negsieve cascade "$proj"
./negsieve stats "$proj"
# On a terminal, end in the review screen; otherwise a short report.
if [ -t 0 ] && [ -t 1 ]; then
	exec ./negsieve review "$proj"
fi
echo "demo: project in $proj; run './negsieve review $proj' on a terminal to review it"
