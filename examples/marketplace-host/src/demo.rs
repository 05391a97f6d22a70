//! `--demo`: a seeded, deterministic marketplace with history, so the dashboard has content
//! on the first run.
//!
//! The seed fixes everything but random ids and password salts: ≥ 5,000 freelancers in six
//! regions (time zones, countries, languages, rate levels), a fifth of them newcomers who
//! joined during the simulated period, each with a specialty from the built-in taxonomy
//! (a parent skill and its children) and a hidden quality; ≥ 500 jobs posted over the last
//! 120 days by 150 clients. The history is simulated in time order through the same service
//! functions the API calls, each step its own committed write: the client is served the top
//! 10 (impressions), views profiles with position bias, freelancers propose, the client
//! shortlists and hires by score and quality, contracts are delivered, sometimes sent back
//! for changes, accepted (or auto-accepted by the 14-day timer), cancelled with their job now
//! and then, and reviewed double-blind. One self-declared group (`cohort` = `b`) is rated
//! 0.6 stars lower for the same work — the rater bias the dashboard's rating-gap test should
//! find. Thirty days before now the admin switches on FA*IR for newcomers, so the exposure
//! chart shows the change. Steps due after now stay pending: the marketplace opens with open
//! jobs, pending proposals and running contracts.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use fairmatch::{
    Budget, BudgetKind, ExperienceLevel, FairnessOptions, Importance, Location, LocationPolicy,
    OutcomeKind, RecommendOptions, SkillClaim, SkillRequirement, TimezoneRequirement,
};

use crate::auth::{self, Role};
use crate::clock::{DAY, Ts, to_datetime};
use crate::error::{ApiError, ApiResult};
use crate::flow::{ContractAction, JobAction, ProposalAction, ProposalStatus};
use crate::host::Host;
use crate::model::{JobBody, ProfileBody};
use crate::service::contracts::{self, ReviewBody};
use crate::service::proposals::{self, ProposalBody};
use crate::service::recommendations::{self, FairnessChoice, ListFor, RecRequest};
use crate::service::{Step as Outcome, accounts, admin, freelancers, jobs, record_outcome};

/// What to seed.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// The seed.
    pub seed: u64,
    /// Freelancers (≥ 1).
    pub freelancers: usize,
    /// Jobs (≥ 1).
    pub jobs: usize,
    /// Clients (≥ 1).
    pub clients: usize,
    /// Days of history.
    pub days: i64,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            freelancers: 5_000,
            jobs: 600,
            clients: 150,
            days: 120,
        }
    }
}

/// A demo account that can log in.
#[derive(Debug, Clone, Serialize)]
pub struct DemoAccount {
    /// Its role.
    pub role: Role,
    /// Its email.
    pub email: String,
    /// Its password.
    pub password: String,
}

/// The demo's accounts and what seeding did.
#[derive(Debug, Clone, Serialize)]
pub struct DemoAccounts {
    /// The accounts that can log in (admin, client, freelancer).
    pub accounts: Vec<DemoAccount>,
    /// Whether this start seeded (false: the database already held this demo).
    pub seeded: bool,
    /// Seconds the seeding took.
    pub seconds: f64,
    /// Simulation steps run.
    pub steps: usize,
}

/// A region: name, (country, IANA zone) pairs, local languages, rate factor, share of members.
type Region = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
    f64,
    f64,
);

/// The demo's regions.
const REGIONS: &[Region] = &[
    (
        "eu",
        &[
            ("DE", "Europe/Berlin"),
            ("FR", "Europe/Paris"),
            ("ES", "Europe/Madrid"),
            ("PL", "Europe/Warsaw"),
            ("PT", "Europe/Lisbon"),
            ("NL", "Europe/Amsterdam"),
        ],
        &["de", "fr", "es", "pl", "pt", "nl"],
        1.0,
        0.27,
    ),
    (
        "na",
        &[
            ("US", "America/New_York"),
            ("US", "America/Chicago"),
            ("US", "America/Los_Angeles"),
            ("CA", "America/Toronto"),
        ],
        &[],
        1.3,
        0.20,
    ),
    (
        "latam",
        &[
            ("BR", "America/Sao_Paulo"),
            ("AR", "America/Argentina/Buenos_Aires"),
            ("MX", "America/Mexico_City"),
            ("CO", "America/Bogota"),
        ],
        &["es", "pt"],
        0.6,
        0.17,
    ),
    (
        "asia-south",
        &[
            ("IN", "Asia/Kolkata"),
            ("PK", "Asia/Karachi"),
            ("BD", "Asia/Dhaka"),
            ("LK", "Asia/Colombo"),
        ],
        &["hi", "ur", "bn"],
        0.45,
        0.20,
    ),
    (
        "asia-east",
        &[
            ("PH", "Asia/Manila"),
            ("VN", "Asia/Ho_Chi_Minh"),
            ("ID", "Asia/Jakarta"),
        ],
        &["tl", "vi", "id"],
        0.5,
        0.10,
    ),
    (
        "africa",
        &[
            ("NG", "Africa/Lagos"),
            ("KE", "Africa/Nairobi"),
            ("ZA", "Africa/Johannesburg"),
            ("EG", "Africa/Cairo"),
        ],
        &["fr", "sw", "ar"],
        0.5,
        0.06,
    ),
];

