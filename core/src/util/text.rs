//! Whitespace as the seed systems saw it.
//!
//! The seeds trimmed labels with Python's `str.strip()` (research/megilance_v1.md: lookups on
//! `strip().lower()`), whose whitespace is Unicode `White_Space` **plus** the C0 information
//! separators U+001C–U+001F (`str.isspace()` is true for them; Rust's `char::is_whitespace`
//! is not). Callers migrating from those systems send labels such as `"React\u{1f}"`; the one
//! rule here makes every trim in the crate agree with `strip()`.

/// Whether `c` is whitespace under Python's `str.isspace()`: `char::is_whitespace` or one of
/// U+001C–U+001F.
#[inline]
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `trim()` with [`is_space`]: what Python's `str.strip()` removes.
pub(crate) trait TrimSpace {
    /// The text without leading and trailing [`is_space`] characters.
    fn trim_space(&self) -> &str;
}

impl TrimSpace for str {
    #[inline]
    fn trim_space(&self) -> &str {
        self.trim_matches(is_space)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_what_python_strips() {
        // Python: " \t\x1c\x1d\x1e\x1fReact\x1f\u3000 ".strip() == "React"
        assert_eq!(
            " \t\u{1c}\u{1d}\u{1e}\u{1f}React\u{1f}\u{3000} ".trim_space(),
            "React"
        );
        assert_eq!("\u{1f}".trim_space(), "");
        // other C0 controls are not whitespace in Python either
        assert_eq!("\u{1b}x\u{7}".trim_space(), "\u{1b}x\u{7}");
        assert!(is_space('\u{a0}') && is_space('\u{85}') && !is_space('\u{200b}'));
    }
}
