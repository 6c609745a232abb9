//! The Ferrous interpreter: front end (lexer, parser, bytecode compiler), the interpreter
//! loop with its call frames and coroutines, and the standard library.

pub mod bytecode;
pub mod chunk;
pub mod compiler;
pub mod stdlib;
pub mod vm;
