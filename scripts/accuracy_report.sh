#!/bin/sh
# Prints the per-type precision/recall table of the Detector on the labelled
# corpus (scripts/gen_corpus.py, fixed seed), with up to N examples of missed
# and spurious findings per type.
#
#   scripts/accuracy_report.sh [BUILD_DIR] [EXAMPLES]
#
# BUILD_DIR defaults to build/dev (configured with the dev preset if absent);
# EXAMPLES defaults to 0. Exit status is accuracy_eval's (1 = a target missed).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build/dev"}
examples=${2:-0}
if [ ! -f "$build/CMakeCache.txt" ]; then
  (cd "$root" && cmake --preset dev >/dev/null)
fi
cmake --build "$build" --target accuracy_eval -j2 >/dev/null
python=/usr/bin/python3
[ -x "$python" ] || python=python3
corpus="$build/tests/accuracy/corpus.jsonl"
"$python" "$root/scripts/gen_corpus.py" --out "$corpus"
exec "$build/tests/accuracy_eval" "$corpus" --examples "$examples"
