//! The Ferrous FFI (not built yet).
//!
//! This crate will hold the C type system, the `ffi.cdef` parser, cdata objects,
//! `#[repr(C)]` host structs handed to Lua as cdata pointers, and yield-based host calls.
#![forbid(unsafe_code)]
