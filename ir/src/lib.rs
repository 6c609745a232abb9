//! The SSA trace IR of Ferrous.
//!
//! A trace is a linear array of typed instructions (`ins`), each addressed by a typed
//! reference (`Ref`: index, constant flag and type in one word), with interned constants
//! and snapshots that say, for each guard, which stack slots hold which values, so that
//! any exit can rebuild the interpreter's state. The ops are declared in one table
//! (`op`). Folding, CSE and load forwarding run as each instruction is emitted (`fold`,
//! `cse`, `fwd`); a closed loop is peeled (`peel`), and dead-code elimination runs on
//! the finished trace (`dce`). `print` gives the text form that `--jit-dump` shows and
//! the golden tests pin.
#![forbid(unsafe_code)]

pub mod cse;
pub mod dce;
pub mod fold;
pub mod fwd;
pub mod ins;
pub mod op;
pub mod peel;
pub mod print;
pub mod snap;
pub mod trace;

pub use ins::{Ins, Ref, Ty};
pub use op::Op;
pub use snap::{SnapEntry, SnapFrame, Snapshot};
pub use trace::{Const, Opts, Trace};

#[cfg(test)]
mod tests;
