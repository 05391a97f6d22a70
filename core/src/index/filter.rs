//! Allow-lists: which ids a search may return.

use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::util::BitSet;

/// The ids a search may return. Both forms mean the same thing; pick whichever the caller
/// already has.
///
/// - [`AllowList::Bits`]: a [`BitSet`] of allowed ids (O(1) membership).
/// - [`AllowList::Sorted`]: ids in **strictly ascending** order (binary-search membership).
///   An unsorted or duplicated list is rejected with [`Error::InvalidInput`] on field `allow`
///   (a binary search over an unsorted list would silently miss allowed ids).
///
/// An allow-list that admits no live row gives an empty result, not an error.
#[derive(Debug, Clone, Copy)]
pub enum AllowList<'a> {
    /// A bitset of allowed ids.
    Bits(&'a BitSet),
    /// Allowed ids, strictly ascending.
    Sorted(&'a [DocId]),
}

impl AllowList<'_> {
    /// Checks the list (sortedness for [`AllowList::Sorted`]).
    pub(crate) fn validate(&self) -> Result<()> {
        if let AllowList::Sorted(ids) = self
            && let Some(w) = ids.windows(2).position(|w| w[0] >= w[1])
        {
            return Err(Error::invalid(
                format!("allow[{}]", w + 1),
                "allow-list ids must be strictly ascending (sorted, no duplicates)",
            ));
        }
        Ok(())
    }

    /// Whether `id` is allowed.
    #[inline]
    pub fn contains(&self, id: DocId) -> bool {
        match self {
            AllowList::Bits(b) => b.contains(id),
            AllowList::Sorted(s) => s.binary_search(&id).is_ok(),
        }
    }

    /// Number of ids the list names (allowed ids that are not stored are counted too).
    pub fn len(&self) -> usize {
        match self {
            AllowList::Bits(b) => b.len(),
            AllowList::Sorted(s) => s.len(),
        }
    }

    /// Whether the list names no id at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f` on every allowed id in ascending order.
    pub(crate) fn for_each(&self, mut f: impl FnMut(DocId)) {
        match self {
            AllowList::Bits(b) => b.iter().for_each(&mut f),
            AllowList::Sorted(s) => s.iter().copied().for_each(&mut f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_lists_are_checked() {
        assert!(AllowList::Sorted(&[1, 2, 5]).validate().is_ok());
        let e = AllowList::Sorted(&[1, 5, 2]).validate().unwrap_err();
        assert!(e.to_string().contains("allow[2]"));
        assert!(AllowList::Sorted(&[1, 1]).validate().is_err());
        let b = BitSet::from_ids([3, 9]);
        let a = AllowList::Bits(&b);
        assert!(a.contains(9) && !a.contains(4));
        let mut seen = vec![];
        a.for_each(|i| seen.push(i));
        assert_eq!(seen, vec![3, 9]);
    }
}
