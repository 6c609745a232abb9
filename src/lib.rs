//! Ferrous: a Lua 5.4 virtual machine. This crate is the embedding API.
//!
//! The API has the shape Rust users know from mlua: a [`Lua`] state, chunks loaded with
//! [`Lua::load`], the global table from [`Lua::globals`], Rust closures turned into Lua
//! functions with [`Lua::create_function`], and typed conversions through [`IntoLua`] and
//! [`FromLua`].
//!
//! ```
//! let lua = ferrous::Lua::new();
//! lua.load("x = 1 + 2").exec()?;
//! let x: i64 = lua.globals().get("x")?;
//! assert_eq!(x, 3);
//! # Ok::<(), ferrous::Error>(())
//! ```
//!
//! Calling Rust from Lua:
//!
//! ```
//! use ferrous::{Lua, Variadic};
//! let lua = Lua::new();
//! let sum = lua.create_function(|_, xs: Variadic<f64>| Ok(xs.iter().sum::<f64>()))?;
//! lua.globals().set("sum", sum)?;
//! let s: f64 = lua.load("return sum(1, 2, 3.5)").eval()?;
//! assert_eq!(s, 6.5);
//! # Ok::<(), ferrous::Error>(())
//! ```
//!
//! # Handles and the collector
//!
//! [`Table`], [`Function`], [`LuaString`] and the other handles keep their object alive:
//! each one owns a slot in a table stored in the Lua registry, released when the handle is
//! dropped. A handle also keeps its [`Lua`] state alive (the state is closed when the
//! `Lua` and its last handle are gone). A Rust callback that captures a handle or a `Lua`
//! therefore forms a reference cycle and keeps the state alive until the process ends;
//! use the `&Lua` and the arguments a callback receives instead.
//!
//! # Errors
//!
//! Lua errors never panic: they come back as [`Error::Runtime`] (with a stack traceback)
//! or [`Error::Syntax`]. An `Err` returned by a callback is raised as a Lua error whose
//! message is the error's text.
//!
//! # Threads
//!
//! A `Lua` is neither `Send` nor `Sync`: a state belongs to the thread that created it.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

use ferrous_interp::vm::api;
use ferrous_runtime::value::{
    TAG_BOOL, TAG_FLOAT, TAG_INT, TAG_LCLOSURE, TAG_LIGHTUD, TAG_NCLOSURE, TAG_NIL, TAG_STRING,
    TAG_TABLE, TAG_THREAD, TAG_USERDATA,
};
use ferrous_runtime::{Gc, LuaResult, State, Throw};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::{Rc, Weak};
use std::sync::Arc;

/// The runtime's value representation (16 bytes, no ownership).
type RawValue = ferrous_runtime::Value;

// =====================================================================================
// Errors
// =====================================================================================

