"""Shared helpers: the golden fixtures under fixtures/golden and the Rust tests' tolerances."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Optional, Union

import pytest

import fairmatch

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "fixtures" / "golden"


def load(kind: str, name: str) -> Any:
    """One golden fixture file, e.g. load("metrics", "classification")."""
    with open(GOLDEN / kind / f"{name}.json") as f:
        return json.load(f)


def num(v: Union[float, int, str, None]) -> float:
    """A fixture number: "nan"/"inf"/"-inf" strings; None (a dict output's NaN) is NaN."""
    if v is None:
        return math.nan
    if isinstance(v, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[v]
    return float(v)


def close(a: Optional[float], b: float, tol: float) -> bool:
    """Same rule as core/tests/metrics_golden.rs `close`."""
    x = num(a)
    return (
        (math.isnan(x) and math.isnan(b))
        or x == b
        or abs(x - b) <= tol * abs(b)
        or abs(x - b) <= tol * 1e-3
    )


def check(ctx: str, fn: Any, want: Any, tol: float = 1e-12) -> None:
    """Calls fn(); the fixture's "error" means UndefinedMetricError."""
    if want == "error":
        with pytest.raises(fairmatch.UndefinedMetricError):
            fn()
        return
    got = fn()
    assert close(got, num(want), tol), f"{ctx}: got {got}, want {want}"
