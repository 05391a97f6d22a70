//! Integration tests over real HTTP on 127.0.0.1 against temporary SQLite files (one test
//! binary, so the workspace test build links the host once).

mod authz;
mod common;
mod durability;
mod flow;
mod inputs;
mod live;
mod system;
mod timers;
