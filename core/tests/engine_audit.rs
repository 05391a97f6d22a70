//! The engine audit on a hand-built log; expected values worked out by hand (p-values from
//! scipy 1.17.1: `ttest_ind([3,4,2], [5,5,4,5], equal_var=False)` and
//! `mannwhitneyu(..., use_continuity=True, method='asymptotic')`).

mod common;

use chrono::Duration;
use common::{freelancer, job, now};
use fairmatch::engine::AuditOptions;
use fairmatch::{Engine, Error, Impressions, Outcome, OutcomeKind, ZeroDivision};

fn engine() -> Engine {
    let e = Engine::default();
    let mut batch = Vec::new();
    for (id, tenure) in [
        ("e1", Some("established")),
        ("e2", Some("established")),
        ("n1", Some("newcomer")),
        ("n2", Some("newcomer")),
        ("x", None),
    ] {
        let mut f = freelancer(id, &[("Rust", 4.0)], 50.0);
        if let Some(t) = tenure {
            f.attributes.insert("tenure".into(), t.into());
        }
        batch.push(f);
    }
    e.upsert_freelancers(batch).unwrap();
    e.upsert_job(job("j", &[("Rust", 3.0)], &[])).unwrap();
    for t in 0..3 {
        e.record_impressions(&Impressions {
            request_id: format!("r{t}"),
            job_id: Some("j".into()),
            freelancer_ids: vec!["e1".into(), "e2".into(), "n1".into()],
            positions: None,
            scores: None,
            propensities: None,
            at: now() + Duration::minutes(t),
        })
        .unwrap();
    }
    let out = |f: &str, kind, rating| Outcome {
        freelancer_id: f.into(),
        job_id: Some("j".into()),
        kind,
        rating,
        at: now(),
    };
    for _ in 0..2 {
        e.record_outcome(&out("e1", OutcomeKind::Hired, None))
            .unwrap();
    }
    for (f, r) in [
        ("e1", 5.0),
        ("e1", 5.0),
        ("e2", 4.0),
        ("e2", 5.0),
        ("n1", 3.0),
        ("n1", 4.0),
        ("n2", 2.0),
    ] {
        e.record_outcome(&out(f, OutcomeKind::Reviewed, Some(r)))
            .unwrap();
    }
    e
}

#[test]
fn audit_by_hand() {
    let e = engine();
    let r = e.audit(&AuditOptions::new("tenure")).unwrap();
    let names: Vec<&str> = r.groups.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(names, vec!["", "established", "newcomer"]);
    let g = |n: &str| r.groups.iter().find(|g| g.group == n).unwrap();
    let (est, new, none) = (g("established"), g("newcomer"), g(""));
    assert_eq!((est.population, new.population, none.population), (2, 2, 1));
    assert_eq!((est.population_share, none.population_share), (0.4, 0.2));
    assert_eq!(
        (est.impressions, new.impressions, none.impressions),
        (6, 3, 0)
    );
    let w2 = 1.0 / 3f64.log2();
    assert!((est.exposure - 3.0 * (1.0 + w2)).abs() < 1e-12);
    assert!((new.exposure - 1.5).abs() < 1e-12);
    let share = 3.0 * (1.0 + w2) / (3.0 * (1.0 + w2) + 1.5);
    assert!((est.exposure_share - share).abs() < 1e-12);
    assert!((est.exposure_ratio - share / 0.4).abs() < 1e-12);
    assert_eq!(none.exposure_ratio, 0.0);
    assert!((est.hire_rate - 2.0 / 6.0).abs() < 1e-15);
    assert_eq!(new.hire_rate, 0.0);
    assert!(none.hire_rate.is_nan(), "never shown: undefined, not zero");
    assert!(
        r.undefined.iter().any(|u| u.starts_with(": hire_rate")),
        "{:?}",
        r.undefined
    );
    assert!((r.hire_rate_difference - 1.0 / 3.0).abs() < 1e-15);
    assert_eq!(r.hire_rate_ratio, 0.0);
    assert_eq!(r.reference_group.as_deref(), Some("established"));
    assert_eq!(r.disparate_impact["newcomer"], 0.0);
    assert_eq!(r.disparate_impact["established"], 1.0);
    assert!((new.mean_rating - 3.0).abs() < 1e-15);

    let gap = r
        .rating_gaps
        .iter()
        .find(|x| x.group == "newcomer")
        .unwrap();
    assert_eq!(gap.n, (3, 4));
    assert!((gap.mean_gap - (3.0 - 4.75)).abs() < 1e-12);
    assert!(
        (gap.welch_p - 0.07587521948899946).abs() < 1e-9,
        "{}",
        gap.welch_p
    );
    assert!(
        (gap.mann_whitney_p - 0.06396891699082884).abs() < 1e-9,
        "{}",
        gap.mann_whitney_p
    );
    assert!(gap.rank_biserial < 0.0, "newcomers rated lower");
    // Two tests of the same two samples: BH leaves the p-values as they are.
    assert!((gap.welch_p_adjusted - gap.welch_p).abs() < 1e-15);

    // Gini of exposure over the 5 live freelancers: [3, 3·w2, 1.5, 0, 0].
    let mut v = [3.0, 3.0 * w2, 1.5, 0.0, 0.0];
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    let sum: f64 = v.iter().sum();
    let expected = v
        .iter()
        .enumerate()
        .map(|(i, x)| (2.0 * (i as f64 + 1.0) - n - 1.0) * x)
        .sum::<f64>()
        / (n * sum);
    assert!(
        (r.exposure_gini - expected).abs() < 1e-12,
        "{} vs {expected}",
        r.exposure_gini
    );
}

#[test]
fn audit_windows_and_bad_input() {
    let e = engine();
    let later = AuditOptions {
        from: Some(now() + Duration::days(2)),
        ..AuditOptions::new("tenure")
    };
    let r = e.audit(&later).unwrap();
    assert!(
        r.groups.iter().all(|g| g.impressions == 0),
        "nothing after the window start"
    );
    assert!(matches!(
        e.audit(&AuditOptions::new(" ")),
        Err(Error::InvalidInput { .. })
    ));
    let backwards = AuditOptions {
        from: Some(now()),
        to: Some(now() - Duration::days(1)),
        ..AuditOptions::new("tenure")
    };
    assert!(
        matches!(e.audit(&backwards), Err(Error::InvalidInput { field, .. }) if field == "audit.from")
    );
    let strict = AuditOptions {
        zero_division: ZeroDivision::Error,
        ..AuditOptions::new("tenure")
    };
    assert!(matches!(e.audit(&strict), Err(Error::ZeroDivision { .. })));
    let zero = AuditOptions {
        zero_division: ZeroDivision::Zero,
        ..AuditOptions::new("tenure")
    };
    let r = e.audit(&zero).unwrap();
    assert_eq!(r.groups[0].hire_rate, 0.0);
    let unknown_ref = AuditOptions {
        reference_group: Some("martians".into()),
        ..AuditOptions::new("tenure")
    };
    assert!(matches!(
        e.audit(&unknown_ref),
        Err(Error::InvalidInput { .. })
    ));
}
