//! The one error type of the crate.
//!
//! Every fallible public function returns [`Result<T>`]. Variants are structured so that the
//! bindings can map each one to a typed exception (Python) or a stable error code (Node)
//! without parsing messages. Bad input always names the offending field (a dotted path such
//! as `skills[2].level`) and the reason; nothing already stored changes when an error is
//! returned.

use std::fmt;

/// The result type of every fallible fairmatch function.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The kind of entity an id refers to, used by [`Error::UnknownId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A freelancer profile.
    Freelancer,
    /// A job posting.
    Job,
    /// A skill in a taxonomy.
    Skill,
    /// A vector collection.
    Collection,
    /// An embedding model id.
    Model,
    /// A group (fairness attribute value).
    Group,
    /// A row of a vector index.
    Vector,
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntityKind::Freelancer => "freelancer",
            EntityKind::Job => "job",
            EntityKind::Skill => "skill",
            EntityKind::Collection => "collection",
            EntityKind::Model => "model",
            EntityKind::Group => "group",
            EntityKind::Vector => "vector",
        })
    }
}

/// Everything that can go wrong in fairmatch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller-supplied value is invalid. `field` is a dotted path to it
    /// (e.g. `job.budget.min`), `reason` says what is wrong in plain words.
    #[error("invalid input for `{field}`: {reason}")]
    InvalidInput {
        /// Dotted path of the offending field.
        field: String,
        /// Why the value was rejected.
        reason: String,
    },
    /// A vector has the wrong number of components for its collection or index.
    #[error("dimension mismatch for `{field}`: expected {expected}, got {got}")]
    DimensionMismatch {
        /// Dotted path of the offending vector.
        field: String,
        /// Dimension of the collection.
        expected: usize,
        /// Dimension supplied.
        got: usize,
    },
    /// An id that the engine (or an index, taxonomy, ledger) does not know.
    #[error("unknown {kind} id `{id}`")]
    UnknownId {
        /// What kind of entity was looked up.
        kind: EntityKind,
        /// The id as supplied.
        id: String,
    },
    /// A metric was undefined (division by zero) and the caller's policy is
    /// `ZeroDivision::Error`.
    #[error("undefined value in `{metric}`: {reason}")]
    ZeroDivision {
        /// The metric (and group) that was undefined.
        metric: String,
        /// What was zero.
        reason: String,
    },
    /// The bytes are not a fairmatch snapshot at all (wrong magic).
    #[error("not a fairmatch snapshot: {detail}")]
    NotASnapshot {
        /// What was found instead.
        detail: String,
    },
    /// The snapshot was written by a format version this build cannot read.
    #[error("incompatible snapshot format version {found} (this build reads up to {supported})")]
    IncompatibleSnapshot {
        /// Version in the file.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
    /// The snapshot is truncated or corrupt (length or checksum mismatch, undecodable body).
    #[error("corrupt snapshot: {detail}")]
    CorruptSnapshot {
        /// What check failed.
        detail: String,
    },
    /// The impression logs cannot support a fit or an off-policy estimate: no position
    /// variation (no explored slates, propensities all 1), too few outcomes, no explored
    /// slates to evaluate on. A refusal, not a bug: collect more (or exploratory) logs.
    /// Source of the identifiability condition: research/learning.md §1 and issue 18.
    #[error("insufficient logs: {reason}")]
    InsufficientLogs {
        /// Why the logs cannot support the request, in plain words.
        reason: String,
    },
    /// An I/O error while reading or writing a file.
    #[error("i/o error on `{path}`: {source}")]
    Io {
        /// The file involved.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::UnknownId`].
    pub fn unknown(kind: EntityKind, id: impl Into<String>) -> Self {
        Error::UnknownId {
            kind,
            id: id.into(),
        }
    }

    /// Shorthand for [`Error::InsufficientLogs`].
    pub fn insufficient_logs(reason: impl Into<String>) -> Self {
        Error::InsufficientLogs {
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::CorruptSnapshot`].
    pub fn corrupt(detail: impl Into<String>) -> Self {
        Error::CorruptSnapshot {
            detail: detail.into(),
        }
    }

    /// The same error with its field path rewritten by `f` (for [`Error::InvalidInput`] and
    /// [`Error::DimensionMismatch`]; other variants name no field and pass unchanged). Used
    /// where a caller knows more context than the callee: `skills[0]` inside
    /// `freelancers[3].`, `lambda` inside `options.fairness.`.
    pub fn map_field(self, f: impl FnOnce(String) -> String) -> Self {
        match self {
            Error::InvalidInput { field, reason } => Error::InvalidInput {
                field: f(field),
                reason,
            },
            Error::DimensionMismatch {
                field,
                expected,
                got,
            } => Error::DimensionMismatch {
                field: f(field),
                expected,
                got,
            },
            e => e,
        }
    }

    /// The same error located inside `prefix`: `lambda` → `options.fairness.lambda` for
    /// prefix `options.fairness` (a leading `[` joins without a dot: `[2].x` → `rows[2].x`).
    pub fn within(self, prefix: &str) -> Self {
        self.map_field(|f| join_path(prefix, &f))
    }

    /// The same error located at item `i` of a batch named `plural`: a field that starts with
    /// the single item's name (`freelancer.skills[0]`, `vector`) has that segment replaced
    /// (`freelancers[3].skills[0]`, `vectors[3]`); any other field is put inside the item
    /// (`lambda` → `freelancers[3].lambda`).
    pub fn at_item(self, single: &str, plural: &str, i: usize) -> Self {
        self.map_field(|field| match field.strip_prefix(single) {
            Some(rest) if rest.is_empty() || rest.starts_with(['.', '[']) => {
                format!("{}{rest}", indexed(plural, i))
            }
            _ => join_path(&indexed(plural, i), &field),
        })
    }

    /// The same error with the first row index of its field (`y_true[5]`) shifted by
    /// `offset`: an error found in a chunk of rows named for the whole input.
    pub fn offset_index(self, offset: usize) -> Self {
        self.map_field(|field| {
            let parsed = match (field.find('['), field.find(']')) {
                (Some(a), Some(b)) if a < b => {
                    field[a + 1..b].parse::<usize>().ok().map(|i| (a, b, i))
                }
                _ => None,
            };
            match parsed {
                Some((a, b, i)) => {
                    format!("{}{}", indexed(&field[..a], i + offset), &field[b + 1..])
                }
                None => field,
            }
        })
    }

    /// A stable, machine-readable code for this error (used as the Node `code` and in logs).
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } => "INVALID_INPUT",
            Error::DimensionMismatch { .. } => "DIMENSION_MISMATCH",
            Error::UnknownId { .. } => "UNKNOWN_ID",
            Error::ZeroDivision { .. } => "ZERO_DIVISION",
            Error::NotASnapshot { .. } => "NOT_A_SNAPSHOT",
            Error::IncompatibleSnapshot { .. } => "INCOMPATIBLE_SNAPSHOT",
            Error::CorruptSnapshot { .. } => "CORRUPT_SNAPSHOT",
            Error::InsufficientLogs { .. } => "INSUFFICIENT_LOGS",
            Error::Io { .. } => "IO",
        }
    }
}

/// The location of item `i` of `field`: `skills[3]`. Every field path with an index is
/// built here (and edited by [`Error::within`], [`Error::at_item`], [`Error::offset_index`]).
pub fn indexed(field: &str, i: usize) -> String {
    format!("{field}[{i}]")
}

/// `prefix.field`, or `prefix[i]…` when `field` starts with an index; an empty prefix or
/// field leaves the other.
fn join_path(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_owned()
    } else if field.is_empty() || field.starts_with('[') {
        format!("{prefix}{field}")
    } else {
        format!("{prefix}.{field}")
    }
}

/// Checks that `x` is a finite number; names `field` otherwise.
pub(crate) fn check_finite(field: &str, x: f64) -> Result<f64> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Error::invalid(
            field,
            format!("must be a finite number, got {x}"),
        ))
    }
}

/// Checks that `x` is finite and ≥ 0; names `field` otherwise.
pub(crate) fn check_non_negative(field: &str, x: f64) -> Result<f64> {
    check_finite(field, x)?;
    if x < 0.0 {
        Err(Error::invalid(field, format!("must be ≥ 0, got {x}")))
    } else {
        Ok(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field() {
        let e = Error::invalid("job.budget.min", "must be ≤ max");
        assert_eq!(
            e.to_string(),
            "invalid input for `job.budget.min`: must be ≤ max"
        );
        assert_eq!(e.code(), "INVALID_INPUT");
        let e = e.map_field(|f| format!("jobs[2].{f}"));
        assert!(e.to_string().contains("`jobs[2].job.budget.min`"));
        let e = Error::unknown(EntityKind::Freelancer, "f-9");
        assert_eq!(e.to_string(), "unknown freelancer id `f-9`");
    }

    #[test]
    fn locations_are_built_and_edited_in_one_place() {
        let f = |e: Error| match e {
            Error::InvalidInput { field, .. } | Error::DimensionMismatch { field, .. } => field,
            e => panic!("no field: {e}"),
        };
        assert_eq!(indexed("skills", 3), "skills[3]");
        assert_eq!(
            f(Error::invalid("lambda", "x").within("options.fairness")),
            "options.fairness.lambda"
        );
        assert_eq!(f(Error::invalid("[2].x", "x").within("rows")), "rows[2].x");
        assert_eq!(f(Error::invalid("x", "x").within("")), "x");
        let single =
            |field: &str| f(Error::invalid(field, "x").at_item("freelancer", "freelancers", 4));
        assert_eq!(
            single("freelancer.skills[0].name"),
            "freelancers[4].skills[0].name"
        );
        assert_eq!(single("freelancer"), "freelancers[4]");
        assert_eq!(
            single("freelancers_total"),
            "freelancers[4].freelancers_total"
        );
        assert_eq!(single("embedding"), "freelancers[4].embedding");
        let dim = Error::DimensionMismatch {
            field: "vector".into(),
            expected: 3,
            got: 2,
        };
        assert_eq!(f(dim.at_item("vector", "vectors", 7)), "vectors[7]");
        assert_eq!(
            f(Error::invalid("vector[5]", "x").at_item("vector", "vectors", 1)),
            "vectors[1][5]"
        );
        assert_eq!(
            f(Error::invalid("y_true[5]", "x").offset_index(100)),
            "y_true[105]"
        );
        assert_eq!(
            f(Error::invalid("a[2].b[1]", "x").offset_index(10)),
            "a[12].b[1]"
        );
        assert_eq!(f(Error::invalid("y_true", "x").offset_index(10)), "y_true");
        let other = Error::unknown(EntityKind::Job, "j")
            .within("x")
            .at_item("a", "b", 1)
            .offset_index(3);
        assert_eq!(other.to_string(), "unknown job id `j`");
    }

    #[test]
    fn finite_checks() {
        assert!(check_finite("x", f64::NAN).is_err());
        assert!(check_non_negative("x", -1.0).is_err());
        assert_eq!(check_non_negative("x", 2.0).unwrap(), 2.0);
    }
}