/// Everything that can go wrong between Rust and Lua.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// A chunk did not compile; the message is Lua's (`name:line: ... near ...`).
    Syntax(String),
    /// A Lua error raised while running code, with its stack traceback.
    Runtime(String),
    /// A Lua value could not be converted to a Rust type.
    FromLua {
        /// Lua type name of the value.
        from: &'static str,
        /// Rust type asked for.
        to: &'static str,
        /// Why, when there is more to say.
        message: Option<String>,
    },
    /// A Rust value could not be converted to a Lua value.
    ToLua {
        /// Rust type of the value.
        from: &'static str,
        /// Lua type aimed at.
        to: &'static str,
        /// Why, when there is more to say.
        message: Option<String>,
    },
    /// An error from Rust code (for example returned by a callback through `?`).
    External(Arc<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// Wraps any error (for use with `?` in callbacks: `.map_err(Error::external)`).
    pub fn external<E: Into<Box<dyn std::error::Error + Send + Sync>>>(e: E) -> Error {
        Error::External(Arc::from(e.into()))
    }

    /// A runtime error with this message (what a callback returns to raise a Lua error).
    pub fn runtime(msg: impl Into<String>) -> Error {
        Error::Runtime(msg.into())
    }

    fn from_lua_conversion(v: &Value, to: &'static str, message: Option<String>) -> Error {
        Error::FromLua {
            from: v.type_name(),
            to,
            message,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Syntax(m) => write!(f, "syntax error: {m}"),
            Error::Runtime(m) => write!(f, "runtime error: {m}"),
            Error::FromLua { from, to, message } => {
                write!(f, "error converting Lua {from} to {to}")?;
                match message {
                    Some(m) => write!(f, " ({m})"),
                    None => Ok(()),
                }
            }
            Error::ToLua { from, to, message } => {
                write!(f, "error converting {from} to Lua {to}")?;
                match message {
                    Some(m) => write!(f, " ({m})"),
                    None => Ok(()),
                }
            }
            Error::External(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::External(e) => Some(&**e),
            _ => None,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

// =====================================================================================
// The state
// =====================================================================================

/// A Lua state with the standard libraries open. Cloning gives another reference to the
/// same state.
#[derive(Clone)]
pub struct Lua {
    inner: Rc<Inner>,
}

/// What a `Lua` and its handles share.
///
/// # Access to the `State`
///
/// The `State` is owned through a raw pointer (`root`). Every access goes through
/// `current`, for the duration of one call of [`Lua::with_state`] that never calls back
/// into this module's safe API directly. When Lua calls a Rust callback, the interpreter
/// is still using the `&mut State` it was given; the callback trampoline points `current`
/// at the `&mut State` the interpreter handed to the native function (a reborrow of the
/// outer one) until the callback returns. So at any moment the only live path to the
/// state is the innermost one, and the outer borrows are used again only after the inner
/// ones have ended.
struct Inner {
    root: *mut State,
    current: Cell<*mut State>,
    /// Registry-anchored table whose integer slots keep handed-out objects alive.
    handles: Gc<ferrous_runtime::Table>,
    /// Released slots of `handles`.
    free: RefCell<Vec<i64>>,
    /// Next never-used slot.
    next: Cell<i64>,
    /// How many Rust callbacks are running (0: the host is calling).
    callback_depth: Cell<usize>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // SAFETY: `root` came from `Box::into_raw` in `Lua::new_with`, and no handle or
        // callback can reach it anymore (they all hold a strong reference to `Inner`;
        // callbacks hold a weak one and check it).
        let st = unsafe { Box::from_raw(self.root) };
        api::close_state(*st);
    }
}

/// Registry key of the handle table.
const HANDLES_KEY: &str = "ferrous.handles";

/// How [`Lua::new_with`] sets up a state. Start from `LuaOptions::default()` (what
/// [`Lua::new`] uses) and change the fields you need:
///
/// ```
/// use ferrous::{Lua, LuaOptions};
/// let lua = Lua::new_with(LuaOptions { compat: true, ..LuaOptions::default() });
/// let n: i64 = lua.load("return select('#', unpack({1, 2, 3}))").eval()?;
/// assert_eq!(n, 3);
/// # Ok::<(), ferrous::Error>(())
/// ```
pub use ferrous_interp::vm::api::StateOptions as LuaOptions;

impl Lua {
    /// A new state with the standard libraries open.
    pub fn new() -> Lua {
        Lua::new_with(LuaOptions::default())
    }

    /// A new state with the standard libraries open, set up as `opts` asks.
    pub fn new_with(opts: LuaOptions) -> Lua {
        let mut st = Box::new(api::new_state_with(opts));
        let handles = st.new_table(16, 0);
        let reg = st.registry;
        st.set_field(reg, HANDLES_KEY, RawValue::table(handles));
        let root = Box::into_raw(st);
        Lua {
            inner: Rc::new(Inner {
                root,
                current: Cell::new(root),
                handles,
                free: RefCell::new(Vec::new()),
                next: Cell::new(1),
                callback_depth: Cell::new(0),
            }),
        }
    }

    /// Runs `f` with the state. `f` must not call back into this API except through the
    /// interpreter (see [`Inner`]).
    fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let p = self.inner.current.get();
        // SAFETY: `p` is the innermost live path to the state (see `Inner`): the root box
        // (alive while `inner` is), or the `&mut State` of the native call running a
        // callback. Callers do not nest `with_state` directly, so this `&mut` is unique
        // for its lifetime; nested uses through the interpreter go through a reborrow of it.
        f(unsafe { &mut *p })
    }

    /// The table of global variables.
    pub fn globals(&self) -> Table {
        let g = self.with_state(|st| st.globals);
        Table(self.register(RawValue::table(g)))
    }

    /// A new empty table.
    pub fn create_table(&self) -> Result<Table> {
        let t = self.with_state(|st| st.new_table(0, 0));
        Ok(Table(self.register(RawValue::table(t))))
    }

    /// A Lua string with these bytes (Lua strings need not be UTF-8).
    pub fn create_string(&self, bytes: impl AsRef<[u8]>) -> Result<LuaString> {
        let s = self.with_state(|st| st.str_value(bytes.as_ref()));
        Ok(LuaString(self.register(s)))
    }

    /// A table holding `values` at 1, 2, ....
    pub fn create_sequence_from<T: IntoLua>(
        &self,
        values: impl IntoIterator<Item = T>,
    ) -> Result<Table> {
        let t = self.create_table()?;
        for (i, v) in values.into_iter().enumerate() {
            t.raw_set(i as i64 + 1, v)?;
        }
        Ok(t)
    }

    /// A Lua function that runs the Rust closure `f`. Its arguments are converted to `A`
    /// (a type, a tuple of types, or [`Variadic`]); its results from `R` (a value, a
    /// tuple, `()` for none). An `Err` becomes a Lua error.
    pub fn create_function<A, R, F>(&self, f: F) -> Result<Function>
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, A) -> Result<R> + 'static,
    {
        let cb: Callback =
            Box::new(move |lua, args| f(lua, A::from_lua_multi(args, lua)?)?.into_lua_multi(lua));
        let data = CallbackData {
            f: cb,
            owner: Rc::downgrade(&self.inner),
        };
        let fv = self.with_state(|st| {
            let ud = st
                .heap
                .alloc(ferrous_runtime::userdata::Userdata::new(Box::new(data), 0));
            st.new_native_with_upvals(callback_trampoline, "?", vec![RawValue::userdata(ud)])
        });
        Ok(Function(self.register(fv)))
    }

    /// A chunk of Lua source (or a precompiled binary chunk) to run or evaluate.
    pub fn load(&self, source: impl AsRef<[u8]>) -> Chunk<'_> {
        Chunk {
            lua: self,
            source: source.as_ref().to_vec(),
            name: None,
            env: None,
            mode: "bt",
        }
    }

    /// Runs a full garbage collection, then the finalizers (`__gc`) it made due.
    pub fn gc_collect(&self) {
        self.with_state(|st| {
            st.full_gc();
            api::run_finalizers(st);
        });
    }

    /// Bytes of memory the state currently uses (an estimate).
    pub fn used_memory(&self) -> usize {
        self.with_state(|st| st.heap.bytes())
    }

    // ------------------------------------------------------------------ handle slots

    /// Anchors `v` in the handle table; the handle releases its slot when dropped.
    fn register(&self, v: RawValue) -> Ref {
        let slot = match self.inner.free.borrow_mut().pop() {
            Some(s) => s,
            None => {
                let s = self.inner.next.get();
                self.inner.next.set(s + 1);
                s
            }
        };
        let handles = self.inner.handles;
        self.with_state(|st| st.heap.write_table(handles, |t| t.set_int(slot, v)));
        Ref {
            lua: self.clone(),
            slot,
            raw: v,
        }
    }

    /// A Rust-side value for a raw value (anchoring collectable ones).
    fn wrap_raw(&self, v: RawValue) -> Value {
        match v.tag() {
            TAG_NIL => Value::Nil,
            TAG_BOOL => Value::Boolean(v.truthy()),
            TAG_INT => Value::Integer(v.as_int_unchecked()),
            TAG_FLOAT => Value::Number(v.as_float_unchecked()),
            TAG_LIGHTUD => Value::LightUserData(v.payload() as usize),
            TAG_STRING => Value::String(LuaString(self.register(v))),
            TAG_TABLE => Value::Table(Table(self.register(v))),
            TAG_LCLOSURE | TAG_NCLOSURE => Value::Function(Function(self.register(v))),
            TAG_THREAD => Value::Thread(Thread(self.register(v))),
            TAG_USERDATA => Value::UserData(AnyUserData(self.register(v))),
            _ => Value::Nil,
        }
    }

    /// Converts a Rust value to a raw value. The result is not anchored: use it before
    /// any Lua code runs (allocation alone never collects).
    fn raw_of(&self, v: impl IntoLua) -> Result<RawValue> {
        Ok(v.into_lua(self)?.raw())
    }

    /// The message of a Lua error value.
    fn error_message(st: &mut State, t: Throw) -> String {
        match t {
            Throw::Error(v) => {
                if let Some(s) = v.as_string() {
                    return s.to_str_lossy().into_owned();
                }
                if v.is_number() {
                    return String::from_utf8_lossy(&ferrous_runtime::state::number_to_bytes(v))
                        .into_owned();
                }
                match api::tostring(st, v) {
                    Ok(s) if !st.metamethod(v, ferrous_runtime::Tm::ToString).is_nil() => {
                        s.to_str_lossy().into_owned()
                    }
                    _ => format!("(error object is a {} value)", st.type_name_mt(v)),
                }
            }
            Throw::Yield(_) => "attempt to yield from outside a coroutine".to_string(),
        }
    }

    /// Runs a raw operation that may call Lua code, with `keep` anchored meanwhile.
    fn protect<R>(
        &self,
        keep: &[RawValue],
        f: impl FnOnce(&mut State) -> LuaResult<R>,
    ) -> Result<R> {
        self.with_state(|st| {
            let mark = st.roots.len();
            st.roots.extend_from_slice(keep);
            let r = f(st);
            st.roots.truncate(mark);
            r.map_err(|t| Error::Runtime(Lua::error_message(st, t)))
        })
    }
}

