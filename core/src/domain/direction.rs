//! Which side a request ranks.

use serde::{Deserialize, Serialize};

/// The direction of a request: which side is ranked for which anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Freelancers ranked for one job (`recommend_freelancers`, and the pair API, which
    /// answers as that ranking would).
    FreelancersForJob,
    /// Open jobs ranked for one freelancer (`recommend_jobs`).
    JobsForFreelancer,
}

impl Direction {
    /// Whether the ranked candidates are freelancers (the exposure ledger, impressions and
    /// hourly rates exist only for them).
    pub fn ranks_freelancers(self) -> bool {
        self == Direction::FreelancersForJob
    }
}
