//! Names for error messages and tracebacks, recovered from bytecode.
//!
//! Like PUC Lua, Ferrous keeps no names at run time beyond local-variable and upvalue
//! names: to say "attempt to index a nil value (field 'b')", it finds the instruction that
//! last wrote the offending register and reads the name off it (symbolic execution).

use super::meta::ArithOp;
use crate::bytecode::{Instr, Op};
use ferrous_runtime::function::Proto;
use ferrous_runtime::heap::TM_NAMES;
use ferrous_runtime::state::{chunk_id, current_line};
use ferrous_runtime::thread::{
    Frame, FRAME_FIN, FRAME_FRESH, FRAME_HOOKED, FRAME_PCALL, FRAME_TAIL, FRAME_XPCALL,
};
use ferrous_runtime::{Gc, State, Tm, Value};

/// Where an operand came from, for naming it in a message.
#[derive(Clone, Copy, Debug)]
pub enum Src {
    None,
    /// A stack slot (absolute index).
    Reg(usize),
    /// Upvalue number of the running Lua function.
    Upval(usize),
    /// Constant number of the running Lua function.
    Const(usize),
}

fn sets_a(op: Op) -> bool {
    use Op::*;
    !matches!(
        op,
        SetUpval
            | SetTabUp
            | SetTable
            | SetI
            | SetField
            | Close
            | Tbc
            | Jmp
            | Eq
            | Lt
            | Le
            | EqK
            | EqI
            | LtI
            | LeI
            | GtI
            | GeI
            | Test
            | Return
            | Return0
            | Return1
            | TForPrep
            | TForCall
            | SetList
            | ExtraArg
    )
}

/// The last instruction before `lastpc` that wrote register `reg` unconditionally.
fn find_set_reg(p: &Proto, lastpc: usize, reg: u32) -> Option<usize> {
    let mut setreg = None;
    let mut jmptarget = 0usize;
    for pc in 0..lastpc.min(p.code.len()) {
        let i = Instr(p.code.at(pc));
        let a = i.a();
        let change = match i.op() {
            Op::LoadNil => a <= reg && reg <= a + i.b(),
            Op::TForCall => reg >= a + 2,
            Op::Call | Op::TailCall => reg >= a,
            Op::Jmp => {
                let dest = (pc as i64 + 1 + i.sj_arg() as i64) as usize;
                if dest <= lastpc && dest > jmptarget {
                    jmptarget = dest;
                }
                false
            }
            op => sets_a(op) && reg == a,
        };
        if change {
            setreg = if pc < jmptarget { None } else { Some(pc) };
        }
    }
    setreg
}

/// A name for messages: raw bytes, since Lua names and string keys need not be UTF-8.
pub type Name = Vec<u8>;

fn const_str(p: &Proto, k: usize) -> Option<Name> {
    p.constants
        .get(k)?
        .as_string()
        .map(|s| s.as_bytes().to_vec())
}

fn upval_name(p: &Proto, n: usize) -> Name {
    p.upvals
        .get(n)
        .map(|u| u.name.to_vec())
        .unwrap_or_else(|| b"?".to_vec())
}

/// Whether register `reg` (a table being indexed) is the `_ENV` variable.
fn is_env(p: &Proto, pc: usize, reg: u32, is_upval: bool) -> bool {
    let name = if is_upval {
        Some(upval_name(p, reg as usize))
    } else {
        // Only a local or an upvalue can be the variable _ENV.
        match get_obj_name(p, pc, reg) {
            Some(("local", n)) | Some(("upvalue", n)) => Some(n),
            _ => None,
        }
    };
    name.as_deref() == Some(&b"_ENV"[..])
}

fn rk_name(p: &Proto, pc: usize, c: u32) -> Name {
    match get_obj_name(p, pc, c) {
        Some(("constant", n)) => n,
        _ => b"?".to_vec(),
    }
}

