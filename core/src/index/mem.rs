//! Page placement for the large arrays a graph walk reads at random (vectors, layer-0 links).
//!
//! An HNSW query or insertion touches a few thousand rows scattered over the whole store; with
//! 4 KiB pages nearly every row costs a TLB miss (100k × 384 f32 rows span 37,500 pages; an
//! AMD Zen 4 L2 TLB covers 3,072), and under virtualisation each miss is a two-dimensional page
//! walk. Backing those arrays with 2 MiB transparent huge pages removes most of them (Linux
//! `madvise(MADV_HUGEPAGE)`, honoured when `/sys/kernel/mm/transparent_hugepage/enabled` is
//! `always` or `madvise`). This is only a hint: contents and results never depend on it, and
//! elsewhere (other systems, THP `never`) the functions do nothing.

/// Huge page size on x86-64 and ARM64 Linux (PMD size with 4 KiB base pages).
const HUGE: usize = 2 << 20;

/// Arrays smaller than this are left alone (they fit a few huge pages at most, and the copy in
/// [`rehome`] would not pay).
const MIN_BYTES: usize = 4 * HUGE;

/// Asks the kernel to back the 2 MiB-aligned part of `v`'s allocation (its whole capacity) with
/// huge pages. Pages touched later are then allocated huge; pages already touched stay as they
/// are until the kernel's background collapse gets to them (use [`rehome`] for a filled
/// vector). No effect on contents.
pub(crate) fn advise_huge<T>(v: &Vec<T>) {
    let bytes = v.capacity() * std::mem::size_of::<T>();
    if bytes < MIN_BYTES {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let start = (v.as_ptr() as usize).next_multiple_of(HUGE);
        let end = (v.as_ptr() as usize + bytes) / HUGE * HUGE;
        if end > start {
            // SAFETY: [start, end) lies inside `v`'s live allocation (rounded inwards to
            // 2 MiB boundaries), which this process owns; MADV_HUGEPAGE only changes how the
            // kernel backs those pages, never their contents, so no Rust reference is
            // affected. A failure (an old kernel, THP compiled out) leaves the pages as they
            // were and is ignored on purpose: this is a performance hint.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
}

/// Moves a filled vector into a fresh allocation advised with [`advise_huge`] before any of it
/// is touched, so that it is backed by huge pages from the start (one copy; used when an index
/// is built or loaded). Small vectors are left where they are.
pub(crate) fn rehome<T: Copy>(v: &mut Vec<T>) {
    if v.capacity() * std::mem::size_of::<T>() < MIN_BYTES {
        return;
    }
    let mut fresh = Vec::with_capacity(v.capacity());
    advise_huge(&fresh);
    fresh.extend_from_slice(v);
    *v = fresh;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rehome_keeps_contents_and_capacity() {
        for n in [0usize, 10, MIN_BYTES / 4 + 12_345] {
            let mut v: Vec<f32> = (0..n).map(|i| i as f32 * 0.5).collect();
            v.reserve(100);
            let before = v.clone();
            let cap = v.capacity();
            rehome(&mut v);
            assert_eq!(v, before);
            assert!(v.capacity() >= cap.min(before.len() + 100));
            advise_huge(&v);
            v.push(1.0);
            assert_eq!(v.len(), n + 1);
        }
    }
}