const FIRST: &[&str] = &[
    "Ana", "Bilal", "Chen", "Dara", "Emeka", "Fatima", "Gustavo", "Hana", "Ivan", "Jonas", "Kavya",
    "Lucía", "Mateo", "Nadia", "Omar", "Priya", "Quang", "Rosa", "Sanjay", "Tomás", "Uche",
    "Valeria", "Wei", "Ximena", "Yusuf", "Zofia", "Amara", "Bruno", "Chloé", "Diego", "Eun",
    "Farah",
];
const LAST: &[&str] = &[
    "Silva", "Khan", "Wang", "Okafor", "Nowak", "García", "Müller", "Rossi", "Haddad", "Sharma",
    "Nguyen", "Mensah", "Kowalski", "Santos", "Ahmed", "Costa", "Reyes", "Ivanova", "Dubois",
    "Mwangi",
];

/// The rater bias against cohort `b`, in stars.
pub const RATER_BIAS: f64 = -0.6;

/// A client's rating of work of hidden quality `quality` (standard normal): 4.1 stars + 0.6
/// per standard deviation of quality, minus [`RATER_BIAS`] for a freelancer of the biased
/// cohort, plus noise (σ = 0.5), rounded to whole stars in 1–5.
fn client_rating(rng: &mut ChaCha8Rng, quality: f64, biased: bool) -> i64 {
    let bias = if biased { RATER_BIAS } else { 0.0 };
    let r = 4.1 + 0.6 * quality + bias + 0.5 * normal(rng);
    r.round().clamp(1.0, 5.0) as i64
}

/// A specialty: a category and skills under one parent in the taxonomy.
#[derive(Debug, Clone)]
struct Specialty {
    category: String,
    parent: String,
    skills: Vec<String>,
}

/// Parent skills with at least three children, by category (deterministic order).
fn specialties() -> Vec<Specialty> {
    let tax = fairmatch::builtin();
    let mut out = Vec::new();
    for (id, node) in tax.skills().iter().enumerate() {
        let children = tax.children(id as u32);
        if children.len() >= 3 {
            out.push(Specialty {
                category: node.category.clone().unwrap_or_default(),
                parent: node.label.clone(),
                skills: children
                    .iter()
                    .filter_map(|c| tax.get(*c).map(|n| n.label.clone()))
                    .collect(),
            });
        }
    }
    out
}

/// Standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn password(rng: &mut ChaCha8Rng) -> String {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..14)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// A simulated freelancer.
#[derive(Debug, Clone)]
struct Member {
    user: i64,
    fid: Option<i64>,
    joined: Ts,
    profile: ProfileBody,
    specialty: usize,
    quality: f64,
    biased: bool,
}

/// What happens to a job.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    Hire,
    CancelEarly,
    CloseUnfilled,
}

/// A simulated job.
#[derive(Debug, Clone)]
struct Posting {
    client: i64,
    posted: Ts,
    specialty: usize,
    body: JobBody,
    fate: Fate,
    id: Option<i64>,
    contract: Option<i64>,
}

/// One simulation step.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Join(usize),
    Policy,
    Post(usize),
    View {
        job: usize,
        freelancer: i64,
        request: String,
    },
    Propose {
        job: usize,
        member: usize,
    },
    Shortlist(usize),
    Decide(usize),
    Deliver(usize),
    Respond(usize),
    Review {
        job: usize,
        by_client: bool,
    },
    Timers,
}

/// The demo's accounts for `seed` (the same on every start).
fn accounts_for(seed: u64) -> Vec<DemoAccount> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xACC0_u64);
    [
        (Role::Admin, "admin"),
        (Role::Client, "client"),
        (Role::Freelancer, "freelancer"),
    ]
    .into_iter()
    .map(|(role, name)| DemoAccount {
        role,
        email: format!("{name}@demo.fairmatch.test"),
        password: password(&mut rng),
    })
    .collect()
}

