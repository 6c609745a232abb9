//! `State`: one Lua universe (heap, globals, registry, threads) and the API native
//! functions use to read their arguments, push results and raise errors.
//!
//! Calling convention for natives (PUC Lua's): the arguments are the stack slots from the
//! running frame's `base` up to the thread's `top`; a native pushes its results and
//! returns how many it pushed (they are the topmost values). A native that calls back
//! into Lua must keep every object it still needs on the stack (a collection may run).

use crate::function::{LuaClosure, NativeClosure};
use crate::gc::Gc;
use crate::heap::{Heap, Tm};
use crate::number::{float_to_str, str_to_number, Number};
use crate::string::LuaStr;
use crate::table::Table;
use crate::thread::{Frame, Thread};
use crate::value::*;

/// How control leaves a native function or the interpreter abnormally.
#[derive(Clone, Copy, Debug)]
pub enum Throw {
    /// A Lua error carrying its error value.
    Error(Value),
    /// The running coroutine yields the top `n` values of its stack.
    Yield(usize),
}

pub type LuaResult<T> = Result<T, Throw>;

/// A function written in Rust (see the module docs for the calling convention).
pub type NativeFn = fn(&mut State) -> LuaResult<usize>;

/// What a native returns instead of a result count to have the interpreter call, in its
/// place, the function it stored in its own slot (`frame().func`) with the arguments
/// above it up to `top`: the results of that call become the native's results, and the
/// callee may yield (`dofile`).
pub const CALL_IN_PLACE: usize = usize::MAX;
/// Like `CALL_IN_PLACE`, but only the callee's first three results are kept (`pairs`).
pub const CALL_IN_PLACE_MAX3: usize = usize::MAX - 1;