/// Kind ("local", "global", "field", "upvalue", "constant", "method") and name of the
/// value in register `reg` just before `lastpc` runs.
pub fn get_obj_name(p: &Proto, lastpc: usize, reg: u32) -> Option<(&'static str, Name)> {
    if let Some(n) = p.local_name(reg as usize + 1, lastpc) {
        return Some(("local", n.to_vec()));
    }
    let pc = find_set_reg(p, lastpc, reg)?;
    let i = Instr(p.code.at(pc));
    match i.op() {
        Op::Move => {
            let b = i.b();
            if b < i.a() {
                get_obj_name(p, pc, b)
            } else {
                None
            }
        }
        Op::GetTabUp => {
            let k = const_str(p, i.c() as usize)?;
            Some((
                if is_env(p, pc, i.b(), true) {
                    "global"
                } else {
                    "field"
                },
                k,
            ))
        }
        Op::GetTable => {
            let k = rk_name(p, pc, i.c());
            Some((
                if is_env(p, pc, i.b(), false) {
                    "global"
                } else {
                    "field"
                },
                k,
            ))
        }
        Op::GetI => Some(("field", b"integer index".to_vec())),
        Op::GetField => {
            let k = const_str(p, i.c() as usize)?;
            Some((
                if is_env(p, pc, i.b(), false) {
                    "global"
                } else {
                    "field"
                },
                k,
            ))
        }
        Op::GetUpval => Some(("upvalue", upval_name(p, i.b() as usize))),
        Op::LoadK => const_str(p, i.bx() as usize).map(|s| ("constant", s)),
        Op::LoadKX => {
            let ax = Instr(p.code.get(pc + 1)?).ax_arg();
            const_str(p, ax as usize).map(|s| ("constant", s))
        }
        Op::SelfOp => {
            let k = if i.k() {
                const_str(p, i.c() as usize)?
            } else {
                rk_name(p, pc, i.c())
            };
            Some(("method", k))
        }
        _ => None,
    }
}

/// Description of a value being called at stack index `func`, as PUC's luaG_callerror:
/// the name the calling instruction gives it.
pub fn callinfo(st: &State, func: usize) -> Name {
    if let Some((cl, fr)) = running_lua(st) {
        let pc = (fr.pc as usize).saturating_sub(1);
        if let Some((kind, name)) = funcname_from_code(&cl.proto, pc) {
            return describe(kind, &name);
        }
    }
    varinfo(st, Src::Reg(func))
}

/// " (kind 'name')"
fn describe(kind: &str, name: &[u8]) -> Name {
    let mut out = format!(" ({} '", kind).into_bytes();
    out.extend_from_slice(name);
    out.extend_from_slice(b"')");
    out
}

/// The running Lua frame's closure, if the top frame is a Lua frame.
fn running_lua(st: &State) -> Option<(Gc<ferrous_runtime::function::LuaClosure>, Frame)> {
    let fr = *st.thread.frames.last()?;
    if !fr.is_lua() {
        return None;
    }
    let cl = st.thread.stack[fr.base - 1].as_lclosure()?;
    Some((cl, fr))
}

/// " (local 'x')"-style description of an operand, or "".
pub fn varinfo(st: &State, src: Src) -> Name {
    let Some((cl, fr)) = running_lua(st) else {
        return Name::new();
    };
    let p = &cl.proto;
    let pc = (fr.pc as usize).saturating_sub(1);
    let named = match src {
        Src::None => None,
        Src::Upval(n) => Some(("upvalue", upval_name(p, n))),
        Src::Const(k) => const_str(p, k).map(|s| ("constant", s)),
        Src::Reg(idx) => {
            if idx >= fr.base && idx < fr.top {
                get_obj_name(p, pc, (idx - fr.base) as u32)
            } else {
                None
            }
        }
    };
    match named {
        Some((kind, name)) => describe(kind, &name),
        None => Name::new(),
    }
}

/// Name of the function running in frame `level` (0 = innermost) as its caller saw it:
/// ("global", "f"), ("method", "m"), ("for iterator", "for iterator"), ...
pub fn func_name(st: &State, frame_idx: usize) -> Option<(&'static str, Name)> {
    let frames = &st.thread.frames;
    let fr = frames.get(frame_idx)?;
    if fr.flags & FRAME_TAIL != 0 || frame_idx == 0 {
        return None;
    }
    let caller = &frames[frame_idx - 1];
    if caller.flags & FRAME_HOOKED != 0 {
        return Some(("hook", b"?".to_vec()));
    }
    if caller.flags & FRAME_FIN != 0 {
        return Some(("metamethod", b"__gc".to_vec()));
    }
    if !caller.is_lua() {
        return None;
    }
    let cl = st.thread.stack[caller.base - 1].as_lclosure()?;
    let p = &cl.proto;
    let pc = (caller.pc as usize).checked_sub(1)?;
    funcname_from_code(p, pc)
}

/// How the instruction at `pc` names the function it calls: the called value's name for
/// calls, "for iterator", or the metamethod the instruction triggers.
fn funcname_from_code(p: &Proto, pc: usize) -> Option<(&'static str, Name)> {
    let i = Instr(p.code.get(pc)?);
    let tm = match i.op() {
        Op::Call | Op::TailCall => return get_obj_name(p, pc, i.a()),
        Op::TForCall => return Some(("for iterator", b"for iterator".to_vec())),
        Op::SelfOp | Op::GetTabUp | Op::GetTable | Op::GetI | Op::GetField => Tm::Index,
        Op::SetTabUp | Op::SetTable | Op::SetI | Op::SetField => Tm::NewIndex,
        Op::Len => Tm::Len,
        Op::Concat => Tm::Concat,
        Op::Eq | Op::EqK | Op::EqI => Tm::Eq,
        Op::Lt | Op::LtI | Op::GtI => Tm::Lt,
        Op::Le | Op::LeI | Op::GeI => Tm::Le,
        Op::Close | Op::Return => Tm::Close,
        op => ArithOp::of(op)?.tm(),
    };
    // The event name without its "__", as PUC's `tmname[tm] + 2`.
    Some(("metamethod", TM_NAMES[tm as usize].as_bytes()[2..].to_vec()))
}

