#!/usr/bin/env bash
# Interleaved before/after latency of recommend_freelancers (top-20 with explanations, one
# thread) for two builds of `recommend_latency` (benches/src/bin/recommend_latency.rs).
# Usage: recommend_before_after.sh BEFORE_BIN AFTER_BIN N PRESET ROUNDS [PASSES]
# Each round runs BEFORE then AFTER (order alternating per round), each a fresh process
# (build the catalogue, warm-up pass, PASSES timed passes over 200 jobs); prints every JSON
# line and the load average before each round. Compare the medians over rounds; the checksum
# must be equal (same answers).
set -euo pipefail
before=$1; after=$2; n=$3; preset=$4; rounds=$5; passes=${6:-2}
for r in $(seq 1 "$rounds"); do
    echo "# round $r load: $(cut -d' ' -f1-3 /proc/loadavg)"
    if (( r % 2 )); then order="before after"; else order="after before"; fi
    for which in $order; do
        bin=$before; [ "$which" = after ] && bin=$after
        printf '%s ' "$which"
        nice -n 5 "$bin" "$n" "$preset" "$passes"
    done
done