/// Seeds the demo into an empty database, or finds it already there (same seed).
pub async fn seed(host: &Host, cfg: &DemoConfig) -> ApiResult<DemoAccounts> {
    let started = Instant::now();
    let accounts = accounts_for(cfg.seed);
    let users = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users WHERE role <> 'admin'")
        .fetch_one(&host.db)
        .await?;
    let marker =
        sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = 'demo_seed'")
            .fetch_optional(&host.db)
            .await?;
    match marker {
        Some(s) if s == cfg.seed.to_string() => {
            return Ok(DemoAccounts {
                accounts,
                seeded: false,
                seconds: 0.0,
                steps: 0,
            });
        }
        Some(s) => {
            return Err(ApiError::conflict(
                "conflict",
                format!("the database holds the demo of seed {s}, not {}", cfg.seed),
            ));
        }
        None if users > 0 => {
            return Err(ApiError::conflict(
                "conflict",
                "the database is not empty; --demo seeds an empty database (use another --db)",
            ));
        }
        None => {}
    }
    let mut sim = Sim::new(host, cfg, &accounts).await?;
    let steps = sim.run().await?;
    let mut w = host.begin_write().await?;
    sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ('demo_seed', $1, $2)")
        .bind(cfg.seed.to_string())
        .bind(host.now())
        .execute(w.conn())
        .await?;
    w.commit().await?;
    Ok(DemoAccounts {
        accounts,
        seeded: true,
        seconds: started.elapsed().as_secs_f64(),
        steps,
    })
}

/// The simulation state.
struct Sim<'h> {
    host: &'h Host,
    rng: ChaCha8Rng,
    now: Ts,
    specialties: Vec<Specialty>,
    members: Vec<Member>,
    by_fid: HashMap<i64, usize>,
    postings: Vec<Posting>,
    queue: BinaryHeap<Reverse<(Ts, u64, Step)>>,
    seq: u64,
    policy: Option<FairnessOptions>,
}

