#!/usr/bin/env bash
# Runs the vector-index comparison: fairmatch vs hnswlib vs faiss, interleaved, in one run.
#   benches/compare/run_index_compare.sh [N] [NQ] [ROUNDS]     (defaults 100000 1000 3)
# INDEX_COMPARE_ARGS="--hnsw-rs" also times the hnsw_rs 0.3.5 crate alone.
# Makes benches/compare/.venv (gitignored) from requirements.txt, builds the fairmatch side in
# release, writes the dataset once to a temp dir, then runs both sides and prints one table.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
n="${1:-100000}"; nq="${2:-1000}"; rounds="${3:-3}"
export OMP_NUM_THREADS=1 RAYON_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
if [ ! -x "$here/.venv/bin/python" ]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q -r "$here/requirements.txt"
fi
py="$here/.venv/bin/python"
(cd "$root" && cargo build --release -q -p fairmatch-bench --bin index_compare)
data="${INDEX_COMPARE_DATA:-$(mktemp -d)}"
if [ ! -f "$data/base.npy" ]; then
  "$py" "$here/index_compare.py" gen --out "$data" --n "$n" --nq "$nq" \
    --shared "${SHARED_DATA:-$root/../shared/data}"
fi
"$py" "$here/index_compare.py" run --data "$data" --rust "$root/target/release/index_compare" \
  --rounds "$rounds" ${INDEX_COMPARE_ARGS:-}
