//! The interpreter: calls, the instruction loop, metamethods and errors.

pub mod api;
