//! Top-k selection without sorting everything.
//!
//! Order: higher score first; equal scores break by **lower id first**. The id is any
//! totally ordered key: a row id in the vector indexes, and in the engine the candidate's
//! external id (so ties never depend on the order entities were upserted; DESIGN.md §1).
//! NaN scores are never admitted (callers validate inputs, and the collector ignores NaN
//! defensively so a bad value cannot corrupt the heap order).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Compares `(score, id)` pairs in result order: score descending, then id ascending.
pub fn cmp_score_desc_id_asc<S: PartialOrd, I: Ord>(a: (S, I), b: (S, I)) -> Ordering {
    b.0.partial_cmp(&a.0)
        .unwrap_or(Ordering::Equal)
        .then(a.1.cmp(&b.1))
}

/// Heap entry ordered so that the *worst* kept entry is at the top of the max-heap.
#[derive(Debug, Clone, Copy)]
struct Entry<S, I> {
    score: S,
    id: I,
}

impl<S: PartialOrd, I: Ord> PartialEq for Entry<S, I> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<S: PartialOrd, I: Ord> Eq for Entry<S, I> {}
impl<S: PartialOrd, I: Ord> PartialOrd for Entry<S, I> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<S: PartialOrd, I: Ord> Ord for Entry<S, I> {
    /// "Greater" = worse in result order, so the max-heap's top is the first to evict.
    fn cmp(&self, other: &Self) -> Ordering {
        // worse = lower score, or equal score and higher id
        other
            .score
            .partial_cmp(&self.score)
            .unwrap_or(Ordering::Equal)
            .then(self.id.cmp(&other.id))
    }
}

/// Keeps the best `k` `(score, id)` pairs seen so far (ids: `u32` row ids by default, or any
/// totally ordered key).
#[derive(Debug, Clone)]
pub struct TopK<S, I = u32> {
    k: usize,
    heap: BinaryHeap<Entry<S, I>>,
}

impl<S: PartialOrd + Copy, I: Ord + Copy> TopK<S, I> {
    /// A collector for the best `k` entries (`k = 0` keeps nothing).
    pub fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k.saturating_add(1).min(1 << 16)),
        }
    }

    /// The worst score currently kept, once `k` entries are held (a pruning threshold).
    pub fn threshold(&self) -> Option<S> {
        if self.heap.len() == self.k {
            self.heap.peek().map(|e| e.score)
        } else {
            None
        }
    }

    /// Offers one entry; O(log k). NaN scores are ignored.
    #[inline]
    pub fn push(&mut self, score: S, id: I) {
        #[allow(clippy::eq_op)]
        if score.partial_cmp(&score).is_none() || self.k == 0 {
            return;
        }
        let e = Entry { score, id };
        if self.heap.len() < self.k {
            self.heap.push(e);
        } else if let Some(mut top) = self.heap.peek_mut()
            && e < *top
        {
            *top = e;
        }
    }

    /// Adds every entry of `other` (collectors of disjoint candidate sets merge into the
    /// collector of their union; the result does not depend on how candidates were split).
    pub fn merge(&mut self, other: TopK<S, I>) {
        for e in other.heap {
            self.push(e.score, e.id);
        }
    }

    /// Number of entries held.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The kept entries in result order (best first).
    pub fn into_sorted_vec(self) -> Vec<(S, I)> {
        let mut v: Vec<(S, I)> = self.heap.into_iter().map(|e| (e.score, e.id)).collect();
        v.sort_by(|a, b| cmp_score_desc_id_asc(*a, *b));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ties_go_to_lower_id() {
        let mut t = TopK::new(2);
        for (s, id) in [(1.0, 5), (1.0, 3), (1.0, 4), (0.5, 0)] {
            t.push(s, id);
        }
        assert_eq!(t.into_sorted_vec(), vec![(1.0, 3), (1.0, 4)]);
    }

    #[test]
    fn nan_is_ignored_and_k0_keeps_nothing() {
        let mut t = TopK::new(3);
        t.push(f32::NAN, 1);
        t.push(0.1f32, 2);
        assert_eq!(t.into_sorted_vec(), vec![(0.1, 2)]);
        let mut t = TopK::new(0);
        t.push(1.0, 1);
        assert!(t.is_empty());
    }

    proptest! {
        #[test]
        fn equals_full_sort(scores in proptest::collection::vec(0u8..6, 0..200), k in 0usize..30) {
            let mut t = TopK::new(k);
            for (i, s) in scores.iter().enumerate() { t.push(*s as f32, i as u32); }
            let mut all: Vec<(f32, u32)> = scores.iter().enumerate().map(|(i, s)| (*s as f32, i as u32)).collect();
            all.sort_by(|a, b| cmp_score_desc_id_asc(*a, *b));
            all.truncate(k);
            prop_assert_eq!(t.into_sorted_vec(), all);
        }
    }
}
