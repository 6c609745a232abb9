//! The Ferrous interpreter: front end (lexer, parser, bytecode compiler), the interpreter
//! loop with its call frames and coroutines, and the standard library.
//!
//! - [`bytecode`]: the instruction set, the contract between compiler and interpreter;
//! - [`compiler`]: Lua source to [`bytecode::FuncProto`];
//! - [`chunk`]: `string.dump`'s binary format and the validating loader;
//! - [`vm`]: calls and frames, the instruction loop, metamethods, hooks, errors, and the
//!   API natives and hosts call into (`vm::api`);
//! - [`stdlib`]: the standard library.
//!
//! Unsafe code is denied except in `vm::unchecked` and the interpreter loop's macros
//! that call it (`vm::exec`).
#![deny(unsafe_code)]

pub mod bytecode;
pub mod chunk;
pub mod compiler;
pub mod stdlib;
pub mod vm;
