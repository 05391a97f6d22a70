//! The lab's tests: generator invariants, determinism (runs and thread counts, in process and
//! through the binary), ground truth independent of skills and scorers, the event log in the
//! engine's format, the audit and penalty cross-checks. Small marketplaces from the ESCO ICT
//! slice in ../shared/data (a clear failure naming the folder when it is missing) or from the
//! built-in taxonomy.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use fairmatch::engine::AuditOptions;
use fairmatch::{EngineConfig, Importance};
use fairmatch_bench::lab::eval::{EvalConfig, Evaluation, evaluate};
use fairmatch_bench::lab::generate::{GenConfig, generate};
use fairmatch_bench::lab::market::{Marketplace, grade};
use fairmatch_bench::lab::penalty::measure;
use fairmatch_bench::lab::rankers::{RankerKind, RankerSpec, default_rankers, rankers_named};
use fairmatch_bench::lab::simulate::{Event, Policy, SimConfig, simulate};
use fairmatch_bench::lab::source::{Sources, builtin_sources, load_esco};
use fairmatch_bench::lab::{LabError, build_engine};

/// The ESCO ICT slice + O*NET + embeddings, loaded once (panics naming the folder if absent).
fn slice() -> &'static Sources {
    static S: OnceLock<Sources> = OnceLock::new();
    S.get_or_init(|| {
        let data = fairmatch_bench::shared_data_dir();
        load_esco(&data, "esco-ict-slice").unwrap_or_else(|e| panic!("{e}"))
    })
}

fn small(seed: u64) -> GenConfig {
    GenConfig {
        seed,
        freelancers: 500,
        jobs: 40,
        ..GenConfig::default()
    }
}

fn on_threads<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
        .install(f)
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn generator_invariants_on_esco() {
    let src = slice();
    let cfg = GenConfig {
        newcomer_share: 0.2,
        protected_share: 0.35,
        ..small(3)
    };
    let m = generate(src, &cfg).unwrap();
    let t = &src.taxonomy;
    assert_eq!(m.freelancers.len(), 500);
    assert_eq!(m.jobs.len(), 40);
    // exact shares, as configured
    assert_eq!(m.personas.iter().filter(|p| p.newcomer).count(), 100);
    assert_eq!(m.personas.iter().filter(|p| p.protected).count(), 175);
    for (f, p) in m.freelancers.iter().zip(&m.personas) {
        assert_eq!(
            f.history.is_none(),
            p.newcomer,
            "{}: newcomers have no history",
            f.id
        );
        assert_eq!(f.attributes["tenure"] == "newcomer", p.newcomer);
        assert_eq!(f.attributes["protected"] == "yes", p.protected);
        assert!(
            (5..=16).contains(&f.skills.len()) || f.skills.len() < 5,
            "{}",
            f.id
        );
        assert!(f.embedding.is_some(), "{} has skills with vectors", f.id);
        f.validate().unwrap();
        if let Some(h) = &f.history {
            // ratings carry the bias only for the protected group
            if p.protected && cfg.rater_bias > 0.0 && h.ratings_count > 20 {
                assert!(h.ratings_sum <= p.ratings_sum_unbiased);
            } else if !p.protected {
                assert_eq!(h.ratings_sum, p.ratings_sum_unbiased);
            }
        }
    }
    for (j, truth) in m.jobs.iter().zip(&m.job_truth) {
        j.validate().unwrap();
        let occ = &m.occupations[truth.occupation as usize];
        let source = src.occupations.iter().find(|o| o.uri == occ.uri).unwrap();
        let musts: Vec<_> = j
            .skills
            .iter()
            .filter(|s| s.importance == Importance::Must)
            .collect();
        assert!(
            (3..=6).contains(&musts.len()),
            "{}: {} must-haves",
            j.id,
            musts.len()
        );
        for s in musts {
            // every must-have exists in the taxonomy and is essential for the occupation
            let id = t.resolve(&s.skill).unwrap_or_else(|| {
                panic!("{}: must-have `{}` is not in the taxonomy", j.id, s.skill)
            });
            assert!((id as usize) < t.len());
            assert!(
                source.essential.contains(&id),
                "{}: `{}` is not essential",
                j.id,
                s.skill
            );
        }
    }
    // noise happened, and never through the taxonomy's alias table
    assert!(m.manifest.noisy_labels > 0);
}

