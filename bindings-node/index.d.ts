// Types of the npm package `fairmatch` (hand-written; the surface of index.js).
//
// Field names are the core's serde names in camelCase (`hourlyRate`, `minScore`,
// `belowMinScore`); enum values keep the core's snake_case spelling (`"between_groups"`,
// `"megilance_v1"`, `{ type: "det_greedy" }`). Map keys (skill names, group labels, attribute
// names, veto names) are data and pass unchanged. Undefined numbers (NaN) in object results
// are `null`; plain number results may be NaN.

/** An ISO 8601 date-time (a `Date` is converted with `toISOString()`). */
export type DateTime = string | Date;

// ---------------------------------------------------------------------------------------------
// Errors

/** The stable error codes. */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'DIMENSION_MISMATCH'
  | 'UNKNOWN_ID'
  | 'UNDEFINED_METRIC'
  | 'SNAPSHOT'
  | 'IO'
  | 'INSUFFICIENT_LOGS'
  | 'INTERNAL';

/** Every error thrown or rejected by fairmatch. */
export class FairmatchError extends Error {
  readonly name: 'FairmatchError';
  /** Stable code. */
  readonly code: ErrorCode;
  /** The core's finer code (`CORRUPT_SNAPSHOT`, `ZERO_DIVISION`, …). */
  readonly coreCode?: string;
  /** INVALID_INPUT / DIMENSION_MISMATCH: the offending field (`freelancers[3].hourlyRate`). */
  readonly field?: string;
  /** UNKNOWN_ID: the entity kind (`freelancer`, `job`, `skill`, `group`, `vector`, …). */
  readonly kind?: string;
  /** UNKNOWN_ID: the id as given. */
  readonly id?: string;
  /** DIMENSION_MISMATCH: the expected and given lengths. */
  readonly expected?: number;
  readonly got?: number;
  /** UNDEFINED_METRIC: the metric (and group) that was undefined. */
  readonly metric?: string;
  /** IO: the file. */
  readonly path?: string;
  /** INSUFFICIENT_LOGS: why the logs cannot support a fit or an off-policy estimate. */
  readonly reason?: string;
}

/** Input nesting limit (objects and arrays). */
export const MAX_NESTING: number;
/** Budget of values in one input. */
export const MAX_INPUT_NODES: number;
/** The addon's version. */
export const version: string;

// ---------------------------------------------------------------------------------------------
// Catalogue inputs

export interface SkillClaim {
  skill: string;
  /** 1–5. */
  level?: number | null;
  years?: number | null;
  verified?: boolean;
}

export interface WorkingHours {
  start: number;
  end: number;
}

export interface Location {
  country?: string | null;
  region?: string | null;
}

export interface Embedding {
  model: string;
  vector: number[] | Float32Array;
}

export interface History {
  ratingsSum?: number;
  ratingsCount?: number;
  contractsCompleted?: number;
  contractsTotal?: number;
  activeContracts?: number;
  onTime?: number;
  disputes?: number;
  proposalsSent?: number;
  proposalsAccepted?: number;
  lastProposalAt?: DateTime | null;
  lastContractAt?: DateTime | null;
}

export interface Freelancer {
  id: string;
  skills?: SkillClaim[];
  hourlyRate?: number | null;
  currency?: string | null;
  /** IANA zone, e.g. `Europe/Berlin`. */
  timezone?: string | null;
  workingHours?: WorkingHours | null;
  weeklyHours?: number | null;
  available?: boolean;
  languages?: string[];
  location?: Location | null;
  experienceYears?: number | null;
  history?: History | null;
  lastActive?: DateTime | null;
  joined?: DateTime | null;
  /** Free attributes (e.g. the fairness group attribute). */
  attributes?: Record<string, string>;
  embedding?: Embedding | null;
}

export interface SkillRequirement {
  skill: string;
  minLevel?: number | null;
  weight?: number | null;
  importance?: 'must' | 'nice';
}

export interface Budget {
  kind?: 'hourly' | 'fixed';
  min?: number | null;
  max?: number | null;
  currency?: string | null;
  estimatedHours?: number | null;
}

export interface TimezoneRequirement {
  zone: string;
  workingHours?: WorkingHours | null;
  minOverlapHours?: number | null;
}

export type LocationPolicy =
  | 'anywhere'
  | { countries: string[] }
  | { regions: string[] };

