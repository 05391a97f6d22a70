//! The built-in default taxonomy, written by the fairmatch team (`data/builtin_taxonomy.tsv`):
//! several hundred canonical skills across software, data/ML, design, marketing, writing and
//! finance/admin, with aliases, a category and parent links.

use std::sync::{Arc, OnceLock};

use super::taxonomy::{Taxonomy, TaxonomyBuilder};
use crate::error::{Error, Result};

const DATA: &str = include_str!("data/builtin_taxonomy.tsv");

/// The categories a built-in skill may have.
pub const BUILTIN_CATEGORIES: [&str; 6] = [
    "software",
    "data_ml",
    "design",
    "marketing",
    "writing",
    "finance_admin",
];

/// The built-in taxonomy (parsed once per process, then shared).
pub fn builtin() -> Arc<Taxonomy> {
    static CELL: OnceLock<Arc<Taxonomy>> = OnceLock::new();
    CELL.get_or_init(|| {
        // The data file is compiled in and checked by the tests below; a failure here is a
        // build defect, never caller input.
        Arc::new(parse_tsv("builtin", DATA).expect("built-in taxonomy data is valid"))
    })
    .clone()
}

/// Parses the built-in TSV format (`label, category, parents, aliases`; `|`-separated lists;
/// `#` comments). Rejects a wrong header, a wrong field count, an unknown category, an
/// unknown parent, a duplicate label, an alias claimed twice and a cycle.
pub fn parse_tsv(name: &str, text: &str) -> Result<Taxonomy> {
    let mut b = TaxonomyBuilder::new(name);
    let mut rows: Vec<(usize, Vec<&str>)> = Vec::new();
    let mut header_seen = false;
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if !header_seen {
            if fields != ["label", "category", "parents", "aliases"] {
                return Err(Error::invalid(
                    format!("{name}:{}", lineno + 1),
                    "expected the header `label\\tcategory\\tparents\\taliases`",
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
        if !BUILTIN_CATEGORIES.contains(&fields[1]) {
            return Err(Error::invalid(
                format!("{name}:{}.category", lineno + 1),
                format!("unknown category `{}`", fields[1]),
            ));
        }
        let aliases: Vec<&str> = split_list(fields[3]).collect();
        b.add_skill(fields[0], Some(fields[1]), &aliases)
            .map_err(|e| Error::invalid(format!("{name}:{}", lineno + 1), e.to_string()))?;
        rows.push((lineno, fields));
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
    let t = b.build()?;
    if t.alias_collisions() > 0 {
        return Err(Error::invalid(
            name,
            format!(
                "{} labels/aliases are claimed by more than one skill",
                t.alias_collisions()
            ),
        ));
    }
    Ok(t)
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
