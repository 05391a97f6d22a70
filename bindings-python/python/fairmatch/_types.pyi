"""TypedDicts of the engine's inputs and outputs (stubs only; at runtime these are plain
dicts). Every input parameter also accepts ``Mapping[str, Any]`` so a pydantic model's
``.model_dump()`` passes straight in."""

import datetime
from typing import Any, Dict, List, Literal, Mapping, Optional, Tuple, TypedDict, Union

DateTime = Union[str, datetime.datetime]

class SkillClaim(TypedDict, total=False):
    skill: str
    level: Optional[float]  # 1–5
    years: Optional[float]
    verified: bool

class WorkingHours(TypedDict):
    start: float
    end: float

class Location(TypedDict, total=False):
    country: Optional[str]
    region: Optional[str]

class Embedding(TypedDict):
    model: str
    vector: List[float]

class History(TypedDict, total=False):
    ratings_sum: float
    ratings_count: int
    contracts_completed: int
    contracts_total: int
    active_contracts: int
    on_time: int
    disputes: int
    proposals_sent: int
    proposals_accepted: int
    last_proposal_at: Optional[DateTime]
    last_contract_at: Optional[DateTime]

class _FreelancerId(TypedDict):
    id: str

class Freelancer(_FreelancerId, total=False):
    skills: List[SkillClaim]
    hourly_rate: Optional[float]
    currency: Optional[str]
    timezone: Optional[str]
    working_hours: Optional[WorkingHours]
    weekly_hours: Optional[float]
    available: bool
    languages: List[str]
    location: Optional[Location]
    experience_years: Optional[float]
    history: Optional[History]
    last_active: Optional[DateTime]
    joined: Optional[DateTime]
    attributes: Dict[str, str]
    embedding: Optional[Embedding]

class SkillRequirement(TypedDict, total=False):
    skill: str
    min_level: Optional[float]
    weight: Optional[float]
    importance: Literal["must", "nice"]

class Budget(TypedDict, total=False):
    kind: Literal["hourly", "fixed"]
    min: Optional[float]
    max: Optional[float]
    currency: Optional[str]
    estimated_hours: Optional[float]

class TimezoneRequirement(TypedDict, total=False):
    zone: str
    working_hours: Optional[WorkingHours]
    min_overlap_hours: Optional[float]

class _JobId(TypedDict):
    id: str

class Job(_JobId, total=False):
    skills: List[SkillRequirement]
    # relax_when_short (alias relax_when_empty): the hard gate without emptying the list; the
    # best candidates below the gate fill a short list, flagged `below_gate`.
    must_haves: Literal["soft", "hard", "hard_allow_implied", "relax_when_short", "relax_when_empty"]
    budget: Optional[Budget]
    experience_level: Optional[Literal["entry", "intermediate", "expert"]]
    hours_per_week: Optional[float]
    timezone: Optional[TimezoneRequirement]
    languages: List[str]
    preferred_languages: List[str]
    location: Any
    open: bool
    posted_at: Optional[DateTime]
    expires_at: Optional[DateTime]
    attributes: Dict[str, str]
    embedding: Optional[Embedding]

class Filters(TypedDict, total=False):
    max_hourly_rate: Optional[float]
    min_weekly_hours: Optional[float]
    attributes: Dict[str, List[str]]
    exclude_ids: List[str]

class FairnessOptions(TypedDict, total=False):
    policy: Dict[str, Any]  # a RerankerConfig: {"type": "fair" | "det_greedy" | ..., ...}
    attribute: Optional[str]
    groups: List[str]
    pool: Optional[int]

class RecommendOptions(TypedDict, total=False):
    k: int
    min_score: float
    preset: Literal["default", "megilance_v1", "learned"]
    weights: Optional[Dict[str, float]]
    filters: Filters
    explain: bool
    now: Optional[DateTime]
    diversity: Optional[bool]
    fairness: Optional[FairnessOptions]
    request_id: Optional[str]  # seeds logged exploration (same id, same ranking)

class _ImpressionsBase(TypedDict):
    request_id: str
    freelancer_ids: List[str]
    at: DateTime

class Impressions(_ImpressionsBase, total=False):
    job_id: Optional[str]
    positions: Optional[List[int]]
    scores: Optional[List[float]]
    propensities: Optional[List[float]]  # Match.propensity of each shown id, in (0, 1]

class _OutcomeBase(TypedDict):
    freelancer_id: str
    kind: Literal["viewed", "applied", "shortlisted", "hired", "completed", "reviewed"]
    at: DateTime

class Outcome(_OutcomeBase, total=False):
    job_id: Optional[str]
    rating: Optional[float]

class _AuditBase(TypedDict):
    attribute: str

class AuditOptions(_AuditBase, total=False):
    to: Optional[DateTime]
    zero_division: Literal["nan", "zero", "one", "error", "fairlearn"]
    reference_group: Optional[str]

