//! The SSA trace IR of Ferrous (not built yet).
//!
//! This crate will hold the linear array of typed trace instructions addressed by small
//! typed refs, interned constants, snapshots that map stack slots to refs at each guard,
//! the optimization passes (one per file: fold, CSE, DCE, load forwarding, loop peeling,
//! allocation sinking) and the printer whose text form the golden tests pin.
#![forbid(unsafe_code)]
