//! Label resolution in the engine: contained labels, acronyms, fuzzy spellings and ad-hoc
//! look-alikes reach the skill they name, say how in explanations and upsert reports, and
//! change nothing about determinism or snapshots.

mod common;

use common::{freelancer, job, now, skills_of};
use fairmatch::{Engine, RecommendOptions};

fn opts() -> RecommendOptions {
    RecommendOptions {
        now: Some(now()),
        ..RecommendOptions::top(5)
    }
}

#[test]
fn a_vendor_prefixed_label_matches_the_skill_and_says_how() {
    let e = Engine::default();
    e.upsert_freelancers(vec![
        freelancer("oracle", &[("Oracle Java", 4.0)], 50.0),
        freelancer("plain", &[("Java", 4.0)], 50.0),
    ])
    .unwrap();
    e.upsert_job(job("j", &[("Java", 4.0)], &[])).unwrap();
    let r = e.recommend_freelancers("j", &opts()).unwrap();
    assert_eq!(r.matches.len(), 2);
    let m = r.matches.iter().find(|m| m.id == "oracle").unwrap();
    let sx = skills_of(m);
    let hit = &sx.matched[0];
    assert_eq!(hit.held, "Oracle Java");
    assert_eq!(hit.held_resolution.kind, "contained");
    assert_eq!(hit.held_resolution.matched.as_deref(), Some("Java"));
    assert!(hit.held_resolution.similarity < 1.0 && hit.held_resolution.similarity > 0.8);
    assert_eq!(hit.required_resolution.kind, "exact");
    // the match value carries the label's similarity: below the exact spelling's
    assert!((hit.value - hit.held_resolution.similarity).abs() < 1e-6);
    assert_eq!(r.matches[0].id, "plain", "the exact spelling ranks first");
}

#[test]
fn upserts_report_every_label_and_previews_store_nothing() {
    let e = Engine::default();
    let before = e.to_bytes().unwrap();
    let preview = e.resolve_label("Structured query language SQL");
    assert_eq!(preview.skill, "SQL");
    assert_eq!(preview.resolution.kind, "contained");
    let unknown = e.resolve_label("Zorblax studio");
    assert_eq!(unknown.resolution.kind, "unknown");
    assert_eq!(unknown.skill, "zorblax studio");
    assert_eq!(e.to_bytes().unwrap(), before, "a preview stores nothing");

    let rep = e
        .upsert_freelancers_with_report(vec![freelancer(
            "f",
            &[
                ("reactjs", 4.0),
                ("Advanced React skills", 3.0),
                ("Zorblax studio", 2.0),
            ],
            40.0,
        )])
        .unwrap();
    let kinds: Vec<&str> = rep
        .labels
        .iter()
        .map(|l| l.resolution.kind.as_str())
        .collect();
    assert_eq!(kinds, ["alias", "contained", "unknown"]);
    assert_eq!(rep.labels[1].skill, "React");
    assert_eq!((rep.labels[2].id.as_str(), rep.labels[2].index), ("f", 2));
    assert_eq!(rep.by_kind.get("alias"), Some(&1));
    let rep = e
        .upsert_jobs_with_report(vec![job("j", &[("React.js", 3.0)], &[])])
        .unwrap();
    assert_eq!(rep.labels[0].skill, "React");
}

#[test]
fn two_spellings_of_an_unknown_tool_meet() {
    let e = Engine::default();
    e.upsert_freelancers(vec![
        freelancer("a", &[("Zorblax Studio Pro skills", 4.0)], 50.0),
        freelancer("b", &[("Quibble framework", 4.0)], 50.0),
    ])
    .unwrap();
    e.upsert_job(job("j", &[("zorblax studio pro", 3.0)], &[]))
        .unwrap();
    let r = e.recommend_freelancers("j", &opts()).unwrap();
    assert_eq!(r.matches[0].id, "a");
    let sx = skills_of(&r.matches[0]);
    assert_eq!(sx.matched[0].kind, "spelling");
    assert!(sx.matched[0].similarity < 1.0);
    // the report names the look-alike
    let rep = e.resolve_label("zorblax studio pro");
    assert_eq!(rep.resolution.kind, "unknown");
    assert!(
        rep.alike
            .iter()
            .any(|(l, _)| l == "zorblax studio pro skills"),
        "{:?}",
        rep.alike
    );
}

#[test]
fn results_and_snapshots_do_not_depend_on_the_order_of_upserts() {
    let people = [
        ("a", "Zorblax Studio"),
        ("b", "advanced zorblax studio"),
        ("c", "ZS"),
        ("d", "Oracle Java"),
        ("e", "Pyhton"),
    ];
    let build = |order: &[usize]| {
        let e = Engine::default();
        for &i in order {
            let (id, skill) = people[i];
            e.upsert_freelancer(freelancer(id, &[(skill, 3.0), ("Python", 2.0)], 30.0))
                .unwrap();
        }
        e.upsert_job(job(
            "j",
            &[("zorblax studio", 3.0), ("Java", 2.0)],
            &["Python"],
        ))
        .unwrap();
        e
    };
    let a = build(&[0, 1, 2, 3, 4]);
    let b = build(&[4, 3, 2, 1, 0]);
    let ra = a.recommend_freelancers("j", &opts()).unwrap();
    let rb = b.recommend_freelancers("j", &opts()).unwrap();
    let scores = |r: &fairmatch::Recommendations| {
        let mut v: Vec<(String, f64)> = r.matches.iter().map(|m| (m.id.clone(), m.score)).collect();
        v.sort_by(|x, y| x.0.cmp(&y.0));
        v
    };
    assert_eq!(scores(&ra), scores(&rb));
    // save → load → save is byte-identical, and the loaded engine answers the same
    let bytes = a.to_bytes().unwrap();
    let back = Engine::from_bytes(&bytes).unwrap();
    assert_eq!(back.to_bytes().unwrap(), bytes);
    assert_eq!(back.recommend_freelancers("j", &opts()).unwrap(), ra);
}
