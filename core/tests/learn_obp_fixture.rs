//! Item-position IPS and self-normalised IPS agree with obp 0.5.7's `SlateIndependentIPS` and
//! `SelfNormalizedSlateIndependentIPS` on a fixed logged data set
//! (fixtures/golden/ope/obp_slate_ips.json, written by fixtures/gen/ope/gen.py).

use fairmatch::learn::{
    Estimator, ImpressionLog, LoggedItem, OpeConfig, Outcome, SlateMeta, Target, evaluate_offline,
};
use serde_json::Value;

#[test]
fn ips_and_snips_match_obp_to_1e_12() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/golden/ope/obp_slate_ips.json"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(doc["versions"]["obp"], "0.5.7");
    let slates = doc["slates"].as_array().unwrap();
    let d = slates[0]["items"][0]["factors"].as_array().unwrap().len();
    let mut log = ImpressionLog::new((0..d).map(|j| format!("f{j}")).collect());
    let mut candidate: Vec<Vec<u16>> = Vec::new();
    for (s, sl) in slates.iter().enumerate() {
        let items = sl["items"].as_array().unwrap();
        let logged: Vec<LoggedItem> = items
            .iter()
            .map(|it| LoggedItem {
                factors: it["factors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap() as f32)
                    .collect(),
                position: it["position"].as_u64().unwrap() as u16,
                propensity: it["propensity"].as_f64().unwrap() as f32,
            })
            .collect();
        let meta = SlateMeta {
            at: s as i64,
            client: None,
            explored: true,
        };
        let first = log.push_slate(meta, &logged).unwrap();
        for (i, it) in items.iter().enumerate() {
            if it["reward"].as_u64().unwrap() == 1 {
                log.set_outcome(first + i, Outcome::Viewed).unwrap();
            }
        }
        candidate.push(
            items
                .iter()
                .map(|it| it["candidate_position"].as_u64().unwrap() as u16)
                .collect(),
        );
    }
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for r in results {
        let k = r["k"].as_u64().unwrap() as usize;
        let cfg = OpeConfig {
            k,
            target: Target::Viewed,
            bootstrap_rounds: 10,
            seed: 1,
            confidence: 0.95,
        };
        let est = evaluate_offline(&log, |v| candidate[v.index()].clone(), None, &cfg).unwrap();
        assert_eq!(est.len(), 2, "no DR without a model");
        let get = |e: Estimator| est.iter().find(|x| x.estimator == e).unwrap().value;
        let (ips, snips) = (r["iips"].as_f64().unwrap(), r["sniips"].as_f64().unwrap());
        assert!(
            (get(Estimator::Ips) - ips).abs() < 1e-12,
            "k={k}: IPS {} vs obp {ips}",
            get(Estimator::Ips)
        );
        assert!(
            (get(Estimator::Snips) - snips).abs() < 1e-12,
            "k={k}: SNIPS {} vs obp {snips}",
            get(Estimator::Snips)
        );
        assert_eq!(est[0].n_slates, slates.len());
    }
}
