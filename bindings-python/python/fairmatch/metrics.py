"""Bias metrics on numpy arrays or sequences (implemented in Rust; see metrics.pyi)."""

from ._native import metrics as _native_metrics

__all__ = [n for n in dir(_native_metrics) if not n.startswith("_")]
globals().update({n: getattr(_native_metrics, n) for n in __all__})
