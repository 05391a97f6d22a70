//! Set operations on sorted, deduplicated slices.

/// `|A ∩ B|` of two sorted, deduplicated slices (one merge pass).
pub fn sorted_intersection_count<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    inter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_common_items() {
        assert_eq!(sorted_intersection_count(&[1, 3, 5, 7], &[2, 3, 7, 9]), 2);
        assert_eq!(sorted_intersection_count::<u32>(&[], &[1]), 0);
    }
}
