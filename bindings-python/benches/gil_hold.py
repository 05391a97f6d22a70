"""How long `Engine.upsert_freelancers` holds the GIL (issue 12 item 15).

A probe thread sleeps 0.2 ms at a time and then needs the GIL back, while the main thread
upserts N freelancers; whatever its wake-ups wait beyond the sleep (less the wait measured
with an idle main thread) is time the upsert held the GIL. Unlike counting loop iterations
of a ticker thread, this needs almost no CPU, so a loaded machine does not read as GIL held. Variants run in child processes, interleaved round by
round (A B C A B C ...), and the medians are reported with the machine's load average.

Usage (each interpreter has a fairmatch build installed):

    python gil_hold.py --python old=/path/venv/bin/python --python new=/path/venv/bin/python \
        --n 100000 --rounds 5

Variants: ``dicts`` (a list of dicts, every build), ``json-str`` (the same list as a JSON
``str`` prepared in advance, e.g. an HTTP body; new builds only) and ``json-dumps``
(``json.dumps`` of the list inside the timed region, so the Python-side serialisation is
counted).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Dict, List, Tuple

CHILD = r"""
import json, random, sys, threading, time
import fairmatch

n, variant = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
SKILLS = ["React", "TypeScript", "Python", "Django", "PostgreSQL", "Docker", "Go", "Rust",
          "Kubernetes", "Figma", "Node.js", "GraphQL", "AWS", "Machine learning", "SQL"]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]
def person(i):
    return {
        "id": f"f{i}",
        "skills": [{"skill": s, "level": rng.randint(1, 5), "years": rng.randint(0, 12)}
                   for s in rng.sample(SKILLS, rng.randint(2, 6))],
        "hourly_rate": rng.uniform(15, 150),
        "currency": "USD",
        "timezone": rng.choice(ZONES),
        "weekly_hours": 40.0,
        "languages": ["en"] + (["de"] if i % 3 == 0 else []),
        "location": {"country": "DE", "region": "eu"},
        "history": {"ratings_sum": 9.0, "ratings_count": 2, "contracts_completed": 2,
                    "contracts_total": 3},
        "last_active": "2026-05-20T10:00:00Z",
        "attributes": {"tenure": "newcomer" if i % 4 == 0 else "established"},
    }
batch = [person(i) for i in range(n)]
payload = json.dumps(batch) if variant == "json-str" else None

def probe(stop, out):
    # sleeps 0.2 ms at a time (releasing the GIL) and then needs it back: the time a wake-up
    # waits beyond the sleep is time the GIL was held by the main thread (plus scheduling,
    # which the idle run measures and subtracts)
    waited, n = 0.0, 0
    while not stop.is_set():
        t0 = time.perf_counter()
        time.sleep(0.0002)
        waited += time.perf_counter() - t0
        n += 1
    out.append((waited, n))

def run(work):
    stop, out = threading.Event(), []
    t = threading.Thread(target=probe, args=(stop, out))
    t.start()
    t0 = time.perf_counter()
    work()
    dt = time.perf_counter() - t0
    stop.set()
    t.join()
    return dt, out[0]

e = fairmatch.Engine()
if variant == "dicts":
    work = lambda: e.upsert_freelancers(batch)
elif variant == "json-str":
    work = lambda: e.upsert_freelancers(payload)
else:
    work = lambda: e.upsert_freelancers(json.dumps(batch))
dt, (waited, probes) = run(work)
assert e.freelancer_count() == n
_, (idle_waited, idle_probes) = run(lambda: time.sleep(dt))
held = max(0.0, waited - probes * idle_waited / max(idle_probes, 1))
print(json.dumps({"seconds": dt, "gil_share": min(1.0, held / dt)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python", action="append", required=True, help="label=interpreter")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    builds = [tuple(p.split("=", 1)) for p in a.python]
    runs: List[Tuple[str, str, str]] = []
    for label, exe in builds:
        variants = ["dicts"] if label == "old" else ["dicts", "json-str", "json-dumps"]
        runs += [(label, exe, v) for v in variants]
    results: Dict[Tuple[str, str], List[Dict[str, float]]] = {}
    load = [os.getloadavg()[0]]
    for _ in range(a.rounds):
        for label, exe, variant in runs:
            out = subprocess.run([exe, "-c", CHILD, str(a.n), variant], capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(out.stderr)
            results.setdefault((label, variant), []).append(json.loads(out.stdout.strip().splitlines()[-1]))
        load.append(os.getloadavg()[0])
    print(f"n = {a.n}, {a.rounds} interleaved rounds, load average {min(load):.2f}–{max(load):.2f}")
    print(f"{'build':6} {'input':11} {'seconds (median)':>17} {'GIL held (median)':>18} {'GIL-held s':>11}")
    for (label, variant), rs in results.items():
        s = statistics.median(r["seconds"] for r in rs)
        g = statistics.median(r["gil_share"] for r in rs)
        print(f"{label:6} {variant:11} {s:17.3f} {g:18.1%} {s * g:11.3f}")


if __name__ == "__main__":
    main()