impl<'h> Sim<'h> {
    async fn new(host: &'h Host, cfg: &DemoConfig, accounts: &[DemoAccount]) -> ApiResult<Sim<'h>> {
        let now = host.now();
        let start = now - cfg.days.max(1) * DAY;
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let specialties = specialties();
        let policy: FairnessOptions = serde_json::from_value(serde_json::json!({
            "policy": {"type": "fair", "p": 0.3, "alpha": 0.1, "protected_groups": [0]},
            "attribute": "tenure",
            "groups": ["newcomer"]
        }))
        .map_err(ApiError::internal)?;

        // Accounts first: the three that log in, then the seeded members (no password).
        let mut w = host.begin_write().await?;
        let mut login_ids = Vec::new();
        for a in accounts {
            let pw = a.password.clone();
            let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
                .await?
                .map_err(ApiError::internal)?;
            let id =
                accounts::insert_user(w.conn(), &a.email, Some(&hash), a.role, start - 400 * DAY)
                    .await?;
            login_ids.push(
                id.ok_or_else(|| ApiError::conflict("conflict", format!("{} exists", a.email)))?,
            );
        }
        let mut clients = vec![login_ids[1]];
        for i in 1..cfg.clients.max(1) {
            let id = accounts::insert_user(
                w.conn(),
                &format!("client{i}@demo.fairmatch.test"),
                None,
                Role::Client,
                start - 400 * DAY,
            )
            .await?
            .ok_or_else(|| ApiError::internal("demo client exists"))?;
            clients.push(id);
        }
        let mut members = Vec::with_capacity(cfg.freelancers);
        for i in 0..cfg.freelancers.max(1) {
            let user = if i == 0 {
                login_ids[2]
            } else {
                accounts::insert_user(
                    w.conn(),
                    &format!("freelancer{i}@demo.fairmatch.test"),
                    None,
                    Role::Freelancer,
                    start - 400 * DAY,
                )
                .await?
                .ok_or_else(|| ApiError::internal("demo freelancer exists"))?
            };
            members.push(Self::member(&mut rng, &specialties, user, i, start, now));
        }
        w.commit().await?;

        let mut postings = Vec::with_capacity(cfg.jobs);
        let mut times: Vec<Ts> = (0..cfg.jobs.max(1))
            .map(|_| rng.random_range(start + DAY..now - 3_600))
            .collect();
        times.sort_unstable();
        for (i, t) in times.into_iter().enumerate() {
            // The demo client owns the newest jobs, so it has open ones with proposals.
            let client = if i + 6 >= cfg.jobs {
                clients[0]
            } else {
                clients[rng.random_range(0..clients.len())]
            };
            postings.push(Self::posting(&mut rng, &specialties, client, t));
        }
        let mut sim = Sim {
            host,
            rng,
            now,
            specialties,
            members,
            by_fid: HashMap::new(),
            postings,
            queue: BinaryHeap::new(),
            seq: 0,
            policy: Some(policy),
        };
        for i in 0..sim.members.len() {
            let t = sim.members[i].joined.max(start - DAY);
            sim.push(t, Step::Join(i));
        }
        for i in 0..sim.postings.len() {
            sim.push(sim.postings[i].posted, Step::Post(i));
        }
        sim.push(now - 30 * DAY, Step::Policy);
        let mut t = start + DAY;
        while t < now {
            sim.push(t, Step::Timers);
            t += DAY;
        }
        Ok(sim)
    }

    fn member(
        rng: &mut ChaCha8Rng,
        specialties: &[Specialty],
        user: i64,
        i: usize,
        start: Ts,
        now: Ts,
    ) -> Member {
        let weights: Vec<f64> = REGIONS.iter().map(|r| r.4).collect();
        let mut x = rng.random::<f64>() * weights.iter().sum::<f64>();
        let mut region = 0;
        for (ri, w) in weights.iter().enumerate() {
            if x < *w {
                region = ri;
                break;
            }
            x -= w;
        }
        let (rname, places, locals, rate_factor, _) = REGIONS[if i == 0 { 0 } else { region }];
        let (country, zone) = places[rng.random_range(0..places.len())];
        let newcomer = i != 0 && rng.random::<f64>() < 0.2;
        let joined = if newcomer {
            rng.random_range(now - 45 * DAY..now - DAY)
        } else {
            rng.random_range(start - 1_000 * DAY..start - DAY)
        };
        let specialty = if i == 0 {
            specialties
                .iter()
                .position(|s| s.category == "software")
                .unwrap_or(0)
        } else {
            rng.random_range(0..specialties.len())
        };
        let sp = &specialties[specialty];
        let expertise: f64 = rng.random_range(2.0..5.0);
        let mut pool: Vec<&String> = sp.skills.iter().collect();
        pool.shuffle(rng);
        let n = rng.random_range(3..=pool.len().min(7));
        let mut skills: Vec<SkillClaim> = pool[..n]
            .iter()
            .map(|s| SkillClaim {
                skill: (*s).clone(),
                level: Some((expertise + normal(rng) * 0.6).clamp(1.0, 5.0).round()),
                years: Some(rng.random_range(0.5..10.0f64).round()),
                verified: rng.random::<f64>() < 0.2,
            })
            .collect();
        skills.push(SkillClaim {
            skill: sp.parent.clone(),
            level: Some(expertise.round()),
            years: None,
            verified: false,
        });
        let same_cat: Vec<&Specialty> = specialties
            .iter()
            .filter(|s| s.category == sp.category)
            .collect();
        if let Some(other) = same_cat.choose(rng)
            && let Some(extra) = other.skills.choose(rng)
            && !skills.iter().any(|s| &s.skill == extra)
        {
            skills.push(SkillClaim {
                skill: extra.clone(),
                level: Some(rng.random_range(2.0..4.0f64).round()),
                years: None,
                verified: false,
            });
        }
        let rate = ((15.0 + 14.0 * expertise) * rate_factor * (normal(rng) * 0.25).exp()).round();
        let mut languages = vec!["en".to_owned()];
        if let Some(l) = locals.choose(rng)
            && rng.random::<f64>() < 0.7
        {
            languages.push((*l).to_owned());
        }
        let mut attributes = std::collections::BTreeMap::new();
        if rng.random::<f64>() < 0.9 {
            attributes.insert("region".to_owned(), rname.to_owned());
        }
        attributes.insert(
            "tenure".to_owned(),
            if newcomer { "newcomer" } else { "established" }.to_owned(),
        );
        let biased = rng.random::<f64>() < 0.3;
        if rng.random::<f64>() < 0.85 {
            attributes.insert(
                "cohort".to_owned(),
                if biased { "b" } else { "a" }.to_owned(),
            );
        }
        let name = format!(
            "{} {}",
            FIRST[rng.random_range(0..FIRST.len())],
            LAST[rng.random_range(0..LAST.len())]
        );
        Member {
            user,
            fid: None,
            joined,
            profile: ProfileBody {
                name,
                headline: format!("{} specialist", sp.parent),
                skills,
                hourly_rate: Some(rate),
                currency: Some("USD".into()),
                timezone: Some(zone.into()),
                working_hours: None,
                weekly_hours: Some(rng.random_range(2..=8) as f64 * 5.0),
                available: rng.random::<f64>() < 0.95,
                languages,
                location: Some(Location {
                    country: Some(country.into()),
                    region: Some(rname.into()),
                }),
                experience_years: Some((expertise * 2.0 + normal(rng)).clamp(0.0, 25.0).round()),
                attributes,
            },
            specialty,
            quality: normal(rng),
            biased,
        }
    }

    fn posting(
        rng: &mut ChaCha8Rng,
        specialties: &[Specialty],
        client: i64,
        posted: Ts,
    ) -> Posting {
        let specialty = rng.random_range(0..specialties.len());
        let sp = &specialties[specialty];
        let mut pool: Vec<&String> = sp.skills.iter().collect();
        pool.shuffle(rng);
        let n = rng.random_range(2..=pool.len().min(4));
        let mut skills: Vec<SkillRequirement> = pool[..n]
            .iter()
            .map(|s| SkillRequirement {
                skill: (*s).clone(),
                min_level: Some(rng.random_range(2..=4) as f64),
                weight: None,
                importance: Importance::Must,
            })
            .collect();
        if pool.len() > n {
            skills.push(SkillRequirement {
                skill: pool[n].clone(),
                min_level: None,
                weight: None,
                importance: Importance::Nice,
            });
        }
        let level = rng.random_range(0..3);
        let mid = 30.0 + 25.0 * level as f64;
        let budget = if rng.random::<f64>() < 0.65 {
            Budget {
                kind: BudgetKind::Hourly,
                min: Some((mid * 0.5).round()),
                max: Some((mid * 1.6).round()),
                currency: Some("USD".into()),
                estimated_hours: None,
            }
        } else {
            let hours = rng.random_range(10..120) as f64;
            Budget {
                kind: BudgetKind::Fixed,
                min: Some((mid * hours * 0.6).round()),
                max: Some((mid * hours * 1.3).round()),
                currency: Some("USD".into()),
                estimated_hours: Some(hours),
            }
        };
        let region = REGIONS[rng.random_range(0..REGIONS.len())];
        let timezone = (rng.random::<f64>() < 0.2).then(|| TimezoneRequirement {
            zone: region.1[0].1.to_owned(),
            working_hours: None,
            min_overlap_hours: Some(rng.random_range(1..=3) as f64),
        });
        let location = if rng.random::<f64>() < 0.08 {
            LocationPolicy {
                countries: vec![],
                regions: vec![region.0.to_owned()],
            }
        } else {
            LocationPolicy::default()
        };
        let roll: f64 = rng.random();
        let fate = if roll < 0.06 {
            Fate::CancelEarly
        } else if roll < 0.10 {
            Fate::CloseUnfilled
        } else {
            Fate::Hire
        };
        let mut attributes = std::collections::BTreeMap::new();
        attributes.insert("category".to_owned(), sp.category.clone());
        Posting {
            client,
            posted,
            specialty,
            body: JobBody {
                title: format!("{} work: {}", sp.parent, pool[0]),
                description: format!(
                    "We need help with {} ({}).",
                    sp.parent,
                    pool[..n]
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                skills,
                must_haves: Default::default(),
                budget: Some(budget),
                experience_level: Some(
                    [
                        ExperienceLevel::Entry,
                        ExperienceLevel::Intermediate,
                        ExperienceLevel::Expert,
                    ][level],
                ),
                hours_per_week: Some(rng.random_range(1..=8) as f64 * 5.0),
                timezone,
                languages: if rng.random::<f64>() < 0.85 {
                    vec!["en".into()]
                } else {
                    vec![]
                },
                preferred_languages: vec![],
                location,
                expires_at: None,
                attributes,
            },
            fate,
            id: None,
            contract: None,
        }
    }

    fn push(&mut self, t: Ts, step: Step) {
        self.seq += 1;
        self.queue.push(Reverse((t, self.seq, step)));
    }

    fn hours(&mut self, lo: f64, hi: f64) -> Ts {
        (self.rng.random_range(lo..hi) * 3_600.0) as Ts
    }

    async fn run(&mut self) -> ApiResult<usize> {
        let mut steps = 0;
        while let Some(Reverse((t, _, step))) = self.queue.pop() {
            if t >= self.now {
                continue;
            }
            steps += 1;
            self.step(t, step).await?;
        }
        Ok(steps)
    }

    async fn step(&mut self, t: Ts, step: Step) -> ApiResult<()> {
        let host = self.host;
        match step {
            Step::Join(i) => {
                let mut w = host.begin_write().await?;
                let m = &self.members[i];
                let fid =
                    freelancers::put_profile(&mut w, m.user, &m.profile, m.joined.min(t)).await?;
                w.commit().await?;
                self.members[i].fid = Some(fid);
                self.by_fid.insert(fid, i);
            }
            Step::Policy => {
                let mut w = host.begin_write().await?;
                admin::store_policy(w.conn(), &self.policy, t).await?;
                w.commit().await?;
                host.set_policy(self.policy.clone());
            }
            Step::Post(j) => self.post(j, t).await?,
            Step::View {
                job,
                freelancer,
                request,
            } => {
                let (Some(jid), client) = (self.postings[job].id, self.postings[job].client) else {
                    return Ok(());
                };
                let mut w = host.begin_write().await?;
                record_outcome(
                    &mut w,
                    Outcome {
                        freelancer,
                        job: jid,
                        kind: OutcomeKind::Viewed,
                        rating: None,
                        request_id: Some(request),
                        viewer: Some(client),
                        at: t,
                    },
                )
                .await?;
                w.commit().await?;
            }
            Step::Propose { job, member } => {
                let (Some(jid), Some(fid)) = (self.postings[job].id, self.members[member].fid)
                else {
                    return Ok(());
                };
                let body = ProposalBody {
                    cover_letter: format!(
                        "I have done {} work like this before.",
                        self.specialties[self.members[member].specialty].parent
                    ),
                    rate: self.members[member].profile.hourly_rate,
                    request_id: None,
                };
                let mut w = host.begin_write().await?;
                // The job may have been filled or closed meanwhile: then there is nothing to do.
                if proposals::submit_proposal(&mut w, fid, jid, &body, t)
                    .await
                    .is_ok()
                {
                    w.commit().await?;
                }
            }
            Step::Shortlist(j) => {
                let ranked = self.ranked_proposals(j, t).await?;
                for (pid, _) in ranked.into_iter().take(3) {
                    self.proposal_action(pid, ProposalAction::Shortlist, t)
                        .await?;
                }
            }
            Step::Decide(j) => self.decide(j, t).await?,
            Step::Deliver(j) => {
                let Some(c) = self.contract(j).await? else {
                    return Ok(());
                };
                let actor = self.members[self.by_fid[&c.freelancer_id]].user;
                let mut w = host.begin_write().await?;
                if contracts::perform(
                    &mut w,
                    &c,
                    ContractAction::Deliver,
                    actor,
                    Some("Delivered, see the attached files."),
                    t,
                )
                .await
                .is_ok()
                {
                    w.commit().await?;
                    let r: f64 = self.rng.random();
                    if r < 0.06 {
                        // Nobody answers: the 14-day timer accepts it.
                    } else {
                        let h = self.hours(12.0, 96.0);
                        self.push(t + h, Step::Respond(j));
                    }
                }
            }
            Step::Respond(j) => {
                let Some(c) = self.contract(j).await? else {
                    return Ok(());
                };
                let client = self.postings[j].client;
                let changes = c.status == crate::flow::ContractStatus::Delivered
                    && !self.had_changes(c.id).await?
                    && self.rng.random::<f64>() < 0.1;
                let mut w = host.begin_write().await?;
                if changes {
                    contracts::perform(
                        &mut w,
                        &c,
                        ContractAction::RequestChanges,
                        client,
                        Some("Please adjust the layout."),
                        t,
                    )
                    .await?;
                    w.commit().await?;
                    let h = self.hours(24.0, 96.0);
                    self.push(t + h, Step::Deliver(j));
                } else if contracts::perform(&mut w, &c, ContractAction::Accept, client, None, t)
                    .await
                    .is_ok()
                {
                    w.commit().await?;
                    self.schedule_reviews(j, t);
                }
            }
            Step::Review { job, by_client } => self.review(job, by_client, t).await?,
            Step::Timers => {
                let (accept, publish) = contracts::due(&host.db, t, &host.rules, 10_000).await?;
                for id in accept {
                    if contracts::auto_accept(host, id, t).await?
                        && let Some(j) = self.postings.iter().position(|p| p.contract == Some(id))
                    {
                        self.schedule_reviews(j, t);
                    }
                }
                for id in publish {
                    contracts::expire_reviews(host, id, t).await?;
                }
            }
        }
        Ok(())
    }

    async fn post(&mut self, j: usize, t: Ts) -> ApiResult<()> {
        let host = self.host;
        let p = self.postings[j].clone();
        let mut w = host.begin_write().await?;
        let job = jobs::create_job(&mut w, p.client, p.body.clone(), t).await?;
        let job = jobs::transition_job(&mut w, job, JobAction::Open, t).await?;
        w.commit().await?;
        self.postings[j].id = Some(job.id);
        // The client looks at the top 10 under the marketplace's policy.
        let req = RecRequest {
            k: 10,
            preset: Default::default(),
            fairness: FairnessChoice::Marketplace,
        };
        let recs = recommendations::serve(host, p.client, ListFor::Job(job.id), &req, t).await?;
        let mut proposers: Vec<usize> = Vec::new();
        for m in &recs.result.matches {
            let Ok(fid) = crate::ids::Kind::Freelancer.parse(&m.id) else {
                continue;
            };
            if self.rng.random::<f64>() < 0.6 / ((m.rank + 1) as f64).log2() {
                let h = self.hours(0.2, 20.0);
                self.push(
                    t + h,
                    Step::View {
                        job: j,
                        freelancer: fid,
                        request: recs.request_id.clone(),
                    },
                );
            }
            if self.rng.random::<f64>() < 0.3
                && let Some(&mi) = self.by_fid.get(&fid)
            {
                proposers.push(mi);
            }
        }
        // Others in the specialty find it on their own.
        let same: Vec<usize> = (0..self.members.len())
            .filter(|&i| self.members[i].specialty == p.specialty && self.members[i].fid.is_some())
            .collect();
        let extra = self.rng.random_range(1..=5);
        for _ in 0..extra {
            if let Some(&mi) = same.choose(&mut self.rng) {
                proposers.push(mi);
            }
        }
        if self.specialties[p.specialty].category == "software" && self.rng.random::<f64>() < 0.15 {
            proposers.push(0);
        }
        proposers.sort_unstable();
        proposers.dedup();
        for mi in proposers {
            let h = self.hours(1.0, 60.0);
            self.push(t + h, Step::Propose { job: j, member: mi });
        }
        match p.fate {
            Fate::Hire => {
                let h = self.hours(66.0, 80.0);
                self.push(t + h, Step::Shortlist(j));
                let h = self.hours(84.0, 140.0);
                self.push(t + h, Step::Decide(j));
            }
            Fate::CancelEarly | Fate::CloseUnfilled => {
                let h = self.hours(24.0, 120.0);
                self.push(t + h, Step::Decide(j));
            }
        }
        Ok(())
    }

    /// Pending proposals of job `j`, best first by the engine's score plus the hidden quality.
    async fn ranked_proposals(&mut self, j: usize, t: Ts) -> ApiResult<Vec<(i64, f64)>> {
        let Some(jid) = self.postings[j].id else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query_as::<_, (i64, i64, String)>(
            "SELECT id, freelancer_id, status FROM proposals WHERE job_id = $1 ORDER BY id",
        )
        .bind(jid)
        .fetch_all(&self.host.db)
        .await?;
        let opts = RecommendOptions {
            explain: false,
            now: Some(to_datetime(t)),
            ..RecommendOptions::default()
        };
        let job = crate::ids::Kind::Job.id(jid);
        let mut out = Vec::new();
        for (pid, fid, status) in rows {
            if !matches!(
                ProposalStatus::parse(&status),
                Some(ProposalStatus::Submitted | ProposalStatus::Shortlisted)
            ) {
                continue;
            }
            let score = self
                .host
                .engine
                .score(&job, &crate::ids::Kind::Freelancer.id(fid), &opts)?
                .result
                .score;
            let q = self
                .by_fid
                .get(&fid)
                .map_or(0.0, |&m| self.members[m].quality);
            out.push((pid, score + 0.08 * q + 0.05 * normal(&mut self.rng)));
        }
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(out)
    }

    async fn proposal_action(
        &mut self,
        pid: i64,
        action: ProposalAction,
        t: Ts,
    ) -> ApiResult<Option<contracts::ContractRow>> {
        let mut w = self.host.begin_write().await?;
        let Some(p) = proposals::load(w.conn(), pid).await? else {
            return Ok(None);
        };
        match proposals::act_on(&mut w, p, action, t).await {
            Ok((_, c)) => {
                w.commit().await?;
                Ok(c)
            }
            Err(_) => Ok(None),
        }
    }

    async fn decide(&mut self, j: usize, t: Ts) -> ApiResult<()> {
        let Some(jid) = self.postings[j].id else {
            return Ok(());
        };
        match self.postings[j].fate {
            Fate::Hire => {
                let ranked = self.ranked_proposals(j, t).await?;
                let Some((pid, _)) = ranked.first().copied() else {
                    return self.job_action(jid, JobAction::Close, t).await;
                };
                if let Some(c) = self.proposal_action(pid, ProposalAction::Accept, t).await? {
                    self.postings[j].contract = Some(c.id);
                    if self.rng.random::<f64>() < 0.03 {
                        let h = self.hours(48.0, 240.0);
                        self.push(t + h, Step::Decide(j));
                        self.postings[j].fate = Fate::CancelEarly;
                    } else {
                        let h = self.hours(72.0, 600.0);
                        self.push(t + h, Step::Deliver(j));
                    }
                }
                Ok(())
            }
            Fate::CancelEarly => self.job_action(jid, JobAction::Cancel, t).await,
            Fate::CloseUnfilled => self.job_action(jid, JobAction::Close, t).await,
        }
    }

    async fn job_action(&mut self, jid: i64, action: JobAction, t: Ts) -> ApiResult<()> {
        let mut w = self.host.begin_write().await?;
        let Some(job) = jobs::load(w.conn(), jid).await? else {
            return Ok(());
        };
        if jobs::transition_job(&mut w, job, action, t).await.is_ok() {
            w.commit().await?;
        }
        Ok(())
    }

    async fn contract(&mut self, j: usize) -> ApiResult<Option<contracts::ContractRow>> {
        let Some(id) = self.postings[j].contract else {
            return Ok(None);
        };
        contracts::load(&mut *self.host.db.acquire().await?, id).await
    }

    async fn had_changes(&self, contract: i64) -> ApiResult<bool> {
        let n = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM contract_events WHERE contract_id = $1 AND kind = 'changes_requested'")
            .bind(contract)
            .fetch_one(&self.host.db)
            .await?;
        Ok(n > 0)
    }

    fn schedule_reviews(&mut self, j: usize, t: Ts) {
        if self.rng.random::<f64>() < 0.85 {
            let h = self.hours(2.0, 150.0);
            self.push(
                t + h,
                Step::Review {
                    job: j,
                    by_client: true,
                },
            );
        }
        if self.rng.random::<f64>() < 0.7 {
            let h = self.hours(2.0, 150.0);
            self.push(
                t + h,
                Step::Review {
                    job: j,
                    by_client: false,
                },
            );
        }
    }

    async fn review(&mut self, j: usize, by_client: bool, t: Ts) -> ApiResult<()> {
        let Some(c) = self.contract(j).await? else {
            return Ok(());
        };
        let m = self.by_fid[&c.freelancer_id];
        let (role, reviewer, rating) = if by_client {
            let (q, biased) = (self.members[m].quality, self.members[m].biased);
            (
                Role::Client,
                c.client_id,
                client_rating(&mut self.rng, q, biased),
            )
        } else {
            let r = 4.4 + 0.5 * normal(&mut self.rng);
            (
                Role::Freelancer,
                self.members[m].user,
                r.round().clamp(1.0, 5.0) as i64,
            )
        };
        let text = match rating {
            5 => "Excellent work, on time and clear communication.",
            4 => "Good work, would hire again.",
            3 => "Fine, a few rounds of fixes.",
            _ => "Not what we agreed on.",
        };
        let body = ReviewBody {
            rating,
            text: text.into(),
        };
        let mut w = self.host.begin_write().await?;
        if contracts::write_review(&mut w, &c, role, reviewer, &body, t, &self.host.rules)
            .await
            .is_ok()
        {
            w.commit().await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specialties_come_from_the_taxonomy() {
        let s = specialties();
        assert!(s.len() >= 20, "{}", s.len());
        let tax = fairmatch::builtin();
        for sp in &s {
            assert!(sp.skills.len() >= 3);
            for k in &sp.skills {
                assert!(tax.resolve(k).is_some(), "{k}");
            }
        }
        assert!(s.iter().any(|x| x.category == "software"));
    }

    #[test]
    fn the_biased_cohort_is_rated_lower_for_the_same_work() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = 20_000;
        let mean = |rng: &mut ChaCha8Rng, biased| {
            (0..n)
                .map(|_| {
                    let q = normal(rng);
                    client_rating(rng, q, biased) as f64
                })
                .sum::<f64>()
                / n as f64
        };
        let (a, b) = (mean(&mut rng, false), mean(&mut rng, true));
        // Rounding and the 5-star ceiling shrink the 0.6 stars a little.
        assert!((a - b) > 0.45 && (a - b) < 0.65, "{a} vs {b}");
    }

    #[test]
    fn accounts_are_the_same_for_a_seed() {
        assert_eq!(
            accounts_for(7)
                .iter()
                .map(|a| a.password.clone())
                .collect::<Vec<_>>(),
            accounts_for(7)
                .iter()
                .map(|a| a.password.clone())
                .collect::<Vec<_>>()
        );
        assert_ne!(accounts_for(7)[0].password, accounts_for(8)[0].password);
    }
}