/// Names the function running in frame `i` from its caller's code: (kind, name).
pub type CallSiteNamer = fn(&State, usize) -> Option<(&'static str, String)>;

/// Upper bound on string sizes Ferrous creates (larger results raise an error instead of
/// exhausting memory).
pub const MAX_STRING_SIZE: usize = 1 << 31;

pub struct State {
    pub heap: Heap,
    pub globals: Gc<Table>,
    pub registry: Gc<Table>,
    pub main_thread: Gc<Thread>,
    /// The running thread.
    pub thread: Gc<Thread>,
    /// Metatables of non-table, non-userdata types, indexed by value tag.
    pub type_mt: [Option<Gc<Table>>; 12],
    /// Extra roots held by Rust code (embedding handles, loaders in progress).
    pub roots: Vec<Value>,
    /// Warnings on (`warn("@on")`).
    pub warn_on: bool,
    /// Accumulates a warning message made of several pieces.
    pub warn_buf: Vec<u8>,
    /// Whether finalizers are being run (they are not re-entered).
    pub in_finalizer: bool,
    /// Bits (payload, tag) of the error value an xpcall message handler already turned
    /// into the final error, so the handler runs once, where the error was raised.
    pub handled_error: Option<(u64, u8)>,
    /// Message handlers running (an error inside one is not handled again).
    pub in_error_handler: u32,
    /// How the function running in frame `i` was named by its caller ("global", "f"),
    /// read off the caller's bytecode; installed by the interpreter.
    pub call_site_name: Option<CallSiteNamer>,
    /// Hot-loop counters, decremented by the interpreter at loop back-edges.
    pub hot: crate::hot::HotCounters,
    /// The JIT, when one is installed and on.
    pub jit: Option<Box<dyn crate::hot::JitEngine>>,
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl State {
    pub fn new() -> State {
        let mut heap = Heap::new();
        let globals = heap.alloc(Table::new(0, 64));
        let registry = heap.alloc(Table::new(2, 8));
        let main_thread = heap.alloc(Thread::new());
        main_thread.get_mut().status = crate::thread::ThreadStatus::Running;
        let st = State {
            heap,
            globals,
            registry,
            main_thread,
            thread: main_thread,
            type_mt: [None; 12],
            roots: Vec::new(),
            warn_on: false,
            warn_buf: Vec::new(),
            in_finalizer: false,
            handled_error: None,
            in_error_handler: 0,
            call_site_name: None,
            hot: crate::hot::HotCounters::default(),
            jit: None,
        };
        // Registry layout as in PUC Lua: [1] main thread, [2] globals.
        let r = st.registry.raw_mut(); // fresh, so no barrier
        r.set_int(1, Value::thread(main_thread));
        r.set_int(2, Value::table(globals));
        st
    }

    // ------------------------------------------------------------------ allocation

    pub fn new_str(&mut self, bytes: &[u8]) -> Gc<LuaStr> {
        self.heap.intern(bytes)
    }
    pub fn str_value(&mut self, bytes: &[u8]) -> Value {
        Value::string(self.heap.intern(bytes))
    }
    /// `str_value` for a buffer the caller built.
    pub fn string_value_owned(&mut self, bytes: Vec<u8>) -> Value {
        self.str_value(&bytes)
    }
    pub fn new_table(&mut self, narr: usize, nhash: usize) -> Gc<Table> {
        self.heap.alloc(Table::new(narr, nhash))
    }
    pub fn new_native(&mut self, f: NativeFn, name: &'static str) -> Value {
        Value::nclosure(self.heap.alloc(NativeClosure::new(f, name, Box::new([]))))
    }
    pub fn new_native_with_upvals(
        &mut self,
        f: NativeFn,
        name: &'static str,
        up: Vec<Value>,
    ) -> Value {
        Value::nclosure(
            self.heap
                .alloc(NativeClosure::new(f, name, up.into_boxed_slice())),
        )
    }

    /// `t[name] = native function`.
    pub fn set_fn(&mut self, t: Gc<Table>, name: &'static str, f: NativeFn) {
        let v = self.new_native(f, name);
        self.set_field(t, name, v);
    }
    /// `t[name] = v`.
    pub fn set_field(&mut self, t: Gc<Table>, name: &str, v: Value) {
        let k = self.new_str(name.as_bytes());
        self.heap.write_table(t, |t| t.set_str(k, v));
    }
    /// `t[name]` (raw).
    pub fn get_field(&mut self, t: Gc<Table>, name: &str) -> Value {
        let k = self.new_str(name.as_bytes());
        t.get_str(k)
    }

    // ------------------------------------------------------------------ frames

    /// The running frame (the native's own frame, inside a native).
    #[inline]
    pub fn frame(&self) -> &Frame {
        self.thread.frames.last().expect("no running frame")
    }

    // ------------------------------------------------------------------ arguments

    /// Number of arguments of the running native.
    #[inline]
    pub fn nargs(&self) -> usize {
        self.thread.top - self.frame().base
    }
    /// Argument `i` (1-based); nil when absent.
    #[inline]
    pub fn arg(&self, i: usize) -> Value {
        let idx = self.frame().base + i - 1;
        if idx < self.thread.top {
            self.thread.stack[idx]
        } else {
            Value::NIL
        }
    }
    /// Replaces argument `i` (keeps a converted value rooted).
    pub fn set_arg(&mut self, i: usize, v: Value) {
        let idx = self.frame().base + i - 1;
        if idx < self.thread.top {
            self.thread.get_mut().stack[idx] = v;
        }
    }
    /// Whether argument `i` is absent or nil.
    pub fn is_none_or_nil(&self, i: usize) -> bool {
        self.arg(i).is_nil()
    }

    pub fn check_any(&mut self, i: usize) -> LuaResult<Value> {
        if i > self.nargs() {
            Err(self.arg_error(i, "value expected"))
        } else {
            Ok(self.arg(i))
        }
    }

    pub fn check_table(&mut self, i: usize) -> LuaResult<Gc<Table>> {
        match self.arg(i).as_table() {
            Some(t) => Ok(t),
            None => Err(self.type_error(i, "table")),
        }
    }

    /// A number argument, integer or float (strings are converted).
    #[inline]
    pub fn check_number(&mut self, i: usize) -> LuaResult<Value> {
        let v = self.arg(i);
        if v.is_number() {
            return Ok(v);
        }
        self.check_number_slow(i, v)
    }
    #[inline(never)]
    fn check_number_slow(&mut self, i: usize, v: Value) -> LuaResult<Value> {
        match to_number(v) {
            Some(n) => Ok(n),
            None => Err(self.type_error(i, "number")),
        }
    }
    #[inline]
    pub fn check_f64(&mut self, i: usize) -> LuaResult<f64> {
        Ok(self.check_number(i)?.as_number_f64().unwrap())
    }
    pub fn opt_f64(&mut self, i: usize, def: f64) -> LuaResult<f64> {
        if self.arg(i).is_nil() {
            Ok(def)
        } else {
            self.check_f64(i)
        }
    }

    /// An integer argument: integers, floats with an exact integer value, and strings
    /// that convert to one.
    #[inline]
    pub fn check_int(&mut self, i: usize) -> LuaResult<i64> {
        let v = self.arg(i);
        if let Some(n) = v.as_int() {
            return Ok(n);
        }
        self.check_int_slow(i, v)
    }
    #[inline(never)]
    fn check_int_slow(&mut self, i: usize, v: Value) -> LuaResult<i64> {
        match to_integer(v) {
            Some(n) => Ok(n),
            None => {
                if to_number(v).is_some() {
                    Err(self.arg_error(i, "number has no integer representation"))
                } else {
                    Err(self.type_error(i, "number"))
                }
            }
        }
    }
    #[inline]
    pub fn opt_int(&mut self, i: usize, def: i64) -> LuaResult<i64> {
        if self.arg(i).is_nil() {
            Ok(def)
        } else {
            self.check_int(i)
        }
    }

    /// A string argument; numbers are converted (and the argument slot replaced).
    #[inline]
    pub fn check_str(&mut self, i: usize) -> LuaResult<Gc<LuaStr>> {
        let v = self.arg(i);
        if let Some(s) = v.as_string() {
            return Ok(s);
        }
        self.check_str_slow(i, v)
    }
    #[inline(never)]
    fn check_str_slow(&mut self, i: usize, v: Value) -> LuaResult<Gc<LuaStr>> {
        if v.is_number() {
            let s = self.new_str(&number_to_bytes(v));
            self.set_arg(i, Value::string(s));
            return Ok(s);
        }
        Err(self.type_error(i, "string"))
    }
    pub fn opt_str(&mut self, i: usize) -> LuaResult<Option<Gc<LuaStr>>> {
        if self.arg(i).is_nil() {
            Ok(None)
        } else {
            self.check_str(i).map(Some)
        }
    }

    // ------------------------------------------------------------------ results

    #[inline]
    pub fn push(&mut self, v: Value) {
        self.thread.get_mut().push(v);
    }
    pub fn push_str(&mut self, bytes: &[u8]) {
        let v = self.str_value(bytes);
        self.push(v);
    }

    // ------------------------------------------------------------------ errors

    /// An error whose value is `msg` as is (no position).
    pub fn error_value(&mut self, msg: &str) -> Throw {
        Throw::Error(self.str_value(msg.as_bytes()))
    }

    /// An error with position information of the Lua code that called the running
    /// native (PUC's luaL_error).
    pub fn error(&mut self, msg: impl AsRef<str>) -> Throw {
        let w = self.where_(1);
        let full = format!("{}{}", w, msg.as_ref());
        Throw::Error(self.str_value(full.as_bytes()))
    }

    /// `bad argument #i to 'name' (msg)`, naming the function as PUC's luaL_argerror
    /// does: by the caller's code, else by its place in a loaded library.
    pub fn arg_error(&mut self, i: usize, msg: &str) -> Throw {
        let fi = self.thread.frames.len().saturating_sub(1);
        let named = self.call_site_name.and_then(|h| h(self, fi));
        let mut i = i;
        let name = match named {
            Some(("method", n)) => {
                i -= 1;
                if i == 0 {
                    return self.error(format!("calling '{}' on bad self ({})", n, msg));
                }
                n
            }
            Some((_, n)) => n,
            None => {
                let f = self.thread.stack[self.frame().func];
                self.global_func_name(f).unwrap_or_else(|| "?".to_string())
            }
        };
        self.error(format!("bad argument #{} to '{}' ({})", i, name, msg))
    }

    /// "module.name" of a function stored in a loaded library (PUC's
    /// pushglobalfuncname); functions of `_G` have no prefix.
    pub fn global_func_name(&self, f: Value) -> Option<String> {
        let reg = self.registry;
        let mut key = None;
        let mut k = Value::NIL;
        // The registry's "_LOADED" field (package.loaded).
        while let Ok(Some((rk, rv))) = reg.next(k) {
            k = rk;
            if let Some(s) = rk.as_string() {
                if s.as_bytes() == b"_LOADED" {
                    key = rv.as_table();
                    break;
                }
            }
        }
        let loaded = key?;
        let mut mk = Value::NIL;
        while let Ok(Some((modname, module))) = loaded.next(mk) {
            mk = modname;
            let (Some(mname), Some(mt)) = (modname.as_string(), module.as_table()) else {
                continue;
            };
            let mut fk = Value::NIL;
            while let Ok(Some((fname, fv))) = mt.next(fk) {
                fk = fname;
                if fv.raw_eq(f) {
                    if let Some(fs) = fname.as_string() {
                        let fs = fs.to_str_lossy();
                        return Some(if mname.as_bytes() == b"_G" {
                            fs.into_owned()
                        } else {
                            format!("{}.{}", mname.to_str_lossy(), fs)
                        });
                    }
                }
            }
        }
        None
    }

    /// `bad argument #i to 'name' (expected expected, got typename)`.
    pub fn type_error(&mut self, i: usize, expected: &str) -> Throw {
        let v = self.arg(i);
        let got = if i > self.nargs() {
            "no value".to_string()
        } else if v.tag() == TAG_LIGHTUD {
            "light userdata".to_string()
        } else {
            self.type_name_mt(v)
        };
        self.arg_error(i, &format!("{} expected, got {}", expected, got))
    }

    /// Type name honouring `__name` in the metatable (luaL_typename + __name).
    pub fn type_name_mt(&self, v: Value) -> String {
        if let Some(mt) = self.metatable_of(v) {
            if let Some(s) = mt.get_str(self.heap.tm_name(Tm::Name)).as_string() {
                return s.to_str_lossy().into_owned();
            }
        }
        v.type_name().to_string()
    }

    /// `chunk:line:` of the function `level` levels below the running one (1 = its
    /// caller), or "" when that is not a Lua function.
    pub fn where_(&self, level: usize) -> String {
        let frames = &self.thread.frames;
        if level >= frames.len() {
            return String::new();
        }
        let fr = &frames[frames.len() - 1 - level];
        if !fr.is_lua() {
            return String::new();
        }
        let Some(cl) = self.thread.stack[fr.base - 1].as_lclosure() else {
            return String::new();
        };
        format!("{}:{}: ", chunk_id(&cl.proto.source), current_line(cl, fr))
    }

    // ------------------------------------------------------------------ metatables

    pub fn metatable_of(&self, v: Value) -> Option<Gc<Table>> {
        match v.tag() {
            TAG_TABLE => v.as_table().unwrap().metatable,
            TAG_USERDATA => v.as_userdata().unwrap().metatable,
            t => self.type_mt[type_mt_slot(t)],
        }
    }

    /// The metamethod `tm` of `v`, or nil.
    #[inline]
    pub fn metamethod(&self, v: Value, tm: Tm) -> Value {
        match self.metatable_of(v) {
            Some(mt) => fast_tm(&self.heap, mt, tm),
            None => Value::NIL,
        }
    }

    /// Sets the metatable shared by the values of a basic type (not tables, not full
    /// userdata). Compiled traces take these as constants, so they are dropped.
    pub fn set_type_metatable(&mut self, tag: u8, mt: Option<Gc<Table>>) {
        self.type_mt[type_mt_slot(tag)] = mt;
        self.jit_flush();
    }

    /// Drops every trace and recording of the JIT, if one is installed.
    pub fn jit_flush(&mut self) {
        self.thread.get_mut().hook.mask &= !crate::thread::HOOK_RECORD;
        if let Some(jit) = self.jit.as_mut() {
            jit.flush();
        }
    }

    /// Pins a value as a root while Rust code holds it.
    pub fn pin(&mut self, v: Value) {
        self.roots.push(v);
    }
    pub fn unpin(&mut self) {
        self.roots.pop();
    }

    /// Marks every root of this state (the collector then does the rest).
    fn mark_roots(&mut self) {
        self.heap.mark_table(self.globals);
        self.heap.mark_table(self.registry);
        self.heap.mark_thread(self.main_thread);
        self.heap.mark_thread(self.thread);
        for mt in self.type_mt.into_iter().flatten() {
            self.heap.mark_table(mt);
        }
        for i in 0..self.roots.len() {
            let v = self.roots[i];
            self.heap.mark_value(v);
        }
        if let Some(jit) = &self.jit {
            jit.mark(&mut self.heap);
        }
    }

    /// A full (major) collection. Only call at a safe point: every live object reachable
    /// from the roots, and the running thread's `top` covering its live slots.
    pub fn full_gc(&mut self) {
        self.collect(true);
    }

    /// The collection the pacing asks for: in generational mode a minor one unless a
    /// major one is due. Safe points only, as for `full_gc`.
    pub fn step_gc(&mut self) {
        self.collect(false);
    }

    fn collect(&mut self, major: bool) {
        self.heap.begin_cycle(major);
        self.mark_roots();
        self.heap.finish_cycle();
    }
}

/// Slot of `type_mt` for a value tag: integers and floats share the number metatable.
#[inline]
pub fn type_mt_slot(tag: u8) -> usize {
    if tag == TAG_INT {
        TAG_FLOAT as usize
    } else {
        tag as usize
    }
}

/// The metamethod `tm` in metatable `mt`, using the absence cache for the first events.
#[inline]
pub fn fast_tm(heap: &Heap, mt: Gc<Table>, tm: Tm) -> Value {
    let bit = 1u32 << (tm as u32);
    if mt.flags.get() & bit != 0 {
        return Value::NIL;
    }
    let v = mt.get_str(heap.tm_name(tm));
    if v.is_nil() {
        mt.flags.set(mt.flags.get() | bit);
    }
    v
}

/// The line being executed by a Lua frame; -1 when the function has no line
/// information (a stripped binary chunk), as PUC Lua reports it.
pub fn current_line(cl: Gc<LuaClosure>, fr: &Frame) -> i64 {
    let pc = (fr.pc as usize).saturating_sub(1);
    match cl.proto.line_info.get(pc) {
        Some(&l) => l as i64,
        None => -1,
    }
}

/// PUC Lua's luaO_chunkid: the printable name of a chunk.
pub fn chunk_id(source: &[u8]) -> String {
    const IDSIZE: usize = 60;
    match source.first() {
        Some(b'=') => {
            let s = &source[1..];
            String::from_utf8_lossy(&s[..s.len().min(IDSIZE - 1)]).into_owned()
        }
        Some(b'@') => {
            let s = &source[1..];
            if s.len() < IDSIZE {
                String::from_utf8_lossy(s).into_owned()
            } else {
                let keep = IDSIZE - 1 - 3;
                format!("...{}", String::from_utf8_lossy(&s[s.len() - keep..]))
            }
        }
        _ => {
            const PRE: &str = "[string \"";
            const POS: &str = "\"]";
            const DOTS: &str = "...";
            let first_line_end = source.iter().position(|&c| c == b'\n');
            let avail = IDSIZE - PRE.len() - DOTS.len() - POS.len() - 1;
            let mut out = String::from(PRE);
            match first_line_end {
                None if source.len() < avail => {
                    out.push_str(&String::from_utf8_lossy(source));
                }
                _ => {
                    let mut l = first_line_end.unwrap_or(source.len());
                    if l > avail {
                        l = avail;
                    }
                    out.push_str(&String::from_utf8_lossy(&source[..l]));
                    out.push_str(DOTS);
                }
            }
            out.push_str(POS);
            out
        }
    }
}

// ---------------------------------------------------------------------- conversions

/// String-to-number coercion (numbers are returned as they are).
pub fn to_number(v: Value) -> Option<Value> {
    match v.tag() {
        TAG_INT | TAG_FLOAT => Some(v),
        TAG_STRING => match str_to_number(v.as_string().unwrap().as_bytes())? {
            Number::Int(i) => Some(Value::int(i)),
            Number::Float(f) => Some(Value::float(f)),
        },
        _ => None,
    }
}

/// Conversion to an integer: integers, integral floats, strings converting to either.
pub fn to_integer(v: Value) -> Option<i64> {
    match v.tag() {
        TAG_INT => Some(v.as_int_unchecked()),
        TAG_FLOAT => float_to_int_exact(v.as_float_unchecked()),
        TAG_STRING => to_integer(to_number(v)?),
        _ => None,
    }
}

/// `tostring` of a number.
pub fn number_to_bytes(v: Value) -> Vec<u8> {
    match v.tag() {
        TAG_INT => v.as_int_unchecked().to_string().into_bytes(),
        _ => float_to_str(v.as_float_unchecked()).into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::function::{Proto, ProtoParts};
    use crate::thread::{FRAME_LUA, FRAME_PCALL, FRAME_XPCALL};
    use crate::userdata::Userdata;
    use std::rc::Rc;

    fn nop(_: &mut State) -> LuaResult<usize> {
        Ok(0)
    }

    /// The error message a `Throw` carries.
    fn msg(t: Throw) -> String {
        match t {
            Throw::Error(v) => v
                .as_string()
                .expect("string error")
                .to_str_lossy()
                .into_owned(),
            Throw::Yield(_) => panic!("not an error"),
        }
    }

    fn s(st: &mut State, text: &str) -> Value {
        st.str_value(text.as_bytes())
    }

    // ---------------------------------------------------------------- chunk_id

    #[test]
    fn chunk_id_literal_sources() {
        assert_eq!(chunk_id(b"=stdin"), "stdin");
        assert_eq!(chunk_id(b"="), "");
        let a59 = "a".repeat(59);
        assert_eq!(chunk_id(format!("={a59}").as_bytes()), a59);
        // Longer names are cut to LUA_IDSIZE - 1 bytes, without dots.
        let a70 = "a".repeat(70);
        assert_eq!(chunk_id(format!("={a70}").as_bytes()), a59);
    }

    #[test]
    fn chunk_id_file_names() {
        assert_eq!(chunk_id(b"@script.lua"), "script.lua");
        assert_eq!(chunk_id(b"@"), "");
        // Up to 59 bytes are kept whole.
        let name59 = format!("{}Z", "b".repeat(58));
        assert_eq!(chunk_id(format!("@{name59}").as_bytes()), name59);
        // Longer: "..." and the last 56 bytes (as `lua5.4` prints them).
        let name60 = format!("{}Z", "b".repeat(59));
        let got = chunk_id(format!("@{name60}").as_bytes());
        assert_eq!(got, format!("...{}Z", "b".repeat(55)));
        assert_eq!(got.len(), 59);
        let long = format!("/very/long/path/{}/file.lua", "dir/".repeat(30));
        let got = chunk_id(format!("@{long}").as_bytes());
        assert!(got.starts_with("...") && got.ends_with("/file.lua"));
        assert_eq!(got.len(), 59);
        assert_eq!(&got[3..], &long[long.len() - 56..]);
    }

    #[test]
    fn chunk_id_string_sources() {
        assert_eq!(chunk_id(b"print(1)"), "[string \"print(1)\"]");
        assert_eq!(chunk_id(b""), "[string \"\"]");
        // Only the first line, with dots.
        assert_eq!(chunk_id(b"error('e')\n--x"), "[string \"error('e')...\"]");
        assert_eq!(chunk_id(b"\nx"), "[string \"...\"]");
        // One-line sources up to 44 bytes are kept.
        let s44 = format!("error('e'){}", " ".repeat(34));
        assert_eq!(s44.len(), 44);
        assert_eq!(chunk_id(s44.as_bytes()), format!("[string \"{s44}\"]"));
        // 46 bytes and more: the first 45 and "...".
        for n in [46usize, 60, 200] {
            let src = "x".repeat(n);
            assert_eq!(
                chunk_id(src.as_bytes()),
                format!("[string \"{}...\"]", "x".repeat(45)),
                "length {n}"
            );
        }
        // A long first line followed by more lines: cut at 45.
        let src = format!("{}\nmore", "y".repeat(50));
        assert_eq!(
            chunk_id(src.as_bytes()),
            format!("[string \"{}...\"]", "y".repeat(45))
        );
        // Sources starting with other characters are strings too.
        assert_eq!(chunk_id(b"#!x"), "[string \"#!x\"]");
    }

    /// PUC's luaO_chunkid keeps a one-line source only when `srclen < bufflen` (45), so
    /// a 45-byte source is shown as its 45 bytes plus "...": `lua5.4` prints
    /// `[string "error('e')<35 spaces>..."]:1: e` for `load("error('e')" ..
    /// (" "):rep(35))`.
    #[test]
    fn chunk_id_45_byte_source_gets_dots() {
        let s45 = format!("error('e'){}", " ".repeat(35));
        assert_eq!(s45.len(), 45);
        assert_eq!(chunk_id(s45.as_bytes()), format!("[string \"{s45}...\"]"));
    }

    // ---------------------------------------------------------------- where_

    fn proto(st: &mut State, source: &[u8], lines: &[u32], line_defined: u32) -> Gc<Proto> {
        st.heap.alloc(Proto::new(ProtoParts {
            code: vec![0; lines.len()].into_boxed_slice(),
            constants: Box::new([]),
            protos: Box::new([]),
            upvals: Box::new([]),
            num_params: 0,
            is_vararg: false,
            max_stack: 4,
            line_info: lines.into(),
            locvars: Box::new([]),
            source: Rc::from(source),
            line_defined,
            last_line_defined: line_defined,
        }))
    }

    fn frame(func: usize, pc: u32, flags: u16) -> Frame {
        Frame {
            func,
            base: func + 1,
            top: func + 5,
            pc,
            nresults: -1,
            nvarargs: 0,
            flags,
            pdepth: 0,
        }
    }

    /// Stack: main chunk (slot 0) called `f` (slot 5), which called a native (slot 10).
    /// `f_flags` lets a test mark `f` as called by pcall.
    fn call_stack(f_flags: u16) -> State {
        let mut st = State::new();
        let main_p = proto(&mut st, b"@main.lua", &[10, 11, 12, 13], 0);
        let f_p = proto(&mut st, b"=stdin", &[20, 21, 22], 19);
        let main_c = st.heap.alloc_tail(LuaClosure::new(main_p, 0), &[]);
        let f_c = st.heap.alloc_tail(LuaClosure::new(f_p, 0), &[]);
        let native = st.new_native(nop, "native");
        let th = st.thread.get_mut();
        th.stack[0] = Value::lclosure(main_c);
        th.stack[5] = Value::lclosure(f_c);
        th.stack[10] = native;
        th.top = 11;
        th.frames.push(frame(0, 3, FRAME_LUA));
        th.frames.push(frame(5, 2, FRAME_LUA | f_flags));
        th.frames.push(frame(10, 0, 0));
        st
    }

    #[test]
    fn where_names_the_caller_position() {
        let mut st = call_stack(0);
        assert_eq!(st.where_(0), "", "level 0 is the native itself");
        assert_eq!(st.where_(1), "stdin:21: ");
        assert_eq!(st.where_(2), "main.lua:12: ");
        assert_eq!(st.where_(3), "");
        assert_eq!(st.where_(100), "");
        assert_eq!(msg(st.error("boom")), "stdin:21: boom");
        assert_eq!(msg(st.error_value("plain")), "plain");
    }

    #[test]
    fn where_counts_pcall_as_a_level() {
        // A protected call has a native frame of its own below its callee.
        for flag in [FRAME_PCALL, FRAME_XPCALL] {
            let mut st = call_stack(0);
            let pcall = st.new_native(nop, "pcall");
            let th = st.thread.get_mut();
            th.stack[4] = pcall;
            th.frames.insert(1, frame(4, 0, flag));
            assert_eq!(st.where_(1), "stdin:21: ");
            assert_eq!(st.where_(2), "", "level 2 is pcall itself, a native");
            assert_eq!(st.where_(3), "main.lua:12: ");
        }
    }

    #[test]
    fn where_reports_line_minus_one_without_line_info() {
        let mut st = State::new();
        let p = proto(&mut st, b"=nolines", &[], 7);
        let c = st.heap.alloc_tail(LuaClosure::new(p, 0), &[]);
        let native = st.new_native(nop, "native");
        let th = st.thread.get_mut();
        th.stack[0] = Value::lclosure(c);
        th.stack[5] = native;
        th.top = 6;
        th.frames.push(frame(0, 5, FRAME_LUA));
        th.frames.push(frame(5, 0, 0));
        // No line information (a stripped chunk): PUC reports line -1.
        assert_eq!(st.where_(1), "nolines:-1: ");
        assert_eq!(current_line(c, &frame(0, 0, FRAME_LUA)), -1);
    }

    #[test]
    fn where_without_frames_is_empty() {
        let st = State::new();
        assert_eq!(st.where_(0), "");
        assert_eq!(st.where_(1), "");
    }

    // ---------------------------------------------------------------- arguments

    /// Makes the state look like a native called with `args` from Rust.
    fn native_call(st: &mut State, args: &[Value]) {
        let f = st.new_native(nop, "native");
        let th = st.thread.get_mut();
        th.stack[0] = f;
        for (i, &a) in args.iter().enumerate() {
            th.stack[1 + i] = a;
        }
        th.top = 1 + args.len();
        th.frames.push(frame(0, 0, 0));
    }

    #[test]
    fn argument_access() {
        let mut st = State::new();
        let t = st.new_table(0, 0);
        let ten = s(&mut st, "10");
        native_call(&mut st, &[Value::int(1), Value::NIL, ten, Value::table(t)]);
        assert_eq!(st.nargs(), 4);
        assert!(st.arg(1).raw_eq(Value::int(1)));
        assert!(st.arg(2).is_nil() && st.is_none_or_nil(2));
        assert!(st.arg(5).is_nil() && st.is_none_or_nil(5));
        assert_eq!(st.check_table(4).unwrap(), t);
        assert_eq!(st.check_int(1).unwrap(), 1);
        assert_eq!(st.check_int(3).unwrap(), 10);
        assert!(st.check_number(3).unwrap().raw_eq(Value::int(10)));
        assert_eq!(st.check_f64(3).unwrap(), 10.0);
        assert_eq!(st.opt_int(2, 99).unwrap(), 99);
        assert_eq!(st.opt_int(5, 98).unwrap(), 98);
        assert_eq!(st.opt_f64(2, 0.5).unwrap(), 0.5);
        assert!(st.opt_str(2).unwrap().is_none());
        assert!(st.check_any(2).unwrap().is_nil());
        assert_eq!(
            msg(st.check_any(5).unwrap_err()),
            "bad argument #5 to '?' (value expected)"
        );
        st.set_arg(2, Value::TRUE);
        assert!(st.arg(2).raw_eq(Value::TRUE));
        st.set_arg(9, Value::TRUE); // beyond the arguments: ignored
        assert_eq!(st.nargs(), 4);
    }

    #[test]
    fn check_str_converts_numbers_in_place() {
        let mut st = State::new();
        native_call(
            &mut st,
            &[Value::int(42), Value::float(1.5), Value::float(2.0)],
        );
        assert_eq!(st.check_str(1).unwrap().as_bytes(), b"42");
        assert!(
            st.arg(1).is_string(),
            "converted value replaces the argument"
        );
        assert_eq!(st.check_str(2).unwrap().as_bytes(), b"1.5");
        assert_eq!(st.opt_str(3).unwrap().unwrap().as_bytes(), b"2.0");
    }

    #[test]
    fn argument_error_messages() {
        let mut st = State::new();
        let t = st.new_table(0, 0);
        let word = s(&mut st, "abc");
        let half = s(&mut st, "2.5");
        native_call(
            &mut st,
            &[
                Value::float(2.5),
                Value::table(t),
                word,
                half,
                Value::float(1e100),
            ],
        );
        assert_eq!(
            msg(st.check_int(1).unwrap_err()),
            "bad argument #1 to '?' (number has no integer representation)"
        );
        assert_eq!(
            msg(st.check_int(2).unwrap_err()),
            "bad argument #2 to '?' (number expected, got table)"
        );
        assert_eq!(
            msg(st.check_int(3).unwrap_err()),
            "bad argument #3 to '?' (number expected, got string)"
        );
        assert_eq!(
            msg(st.check_int(4).unwrap_err()),
            "bad argument #4 to '?' (number has no integer representation)"
        );
        assert_eq!(
            msg(st.check_int(5).unwrap_err()),
            "bad argument #5 to '?' (number has no integer representation)"
        );
        assert_eq!(
            msg(st.check_int(6).unwrap_err()),
            "bad argument #6 to '?' (number expected, got no value)"
        );
        assert_eq!(
            msg(st.check_number(3).unwrap_err()),
            "bad argument #3 to '?' (number expected, got string)"
        );
        assert_eq!(
            msg(st.check_table(1).unwrap_err()),
            "bad argument #1 to '?' (table expected, got number)"
        );
        assert_eq!(
            msg(st.check_str(2).unwrap_err()),
            "bad argument #2 to '?' (string expected, got table)"
        );
        // __name in the metatable names the type.
        let mt = st.new_table(0, 0);
        let name = s(&mut st, "MyType");
        st.set_field(mt, "__name", name);
        st.heap.write(t).metatable = Some(mt);
        assert_eq!(
            msg(st.check_int(2).unwrap_err()),
            "bad argument #2 to '?' (number expected, got MyType)"
        );
    }

    #[test]
    fn argument_errors_name_library_functions() {
        let mut st = State::new();
        native_call(&mut st, &[Value::TRUE]);
        let f = st.thread.stack[0];
        let loaded = st.new_table(0, 0);
        let strlib = st.new_table(0, 0);
        st.set_field(strlib, "rep", f);
        st.set_field(loaded, "string", Value::table(strlib));
        st.set_field(st.registry, "_LOADED", Value::table(loaded));
        assert_eq!(st.global_func_name(f).as_deref(), Some("string.rep"));
        assert_eq!(
            msg(st.check_int(1).unwrap_err()),
            "bad argument #1 to 'string.rep' (number expected, got boolean)"
        );
        // Functions of _G have no prefix.
        st.set_field(strlib, "rep", Value::NIL);
        let g = st.new_table(0, 0);
        st.set_field(g, "print", f);
        st.set_field(loaded, "_G", Value::table(g));
        assert_eq!(st.global_func_name(f).as_deref(), Some("print"));
        let other = st.new_native(nop, "other");
        assert_eq!(st.global_func_name(other), None);
    }

    #[test]
    fn argument_errors_use_the_call_site_name() {
        fn as_method(_: &State, _: usize) -> Option<(&'static str, String)> {
            Some(("method", "push".to_string()))
        }
        fn as_global(_: &State, _: usize) -> Option<(&'static str, String)> {
            Some(("global", "myfn".to_string()))
        }
        let mut st = State::new();
        native_call(&mut st, &[Value::TRUE, Value::TRUE]);
        st.call_site_name = Some(as_global);
        assert_eq!(
            msg(st.check_int(2).unwrap_err()),
            "bad argument #2 to 'myfn' (number expected, got boolean)"
        );
        // Methods do not count self.
        st.call_site_name = Some(as_method);
        assert_eq!(
            msg(st.check_int(2).unwrap_err()),
            "bad argument #1 to 'push' (number expected, got boolean)"
        );
        assert_eq!(
            msg(st.check_int(1).unwrap_err()),
            "calling 'push' on bad self (number expected, got boolean)"
        );
    }

    // ---------------------------------------------------------------- conversions

    fn num(st: &mut State, text: &str) -> Option<Value> {
        let v = s(st, text);
        to_number(v)
    }

    fn int_of(st: &mut State, text: &str) -> Option<i64> {
        let v = s(st, text);
        to_integer(v)
    }

    #[test]
    fn to_number_of_strings() {
        let mut st = State::new();
        let is_int =
            |v: Option<Value>, i: i64| v.is_some_and(|v| v.is_int() && v.as_int() == Some(i));
        let is_float = |v: Option<Value>, f: f64| {
            v.is_some_and(|v| v.is_float() && v.as_float().unwrap().to_bits() == f.to_bits())
        };
        assert!(is_int(num(&mut st, "10"), 10));
        assert!(is_int(num(&mut st, "  -7\t\n"), -7));
        assert!(is_int(num(&mut st, "0x10"), 16));
        assert!(is_int(num(&mut st, "0XfF"), 255));
        assert!(is_int(num(&mut st, "0xffffffffffffffff"), -1), "hex wraps");
        assert!(is_int(num(&mut st, "9223372036854775807"), i64::MAX));
        assert!(is_int(num(&mut st, "-9223372036854775808"), i64::MIN));
        assert!(is_float(
            num(&mut st, "9223372036854775808"),
            9223372036854775808.0
        ));
        assert!(is_float(num(&mut st, "10.0"), 10.0));
        assert!(is_float(num(&mut st, "1e2"), 100.0));
        assert!(is_float(num(&mut st, ".5"), 0.5));
        assert!(is_float(num(&mut st, "0x1p4"), 16.0));
        assert!(is_float(num(&mut st, "-0.0"), -0.0));
        for bad in [
            "", " ", "abc", "10a", "1e", "0x", "inf", "nan", "- 1", "1 2", "1\x002",
        ] {
            assert!(num(&mut st, bad).is_none(), "{bad:?}");
        }
        // Numbers convert to themselves; other types do not convert.
        assert!(is_int(to_number(Value::int(3)), 3));
        assert!(is_float(to_number(Value::float(3.0)), 3.0));
        assert!(to_number(Value::TRUE).is_none());
        assert!(to_number(Value::NIL).is_none());
        let t = Value::table(st.new_table(0, 0));
        assert!(to_number(t).is_none());
    }

    #[test]
    fn to_integer_of_strings_and_floats() {
        let mut st = State::new();
        assert_eq!(int_of(&mut st, "10"), Some(10));
        assert_eq!(int_of(&mut st, " 10 "), Some(10));
        assert_eq!(int_of(&mut st, "10.0"), Some(10));
        assert_eq!(int_of(&mut st, "1e2"), Some(100));
        assert_eq!(int_of(&mut st, "0x10"), Some(16));
        assert_eq!(int_of(&mut st, "0x7fffffffffffffff"), Some(i64::MAX));
        assert_eq!(int_of(&mut st, "-9223372036854775808"), Some(i64::MIN));
        assert_eq!(int_of(&mut st, "10.5"), None);
        assert_eq!(
            int_of(&mut st, "9223372036854775808"),
            None,
            "2^63 as a float"
        );
        assert_eq!(
            int_of(&mut st, "-9223372036854775809"),
            Some(i64::MIN),
            "rounds to -2^63"
        );
        assert_eq!(int_of(&mut st, "1e100"), None);
        assert_eq!(int_of(&mut st, "abc"), None);
        assert_eq!(int_of(&mut st, ""), None);
        assert_eq!(to_integer(Value::int(-4)), Some(-4));
        assert_eq!(to_integer(Value::float(3.0)), Some(3));
        assert_eq!(to_integer(Value::float(-0.0)), Some(0));
        assert_eq!(to_integer(Value::float(3.5)), None);
        assert_eq!(to_integer(Value::float(f64::NAN)), None);
        assert_eq!(to_integer(Value::float(f64::INFINITY)), None);
        assert_eq!(to_integer(Value::NIL), None);
        assert_eq!(to_integer(Value::TRUE), None);
    }

    #[test]
    fn number_to_bytes_formats_like_tostring() {
        let cases: [(Value, &str); 9] = [
            (Value::int(10), "10"),
            (Value::int(-3), "-3"),
            (Value::int(i64::MIN), "-9223372036854775808"),
            (Value::float(1.0), "1.0"),
            (Value::float(-0.0), "-0.0"),
            (Value::float(0.1), "0.1"),
            (Value::float(1e15), "1e+15"),
            (Value::float(1e100), "1e+100"),
            (Value::float(f64::INFINITY), "inf"),
        ];
        for (v, text) in cases {
            assert_eq!(String::from_utf8(number_to_bytes(v)).unwrap(), text);
        }
    }

    // ---------------------------------------------------------------- metatables

    #[test]
    fn metatable_lookup_by_type() {
        let mut st = State::new();
        let nmt = st.new_table(0, 0);
        let smt = st.new_table(0, 0);
        st.type_mt[TAG_FLOAT as usize] = Some(nmt);
        st.type_mt[TAG_STRING as usize] = Some(smt);
        assert_eq!(type_mt_slot(TAG_INT), TAG_FLOAT as usize);
        assert_eq!(type_mt_slot(TAG_STRING), TAG_STRING as usize);
        assert_eq!(
            st.metatable_of(Value::int(1)),
            Some(nmt),
            "integers share it"
        );
        assert_eq!(st.metatable_of(Value::float(1.5)), Some(nmt));
        let sv = s(&mut st, "x");
        assert_eq!(st.metatable_of(sv), Some(smt));
        assert_eq!(st.metatable_of(Value::TRUE), None);
        assert_eq!(st.metatable_of(Value::NIL), None);
        let t = st.new_table(0, 0);
        assert_eq!(st.metatable_of(Value::table(t)), None);
        let tmt = st.new_table(0, 0);
        st.heap.write(t).metatable = Some(tmt);
        assert_eq!(st.metatable_of(Value::table(t)), Some(tmt));
        let u = st.heap.alloc(Userdata::new(Box::new(()), 0));
        assert_eq!(st.metatable_of(Value::userdata(u)), None);
        st.heap.write(u).metatable = Some(tmt);
        assert_eq!(st.metatable_of(Value::userdata(u)), Some(tmt));
        // metamethod() through the type metatable.
        let f = st.new_native(nop, "add");
        st.set_field(nmt, "__add", f);
        assert!(st.metamethod(Value::int(1), Tm::Add).raw_eq(f));
        assert!(st.metamethod(Value::int(1), Tm::Sub).is_nil());
        assert!(st.metamethod(Value::TRUE, Tm::Add).is_nil());
    }

    #[test]
    fn fast_tm_caches_absence_until_the_metatable_changes() {
        let mut st = State::new();
        let mt = st.new_table(0, 0);
        assert_eq!(mt.flags.get(), 0);
        assert!(fast_tm(&st.heap, mt, Tm::Index).is_nil());
        assert!(fast_tm(&st.heap, mt, Tm::Eq).is_nil());
        let bits = (1 << Tm::Index as u32) | (1 << Tm::Eq as u32);
        assert_eq!(mt.flags.get(), bits);
        // Cached: still nil without a lookup.
        assert!(fast_tm(&st.heap, mt, Tm::Index).is_nil());
        let idx = Value::table(st.new_table(0, 0));
        st.set_field(mt, "__index", idx);
        assert_eq!(
            mt.flags.get(),
            0,
            "a store into the hash part clears the cache"
        );
        assert!(fast_tm(&st.heap, mt, Tm::Index).raw_eq(idx));
        assert_eq!(
            mt.flags.get() & (1 << Tm::Index as u32),
            0,
            "present: not cached"
        );
    }

    #[test]
    fn type_names_honour_dunder_name() {
        let mut st = State::new();
        let t = st.new_table(0, 0);
        assert_eq!(st.type_name_mt(Value::table(t)), "table");
        let mt = st.new_table(0, 0);
        st.heap.write(t).metatable = Some(mt);
        assert_eq!(st.type_name_mt(Value::table(t)), "table");
        st.set_field(mt, "__name", Value::int(3));
        assert_eq!(
            st.type_name_mt(Value::table(t)),
            "table",
            "non-string __name"
        );
        let n = s(&mut st, "Point");
        st.set_field(mt, "__name", n);
        assert_eq!(st.type_name_mt(Value::table(t)), "Point");
        assert_eq!(st.type_name_mt(Value::int(1)), "number");
        assert_eq!(st.type_name_mt(Value::light_userdata(1)), "userdata");
    }

    // ---------------------------------------------------------------- state basics

    #[test]
    fn new_state_layout() {
        let st = State::new();
        assert_eq!(st.thread, st.main_thread);
        assert!(st.registry.get_int(1).raw_eq(Value::thread(st.main_thread)));
        assert!(st.registry.get_int(2).raw_eq(Value::table(st.globals)));
        assert_eq!(st.main_thread.status, crate::thread::ThreadStatus::Running);
        assert!(st.roots.is_empty());
        assert!(st.type_mt.iter().all(|m| m.is_none()));
    }

    #[test]
    fn fields_functions_and_pins() {
        let mut st = State::new();
        st.set_fn(st.globals, "f", nop);
        let f = st.get_field(st.globals, "f");
        let c = f.as_nclosure().expect("native closure");
        assert_eq!(c.name, "f");
        assert!(st.get_field(st.globals, "missing").is_nil());
        let v = st.string_value_owned(b"owned bytes".to_vec());
        st.pin(v);
        st.pin(Value::int(1));
        assert_eq!(st.roots.len(), 2);
        st.unpin();
        assert!(st.roots[0].raw_eq(v));
        st.push_str(b"pushed");
        assert_eq!(st.thread.top, 1);
        assert_eq!(
            st.thread.stack[0].as_string().unwrap().as_bytes(),
            b"pushed"
        );
        let up = st.new_native_with_upvals(nop, "u", vec![Value::int(5)]);
        assert!(up.as_nclosure().unwrap().upvals[0].raw_eq(Value::int(5)));
    }
}