/// `func_name` with the name as text, for the runtime's argument errors.
pub fn func_name_text(st: &State, frame_idx: usize) -> Option<(&'static str, String)> {
    func_name(st, frame_idx).map(|(k, n)| (k, String::from_utf8_lossy(&n).into_owned()))
}

/// A stack traceback of the running thread, PUC style, starting `level` frames down.
pub fn traceback(st: &State, msg: Option<&str>, level: usize) -> String {
    let mut out = String::new();
    if let Some(m) = msg {
        out.push_str(m);
        out.push('\n');
    }
    out.push_str("stack traceback:");
    let frames = &st.thread.frames;
    let n = frames.len();
    // The host's own protected call (lua.c uses lua_pcall): not a Lua-visible level.
    let host_call = |fr: &Frame| {
        !fr.is_lua() && fr.flags & FRAME_FRESH != 0 && fr.flags & (FRAME_PCALL | FRAME_XPCALL) != 0
    };
    let visible: Vec<usize> = (0..n.saturating_sub(level))
        .rev()
        .filter(|&idx| !host_call(&frames[idx]))
        .collect();
    // The host's own call at the bottom of the main thread (lua.c's C function): one
    // more level, the last, standing for the host's call in frame 0 when there is one.
    // A `level` past it shows nothing.
    let last_level = if n > 0 && host_call(&frames[0]) {
        n - 1
    } else {
        n
    };
    let host_level = st.thread == st.main_thread && level <= last_level;
    // The middle of a long traceback is elided as PUC does; only shown levels are
    // formatted.
    const FIRST: usize = 10;
    const LAST: usize = 11;
    let total = visible.len() + host_level as usize;
    for i in 0..total {
        if total > FIRST + LAST + 1 && (FIRST..total - LAST).contains(&i) {
            if i == FIRST {
                // PUC's count, one less than the levels left out.
                let skipped = total - FIRST - LAST - 1;
                out.push_str(&format!("\n\t...\t(skipping {} levels)", skipped));
            }
            continue;
        }
        out.push_str("\n\t");
        match visible.get(i) {
            Some(&idx) => out.push_str(&level_line(st, idx)),
            None => out.push_str("[C]: in ?"),
        }
    }
    out
}

/// One level of a traceback: where frame `idx` is and what it runs.
fn level_line(st: &State, idx: usize) -> String {
    let fr = &st.thread.frames[idx];
    let mut out = String::new();
    let fval: Value = st.thread.stack[if fr.is_lua() { fr.base - 1 } else { fr.func }];
    let global = st
        .global_func_name(fval)
        .map(|n| format!("function '{}'", n));
    let what = match func_name(st, idx) {
        _ if global.is_some() => global.unwrap(),
        Some(("global", n)) => format!("function '{}'", String::from_utf8_lossy(&n)),
        Some(("method", n)) => format!("method '{}'", String::from_utf8_lossy(&n)),
        Some(("metamethod", n)) => format!("metamethod '{}'", String::from_utf8_lossy(&n)),
        Some(("for iterator", _)) => "for iterator 'for iterator'".to_string(),
        Some((kind, n)) => format!("{} '{}'", kind, String::from_utf8_lossy(&n)),
        None => String::new(),
    };
    if let Some(cl) = fval.as_lclosure() {
        let p: Gc<Proto> = cl.proto;
        let src = chunk_id(&p.source);
        out.push_str(&format!("{}:{}: in ", src, current_line(cl, fr)));
        if p.line_defined == 0 {
            out.push_str("main chunk");
        } else if !what.is_empty() {
            out.push_str(&what);
        } else {
            out.push_str(&format!("function <{}:{}>", src, p.line_defined));
        }
    } else {
        out.push_str("[C]: in ");
        if !what.is_empty() {
            out.push_str(&what);
        } else if let Some(c) = fval.as_nclosure() {
            out.push_str(&format!("function '{}'", c.name));
        } else {
            out.push('?');
        }
    }
    if fr.flags & FRAME_TAIL != 0 {
        out.push_str("\n\t(...tail calls...)");
    }
    out
}
