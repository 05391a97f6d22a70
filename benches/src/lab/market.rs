//! A generated marketplace on disk and in memory: the engine's own records (JSON lines of
//! `fairmatch::Freelancer` / `fairmatch::Job`, the field names the Python binding's dicts use)
//! plus the generator's ground truth, kept in separate files no ranker reads.
//!
//! Files in a marketplace folder:
//!
//! | file | one line per | what |
//! |---|---|---|
//! | `manifest.json` | — | format, seed, generator settings, taxonomy source, counts, attribution |
//! | `freelancers.jsonl` | freelancer | a `fairmatch::Freelancer` (engine / Python `upsert_freelancer`) |
//! | `jobs.jsonl` | job | a `fairmatch::Job` (engine / Python `upsert_job`) |
//! | `occupations.jsonl` | occupation | ESCO URI, label, ISCO unit group, level, job zone |
//! | `truth_freelancers.jsonl` | freelancer | occupation, latent quality, seniority, groups, unbiased past ratings |
//! | `truth_jobs.jsonl` | job | occupation |
//!
//! Ground truth ([`Marketplace::grade`]) depends only on occupations — never on skills,
//! spellings or any fairmatch scorer.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use fairmatch::{Freelancer, Job, Taxonomy};
use serde::{Deserialize, Serialize};

use super::LabError;
use super::generate::GenConfig;
use super::source::TaxonomySource;

/// The marketplace format version written in the manifest.
pub const FORMAT_VERSION: u32 = 1;

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `fairmatch-lab-marketplace`.
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// The generator settings (seed included).
    pub config: GenConfig,
    /// How to build the taxonomy (`builtin` or an ESCO folder).
    pub taxonomy: TaxonomySource,
    /// Model id of the embeddings, if any.
    pub embedding_model: Option<String>,
    /// Counts.
    pub freelancers: usize,
    /// Jobs.
    pub jobs: usize,
    /// Occupations used.
    pub occupations: usize,
    /// Occupations whose levels / job zone came from O*NET (title match).
    pub onet_matched_occupations: usize,
    /// Newcomers (no history) generated.
    pub newcomers: usize,
    /// Members of the protected group generated.
    pub protected: usize,
    /// Freelancer skill labels that the noise changed.
    pub noisy_labels: usize,
    /// All freelancer skill labels.
    pub labels: usize,
    /// Data attribution (ESCO, O*NET) for anything derived from them.
    pub attribution: Vec<String>,
}

/// One occupation of the marketplace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OccupationRecord {
    /// Index (the `occupation` of truth lines).
    pub index: u32,
    /// ESCO URI (or `builtin:…`).
    pub uri: String,
    /// Preferred label.
    pub label: String,
    /// ISCO-08 unit group.
    pub unit_group: String,
    /// ISCO-08 minor group.
    pub minor_group: String,
    /// Typical proficiency (1–5).
    pub level: f64,
    /// Job zone (1–5).
    pub zone: u8,
    /// Matched O*NET-SOC code.
    pub onet: Option<String>,
}

/// The generator's truth about a freelancer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Persona {
    /// Freelancer id.
    pub id: String,
    /// Occupation index.
    pub occupation: u32,
    /// `junior`, `mid` or `senior`.
    pub seniority: String,
    /// Latent work quality in stars (what an unbiased rater would give on average).
    pub quality: f64,
    /// Member of the protected group (its past and simulated ratings carry the rater bias).
    pub protected: bool,
    /// No history at generation time.
    pub newcomer: bool,
    /// Σ of the same past ratings without the rater bias (the counterfactual).
    pub ratings_sum_unbiased: f64,
    /// The canonical (taxonomy) labels of the skills before label noise, in profile order.
    pub canonical_skills: Vec<String>,
}

/// The generator's truth about a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobTruth {
    /// Job id.
    pub id: String,
    /// Occupation index.
    pub occupation: u32,
}

/// A marketplace in memory.
#[derive(Debug, Clone)]
pub struct Marketplace {
    /// The manifest.
    pub manifest: Manifest,
    /// Engine records.
    pub freelancers: Vec<Freelancer>,
    /// Engine records.
    pub jobs: Vec<Job>,
    /// Occupations.
    pub occupations: Vec<OccupationRecord>,
    /// Truth per freelancer (same order as `freelancers`).
    pub personas: Vec<Persona>,
    /// Truth per job (same order as `jobs`).
    pub job_truth: Vec<JobTruth>,
}

