//! The marketplace generator (research/marketplace.md §3.2): occupations → jobs and personas,
//! with label noise, rates, time zones, languages, availability, reputations built from
//! past reviews that carry a rater bias against a synthetic protected group (Hannák et al.,
//! CSCW 2017; research/fairness.md §3), newcomers without history, and embeddings built
//! from the shipped MiniLM vectors of the ESCO skills each side names.
//!
//! Determinism: every entity draws from its own random stream, derived from (seed, purpose,
//! index) — so the output is the same for any thread count, and the truth (occupations) is
//! drawn from streams the label noise never touches: changing `label_noise` changes spellings
//! only.

use chrono::{DateTime, Duration, Utc};
use fairmatch::skills::SkillId;
use fairmatch::{
    Budget, BudgetKind, Embedding, ExperienceLevel, Freelancer, History, Importance, Job, Location,
    SkillClaim, SkillRequirement, TimezoneRequirement,
};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::LabError;
use super::market::{FORMAT_VERSION, JobTruth, Manifest, Marketplace, OccupationRecord, Persona};
use super::noise::noisy_label;
use super::source::{SkillVectors, SourceOccupation, Sources};

/// Generator settings (all recorded in the manifest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenConfig {
    /// Seed of every random stream.
    pub seed: u64,
    /// Freelancers to generate.
    pub freelancers: usize,
    /// Jobs to generate.
    pub jobs: usize,
    /// Occupations to draw (by ISCO unit group, up to 3 per group).
    pub occupations: usize,
    /// ISCO major groups occupations come from (online freelancing is mostly 1–4).
    pub isco_majors: Vec<u8>,
    /// Probability that a freelancer's skill label is respelled (see `noise`).
    pub label_noise: f64,
    /// The same for job skill labels (clients usually pick from a list: default 0).
    pub job_label_noise: f64,
    /// Share of freelancers without any history (exact, rounded).
    pub newcomer_share: f64,
    /// Share of freelancers in the synthetic protected group (exact, rounded).
    pub protected_share: f64,
    /// Stars subtracted from every rating a protected freelancer receives (past and simulated).
    pub rater_bias: f64,
    /// Share of freelancers not taking work now (`available = false`, a veto).
    pub unavailable_share: f64,
    /// Share of jobs that require the client's non-English language (a veto).
    pub required_language_share: f64,
    /// Standard deviation of the per-component noise added to embeddings before
    /// normalisation.
    pub embedding_noise: f64,
}

impl Default for GenConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            freelancers: 2000,
            jobs: 200,
            occupations: 300,
            isco_majors: vec![1, 2, 3, 4],
            label_noise: 0.3,
            job_label_noise: 0.0,
            newcomer_share: 0.25,
            protected_share: 0.3,
            rater_bias: 0.3,
            unavailable_share: 0.05,
            required_language_share: 0.08,
            embedding_noise: 0.02,
        }
    }
}

impl GenConfig {
    /// Rejects shares outside 0–1, zero counts and negative noise, naming the flag.
    pub fn validate(&self) -> Result<(), LabError> {
        let bad = |f: &str, why: &str| Err(LabError::Config(format!("--{f}: {why}")));
        for (f, v) in [
            ("label-noise", self.label_noise),
            ("job-label-noise", self.job_label_noise),
            ("newcomer-share", self.newcomer_share),
            ("protected-share", self.protected_share),
            ("unavailable-share", self.unavailable_share),
            ("required-language-share", self.required_language_share),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(f, "must be in 0–1");
            }
        }
        if self.freelancers == 0 || self.jobs == 0 || self.occupations == 0 {
            return bad("freelancers/--jobs/--occupations", "must be ≥ 1");
        }
        if !(0.0..=4.0).contains(&self.rater_bias) {
            return bad("rater-bias", "must be in 0–4 stars");
        }
        if !(0.0..=1.0).contains(&self.embedding_noise) {
            return bad("embedding-noise", "must be in 0–1");
        }
        Ok(())
    }
}

/// The reference time of generated data (profiles' activity and the simulation's day 0).
pub fn reference_time() -> DateTime<Utc> {
    crate::synth::now()
}