export interface Job {
  id: string;
  skills?: SkillRequirement[];
  mustHaves?: 'soft' | 'hard' | 'hard_allow_implied';
  budget?: Budget | null;
  experienceLevel?: 'entry' | 'intermediate' | 'expert' | null;
  hoursPerWeek?: number | null;
  timezone?: TimezoneRequirement | null;
  languages?: string[];
  preferredLanguages?: string[];
  location?: LocationPolicy;
  open?: boolean;
  postedAt?: DateTime | null;
  expiresAt?: DateTime | null;
  attributes?: Record<string, string>;
  embedding?: Embedding | null;
}

// ---------------------------------------------------------------------------------------------
// Options and fairness policies

export interface GroupTarget {
  group: number;
  proportion: number;
}

/** A re-ranking policy (the core's `RerankerConfig`). */
export type RerankerConfig =
  | { type: 'none' }
  | { type: 'fair'; p: number; alpha: number; mode?: 'exact' | 'fsc_compat'; protectedGroups?: number[] }
  | { type: 'det_greedy' | 'det_cons' | 'det_relaxed' | 'det_const_sort'; targets: GroupTarget[] }
  | { type: 'fair_co'; lambda: number; unit?: 'group' | 'individual' }
  | { type: 'mmr'; lambda: number }
  | { type: 'round_robin'; keepHead?: number }
  | { type: 'price_tier' }
  | { type: 'exploration'; maxBoost?: number; minImpressions?: number; maxPromotion?: number | null; seed?: number }
  | { type: 'chain'; steps: RerankerConfig[] };

export interface FairnessOptions {
  policy: RerankerConfig;
  /** The freelancer attribute whose values are the groups. */
  attribute?: string | null;
  /** Group values in code order (code 0 = first); others get the next code. */
  groups?: string[];
  /** Candidates re-ranked (default a multiple of k). */
  pool?: number | null;
}

export interface Filters {
  maxHourlyRate?: number | null;
  minWeeklyHours?: number | null;
  attributes?: Record<string, string[]>;
  excludeIds?: string[];
}

/** `learned`: the default factors with the weights of the last `learn()` (per client). */
export type Preset = 'default' | 'megilance_v1' | 'learned';

export interface RecommendOptions {
  k?: number;
  minScore?: number;
  preset?: Preset;
  /** Factor name → weight. */
  weights?: Record<string, number> | null;
  filters?: Filters;
  explain?: boolean;
  now?: DateTime | null;
  diversity?: boolean | null;
  fairness?: FairnessOptions | null;
  /** Decides whether logged exploration applies and seeds it (same id, same ranking). */
  requestId?: string | null;
}

export interface Impressions {
  requestId: string;
  jobId?: string | null;
  freelancerIds: string[];
  positions?: number[] | null;
  scores?: number[] | null;
  /** `Match.propensity` of each shown id (exploration), in (0, 1]; none = deterministic. */
  propensities?: number[] | null;
  at: DateTime;
}

export type OutcomeKind = 'viewed' | 'applied' | 'shortlisted' | 'hired' | 'completed' | 'reviewed';

export interface Outcome {
  freelancerId: string;
  jobId?: string | null;
  kind: OutcomeKind;
  rating?: number | null;
  at: DateTime;
}

export type ZeroDivision = 'nan' | 'zero' | 'one' | 'error' | 'fairlearn';

export interface AuditOptions {
  attribute: string;
  from?: DateTime | null;
  to?: DateTime | null;
  zeroDivision?: ZeroDivision;
  referenceGroup?: string | null;
}

/** Engine settings (partial objects are completed with the core's defaults). */
/** Skill similarity credits (`scoring.similarity`). */
export interface SimilarityConfig {
  /** Credit per hop when the held skill is narrower than the needed one (default 0.8). */
  specificCoversGeneral?: number;
  /** Credit per hop when the held skill is broader (default 0.5). */
  generalCoversSpecific?: number;
  /** Credit for an ESCO-related skill (default 0.5). */
  related?: number;
  /** Credit for another skill of the same category (default 0). */
  sameCategory?: number;
  /** Longest hierarchy path considered (default 2, at most 8). */
  maxHops?: number;
  /** Least cosine of two skills' vectors for an embedding match (default 0.45). */
  embeddingThreshold?: number;
  /** Credit per unit of cosine of an embedding match (default 0.4). */
  embedding?: number;
}

