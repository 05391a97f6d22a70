//! Node.js binding of fairmatch (napi-rs 3): the native half of the npm package `fairmatch`.
//!
//! Thin by design: each export converts its arguments ([`convert`], [`case`]), calls one core
//! function — on the libuv pool for anything that does real work ([`task`]) — and maps the
//! error ([`error`]). Objects cross as JSON text with camelCase field names (`index.js`
//! stringifies and parses; the typed surface is `index.d.ts`), except recommendations, which
//! come back as a tape ([`tape`], decoded by `tape.js`); vectors and metric inputs cross as
//! typed arrays read in place. Every export is `catch_unwind`: a panic becomes an
//! `INTERNAL` error, never an aborted process. No algorithm lives here.

// napi-derive registers exports only outside `cargo test`; there the exports look unused.
#![cfg_attr(test, allow(dead_code))]

mod bench;
mod case;
mod convert;
mod engine;
mod error;
mod index;
mod metrics;
mod rerank;
mod tape;
mod task;
mod taxonomy;

use napi_derive::napi;

/// The core's nesting limit for object inputs (`index.js` checks it before sending).
#[napi]
pub const MAX_NESTING: u32 = fairmatch::MAX_NESTING as u32;

/// The core's budget of values in one input (`index.js` checks it before sending).
#[napi]
pub const MAX_INPUT_NODES: u32 = fairmatch::MAX_INPUT_NODES as u32;

/// The version of the native addon (the workspace version).
#[napi(catch_unwind)]
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The tag that starts the message of every native error (see `error.rs`).
#[napi(catch_unwind)]
pub fn error_tag() -> &'static str {
    error::TAG
}

/// Test-only (not in `index.d.ts`, not an ESM export; `test/panic.test.js` uses it): panics
/// — `on` the JavaScript thread (`"js"`), inside a task on the libuv pool (`"libuv"`), on the
/// rayon pool (`"rayon"`), or in the second step of a staged rayon call settled before it
/// (`"rayon-finish"`) or after it (`"rayon-finish-late"`) — when the environment variable `FAIRMATCH_TEST_PANIC` is `1`, to
/// prove that a panic reaches the caller as an `INTERNAL` error and the process lives on.
/// Without the variable it panics never and rejects the call as `INVALID_INPUT`.
#[napi(js_name = "__panicForTest", catch_unwind)]
pub fn panic_for_test<'e>(
    env: &'e napi::Env,
    on: String,
) -> napi::Result<
    napi::bindgen_prelude::Either<
        napi::bindgen_prelude::AsyncTask<task::Work<()>>,
        napi::bindgen_prelude::Object<'e>,
    >,
> {
    use error::IntoNapi;
    use napi::bindgen_prelude::Either;
    if std::env::var_os("FAIRMATCH_TEST_PANIC").is_none_or(|v| v != "1") {
        return Err(fairmatch::Error::invalid(
            "process.env",
            "FAIRMATCH_TEST_PANIC must be 1 (a test-only export)",
        ))
        .napi();
    }
    match on.as_str() {
        "libuv" => Ok(Either::A(task::run(|| {
            panic!("test panic on the libuv pool")
        }))),
        "rayon" => task::spawn_lockfree::<(), _>(env, || panic!("test panic on the rayon pool"))
            .map(Either::B),
        // a panic in the second step of a staged call, settled before it ran (`early`) or after
        "rayon-finish" | "rayon-finish-late" => {
            let early = on == "rayon-finish";
            task::spawn_staged(
                env,
                |_| Some(Ok(())),
                |_: &mut ()| -> fairmatch::Result<()> {
                    panic!("test panic while finishing on the rayon pool")
                },
                move |_| early,
            )
            .map(Either::B)
        }
        _ => panic!("test panic on the JavaScript thread"),
    }
}
