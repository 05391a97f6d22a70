//! Public ids: a one-letter kind and the database row id (`j17` is job 17, `f3` freelancer
//! 3). The engine uses the same strings as its external ids, so an id in a recommendation is
//! the id the REST API takes, and a job id can never be mistaken for a freelancer id.

use crate::error::{ApiError, ApiResult};

/// The kinds of resource with a public id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An account.
    User,
    /// A freelancer profile.
    Freelancer,
    /// A job.
    Job,
    /// A proposal.
    Proposal,
    /// A contract.
    Contract,
    /// A review.
    Review,
}

impl Kind {
    fn prefix(self) -> char {
        match self {
            Kind::User => 'u',
            Kind::Freelancer => 'f',
            Kind::Job => 'j',
            Kind::Proposal => 'p',
            Kind::Contract => 'c',
            Kind::Review => 'r',
        }
    }

    /// The kind's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Freelancer => "freelancer",
            Kind::Job => "job",
            Kind::Proposal => "proposal",
            Kind::Contract => "contract",
            Kind::Review => "review",
        }
    }

    /// The public id of row `id`.
    pub fn id(self, id: i64) -> String {
        format!("{}{id}", self.prefix())
    }

    /// The row id of a public id; anything else (another kind, not a number) is a 404 that
    /// names what was asked for.
    pub fn parse(self, s: &str) -> ApiResult<i64> {
        s.strip_prefix(self.prefix())
            .filter(|d| !d.is_empty() && d.len() <= 18 && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<i64>().ok())
            .ok_or_else(|| ApiError::not_found(format!("{} `{s}`", self.name())))
    }

    /// A 404 for row `id` of this kind.
    pub fn missing(self, id: i64) -> ApiError {
        ApiError::not_found(format!("{} `{}`", self.name(), self.id(id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_kinds_do_not_mix() {
        assert_eq!(Kind::Job.id(17), "j17");
        assert_eq!(Kind::Job.parse("j17").unwrap(), 17);
        assert_eq!(Kind::Job.parse("f17").unwrap_err().status.as_u16(), 404);
        assert!(Kind::Job.parse("j").is_err());
        assert!(Kind::Job.parse("j-1").is_err());
        assert!(Kind::Job.parse("j99999999999999999999").is_err());
        assert_eq!(
            Kind::Contract.missing(4).message,
            "no contract `c4`".to_owned()
        );
    }
}
