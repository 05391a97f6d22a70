//! Shared builders for the engine tests.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use fairmatch::explain::SkillExplanation;
use fairmatch::{
    Budget, BudgetKind, Freelancer, History, Importance, Job, Match, SkillClaim, SkillRequirement,
};

/// The skill part of a default-preset match's explanation.
pub fn skills_of(m: &Match) -> &SkillExplanation {
    m.explanation
        .as_ref()
        .and_then(|x| x.skills.as_ref())
        .expect("a default-preset match explains its skills")
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

pub fn freelancer(id: &str, skills: &[(&str, f64)], rate: f64) -> Freelancer {
    let mut f = Freelancer::new(id);
    f.skills = skills
        .iter()
        .map(|(s, l)| SkillClaim {
            skill: s.to_string(),
            level: Some(*l),
            years: None,
            verified: false,
        })
        .collect();
    f.hourly_rate = Some(rate);
    f.timezone = Some("Europe/Berlin".into());
    f.languages = vec!["en".into()];
    f.last_active = Some(now() - chrono::Duration::days(1));
    f.history = Some(History::default());
    f
}

pub fn job(id: &str, must: &[(&str, f64)], nice: &[&str]) -> Job {
    let mut j = Job::new(id);
    j.skills = must
        .iter()
        .map(|(s, l)| SkillRequirement {
            skill: s.to_string(),
            min_level: Some(*l),
            weight: None,
            importance: Importance::Must,
        })
        .chain(nice.iter().map(|s| SkillRequirement {
            skill: s.to_string(),
            min_level: None,
            weight: None,
            importance: Importance::Nice,
        }))
        .collect();
    j.budget = Some(Budget {
        kind: BudgetKind::Hourly,
        min: Some(20.0),
        max: Some(80.0),
        currency: Some("EUR".into()),
        estimated_hours: None,
    });
    j
}

/// Environment variable that marks the child process of [`in_child`].
pub const CHILD: &str = "FAIRMATCH_TEST_CHILD";

/// Runs the calling test again in a child process of this test binary, with its address
/// space limited to 2 GiB (`ulimit -v`, Unix), and fails if the child fails — by a failed
/// assertion, a panic or an abort on allocation. Returns `true` in the child (run the body),
/// `false` in the parent (done).
pub fn in_child(test: &str) -> bool {
    if std::env::var_os(CHILD).is_some() {
        return true;
    }
    let exe = std::env::current_exe().unwrap();
    let mut cmd = if cfg!(unix) {
        let mut c = std::process::Command::new("sh");
        c.arg("-c")
            .arg("ulimit -v 2097152 && exec \"$0\" \"$@\"")
            .arg(&exe);
        c
    } else {
        std::process::Command::new(&exe)
    };
    let out = cmd
        .args([test, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{test} failed in its child process ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1 passed"),
        "{test} did not run in the child:\n{stdout}"
    );
    false
}
pub mod learn_sim;
