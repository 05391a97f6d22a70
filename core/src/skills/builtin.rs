//! The built-in default taxonomy: the fairmatch team's skills (`data/builtin_taxonomy.tsv`:
//! several hundred canonical skills across software, data/ML, design, marketing, writing and
//! finance/admin, with aliases, a category and parent links) merged with ESCO's digital
//! skills collection and its alternative labels (`data/esco_digital.tsv`, a derived extract:
//! © European Union, reuse authorised with the source acknowledged; see that file's header
//! and `fixtures/gen/taxonomy/make_esco_digital.py`).
//!
//! Merge rule (deterministic, file order): an ESCO skill whose preferred label — or that label
//! without a parenthesised qualifier ("Python (computer programming)") — is already a key of
//! a built-in skill is that skill: its ESCO labels become aliases there and the skill takes
//! the ESCO URI if it had none. Every other ESCO skill is added as a skill of its own (no
//! category), with its broader ESCO skills as parents. A label or alias some skill already
//! claims is dropped, so no key names two skills.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::normalize::{loose_key, normalize_label};
use super::taxonomy::{SkillId, Taxonomy, TaxonomyBuilder};
use crate::error::{Error, Result};

const DATA: &str = include_str!("data/builtin_taxonomy.tsv");
const ESCO_DIGITAL: &str = include_str!("data/esco_digital.tsv");
const ESCO_SKILL: &str = "http://data.europa.eu/esco/skill/";

/// The categories a built-in skill may have (ESCO-derived skills have none).
pub const BUILTIN_CATEGORIES: [&str; 6] = [
    "software",
    "data_ml",
    "design",
    "marketing",
    "writing",
    "finance_admin",
];

/// The built-in taxonomy (built once per process by [`build_builtin`], then shared).
pub fn builtin() -> Arc<Taxonomy> {
    static CELL: OnceLock<Arc<Taxonomy>> = OnceLock::new();
    CELL.get_or_init(|| {
        // The data files are compiled in and checked by the tests below; a failure here is a
        // build defect, never caller input.
        Arc::new(build_builtin().expect("built-in taxonomy data is valid"))
    })
    .clone()
}

/// Builds a fresh copy of the built-in taxonomy from the compiled-in files (the team's skills,
/// then ESCO's digital skills merged in). [`builtin`] caches this; call it directly only to
/// time or inspect the build. Errors only if the compiled-in data were invalid.
pub fn build_builtin() -> Result<Taxonomy> {
    let mut b = builtin_builder("builtin", DATA)?;
    merge_esco_digital(&mut b, ESCO_DIGITAL)?;
    b.build()
}

/// What merging the ESCO extract did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EscoMerge {
    /// ESCO skills that were already built-in skills.
    pub merged: usize,
    /// ESCO skills added.
    pub added: usize,
    /// Labels and aliases attached.
    pub aliases: usize,
    /// Labels and aliases dropped because another skill claims them.
    pub dropped: usize,
}

