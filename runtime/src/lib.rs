//! Ferrous runtime: values, the GC heap and the object model.
//!
//! Unsafe code lives in `gc` (handles, headers and allocation), `collector` (mark
//! and sweep), `upval` (open upvalues reach their stack slot by address) and `layout`
//! (reading the inner layout of a `Vec` for JIT code); every
//! other module is safe code over those, apart from the one-line `unsafe impl`s of
//! `GcObject`, `GcTail` and `NoBarrier` that state each object type's layout and
//! barrier contracts.
#![deny(unsafe_op_in_unsafe_fn)]

pub mod collector;
pub mod function;
pub mod gc;
pub mod heap;
pub mod hot;
pub mod layout;
pub mod number;
pub mod state;
pub mod string;
pub mod table;
pub mod thread;
pub mod upval;
pub mod userdata;
pub mod value;

#[cfg(test)]
mod tests_gc;

pub use gc::Gc;
pub use heap::{Heap, Tm};
pub use state::{LuaResult, NativeFn, State, Throw};
pub use string::LuaStr;
pub use table::Table;
pub use thread::Thread;
pub use value::Value;