/** The skill factor (`scoring.fit`). */
export interface SkillFitConfig {
  /** Exponent on the level ratio (default 1). */
  gamma?: number;
  /** Floor inside the must-haves' geometric mean (default 0.01). */
  epsilon?: number;
  /** Threshold for a must-have to count as covered by the gate (default 0.35). */
  tau?: number;
  /** Share of the skill factor from must-haves when a job has both kinds (default 0.75). */
  mustShareOfSkill?: number;
  /** Level assumed for a held skill stated without one (default 3). */
  defaultLevel?: number;
  /** Skill factor of a job that lists no skills (default 0.5). */
  neutralNoRequirements?: number;
  /** Share of the skill factor from the focus term (default 0.3; 0 turns it off). */
  focus?: number;
  /** Share of the skill factor from occupation evidence when the taxonomy has occupation
   * profiles, e.g. an ESCO import (default 0.5; 0 turns it off; no effect without profiles). */
  occupation?: number;
}

/** How free-text skill labels resolve (`scoring.resolution`). */
export interface ResolutionConfig {
  alias?: number;
  contained?: boolean;
  containedSimilarity?: number;
  minCoverage?: number;
  acronyms?: boolean;
  acronymSimilarity?: number;
  /** Least trigram Dice of a fuzzy match; `null` turns fuzzy matching off (default 0.8). */
  fuzzyThreshold?: number | null;
  fuzzyMargin?: number;
  fuzzySimilarity?: number;
  adhocLinks?: boolean;
}

/** Requirement weights by the specificity of their skill (`scoring.specificity`). */
export interface SpecificityConfig {
  enabled?: boolean;
  /** Saturation k > 0, at most 1000 (default 100). */
  saturation?: number;
}

/**
 * How the `default` preset makes one score: `relevance_gated` (default: the terms — rate,
 * experience, availability, reputation, recency, time zone, language — count in proportion
 * to relevance R, the weighted mean of `skills` and `semantic`) or `weighted_mean` (the
 * plain mean; snapshots before format 4 load with it).
 */
export type Composition = 'relevance_gated' | 'weighted_mean';

/** Engine-wide scoring parameters (saved in snapshots). */
export interface ScoringConfig {
  similarity?: SimilarityConfig;
  fit?: SkillFitConfig;
  resolution?: ResolutionConfig;
  specificity?: SpecificityConfig;
  composition?: Composition;
}

export interface EngineConfig {
  scoring?: ScoringConfig;
  events?: Record<string, unknown>;
  ledger?: Record<string, unknown>;
  retrieval?: { minCatalog?: number; vectorNeighbours?: number };
  learning?: LearningConfig;
}

/** Logged exploration: on `share` of request ids, the top `topM` re-ordered by a seeded
 * Plackett–Luce draw at `temperature`, each result with its exact position probability. */
export interface ExplorationPolicy {
  share: number;
  topM?: number;
  temperature?: number;
  seed?: number;
}

export interface LearningConfig {
  /** Keep each shown pair's factor values for `learn()` (default true). */
  logImpressions?: boolean;
  maxLoggedItems?: number;
  exploration?: ExplorationPolicy | null;
  /** FairCo's merit: recorded scores, or proposals weighted by 1/θ of their position. */
  faircoMerit?: 'scores' | 'propensity_weighted_clicks';
}

export type LearnTarget = 'viewed' | 'proposed' | 'hired';

export interface FitConfig {
  target?: LearnTarget;
  holdoutShare?: number;
  bootstrapRounds?: number;
  seed?: number;
  l2?: number;
  minOutcomes?: number;
  maxPositions?: number;
  baselineWeights?: number[] | null;
  clientMinOutcomes?: number;
  clientPrior?: number;
}

export interface CalibrationBin {
  meanPredicted: number;
  observedRate: number;
  count: number;
}

export interface HoldoutReport {
  nSlates: number;
  nItems: number;
  nOutcomes: number;
  /** `null` with an empty hold-out. */
  logLoss: number | null;
  /** The default preset's scores calibrated the same way. */
  baselineLogLoss: number | null;
  calibration: CalibrationBin[];
  baselineCalibration: CalibrationBin[];
}

/** The position-based click model `θ_k · σ(intercept + Σ coefficients·x)` fitted by `learn()`. */
export interface LearnedModel {
  factorNames: string[];
  /** Ranking weights (≥ 0, sum 1), with bootstrap 95 % intervals. */
  weights: number[];
  weightIntervals: [number, number][];
  coefficients: number[];
  intercept: number;
  /** Examination per position, θ₁ = 1. */
  theta: number[];
  holdout: HoldoutReport;
  /** Internal client number → weights (`learnedWeights(clientId)` reads them by id). */
  clients: Record<string, number[]>;
  target: LearnTarget;
  nSlates: number;
  nItems: number;
  nOutcomes: number;
}

export interface OfflineCandidate {
  name?: string | null;
  preset?: 'default' | 'learned';
  weights?: Record<string, number> | null;
  fairness?: FairnessOptions | null;
}