#[test]
fn ground_truth_does_not_depend_on_spellings_or_vectors() {
    let src = slice();
    let a = generate(src, &small(5)).unwrap();
    let b = generate(
        src,
        &GenConfig {
            label_noise: 0.9,
            job_label_noise: 0.5,
            embedding_noise: 0.3,
            ..small(5)
        },
    )
    .unwrap();
    assert_eq!(a.occupations, b.occupations);
    let occ = |m: &Marketplace| -> Vec<(u32, bool, bool)> {
        m.personas
            .iter()
            .map(|p| (p.occupation, p.protected, p.newcomer))
            .collect()
    };
    assert_eq!(occ(&a), occ(&b));
    assert_eq!(a.job_truth, b.job_truth);
    // the same canonical skills, spelled differently
    assert_eq!(
        a.personas
            .iter()
            .map(|p| &p.canonical_skills)
            .collect::<Vec<_>>(),
        b.personas
            .iter()
            .map(|p| &p.canonical_skills)
            .collect::<Vec<_>>()
    );
    assert_ne!(a.freelancers, b.freelancers);
    // grades are a function of occupations only
    for j in 0..a.jobs.len() {
        for f in (0..a.freelancers.len()).step_by(7) {
            assert_eq!(a.grade(j, f), b.grade(j, f));
            assert_eq!(
                a.grade(j, f),
                grade(
                    &a.occupations,
                    a.job_truth[j].occupation,
                    a.personas[f].occupation
                )
            );
        }
    }
}

/// `evaluate` of `rankers` on a small marketplace (100 bootstrap resamples), engines built
/// from `src`'s taxonomy.
fn evaluate_small(src: &Sources, m: &Marketplace, rankers: &[RankerSpec]) -> Evaluation {
    let cfg = EvalConfig {
        resamples: 100,
        ..EvalConfig::default()
    };
    let mut engine_for = |c: &EngineConfig, _: bool| -> Result<fairmatch::Engine, LabError> {
        build_engine(m, src.taxonomy.clone(), c.clone())
    };
    evaluate(m, rankers, &cfg, &mut engine_for, &|| {}).unwrap()
}

#[test]
fn evaluation_ranks_the_same_pool_and_is_thread_independent() {
    let src = slice();
    let m = generate(src, &small(7)).unwrap();
    let run = || {
        let rankers = default_rankers(&m);
        serde_json::to_string(&evaluate_small(src, &m, &rankers)).unwrap()
    };
    let one = on_threads(1, run);
    let two = on_threads(2, run);
    assert_eq!(one, two, "evaluation differs between 1 and 2 threads");
    let ev: serde_json::Value = serde_json::from_str(&one).unwrap();
    let names: Vec<&str> = ev["rankers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for n in [
        "default",
        "megilance_v1",
        "8thdegree",
        "cosine",
        "bm25",
        "tfidf",
        "jaccard",
    ] {
        assert!(names.contains(&n), "{n} missing");
    }
    for r in ev["rankers"].as_array().unwrap() {
        let ndcg = r["ndcg"]["mean"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&ndcg), "{}: {ndcg}", r["name"]);
        // with skills from the job's occupation, every ranker beats a random order by far
        assert!(
            ndcg > 0.2,
            "{} ranks no better than chance: {ndcg}",
            r["name"]
        );
    }
}

#[test]
fn occupation_oracle_is_a_ceiling_above_bm25() {
    // The oracle reads the answer key (a reference ceiling, not a scorer): on a small ESCO
    // marketplace with label noise it must rank better than the best lexical baseline.
    let src = slice();
    let m = generate(src, &small(7)).unwrap();
    let names: Vec<String> = ["occupation_oracle", "occupation_oracle_written", "bm25"]
        .map(String::from)
        .to_vec();
    let rankers = rankers_named(&m, &names).unwrap();
    assert!(
        !default_rankers(&m)
            .iter()
            .any(|r| r.name.starts_with("occupation_oracle")),
        "the oracle is never a default ranker"
    );
    let ev = evaluate_small(src, &m, &rankers);
    let ndcg = |n: &str| ev.ranker(n).unwrap().ndcg.mean;
    assert!(
        ndcg("occupation_oracle") > ndcg("bm25"),
        "oracle {} vs bm25 {}",
        ndcg("occupation_oracle"),
        ndcg("bm25")
    );
    assert!(ndcg("occupation_oracle_written") > ndcg("bm25"));
    assert!(ev.ratio("occupation_oracle", "bm25", "ndcg").is_some());
    // posteriors are normalised distributions over at most TOP occupations
    let o = fairmatch_bench::lab::oracle::Oracle::new(&m, false);
    for j in 0..m.jobs.len() {
        let p = o.job_posterior(j);
        assert!(p.len() <= fairmatch_bench::lab::oracle::TOP);
        assert!((p.iter().map(|x| x.1).sum::<f64>() - 1.0).abs() < 1e-9);
    }
    // generated job labels are canonical: (almost) all of them match
    assert!(o.job_labels.share() > 0.95, "{:?}", o.job_labels);
}

