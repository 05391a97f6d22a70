//! The marketplace's state machines: which action moves a job, a proposal or a contract from
//! which state to which. Everything else asks these tables; an action a state does not allow
//! is a 409 `invalid_transition` naming both.
//!
//! The shapes follow the negotiation process of Sharetribe's web template (research
//! marketplace.md §4.2): proposals are submitted, shortlisted, withdrawn, declined or
//! accepted; an accepted proposal makes a contract; a contract is delivered, may go back for
//! changes, and is completed by the client or automatically 14 days after the last delivery;
//! reviews are double-blind for 7 days after completion.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

/// Defines a status enum with its text form (as stored and as sent), its parse, and a
/// transition table of `action: [from states] => to`.
macro_rules! lifecycle {
    (
        $(#[$meta:meta])* $status:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }
        $(#[$ameta:meta])* $action:ident {
            $($(#[$actmeta:meta])* $act:ident = $acttext:literal : [$($from:ident),+] => $to:ident),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $status {
            $($(#[$vmeta])* $variant),+
        }

        impl $status {
            /// The text form (as stored in the database and sent in JSON).
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// Parses the text form; `None` for anything else.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some(Self::$variant),)+ _ => None }
            }

            /// Every status.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
        }

        $(#[$ameta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $action {
            $($(#[$actmeta])* $act),+
        }

        impl $action {
            /// The action's name in messages.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$act => $acttext),+ }
            }

            /// The state this action leads to from `from`, if `from` allows it.
            pub fn next(self, from: $status) -> Option<$status> {
                match self {
                    $(Self::$act => matches!(from, $($status::$from)|+).then_some($status::$to),)+
                }
            }

            /// [`Self::next`], or a 409 naming the action, the kind and the state.
            pub fn apply(self, from: $status, what: &str) -> ApiResult<$status> {
                self.next(from).ok_or_else(|| ApiError::transition(format!(
                    "cannot {} {what}: it is {}", self.as_str(), from.as_str().replace('_', " ")
                )))
            }
        }
    };
}

lifecycle! {
    /// Where a job is.
    JobStatus {
        /// Created, not yet visible to freelancers.
        Draft = "draft",
        /// Visible and taking proposals.
        Open = "open",
        /// Not taking proposals (can be reopened; proposals already in can be accepted).
        Closed = "closed",
        /// A proposal was accepted; the contract runs.
        InProgress = "in_progress",
        /// The contract was completed.
        Completed = "completed",
        /// Cancelled by the client (terminal).
        Cancelled = "cancelled",
    }
    /// What can happen to a job.
    JobAction {
        /// Publish (or reopen).
        Open = "open": [Draft, Closed] => Open,
        /// Stop taking proposals.
        Close = "close": [Open] => Closed,
        /// Cancel; an active contract is cancelled with it.
        Cancel = "cancel": [Draft, Open, Closed, InProgress] => Cancelled,
        /// Change the body (title, skills, budget, …).
        Edit = "edit": [Draft, Open, Closed] => Open,
        /// Accept a proposal.
        Hire = "hire": [Open, Closed] => InProgress,
        /// The contract was completed.
        Complete = "complete": [InProgress] => Completed,
    }
}

lifecycle! {
    /// Where a proposal is.
    ProposalStatus {
        /// Sent by the freelancer.
        Submitted = "submitted",
        /// Put on the client's shortlist.
        Shortlisted = "shortlisted",
        /// Taken back by the freelancer (terminal).
        Withdrawn = "withdrawn",
        /// Declined by the client, or by the acceptance of another proposal (terminal).
        Declined = "declined",
        /// Accepted: a contract exists (terminal).
        Accepted = "accepted",
    }
    /// What can happen to a proposal.
    ProposalAction {
        /// The freelancer takes it back.
        Withdraw = "withdraw": [Submitted, Shortlisted] => Withdrawn,
        /// The client shortlists it.
        Shortlist = "shortlist": [Submitted] => Shortlisted,
        /// The client declines it.
        Decline = "decline": [Submitted, Shortlisted] => Declined,
        /// The client accepts it.
        Accept = "accept": [Submitted, Shortlisted] => Accepted,
    }
}

lifecycle! {
    /// Where a contract is.
    ContractStatus {
        /// Work in progress.
        Active = "active",
        /// The freelancer delivered; the client accepts or asks for changes.
        Delivered = "delivered",
        /// The client asked for changes; the freelancer delivers again.
        ChangesRequested = "changes_requested",
        /// Accepted by the client or automatically (terminal).
        Completed = "completed",
        /// Cancelled with its job (terminal).
        Cancelled = "cancelled",
    }
    /// What can happen to a contract.
    ContractAction {
        /// The freelancer delivers.
        Deliver = "deliver": [Active, ChangesRequested] => Delivered,
        /// The client asks for changes.
        RequestChanges = "request changes on": [Delivered] => ChangesRequested,
        /// The client accepts the delivery (or the 14-day timer does).
        Accept = "accept": [Delivered] => Completed,
        /// The job was cancelled.
        Cancel = "cancel": [Active, Delivered, ChangesRequested] => Cancelled,
    }
}

impl JobStatus {
    /// Whether the engine should recommend this job (only open jobs are).
    pub fn is_open(self) -> bool {
        self == JobStatus::Open
    }
}

impl JobAction {
    /// [`JobAction::apply`] for edits, which keep the state.
    pub fn check_edit(from: JobStatus) -> ApiResult<JobStatus> {
        JobAction::Edit.apply(from, "this job").map(|_| from)
    }
}

impl ContractStatus {
    /// Whether the contract still runs (counts as an active contract of the freelancer).
    pub fn is_running(self) -> bool {
        matches!(
            self,
            ContractStatus::Active | ContractStatus::Delivered | ContractStatus::ChangesRequested
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_round_trips_through_text() {
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(*s));
        }
        for s in ProposalStatus::ALL {
            assert_eq!(ProposalStatus::parse(s.as_str()), Some(*s));
        }
        for s in ContractStatus::ALL {
            assert_eq!(ContractStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(JobStatus::parse("archived"), None);
    }

    #[test]
    fn jobs_follow_the_table() {
        use JobStatus::*;
        assert_eq!(JobAction::Open.next(Draft), Some(Open));
        assert_eq!(JobAction::Open.next(Closed), Some(Open));
        assert_eq!(JobAction::Open.next(Completed), None);
        assert_eq!(JobAction::Close.next(Draft), None);
        assert_eq!(JobAction::Hire.next(Closed), Some(InProgress));
        assert_eq!(JobAction::Cancel.next(Completed), None);
        assert_eq!(JobAction::check_edit(Closed).unwrap(), Closed);
        let e = JobAction::Open.apply(Completed, "job j1").unwrap_err();
        assert_eq!(e.status, axum::http::StatusCode::CONFLICT);
        assert_eq!(e.message, "cannot open job j1: it is completed");
    }

    #[test]
    fn proposals_and_contracts_follow_the_table() {
        use ContractStatus as C;
        use ProposalStatus as P;
        assert_eq!(ProposalAction::Accept.next(P::Withdrawn), None);
        assert_eq!(ProposalAction::Shortlist.next(P::Shortlisted), None);
        assert_eq!(
            ProposalAction::Accept.next(P::Shortlisted),
            Some(P::Accepted)
        );
        assert_eq!(ContractAction::Deliver.next(C::Cancelled), None);
        assert_eq!(
            ContractAction::Deliver.next(C::ChangesRequested),
            Some(C::Delivered)
        );
        assert_eq!(ContractAction::Accept.next(C::Active), None);
        assert!(C::Delivered.is_running() && !C::Completed.is_running());
    }
}