impl Default for Lua {
    fn default() -> Self {
        Lua::new()
    }
}

impl fmt::Debug for Lua {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lua({:p})", self.inner.root)
    }
}

// =====================================================================================
// Callbacks
// =====================================================================================

type Callback = Box<dyn Fn(&Lua, MultiValue) -> Result<MultiValue>>;

/// The payload of the userdata that a callback's native closure holds as upvalue 1.
struct CallbackData {
    f: Callback,
    /// Weak, so that the state does not own itself through its callbacks.
    owner: Weak<Inner>,
}

/// Restores `Inner::current` when a callback ends, even by unwinding.
struct CurrentGuard<'a> {
    inner: &'a Inner,
    prev: *mut State,
}

impl Drop for CurrentGuard<'_> {
    fn drop(&mut self) {
        self.inner.current.set(self.prev);
        self.inner
            .callback_depth
            .set(self.inner.callback_depth.get() - 1);
    }
}

/// The native function behind every Rust callback.
fn callback_trampoline(st: &mut State) -> LuaResult<usize> {
    let data = {
        let fv = st.thread.stack[st.frame().func];
        let up = fv.as_nclosure().and_then(|c| c.upvals.first().copied());
        match up.and_then(|u| u.as_userdata()) {
            Some(ud) => ud,
            None => return Err(st.error("corrupted Rust callback")),
        }
    };
    // The userdata lives as long as the closure, which is on the stack while it runs.
    let Some(data) = data.data.downcast_ref::<CallbackData>() else {
        return Err(st.error("corrupted Rust callback"));
    };
    let Some(inner) = data.owner.upgrade() else {
        return Err(st.error("Rust callback called after its Lua state was closed"));
    };
    let args: Vec<RawValue> = (1..=st.nargs()).map(|i| st.arg(i)).collect();
    let lua = Lua { inner };
    let result: Result<Vec<RawValue>> = {
        // From here until the guard drops, the state is reached only through `current`.
        let _guard = CurrentGuard {
            inner: &lua.inner,
            prev: lua.inner.current.replace(st as *mut State),
        };
        lua.inner
            .callback_depth
            .set(lua.inner.callback_depth.get() + 1);
        let args = MultiValue(args.into_iter().map(|v| lua.wrap_raw(v)).collect());
        (data.f)(&lua, args).map(|r| r.0.iter().map(Value::raw).collect())
    };
    match result {
        Ok(vals) => {
            let n = vals.len();
            for v in vals {
                st.push(v);
            }
            Ok(n)
        }
        Err(e) => {
            let msg = match e {
                Error::Runtime(m) => m,
                other => other.to_string(),
            };
            Err(Throw::Error(st.str_value(msg.as_bytes())))
        }
    }
}

// =====================================================================================
// Chunks
// =====================================================================================

/// A chunk of code waiting to be compiled; see [`Lua::load`].
#[must_use = "a chunk does nothing until exec, eval, call or into_function"]
pub struct Chunk<'lua> {
    lua: &'lua Lua,
    source: Vec<u8>,
    name: Option<String>,
    env: Option<Table>,
    mode: &'static str,
}

