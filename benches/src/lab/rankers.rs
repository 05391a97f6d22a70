//! The rankers the lab compares. Each one ranks the same candidate pool (the freelancers that
//! pass the job's hard constraints: available, speaking every required language) for a job,
//! from the same inputs: the job's and the freelancers' skill labels as written (lexical
//! baselines, the engine), and the embeddings in the records (cosine rankers, the engine's
//! semantic factor). Ties break by catalogue order (lower index first).
//!
//! Adding a ranker (an ablation, another baseline) is one more [`RankerSpec`] in the list
//! [`default_rankers`] returns: an engine variant is an [`EngineConfig`] plus
//! [`RecommendOptions`] (preset, weight overrides), a lexical one a [`Lexical`] scorer.

use std::collections::HashMap;
use std::sync::OnceLock;

use fairmatch::skills::normalize_label;
use fairmatch::{Engine, EngineConfig, Preset, RecommendOptions};
use serde::Serialize;

use super::LabError;
use super::market::Marketplace;
use super::occesco::{BM25_LAMBDA, OccEsco};
use super::oracle::Oracle;

/// What a ranker is.
#[derive(Debug, Clone)]
pub enum RankerKind {
    /// fairmatch's engine with a configuration and request options (preset, weights).
    Engine {
        /// Engine-wide configuration (scoring parameters) for this ranker's engine.
        config: Box<EngineConfig>,
        /// Request options; `k` is set per call.
        options: Box<RecommendOptions>,
        /// Whether the engine gets the marketplace's skill-vector table (the shipped MiniLM
        /// vectors of the ESCO skills; `source::skill_vector_table`).
        skill_vectors: bool,
    },
    /// Cosine of the job's and the freelancer's embeddings, optionally cut at a threshold and
    /// capped (8thDegree: ≥ 0.7, at most 50; research/seeds.md §3.2).
    Cosine {
        /// Minimum cosine kept.
        threshold: Option<f32>,
        /// Longest list returned.
        cap: Option<usize>,
    },
    /// A lexical scorer over skill labels.
    Lexical(Lexical),
    /// The occupation oracle ([`super::oracle`]): a reference ceiling that reads the answer
    /// key (the truth's occupations and canonical skills), not a fairmatch scorer.
    Oracle {
        /// Freelancer posteriors from the labels as written (`freelancers.jsonl`) instead of
        /// the truth's canonical skills.
        written: bool,
    },
    /// `occupation_esco` ([`super::occesco`]): a prototype occupation-profile signal from
    /// ESCO's public occupation–skill relations only (no truth files); with `bm25_lambda`,
    /// BM25 plus λ times the occupation score, each normalised by its per-job pool maximum.
    OccupationEsco {
        /// `None`: the occupation score alone; `Some(λ)`: the BM25 blend.
        bm25_lambda: Option<f64>,
    },
}

/// Lexical scorers over the skill labels as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lexical {
    /// Okapi BM25 over word tokens (Lucene's idf `ln(1 + (N − df + 0.5)/(df + 0.5))`).
    Bm25 {
        /// Term-frequency saturation.
        k1: f64,
        /// Length normalisation.
        b: f64,
    },
    /// TF-IDF cosine over word tokens (scikit-learn's defaults: raw tf, smooth idf
    /// `ln((1 + N)/(1 + df)) + 1`, L2-normalised vectors).
    TfIdf,
    /// Jaccard overlap of the sets of whole labels (normalised: case, spaces).
    Jaccard,
}

/// One entry of the comparison.
#[derive(Debug, Clone)]
pub struct RankerSpec {
    /// Short name used in tables and JSON (`default`, `bm25`, …).
    pub name: String,
    /// One line saying what it is.
    pub description: String,
    /// The ranker.
    pub kind: RankerKind,
}

/// The comparison of issue 13: both presets (megilance_v1 as the seed ships it, with its
/// price-tier diversity step), 8thDegree, plain cosine, BM25, TF-IDF, Jaccard. The cosine
/// rankers are left out when the marketplace carries no embeddings.
pub fn default_rankers(m: &Marketplace) -> Vec<RankerSpec> {
    all_rankers(m)
        .into_iter()
        .filter(|r| DEFAULT_SET.contains(&r.name.as_str()))
        .collect()
}