#[test]
fn occupation_evidence_lifts_the_default_preset_on_an_esco_marketplace() {
    // The engine's occupation evidence (the ESCO import's occupation profiles) on a small
    // ESCO marketplace with label noise: `default` ranks better than without it and than
    // BM25 (deterministic: seeded generation, fixed bootstrap seed).
    let src = slice();
    let m = generate(src, &small(7)).unwrap();
    let names: Vec<String> = ["default", "default_no_occupation", "bm25"]
        .map(String::from)
        .to_vec();
    let ev = evaluate_small(src, &m, &rankers_named(&m, &names).unwrap());
    let ndcg = |n: &str| ev.ranker(n).unwrap().ndcg.mean;
    assert!(
        ndcg("default") > ndcg("default_no_occupation") && ndcg("default") > ndcg("bm25"),
        "default {} no_occupation {} bm25 {}",
        ndcg("default"),
        ndcg("default_no_occupation"),
        ndcg("bm25")
    );
}

#[test]
fn occupation_esco_uses_no_truth_and_separates_occupations() {
    // The ESCO occupation-profile prototype reads no truth file: labels as written and the
    // ESCO folder the manifest names (here the ICT slice's occupations).
    let src = slice();
    let m = generate(src, &small(7)).unwrap();
    assert!(
        !default_rankers(&m)
            .iter()
            .any(|r| r.name.starts_with("occupation_esco")),
        "the prototype is never a default ranker"
    );
    let names: Vec<String> = ["occupation_esco", "occupation_esco_bm25", "bm25"]
        .map(String::from)
        .to_vec();
    let rankers = rankers_named(&m, &names).unwrap();
    let ev = evaluate_small(src, &m, &rankers);
    for n in ["occupation_esco", "occupation_esco_bm25"] {
        let ndcg = ev.ranker(n).unwrap().ndcg.mean;
        assert!(ndcg > 0.2, "{n} ranks no better than chance: {ndcg}");
    }
    assert!(ev.ratio("occupation_esco", "bm25", "ndcg").is_some());
    let o = fairmatch_bench::lab::occesco::OccEsco::new(&m).unwrap();
    assert!(o.job_labels.share() > 0.5, "{:?}", o.job_labels);
    assert!(
        o.freelancer_labels.share() > 0.5,
        "{:?}",
        o.freelancer_labels
    );
    for j in 0..m.jobs.len() {
        let p = o.job_posterior(j);
        assert!(!p.is_empty() && p.len() <= fairmatch::skills::POSTERIOR_TOP);
        assert!((p.iter().map(|x| f64::from(x.1)).sum::<f64>() - 1.0).abs() < 1e-5);
    }
    // same-occupation pairs (grade 3) score above cross-occupation pairs (grade 0) on average
    let (mut same, mut cross) = ((0.0, 0usize), (0.0, 0usize));
    for j in 0..m.jobs.len() {
        let d = o.job_dense(j);
        for f in 0..m.freelancers.len() {
            let s = o.score(&d, f);
            assert!((0.0..=1.0 + 1e-9).contains(&s));
            match m.grade(j, f) {
                3 => {
                    same.0 += s;
                    same.1 += 1;
                }
                0 => {
                    cross.0 += s;
                    cross.1 += 1;
                }
                _ => {}
            }
        }
    }
    let (same, cross) = (same.0 / same.1 as f64, cross.0 / cross.1 as f64);
    assert!(
        same > 2.0 * cross,
        "same-occupation {same} vs cross-occupation {cross}"
    );
}

