//! The interpreter: calls, the instruction loop, metamethods and errors.

pub mod api;
pub mod call;
pub mod debuginfo;
pub mod exec;
pub mod hook;
pub mod hot;
pub mod load;
pub mod meta;
mod unchecked;
