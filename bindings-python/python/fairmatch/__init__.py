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
    FlatIndex,
    HnswIndex,
    InsufficientLogsError,
    InvalidInputError,
    MAX_INPUT_NODES,
    MAX_NESTING,
    QuantizedIndex,
    SnapshotError,
    Taxonomy,
    UndefinedMetricError,
    UnknownIdError,
    __version__,
)
from . import metrics, rerank

__all__ = [
    "DimensionMismatchError",
    "Engine",
    "FairmatchError",
    "FairmatchIOError",
    "FlatIndex",
    "HnswIndex",
    "InsufficientLogsError",
    "InvalidInputError",
    "MAX_INPUT_NODES",
    "MAX_NESTING",
    "QuantizedIndex",
    "SnapshotError",
    "Taxonomy",
    "UndefinedMetricError",
    "UnknownIdError",
    "__version__",
    "metrics",
    "rerank",
]
