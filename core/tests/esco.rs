//! The ESCO importer on the ICT slice and, once, on the full ESCO copy in ../shared/data.
//! These tests need ../shared/data (CI always has it) and fail with a clear message if not.

use std::path::PathBuf;

use fairmatch::skills::{
    AnchorSide, Expansion, FitConfig, FitScratch, Requirement, SimilarityConfig,
    fit_with_needed_expansion,
};
use fairmatch::{
    Engine, Freelancer, Job, RecommendOptions, SkillClaim, SkillRequirement, import_esco_dir,
};
use std::sync::Arc;

fn data(dir: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(dir);
    assert!(
        p.join("skills_en.csv").is_file(),
        "ESCO data missing at {} — these tests need ../shared/data beside the repository (see its README)",
        p.display()
    );
    p
}

#[test]
fn imports_the_ict_slice() {
    let imp = import_esco_dir(data("esco-ict-slice")).unwrap();
    let r = &imp.report;
    assert_eq!(r.skills, 593);
    assert_eq!(r.occupations, 54);
    assert_eq!(r.occupation_skill_relations, 3210);
    assert_eq!(r.related_edges, 276);
    assert_eq!(r.parent_edges, 374, "skill→skill broader edges");
    assert_eq!(r.aliases, 3261, "alternative + hidden labels");
    assert_eq!(r.dangling_relations, 0, "the slice is referentially closed");
    let t = &imp.taxonomy;
    // Preferred and alternative labels resolve, case- and space-insensitively.
    let haskell = t.resolve("haskell").expect("Haskell");
    assert_eq!(
        t.get(haskell).unwrap().uri.as_deref(),
        Some("http://data.europa.eu/esco/skill/000f1d3d-220f-4789-9c0a-cc742521fb02")
    );
    assert!(
        t.get(haskell).unwrap().category.is_some(),
        "category from the skill group"
    );
    // Every occupation has essential (must) and optional (nice) skills that resolve.
    let dev = imp
        .occupations
        .iter()
        .find(|o| o.essential.len() >= 3)
        .unwrap();
    assert!(dev.essential.iter().all(|s| (*s as usize) < t.len()));

    // A job from an occupation template, a freelancer with its essential skills: full cover.
    let reqs: Vec<Requirement> = dev
        .essential
        .iter()
        .map(|&s| Requirement::new(s, None, 1.0, true))
        .collect();
    let anchors: Vec<_> = reqs.iter().map(|r| r.skill).collect();
    let exp = Expansion::new(
        t,
        &SimilarityConfig::default(),
        &anchors,
        AnchorSide::Needed,
        t.len(),
    );
    let claims: Vec<_> = dev
        .essential
        .iter()
        .map(|&s| fairmatch::skills::Claim::new(s, None))
        .collect();
    let fit = fit_with_needed_expansion(
        t,
        &exp,
        &reqs,
        &claims,
        &FitConfig::default(),
        &fairmatch::skills::Specificity::uniform(),
        &mut FitScratch::default(),
    );
    assert_eq!((fit.cov_must, fit.gate_share), (1.0, 1.0));
}

#[test]
fn engine_runs_on_an_esco_taxonomy_with_implied_matches() {
    let imp = import_esco_dir(data("esco-ict-slice")).unwrap();
    let t = Arc::new(imp.taxonomy);
    // Find a skill with a broader skill, to check an implied match through the hierarchy.
    let (child, parent) = t
        .skills()
        .iter()
        .enumerate()
        .find_map(|(i, n)| n.parents.first().map(|p| (i as u32, *p)))
        .unwrap();
    let e = Engine::new(t.clone());
    let mut f = Freelancer::new("f");
    f.skills = vec![SkillClaim {
        skill: t.get(child).unwrap().label.clone(),
        level: None,
        years: None,
        verified: false,
    }];
    e.upsert_freelancer(f).unwrap();
    let mut j = Job::new("j");
    j.skills = vec![SkillRequirement {
        skill: t.get(parent).unwrap().label.clone(),
        min_level: None,
        weight: None,
        importance: Default::default(),
    }];
    e.upsert_job(j).unwrap();
    let r = e
        .recommend_freelancers("j", &RecommendOptions::top(3))
        .unwrap();
    let x = r.matches[0]
        .explanation
        .as_ref()
        .unwrap()
        .skills
        .as_ref()
        .unwrap();
    assert_eq!(x.implied.len(), 1, "{x:?}");
    assert_eq!(x.implied[0].path.len(), 2);
    // A snapshot carries the ESCO taxonomy.
    let back = Engine::from_bytes(&e.to_bytes().unwrap()).unwrap();
    assert_eq!(back.taxonomy().len(), t.len());
}

#[test]
fn imports_the_full_esco_copy() {
    let imp = import_esco_dir(data("esco")).unwrap();
    let r = &imp.report;
    assert_eq!(r.skills, 13_896);
    assert_eq!(r.occupations, 3_007);
    // Every relation row is either kept or counted as dangling (123,855 rows in the file).
    assert_eq!(r.occupation_skill_relations, 123_788);
    assert_eq!(r.dangling_relations, 67);
    assert_eq!(r.parent_edges, 6_565);
    assert_eq!(r.related_edges, 5_899);
    assert!(
        imp.taxonomy.resolve("Python").is_some()
            || imp
                .taxonomy
                .resolve("Python (computer programming)")
                .is_some()
    );
    let essential: usize = imp.occupations.iter().map(|o| o.essential.len()).sum();
    assert!(essential > 60_000, "essential relations {essential}");
}

#[test]
#[ignore]
fn print_reports() {
    for d in ["esco-ict-slice", "esco"] {
        let imp = import_esco_dir(data(d)).unwrap();
        println!(
            "{d}: {:?} collisions_in_taxonomy={}",
            imp.report,
            imp.taxonomy.alias_collisions()
        );
    }
}
