//! [`LabelledConfusion`]: a [`GroupConfusion`] that remembers how its groups were coded —
//! by integer codes, or by string labels (code `i` = label `i`, first-seen order as
//! [`encode_groups`](super::encode_groups) assigns) — and the rules for merging two of them.
//! Every binding's accumulator class is this type; no binding reconciles labels itself.

use serde::{Deserialize, Serialize};

use super::{Confusion, GroupConfusion};
use crate::error::{Error, Result};

/// Per-group confusion counts plus the label of each group code when the groups came from
/// string labels. Serde form: `{"groups": [{tp, fp, tn, fn_, rows}, ...], "labels": [..] |
/// null}`; deserialising validates the counts ([`Confusion::from_counts`]), the number of
/// groups, and the labels (at most one per group, no duplicates).
///
/// Merging ([`LabelledConfusion::merge`]):
/// - codes into codes: counts add per code (the larger number of groups is kept);
/// - labels into labels: counts add **per label**. The other's codes are mapped onto this
///   accumulator's labels, labels it has not seen are appended (so two workers that met the
///   labels in different orders merge exactly); groups of the other past its label list
///   must be empty;
/// - codes and labels: an accumulator without rows takes the other's coding (so an empty
///   start merges anything); otherwise [`Error::InvalidInput`] on field `other`, because an
///   integer code cannot be matched to a label.
///
/// A rejected merge changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "LabelledState")]
pub struct LabelledConfusion {
    #[serde(flatten)]
    counts: GroupConfusion,
    labels: Option<Vec<String>>,
}

/// The serde form of [`LabelledConfusion`] before validation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelledState {
    groups: Vec<Confusion>,
    #[serde(default)]
    labels: Option<Vec<String>>,
}

impl TryFrom<LabelledState> for LabelledConfusion {
    type Error = Error;
    fn try_from(s: LabelledState) -> Result<Self> {
        super::check_n_groups("groups", s.groups.len())?;
        LabelledConfusion::new(GroupConfusion::from_groups(s.groups), s.labels)
    }
}

impl LabelledConfusion {
    /// Counts with optional labels. Rejects more labels than groups and a repeated label
    /// (field `labels`, naming the label).
    pub fn new(counts: GroupConfusion, labels: Option<Vec<String>>) -> Result<Self> {
        if let Some(l) = &labels {
            if l.len() > counts.n_groups() {
                return Err(Error::invalid(
                    "labels",
                    format!("{} labels for {} groups", l.len(), counts.n_groups()),
                ));
            }
            let mut seen = std::collections::HashSet::with_capacity(l.len());
            if let Some(d) = l.iter().find(|x| !seen.insert(x.as_str())) {
                return Err(Error::invalid(
                    "labels",
                    format!("label {d:?} appears twice"),
                ));
            }
        }
        Ok(LabelledConfusion { counts, labels })
    }

    /// Counts over integer group codes.
    pub fn from_codes(counts: GroupConfusion) -> Self {
        LabelledConfusion {
            counts,
            labels: None,
        }
    }

    /// The counts per group code.
    pub fn counts(&self) -> &GroupConfusion {
        &self.counts
    }

    /// The label of each group code, when the groups came from labels.
    pub fn labels(&self) -> Option<&[String]> {
        self.labels.as_deref()
    }

