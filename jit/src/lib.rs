//! The Ferrous tracing JIT (not built yet).
//!
//! This crate will hold the trace recorder that follows the interpreter through one loop
//! iteration, the trace cache and linking of side traces, the Cranelift backend, side exits
//! with snapshot restore, and the verification mode that checks traces against the
//! interpreter. The interpreter never depends on it: it installs itself through hooks.
#![forbid(unsafe_code)]