export interface OpeConfig {
  k?: number;
  target?: LearnTarget;
  bootstrapRounds?: number;
  seed?: number;
  confidence?: number;
}

export interface OffPolicyEstimate {
  estimator: 'ips' | 'snips' | 'doubly_robust';
  /** Expected target outcomes in the top k per request, with its interval. */
  value: number;
  lo: number;
  hi: number;
  nSlates: number;
  loggedValue: number;
}

export interface OfflineEvaluation {
  name: string;
  estimates: OffPolicyEstimate[];
}

// ---------------------------------------------------------------------------------------------
// Results

export interface FactorScore {
  name: string;
  value: number;
  weight: number;
  /** Its part of the score: value × weight (× relevance R for a term of the relevance-gated
   * `default` preset); the contributions add up to the score. */
  contribution: number;
}

export interface SkillMatchExplanation {
  required: string;
  held: string;
  /** `exact`, `alias`, `implied`, `broader`, `related`, … */
  kind: string;
  similarity: number;
  levelNeeded: number | null;
  levelHeld: number | null;
  value: number;
  must: boolean;
  /** Taxonomy path from the held skill to the required one. */
  path: string[];
}

export interface MissingSkill {
  required: string;
  must: boolean;
}

export interface SkillExplanation {
  matched: SkillMatchExplanation[];
  implied: SkillMatchExplanation[];
  missing: MissingSkill[];
  covMust: number;
  fitMust: number;
  covNice: number;
  gateShare: number;
  /** The coverage part of the skill factor (before the focus term). */
  coverage: number;
  /** Specificity-weighted share of the freelancer's skills that serve the job. */
  focus: number;
  /** Occupation evidence mixed into the skill factor (null without occupation profiles or
   * when the job names no taxonomy skill). */
  occupation: OccupationEvidence | null;
}

/** How likely the job and the freelancer are to be the same occupation. */
export interface OccupationEvidence {
  /** Σ_o P(o|job)·P(o|freelancer) / max_o P(o|job), in [0, 1]. */
  similarity: number;
  /** Its share of the skill factor (`scoring.fit.occupation`). */
  weight: number;
  /** The occupation both most likely share, or null. */
  likeliest: string | null;
  /** Its URI (ESCO concept), or null. */
  uri: string | null;
  jobProbability: number;
  freelancerProbability: number;
}

/** A fairness policy moved this result. */
export interface RerankMove {
  policy: string;
  from: number;
  to: number;
}

/** The megilance_v1 preset's own explanation (the seed's `why_good_fit` and details). */
export type MegilanceExplanation = Record<string, unknown>;

export interface Explanation {
  skills: SkillExplanation | null;
  notes: string[];
  moves: RerankMove[];
  megilance: MegilanceExplanation | null;
}

export interface Match {
  id: string;
  rank: number;
  score: number;
  factors: FactorScore[];
  label: string | null;
  reasons: string | null;
  explanation: Explanation | null;
  /** Shown only to fill a short list (failed the must-have gate). */
  belowGate: boolean;
  /** Under logged exploration: P(this rank | the policy); pass back in `Impressions`. */
  propensity?: number;
}

export interface Recommendations {
  matches: Match[];
  candidates: number;
  scored: number;
  belowMinScore: number;
  /** Veto name → candidates removed. */
  vetoed: Record<string, number>;
  /** Candidates whose must-haves failed the job's gate (0 under `soft`). */
  belowGate: number;
  preset: Preset;
  retrieved: number | null;
  /** Present (true) when logged exploration re-ordered the top. */
  explored?: boolean;
}

export interface PairScore extends Match {
  vetoes: string[];
}

export interface Counters {
  impressions: number;
  exposure: number;
  viewed: number;
  applied: number;
  shortlisted: number;
  hired: number;
  completed: number;
  reviews: number;
  ratingSum: number;
  ratingSqSum: number;
}

export interface GroupAudit {
  group: string;
  population: number;
  populationShare: number | null;
  impressions: number;
  exposure: number;
  exposureShare: number | null;
  exposureRatio: number | null;
  funnel: Counters;
  applicationRate: number | null;
  hireRate: number | null;
  completionRate: number | null;
  meanRating: number | null;
}

export interface RatingGap {
  group: string;
  n: [number, number];
  meanGap: number | null;
  welchP: number | null;
  mannWhitneyP: number | null;
  rankBiserial: number | null;
  welchPAdjusted: number | null;
  mannWhitneyPAdjusted: number | null;
}