impl Chunk<'_> {
    /// Names the chunk for error messages: `name:1: ...`. A name starting with `@` or
    /// `=` is used as Lua's chunkname as is.
    pub fn set_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Runs the chunk with `env` as its `_ENV` instead of the globals.
    pub fn set_environment(mut self, env: Table) -> Self {
        self.env = Some(env);
        self
    }

    /// Accepts only text chunks (`false`) or also binary ones (`true`, the default).
    pub fn allow_binary(mut self, yes: bool) -> Self {
        self.mode = if yes { "bt" } else { "t" };
        self
    }

    fn chunkname(&self) -> Vec<u8> {
        match &self.name {
            Some(n) if n.starts_with('@') || n.starts_with('=') => n.as_bytes().to_vec(),
            Some(n) => format!("={n}").into_bytes(),
            // As luaL_loadstring: the source itself names the chunk ([string "..."]).
            None => self.source.clone(),
        }
    }

    fn compile(&self, source: &[u8]) -> Result<Function> {
        let name = self.chunkname();
        let env = self.env.as_ref().map(|t| t.0.raw);
        let r = self.lua.with_state(|st| {
            api::load(st, source, &name, self.mode, env)
                .map_err(|t| Error::Syntax(Lua::error_message(st, t)))
        });
        Ok(Function(self.lua.register(r?)))
    }

    /// Compiles the chunk into a function.
    pub fn into_function(self) -> Result<Function> {
        self.compile(&self.source)
    }

    /// Runs the chunk, discarding its results.
    pub fn exec(self) -> Result<()> {
        self.into_function()?.call(())
    }

    /// Runs the chunk with arguments (its `...`) and converts its results.
    pub fn call<A: IntoLuaMulti, R: FromLuaMulti>(self, args: A) -> Result<R> {
        self.into_function()?.call(args)
    }

    /// Evaluates the chunk as an expression (`return <source>`) when that compiles, else
    /// runs it as a block; converts the results.
    pub fn eval<R: FromLuaMulti>(self) -> Result<R> {
        let mut expr = b"return ".to_vec();
        expr.extend_from_slice(&self.source);
        let f = match self.compile(&expr) {
            Ok(f) => f,
            Err(_) => self.compile(&self.source)?,
        };
        f.call(())
    }
}

// =====================================================================================
// Handles
// =====================================================================================

/// An anchored reference to a Lua object.
struct Ref {
    lua: Lua,
    slot: i64,
    raw: RawValue,
}

impl Clone for Ref {
    fn clone(&self) -> Self {
        self.lua.register(self.raw)
    }
}

impl Drop for Ref {
    fn drop(&mut self) {
        // Only the handle table is touched (no access to the State), so this is safe
        // anywhere, including inside `with_state` and during a sweep.
        self.lua.inner.handles.clear_int(self.slot);
        self.lua.inner.free.borrow_mut().push(self.slot);
    }
}

impl fmt::Debug for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {:#x}", self.raw.type_name(), self.raw.object_addr())
    }
}

macro_rules! handle_common {
    ($t:ident) => {
        impl $t {
            /// The state this object belongs to.
            pub fn lua(&self) -> &Lua {
                &self.0.lua
            }
            /// The object's address (what `%p` and `tostring` show), for identity checks.
            pub fn to_pointer(&self) -> usize {
                self.0.raw.object_addr()
            }
        }
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.0.raw.raw_eq(other.0.raw)
            }
        }
    };
}

/// A Lua table.
#[derive(Clone, Debug)]
pub struct Table(Ref);
handle_common!(Table);

/// A Lua function (Lua or Rust).
#[derive(Clone, Debug)]
pub struct Function(Ref);
handle_common!(Function);

/// A Lua string: bytes, not necessarily UTF-8.
#[derive(Clone, Debug)]
pub struct LuaString(Ref);
handle_common!(LuaString);

/// A coroutine.
#[derive(Clone, Debug)]
pub struct Thread(Ref);
handle_common!(Thread);

/// A full userdata created by Lua or a library.
#[derive(Clone, Debug)]
pub struct AnyUserData(Ref);
handle_common!(AnyUserData);

impl Table {
    /// `t[key]`, honouring `__index`.
    pub fn get<K: IntoLua, V: FromLua>(&self, key: K) -> Result<V> {
        let lua = &self.0.lua;
        let k = lua.raw_of(key)?;
        let t = self.0.raw;
        let v = lua.protect(&[k], |st| api::index(st, t, k))?;
        V::from_lua(lua.wrap_raw(v), lua)
    }

    /// `t[key] = value`, honouring `__newindex`.
    pub fn set<K: IntoLua, V: IntoLua>(&self, key: K, value: V) -> Result<()> {
        let lua = &self.0.lua;
        let k = key.into_lua(lua)?;
        let v = value.into_lua(lua)?;
        let t = self.0.raw;
        lua.protect(&[k.raw(), v.raw()], |st| {
            api::set_index(st, t, k.raw(), v.raw())
        })
    }

    /// `rawget(t, key)`.
    pub fn raw_get<K: IntoLua, V: FromLua>(&self, key: K) -> Result<V> {
        let lua = &self.0.lua;
        let k = lua.raw_of(key)?;
        let v = self.raw_table().get(k);
        V::from_lua(lua.wrap_raw(v), lua)
    }

    /// `rawset(t, key, value)`.
    pub fn raw_set<K: IntoLua, V: IntoLua>(&self, key: K, value: V) -> Result<()> {
        let lua = &self.0.lua;
        let k = lua.raw_of(key)?;
        let v = lua.raw_of(value)?;
        let t = self.raw_table();
        lua.with_state(|st| st.heap.write_table(t, |t| t.set(k, v)))
            .map_err(|_| {
                let what = if k.is_nil() { "nil" } else { "NaN" };
                Error::Runtime(format!("index is {what}"))
            })
    }

    /// `#t`, honouring `__len`.
    pub fn len(&self) -> Result<i64> {
        let t = self.0.raw;
        self.0.lua.protect(&[], |st| api::len(st, t))
    }

    /// `rawlen(t)`: a border of the sequence part.
    pub fn raw_len(&self) -> usize {
        self.raw_table().border() as usize
    }

    /// Whether `rawlen(t) == 0` (no sequence elements).
    pub fn is_empty(&self) -> bool {
        self.raw_len() == 0
    }

