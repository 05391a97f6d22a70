"""Fairness re-ranking policies and FA*IR m-tables (implemented in Rust; see rerank.pyi)."""

from ._native import rerank as _native_rerank

__all__ = [n for n in dir(_native_rerank) if not n.startswith("_")]
globals().update({n: getattr(_native_rerank, n) for n in __all__})