export interface AuditReport {
  attribute: string;
  from: string | null;
  to: string | null;
  groups: GroupAudit[];
  hireRateDifference: number | null;
  hireRateRatio: number | null;
  referenceGroup: string | null;
  /** Group → disparate impact vs the reference group. */
  disparateImpact: Record<string, number | null>;
  ratingGaps: RatingGap[];
  exposureGini: number | null;
  /** Metrics that were undefined (named). */
  undefined: string[];
}

/** The event log's aggregate state (counters per freelancer and group, time buckets). */
export interface EventLogState {
  events: number;
  [key: string]: unknown;
}

/** The exposure ledger's state. */
export type LedgerState = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Taxonomy and Engine

export class Taxonomy {
  private constructor(native: unknown);
  /** The built-in taxonomy (741 skills with aliases and parents). */
  static builtin(): Taxonomy;
  /** Imports an ESCO CSV directory (off the event loop). */
  static fromEsco(dir: string): Promise<Taxonomy>;
  /** The skill id a label or alias resolves to, or null. */
  resolve(label: string): number | null;
  /** The canonical label of a skill id, or null. */
  label(id: number): string | null;
  readonly name: string;
  readonly size: number;
  /** Occupations with a skill profile (an ESCO import's; 0 for the built-in taxonomy). When
   * there are any, the engine mixes occupation evidence into the skill factor
   * (`scoring.fit.occupation`). */
  readonly occupations: number;
}

export interface EngineOptions {
  taxonomy?: Taxonomy;
  config?: EngineConfig;
}

/**
 * The matching engine. Safe to share between concurrent Promises (the core locks inside).
 * An Engine object cannot be passed to another worker thread: send `await engine.toBuffer()`
 * and `Engine.fromBuffer(bytes)` there (an independent copy).
 */
export class Engine {
  constructor(options?: EngineOptions);
  upsertFreelancer(freelancer: Freelancer): void;
  /** All or none; parsed and applied off the event loop. */
  upsertFreelancers(freelancers: Freelancer[]): Promise<void>;
  upsertJob(job: Job): void;
  upsertJobs(jobs: Job[]): Promise<void>;
  removeFreelancer(id: string): void;
  removeJob(id: string): void;
  freelancer(id: string): Freelancer;
  job(id: string): Job;
  readonly freelancerCount: number;
  readonly jobCount: number;
  recommendFreelancers(jobId: string, options?: RecommendOptions): Promise<Recommendations>;
  recommendJobs(freelancerId: string, options?: RecommendOptions): Promise<Recommendations>;
  score(jobId: string, freelancerId: string, options?: RecommendOptions): PairScore;
  scoreMany(jobId: string, freelancerIds: string[], options?: RecommendOptions): Promise<PairScore[]>;
  recordImpressions(impressions: Impressions): void;
  recordOutcome(outcome: Outcome): void;
  /** Bias audit over the event log (an attribute name or options). */
  audit(options: string | AuditOptions): Promise<AuditReport>;
  /** Fits the click model to the logged impressions and keeps it as the `learned` preset;
   * rejects with `INSUFFICIENT_LOGS` without position variation or enough outcomes. */
  learn(config?: FitConfig): Promise<LearnedModel>;
  learnedModel(): LearnedModel | null;
  /** The weights `learned` uses for a client's jobs (global without one); null before `learn()`. */
  learnedWeights(client?: string | null): number[] | null;
  /** Off-policy estimates of candidate rankings from the explored logged lists. */
  evaluateOffline(candidates: OfflineCandidate[], options?: OpeConfig): Promise<OfflineEvaluation[]>;
  events(): EventLogState;
  ledger(): LedgerState;
  config(): Required<EngineConfig>;
  readonly taxonomy: Taxonomy;
  toBuffer(): Promise<Buffer>;
  static fromBuffer(data: Uint8Array): Promise<Engine>;
  /** Atomic save. */
  save(path: string): Promise<void>;
  static load(path: string): Promise<Engine>;
}

// ---------------------------------------------------------------------------------------------
// Vector indexes

export type Metric = 'cosine' | 'inner_product' | 'squared_l2' | 'ip' | 'dot' | 'l2';

export interface Hit {
  id: number;
  /** Higher is better (cosine, inner product, or minus squared L2). */
  score: number;
}

export interface SearchOptions {
  /** Candidate list size of an approximate search (HNSW only). */
  ef?: number;
  /** Allowed row ids, any order. */
  allow?: Uint32Array | number[];
  /** The query's model id (default: the index's). */
  modelId?: string;
}

/** Row-major `rows × dim` values, or one array per row. */
export type Vectors = Float32Array | (number[] | Float32Array)[];

