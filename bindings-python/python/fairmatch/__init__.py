"""fairmatch: embedded fairness-aware matching for talent marketplaces.

Everything is implemented in Rust (``fairmatch._native``); this package only re-exports it.
Inputs are plain dicts (TypedDicts in the stubs, so pydantic ``.model_dump()`` output passes
straight in), outputs are plain dicts/lists ready for a JSON response. Long calls release the
GIL; an :class:`Engine` is safe to share between threads and picklable.
"""

from . import _native
from ._native import (
    DimensionMismatchError,
    Engine,
    FairmatchError,
    FairmatchIOError,
    InvalidInputError,
    SnapshotError,
    Taxonomy,
    UndefinedMetricError,
    UnknownIdError,
    __version__,
)
from ._native import metrics as metrics
from ._native import rerank as rerank

__all__ = [
    "DimensionMismatchError",
    "Engine",
    "FairmatchError",
    "FairmatchIOError",
    "InvalidInputError",
    "SnapshotError",
    "Taxonomy",
    "UndefinedMetricError",
    "UnknownIdError",
    "__version__",
    "metrics",
    "rerank",
]

# `import fairmatch.metrics` / `from fairmatch.rerank import apply` work too.
import sys as _sys

_sys.modules[__name__ + ".metrics"] = _native.metrics
_sys.modules[__name__ + ".rerank"] = _native.rerank
del _sys
