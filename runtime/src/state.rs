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
        };
        // Registry layout as in PUC Lua: [1] main thread, [2] globals.
        let r = st.registry.get_mut();
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
    pub fn string_value_owned(&mut self, bytes: Vec<u8>) -> Value {
        Value::string(self.heap.intern_owned(bytes))
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
        let k = self.new_str(name.as_bytes());
        t.get_mut().set_str(k, v);
    }
    /// `t[name] = v`.
    pub fn set_field(&mut self, t: Gc<Table>, name: &str, v: Value) {
        let k = self.new_str(name.as_bytes());
        t.get_mut().set_str(k, v);
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
    pub fn check_number(&mut self, i: usize) -> LuaResult<Value> {
        let v = self.arg(i);
        if v.is_number() {
            return Ok(v);
        }
        match to_number(v) {
            Some(n) => Ok(n),
            None => Err(self.type_error(i, "number")),
        }
    }
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
    pub fn check_int(&mut self, i: usize) -> LuaResult<i64> {
        let v = self.arg(i);
        if let Some(n) = v.as_int() {
            return Ok(n);
        }
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
    pub fn opt_int(&mut self, i: usize, def: i64) -> LuaResult<i64> {
        if self.arg(i).is_nil() {
            Ok(def)
        } else {
            self.check_int(i)
        }
    }

    /// A string argument; numbers are converted (and the argument slot replaced).
    pub fn check_str(&mut self, i: usize) -> LuaResult<Gc<LuaStr>> {
        let v = self.arg(i);
        if let Some(s) = v.as_string() {
            return Ok(s);
        }
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
        // Walk the logical call stack: a protected frame was called by pcall/xpcall,
        // which counts as one native level of its own.
        let frames = &self.thread.frames;
        let mut remaining = level;
        let mut idx = frames.len();
        while idx > 0 {
            idx -= 1;
            let fr = &frames[idx];
            if remaining == 0 {
                if !fr.is_lua() {
                    return String::new();
                }
                let Some(cl) = self.thread.stack[fr.base - 1].as_lclosure() else {
                    return String::new();
                };
                let line = current_line(cl, fr);
                return format!("{}:{}: ", chunk_id(&cl.proto.source), line);
            }
            remaining -= 1;
            if fr.flags & (crate::thread::FRAME_PCALL | crate::thread::FRAME_XPCALL) != 0 {
                if remaining == 0 {
                    return String::new();
                }
                remaining -= 1;
            }
        }
        String::new()
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

    /// Pins a value as a root while Rust code holds it.
    pub fn pin(&mut self, v: Value) {
        self.roots.push(v);
    }
    pub fn unpin(&mut self) {
        self.roots.pop();
    }

    /// Marks every root of this state (the collector then does the rest).
    pub fn mark_roots(&mut self) {
        self.heap.begin_cycle();
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
    }

    /// A full collection. Only call at a safe point: every live object reachable from the
    /// roots, and the running thread's `top` covering its live slots.
    pub fn full_gc(&mut self) {
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

/// The line being executed by a Lua frame.
pub fn current_line(cl: Gc<LuaClosure>, fr: &Frame) -> u32 {
    let pc = (fr.pc as usize).saturating_sub(1);
    cl.proto
        .line_info
        .get(pc)
        .copied()
        .unwrap_or(cl.proto.line_defined)
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
                None if source.len() <= avail => {
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