    /// Whether `t[key]` (raw) is not nil.
    pub fn contains_key<K: IntoLua>(&self, key: K) -> Result<bool> {
        let k = self.0.lua.raw_of(key)?;
        Ok(!self.raw_table().get(k).is_nil())
    }

    /// The metatable, if any.
    pub fn get_metatable(&self) -> Option<Table> {
        let mt = self.raw_table().metatable?;
        Some(Table(self.0.lua.register(RawValue::table(mt))))
    }

    /// Sets or removes the metatable (raw: ignores `__metatable`).
    pub fn set_metatable(&self, mt: Option<Table>) {
        let t = self.raw_table();
        self.0
            .lua
            .with_state(|st| st.heap.write(t).metatable = mt.map(|m| m.raw_table()));
    }

    /// The key/value pairs (raw, like `next`), converted on the fly.
    pub fn pairs<K: FromLua, V: FromLua>(&self) -> TablePairs<K, V> {
        TablePairs {
            table: self.clone(),
            key: Some(Value::Nil),
            _types: std::marker::PhantomData,
        }
    }

    /// Values `t[1]`, `t[2]`, ... up to the first nil (raw).
    pub fn sequence_values<V: FromLua>(&self) -> impl Iterator<Item = Result<V>> + '_ {
        let t = self.raw_table();
        (1..)
            .map(move |i| t.get_int(i))
            .take_while(|v| !v.is_nil())
            .map(move |v| V::from_lua(self.0.lua.wrap_raw(v), &self.0.lua))
    }

    fn raw_table(&self) -> Gc<ferrous_runtime::Table> {
        self.0.raw.as_table().expect("Table handle holds a table")
    }
}

/// Iterator over a table's pairs; see [`Table::pairs`].
pub struct TablePairs<K, V> {
    table: Table,
    /// The previous key (anchored); None once done.
    key: Option<Value>,
    _types: std::marker::PhantomData<fn() -> (K, V)>,
}

impl<K: FromLua, V: FromLua> Iterator for TablePairs<K, V> {
    type Item = Result<(K, V)>;
    fn next(&mut self) -> Option<Self::Item> {
        let prev = self.key.take()?;
        let lua = self.table.0.lua.clone();
        match self.table.raw_table().next(prev.raw()) {
            Ok(Some((k, v))) => {
                let k = lua.wrap_raw(k);
                let v = lua.wrap_raw(v);
                self.key = Some(k.clone());
                Some(K::from_lua(k, &lua).and_then(|k| Ok((k, V::from_lua(v, &lua)?))))
            }
            Ok(None) => None,
            Err(_) => Some(Err(Error::Runtime("invalid key to 'next'".into()))),
        }
    }
}

impl Function {
    /// Calls the function in protected mode and converts its results.
    ///
    /// A Lua error becomes [`Error::Runtime`] with a stack traceback, except inside a
    /// callback, where the message stays bare so that it can travel on as a Lua error.
    /// Returning to the host flushes Lua's buffered standard output.
    pub fn call<A: IntoLuaMulti, R: FromLuaMulti>(&self, args: A) -> Result<R> {
        let lua = &self.0.lua;
        let args = args.into_lua_multi(lua)?;
        let raw: Vec<RawValue> = args.0.iter().map(Value::raw).collect();
        let f = self.0.raw;
        let nested = lua.inner.callback_depth.get() > 0;
        let results = lua.with_state(|st| api::pcall_traceback(st, f, &raw));
        if !nested {
            ferrous_interp::stdlib::io::flush_stdout();
        }
        let results = results.map_err(|mut msg| {
            if nested {
                if let Some(p) = msg.find("\nstack traceback:") {
                    msg.truncate(p);
                }
            }
            Error::Runtime(msg)
        })?;
        drop(args);
        let values = MultiValue(results.into_iter().map(|v| lua.wrap_raw(v)).collect());
        R::from_lua_multi(values, lua)
    }
}

impl LuaString {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        let s: Gc<ferrous_runtime::LuaStr> =
            self.0.raw.as_string().expect("LuaString holds a string");
        // The handle anchors the string for as long as `self` lives, the collector never
        // moves objects, and strings are immutable.
        s.as_bytes()
    }

    /// The text, if it is UTF-8.
    pub fn to_str(&self) -> Result<&str> {
        std::str::from_utf8(self.as_bytes()).map_err(|e| Error::FromLua {
            from: "string",
            to: "&str",
            message: Some(e.to_string()),
        })
    }

    /// The text, with invalid UTF-8 replaced.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(self.as_bytes()).into_owned()
    }
}

// =====================================================================================
// Values
// =====================================================================================

/// A Lua value on the Rust side. Objects are handles that keep them alive.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// `nil`
    #[default]
    Nil,
    /// `true` / `false`
    Boolean(bool),
    /// A light userdata: an address Lua only stores.
    LightUserData(usize),
    /// An integer number.
    Integer(i64),
    /// A float number.
    Number(f64),
    /// A string.
    String(LuaString),
    /// A table.
    Table(Table),
    /// A function.
    Function(Function),
    /// A coroutine.
    Thread(Thread),
    /// A full userdata.
    UserData(AnyUserData),
}

impl Value {
    /// The Lua type name (`"nil"`, `"number"`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Boolean(_) => "boolean",
            Value::LightUserData(_) | Value::UserData(_) => "userdata",
            Value::Integer(_) | Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Table(_) => "table",
            Value::Function(_) => "function",
            Value::Thread(_) => "thread",
        }
    }

    /// Whether this is `nil`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The raw value (anchored by `self` while `self` lives).
    fn raw(&self) -> RawValue {
        match self {
            Value::Nil => RawValue::NIL,
            Value::Boolean(b) => RawValue::bool(*b),
            Value::LightUserData(a) => RawValue::light_userdata(*a),
            Value::Integer(i) => RawValue::int(*i),
            Value::Number(n) => RawValue::float(*n),
            Value::String(LuaString(r))
            | Value::Table(Table(r))
            | Value::Function(Function(r))
            | Value::Thread(Thread(r))
            | Value::UserData(AnyUserData(r)) => r.raw,
        }
    }
}