/// A random stream for (seed, purpose, index), independent of every other.
pub fn stream(seed: u64, purpose: u64, index: u64) -> ChaCha8Rng {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    ChaCha8Rng::seed_from_u64(mix(
        seed ^ mix(purpose.wrapping_mul(0x1_0000_0001) ^ mix(index))
    ))
}

// Stream purposes.
const S_OCCUPATIONS: u64 = 1;
const S_POPULARITY: u64 = 2;
const S_PERSONA: u64 = 3;
const S_PROFILE: u64 = 4;
const S_NOISE: u64 = 5;
const S_EMBED: u64 = 6;
const S_JOB: u64 = 7;
const S_JOB_NOISE: u64 = 8;
const S_JOB_EMBED: u64 = 9;
const S_GROUPS: u64 = 10;

/// A standard normal draw (Box–Muller).
pub fn normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A review in whole stars: `round(x)` clamped to 1–5.
pub fn stars(x: f64) -> f64 {
    x.round().clamp(1.0, 5.0)
}

/// A marketplace region: time zones (with country and main language), and its weight among
/// freelancers and among clients (shares after the Online Labour Index's picture of online
/// freelancing: South Asia supplies most, North America and Europe demand most).
struct Region {
    name: &'static str,
    zones: &'static [(&'static str, &'static str, &'static str)],
    supply: f64,
    demand: f64,
    rate_factor: f64,
}

const REGIONS: [Region; 7] = [
    Region {
        name: "north_america",
        zones: &[
            ("America/New_York", "US", "en"),
            ("America/Chicago", "US", "en"),
            ("America/Los_Angeles", "US", "en"),
            ("America/Toronto", "CA", "en"),
        ],
        supply: 0.16,
        demand: 0.45,
        rate_factor: 1.3,
    },
    Region {
        name: "western_europe",
        zones: &[
            ("Europe/London", "GB", "en"),
            ("Europe/Berlin", "DE", "de"),
            ("Europe/Paris", "FR", "fr"),
            ("Europe/Madrid", "ES", "es"),
            ("Europe/Amsterdam", "NL", "nl"),
        ],
        supply: 0.14,
        demand: 0.30,
        rate_factor: 1.15,
    },
    Region {
        name: "eastern_europe",
        zones: &[
            ("Europe/Warsaw", "PL", "pl"),
            ("Europe/Kyiv", "UA", "uk"),
            ("Europe/Bucharest", "RO", "ro"),
        ],
        supply: 0.13,
        demand: 0.05,
        rate_factor: 0.8,
    },
    Region {
        name: "latin_america",
        zones: &[
            ("America/Sao_Paulo", "BR", "pt"),
            ("America/Mexico_City", "MX", "es"),
            ("America/Bogota", "CO", "es"),
            ("America/Argentina/Buenos_Aires", "AR", "es"),
        ],
        supply: 0.12,
        demand: 0.07,
        rate_factor: 0.7,
    },
    Region {
        name: "south_asia",
        zones: &[
            ("Asia/Kolkata", "IN", "hi"),
            ("Asia/Karachi", "PK", "ur"),
            ("Asia/Dhaka", "BD", "bn"),
        ],
        supply: 0.25,
        demand: 0.05,
        rate_factor: 0.5,
    },
    Region {
        name: "southeast_asia",
        zones: &[
            ("Asia/Manila", "PH", "tl"),
            ("Asia/Jakarta", "ID", "id"),
            ("Asia/Ho_Chi_Minh", "VN", "vi"),
        ],
        supply: 0.12,
        demand: 0.04,
        rate_factor: 0.55,
    },
    Region {
        name: "africa",
        zones: &[
            ("Africa/Lagos", "NG", "en"),
            ("Africa/Nairobi", "KE", "sw"),
            ("Africa/Cairo", "EG", "ar"),
        ],
        supply: 0.08,
        demand: 0.04,
        rate_factor: 0.55,
    },
];

/// Median hourly rate (USD) by ISCO major group, scaled by job zone.
fn base_rate(o: &SourceOccupation) -> f64 {
    let major = match o.major_group() {
        "1" => 55.0,
        "2" => 45.0,
        "3" => 32.0,
        "4" => 20.0,
        "7" => 26.0,
        "B" => 40.0,
        _ => 18.0,
    };
    major * (0.8 + 0.1 * f64::from(o.zone))
}

