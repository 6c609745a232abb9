//! Ferrous: a Lua 5.4 virtual machine. This crate is the embedding API.
