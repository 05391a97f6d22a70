//! The one rule by which callers' enum spellings are read (`"Expert"`, `"senior"`,
//! `"Hourly"`, `"fixed-price"` …).
//!
//! Systems migrating to fairmatch send what their own code accepted: the seeds stored
//! `experience_level` and `budget_type` as free strings, compared after `.lower()` or not at all
//! (research/seeds.md §4.4, research/megilance_v1.md "Other factors"). An enum that implements
//! [`Spelled`] reads a string **case-insensitively, trimmed (Python's `strip()`), with `-` and
//! spaces taken as `_`**, and accepts its canonical snake_case name plus the documented aliases
//! in [`Spelled::SPELLINGS`]. Anything else is rejected with the accepted set in the message.
//! Output always uses the canonical name. Compact formats (bincode snapshots) keep the
//! variant index, so stored snapshots read as before.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, EnumAccess, VariantAccess, Visitor};

use super::TrimSpace;

/// An enum read with the spelling rule of this module.
pub(crate) trait Spelled: Sized + Copy + 'static {
    /// What the value is, for messages (`experience level`).
    const WHAT: &'static str;
    /// The serde enum name.
    const NAME: &'static str;
    /// Canonical names in variant (index) order.
    const VARIANTS: &'static [&'static str];
    /// Accepted spellings after normalisation (lower case, `_` for `-` and spaces), each with
    /// its variant; canonical names need not be repeated here.
    const SPELLINGS: &'static [(&'static str, Self)];
    /// The variant with index `i`.
    fn from_index(i: usize) -> Option<Self>;
}

/// The lookup key of a spelling: trimmed, lower case, `-` and whitespace runs as `_`.
fn key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut sep = false;
    for c in s.trim_space().chars().flat_map(char::to_lowercase) {
        if c == '-' || c == '_' || super::is_space(c) {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('_');
        }
        sep = false;
        out.push(c);
    }
    out
}

/// Reads `s` as a `T` (see the module docs), or `None`.
pub(crate) fn parse<T: Spelled>(s: &str) -> Option<T> {
    let k = key(s);
    if let Some(i) = T::VARIANTS.iter().position(|v| *v == k) {
        return T::from_index(i);
    }
    T::SPELLINGS.iter().find(|(a, _)| *a == k).map(|(_, v)| *v)
}

/// The accepted spellings of `T`, for messages: `entry (junior, beginner), …`.
pub(crate) fn accepted<T: Spelled>() -> String {
    T::VARIANTS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let aliases: Vec<&str> = T::SPELLINGS
                .iter()
                .filter(|(_, v)| T::from_index(i).is_some_and(|w| same(w, *v)))
                .map(|(a, _)| *a)
                .collect();
            if aliases.is_empty() {
                (*name).to_owned()
            } else {
                format!("{name} ({})", aliases.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether two values are the same (unit) variant.
fn same<T: Spelled>(a: T, b: T) -> bool {
    std::mem::discriminant(&a) == std::mem::discriminant(&b)
}

/// `Deserialize` for a [`Spelled`] enum: strings by the spelling rule (JSON, Python dicts),
/// variant indices in compact formats (bincode).
pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: Spelled>(d: D) -> Result<T, D::Error> {
    d.deserialize_enum(T::NAME, T::VARIANTS, EnumVisitor(PhantomData))
}

struct EnumVisitor<T>(PhantomData<T>);

impl<'de, T: Spelled> Visitor<'de> for EnumVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: one of {}", T::WHAT, accepted::<T>())
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        Ident(PhantomData).visit_str(s)
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<T, A::Error> {
        let (v, variant) = data.variant_seed(IdentSeed::<T>(PhantomData))?;
        variant.unit_variant()?;
        Ok(v)
    }
}

struct IdentSeed<T>(PhantomData<T>);

impl<'de, T: Spelled> de::DeserializeSeed<'de> for IdentSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_identifier(Ident(PhantomData))
    }
}

struct Ident<T>(PhantomData<T>);

impl<'de, T: Spelled> Visitor<'de> for Ident<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: one of {}", T::WHAT, accepted::<T>())
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        parse(s).ok_or_else(|| {
            E::custom(format!(
                "unknown {} `{s}`: expected one of {} (case-insensitive)",
                T::WHAT,
                accepted::<T>()
            ))
        })
    }
    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<T, E> {
        match std::str::from_utf8(b) {
            Ok(s) => self.visit_str(s),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(b), &self)),
        }
    }
    fn visit_u64<E: de::Error>(self, i: u64) -> Result<T, E> {
        usize::try_from(i)
            .ok()
            .and_then(T::from_index)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(i), &self))
    }
}

/// Implements [`Spelled`] and `Deserialize` for a unit-variant enum. Variants must be listed
/// in declaration order (their index is what bincode stores) with their canonical snake_case
/// names; aliases are normalised spellings (see [`parse`]).
macro_rules! spelled_enum {
    ($t:ident, $what:literal, [$($v:ident = $name:literal),+ $(,)?], [$($alias:literal => $av:ident),* $(,)?]) => {
        impl $crate::util::spelling::Spelled for $t {
            const WHAT: &'static str = $what;
            const NAME: &'static str = stringify!($t);
            const VARIANTS: &'static [&'static str] = &[$($name),+];
            const SPELLINGS: &'static [(&'static str, Self)] = &[$(($alias, $t::$av)),*];
            fn from_index(i: usize) -> Option<Self> {
                [$($t::$v),+].get(i).copied()
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::util::spelling::deserialize(d)
            }
        }
    };
}
pub(crate) use spelled_enum;

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, Copy, PartialEq, Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Seniority {
        Entry,
        MidLevel,
        Expert,
    }
    spelled_enum!(Seniority, "level", [Entry = "entry", MidLevel = "mid_level", Expert = "expert"], ["junior" => Entry, "senior" => Expert]);

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        level: Seniority,
    }

    #[test]
    fn spellings_are_case_insensitive_with_aliases() {
        for (s, want) in [
            ("Expert", Seniority::Expert),
            ("  SENIOR\u{1f}", Seniority::Expert),
            ("junior", Seniority::Entry),
            ("Mid-Level", Seniority::MidLevel),
            ("mid level", Seniority::MidLevel),
            ("mid_level", Seniority::MidLevel),
        ] {
            assert_eq!(parse::<Seniority>(s), Some(want), "{s}");
            let json = format!("{{\"level\": {}}}", serde_json::to_string(s).unwrap());
            let h: Holder = serde_json::from_str(&json).unwrap();
            assert_eq!(h.level, want);
        }
        assert_eq!(parse::<Seniority>("guru"), None);
        let e = serde_json::from_str::<Holder>(r#"{"level": "guru"}"#).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("unknown level `guru`")
                && msg.contains("entry (junior), mid_level, expert (senior)"),
            "{msg}"
        );
        // output stays canonical; compact formats keep the variant index
        assert_eq!(
            serde_json::to_string(&Seniority::MidLevel).unwrap(),
            "\"mid_level\""
        );
        let cfg = bincode::config::standard();
        let b = bincode::serde::encode_to_vec(
            Holder {
                level: Seniority::Expert,
            },
            cfg,
        )
        .unwrap();
        let (back, _): (Holder, usize) = bincode::serde::decode_from_slice(&b, cfg).unwrap();
        assert_eq!(back.level, Seniority::Expert);
        let bad = [9u8];
        assert!(bincode::serde::decode_from_slice::<Holder, _>(&bad, cfg).is_err());
    }
}
