//! The pure core: the trajectory model, format detection and normalization, streaming decoding,
//! patches, metrics, aggregates, curation filters and export.
//!
//! Architecture invariant: nothing here does IO or knows about the browser. No leptos, web-sys,
//! js-sys, wasm-bindgen or gloo; no files, sockets or clocks. Every function takes values and
//! returns values (plus diagnostics), so all of it is tested natively with `cargo test`.
//! `tests/architecture.rs` enforces this.

pub mod aggregate;
pub mod archive;
pub mod chart;
pub mod compare;
pub mod diagnostic;
pub mod document;
pub mod export;
pub mod filter;
pub mod flags;
pub mod hub;
pub mod index;
pub mod inspect;
pub mod link;
pub mod metrics;
pub mod normalize;
pub mod parquet;
pub mod patch;
pub mod render;
pub mod stream;
pub mod template;
pub mod tokens;
pub mod trajectory;

pub use diagnostic::{Diagnostic, Severity};
pub use metrics::TrajectoryMetrics;
pub use normalize::normalize;
pub use trajectory::{Format, Message, Outcome, Role, SourceRef, ToolCall, Trajectory};