declare abstract class VectorIndex {
  readonly modelId: string;
  readonly dim: number;
  readonly metric: string;
  readonly size: number;
  has(id: number): boolean;
  memoryBytes(): number;
  upsert(id: number, vector: Float32Array | number[]): void;
  /** All or none; off the event loop. */
  upsertMany(ids: Uint32Array | number[], vectors: Vectors): Promise<void>;
  remove(id: number): boolean;
  search(query: Float32Array | number[], k: number, options?: SearchOptions): Promise<Hit[]>;
  searchBatch(queries: Vectors, k: number, options?: SearchOptions): Promise<Hit[][]>;
  toBuffer(): Promise<Buffer>;
}

export class FlatIndex extends VectorIndex {
  constructor(modelId: string, dim: number, metric?: Metric);
  static fromBuffer(data: Uint8Array): Promise<FlatIndex>;
}

export interface HnswConfig {
  m: number;
  efConstruction: number;
  efSearch: number;
  maxLayer: number;
  rebuildTombstoneShare: number;
  exactFallbackShare: number;
  int8FilterShare: number;
  parallelBuild: boolean;
  seed: number;
}

export class HnswIndex extends VectorIndex {
  constructor(modelId: string, dim: number, metric?: Metric, config?: Partial<HnswConfig>);
  static fromBuffer(data: Uint8Array): Promise<HnswIndex>;
  static defaultConfig(): HnswConfig;
  config(): HnswConfig;
  tombstoneShare(): number;
  setEfSearch(ef: number): void;
  setExactFallbackShare(share: number): void;
  setInt8FilterShare(share: number): Promise<void>;
  rebuild(): Promise<void>;
}

export class QuantizedIndex extends VectorIndex {
  constructor(modelId: string, dim: number, metric?: Metric, options?: { rerankCandidates?: number });
  static fromBuffer(data: Uint8Array): Promise<QuantizedIndex>;
  readonly rerankCandidates: number;
  scales(): number[];
  scanBytes(): number;
}

// ---------------------------------------------------------------------------------------------
// rerank

export interface RerankItem {
  id: number;
  score: number;
  group: number;
}

export interface StepMove {
  policy: string;
  from: number;
  to: number;
}

export interface ItemMove {
  id: number;
  originalRank: number;
  finalRank: number;
  steps: StepMove[];
}

export interface RerankOutcome {
  order: number[];
  moves: ItemMove[];
  [key: string]: unknown;
}

export interface RerankContext {
  /** An exposure ledger state (for FairCo). */
  ledger?: LedgerState;
  /** Item id → impressions so far (exploration). */
  impressions?: Record<number, number>;
  /** Item id → hourly rate (price tier). */
  hourlyRates?: Record<number, number>;
  /** Item id → vector (MMR cosine similarity; missing vectors count as dissimilar). */
  vectors?: Record<number, number[]>;
}

export interface AdjustedMTable {
  table: number[];
  failProbability: number;
  adjustedAlpha: number;
  [key: string]: unknown;
}

export type MTableMode = 'exact' | 'fsc_compat';

export const rerank: {
  apply(config: RerankerConfig, items: RerankItem[], k: number, context?: RerankContext): RerankOutcome;
  mtable(k: number, p: number, alpha: number): number[];
  adjustedMtable(k: number, p: number, alpha: number, mode?: MTableMode): AdjustedMTable;
  failProbability(table: Uint32Array | number[], p: number, mode?: MTableMode): number;
  fairTopK(items: RerankItem[], protectedGroups: Uint32Array | number[], k: number, mtable: Uint32Array | number[]): number[];
  isFair(protectedFlags: boolean[], mtable: Uint32Array | number[]): boolean;
  geyikRerank(
    items: RerankItem[],
    targets: GroupTarget[],
    k: number,
    algorithm: 'det_greedy' | 'det_cons' | 'det_relaxed' | 'det_const_sort',
  ): number[];
};

// ---------------------------------------------------------------------------------------------
// metrics

/** Binary labels: Uint8Array (0/1, read in place), Float64Array, or numbers / booleans. */
export type Labels = Uint8Array | Float64Array | Int32Array | Uint32Array | ArrayLike<number | boolean>;
/** Group codes (Uint32Array read in place, or numbers) or string labels. */
export type Groups = Uint32Array | number[] | string[];
export type Floats = Float64Array | number[];
export type Codes = Uint32Array | number[];
export type Method = 'between_groups' | 'to_overall';
export type Agg = 'worst_case' | 'mean';
export type Alternative = 'two_sided' | 'greater' | 'less';
export type Combiner =
  | 'min_max_ratio'
  | 'max_min_ratio'
  | 'max_min_diff'
  | 'max_abs_diff'
  | 'mean_abs_dev'
  | 'l2'
  | 'variance';