impl PartialEq for Value {
    /// Raw equality (`rawequal`), with `1 == 1.0`.
    fn eq(&self, other: &Self) -> bool {
        self.raw().raw_eq(other.raw())
    }
}

/// Values passed to or returned from a function.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MultiValue(pub Vec<Value>);

impl std::ops::Deref for MultiValue {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.0
    }
}

/// Any number of values of one type: `Variadic<i64>` as callback arguments takes all of
/// them; as results, returns all of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Variadic<T>(pub Vec<T>);

impl<T> std::ops::Deref for Variadic<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

// =====================================================================================
// Conversions
// =====================================================================================

/// Conversion of a Rust value to a Lua value.
pub trait IntoLua {
    /// Converts `self` in the state `lua`.
    fn into_lua(self, lua: &Lua) -> Result<Value>;
}

/// Conversion of a Lua value to a Rust value.
pub trait FromLua: Sized {
    /// Converts `value` (from the state `lua`).
    fn from_lua(value: Value, lua: &Lua) -> Result<Self>;
}

/// Conversion of a Rust value to any number of Lua values (arguments, results).
pub trait IntoLuaMulti {
    /// Converts `self` in the state `lua`.
    fn into_lua_multi(self, lua: &Lua) -> Result<MultiValue>;
}

/// Conversion of any number of Lua values to a Rust value.
pub trait FromLuaMulti: Sized {
    /// Converts `values` (from the state `lua`).
    fn from_lua_multi(values: MultiValue, lua: &Lua) -> Result<Self>;
}

impl<T: IntoLua> IntoLuaMulti for T {
    fn into_lua_multi(self, lua: &Lua) -> Result<MultiValue> {
        Ok(MultiValue(vec![self.into_lua(lua)?]))
    }
}

impl<T: FromLua> FromLuaMulti for T {
    /// The first value (nil when there is none); the others are ignored.
    fn from_lua_multi(values: MultiValue, lua: &Lua) -> Result<Self> {
        T::from_lua(values.0.into_iter().next().unwrap_or(Value::Nil), lua)
    }
}

impl IntoLuaMulti for MultiValue {
    fn into_lua_multi(self, _: &Lua) -> Result<MultiValue> {
        Ok(self)
    }
}

impl FromLuaMulti for MultiValue {
    fn from_lua_multi(values: MultiValue, _: &Lua) -> Result<Self> {
        Ok(values)
    }
}

impl<T: IntoLua> IntoLuaMulti for Variadic<T> {
    fn into_lua_multi(self, lua: &Lua) -> Result<MultiValue> {
        Ok(MultiValue(
            self.0
                .into_iter()
                .map(|v| v.into_lua(lua))
                .collect::<Result<_>>()?,
        ))
    }
}

impl<T: FromLua> FromLuaMulti for Variadic<T> {
    fn from_lua_multi(values: MultiValue, lua: &Lua) -> Result<Self> {
        Ok(Variadic(
            values
                .0
                .into_iter()
                .map(|v| T::from_lua(v, lua))
                .collect::<Result<_>>()?,
        ))
    }
}

/// `()` is zero values; tuples are one value per element (missing ones are nil).
macro_rules! tuple_multi {
    ($($name:ident)*) => {
        impl<$($name: IntoLua,)*> IntoLuaMulti for ($($name,)*) {
            #[allow(non_snake_case, unused_variables)]
            fn into_lua_multi(self, lua: &Lua) -> Result<MultiValue> {
                let ($($name,)*) = self;
                Ok(MultiValue(vec![$($name.into_lua(lua)?,)*]))
            }
        }
        impl<$($name: FromLua,)*> FromLuaMulti for ($($name,)*) {
            #[allow(non_snake_case, unused_variables, unused_mut)]
            fn from_lua_multi(values: MultiValue, lua: &Lua) -> Result<Self> {
                let mut it = values.0.into_iter();
                $(let $name = $name::from_lua(it.next().unwrap_or(Value::Nil), lua)?;)*
                Ok(($($name,)*))
            }
        }
    };
}
tuple_multi!();
tuple_multi!(A);
tuple_multi!(A B);
tuple_multi!(A B C);
tuple_multi!(A B C D);
tuple_multi!(A B C D E);
tuple_multi!(A B C D E F);
tuple_multi!(A B C D E F G);
tuple_multi!(A B C D E F G H);

impl IntoLua for Value {
    fn into_lua(self, _: &Lua) -> Result<Value> {
        Ok(self)
    }
}
impl FromLua for Value {
    fn from_lua(value: Value, _: &Lua) -> Result<Self> {
        Ok(value)
    }
}

impl IntoLua for bool {
    fn into_lua(self, _: &Lua) -> Result<Value> {
        Ok(Value::Boolean(self))
    }
}
impl FromLua for bool {
    /// Lua truthiness: only `nil` and `false` are false.
    fn from_lua(value: Value, _: &Lua) -> Result<Self> {
        Ok(!matches!(value, Value::Nil | Value::Boolean(false)))
    }
}

/// The number a value converts to, as Lua's arithmetic does (strings included).
fn number_of(value: &Value) -> Option<RawValue> {
    ferrous_runtime::state::to_number(value.raw())
}

