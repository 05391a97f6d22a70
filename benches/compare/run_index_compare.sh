#!/usr/bin/env bash
# Runs the vector-index comparison: fairmatch vs hnswlib vs faiss, interleaved, in one run,
# then fairmatch HNSW vs hnswlib alone with builds interleaved too (hnsw_vs_hnswlib.py: wall and
# CPU-time ratios, `uptime` before and after, hnswlib's compile line from the build log).
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
  # hnswlib is always compiled here from its source release (never a wheel cached from another
  # machine): its setup.py adds -O3 and -march=native when the compiler accepts them, and the
  # verbose log keeps the compile line, which hnsw_vs_hnswlib.py prints next to the numbers
  "$here/.venv/bin/pip" install -q $(grep -v '^hnswlib' "$here/requirements.txt" | grep -v '^#')
  "$here/.venv/bin/pip" install -v --no-cache-dir --no-binary hnswlib \
    "$(grep '^hnswlib' "$here/requirements.txt")" > "$here/.venv/hnswlib-build.log" 2>&1
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
# HNSW alone, builds and queries interleaved in rounds, with hnswlib's compiler flags
"$py" "$here/hnsw_vs_hnswlib.py" --data "$data" --rust "$root/target/release/index_compare" \
  --rounds "$rounds" --hnswlib-build-log "$here/.venv/hnswlib-build.log"
