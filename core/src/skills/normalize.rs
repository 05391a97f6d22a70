//! Skill label normalisation: the one rule by which free text becomes a lookup key.
//!
//! `normalize_label`: Unicode NFKC (full-width letters, ligatures, non-breaking spaces), then
//! lower case, typographic dashes (‐ ‑ ‒ – — ―) and quotes (‘ ’ “ ”) folded to ASCII, every run of
//! whitespace (as Python's `str.isspace()` sees it, C0 separators U+001C–U+001F included)
//! collapsed to one space, trimmed. `loose_key` additionally treats `-`, `_` and
//! `.` as word separators, so `react-native`, `react_native` and `react native` meet; it is
//! only a fallback key (exact keys win), so `node.js` may still be an alias of its own.

use unicode_normalization::UnicodeNormalization;

use crate::util::is_space;

/// The canonical lookup key of a skill label (see the module docs for the rule).
pub fn normalize_label(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    let mut pending_space = false;
    for c in label.nfkc().flat_map(char::to_lowercase) {
        let c = match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{2018}' | '\u{2019}' | '\u{201B}' => '\'',
            '\u{201C}' | '\u{201D}' => '"',
            c => c,
        };
        if is_space(c) {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// A looser key: [`normalize_label`] with `-`, `_` and `.` read as spaces (then collapsed).
pub fn loose_key(label: &str) -> String {
    let n = normalize_label(label);
    let replaced: String = n
        .chars()
        .map(|c| if matches!(c, '-' | '_' | '.') { ' ' } else { c })
        .collect();
    replaced
        .split(is_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_width_space_and_dashes() {
        assert_eq!(normalize_label("  React\u{00A0}JS "), "react js");
        assert_eq!(normalize_label("ＲＵＳＴ"), "rust");
        assert_eq!(normalize_label("Front\u{2013}end\tDev"), "front-end dev");
        assert_eq!(normalize_label("C#"), "c#");
        assert_eq!(normalize_label("\u{1f}React\u{1c}JS\u{1e}"), "react js");
        assert_eq!(normalize_label("ﬁnance"), "finance");
        assert_eq!(loose_key("React-Native"), "react native");
        assert_eq!(loose_key("node.js"), "node js");
        assert_eq!(loose_key("  under_score  "), "under score");
    }
}
