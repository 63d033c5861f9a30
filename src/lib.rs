//! Trajex: an explorer for agent trajectory datasets (nvidia/Open-SWE-Traces, SWE-Zero, SWE-Hero,
//! nebius, SWE-Gym, SWE-smith, ...) that runs in the browser as WebAssembly, with a native
//! command-line twin (`trajex`) over the same core.
//!
//! # Architecture
//!
//! Three layers, each in its own folder; read them in this order.
//!
//! 1. [`domain`] (`src/domain/`): the pure core. Raw rows in, [`domain::Trajectory`] values,
//!    metrics and diagnostics out. **Invariant:** no IO and no browser crates (leptos, web-sys,
//!    js-sys, wasm-bindgen, gloo); it is compiled and tested natively. Parsing never fails as a
//!    whole: it returns a value plus diagnostics.
//! 2. `net` (`src/net/`, wasm only): the only code that talks to the network (fetch with
//!    streaming bodies). It feeds bytes to the core's decoders and knows nothing of the UI.
//! 3. `ui` (`src/ui/`, wasm only): Leptos components that render core values. No parsing, no
//!    metric maths and no URL building in components.
//!
//! `src/bin/trajex.rs` is the native command line (`trajex inspect FILE...`), `src/main.rs` the
//! web entry point that Trunk builds. `tests/architecture.rs` reads the sources and fails when a
//! layer imports what it must not.

pub mod domain;

#[cfg(target_arch = "wasm32")]
pub mod net;
#[cfg(target_arch = "wasm32")]
pub mod ui;