macro_rules! int_conversions {
    ($($t:ty)*) => {$(
        impl IntoLua for $t {
            fn into_lua(self, _: &Lua) -> Result<Value> {
                match i64::try_from(self) {
                    Ok(i) => Ok(Value::Integer(i)),
                    Err(_) => Ok(Value::Number(self as f64)),
                }
            }
        }
        impl FromLua for $t {
            /// Integers, floats with an exact integer value, and strings converting to
            /// one; an error when out of range for the type.
            fn from_lua(value: Value, _: &Lua) -> Result<Self> {
                let i = number_of(&value)
                    .and_then(|n| ferrous_runtime::state::to_integer(n))
                    .ok_or_else(|| {
                        let msg = number_of(&value).map(|_| "number has no integer representation".to_string());
                        Error::from_lua_conversion(&value, stringify!($t), msg)
                    })?;
                <$t>::try_from(i).map_err(|_| {
                    Error::from_lua_conversion(&value, stringify!($t), Some("out of range".into()))
                })
            }
        }
    )*};
}
int_conversions!(i8 i16 i32 i64 isize u8 u16 u32 u64 usize);

macro_rules! float_conversions {
    ($($t:ty)*) => {$(
        impl IntoLua for $t {
            fn into_lua(self, _: &Lua) -> Result<Value> {
                Ok(Value::Number(self as f64))
            }
        }
        impl FromLua for $t {
            /// Numbers, and strings converting to one.
            fn from_lua(value: Value, _: &Lua) -> Result<Self> {
                number_of(&value)
                    .and_then(|n| n.as_number_f64())
                    .map(|f| f as $t)
                    .ok_or_else(|| Error::from_lua_conversion(&value, stringify!($t), None))
            }
        }
    )*};
}
float_conversions!(f32 f64);

impl IntoLua for &str {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::String(lua.create_string(self)?))
    }
}
impl IntoLua for String {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::String(lua.create_string(self)?))
    }
}
impl IntoLua for &String {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::String(lua.create_string(self)?))
    }
}
impl IntoLua for &[u8] {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::String(lua.create_string(self)?))
    }
}
impl FromLua for String {
    /// Strings that are UTF-8, and numbers (converted as `tostring` does).
    fn from_lua(value: Value, _: &Lua) -> Result<Self> {
        match &value {
            Value::String(s) => Ok(s.to_str()?.to_string()),
            Value::Integer(_) | Value::Number(_) => Ok(String::from_utf8_lossy(
                &ferrous_runtime::state::number_to_bytes(value.raw()),
            )
            .into_owned()),
            _ => Err(Error::from_lua_conversion(&value, "String", None)),
        }
    }
}

impl<T: IntoLua> IntoLua for Option<T> {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        match self {
            Some(v) => v.into_lua(lua),
            None => Ok(Value::Nil),
        }
    }
}
impl<T: FromLua> FromLua for Option<T> {
    /// `nil` is `None`; anything else must convert to `T`.
    fn from_lua(value: Value, lua: &Lua) -> Result<Self> {
        match value {
            Value::Nil => Ok(None),
            v => T::from_lua(v, lua).map(Some),
        }
    }
}

impl<T: IntoLua> IntoLua for Vec<T> {
    /// A sequence table.
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::Table(lua.create_sequence_from(self)?))
    }
}
impl<T: FromLua> FromLua for Vec<T> {
    /// The sequence `t[1]`, `t[2]`, ... up to the first nil.
    fn from_lua(value: Value, _: &Lua) -> Result<Self> {
        match &value {
            Value::Table(t) => t.sequence_values().collect(),
            _ => Err(Error::from_lua_conversion(&value, "Vec", None)),
        }
    }
}

macro_rules! handle_conversions {
    ($($t:ident $variant:ident $name:literal,)*) => {$(
        impl IntoLua for $t {
            fn into_lua(self, _: &Lua) -> Result<Value> {
                Ok(Value::$variant(self))
            }
        }
        impl IntoLua for &$t {
            fn into_lua(self, _: &Lua) -> Result<Value> {
                Ok(Value::$variant(self.clone()))
            }
        }
        impl FromLua for $t {
            fn from_lua(value: Value, _: &Lua) -> Result<Self> {
                match value {
                    Value::$variant(h) => Ok(h),
                    v => Err(Error::from_lua_conversion(&v, $name, None)),
                }
            }
        }
    )*};
}
handle_conversions!(
    Table Table "Table",
    Function Function "Function",
    LuaString String "LuaString",
    Thread Thread "Thread",
    AnyUserData UserData "AnyUserData",
);

