"""Fairness re-ranking (FA*IR, Geyik et al., FairCo, MMR, round-robin, exploration)."""

from typing import Any, Dict, List, Mapping, Optional, Sequence, TypedDict, Union

class RerankItem(TypedDict):
    id: int
    score: float
    group: int

class GroupTarget(TypedDict):
    group: int
    proportion: float

MTableMode = str  # "exact" | "fsc_compat"
Item = Union[RerankItem, Mapping[str, Any]]
Target = Union[GroupTarget, Mapping[str, Any]]

def apply(
    config: Mapping[str, Any],
    items: Sequence[Item],
    k: int,
    *,
    ledger: Optional[Mapping[str, Any]] = None,
    impressions: Optional[Mapping[int, int]] = None,
    hourly_rates: Optional[Mapping[int, float]] = None,
    vectors: Optional[Mapping[int, Sequence[float]]] = None,
) -> Dict[str, Any]: ...
def mtable(k: int, p: float, alpha: float) -> List[int]: ...
def adjusted_mtable(k: int, p: float, alpha: float, mode: MTableMode = "exact") -> Dict[str, Any]: ...
def fail_probability(table: Sequence[int], p: float, mode: MTableMode = "exact") -> float: ...
def fair_top_k(items: Sequence[Item], protected: Sequence[int], k: int, mtable: Sequence[int]) -> List[int]: ...
def is_fair(protected_flags: Sequence[bool], mtable: Sequence[int]) -> bool: ...
def geyik_rerank(
    items: Sequence[Item],
    targets: Sequence[Target],
    k: int,
    algorithm: str,  # "det_greedy" | "det_cons" | "det_relaxed" | "det_const_sort"
) -> List[int]: ...