/// Graded relevance of a freelancer of occupation `f` for a job of occupation `j`:
/// 3 = same occupation, 2 = same ISCO unit group, 1 = same ISCO minor group ("related"),
/// 0 otherwise. Only occupations enter: this is the ground truth no ranker sees.
pub fn grade(occs: &[OccupationRecord], j: u32, f: u32) -> u8 {
    if j == f {
        return 3;
    }
    let (a, b) = (&occs[j as usize], &occs[f as usize]);
    if a.unit_group == b.unit_group {
        2
    } else if a.minor_group == b.minor_group {
        1
    } else {
        0
    }
}

impl Marketplace {
    /// Relevance grade of freelancer index `f` for job index `j` (see [`grade`]).
    pub fn grade(&self, j: usize, f: usize) -> u8 {
        grade(
            &self.occupations,
            self.job_truth[j].occupation,
            self.personas[f].occupation,
        )
    }

    /// Builds the taxonomy the manifest names.
    pub fn taxonomy(&self) -> Result<Arc<Taxonomy>, LabError> {
        self.manifest.taxonomy.load()
    }

    /// Writes every file into `dir` (created if missing).
    pub fn save(&self, dir: &Path) -> Result<(), LabError> {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let path = dir.join("manifest.json");
        let mut m = serde_json::to_string_pretty(&self.manifest)?;
        m.push('\n');
        std::fs::write(&path, m).map_err(|e| io(&path, e))?;
        write_lines(&dir.join("freelancers.jsonl"), &self.freelancers)?;
        write_lines(&dir.join("jobs.jsonl"), &self.jobs)?;
        write_lines(&dir.join("occupations.jsonl"), &self.occupations)?;
        write_lines(&dir.join("truth_freelancers.jsonl"), &self.personas)?;
        write_lines(&dir.join("truth_jobs.jsonl"), &self.job_truth)?;
        Ok(())
    }

    /// Reads a marketplace folder written by [`Marketplace::save`]; a clear error naming the
    /// file and line for anything missing or malformed.
    pub fn load(dir: &Path) -> Result<Self, LabError> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            LabError::Data(format!(
                "{}: {e} (make one with `fairmatch-lab generate --out {}`)",
                path.display(),
                dir.display()
            ))
        })?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| LabError::Data(format!("{}: {e}", path.display())))?;
        if manifest.format != "fairmatch-lab-marketplace" || manifest.version != FORMAT_VERSION {
            return Err(LabError::Data(format!(
                "{}: not a version-{FORMAT_VERSION} fairmatch-lab marketplace",
                path.display()
            )));
        }
        let m = Marketplace {
            freelancers: read_lines(&dir.join("freelancers.jsonl"))?,
            jobs: read_lines(&dir.join("jobs.jsonl"))?,
            occupations: read_lines(&dir.join("occupations.jsonl"))?,
            personas: read_lines(&dir.join("truth_freelancers.jsonl"))?,
            job_truth: read_lines(&dir.join("truth_jobs.jsonl"))?,
            manifest,
        };
        m.check()?;
        Ok(m)
    }

    /// Cross-file consistency: truth lines match the records one to one, occupations exist.
    pub fn check(&self) -> Result<(), LabError> {
        let bad = |w: String| Err(LabError::Data(w));
        if self.freelancers.len() != self.personas.len() || self.jobs.len() != self.job_truth.len()
        {
            return bad("truth files and records differ in length".into());
        }
        for (f, p) in self.freelancers.iter().zip(&self.personas) {
            if f.id != p.id || p.occupation as usize >= self.occupations.len() {
                return bad(format!("truth_freelancers.jsonl: bad line for `{}`", f.id));
            }
        }
        for (j, t) in self.jobs.iter().zip(&self.job_truth) {
            if j.id != t.id || t.occupation as usize >= self.occupations.len() {
                return bad(format!("truth_jobs.jsonl: bad line for `{}`", j.id));
            }
        }
        Ok(())
    }
}

fn io(p: &Path, e: std::io::Error) -> LabError {
    LabError::Data(format!("{}: {e}", p.display()))
}

/// Writes one JSON document per line.
pub fn write_lines<T: Serialize>(path: &Path, items: &[T]) -> Result<(), LabError> {
    let f = File::create(path).map_err(|e| io(path, e))?;
    let mut w = BufWriter::new(f);
    for it in items {
        serde_json::to_writer(&mut w, it)?;
        w.write_all(b"\n").map_err(|e| io(path, e))?;
    }
    w.flush().map_err(|e| io(path, e))
}

/// Reads one JSON document per line (blank lines skipped).
pub fn read_lines<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, LabError> {
    let f = File::open(path).map_err(|e| io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line)
                .map_err(|e| LabError::Data(format!("{}:{}: {e}", path.display(), i + 1)))?,
        );
    }
    Ok(out)
}
