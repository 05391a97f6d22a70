//! The simulated marketplace of the learning tests (`learn_recovery`, `learn_ope`): hidden
//! true coefficients with another emphasis than the default preset's (rate, recency and
//! availability matter more, skills and reputation less), a logarithmic examination curve,
//! the default weights as the logging policy, the top 10 explored.

use fairmatch::learn::simulate::{SimConfig, SimTruth};
use fairmatch::score::DEFAULT_FACTORS;

/// Hidden true coefficients, in `DEFAULT_FACTORS` order.
pub const TRUE_W: [f64; 9] = [1.0, 1.6, 0.2, 0.9, 0.4, 1.2, 0.1, 0.6, 0.5];

/// `n_slates` lists of 20 under the truth above; `explore_share` of them explored.
pub fn sim_config(seed: u64, explore_share: f64, n_slates: usize) -> SimConfig {
    SimConfig {
        n_slates,
        slate_len: 20,
        factor_names: DEFAULT_FACTORS.iter().map(|f| f.0.to_owned()).collect(),
        logger_weights: DEFAULT_FACTORS.iter().map(|f| f.1).collect(),
        truth: SimTruth {
            weights: TRUE_W.to_vec(),
            intercept: -3.0,
            theta: SimTruth::log_curve(20),
        },
        explore_share,
        explore_top_m: 10,
        temperature: 0.1,
        n_clients: 0,
        hire_given_click: 0.1,
        seed,
    }
}
