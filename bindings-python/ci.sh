#!/usr/bin/env bash
# Builds the fairmatch Python extension from source and runs the Python test suites:
#   bindings-python/tests (golden fixtures, differential tests against fairlearn, AIF360,
#   fairsearchcore and scipy, errors, pickling, threads, GIL) and
#   examples/fastapi/tests (the FastAPI example through TestClient).
# Needs only python3 (with venv + pip) and cargo. Creates bindings-python/.venv-ci.
# Fails on the first error. Usage: bindings-python/ci.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
VENV="${FAIRMATCH_CI_VENV:-$HERE/.venv-ci}"
PY="${PYTHON:-python3}"
start=$(date +%s)

step() { printf '\n=== %s (+%ss)\n' "$1" "$(( $(date +%s) - start ))"; }

step "venv $VENV"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
# shellcheck disable=SC1091
source "$VENV/bin/activate"
python -m pip install -q --disable-pip-version-check \
    maturin==1.16.0 pytest==9.2.0 fastapi==0.165.0 httpx==0.28.1 numpy==2.4.6 mypy==2.4.1

step "reference libraries for tests/test_differential.py"
# The versions of the fixture generators (fixtures/gen/metrics/requirements.txt and the
# fixtures' recorded versions; fairsearchcore as fixtures/gen/rerank, whose __hash__ shim the
# test applies at run time). ~30 s on a warm or cold pip cache, ~2 s when the venv has them.
python -m pip install -q --disable-pip-version-check \
    fairlearn==0.15.0 aif360==0.6.1 fairsearchcore==1.0.4 scipy==1.17.1 \
    pandas==3.1.1 scikit-learn==1.9.1
# A missing reference library fails the differential tests instead of skipping them.
export FAIRMATCH_REQUIRE_REFERENCE=1

step "build + install the extension (maturin develop)"
# Separate target dir: maturin's environment would otherwise rebuild the pyo3 chain of the
# workspace target each time (TOOLCHAIN.md). The dev profile compiles the core and the
# binding at opt-level 3 (root Cargo.toml), so no --release is needed for the tests.
maturin develop --manifest-path "$HERE/Cargo.toml" --target-dir "${FAIRMATCH_CI_TARGET:-$ROOT/target/maturin}"
python -c "import fairmatch, fairmatch.metrics, fairmatch.rerank; print('fairmatch', fairmatch.__version__)"

step "pytest"
cd "$ROOT"
python -m pytest -q -p no:cacheprovider "$HERE/tests" "$ROOT/examples/fastapi/tests"

step "mypy --strict (tests and example against the shipped stubs)"
(cd "$HERE/tests" && MYPYPATH=. python -m mypy --strict --no-incremental . "$ROOT/examples/fastapi")

step "ok"
