//! The event path: shown lists (event log and exposure ledger) and outcomes (event log and
//! the freelancer's history).

use super::{Engine, MeritSource, State};
use crate::domain::{History, Impressions, Outcome, OutcomeKind};
use crate::error::{EntityKind, Error, Result};
use crate::rerank::ExposureLedger;

impl Engine {
    /// Records one shown list. Every freelancer id must be known (`UnknownId` otherwise; the
    /// job id too when given); nothing is recorded on error.
    pub fn record_impressions(&self, imp: &Impressions) -> Result<()> {
        imp.validate()?;
        let mut s = self.state.write();
        let job = match &imp.job_id {
            Some(j) => Some(s.catalog.job_doc(j)?),
            None => None,
        };
        let docs: Vec<u32> = imp
            .freelancer_ids
            .iter()
            .map(|id| s.catalog.freelancer_doc(id))
            .collect::<Result<_>>()?;
        // what the impression log keeps, computed before anything changes
        let logged = Engine::log_entry(&s, imp, job, &docs);
        let s_merit_from_scores = s.config.learning.fairco_merit == MeritSource::Scores;
        let State {
            catalog,
            events,
            ledger,
            ..
        } = &mut *s;
        // The ledger's clock never goes back: an impression older than the latest one is
        // recorded at the latest time (its exposure is not decayed further).
        let t = (imp.at.timestamp() as f64).max(ledger.now().unwrap_or(f64::MIN));
        let mut by_position: Vec<(u32, u32)> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (imp.position(i), *d))
            .collect();
        by_position.sort_unstable();
        let ranking: Vec<u32> = by_position.iter().map(|(_, d)| *d).collect();
        ledger.record(&ranking, t)?;
        let merit_from_scores = s_merit_from_scores;
        if let Some(scores) = imp.scores.as_ref().filter(|_| merit_from_scores) {
            let merits: Vec<(u32, f64)> =
                docs.iter().copied().zip(scores.iter().copied()).collect();
            ledger.record_merit(&merits, t)?;
        }
        for (i, d) in docs.iter().enumerate() {
            let attrs = &catalog.freelancers[*d as usize]
                .as_ref()
                .map(|e| &e.input.attributes);
            let empty = Default::default();
            events.impression(*d, job, imp.position(i), imp.at, attrs.unwrap_or(&empty));
        }
        if let Some(entry) = logged {
            entry.apply(&mut s)?;
        }
        Ok(())
    }

    /// A copy of the exposure ledger (keys are internal freelancer ids).
    pub fn ledger(&self) -> ExposureLedger {
        self.state.read().ledger.clone()
    }

    /// Records one outcome and updates the freelancer's history (see the module docs for how
    /// this combines with histories supplied on upsert). Rejects unknown ids and an outcome
    /// that would push a history count past `u32::MAX`; nothing is recorded on error.
    pub fn record_outcome(&self, o: &Outcome) -> Result<()> {
        o.validate()?;
        let mut s = self.state.write();
        let d = s.catalog.freelancer_doc(&o.freelancer_id)?;
        let job = match &o.job_id {
            Some(j) => Some(s.catalog.job_doc(j)?),
            None => None,
        };
        let Some(entry) = s.catalog.freelancers[d as usize].as_ref() else {
            return Err(Error::unknown(EntityKind::Freelancer, &o.freelancer_id));
        };
        let mut h = entry.history.clone();
        apply_outcome(&mut h, o)?;
        // FairCo's propensity-weighted merit (the ledger's clock never goes back; the merit
        // is finite and ≥ 0, so this is the last step that can fail)
        let merit = Engine::click_merit(&s, job, d, o.kind);
        if let Some(m) = merit {
            let t = (o.at.timestamp() as f64).max(s.ledger.now().unwrap_or(f64::MIN));
            s.ledger.record_merit(&[(d, m)], t)?;
        }
        let State {
            catalog, events, ..
        } = &mut *s;
        let Some(entry) = catalog.freelancers[d as usize].as_ref() else {
            return Err(Error::unknown(EntityKind::Freelancer, &o.freelancer_id));
        };
        events.outcome(d, job, o.kind, o.rating, o.at, &entry.input.attributes);
        catalog.set_history(d, h);
        Engine::log_outcome(&mut s, job, d, o.kind);
        Ok(())
    }
}

/// How an outcome changes a history (counts stay consistent: completed ≤ total, accepted ≤
/// sent, active ≤ total). A count that would pass `u32::MAX` rejects the outcome (field
/// `freelancer.history.<count>`) instead of wrapping, so every history the engine holds
/// passes `History::validate` and its snapshot loads.
fn apply_outcome(h: &mut History, o: &Outcome) -> Result<()> {
    fn inc(x: u32, name: &str) -> Result<u32> {
        x.checked_add(1).ok_or_else(|| {
            Error::invalid(
                format!("freelancer.history.{name}"),
                format!(
                    "is at its maximum ({}); the outcome cannot be counted",
                    u32::MAX
                ),
            )
        })
    }
    let later = |a: Option<chrono::DateTime<chrono::Utc>>| Some(a.map_or(o.at, |x| x.max(o.at)));
    match o.kind {
        OutcomeKind::Viewed | OutcomeKind::Shortlisted => {}
        OutcomeKind::Applied => {
            h.proposals_sent = inc(h.proposals_sent, "proposals_sent")?;
            h.last_proposal_at = later(h.last_proposal_at);
        }
        OutcomeKind::Hired => {
            h.proposals_accepted = inc(h.proposals_accepted, "proposals_accepted")?;
            h.proposals_sent = h.proposals_sent.max(h.proposals_accepted);
            h.contracts_total = inc(h.contracts_total, "contracts_total")?;
            h.active_contracts = inc(h.active_contracts, "active_contracts")?;
            h.last_contract_at = later(h.last_contract_at);
        }
        OutcomeKind::Completed => {
            h.contracts_completed = inc(h.contracts_completed, "contracts_completed")?;
            h.active_contracts = h.active_contracts.saturating_sub(1);
            let total = h
                .contracts_completed
                .checked_add(h.active_contracts)
                .ok_or_else(|| {
                    Error::invalid(
                        "freelancer.history.contracts_total",
                        format!(
                            "completed + active contracts would pass {}; the outcome cannot \
                             be counted",
                            u32::MAX
                        ),
                    )
                })?;
            h.contracts_total = h.contracts_total.max(total);
        }
        OutcomeKind::Reviewed => {
            h.ratings_count = inc(h.ratings_count, "ratings_count")?;
            h.ratings_sum += o.rating.unwrap_or(0.0);
        }
    }
    Ok(())
}