/// Names of [`default_rankers`].
pub const DEFAULT_SET: [&str; 7] = [
    "default",
    "megilance_v1",
    "8thdegree",
    "cosine",
    "bm25",
    "tfidf",
    "jaccard",
];

/// The rankers named in `names` (any of [`all_rankers`]), in the order given; an unknown
/// name is an error listing the known ones.
pub fn rankers_named(m: &Marketplace, names: &[String]) -> Result<Vec<RankerSpec>, LabError> {
    rankers_named_with(m, names, &EngineConfig::default())
}

/// [`rankers_named`] with `base` as the engine configuration every engine ranker starts from.
pub fn rankers_named_with(
    m: &Marketplace,
    names: &[String],
    base: &EngineConfig,
) -> Result<Vec<RankerSpec>, LabError> {
    let all = all_rankers_with(m, base);
    names
        .iter()
        .map(|n| {
            all.iter().find(|r| &r.name == n).cloned().ok_or_else(|| {
                LabError::Config(format!(
                    "--rankers: unknown or unavailable `{n}` (known here: {})",
                    all.iter()
                        .map(|r| r.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
        })
        .collect()
}

/// Every ranker the lab knows (engine rankers from the default configuration).
pub fn all_rankers(m: &Marketplace) -> Vec<RankerSpec> {
    all_rankers_with(m, &EngineConfig::default())
}

/// Every ranker the lab knows: [`default_rankers`] plus extras — megilance_v1 without its
/// diversity step, and the ablations of issue 14, each the default preset with one thing
/// taken away from `base`:
///
/// | name | what is taken away |
/// |---|---|
/// | `default_before` | every relevance change of issue 14 (exact-only resolution, no specificity, no focus, no occupation evidence: the rules of snapshot format 1) |
/// | `default_no_resolution` | resolution beyond exact and alias keys |
/// | `default_no_specificity` | specificity weighting |
/// | `default_no_focus` | the focus term |
/// | `default_no_occupation` | occupation evidence (the taxonomy's occupation profiles) |
/// | `default_weighted_mean` | the relevance-gated composition (the plain weighted mean instead) |
/// | `default_skills_only` | every factor but `skills` (weights 0) |
/// | `skills_only_before` | both: skills only, under the format-1 rules |
///
/// and two that add the marketplace's skill-vector table (issue 14 item 5):
/// `default_skill_vectors`, `skills_only_skill_vectors`.
///
/// Not a fairmatch scorer nor a baseline — a reference ceiling that reads the answer key:
///
/// | name | what it is |
/// |---|---|
/// | `occupation_oracle` | expected gain under naive-Bayes occupation posteriors fitted on the truth (job labels as written, freelancers' canonical skills from the truth file; [`super::oracle`]) |
/// | `occupation_oracle_written` | the same with the freelancers' labels as written instead of their canonical skills |
///
/// A prototype that uses no truth file (ESCO's public occupation–skill relations only;
/// [`super::occesco`]), for marketplaces generated from ESCO:
///
/// | name | what it is |
/// |---|---|
/// | `occupation_esco` | `Σ_o P(o∣job)·P(o∣f)` under naive-Bayes posteriors over every ESCO occupation's essential/optional skills |
/// | `occupation_esco_bm25` | BM25 / per-job max + λ · occupation_esco / per-job max, λ = [`BM25_LAMBDA`] (tuned on seed 2) |
/// | `occupation_esco_bm25_l{0.25,0.5,1,2}` | the blend at each λ of the tuning sweep |
///
/// Further ablations and baselines are added here as one more entry.
pub fn all_rankers_with(m: &Marketplace, base: &EngineConfig) -> Vec<RankerSpec> {
    let options = |preset: Preset, diversity: Option<bool>, skills_only: bool| {
        Box::new(RecommendOptions {
            preset,
            diversity,
            weights: skills_only.then(|| {
                fairmatch::score::DEFAULT_FACTORS
                    .iter()
                    .filter(|(n, _)| *n != "skills")
                    .map(|(n, _)| ((*n).to_owned(), 0.0))
                    .collect()
            }),
            explain: false,
            now: Some(super::generate::reference_time()),
            ..RecommendOptions::default()
        })
    };
    let with = |f: &dyn Fn(&mut EngineConfig)| {
        let mut c = base.clone();
        f(&mut c);
        Box::new(c)
    };
    let engine = |preset: Preset, diversity: Option<bool>| RankerKind::Engine {
        config: with(&|_| {}),
        options: options(preset, diversity, false),
        skill_vectors: false,
    };
    let variant = |name: &str,
                   description: &str,
                   skills_only: bool,
                   skill_vectors: bool,
                   f: &dyn Fn(&mut EngineConfig)| RankerSpec {
        name: name.into(),
        description: description.into(),
        kind: RankerKind::Engine {
            config: with(f),
            options: options(Preset::Default, None, skills_only),
            skill_vectors,
        },
    };
    let ablation =
        |name: &str, description: &str, skills_only: bool, f: &dyn Fn(&mut EngineConfig)| {
            variant(name, description, skills_only, false, f)
        };
    let before = |c: &mut EngineConfig| c.scoring = c.scoring.clone().into_format_v1();
    let mut all = vec![
        RankerSpec {
            name: "default".into(),
            description: "fairmatch `default` preset".into(),
            kind: engine(Preset::Default, None),
        },
        RankerSpec {
            name: "megilance_v1".into(),
            description:
                "MegiLance `weighted_multi_factor_v1` as shipped (price-tier diversity on)".into(),
            kind: engine(Preset::MegilanceV1, None),
        },
        RankerSpec {
            name: "megilance_v1_nodiv".into(),
            description: "megilance_v1 without its diversity step".into(),
            kind: engine(Preset::MegilanceV1, Some(false)),
        },
        ablation(
            "default_before",
            "default preset under the format-1 rules (no issue-14 relevance changes)",
            false,
            &before,
        ),
        ablation(
            "default_no_resolution",
            "default preset, labels resolved by exact and alias keys only",
            false,
            &|c| c.scoring.resolution = fairmatch::skills::ResolutionConfig::exact_only(),
        ),
        ablation(
            "default_no_specificity",
            "default preset without specificity weighting",
            false,
            &|c| c.scoring.specificity.enabled = false,
        ),
        ablation(
            "default_no_focus",
            "default preset without the focus term",
            false,
            &|c| c.scoring.fit.focus = 0.0,
        ),
        ablation(
            "default_no_occupation",
            "default preset without occupation evidence in the skill factor",
            false,
            &|c| c.scoring.fit.occupation = 0.0,
        ),
        ablation(
            "default_weighted_mean",
            "default preset totalled as the plain weighted mean (the rule before snapshot format 4)",
            false,
            &|c| c.scoring.composition = fairmatch::score::Composition::WeightedMean,
        ),
        ablation(
            "default_skills_only",
            "default preset with every weight but `skills` set to 0 (an ablation)",
            true,
            &|_| {},
        ),
        ablation(
            "skills_only_before",
            "skills only, under the format-1 rules",
            true,
            &before,
        ),
        variant(
            "default_skill_vectors",
            "default preset with the MiniLM ESCO skill vectors as its skill-vector table",
            false,
            true,
            &|_| {},
        ),
        variant(
            "skills_only_skill_vectors",
            "skills only, with the MiniLM ESCO skill vectors",
            true,
            true,
            &|_| {},
        ),
        RankerSpec {
            name: "8thdegree".into(),
            description: "8thDegree: embedding cosine ≥ 0.7, at most 50".into(),
            kind: RankerKind::Cosine {
                threshold: Some(0.7),
                cap: Some(50),
            },
        },
        RankerSpec {
            name: "cosine".into(),
            description: "embedding cosine, no threshold".into(),
            kind: RankerKind::Cosine {
                threshold: None,
                cap: None,
            },
        },
        RankerSpec {
            name: "bm25".into(),
            description: "BM25 (k1 1.2, b 0.75) over skill-label words".into(),
            kind: RankerKind::Lexical(Lexical::Bm25 { k1: 1.2, b: 0.75 }),
        },
        RankerSpec {
            name: "tfidf".into(),
            description: "TF-IDF cosine over skill-label words".into(),
            kind: RankerKind::Lexical(Lexical::TfIdf),
        },
        RankerSpec {
            name: "jaccard".into(),
            description: "Jaccard overlap of skill-label sets".into(),
            kind: RankerKind::Lexical(Lexical::Jaccard),
        },
        RankerSpec {
            name: "occupation_oracle".into(),
            description: "REFERENCE CEILING, reads the answer key (not a fairmatch scorer): \
                expected gain under naive-Bayes occupation posteriors fitted on the truth \
                (freelancers' canonical skills)"
                .into(),
            kind: RankerKind::Oracle { written: false },
        },
        RankerSpec {
            name: "occupation_oracle_written".into(),
            description: "REFERENCE CEILING, reads the answer key (not a fairmatch scorer): \
                occupation_oracle with the freelancers' labels as written"
                .into(),
            kind: RankerKind::Oracle { written: true },
        },
        RankerSpec {
            name: "occupation_esco".into(),
            description: "PROTOTYPE, no truth files: probability that job and freelancer are \
                the same ESCO occupation, naive-Bayes posteriors over ESCO's public \
                occupation–skill relations (essential 2, optional 1)"
                .into(),
            kind: RankerKind::OccupationEsco { bm25_lambda: None },
        },
        RankerSpec {
            name: "occupation_esco_bm25".into(),
            description: format!(
                "PROTOTYPE, no truth files: BM25/max + {BM25_LAMBDA}·occupation_esco/max per job"
            ),
            kind: RankerKind::OccupationEsco {
                bm25_lambda: Some(BM25_LAMBDA),
            },
        },
    ];
    for (tag, l) in [("0.25", 0.25), ("0.5", 0.5), ("1", 1.0), ("2", 2.0)] {
        all.push(RankerSpec {
            name: format!("occupation_esco_bm25_l{tag}"),
            description: format!("BM25/max + {tag}·occupation_esco/max per job (λ sweep)"),
            kind: RankerKind::OccupationEsco {
                bm25_lambda: Some(l),
            },
        });
    }
    if !matches!(
        m.manifest.taxonomy,
        super::source::TaxonomySource::Esco { .. }
    ) {
        all.retain(|r| !matches!(r.kind, RankerKind::OccupationEsco { .. }));
    }
    if m.manifest.embedding_model.is_none() {
        all.retain(|r| {
            !matches!(
                r.kind,
                RankerKind::Cosine { .. }
                    | RankerKind::Engine {
                        skill_vectors: true,
                        ..
                    }
            )
        });
    }
    all
}

/// Word tokens of a label: lower-cased runs of letters, digits, `+` and `#` (so `C++`, `C#`
/// survive).
pub fn tokens(label: &str) -> impl Iterator<Item = String> + '_ {
    label
        .split(|c: char| !(c.is_alphanumeric() || c == '+' || c == '#'))
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

/// Inverted indexes over the freelancers' labels, built once per evaluation.
#[derive(Debug)]
pub struct LexicalIndex {
    n: usize,
    word_ids: HashMap<String, u32>,
    /// word → (freelancer, tf)
    word_postings: Vec<Vec<(u32, f32)>>,
    doc_len: Vec<f32>,
    avg_len: f64,
    /// ‖tf·idf‖ per freelancer
    tfidf_norm: Vec<f64>,
    label_ids: HashMap<String, u32>,
    label_postings: Vec<Vec<u32>>,
    label_count: Vec<u32>,
}

impl LexicalIndex {
    /// Indexes every freelancer of `m`.
    pub fn new(m: &Marketplace) -> Self {
        let n = m.freelancers.len();
        let mut word_ids: HashMap<String, u32> = HashMap::new();
        let mut word_postings: Vec<Vec<(u32, f32)>> = Vec::new();
        let mut label_ids: HashMap<String, u32> = HashMap::new();
        let mut label_postings: Vec<Vec<u32>> = Vec::new();
        let mut doc_len = vec![0f32; n];
        let mut label_count = vec![0u32; n];
        for (d, f) in m.freelancers.iter().enumerate() {
            let mut tf: HashMap<u32, f32> = HashMap::new();
            let mut labels: Vec<u32> = Vec::new();
            for c in &f.skills {
                for t in tokens(&c.skill) {
                    let next = word_ids.len() as u32;
                    let id = *word_ids.entry(t).or_insert(next);
                    if id as usize == word_postings.len() {
                        word_postings.push(Vec::new());
                    }
                    *tf.entry(id).or_insert(0.0) += 1.0;
                    doc_len[d] += 1.0;
                }
                let key = normalize_label(&c.skill);
                let next = label_ids.len() as u32;
                let id = *label_ids.entry(key).or_insert(next);
                if id as usize == label_postings.len() {
                    label_postings.push(Vec::new());
                }
                if !labels.contains(&id) {
                    labels.push(id);
                }
            }
            let mut tf: Vec<(u32, f32)> = tf.into_iter().collect();
            tf.sort_unstable_by_key(|x| x.0);
            for (w, c) in tf {
                word_postings[w as usize].push((d as u32, c));
            }
            label_count[d] = labels.len() as u32;
            for l in labels {
                label_postings[l as usize].push(d as u32);
            }
        }
        let avg_len = doc_len.iter().map(|&x| f64::from(x)).sum::<f64>() / n.max(1) as f64;
        let mut idx = Self {
            n,
            word_ids,
            word_postings,
            doc_len,
            avg_len,
            tfidf_norm: vec![0.0; n],
            label_ids,
            label_postings,
            label_count,
        };
        let mut norm2 = vec![0f64; n];
        for w in 0..idx.word_postings.len() {
            let idf = idx.tfidf_idf(w);
            for &(d, tf) in &idx.word_postings[w] {
                norm2[d as usize] += (f64::from(tf) * idf).powi(2);
            }
        }
        idx.tfidf_norm = norm2.into_iter().map(f64::sqrt).collect();
        idx
    }

    fn tfidf_idf(&self, w: usize) -> f64 {
        let df = self.word_postings[w].len() as f64;
        ((1.0 + self.n as f64) / (1.0 + df)).ln() + 1.0
    }

    /// Scores of every freelancer for a job's labels (0 for no overlap).
    pub fn scores(&self, kind: Lexical, job_labels: &[String]) -> Vec<f64> {
        let mut out = vec![0f64; self.n];
        match kind {
            Lexical::Jaccard => {
                let mut q: Vec<u32> = Vec::new();
                let mut unknown = 0u32;
                for l in job_labels {
                    match self.label_ids.get(&normalize_label(l)) {
                        Some(&id) if !q.contains(&id) => q.push(id),
                        Some(_) => {}
                        None => unknown += 1,
                    }
                }
                let qn = q.len() as u32 + unknown;
                let mut inter = vec![0u32; self.n];
                for &l in &q {
                    for &d in &self.label_postings[l as usize] {
                        inter[d as usize] += 1;
                    }
                }
                for d in 0..self.n {
                    let i = inter[d];
                    if i > 0 {
                        out[d] = f64::from(i) / f64::from(qn + self.label_count[d] - i);
                    }
                }
            }
            Lexical::Bm25 { k1, b } => {
                for (w, qtf) in self.query_words(job_labels) {
                    let df = self.word_postings[w].len() as f64;
                    let idf = (1.0 + (self.n as f64 - df + 0.5) / (df + 0.5)).ln();
                    for &(d, tf) in &self.word_postings[w] {
                        let tf = f64::from(tf);
                        let len = f64::from(self.doc_len[d as usize]);
                        let norm = k1 * (1.0 - b + b * len / self.avg_len.max(1e-9));
                        out[d as usize] += qtf * idf * tf * (k1 + 1.0) / (tf + norm);
                    }
                }
            }
            Lexical::TfIdf => {
                let q = self.query_words(job_labels);
                let qnorm = q
                    .iter()
                    .map(|&(w, tf)| (tf * self.tfidf_idf(w)).powi(2))
                    .sum::<f64>()
                    .sqrt();
                if qnorm > 0.0 {
                    for (w, qtf) in q {
                        let idf = self.tfidf_idf(w);
                        for &(d, tf) in &self.word_postings[w] {
                            out[d as usize] += qtf * idf * f64::from(tf) * idf;
                        }
                    }
                    for (d, s) in out.iter_mut().enumerate() {
                        if *s > 0.0 {
                            *s /= qnorm * self.tfidf_norm[d];
                        }
                    }
                }
            }
        }
        out
    }

    /// Query words known to the index with their counts, in id order.
    fn query_words(&self, labels: &[String]) -> Vec<(usize, f64)> {
        let mut q: std::collections::BTreeMap<usize, f64> = Default::default();
        for l in labels {
            for t in tokens(l) {
                if let Some(&w) = self.word_ids.get(&t) {
                    *q.entry(w as usize).or_insert(0.0) += 1.0;
                }
            }
        }
        q.into_iter().collect()
    }
}

/// Unit-normalised embeddings of freelancers (row per freelancer, `None` without one).
#[derive(Debug)]
pub struct EmbeddingTable {
    dim: usize,
    rows: Vec<Option<Vec<f32>>>,
}

fn unit(v: &[f32]) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter().map(|x| x / n).collect()
}

impl EmbeddingTable {
    /// The freelancers' embeddings of `m`.
    pub fn new(m: &Marketplace) -> Self {
        let rows: Vec<Option<Vec<f32>>> = m
            .freelancers
            .iter()
            .map(|f| f.embedding.as_ref().map(|e| unit(&e.vector)))
            .collect();
        let dim = rows.iter().flatten().map(Vec::len).next().unwrap_or(0);
        Self { dim, rows }
    }

    /// Cosine of every freelancer with `job` (`f32::NEG_INFINITY` without an embedding).
    pub fn cosines(&self, job: Option<&[f32]>) -> Vec<f32> {
        let Some(q) = job.filter(|q| q.len() == self.dim) else {
            return vec![f32::NEG_INFINITY; self.rows.len()];
        };
        let q = unit(q);
        self.rows
            .iter()
            .map(|r| match r {
                Some(v) => v.iter().zip(&q).map(|(a, b)| a * b).sum(),
                None => f32::NEG_INFINITY,
            })
            .collect()
    }
}

/// The best `k` pool members by `score` (descending; ties by lower index), dropping
/// non-finite scores.
pub fn top_k(pool: &[u32], score: impl Fn(u32) -> f64, k: usize) -> Vec<u32> {
    let mut v: Vec<(f64, u32)> = pool
        .iter()
        .map(|&d| (score(d), d))
        .filter(|(s, _)| s.is_finite())
        .collect();
    let cmp = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if v.len() > k {
        v.select_nth_unstable_by(k, cmp);
        v.truncate(k);
    }
    v.sort_unstable_by(cmp);
    v.into_iter().map(|x| x.1).collect()
}

/// Per-marketplace state shared by the rankers.
#[derive(Debug)]
pub struct RankContext<'a> {
    /// The marketplace.
    pub market: &'a Marketplace,
    /// Freelancer external id → index.
    pub index_of: HashMap<&'a str, u32>,
    /// Lexical indexes.
    pub lexical: LexicalIndex,
    /// Freelancer embeddings.
    pub embeddings: EmbeddingTable,
    /// The occupation oracles (canonical, written), fitted on first use.
    oracles: [OnceLock<Oracle>; 2],
    /// The ESCO occupation profiles, built on first use.
    occesco: OnceLock<OccEsco>,
}

impl<'a> RankContext<'a> {
    /// Builds the indexes of `m`.
    pub fn new(m: &'a Marketplace) -> Self {
        Self {
            market: m,
            index_of: m
                .freelancers
                .iter()
                .enumerate()
                .map(|(i, f)| (f.id.as_str(), i as u32))
                .collect(),
            lexical: LexicalIndex::new(m),
            embeddings: EmbeddingTable::new(m),
            oracles: [OnceLock::new(), OnceLock::new()],
            occesco: OnceLock::new(),
        }
    }

    /// The occupation oracle (fitted on first use; its label-match counts go to stderr).
    pub fn oracle(&self, written: bool) -> &Oracle {
        self.oracles[usize::from(written)].get_or_init(|| {
            let o = Oracle::new(self.market, written);
            let name = if written {
                "occupation_oracle_written"
            } else {
                "occupation_oracle"
            };
            let what = format!("{} canonical skills", o.vocabulary);
            report_labels(name, &what, &o.job_labels, &o.freelancer_labels);
            o
        })
    }

    /// The ESCO occupation profiles and posteriors (built on first use; label-mapping counts
    /// go to stderr). Panics when the ESCO folder the manifest names cannot be read (the
    /// engine rankers need it too, so `evaluate` has already loaded it).
    pub fn occesco(&self) -> &OccEsco {
        self.occesco.get_or_init(|| {
            let o = OccEsco::new(self.market).unwrap_or_else(|e| panic!("occupation_esco: {e}"));
            let what = format!(
                "{} ESCO occupations, {} skills",
                o.occupations, o.vocabulary
            );
            report_labels(
                "occupation_esco",
                &what,
                &o.job_labels,
                &o.freelancer_labels,
            );
            o
        })
    }

    /// The candidate pool of job `j`: available freelancers speaking every language the job
    /// requires (the engine's `availability` and `language` vetoes), ascending.
    pub fn pool(&self, j: usize) -> Vec<u32> {
        let job = &self.market.jobs[j];
        let need: Vec<String> = job
            .languages
            .iter()
            .map(|l| l.trim().to_lowercase())
            .collect();
        self.market
            .freelancers
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.available
                    && need
                        .iter()
                        .all(|l| f.languages.iter().any(|x| x.trim().to_lowercase() == *l))
            })
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// Ranks job `j`'s pool with a non-engine ranker.
    pub fn rank_offline(&self, kind: &RankerKind, j: usize, pool: &[u32], k: usize) -> Vec<u32> {
        let job = &self.market.jobs[j];
        match kind {
            RankerKind::Cosine { threshold, cap } => {
                let cos = self
                    .embeddings
                    .cosines(job.embedding.as_ref().map(|e| e.vector.as_slice()));
                let t = threshold.unwrap_or(f32::NEG_INFINITY);
                let k = cap.map_or(k, |c| c.min(k));
                top_k(
                    pool,
                    |d| {
                        let c = cos[d as usize];
                        if c >= t { f64::from(c) } else { f64::NAN }
                    },
                    k,
                )
            }
            RankerKind::Lexical(l) => {
                let labels: Vec<String> = job.skills.iter().map(|s| s.skill.clone()).collect();
                let s = self.lexical.scores(*l, &labels);
                top_k(pool, |d| s[d as usize], k)
            }
            RankerKind::Oracle { written } => {
                let o = self.oracle(*written);
                let g = o.job_gains(j);
                top_k(pool, |d| o.score(&g, d as usize), k)
            }
            RankerKind::OccupationEsco { bm25_lambda } => {
                let o = self.occesco();
                let d = o.job_dense(j);
                match bm25_lambda {
                    None => top_k(pool, |f| o.score(&d, f as usize), k),
                    Some(l) => {
                        let labels: Vec<String> =
                            job.skills.iter().map(|s| s.skill.clone()).collect();
                        let b = self
                            .lexical
                            .scores(Lexical::Bm25 { k1: 1.2, b: 0.75 }, &labels);
                        let max = |v: &mut dyn Iterator<Item = f64>| {
                            let m = v.fold(0f64, f64::max);
                            if m > 0.0 { m } else { 1.0 }
                        };
                        let bmax = max(&mut pool.iter().map(|&f| b[f as usize]));
                        let omax = max(&mut pool.iter().map(|&f| o.score(&d, f as usize)));
                        top_k(
                            pool,
                            |f| b[f as usize] / bmax + l * o.score(&d, f as usize) / omax,
                            k,
                        )
                    }
                }
            }
            RankerKind::Engine { .. } => Vec::new(),
        }
    }

    /// Ranks job `j` with an engine built for this ranker; checks that the engine scored
    /// exactly the pool (same candidates for every ranker).
    pub fn rank_engine(
        &self,
        engine: &Engine,
        options: &RecommendOptions,
        j: usize,
        pool_len: usize,
        k: usize,
    ) -> Result<Vec<u32>, LabError> {
        let job = &self.market.jobs[j];
        let opts = RecommendOptions {
            k,
            ..options.clone()
        };
        let recs = engine.recommend_freelancers(&job.id, &opts)?;
        if recs.scored as usize != pool_len {
            return Err(LabError::Data(format!(
                "job {}: the engine scored {} candidates but the pool has {} (vetoes {:?}); \
                 the rankers would not see the same candidates",
                job.id, recs.scored, pool_len, recs.vetoed
            )));
        }
        recs.matches
            .iter()
            .map(|x| {
                self.index_of
                    .get(x.id.as_str())
                    .copied()
                    .ok_or_else(|| LabError::Data(format!("unknown freelancer `{}`", x.id)))
            })
            .collect()
    }
}

/// A serialisable summary of a ranker (name and description).
#[derive(Debug, Clone, Serialize)]
pub struct RankerInfo {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
}

/// Prints to stderr how many job and freelancer labels a reference ranker could map.
fn report_labels(
    name: &str,
    what: &str,
    jobs: &super::oracle::MatchCount,
    freelancers: &super::oracle::MatchCount,
) {
    eprintln!(
        "    {name}: {what}; job labels mapped {} of {} ({:.2} %); freelancer labels mapped {} of {} ({:.2} %)",
        jobs.matched,
        jobs.total,
        100.0 * jobs.share(),
        freelancers.matched,
        freelancers.total,
        100.0 * freelancers.share(),
    );
}
