//! Snapshots: what the interpreter's stack must hold when a guard fails, so that an
//! exit can rebuild its frames and resume at the right instruction.

use crate::ins::Ref;

/// One stack slot a snapshot restores: slot `slot` (relative to the trace's base
/// frame) gets the value of `r`. Slots the trace did not change are left out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SnapEntry {
    pub slot: u16,
    pub r: Ref,
}

/// A frame of an inlined call, below the innermost one: its function sits at slot
/// `func_slot` (a snapshot entry holds it), and it resumes at bytecode `pc` of its own
/// function when the callee returns.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SnapFrame {
    pub func_slot: u16,
    pub pc: u32,
}

/// The state at the guards from instruction `at` until the next snapshot.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Snapshot {
    /// The first instruction it covers.
    pub at: u32,
    /// The bytecode index at which the interpreter resumes, in the innermost frame.
    pub pc: u32,
    /// Stack slots in use above the base frame's first slot.
    pub nslots: u16,
    /// (start, count) in the trace's `snap_entries`.
    pub entries: (u32, u32),
    /// (start, count) in the trace's `snap_frames`, outermost first.
    pub frames: (u32, u32),
}