/// Index of a weighted draw (weights ≥ 0, not all 0) from a cumulative table.
fn draw(cum: &[f64], rng: &mut impl Rng) -> usize {
    let total = *cum.last().unwrap_or(&0.0);
    let x = rng.random_range(0.0..total);
    cum.partition_point(|&c| c <= x).min(cum.len() - 1)
}

fn cumulative(w: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut acc = 0.0;
    w.map(|x| {
        acc += x;
        acc
    })
    .collect()
}

/// Picks the marketplace's occupations: unit groups drawn by ISCO major-group weight
/// (professionals 0.5, technicians 0.3, clerical 0.12, managers 0.08, others 0.05), up to
/// three occupations from each, until `n`; only occupations with ≥ 3 essential skills.
fn pick_occupations(src: &Sources, cfg: &GenConfig) -> Vec<usize> {
    let majors: Vec<String> = cfg.isco_majors.iter().map(u8::to_string).collect();
    let eligible = |o: &SourceOccupation| {
        o.essential.len() >= 3
            && (o.unit_group.starts_with('B') || majors.iter().any(|m| o.unit_group.starts_with(m)))
    };
    let mut groups: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, o) in src.occupations.iter().enumerate() {
        if eligible(o) {
            groups.entry(o.unit_group.as_str()).or_default().push(i);
        }
    }
    let weight = |g: &str| match &g[..1] {
        "2" => 0.5,
        "3" => 0.3,
        "4" => 0.12,
        "1" => 0.08,
        _ => 0.05,
    };
    let mut count_in_major: std::collections::BTreeMap<&str, usize> = Default::default();
    for g in groups.keys() {
        *count_in_major.entry(&g[..1]).or_default() += 1;
    }
    let mut rng = stream(cfg.seed, S_OCCUPATIONS, 0);
    let mut pools: Vec<(&str, Vec<usize>)> = groups
        .into_iter()
        .map(|(g, mut v)| {
            v.shuffle(&mut rng);
            (g, v)
        })
        .collect();
    let mut out = Vec::new();
    while out.len() < cfg.occupations {
        pools.retain(|(_, v)| !v.is_empty());
        if pools.is_empty() {
            break;
        }
        let cum = cumulative(
            pools
                .iter()
                .map(|(g, _)| weight(g) / count_in_major[&g[..1]] as f64),
        );
        let (_, pool) = &mut pools[draw(&cum, &mut rng)];
        let take = rng.random_range(1..=3usize).min(pool.len());
        for _ in 0..take {
            if out.len() < cfg.occupations {
                out.push(pool.pop().expect("non-empty"));
            }
        }
    }
    out.sort_unstable();
    out
}

fn embed(
    vectors: &SkillVectors,
    skills: &[(SkillId, f64)],
    noise: f64,
    rng: &mut impl Rng,
) -> Option<Embedding> {
    let mut v = vec![0f64; vectors.dim];
    let mut any = false;
    for &(s, w) in skills {
        if let Some(x) = vectors.get(s) {
            any = true;
            for (a, b) in v.iter_mut().zip(x) {
                *a += w * f64::from(*b);
            }
        }
    }
    if !any {
        return None;
    }
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
    for a in v.iter_mut() {
        *a = *a / norm + noise * normal(rng);
    }
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
    Some(Embedding {
        model: vectors.model.clone(),
        // four decimals keep the files small; the vector stays a unit vector to 1e-4
        vector: v
            .iter()
            .map(|x| ((x / norm) * 1e4).round() as f32 / 1e4)
            .collect(),
    })
}

/// Indices `0..n` of which exactly `round(share·n)` are chosen, by a seeded shuffle.
fn exact_members(seed: u64, purpose: u64, n: usize, share: f64) -> Vec<bool> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut stream(seed, S_GROUPS, purpose));
    let mut out = vec![false; n];
    for &i in &order[..((share * n as f64).round() as usize).min(n)] {
        out[i] = true;
    }
    out
}