/// Merges the ESCO digital extract (`id, label, parents, aliases`; see the module docs) into
/// a builder holding the built-in skills. Rejects a wrong header or field count and an
/// unknown parent id.
pub fn merge_esco_digital(b: &mut TaxonomyBuilder, text: &str) -> Result<EscoMerge> {
    let name = "esco_digital";
    let mut claimed: HashMap<String, SkillId> = HashMap::new();
    for (i, n) in b.nodes().iter().enumerate() {
        for k in std::iter::once(&n.label).chain(&n.aliases) {
            claimed.entry(normalize_label(k)).or_insert(i as SkillId);
            claimed.entry(loose_key(k)).or_insert(i as SkillId);
        }
    }
    let owner = |claimed: &HashMap<String, SkillId>, k: &str| {
        claimed
            .get(&normalize_label(k))
            .or_else(|| claimed.get(&loose_key(k)))
            .copied()
    };
    let mut rep = EscoMerge::default();
    let mut id_of: HashMap<&str, (SkillId, bool)> = HashMap::new();
    let rows = tsv_rows(name, text, ["id", "label", "parents", "aliases"])?;
    for (lineno, fields) in &rows {
        let lineno = *lineno;
        let label = fields[1];
        let unqualified = label.split(" (").next().unwrap_or(label);
        let existing = owner(&claimed, label).or_else(|| owner(&claimed, unqualified));
        let (id, added) = match existing {
            Some(id) => {
                rep.merged += 1;
                (id, false)
            }
            None => {
                let id = b
                    .add_skill(label, None, &[])
                    .map_err(|e| Error::invalid(format!("{name}:{}", lineno + 1), e.to_string()))?;
                rep.added += 1;
                claimed.insert(normalize_label(label), id);
                claimed.entry(loose_key(label)).or_insert(id);
                (id, true)
            }
        };
        if b.nodes()[id as usize].uri.is_none() {
            b.set_uri(id, &format!("{ESCO_SKILL}{}", fields[0]))?;
        }
        let labels = (!added).then_some(label).into_iter();
        for a in labels.chain(split_list(fields[3])) {
            match owner(&claimed, a) {
                Some(other) if other != id => rep.dropped += 1,
                Some(_) => {}
                None => {
                    b.add_alias(id, a)?;
                    claimed.insert(normalize_label(a), id);
                    claimed.entry(loose_key(a)).or_insert(id);
                    rep.aliases += 1;
                }
            }
        }
        id_of.insert(fields[0], (id, added));
    }
    // Parents only for added skills: built-in skills keep the team's hierarchy (and so the
    // merged graph stays acyclic: new edges only leave new skills, and ESCO's are a DAG).
    for (lineno, fields) in &rows {
        let (child, added) = id_of[fields[0]];
        if !added {
            continue;
        }
        for p in split_list(fields[2]) {
            let &(parent, _) = id_of.get(p).ok_or_else(|| {
                Error::invalid(
                    format!("{name}:{}.parents", lineno + 1),
                    format!("unknown parent id `{p}`"),
                )
            })?;
            if parent != child {
                b.add_parent(child, parent)?;
            }
        }
    }
    Ok(rep)
}

/// Parses the built-in TSV format (`label, category, parents, aliases`; `|`-separated lists;
/// `#` comments). Rejects a wrong header, a wrong field count, an unknown category, an
/// unknown parent, a duplicate label, an alias claimed twice and a cycle.
pub fn parse_tsv(name: &str, text: &str) -> Result<Taxonomy> {
    builtin_builder(name, text)?.build()
}

/// The builder of [`parse_tsv`], checked (no key claimed twice), before it is built.
fn builtin_builder(name: &str, text: &str) -> Result<TaxonomyBuilder> {
    let mut b = TaxonomyBuilder::new(name);
    let rows = tsv_rows(name, text, ["label", "category", "parents", "aliases"])?;
    for (lineno, fields) in &rows {
        if !BUILTIN_CATEGORIES.contains(&fields[1]) {
            return Err(Error::invalid(
                format!("{name}:{}.category", lineno + 1),
                format!("unknown category `{}`", fields[1]),
            ));
        }
        let aliases: Vec<&str> = split_list(fields[3]).collect();
        b.add_skill(fields[0], Some(fields[1]), &aliases)
            .map_err(|e| Error::invalid(format!("{name}:{}", lineno + 1), e.to_string()))?;
    }
    for (lineno, fields) in &rows {
        let child = b.id_of(fields[0]).unwrap_or_default();
        for p in split_list(fields[2]) {
            let parent = b.id_of(p).ok_or_else(|| {
                Error::invalid(
                    format!("{name}:{}.parents", lineno + 1),
                    format!("unknown parent `{p}`"),
                )
            })?;
            b.add_parent(child, parent)?;
        }
    }
    // A trial build: cycles and keys claimed twice are errors of the file.
    let t = b.clone().build()?;
    if t.alias_collisions() > 0 {
        return Err(Error::invalid(
            name,
            format!(
                "{} labels/aliases are claimed by more than one skill",
                t.alias_collisions()
            ),
        ));
    }
    Ok(b)
}

