//! Label noise: how freelancers actually spell skills. Rule-based and written without the
//! taxonomy's alias table (ESCO alternative labels are never used), so resolving a noisy label
//! is a real test of an engine's normalisation, not a lookup of the generator's own aliases.
//!
//! Each noisy label gets one to two of these transformations (those that apply):
//! case (lower / UPPER / Title), a short form (dropping a parenthesised qualifier or a
//! leading verb such as "use"/"manage", or abbreviating common words: development → dev,
//! management → mgmt …), an acronym of a multi-word label ("search engine optimisation" →
//! "SEO"), a vendor prefix added to or removed from a tool name ("Microsoft", "Adobe",
//! "Apache", "Oracle", "Google", "Amazon"), British/American spelling (-ise/-ize,
//! -isation/-ization), and decorations ("advanced …", "… skills", "… (5 yrs)").

use rand::Rng;
use rand::seq::IndexedRandom;

const VENDORS: [&str; 8] = [
    "Microsoft",
    "MS",
    "Adobe",
    "Apache",
    "Oracle",
    "Google",
    "Amazon",
    "IBM",
];

const LEADING_VERBS: [&str; 14] = [
    "use ",
    "manage ",
    "perform ",
    "apply ",
    "develop ",
    "utilise ",
    "operate ",
    "conduct ",
    "carry out ",
    "provide ",
    "maintain ",
    "create ",
    "design ",
    "implement ",
];

const SHORT_WORDS: [(&str, &str); 14] = [
    ("development", "dev"),
    ("management", "mgmt"),
    ("administration", "admin"),
    ("application", "app"),
    ("applications", "apps"),
    ("engineering", "eng."),
    ("information", "info"),
    ("technology", "tech"),
    ("programming", "prog."),
    ("communication", "comms"),
    ("documentation", "docs"),
    ("configuration", "config"),
    ("database", "DB"),
    ("specifications", "specs"),
];

const DECORATIONS: [(&str, &str); 6] = [
    ("advanced ", ""),
    ("", " skills"),
    ("", " (5 yrs)"),
    ("expert in ", ""),
    ("", " - proficient"),
    ("basic ", ""),
];

/// One of the noise transformations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Case,
    Short,
    Acronym,
    Vendor,
    Spelling,
    Decoration,
}

/// A noisy spelling of `label`, or `label` itself when no transformation changes it.
/// Deterministic given the generator state.
pub fn noisy_label(label: &str, rng: &mut impl Rng) -> String {
    noisy_label_traced(label, rng).0
}

/// [`noisy_label`] (the same draws, the same result) with the names of the transformations
/// that changed the label, in order: `case`, `short`, `acronym`, `vendor`, `spelling`,
/// `decoration`. The resolution tests stratify by them.
pub fn noisy_label_traced(label: &str, rng: &mut impl Rng) -> (String, Vec<&'static str>) {
    let steps = if rng.random_bool(0.3) { 2 } else { 1 };
    let mut out = label.to_owned();
    let mut applied = Vec::new();
    for _ in 0..steps {
        let kinds: Vec<Kind> = [
            Kind::Case,
            Kind::Short,
            Kind::Acronym,
            Kind::Vendor,
            Kind::Spelling,
            Kind::Decoration,
        ]
        .into_iter()
        .filter(|k| applies(*k, &out))
        .collect();
        let Some(&k) = kinds.choose(rng) else { break };
        let next = apply(k, &out, rng);
        // a transformation may leave nothing ("(…)" → "", "Microsoft" → ""): keep the label
        if next.chars().any(char::is_alphanumeric) {
            if next != out {
                applied.push(k.name());
            }
            out = next;
        }
    }
    (out, applied)
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Case => "case",
            Kind::Short => "short",
            Kind::Acronym => "acronym",
            Kind::Vendor => "vendor",
            Kind::Spelling => "spelling",
            Kind::Decoration => "decoration",
        }
    }
}

fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

fn applies(k: Kind, s: &str) -> bool {
    let lower = s.to_lowercase();
    match k {
        Kind::Case | Kind::Decoration => true,
        Kind::Short => {
            s.contains('(')
                || LEADING_VERBS.iter().any(|v| lower.starts_with(v))
                || SHORT_WORDS.iter().any(|(w, _)| lower.contains(w))
        }
        Kind::Acronym => {
            let w = content_words(s);
            (2..=5).contains(&w.len())
        }
        Kind::Vendor => true,
        Kind::Spelling => lower.contains("is") || lower.contains("iz") || lower.contains("our"),
    }
}