export type Rate = 'selection' | 'base_rate' | 'tpr' | 'fpr' | 'tnr' | 'fnr' | 'accuracy';
export type GeiConvention = 'speicher' | 'aif360';
export type PositionModel =
  | { type: 'log' }
  | { type: 'clipped_log' }
  | { type: 'rbp'; gamma: number }
  | { type: 'geometric'; p: number }
  | { type: 'cascade'; gamma: number; stop: number };

export interface MetricOptions {
  method?: Method;
  agg?: Agg;
  zeroDivision?: ZeroDivision;
}

export interface FairlearnOptions extends MetricOptions {
  sensitiveFeatures: Groups;
  sampleWeight?: Floats;
  nGroups?: number;
}

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  rows: number;
}

export interface GroupConfusionState {
  groups: Confusion[];
  labels: string[] | null;
}

export interface GeiOptions {
  alpha?: number;
  convention?: GeiConvention;
  zeroDivision?: ZeroDivision;
}

export class PrivilegedComparison {
  private constructor(native: unknown);
  statisticalParityDifference(): number;
  disparateImpact(): number;
  averageOddsDifference(): number;
  averageAbsOddsDifference(): number;
  equalOpportunityDifference(): number;
  equalizedOddsDifference(): number;
  difference(rate: Rate): number;
  ratio(rate: Rate): number;
  toJSON(): { unprivileged: Confusion; privileged: Confusion; [key: string]: unknown };
}

export class GroupConfusion {
  private constructor(native: unknown);
  /** Counts per group off the event loop (on the rayon pool). */
  static from(
    yTrue: Labels,
    yPred: Labels,
    sensitiveFeatures: Groups,
    options?: { sampleWeight?: Floats; nGroups?: number },
  ): Promise<GroupConfusion>;
  static empty(nGroups?: number): GroupConfusion;
  /** Restores `toJSON()` (validated by the core). */
  static fromJSON(state: GroupConfusionState): GroupConfusion;
  toJSON(): GroupConfusionState;
  readonly nGroups: number;
  readonly labels: string[] | null;
  groups(): Confusion[];
  overall(): Confusion;
  rates(rate: Rate, zeroDivision?: ZeroDivision): Record<string, unknown>;
  report(options?: MetricOptions): Record<string, unknown>;
  compare(unprivileged: Codes, privileged: Codes, zeroDivision?: ZeroDivision): PrivilegedComparison;
  demographicParityDifference(options?: MetricOptions): number;
  demographicParityRatio(options?: MetricOptions): number;
  equalOpportunityDifference(options?: MetricOptions): number;
  equalOpportunityRatio(options?: MetricOptions): number;
  equalizedOddsDifference(options?: MetricOptions): number;
  equalizedOddsRatio(options?: MetricOptions): number;
  generalizedEntropyIndex(options?: GeiOptions): number;
  betweenGroupGeneralizedEntropyIndex(options?: GeiOptions): number;
  theilIndex(zeroDivision?: ZeroDivision): number;
  coefficientOfVariation(zeroDivision?: ZeroDivision): number;
  betweenGroupTheilIndex(zeroDivision?: ZeroDivision): number;
  /** Adds `other` (codes per code, labels per label); a rejected merge changes nothing. */
  merge(other: GroupConfusion): void;
}

export interface ExposureAccumulatorState {
  [key: string]: unknown;
}

export class ExposureAccumulator {
  constructor(nGroups: number, options?: { model?: PositionModel; cutoff?: number });
  addRanking(ranking: Codes, relevance?: Floats): void;
  merge(other: ExposureAccumulator): void;
  readonly totalExposure: Float64Array;
  readonly rankings: number;
  exposureShare(zeroDivision?: ZeroDivision): Float64Array;
  groupExposure(groupSizes?: Floats): Float64Array;
  exposurePerUtility(groupSizes?: Floats): Float64Array;
  toJSON(): ExposureAccumulatorState;
  static fromJSON(state: ExposureAccumulatorState): ExposureAccumulator;
}

export interface RatingStatsState {
  n: number;
  mean: number;
  m2: number;
}

export class RatingStats {
  constructor();
  static of(values: Floats): RatingStats;
  add(x: number): void;
  merge(other: RatingStats): void;
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
  toJSON(): RatingStatsState;
  static fromJSON(state: RatingStatsState): RatingStats;
}

export interface TTest {
  statistic: number | null;
  df: number | null;
  pValue: number | null;
  [key: string]: unknown;
}