#[test]
fn simulation_log_is_the_engines_event_format_and_replays_to_the_same_audit() {
    let src = slice();
    let m = generate(src, &small(9)).unwrap();
    let engine = build_engine(&m, src.taxonomy.clone(), EngineConfig::default()).unwrap();
    let cfg = SimConfig {
        rounds: 12,
        jobs_per_round: 6,
        ..SimConfig::default()
    };
    let mut log: Vec<u8> = Vec::new();
    let r = simulate(&m, &engine, &cfg, Some(&mut log), &|| {}).unwrap();
    assert_eq!(r.rounds.len(), 12);
    let text = String::from_utf8(log).unwrap();
    assert_eq!(text.lines().count(), r.events);
    // replay the log, as later learning work (or Python) would, into a fresh engine
    let fresh = build_engine(&m, src.taxonomy.clone(), EngineConfig::default()).unwrap();
    let mut impressions = 0;
    for line in text.lines() {
        match serde_json::from_str::<Event>(line).unwrap() {
            Event::Impressions(i) => {
                assert_eq!(i.positions.as_ref().unwrap().len(), i.freelancer_ids.len());
                fresh.record_impressions(&i).unwrap();
                impressions += 1;
            }
            Event::Outcome(o) => fresh.record_outcome(&o).unwrap(),
        }
    }
    assert_eq!(impressions, 12 * 6);
    let a = engine.audit(&AuditOptions::new("protected")).unwrap();
    let b = fresh.audit(&AuditOptions::new("protected")).unwrap();
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    // the lab's exposure Gini is the audit's (same log position model, all freelancers)
    assert!((a.exposure_gini - r.last.exposure_gini).abs() < 1e-9);
    // hires happened and were counted by the engine
    let hired: u64 = a.groups.iter().map(|g| g.funnel.hired).sum();
    assert_eq!(
        hired as usize,
        r.rounds.iter().map(|x| x.hires).sum::<usize>()
    );
    assert!(hired > 0);
}

#[test]
fn every_policy_runs_and_simulation_is_thread_independent() {
    let src = slice();
    let m = generate(src, &small(11)).unwrap();
    let snapshot = build_engine(&m, src.taxonomy.clone(), EngineConfig::default())
        .unwrap()
        .to_bytes()
        .unwrap();
    for p in Policy::ALL {
        let cfg = SimConfig {
            policy: p,
            rounds: 5,
            jobs_per_round: 4,
            ..SimConfig::default()
        };
        let run = || {
            let e = fairmatch::Engine::from_bytes(&snapshot).unwrap();
            serde_json::to_string(&simulate(&m, &e, &cfg, None, &|| {}).unwrap()).unwrap()
        };
        assert_eq!(on_threads(1, run), on_threads(2, run), "{p:?}");
    }
}

#[test]
fn penalty_recomputes_the_engines_reputation() {
    let src = slice();
    let m = generate(src, &small(13)).unwrap();
    let engine = build_engine(&m, src.taxonomy.clone(), EngineConfig::default()).unwrap();
    let p = measure(&m, &engine, 10, 100, 100, 1, &|| {}).unwrap();
    assert!(
        p.max_reputation_mismatch < 1e-9,
        "{}",
        p.max_reputation_mismatch
    );
    assert_eq!(p.jobs, 40);
    // without rater bias there is no penalty at all
    let fair = generate(
        src,
        &GenConfig {
            rater_bias: 0.0,
            ..small(13)
        },
    )
    .unwrap();
    let e = build_engine(&fair, src.taxonomy.clone(), EngineConfig::default()).unwrap();
    let q = measure(&fair, &e, 10, 100, 100, 1, &|| {}).unwrap();
    assert_eq!(q.shrunk.penalty.mean, 0.0);
    assert_eq!(q.raw_mean.penalty.mean, 0.0);
}