fn content_words(s: &str) -> Vec<&str> {
    const STOP: [&str; 8] = ["and", "or", "of", "the", "for", "to", "in", "a"];
    words(s)
        .into_iter()
        .filter(|w| !STOP.contains(&w.to_lowercase().as_str()))
        .filter(|w| w.chars().next().is_some_and(char::is_alphabetic))
        .collect()
}

fn apply(k: Kind, s: &str, rng: &mut impl Rng) -> String {
    match k {
        Kind::Case => match rng.random_range(0..3) {
            0 => s.to_lowercase(),
            1 => s.to_uppercase(),
            _ => words(s)
                .iter()
                .map(|w| {
                    let mut c = w.chars();
                    c.next().map_or(String::new(), |f| {
                        f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase()
                    })
                })
                .collect::<Vec<_>>()
                .join(" "),
        },
        Kind::Short => {
            if let Some(i) = s.find('(') {
                return s[..i].trim().to_owned();
            }
            let lower = s.to_lowercase();
            if let Some(v) = LEADING_VERBS.iter().find(|v| lower.starts_with(*v)) {
                return s[v.len()..].trim().to_owned();
            }
            let mut out = s.to_owned();
            for (w, short) in SHORT_WORDS {
                if let Some(i) = out.to_lowercase().find(w) {
                    out.replace_range(i..i + w.len(), short);
                    break;
                }
            }
            out
        }
        Kind::Acronym => content_words(s)
            .iter()
            .filter_map(|w| w.chars().next())
            .flat_map(char::to_uppercase)
            .collect(),
        Kind::Vendor => {
            let first = words(s).first().copied().unwrap_or("");
            if VENDORS.iter().any(|v| v.eq_ignore_ascii_case(first)) {
                s[first.len()..].trim().to_owned()
            } else {
                format!("{} {s}", VENDORS.choose(rng).unwrap_or(&"MS"))
            }
        }
        Kind::Spelling => {
            const PAIRS: [(&str, &str); 6] = [
                ("isation", "ization"),
                ("ization", "isation"),
                ("ise", "ize"),
                ("ize", "ise"),
                ("our", "or"),
                ("yse", "yze"),
            ];
            let lower = s.to_lowercase();
            for (a, b) in PAIRS {
                if let Some(i) = lower.find(a) {
                    let mut out = s.to_owned();
                    out.replace_range(i..i + a.len(), b);
                    return out;
                }
            }
            s.to_owned()
        }
        Kind::Decoration => {
            let (pre, post) = DECORATIONS.choose(rng).copied().unwrap_or(("", ""));
            format!("{pre}{s}{post}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transformations_change_labels_deterministically() {
        let mut a = crate::rng(3);
        let mut b = crate::rng(3);
        let labels = [
            "search engine optimisation",
            "Python (computer programming)",
            "use spreadsheets software",
            "manage ICT projects",
            "JavaScript",
        ];
        let mut changed = 0;
        for l in labels {
            for _ in 0..20 {
                let x = noisy_label(l, &mut a);
                assert_eq!(x, noisy_label(l, &mut b));
                assert!(!x.trim().is_empty(), "{l} → empty");
                changed += usize::from(x != l);
            }
        }
        assert!(changed > 80, "noise changed only {changed} of 100 labels");
        for l in ["Microsoft", "(unknown)", "use ", "C"] {
            for _ in 0..50 {
                assert!(
                    noisy_label(l, &mut a).chars().any(char::is_alphanumeric),
                    "{l}"
                );
            }
        }
        let mut r = crate::rng(1);
        assert_eq!(
            apply(Kind::Acronym, "search engine optimisation", &mut r),
            "SEO"
        );
        assert_eq!(
            apply(Kind::Short, "Python (computer programming)", &mut r),
            "Python"
        );
        assert_eq!(
            apply(Kind::Short, "use spreadsheets software", &mut r),
            "spreadsheets software"
        );
        assert_eq!(
            apply(Kind::Spelling, "search engine optimisation", &mut r),
            "search engine optimization"
        );
        assert_eq!(apply(Kind::Vendor, "Microsoft Access", &mut r), "Access");
        // the traced form draws the same numbers and names what changed the label
        let (mut a, mut b) = (crate::rng(9), crate::rng(9));
        for l in labels {
            let (x, kinds) = noisy_label_traced(l, &mut a);
            assert_eq!(x, noisy_label(l, &mut b));
            assert_eq!(kinds.is_empty(), x == l, "{l} → {x} by {kinds:?}");
        }
    }
}
