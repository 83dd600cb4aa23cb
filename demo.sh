#!/bin/sh
# demo.sh - the main job on the bundled sample (run by './setup demo'):
# create a project from sample/debian-descriptions and show its numbers.
set -eu
cd "$(dirname "$0")"
proj=${NEGSIEVE_DEMO_PROJECT:-demo-project}
rm -rf "$proj"
./negsieve init "$proj"
./negsieve import "$proj" sample/debian-descriptions
./negsieve stats "$proj"
