//! The impression log: serde round trips are byte-identical, crafted logs are rejected on
//! deserialisation with a typed error (never a panic), pushes are validated all-or-nothing.

use fairmatch::Error;
use fairmatch::learn::{ImpressionLog, LoggedItem, Outcome, SlateMeta};

fn item(x: [f32; 3], position: u16, propensity: f32) -> LoggedItem {
    LoggedItem {
        factors: x.to_vec(),
        position,
        propensity,
    }
}

fn sample_log() -> ImpressionLog {
    let mut log = ImpressionLog::new(vec!["skills".into(), "rate".into(), "semantic".into()]);
    let first = log
        .push_slate(
            SlateMeta {
                at: 100,
                client: Some(7),
                explored: true,
            },
            &[
                item([0.9, 0.1, f32::NAN], 1, 0.4),
                item([0.5, 0.5, 0.2], 0, 0.6),
                item([0.1, 0.2, 0.3], 2, 1.0),
            ],
        )
        .unwrap();
    assert_eq!(first, 0);
    let second = log
        .push_slate(
            SlateMeta {
                at: 200,
                client: None,
                explored: false,
            },
            &[item([0.3, 0.3, 0.3], 0, 1.0), item([0.2, 0.9, 0.1], 1, 1.0)],
        )
        .unwrap();
    assert_eq!(second, 3);
    log.set_outcome(1, Outcome::Viewed).unwrap();
    log.set_outcome(1, Outcome::Hired).unwrap();
    log.set_outcome(4, Outcome::Proposed).unwrap();
    log
}

fn bincode_cfg() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<{ 1 << 20 }>()
}

#[test]
fn round_trips_are_byte_identical() {
    let log = sample_log();
    assert_eq!((log.n_slates(), log.n_items()), (2, 5));
    assert_eq!(log.outcome_bits(1), Some(9));
    let json = serde_json::to_string(&log).unwrap();
    let back: ImpressionLog = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    let bytes = bincode::serde::encode_to_vec(&log, bincode_cfg()).unwrap();
    let (back, used): (ImpressionLog, usize) =
        bincode::serde::decode_from_slice(&bytes, bincode_cfg()).unwrap();
    assert_eq!(used, bytes.len());
    assert_eq!(
        bincode::serde::encode_to_vec(&back, bincode_cfg()).unwrap(),
        bytes
    );
    // NaN (not applicable) survives the binary codec
    assert!(back.slate(0).unwrap().factors(0)[2].is_nan());
    assert!(log.memory_bytes() >= 5 * (3 * 4 + 2 + 4 + 1));
}

fn rejected(edit: impl FnOnce(&mut serde_json::Value), what: &str) {
    let mut v = serde_json::to_value(sample_log()).unwrap();
    edit(&mut v);
    let text = v.to_string();
    let err = serde_json::from_str::<ImpressionLog>(&text)
        .unwrap_err()
        .to_string();
    assert!(err.contains(what), "expected `{what}` in: {err}");
}

#[test]
fn crafted_logs_are_rejected_on_deserialise() {
    rejected(|v| v["positions"][1] = 1.into(), "appears twice");
    rejected(|v| v["propensities"][0] = 0.0.into(), "propensity");
    rejected(|v| v["propensities"][0] = 1.5.into(), "(0, 1]");
    rejected(|v| v["propensities"][3] = 0.5.into(), "not explored");
    rejected(|v| v["outcomes"][2] = 64.into(), "unknown outcome bits");
    rejected(|v| v["slate_ends"][1] = 9.into(), "past 5 items");
    rejected(|v| v["slate_ends"][1] = 4.into(), "cover 4 of 5");
    rejected(|v| v["slate_ends"][0] = 0.into(), "empty");
    rejected(
        |v| {
            v["factors"]
                .as_array_mut()
                .unwrap()
                .pop()
                .map(|_| ())
                .unwrap()
        },
        "factors",
    );
    rejected(
        |v| {
            v["outcomes"]
                .as_array_mut()
                .unwrap()
                .pop()
                .map(|_| ())
                .unwrap()
        },
        "differ in length",
    );
    rejected(|v| v["factor_names"][1] = "skills".into(), "appears twice");
    rejected(
        |v| {
            v["slates"]
                .as_array_mut()
                .unwrap()
                .pop()
                .map(|_| ())
                .unwrap()
        },
        "2 ends for 1 slates",
    );
    // infinity cannot be written in JSON: check it through bincode
    let mut log = sample_log();
    let bytes = bincode::serde::encode_to_vec(&log, bincode_cfg()).unwrap();
    let pos = bytes
        .windows(4)
        .position(|w| w == 0.9f32.to_le_bytes())
        .expect("the first factor value is stored as f32 little-endian");
    let mut bad = bytes.clone();
    bad[pos..pos + 4].copy_from_slice(&f32::INFINITY.to_le_bytes());
    let err =
        bincode::serde::decode_from_slice::<ImpressionLog, _>(&bad, bincode_cfg()).unwrap_err();
    assert!(err.to_string().contains("must be finite"), "{err}");
    // truncations never panic
    for cut in 0..bytes.len() {
        assert!(
            bincode::serde::decode_from_slice::<ImpressionLog, _>(&bytes[..cut], bincode_cfg())
                .is_err()
        );
    }
    assert!(log.set_outcome(5, Outcome::Viewed).is_err());
}

#[test]
fn pushes_are_validated_all_or_nothing() {
    let mut log = sample_log();
    let before = serde_json::to_string(&log).unwrap();
    let meta = SlateMeta {
        at: 1,
        client: None,
        explored: true,
    };
    let cases: Vec<(Vec<LoggedItem>, &str)> = vec![
        (vec![], "at least one item"),
        (
            vec![item([0.1, 0.1, 0.1], 0, 0.5), item([0.2, 0.2, 0.2], 0, 0.5)],
            "slate.items[1].position",
        ),
        (
            vec![item([0.1, f32::INFINITY, 0.1], 0, 0.5)],
            "slate.items[0].factors[1]",
        ),
        (
            vec![item([0.1, 0.1, 0.1], 0, f32::NAN)],
            "slate.items[0].propensity",
        ),
        (
            vec![LoggedItem {
                factors: vec![0.1],
                position: 0,
                propensity: 1.0,
            }],
            "slate.items[0].factors",
        ),
    ];
    for (items, field) in cases {
        let err = log.push_slate(meta, &items).unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidInput { .. } | Error::DimensionMismatch { .. }
        ));
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
    assert_eq!(
        serde_json::to_string(&log).unwrap(),
        before,
        "nothing half-changed"
    );
    let mut empty = ImpressionLog::new(vec![]);
    assert!(empty.push_slate(meta, &[item([0.0; 3], 0, 1.0)]).is_err());
    assert!(ImpressionLog::with_factors(vec!["a".into(), "a".into()]).is_err());
}