class FactorScore(TypedDict):
    name: str
    value: float
    weight: float
    # its part of the score: value * weight (* relevance R for a term of the relevance-gated
    # default preset); the contributions add up to the score
    contribution: float

class _MatchBase(TypedDict):
    id: str
    rank: int
    score: float
    factors: List[FactorScore]
    label: Optional[str]
    reasons: Optional[str]
    explanation: Optional[Dict[str, Any]]
    below_gate: bool  # failed the job's must-have gate; shown only to fill a short list

class Match(_MatchBase, total=False):
    # under logged exploration (config learning.exploration): P(this rank | the policy);
    # pass it back in Impressions.propensities
    propensity: float

class _RecommendationsBase(TypedDict):
    matches: List[Match]
    candidates: int
    scored: int
    below_min_score: int
    vetoed: Dict[str, int]
    below_gate: int  # candidates whose must-haves failed the job's gate (0 under "soft")
    preset: str
    retrieved: Optional[int]

class Recommendations(_RecommendationsBase, total=False):
    explored: bool  # present (True) when logged exploration re-ordered the top

class PairScore(Match):
    vetoes: List[str]

class LabelResolution(TypedDict):
    kind: Literal["exact", "alias", "contained", "acronym", "fuzzy", "unknown"]
    similarity: float  # 1 for exact and unknown, below 1 otherwise; multiplies the match
    matched: Optional[str]  # the known label or alias that matched

class LabelReport(TypedDict):
    id: str  # the entity's id ("" from Engine.resolve_label)
    index: int  # position of the label in the entity's skills
    label: str
    skill: str  # the taxonomy skill's label, or the ad-hoc skill's normalised label
    uri: Optional[str]
    resolution: LabelResolution
    alike: List[Tuple[str, float]]  # look-alike ad-hoc skills and their similarities

class UpsertReport(TypedDict):
    labels: List[LabelReport]
    by_kind: Dict[str, int]

class SkillVector(TypedDict):
    skill: str  # a taxonomy skill's label, alias or external id (ESCO URI)
    vector: List[float]

class SkillVectorTable(TypedDict):
    model: str
    vectors: List[SkillVector]

class Hit(TypedDict):
    id: int
    score: float  # higher is better (cosine, inner product, or minus squared L2)

class HnswConfig(TypedDict):
    m: int
    ef_construction: int
    ef_search: int
    max_layer: int
    rebuild_tombstone_share: float
    exact_fallback_share: float
    int8_filter_share: float
    parallel_build: bool
    seed: int

Target = Literal["viewed", "proposed", "hired"]

class FitConfig(TypedDict, total=False):
    target: Target
    holdout_share: float
    bootstrap_rounds: int
    seed: int
    l2: float
    min_outcomes: int
    max_positions: int
    baseline_weights: Optional[List[float]]
    client_min_outcomes: int
    client_prior: float

class CalibrationBin(TypedDict):
    mean_predicted: float
    observed_rate: float
    count: int

class HoldoutReport(TypedDict):
    n_slates: int
    n_items: int
    n_outcomes: int
    log_loss: Optional[float]  # None with an empty hold-out
    baseline_log_loss: Optional[float]  # the default preset's scores, calibrated the same way
    calibration: List[CalibrationBin]
    baseline_calibration: List[CalibrationBin]

class LearnedModelDict(TypedDict):
    factor_names: List[str]
    weights: List[float]
    weight_intervals: List[Tuple[float, float]]
    coefficients: List[float]
    intercept: float
    theta: List[float]
    holdout: HoldoutReport
    clients: Dict[str, List[float]]  # internal client number → weights (see learned_weights)
    target: Target
    n_slates: int
    n_items: int
    n_outcomes: int

class OfflineCandidate(TypedDict, total=False):
    name: Optional[str]
    preset: Literal["default", "learned"]
    weights: Optional[Dict[str, float]]
    fairness: Optional[FairnessOptions]

class OpeConfig(TypedDict, total=False):
    k: int
    target: Target
    bootstrap_rounds: int
    seed: int
    confidence: float

class OffPolicyEstimateDict(TypedDict):
    estimator: Literal["ips", "snips", "doubly_robust"]
    value: float
    lo: float
    hi: float
    n_slates: int
    logged_value: float

class OfflineEvaluationDict(TypedDict):
    name: str
    estimates: List[OffPolicyEstimateDict]

FitConfigLike = Union[FitConfig, Mapping[str, Any]]
OfflineCandidateLike = Union[OfflineCandidate, Mapping[str, Any]]
OpeConfigLike = Union[OpeConfig, Mapping[str, Any]]
FreelancerLike = Union[Freelancer, Mapping[str, Any]]
JobLike = Union[Job, Mapping[str, Any]]
OptionsLike = Union[RecommendOptions, Mapping[str, Any], None]
ImpressionsLike = Union[Impressions, Mapping[str, Any]]
OutcomeLike = Union[Outcome, Mapping[str, Any]]
SkillVectorTableLike = Union[SkillVectorTable, Mapping[str, Any]]