/// The data rows of a 4-column TSV with `#` comments and the given header: (line index,
/// fields). Rejects a wrong header and a row with another field count, naming
/// `name:line`.
fn tsv_rows<'a>(
    name: &str,
    text: &'a str,
    header: [&str; 4],
) -> Result<Vec<(usize, Vec<&'a str>)>> {
    let mut rows = Vec::new();
    let mut header_seen = false;
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if !header_seen {
            if fields != header {
                return Err(Error::invalid(
                    format!("{name}:{}", lineno + 1),
                    format!("expected the header `{}`", header.join("\\t")),
                ));
            }
            header_seen = true;
            continue;
        }
        if fields.len() != 4 {
            return Err(Error::invalid(
                format!("{name}:{}", lineno + 1),
                format!("expected 4 tab-separated fields, got {}", fields.len()),
            ));
        }
        rows.push((lineno, fields));
    }
    Ok(rows)
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split('|').map(str::trim).filter(|x| !x.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_large_and_covers_the_domains() {
        let t = builtin();
        assert!(t.len() >= 400, "only {} skills", t.len());
        for cat in BUILTIN_CATEGORIES {
            let n = t
                .skills()
                .iter()
                .filter(|s| s.category.as_deref() == Some(cat))
                .count();
            assert!(n >= 25, "category {cat} has only {n} skills");
        }
        let with_aliases = t.skills().iter().filter(|s| !s.aliases.is_empty()).count();
        assert!(
            with_aliases >= 150,
            "only {with_aliases} skills have aliases"
        );
    }

    #[test]
    fn esco_digital_skills_are_merged_without_claiming_a_key_twice() {
        let t = builtin();
        assert_eq!(t.alias_collisions(), 0);
        assert!(t.len() > 1700, "{} skills", t.len());
        // Merged into the team's skill: the ESCO labels are aliases, the URI is ESCO's.
        let py = t.resolve("Python").unwrap();
        assert_eq!(t.resolve("Python (computer programming)"), Some(py));
        assert_eq!(t.get(py).unwrap().category.as_deref(), Some("software"));
        assert!(
            t.get(py)
                .unwrap()
                .uri
                .as_deref()
                .is_some_and(|u| u.starts_with(ESCO_SKILL))
        );
        // Added from ESCO, reachable by label, alias and URI, with ESCO's broader skill.
        let kdev = t.resolve("KDevelop").unwrap();
        assert_eq!(
            t.by_uri("http://data.europa.eu/esco/skill/013441c1-1f13-47e9-80c4-9a53e8e1bc05"),
            Some(kdev)
        );
        assert!(!t.get(kdev).unwrap().parents.is_empty());
        assert_eq!(
            t.resolve("Absorb"),
            t.resolve("Absorb (learning management systems)")
        );
        // The merge is reproducible and says what it did.
        let mut b = builtin_builder("builtin", DATA).unwrap();
        let rep = merge_esco_digital(&mut b, ESCO_DIGITAL).unwrap();
        assert_eq!(rep.merged + rep.added, 1201);
        assert!(rep.merged > 50 && rep.aliases > 4000, "{rep:?}");
        assert!(merge_esco_digital(&mut b, "nope\n").is_err());
    }

    #[test]
    fn builtin_aliases_and_hierarchy() {
        let t = builtin();
        let react = t.resolve("React").unwrap();
        assert_eq!(t.resolve("reactjs"), Some(react));
        assert_eq!(t.resolve("React.js"), Some(react));
        assert_eq!(t.resolve("k8s"), t.resolve("Kubernetes"));
        assert_eq!(t.resolve("postgres"), t.resolve("PostgreSQL"));
        assert_eq!(t.resolve("ts"), t.resolve("TypeScript"));
        let js = t.resolve("JavaScript").unwrap();
        let fe = t.resolve("Frontend development").unwrap();
        let path = t
            .path(react, fe, 4)
            .expect("React → … → Frontend development");
        assert_eq!(path.first(), Some(&react));
        assert!(path.contains(&js));
        for label in [
            "Python",
            "Django",
            "Docker",
            "AWS",
            "Node.js",
            "Machine learning",
            "Figma",
            "seo",
            "Copywriting",
            "Bookkeeping",
            "Rust",
            "Go",
            "SQL",
        ] {
            assert!(t.resolve(label).is_some(), "{label} missing");
        }
    }

    #[test]
    fn parser_rejects_bad_rows() {
        let head = "label\tcategory\tparents\taliases\n";
        assert!(parse_tsv("t", "nope\n").is_err());
        assert!(parse_tsv("t", &format!("{head}A\tsoftware\t\n")).is_err());
        assert!(parse_tsv("t", &format!("{head}A\tcooking\t\t\n")).is_err());
        assert!(parse_tsv("t", &format!("{head}A\tsoftware\tB\t\n")).is_err());
        assert!(parse_tsv("t", &format!("{head}A\tsoftware\t\tx\nB\tsoftware\t\tx\n")).is_err());
        assert!(parse_tsv("t", &format!("{head}A\tsoftware\tB\t\nB\tsoftware\tA\t\n")).is_err());
        let ok = parse_tsv(
            "t",
            &format!("{head}# c\nA\tsoftware\t\ta1|a2\nB\tdesign\tA\t\n"),
        )
        .unwrap();
        assert_eq!(ok.resolve("a2"), Some(0));
        assert_eq!(ok.get(1).unwrap().parents, vec![0]);
    }
}