    /// Adds `other` by the rules in the type's documentation; changes nothing on error.
    pub fn merge(&mut self, other: &LabelledConfusion) -> Result<()> {
        let coding_err = || {
            Error::invalid(
                "other",
                "one accumulator has integer group codes and the other string labels: a code \
                 cannot be matched to a label (build both from labels, or both from codes)",
            )
        };
        match (&self.labels, &other.labels) {
            (None, None) => self.counts.merge(&other.counts),
            (Some(_), None) if other.counts.has_no_rows() => Ok(()),
            (None, Some(_)) if self.counts.has_no_rows() => {
                let mut merged = other.clone();
                // keep this accumulator's (empty) extra groups
                merged.counts.merge(&self.counts)?;
                *self = merged;
                Ok(())
            }
            (Some(_), None) | (None, Some(_)) => Err(coding_err()),
            (Some(mine), Some(theirs)) => {
                let mut labels = mine.clone();
                let mut groups = self.counts.groups().to_vec();
                groups.resize(groups.len().max(labels.len()), Confusion::default());
                let other_groups = other.counts.groups();
                if let Some(g) = other_groups[theirs.len()..]
                    .iter()
                    .position(|c| c.rows > 0 || c.weight() > 0.0)
                {
                    return Err(Error::invalid(
                        crate::error::indexed("other.groups", theirs.len() + g),
                        "has rows but no label, so it cannot be matched to this \
                         accumulator's labels",
                    ));
                }
                // the other's code j → this accumulator's code of the same label
                let mut target = Vec::with_capacity(theirs.len());
                for l in theirs {
                    match labels.iter().position(|x| x == l) {
                        Some(i) => target.push(i),
                        None => {
                            labels.push(l.clone());
                            target.push(labels.len() - 1);
                        }
                    }
                }
                // labels appended past this accumulator's unlabelled groups would reuse
                // their codes: only possible when this one has more groups than labels
                if labels.len() > mine.len() && groups.len() > mine.len() {
                    if let Some(g) = groups[mine.len()..]
                        .iter()
                        .position(|c| c.rows > 0 || c.weight() > 0.0)
                    {
                        return Err(Error::invalid(
                            crate::error::indexed("groups", mine.len() + g),
                            "has rows but no label, so new labels cannot be appended",
                        ));
                    }
                    groups.truncate(mine.len());
                }
                let mut remapped = vec![Confusion::default(); labels.len()];
                for (j, &i) in target.iter().enumerate() {
                    remapped[i] = other_groups[j];
                }
                let mut counts = GroupConfusion::from_groups(groups);
                counts.merge(&GroupConfusion::from_groups(remapped))?;
                self.counts = counts;
                self.labels = Some(labels);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc(groups: &[&str], y: &[u8]) -> LabelledConfusion {
        let (codes, labels) = super::super::encode_groups(groups).unwrap();
        let c = GroupConfusion::from_arrays(&codes, y, y, None).unwrap();
        LabelledConfusion::new(c, Some(labels)).unwrap()
    }

    #[test]
    fn labels_merge_per_label_whatever_the_order_they_were_met_in() {
        let mut a = acc(&["x", "y", "x"], &[1, 0, 1]);
        let b = acc(&["y", "z", "x"], &[1, 1, 0]);
        a.merge(&b).unwrap();
        let whole = acc(&["x", "y", "x", "y", "z", "x"], &[1, 0, 1, 1, 1, 0]);
        assert_eq!(a, whole);
        assert_eq!(a.labels().unwrap(), ["x", "y", "z"]);
    }

    #[test]
    fn codes_and_labels_do_not_mix_unless_one_side_is_empty() {
        let labelled = acc(&["x", "y"], &[1, 0]);
        let codes = LabelledConfusion::from_codes(
            GroupConfusion::from_arrays(&[0, 1], &[1u8, 0], &[1u8, 0], None).unwrap(),
        );
        let mut a = labelled.clone();
        let e = a.merge(&codes).unwrap_err();
        assert!(e.to_string().contains("`other`"), "{e}");
        assert_eq!(a, labelled, "a rejected merge changed the accumulator");
        let mut c = codes.clone();
        assert!(c.merge(&labelled).is_err());
        assert_eq!(c, codes);
        // an empty start takes the other's coding
        let mut start = LabelledConfusion::from_codes(GroupConfusion::new(0));
        start.merge(&labelled).unwrap();
        assert_eq!(start, labelled);
        let mut l = labelled.clone();
        l.merge(&LabelledConfusion::from_codes(GroupConfusion::new(5)))
            .unwrap();
        assert_eq!(l, labelled);
    }

    #[test]
    fn unlabelled_rows_cannot_be_matched() {
        let mut counts = GroupConfusion::new(3);
        counts.add(2, true, true, 1.0).unwrap();
        let other = LabelledConfusion::new(counts, Some(vec!["p".into()])).unwrap();
        let mut a = acc(&["x"], &[1]);
        let before = a.clone();
        let e = a.merge(&other).unwrap_err();
        assert!(e.to_string().contains("other.groups[2]"), "{e}");
        assert_eq!(a, before);
    }

    #[test]
    fn state_is_validated_when_read() {
        let ok = r#"{"groups":[{"tp":1,"fp":0,"tn":0,"fn_":0,"rows":1}],"labels":["a"]}"#;
        let a: LabelledConfusion = serde_json::from_str(ok).unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap().replace(".0", ""), ok);
        for bad in [
            r#"{"groups":[{"tp":-1,"fp":0,"tn":0,"fn_":0,"rows":1}]}"#,
            r#"{"groups":[],"labels":["a"]}"#,
            r#"{"groups":[{"tp":1,"fp":0,"tn":0,"fn_":0,"rows":1},{"tp":1,"fp":0,"tn":0,"fn_":0,"rows":1}],"labels":["a","a"]}"#,
            r#"{"groups":[],"bogus":1}"#,
        ] {
            assert!(
                serde_json::from_str::<LabelledConfusion>(bad).is_err(),
                "{bad}"
            );
        }
    }
}