/// Generates a marketplace from `src` (see the module docs).
pub fn generate(src: &Sources, cfg: &GenConfig) -> Result<Marketplace, LabError> {
    cfg.validate()?;
    let picked = pick_occupations(src, cfg);
    if picked.is_empty() {
        return Err(LabError::Config(
            "no occupation has ≥ 3 essential skills in the chosen ISCO major groups".into(),
        ));
    }
    let occs: Vec<&SourceOccupation> = picked.iter().map(|&i| &src.occupations[i]).collect();
    let t = &src.taxonomy;
    let label = |s: SkillId| t.get(s).map_or_else(String::new, |n| n.label.clone());

    // Popularity: supply lognormal(0, 0.8); demand = supply × lognormal(0, 0.5).
    let mut rng = stream(cfg.seed, S_POPULARITY, 0);
    let supply: Vec<f64> = (0..occs.len())
        .map(|_| (0.8 * normal(&mut rng)).exp())
        .collect();
    let demand: Vec<f64> = supply
        .iter()
        .map(|s| s * (0.5 * normal(&mut rng)).exp())
        .collect();
    let supply_cum = cumulative(supply.iter().copied());
    let demand_cum = cumulative(demand.iter().copied());
    let region_supply = cumulative(REGIONS.iter().map(|r| r.supply));
    let region_demand = cumulative(REGIONS.iter().map(|r| r.demand));
    let newcomer = exact_members(cfg.seed, 1, cfg.freelancers, cfg.newcomer_share);
    let protected = exact_members(cfg.seed, 2, cfg.freelancers, cfg.protected_share);
    let unavailable = exact_members(cfg.seed, 3, cfg.freelancers, cfg.unavailable_share);
    let now = reference_time();

    let people: Vec<(Freelancer, Persona, usize)> = (0..cfg.freelancers)
        .into_par_iter()
        .map(|i| {
            let id = format!("f{i:05}");
            // truth first, from its own stream
            let mut r = stream(cfg.seed, S_PERSONA, i as u64);
            let oi = draw(&supply_cum, &mut r);
            let o = occs[oi];
            let quality = (4.3 + 0.35 * normal(&mut r)).clamp(3.0, 5.0);
            let is_new = newcomer[i];
            let sen = if is_new {
                [0.5, 0.4, 0.1]
            } else {
                [0.25, 0.45, 0.3]
            };
            let s = draw(&cumulative(sen.into_iter()), &mut r);
            let seniority = ["junior", "mid", "senior"][s];

            // the profile
            let mut r = stream(cfg.seed, S_PROFILE, i as u64);
            let region = &REGIONS[draw(&region_supply, &mut r)];
            let (zone, country, lang) = *region.zones.choose(&mut r).expect("zones");
            let n_skills = r.random_range(5..=15usize);
            let mut ess = o.essential.clone();
            ess.shuffle(&mut r);
            let mut opt = o.optional.clone();
            opt.shuffle(&mut r);
            let n_ess = ((0.65 * n_skills as f64).ceil() as usize).min(ess.len());
            let mut skills: Vec<SkillId> = ess[..n_ess].to_vec();
            skills.extend(opt.iter().take(n_skills - n_ess));
            if r.random_bool(0.3) {
                // a secondary specialty: one skill of another occupation
                let other = occs[draw(&supply_cum, &mut r)];
                if let Some(&x) = other.essential.choose(&mut r) {
                    skills.push(x);
                }
            }
            let mut seen = std::collections::HashSet::new();
            skills.retain(|s| seen.insert(*s));
            let base = [2.0, 3.0, 4.0][s] + (o.level - 3.0);
            let levels: Vec<f64> = skills
                .iter()
                .map(|_| (base + 0.7 * normal(&mut r)).round().clamp(1.0, 5.0))
                .collect();
            let rate = base_rate(o)
                * region.rate_factor
                * [0.75, 1.0, 1.35][s]
                * (0.25 * normal(&mut r)).exp();
            let years = match s {
                0 => r.random_range(0.0..3.0),
                1 => r.random_range(3.0..8.0),
                _ => r.random_range(8.0..20.0f64),
            };
            let weekly = *[10.0, 20.0, 30.0, 40.0].choose(&mut r).expect("hours");
            let mut languages = Vec::new();
            if lang == "en" || r.random_bool(0.85) {
                languages.push("en".to_owned());
            }
            if lang != "en" {
                languages.push(lang.to_owned());
            }
            // history: past reviews carry the rater bias; the same draws without it are kept
            let (history, unbiased, joined, last_active) = if is_new {
                (
                    None,
                    0.0,
                    now - Duration::days(r.random_range(0..45)),
                    now - Duration::days(r.random_range(0..10)),
                )
            } else {
                let mult = [0.5, 1.0, 2.0][s];
                let total =
                    ((1.0 + (8.0f64.ln() + normal(&mut r)).exp() * mult).floor() as u32).min(400);
                let active = r.random_range(0..=2u32).min(total);
                let cancelled = ((total - active) as f64 * r.random_range(0.0..0.1)).floor() as u32;
                let completed = total - active - cancelled;
                let mut h = History {
                    contracts_total: total,
                    contracts_completed: completed,
                    active_contracts: active,
                    on_time: (completed as f64 * r.random_range(0.8..1.0)).floor() as u32,
                    disputes: cancelled.min(r.random_range(0..=1)),
                    ..History::default()
                };
                let mut unbiased = 0.0;
                for _ in 0..completed {
                    if r.random_bool(0.8) {
                        let x = quality + 0.6 * normal(&mut r);
                        let bias = if protected[i] { cfg.rater_bias } else { 0.0 };
                        h.ratings_count += 1;
                        h.ratings_sum += stars(x - bias);
                        unbiased += stars(x);
                    }
                }
                h.proposals_sent = total * r.random_range(2..=6);
                h.proposals_accepted = total;
                h.last_contract_at = Some(now - Duration::days(r.random_range(1..90)));
                h.last_proposal_at = Some(now - Duration::days(r.random_range(0..30)));
                (
                    Some(h),
                    unbiased,
                    now - Duration::days(r.random_range(90..2500)),
                    now - Duration::days((-10.0 * r.random_range(1e-9..1.0f64).ln()) as i64),
                )
            };

            let mut f = Freelancer::new(id.clone());
            let mut noise = stream(cfg.seed, S_NOISE, i as u64);
            f.skills = skills
                .iter()
                .zip(&levels)
                .map(|(&s, &l)| SkillClaim {
                    skill: if noise.random_bool(cfg.label_noise) {
                        noisy_label(&label(s), &mut noise)
                    } else {
                        label(s)
                    },
                    level: Some(l),
                    years: None,
                    verified: false,
                })
                .collect();
            f.hourly_rate = Some((rate * 100.0).round() / 100.0);
            f.currency = Some("USD".into());
            f.timezone = Some(zone.into());
            f.weekly_hours = Some(weekly);
            f.available = !unavailable[i];
            f.languages = languages;
            f.location = Some(Location {
                country: Some(country.into()),
                region: Some(region.name.into()),
            });
            f.experience_years = Some((years * 10.0f64).round() / 10.0);
            f.history = history;
            f.last_active = Some(last_active);
            f.joined = Some(joined);
            f.attributes.insert(
                "tenure".into(),
                if is_new { "newcomer" } else { "established" }.into(),
            );
            f.attributes.insert("region".into(), region.name.into());
            f.attributes.insert(
                "protected".into(),
                if protected[i] { "yes" } else { "no" }.into(),
            );
            if let Some(v) = &src.vectors {
                let w: Vec<(SkillId, f64)> = skills
                    .iter()
                    .zip(&levels)
                    .map(|(&s, &l)| (s, l / 5.0))
                    .collect();
                f.embedding = embed(
                    v,
                    &w,
                    cfg.embedding_noise,
                    &mut stream(cfg.seed, S_EMBED, i as u64),
                );
            }
            let persona = Persona {
                id,
                occupation: oi as u32,
                seniority: seniority.into(),
                quality: (quality * 1e4).round() / 1e4,
                protected: protected[i],
                newcomer: is_new,
                ratings_sum_unbiased: unbiased,
                canonical_skills: skills.iter().map(|&s| label(s)).collect(),
            };
            (f, persona, oi)
        })
        .collect();

    let jobs: Vec<(Job, JobTruth)> = (0..cfg.jobs)
        .into_par_iter()
        .map(|j| {
            let id = format!("j{j:05}");
            let mut r = stream(cfg.seed, S_JOB, j as u64);
            let oi = draw(&demand_cum, &mut r);
            let o = occs[oi];
            let region = &REGIONS[draw(&region_demand, &mut r)];
            let (zone, _, lang) = *region.zones.choose(&mut r).expect("zones");
            let mut ess = o.essential.clone();
            ess.shuffle(&mut r);
            let n_must = r.random_range(3..=6usize).min(ess.len());
            let must: Vec<SkillId> = ess[..n_must].to_vec();
            let mut opt: Vec<SkillId> = o.optional.clone();
            opt.shuffle(&mut r);
            opt.extend(ess[n_must..].iter().copied());
            let nice: Vec<SkillId> = opt.into_iter().take(r.random_range(2..=5usize)).collect();
            let mut level = match o.zone {
                0..=2 => 0,
                3 => 1,
                _ => 2,
            };
            if r.random_bool(0.25) {
                level = if r.random_bool(0.5) {
                    level.max(1) - 1
                } else {
                    (level + 1).min(2)
                };
            }
            let exp = (!r.random_bool(0.1)).then_some(
                [
                    ExperienceLevel::Entry,
                    ExperienceLevel::Intermediate,
                    ExperienceLevel::Expert,
                ][level],
            );
            let shift = [-0.7, 0.0, 0.7][level];
            let mut noise = stream(cfg.seed, S_JOB_NOISE, j as u64);
            let mut spell = |s: SkillId| {
                if noise.random_bool(cfg.job_label_noise) {
                    noisy_label(&label(s), &mut noise)
                } else {
                    label(s)
                }
            };
            let mut skills = Vec::new();
            for &s in &must {
                skills.push(SkillRequirement {
                    skill: spell(s),
                    min_level: Some(
                        (o.level + shift + 0.6 * normal(&mut r))
                            .round()
                            .clamp(1.0, 5.0),
                    ),
                    weight: None,
                    importance: Importance::Must,
                });
            }
            for &s in &nice {
                let min_level = r.random_bool(0.5).then(|| {
                    (o.level + shift - 0.5 + 0.6 * normal(&mut r))
                        .round()
                        .clamp(1.0, 5.0)
                });
                skills.push(SkillRequirement {
                    skill: spell(s),
                    min_level,
                    weight: None,
                    importance: Importance::Nice,
                });
            }
            let client = if matches!(region.name, "north_america" | "western_europe") {
                1.15
            } else {
                0.8
            };
            let rate =
                base_rate(o) * client * [0.8, 1.0, 1.3][level] * (0.3 * normal(&mut r)).exp();
            let mut job = Job::new(id.clone());
            job.skills = skills;
            job.budget = Some(if r.random_bool(0.8) {
                let max = rate.round().max(5.0);
                Budget {
                    kind: BudgetKind::Hourly,
                    min: Some((max * r.random_range(0.4..0.7)).round()),
                    max: Some(max),
                    currency: Some("USD".into()),
                    estimated_hours: None,
                }
            } else {
                let hours = r.random_range(10..=120) as f64;
                Budget {
                    kind: BudgetKind::Fixed,
                    min: None,
                    max: Some((rate * hours / 10.0).round() * 10.0),
                    currency: Some("USD".into()),
                    estimated_hours: Some(hours),
                }
            });
            job.experience_level = exp;
            job.hours_per_week = Some(*[10.0, 20.0, 30.0, 40.0].choose(&mut r).expect("hours"));
            job.timezone = Some(TimezoneRequirement {
                zone: zone.into(),
                working_hours: None,
                min_overlap_hours: None,
            });
            job.preferred_languages = vec!["en".into()];
            if lang != "en" {
                if r.random_bool(cfg.required_language_share) {
                    job.languages = vec![lang.into()];
                } else if r.random_bool(0.3) {
                    job.preferred_languages.push(lang.into());
                }
            }
            job.posted_at = Some(now);
            job.attributes
                .insert("client_region".into(), region.name.into());
            job.attributes.insert(
                "client".into(),
                format!("c{}", r.random_range(0..cfg.jobs.div_ceil(3).max(1))),
            );
            if let Some(v) = &src.vectors {
                let w: Vec<(SkillId, f64)> = must
                    .iter()
                    .map(|&s| (s, 1.0))
                    .chain(nice.iter().map(|&s| (s, 0.5)))
                    .collect();
                job.embedding = embed(
                    v,
                    &w,
                    cfg.embedding_noise,
                    &mut stream(cfg.seed, S_JOB_EMBED, j as u64),
                );
            }
            (
                job,
                JobTruth {
                    id,
                    occupation: oi as u32,
                },
            )
        })
        .collect();

    let occupations: Vec<OccupationRecord> = occs
        .iter()
        .enumerate()
        .map(|(i, o)| OccupationRecord {
            index: i as u32,
            uri: o.uri.clone(),
            label: o.label.clone(),
            unit_group: o.unit_group.clone(),
            minor_group: o.minor_group().to_owned(),
            level: (o.level * 1e4).round() / 1e4,
            zone: o.zone,
            onet: o.onet.clone(),
        })
        .collect();
    let labels: usize = people.iter().map(|p| p.0.skills.len()).sum();
    let noisy_labels: usize = people
        .iter()
        .map(|(f, p, _)| {
            f.skills
                .iter()
                .zip(&p.canonical_skills)
                .filter(|(a, b)| &a.skill != *b)
                .count()
        })
        .sum();
    let (freelancers, personas): (Vec<Freelancer>, Vec<Persona>) =
        people.into_iter().map(|(f, p, _)| (f, p)).unzip();
    let (jobs, job_truth): (Vec<Job>, Vec<JobTruth>) = jobs.into_iter().unzip();
    let mut attribution = vec![
        "ESCO classification v1.1.1 (skills, occupations, relations): © European Union, \
         https://esco.ec.europa.eu — reuse authorised, source acknowledged."
            .to_owned(),
    ];
    if src.onet_matched > 0 {
        attribution.push(
            "This product includes information from the O*NET 29.2 Database (Skills: 29.0) by \
             the U.S. Department of Labor, Employment and Training Administration (USDOL/ETA). \
             Used under the CC BY 4.0 license. O*NET® is a trademark of USDOL/ETA. The \
             fairmatch project has modified all or some of this information. USDOL/ETA has \
             not approved, endorsed, or tested these modifications."
                .to_owned(),
        );
    }
    if src.vectors.is_some() {
        attribution
            .push("Skill vectors: all-MiniLM-L6-v2 (Apache-2.0) embeddings of ESCO texts.".into());
    }
    if matches!(src.taxonomy_source, super::source::TaxonomySource::Builtin) {
        attribution = vec!["fairmatch built-in taxonomy.".into()];
    }
    let manifest = Manifest {
        format: "fairmatch-lab-marketplace".into(),
        version: FORMAT_VERSION,
        config: cfg.clone(),
        taxonomy: src.taxonomy_source.clone(),
        embedding_model: src.vectors.as_ref().map(|v| v.model.clone()),
        freelancers: freelancers.len(),
        jobs: jobs.len(),
        occupations: occupations.len(),
        onet_matched_occupations: occs.iter().filter(|o| o.onet.is_some()).count(),
        newcomers: personas.iter().filter(|p| p.newcomer).count(),
        protected: personas.iter().filter(|p| p.protected).count(),
        noisy_labels,
        labels,
        attribution,
    };
    // every record must be one the engine accepts (a failure here is a generator defect)
    for f in &freelancers {
        f.validate()?;
    }
    for j in &jobs {
        j.validate()?;
    }
    let m = Marketplace {
        manifest,
        freelancers,
        jobs,
        occupations,
        personas,
        job_truth,
    };
    m.check()?;
    Ok(m)
}

/// The reference time plus `days` (the simulation's clock).
pub fn day(days: i64) -> DateTime<Utc> {
    reference_time() + Duration::days(days)
}
