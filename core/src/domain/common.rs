//! Value types shared by freelancers and jobs, with their validation.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, check_finite};
use crate::util::TrimSpace;

/// Checks a proficiency level on the 1–5 scale.
pub(crate) fn check_level(field: &str, level: f64) -> Result<()> {
    check_finite(field, level)?;
    if !(1.0..=5.0).contains(&level) {
        return Err(Error::invalid(
            field,
            format!("level must be in 1–5, got {level}"),
        ));
    }
    Ok(())
}

/// Checks an IANA time zone name (`Europe/Berlin`, `UTC`).
pub(crate) fn check_timezone(field: &str, tz: &str) -> Result<chrono_tz::Tz> {
    chrono_tz::Tz::from_str(tz.trim_space())
        .map_err(|_| Error::invalid(field, format!("unknown IANA time zone `{tz}`")))
}

/// Checks an ISO 4217-shaped currency code (three ASCII letters).
pub(crate) fn check_currency(field: &str, c: &str) -> Result<()> {
    if c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("`{c}` is not a three-letter currency code"),
        ))
    }
}

/// Lower-cased, trimmed language tag (`EN ` → `en`).
pub fn normalize_language(l: &str) -> String {
    l.trim_space().to_lowercase()
}

/// Local working hours of a day, `start` < `end`, hours in 0–24 (fractions allowed).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingHours {
    /// Start hour (local), 0–24.
    pub start: f64,
    /// End hour (local), 0–24, after `start`.
    pub end: f64,
}

impl Default for WorkingHours {
    fn default() -> Self {
        Self {
            start: 9.0,
            end: 17.0,
        }
    }
}

impl WorkingHours {
    /// Rejects hours outside 0–24 and `start ≥ end`.
    pub fn validate(&self, field: &str) -> Result<()> {
        for (n, v) in [("start", self.start), ("end", self.end)] {
            check_finite(&format!("{field}.{n}"), v)?;
            if !(0.0..=24.0).contains(&v) {
                return Err(Error::invalid(format!("{field}.{n}"), "must be in 0–24"));
            }
        }
        if self.start >= self.end {
            return Err(Error::invalid(
                format!("{field}.start"),
                "must be before end",
            ));
        }
        Ok(())
    }
}

/// Where someone is: a country (ISO 3166-1 alpha-2 recommended) and/or a region label.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Location {
    /// Country code, compared case-insensitively.
    pub country: Option<String>,
    /// Region label (e.g. `eu`, `latam`), compared case-insensitively.
    pub region: Option<String>,
}

/// An embedding vector with the id of the model that made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Embedding {
    /// Model id, e.g. `all-MiniLM-L6-v2`.
    pub model: String,
    /// The vector (finite components).
    pub vector: Vec<f32>,
}

impl Embedding {
    /// Rejects an empty model id, an empty vector and non-finite components.
    pub fn validate(&self, field: &str) -> Result<()> {
        if self.model.trim_space().is_empty() {
            return Err(Error::invalid(
                format!("{field}.model"),
                "must not be empty",
            ));
        }
        if self.vector.is_empty() {
            return Err(Error::invalid(
                format!("{field}.vector"),
                "must not be empty",
            ));
        }
        if let Some(i) = self.vector.iter().position(|x| !x.is_finite()) {
            return Err(Error::invalid(
                format!("{field}.vector[{i}]"),
                "must be a finite number",
            ));
        }
        Ok(())
    }
}