#[test]
fn builtin_marketplace_needs_no_data() {
    let src = builtin_sources();
    let m = generate(&src, &small(2)).unwrap();
    assert!(m.freelancers.iter().all(|f| f.embedding.is_none()));
    let names: HashSet<String> = default_rankers(&m).into_iter().map(|r| r.name).collect();
    assert!(
        !names.contains("8thdegree"),
        "no embeddings, no cosine rankers"
    );
    let picked = rankers_named(&m, &["bm25".into(), "default_skills_only".into()]).unwrap();
    assert_eq!(picked.len(), 2);
    // Each ablation takes one thing away from the default configuration.
    let config = |n: &str| match &rankers_named(&m, &[n.into()]).unwrap()[0].kind {
        RankerKind::Engine { config, .. } => config.scoring.clone(),
        k => panic!("{n} is not an engine ranker: {k:?}"),
    };
    let full = config("default");
    assert_eq!(full, EngineConfig::default().scoring);
    assert!(!config("default_no_specificity").specificity.enabled);
    assert_eq!(config("default_no_focus").fit.focus, 0.0);
    assert_eq!(config("default_no_occupation").fit.occupation, 0.0);
    assert_eq!(
        config("default_no_resolution").resolution,
        fairmatch::skills::ResolutionConfig::exact_only()
    );
    assert_eq!(config("default_before"), full.clone().into_format_v1());
    assert_eq!(config("skills_only_before"), full.into_format_v1());
    let err = rankers_named(&m, &["cosine".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("`cosine`") && err.contains("bm25"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    m.save(dir.path()).unwrap();
    let back = Marketplace::load(dir.path()).unwrap();
    assert_eq!(back.freelancers, m.freelancers);
    assert_eq!(back.job_truth, m.job_truth);
}

fn lab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fairmatch-lab"))
}

fn run_ok(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn cli_same_seed_same_bytes_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<PathBuf> = (0..3).map(|i| tmp.path().join(format!("m{i}"))).collect();
    for (i, d) in dirs.iter().enumerate() {
        let threads = if i == 2 { "2" } else { "1" };
        run_ok(
            lab()
                .env("RAYON_NUM_THREADS", threads)
                .args([
                    "generate",
                    "--builtin",
                    "--seed",
                    "4",
                    "--freelancers",
                    "300",
                ])
                .args(["--jobs", "30", "--out"])
                .arg(d),
        );
    }
    assert_eq!(files(&dirs[0]), files(&dirs[1]), "two runs differ");
    assert_eq!(files(&dirs[0]), files(&dirs[2]), "1 vs 2 threads differ");
    let eval = |threads: &str| {
        run_ok(
            lab()
                .env("RAYON_NUM_THREADS", threads)
                .args(["evaluate", "--json", "--resamples", "50", "--data"])
                .arg(&dirs[0]),
        )
    };
    assert_eq!(eval("1"), eval("2"));
    let sim = |threads: &str| {
        run_ok(
            lab()
                .env("RAYON_NUM_THREADS", threads)
                .args([
                    "simulate", "--json", "--policy", "fairco", "--rounds", "5", "--data",
                ])
                .arg(&dirs[0]),
        )
    };
    let s = sim("1");
    assert_eq!(s, sim("2"));
    let v: serde_json::Value = serde_json::from_slice(&s).unwrap();
    assert_eq!(v["rounds"].as_array().unwrap().len(), 5);
}

#[test]
fn cli_report_writes_json_markdown_and_plots() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("m");
    let out = tmp.path().join("r");
    run_ok(
        lab()
            .args([
                "generate",
                "--builtin",
                "--freelancers",
                "300",
                "--jobs",
                "40",
                "--out",
            ])
            .arg(&d),
    );
    run_ok(
        lab()
            .args([
                "report",
                "--rounds",
                "4",
                "--resamples",
                "50",
                "--fairco-sweep",
                "0.001",
            ])
            .args(["--penalty-depth", "50", "--data"])
            .arg(&d)
            .arg("--out")
            .arg(&out),
    );
    for f in [
        "report.json",
        "report.md",
        "relevance.svg",
        "ndcg_rounds.svg",
        "gini_rounds.svg",
        "protected_rounds.svg",
        "newcomer_rounds.svg",
        "tradeoff.svg",
    ] {
        let p = out.join(f);
        assert!(
            p.is_file() && std::fs::metadata(&p).unwrap().len() > 200,
            "{f}"
        );
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("| fairco |") && md.contains("## Targets"));
    let svg = std::fs::read_to_string(out.join("relevance.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("bm25"));
}

#[test]
fn bad_input_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    // a data folder without ESCO files: an error naming the folder
    let out = lab()
        .args(["generate", "--data"])
        .arg(tmp.path())
        .args(["--esco", "no-such-esco", "--out"])
        .arg(tmp.path().join("m"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no-such-esco") && err.contains("shared/data"),
        "{err}"
    );
    // no data folder at all: the built-in taxonomy, with a notice, recorded in the manifest
    let out = lab()
        .args([
            "generate",
            "--data",
            "/nonexistent/shared-data",
            "--freelancers",
            "50",
        ])
        .args(["--jobs", "5", "--out"])
        .arg(tmp.path().join("b"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/shared-data") && err.contains("built-in"),
        "{err}"
    );
    let man = std::fs::read_to_string(tmp.path().join("b/manifest.json")).unwrap();
    assert!(man.contains("\"kind\": \"builtin\""), "{man}");
    let out = lab()
        .args([
            "generate",
            "--builtin",
            "--label-noise",
            "1.5",
            "--out",
            "/tmp/x",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--label-noise"));
    let out = lab()
        .args(["evaluate", "--data", "/nonexistent/market"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("manifest.json"));
    let out = lab()
        .args(["simulate", "--data", "/tmp", "--policy", "magic"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown `magic`"));
}
