//! The benchmark catalogues (`synth`) are drawn from the team's skills only, so growing the
//! built-in taxonomy (ESCO's digital skills, issue 14) leaves every benchmark's workload as
//! it was: the same families and the same seeded profiles and jobs as from the team's file
//! alone.

use fairmatch::builtin;
use fairmatch::skills::parse_tsv;
use fairmatch_bench::synth;

const TEAM_TSV: &str = include_str!("../../core/src/skills/data/builtin_taxonomy.tsv");

#[test]
fn synth_catalogues_ignore_the_esco_skills_of_the_builtin_taxonomy() {
    let team = parse_tsv("builtin", TEAM_TSV).unwrap();
    let full = builtin();
    assert!(
        full.len() > team.len() + 1000,
        "{} vs {}",
        full.len(),
        team.len()
    );
    assert_eq!(synth::families(&full), synth::families(&team));
    let a = serde_json::to_string(&synth::freelancers(&full, 500, 7)).unwrap();
    let b = serde_json::to_string(&synth::freelancers(&team, 500, 7)).unwrap();
    assert_eq!(a, b);
    let a = serde_json::to_string(&synth::jobs(&full, 200, 11)).unwrap();
    let b = serde_json::to_string(&synth::jobs(&team, 200, 11)).unwrap();
    assert_eq!(a, b);
}