// =====================================================================================
// Tests
// =====================================================================================

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_line_embedding() -> Result<()> {
        let lua = Lua::new();
        lua.load("x = 1 + 2").exec()?;
        let x: i64 = lua.globals().get("x")?;
        assert_eq!(x, 3);
        Ok(())
    }

    #[test]
    fn eval_expressions_and_blocks() -> Result<()> {
        let lua = Lua::new();
        assert_eq!(lua.load("2^10").eval::<f64>()?, 1024.0);
        assert_eq!(
            lua.load("local a = 'x' return a .. a").eval::<String>()?,
            "xx"
        );
        let (a, b): (i64, Option<bool>) = lua.load("return 7").eval()?;
        assert_eq!((a, b), (7, None));
        Ok(())
    }

    #[test]
    fn globals_roundtrip() -> Result<()> {
        let lua = Lua::new();
        let g = lua.globals();
        g.set("s", "hello")?;
        g.set("n", 2.5)?;
        g.set("b", true)?;
        g.set("v", vec![1i64, 2, 3])?;
        assert_eq!(g.get::<_, String>("s")?, "hello");
        assert_eq!(g.get::<_, f64>("n")?, 2.5);
        assert!(g.get::<_, bool>("b")?);
        assert_eq!(g.get::<_, Vec<i64>>("v")?, vec![1, 2, 3]);
        assert_eq!(g.get::<_, Option<i64>>("missing")?, None);
        assert_eq!(lua.load("return #v + n").eval::<f64>()?, 5.5);
        Ok(())
    }

    #[test]
    fn rust_callbacks() -> Result<()> {
        let lua = Lua::new();
        let add = lua.create_function(|_, (a, b): (i64, i64)| Ok(a + b))?;
        lua.globals().set("add", add)?;
        assert_eq!(lua.load("return add(40, 2)").eval::<i64>()?, 42);

        // A callback that calls back into Lua.
        let twice = lua.create_function(|_, f: Function| {
            let once: i64 = f.call(1)?;
            f.call::<_, i64>(once)
        })?;
        lua.globals().set("twice", twice)?;
        assert_eq!(
            lua.load("return twice(function(x) return x * 10 end)")
                .eval::<i64>()?,
            100
        );

        // Multiple results and errors.
        let split = lua.create_function(|_, s: String| {
            let (a, b) = s
                .split_once(',')
                .ok_or_else(|| Error::runtime("no comma"))?;
            Ok((a.to_string(), b.to_string()))
        })?;
        lua.globals().set("split", split)?;
        let (a, b): (String, String) = lua.load("return split('x,y')").eval()?;
        assert_eq!((a.as_str(), b.as_str()), ("x", "y"));
        let msg: String = lua
            .load("local ok, e = pcall(split, 'xy') return e")
            .eval()?;
        assert!(msg.contains("no comma"), "{msg}");
        Ok(())
    }

    #[test]
    fn errors() {
        let lua = Lua::new();
        match lua.load("x = ").set_name("bad").exec() {
            Err(Error::Syntax(m)) => assert!(m.starts_with("bad:1:"), "{m}"),
            other => panic!("{other:?}"),
        }
        match lua.load("error('boom')").set_name("t").exec() {
            Err(Error::Runtime(m)) => assert!(m.contains("t:1: boom"), "{m}"),
            other => panic!("{other:?}"),
        }
        match lua.load("return {}").eval::<i64>() {
            Err(Error::FromLua { from: "table", .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn handles_survive_collection() -> Result<()> {
        let lua = Lua::new();
        let t: Table = lua.load("return {answer = 42}").eval()?;
        let s = lua.create_string("kept")?;
        lua.load("for i = 1, 1000 do local _ = {i} end").exec()?;
        lua.gc_collect();
        assert_eq!(t.get::<_, i64>("answer")?, 42);
        assert_eq!(s.as_bytes(), b"kept");
        let pairs: Vec<(String, i64)> = t.pairs().collect::<Result<_>>()?;
        assert_eq!(pairs, vec![("answer".to_string(), 42)]);
        Ok(())
    }

    #[test]
    fn dropped_handles_release_their_objects() -> Result<()> {
        let lua = Lua::new();
        lua.load("weak = setmetatable({}, {__mode = 'v'})").exec()?;
        let kept: Table = lua.load("weak.kept = {} return weak.kept").eval()?;
        let dropped: Table = lua.load("weak.dropped = {} return weak.dropped").eval()?;
        drop(dropped);
        lua.gc_collect();
        let weak: Table = lua.globals().get("weak")?;
        assert!(weak
            .get::<_, Option<Table>>("kept")?
            .is_some_and(|t| t == kept));
        assert!(weak.get::<_, Option<Table>>("dropped")?.is_none());
        Ok(())
    }

    #[test]
    fn callbacks_are_freed_with_the_state() -> Result<()> {
        let token = Rc::new(());
        {
            let lua = Lua::new();
            let t = token.clone();
            let f = lua.create_function(move |_, ()| Ok(Rc::strong_count(&t) as i64))?;
            assert_eq!(f.call::<_, i64>(())?, 2);
            // Closing runs pending finalizers, which may call Rust.
            lua.globals().set("f", f)?;
            lua.load("setmetatable({}, {__gc = function() f() end})")
                .exec()?;
        }
        assert_eq!(Rc::strong_count(&token), 1);
        Ok(())
    }

    #[test]
    fn errors_cross_the_boundary_both_ways() -> Result<()> {
        let lua = Lua::new();
        let fail =
            lua.create_function(|_, ()| -> Result<()> { Err(Error::external("disk on fire")) })?;
        lua.globals().set("fail", fail)?;
        let (ok, msg): (bool, String) = lua.load("return pcall(fail)").eval()?;
        assert!(!ok && msg.contains("disk on fire"), "{msg}");
        // A Lua error inside Lua code called from a callback reaches the outer Rust caller.
        let call_it = lua.create_function(|_, f: Function| f.call::<_, ()>(()))?;
        lua.globals().set("call_it", call_it)?;
        match lua.load("call_it(function() error('deep') end)").exec() {
            Err(Error::Runtime(m)) => {
                assert!(m.contains("deep"), "{m}");
                assert_eq!(m.matches("stack traceback:").count(), 1, "{m}");
            }
            other => panic!("{other:?}"),
        }
        Ok(())
    }

    #[test]
    fn conversions() -> Result<()> {
        let lua = Lua::new();
        assert_eq!(lua.load("'10'").eval::<i64>()?, 10);
        assert_eq!(lua.load("3.0").eval::<i64>()?, 3);
        assert!(lua.load("3.5").eval::<i64>().is_err());
        assert!(lua.load("300").eval::<u8>().is_err());
        assert_eq!(lua.load("2^53").eval::<String>()?, "9.007199254741e+15");
        assert!(!lua.load("nil").eval::<bool>()?);
        assert!(lua.load("0").eval::<bool>()?);
        let v: Value = lua.load("'s'").eval()?;
        assert_eq!(v.type_name(), "string");
        let Variadic(all): Variadic<i64> = lua.load("1, 2, 3").eval()?;
        assert_eq!(all, vec![1, 2, 3]);
        Ok(())
    }

    #[test]
    fn chunk_arguments_and_environment() -> Result<()> {
        let lua = Lua::new();
        let n: i64 = lua.load("local a, b = ... return a * b").call((6, 7))?;
        assert_eq!(n, 42);
        let env = lua.create_table()?;
        env.set("y", 5)?;
        let y: i64 = lua.load("return y").set_environment(env).eval()?;
        assert_eq!(y, 5);
        Ok(())
    }
}

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
