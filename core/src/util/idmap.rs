//! A map from caller-chosen `u32` ids to dense slots whose memory follows the number of
//! entries, not the size of the largest id.
//!
//! The vector indexes address rows by ids the caller picks (the engine's dense doc ids, or
//! any `u32` through the standalone index API). A plain `Vec` indexed by id would make one
//! row with id 2^28 cost a gigabyte; a hash map would slow the dense case every lookup.
//! [`IdMap`] is a `Vec` while ids stay compact (the largest id below `2·entries + 4096`) and
//! turns into a hash map the first time an id would break that bound, so its memory is
//! O(entries) either way.

use std::collections::HashMap;

/// The empty slot of the dense form.
pub(crate) const NONE: u32 = u32::MAX;
/// Ids below this always fit the dense form.
const DENSE_FLOOR: usize = 4096;

/// `u32` id → `u32` slot (see the module docs). Slot `u32::MAX` is reserved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IdMap {
    /// `slots[id]`, `NONE` where absent; `len` entries present.
    Dense { slots: Vec<u32>, len: usize },
    /// Sparse ids.
    Hashed(HashMap<u32, u32>),
}

impl Default for IdMap {
    fn default() -> Self {
        IdMap::Dense {
            slots: Vec::new(),
            len: 0,
        }
    }
}

impl IdMap {
    /// The slot of `id`, if present.
    #[inline]
    pub(crate) fn get(&self, id: u32) -> Option<u32> {
        match self {
            IdMap::Dense { slots, .. } => slots.get(id as usize).copied().filter(|&s| s != NONE),
            IdMap::Hashed(m) => m.get(&id).copied(),
        }
    }

    /// Number of ids present.
    pub(crate) fn len(&self) -> usize {
        match self {
            IdMap::Dense { len, .. } => *len,
            IdMap::Hashed(m) => m.len(),
        }
    }

    /// Maps `id` to `slot` (`slot < u32::MAX`); returns the previous slot.
    pub(crate) fn insert(&mut self, id: u32, slot: u32) -> Option<u32> {
        debug_assert!(slot != NONE);
        if let IdMap::Dense { slots, len } = self {
            let i = id as usize;
            if i >= slots.len() {
                if i < 2 * (*len + 1) + DENSE_FLOOR {
                    let grow = (i + 1)
                        .max(slots.len() * 2)
                        .min(2 * (*len + 1) + DENSE_FLOOR);
                    slots.resize(grow, NONE);
                } else {
                    let m: HashMap<u32, u32> = slots
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| **s != NONE)
                        .map(|(i, s)| (i as u32, *s))
                        .collect();
                    *self = IdMap::Hashed(m);
                    return self.insert(id, slot);
                }
            }
            let old = std::mem::replace(&mut slots[i], slot);
            if old == NONE {
                *len += 1;
                return None;
            }
            return Some(old);
        }
        match self {
            IdMap::Hashed(m) => m.insert(id, slot),
            IdMap::Dense { .. } => None,
        }
    }

    /// Removes `id`; returns its slot.
    pub(crate) fn remove(&mut self, id: u32) -> Option<u32> {
        match self {
            IdMap::Dense { slots, len } => {
                let s = slots.get_mut(id as usize)?;
                let old = std::mem::replace(s, NONE);
                (old != NONE).then(|| {
                    *len -= 1;
                    old
                })
            }
            IdMap::Hashed(m) => m.remove(&id),
        }
    }

    /// Every `(id, slot)`, ids ascending.
    pub(crate) fn sorted(&self) -> Vec<(u32, u32)> {
        match self {
            IdMap::Dense { slots, .. } => slots
                .iter()
                .enumerate()
                .filter(|(_, s)| **s != NONE)
                .map(|(i, s)| (i as u32, *s))
                .collect(),
            IdMap::Hashed(m) => {
                let mut v: Vec<(u32, u32)> = m.iter().map(|(i, s)| (*i, *s)).collect();
                v.sort_unstable();
                v
            }
        }
    }

    /// Bytes held (approximately, for the hashed form).
    pub(crate) fn memory_bytes(&self) -> usize {
        match self {
            IdMap::Dense { slots, .. } => slots.capacity() * 4,
            IdMap::Hashed(m) => m.capacity() * 12,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_until_ids_are_sparse_then_hashed() {
        let mut m = IdMap::default();
        for i in 0..100u32 {
            assert_eq!(m.insert(i, i * 2), None);
        }
        assert!(matches!(m, IdMap::Dense { .. }));
        assert_eq!(m.insert(5, 1), Some(10));
        assert_eq!(m.get(5), Some(1));
        assert_eq!(m.remove(7), Some(14));
        assert_eq!((m.get(7), m.remove(7), m.len()), (None, None, 99));
        m.insert(1 << 28, 3);
        assert!(
            matches!(m, IdMap::Hashed(_)),
            "one huge id does not allocate 2^28 slots"
        );
        assert!(m.memory_bytes() < 1 << 16);
        assert_eq!((m.get(1 << 28), m.get(5), m.len()), (Some(3), Some(1), 100));
        let s = m.sorted();
        assert_eq!(s.len(), 100);
        assert!(s.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(s.last(), Some(&(1 << 28, 3)));
        let mut big = IdMap::default();
        big.insert(u32::MAX, 0);
        assert_eq!(big.get(u32::MAX), Some(0));
    }
}
