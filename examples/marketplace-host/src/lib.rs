//! # fairmatch-host
//!
//! The reference marketplace around the fairmatch engine: an axum server on 127.0.0.1 over
//! an embedded SQLite file (through sqlx, so PostgreSQL can follow behind the same queries),
//! with accounts and roles, profiles and jobs in the engine's own field names, recommendations
//! both ways that record impressions, proposals, contracts with delivery and automatic
//! acceptance, double-blind reviews, live matches over server-sent events, the engine's audit
//! as JSON and as a dashboard, Prometheus metrics and a generated OpenAPI document.
//!
//! The database is the source of truth: every write commits first and then updates the
//! engine, and a start rebuilds the engine from the database (`engine_sync`). The host holds
//! no matching logic: ranking, explanations, fairness re-ranking, event aggregation and
//! audits are the engine's (`fairmatch`), used through its public API only.
//!
//! Rooms: `api` (HTTP) → `service` (marketplace operations over a transaction) →
//! `engine_sync` (journal, rebuild, verify) and `db`; `flow` (state machines), `auth`,
//! `live` (SSE matches), `timers`, `dashboard` + `charts`, `metrics`, `demo` (seeded
//! marketplace), `load` (the load client), `client` (a minimal HTTP client for both).

pub mod api;
pub mod app;
pub mod auth;
pub mod charts;
pub mod client;
pub mod clock;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod engine_sync;
pub mod error;
pub mod flow;
pub mod host;
pub mod ids;
pub mod live;
pub mod load;
pub mod metrics;
pub mod model;
pub mod schema;
pub mod service;
pub mod timers;

pub use app::{Config, Running, start};
pub use clock::{Clock, ManualClock, SystemClock};
pub use host::Host;