export interface MannWhitney {
  u1: number;
  pValue: number | null;
  [key: string]: unknown;
}

export interface BrunnerMunzel {
  statistic: number | null;
  pValue: number | null;
  [key: string]: unknown;
}

export interface CombinedValue {
  value: number;
  perGroup: Float64Array;
}

export interface ExposureOptions {
  model?: PositionModel;
  cutoff?: number;
  groupSizes?: number[];
  combiner?: Combiner;
  zeroDivision?: ZeroDivision;
}

export interface ExpectedExposure {
  eeL: number;
  eeD: number;
  eeR: number;
  [key: string]: unknown;
}

export const metrics: {
  GroupConfusion: typeof GroupConfusion;
  PrivilegedComparison: typeof PrivilegedComparison;
  ExposureAccumulator: typeof ExposureAccumulator;
  RatingStats: typeof RatingStats;
  demographicParityDifference(yTrue: Labels, yPred: Labels, options: FairlearnOptions): Promise<number>;
  demographicParityRatio(yTrue: Labels, yPred: Labels, options: FairlearnOptions): Promise<number>;
  equalOpportunityDifference(yTrue: Labels, yPred: Labels, options: FairlearnOptions): Promise<number>;
  equalOpportunityRatio(yTrue: Labels, yPred: Labels, options: FairlearnOptions): Promise<number>;
  equalizedOddsDifference(yTrue: Labels, yPred: Labels, options: FairlearnOptions): Promise<number>;
  equalizedOddsRatio(yTrue: Labels, yPred: Labels, options: FairlearnOptions): Promise<number>;
  encodeGroups(labels: string[]): { codes: Uint32Array; labels: string[] };
  intersectGroups(attributes: Codes[], cardinalities: Codes): Uint32Array;
  disparateImpactFromCounts(
    selectedUnprivileged: number,
    totalUnprivileged: number,
    selectedPrivileged: number,
    totalPrivileged: number,
    zeroDivision?: ZeroDivision,
  ): number;
  gini(values: Floats, options?: { normalized?: boolean; zeroDivision?: ZeroDivision }): Promise<number>;
  generalizedEntropyIndex(b: Floats, options?: GeiOptions & { weights?: Floats }): Promise<number>;
  betweenGroupGeneralizedEntropyIndex(b: Floats, groups: Codes, options?: GeiOptions & { weights?: Floats }): Promise<number>;
  welchTTest(a: Floats, b: Floats, options?: { alternative?: Alternative }): Promise<TTest>;
  mannWhitneyU(a: Floats, b: Floats, options?: { alternative?: Alternative; continuity?: boolean }): Promise<MannWhitney>;
  brunnerMunzel(a: Floats, b: Floats, options?: { alternative?: Alternative }): Promise<BrunnerMunzel>;
  mannWhitneyUCounts(countsA: Floats, countsB: Floats, options?: { alternative?: Alternative; continuity?: boolean }): MannWhitney;
  rankBiserial(a: Floats, b: Floats): number;
  benjaminiHochberg(pValues: Floats): Float64Array;
  bayesianAverage(sum: number, n: number, priorMean: number, priorStrength: number): number;
  skew(ranking: Codes, target: Floats, group: number, k: number): number;
  minSkew(ranking: Codes, target: Floats, k: number): number;
  maxSkew(ranking: Codes, target: Floats, k: number): number;
  ndkl(ranking: Codes, target: Floats): number;
  infeasible(ranking: Codes, target: Floats, excludeLast?: boolean): { index: number; count: number };
  groupExposure(ranking: Codes, nGroups: number, options?: ExposureOptions): CombinedValue;
  exposurePerUtility(ranking: Codes, relevance: Floats, nGroups: number, options?: ExposureOptions): CombinedValue;
  awrf(ranking: Codes, nGroups: number, p: number, options?: Omit<ExposureOptions, 'model' | 'cutoff'>): CombinedValue;
  attributeRankParity(ranking: Codes, nGroups: number, options?: Pick<ExposureOptions, 'combiner' | 'zeroDivision'>): CombinedValue;
  attentionShares(ranking: Codes, nGroups: number, options?: { model?: PositionModel; cutoff?: number }): Float64Array;
  yangStoyanovich(
    protectedFlags: ArrayLike<boolean | number>,
    measure: 'rnd' | 'rkl' | 'rrd',
    options?: { step?: number; discount?: 'code' | 'paper'; normalize?: boolean; zeroDivision?: ZeroDivision },
  ): number;
  expectedExposure(rankings: Codes[], relevance: Floats, options?: { model?: PositionModel; itemGroups?: Codes }): ExpectedExposure;
};
