//! The package library: `require`, `package.loaded`, `package.preload`,
//! `package.searchers`, `package.path` / `package.cpath`, `package.searchpath`,
//! `package.loadlib` and `package.config`, following PUC Lua 5.4.8's loadlib.c.
//!
//! - `require(name)` looks in the registry's `_LOADED` table (also `package.loaded`),
//!   then asks each function of `package.searchers` in turn for a loader. A searcher
//!   returns a loader and a value for it (the file name, ":preload:"), or a string that
//!   says where it looked; the strings make up the "module 'x' not found:" message. The
//!   loader is called with the name and that value; `require` stores its result (or
//!   `true`) in `_LOADED` and returns it together with the value.
//! - The four searchers are real functions with `package` as upvalue, so Lua code can
//!   reorder, replace or extend them: preload (registry `_PRELOAD`, also
//!   `package.preload`), Lua files along `package.path`, C libraries along
//!   `package.cpath` and the all-in-one C searcher (the root name along `package.cpath`).
//! - Ferrous cannot load C libraries: the C searchers still search, so the message lists
//!   every file tried, and when they do find a file, loading it fails with "dynamic
//!   libraries not enabled". `package.loadlib` fails the way PUC's stub does: nil, the
//!   message and "absent".
//! - `package.path` and `package.cpath` come from `LUA_PATH_5_4` / `LUA_PATH` and
//!   `LUA_CPATH_5_4` / `LUA_CPATH`, where `;;` stands for the default path, unless the
//!   registry has `LUA_NOENV` set (`ferrous -E`, `StateOptions::ignore_env`).
//!
//! Names, paths and messages are byte strings throughout (Lua strings need not be UTF-8).

use super::base::load_file;
use crate::vm::api;
use ferrous_runtime::{Gc, LuaResult, State, Table, Throw, Value};

/// PUC's LUA_PATH_DEFAULT on Unix.
const DEFAULT_PATH: &str = "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;\
/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;./?.lua;./?/init.lua";
/// PUC's LUA_CPATH_DEFAULT on Unix.
const DEFAULT_CPATH: &str = "/usr/local/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so;./?.so";
/// Directory separator, path separator, substitution mark, executable-directory mark,
/// ignore mark (LUA_DIRSEP, LUA_PATH_SEP, LUA_PATH_MARK, LUA_EXEC_DIR, LUA_IGMARK).
const CONFIG: &[u8] = b"/\n;\n?\n!\n-\n";
/// Why loading a C library fails (PUC's DLMSG for builds without dynamic libraries).
const DLMSG: &str = "dynamic libraries not enabled; Ferrous cannot load C modules";

/// Opens the library: the `package` table and the global `require`. When the registry
/// has `LUA_NOENV` set to a true value (as PUC's `lua -E` does), the environment
/// variables are not read and the paths are the defaults.
pub fn open(st: &mut State) {
    let reg = st.registry;
    let noenv = st.get_field(reg, "LUA_NOENV").truthy();
    // Loaded C libraries (always empty here; kept for programs that look at it).
    sub_table(st, reg, "_CLIBS");
    let pkg = st.new_table(0, 10);
    st.set_fn(pkg, "loadlib", loadlib);
    st.set_fn(pkg, "searchpath", searchpath);
    let searchers = st.new_table(4, 0);
    let fns: [(ferrous_runtime::NativeFn, &'static str); 4] = [
        (searcher_preload, "searcher_preload"),
        (searcher_lua, "searcher_Lua"),
        (searcher_c, "searcher_C"),
        (searcher_croot, "searcher_Croot"),
    ];
    for (i, (f, name)) in fns.into_iter().enumerate() {
        let v = st.new_native_with_upvals(f, name, vec![Value::table(pkg)]);
        st.heap
            .write_table(searchers, |t| t.set_int(i as i64 + 1, v));
    }
    st.set_field(pkg, "searchers", Value::table(searchers));
    let path = env_path("LUA_PATH", DEFAULT_PATH, noenv);
    let v = st.string_value_owned(path);
    st.set_field(pkg, "path", v);
    let cpath = env_path("LUA_CPATH", DEFAULT_CPATH, noenv);
    let v = st.string_value_owned(cpath);
    st.set_field(pkg, "cpath", v);
    let v = st.str_value(CONFIG);
    st.set_field(pkg, "config", v);
    let loaded = sub_table(st, reg, "_LOADED");
    st.set_field(pkg, "loaded", Value::table(loaded));
    let preload = sub_table(st, reg, "_PRELOAD");
    st.set_field(pkg, "preload", Value::table(preload));
    let g = st.globals;
    st.set_field(g, "package", Value::table(pkg));
    let req = st.new_native_with_upvals(require, "require", vec![Value::table(pkg)]);
    st.set_field(g, "require", req);
}

/// Records every library table already in the globals in package.loaded.
pub fn register_loaded(st: &mut State, names: &[&str]) {
    let r = st.registry;
    let Some(loaded) = st.get_field(r, "_LOADED").as_table() else {
        return;
    };
    let g = st.globals;
    for &n in names {
        let v = if n == "_G" {
            Value::table(g)
        } else {
            st.get_field(g, n)
        };
        if !v.is_nil() {
            st.set_field(loaded, n, v);
        }
    }
}

/// `t[name]`, created as an empty table when it is not a table (luaL_getsubtable).
fn sub_table(st: &mut State, t: Gc<Table>, name: &str) -> Gc<Table> {
    if let Some(s) = st.get_field(t, name).as_table() {
        return s;
    }
    let s = st.new_table(0, 4);
    st.set_field(t, name, Value::table(s));
    s
}

// =====================================================================================
// Paths
// =====================================================================================

/// The value of a path: `VAR_5_4`, else `VAR`, else the default; a `;;` in the variable
/// is replaced by `;default;`, without a `;` at either end (PUC's setpath).
fn env_path(var: &str, default: &str, noenv: bool) -> Vec<u8> {
    let value = std::env::var_os(format!("{var}_5_4")).or_else(|| std::env::var_os(var));
    match value {
        Some(v) if !noenv => expand_default(&os_bytes(v), default.as_bytes()),
        _ => default.as_bytes().to_vec(),
    }
}

/// Replaces the first `;;` of `path` by the default path.
fn expand_default(path: &[u8], default: &[u8]) -> Vec<u8> {
    let Some(mark) = find(path, b";;") else {
        return path.to_vec();
    };
    let mut out = Vec::with_capacity(path.len() + default.len() + 2);
    if mark > 0 {
        out.extend_from_slice(&path[..mark]);
        out.push(b';');
    }
    out.extend_from_slice(default);
    if mark + 2 < path.len() {
        out.push(b';');
        out.extend_from_slice(&path[mark + 2..]);
    }
    out
}

#[cfg(unix)]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    s.into_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

/// Position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Every occurrence of `pat` in `s` replaced by `rep` (luaL_gsub).
fn gsub(s: &[u8], pat: &[u8], rep: &[u8]) -> Vec<u8> {
    if pat.is_empty() {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(pat) {
            out.extend_from_slice(rep);
            i += pat.len();
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// Whether `fopen(name, "r")` would succeed.
fn readable(name: &[u8]) -> bool {
    #[cfg(unix)]
    let path = {
        use std::os::unix::ffi::OsStrExt;
        std::path::Path::new(std::ffi::OsStr::from_bytes(name)).to_path_buf()
    };
    #[cfg(not(unix))]
    let path = std::path::PathBuf::from(String::from_utf8_lossy(name).into_owned());
    !name.is_empty() && std::fs::File::open(path).is_ok()
}

/// Searches `path` for `name` (PUC's searchpath): each `sep` in the name becomes
/// `dirsep`, each `?` in the path becomes the name, and the `;`-separated templates are
/// tried in order. Returns the first readable file, or the "no file '...'" list.
fn search_path(name: &[u8], path: &[u8], sep: &[u8], dirsep: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
    let name = match sep.first() {
        Some(c) if name.contains(c) => gsub(name, sep, dirsep),
        _ => name.to_vec(),
    };
    let names = gsub(path, b"?", &name);
    if !names.is_empty() {
        if let Some(f) = names.split(|&c| c == b';').find(|f| readable(f)) {
            return Ok(f.to_vec());
        }
    }
    let mut msg = b"no file '".to_vec();
    msg.extend_from_slice(&gsub(&names, b";", b"'\n\tno file '"));
    msg.push(b'\'');
    Err(msg)
}

/// `package.searchpath(name, path [, sep [, rep]])`.
fn searchpath(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?.as_bytes().to_vec();
    let path = st.check_str(2)?.as_bytes().to_vec();
    let sep = match st.opt_str(3)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b".".to_vec(),
    };
    let rep = match st.opt_str(4)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"/".to_vec(),
    };
    match search_path(&name, &path, &sep, &rep) {
        Ok(f) => {
            let v = st.string_value_owned(f);
            st.push(v);
            Ok(1)
        }
        Err(msg) => {
            st.push(Value::NIL);
            let v = st.string_value_owned(msg);
            st.push(v);
            Ok(2)
        }
    }
}

/// `package.loadlib(path, funcname)`: always fails, as PUC's stub for systems without
/// dynamic libraries does: nil, the message, "absent".
fn loadlib(st: &mut State) -> LuaResult<usize> {
    st.check_str(1)?;
    st.check_str(2)?;
    st.push(Value::NIL);
    st.push_str(DLMSG.as_bytes());
    st.push_str(b"absent");
    Ok(3)
}

// =====================================================================================
// Searchers
// =====================================================================================

/// The running native's first upvalue: the `package` table (any value, really: Lua code
/// cannot change it, but reads through it use full indexing like PUC's lua_getfield).
fn package_upvalue(st: &State) -> Value {
    let f = st.frame().func;
    st.thread.stack[f]
        .as_nclosure()
        .and_then(|c| c.upvals.first().copied())
        .unwrap_or(Value::NIL)
}

/// `t[key]` with metamethods (lua_getfield).
fn get_field_meta(st: &mut State, t: Value, key: &[u8]) -> LuaResult<Value> {
    let k = st.str_value(key);
    api::index(st, t, k)
}

/// An error with the caller's position, from bytes (luaL_error).
fn error_bytes(st: &mut State, msg: &[u8]) -> Throw {
    let mut full = st.where_(1).into_bytes();
    full.extend_from_slice(msg);
    Throw::Error(st.string_value_owned(full))
}

/// The string value of a path field of `package` ("'package.path' must be a string").
fn path_field(st: &mut State, field: &str) -> LuaResult<Vec<u8>> {
    let pkg = package_upvalue(st);
    let v = get_field_meta(st, pkg, field.as_bytes())?;
    if let Some(s) = v.as_string() {
        Ok(s.as_bytes().to_vec())
    } else if v.is_number() {
        Ok(ferrous_runtime::state::number_to_bytes(v))
    } else {
        Err(st.error(format!("'package.{field}' must be a string")))
    }
}

/// The "error loading module" error for `file`, found for module `name`, with the
/// loading error `err` (PUC's checkload).
fn load_error(st: &mut State, name: &[u8], file: &[u8], err: Value) -> Throw {
    let mut msg = b"error loading module '".to_vec();
    msg.extend_from_slice(name);
    msg.extend_from_slice(b"' from file '");
    msg.extend_from_slice(file);
    msg.extend_from_slice(b"':\n\t");
    if let Some(s) = err.as_string() {
        msg.extend_from_slice(s.as_bytes());
    } else if err.is_number() {
        msg.extend_from_slice(&ferrous_runtime::state::number_to_bytes(err));
    } else {
        msg.extend_from_slice(b"(null)");
    }
    error_bytes(st, &msg)
}

/// Searcher 1: `package.preload[name]` (the registry's `_PRELOAD`).
fn searcher_preload(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?;
    let reg = st.registry;
    let preload = st.get_field(reg, "_PRELOAD");
    let loader = api::index(st, preload, Value::string(name))?;
    if loader.is_nil() {
        let mut msg = b"no field package.preload['".to_vec();
        msg.extend_from_slice(name.as_bytes());
        msg.extend_from_slice(b"']");
        let v = st.string_value_owned(msg);
        st.push(v);
        Ok(1)
    } else {
        st.push(loader);
        st.push_str(b":preload:");
        Ok(2)
    }
}

/// Searcher 2: a Lua file along `package.path`.
fn searcher_lua(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?.as_bytes().to_vec();
    let path = path_field(st, "path")?;
    let file = match search_path(&name, &path, b".", b"/") {
        Ok(f) => f,
        Err(msg) => {
            let v = st.string_value_owned(msg);
            st.push(v);
            return Ok(1);
        }
    };
    match load_file(st, Some(&file), "bt", None) {
        Ok(f) => {
            st.push(f);
            let v = st.string_value_owned(file);
            st.push(v);
            Ok(2)
        }
        Err(Throw::Error(e)) => Err(load_error(st, &name, &file, e)),
        Err(other) => Err(other),
    }
}

/// Searcher 3: a C library along `package.cpath`. Finding one is an error, since
/// Ferrous cannot load it.
fn searcher_c(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?.as_bytes().to_vec();
    search_c(st, &name, &name)
}

/// Looks for a C library for `query` along `package.cpath` on behalf of module `name`:
/// an error when one exists (Ferrous cannot load it), else the list of places tried.
fn search_c(st: &mut State, name: &[u8], query: &[u8]) -> LuaResult<usize> {
    let cpath = path_field(st, "cpath")?;
    match search_path(query, &cpath, b".", b"/") {
        Ok(file) => {
            let e = st.str_value(DLMSG.as_bytes());
            Err(load_error(st, name, &file, e))
        }
        Err(msg) => {
            let v = st.string_value_owned(msg);
            st.push(v);
            Ok(1)
        }
    }
}

/// Searcher 4: for `a.b.c`, a C library for the root `a` along `package.cpath` that
/// would hold `luaopen_a_b_c`.
fn searcher_croot(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?.as_bytes().to_vec();
    let Some(dot) = name.iter().position(|&c| c == b'.') else {
        return Ok(0);
    };
    search_c(st, &name, &name[..dot])
}

// =====================================================================================
// require
// =====================================================================================

/// Asks each searcher for a loader; returns the loader and its extra value, or raises
/// "module 'x' not found:" with what every searcher reported.
fn find_loader(st: &mut State, name: Value) -> LuaResult<(Value, Value)> {
    let pkg = package_upvalue(st);
    let searchers = get_field_meta(st, pkg, b"searchers")?;
    let Some(list) = searchers.as_table() else {
        return Err(st.error("'package.searchers' must be a table"));
    };
    // Keep the list alive while searchers run (they may replace package.searchers).
    st.push(searchers);
    let mut msg: Vec<u8> = Vec::new();
    for i in 1.. {
        let searcher = list.get_int(i);
        if searcher.is_nil() {
            let mut full = b"module '".to_vec();
            if let Some(s) = name.as_string() {
                full.extend_from_slice(s.as_bytes());
            }
            full.extend_from_slice(b"' not found:");
            full.extend_from_slice(&msg);
            return Err(error_bytes(st, &full));
        }
        let r = api::call_multi(st, searcher, &[name])?;
        let first = r.first().copied().unwrap_or(Value::NIL);
        let second = r.get(1).copied().unwrap_or(Value::NIL);
        if first.is_function() {
            return Ok((first, second));
        }
        if let Some(s) = first.as_string() {
            msg.extend_from_slice(b"\n\t");
            msg.extend_from_slice(s.as_bytes());
        } else if first.is_number() {
            msg.extend_from_slice(b"\n\t");
            msg.extend_from_slice(&ferrous_runtime::state::number_to_bytes(first));
        }
    }
    unreachable!("the searcher loop only ends by returning")
}

/// `require(name)`.
fn require(st: &mut State) -> LuaResult<usize> {
    let name = Value::string(st.check_str(1)?);
    // Only the name stays: the loaded table, loader and data are pushed above it.
    let base = st.frame().base;
    st.thread.get_mut().top = base + 1;
    let reg = st.registry;
    let loaded = st.get_field(reg, "_LOADED");
    if !loaded.is_table() {
        return Err(st.error("'package.loaded' must be a table"));
    }
    st.push(loaded);
    let existing = api::index(st, loaded, name)?;
    if existing.truthy() {
        st.push(existing);
        return Ok(1);
    }
    let (loader, data) = find_loader(st, name)?;
    st.push(loader);
    st.push(data);
    let result = api::call_value(st, loader, &[name, data])?;
    if !result.is_nil() {
        st.push(result);
        api::set_index(st, loaded, name, result)?;
    }
    let mut module = api::index(st, loaded, name)?;
    if module.is_nil() {
        module = Value::TRUE;
        api::set_index(st, loaded, name, module)?;
    }
    st.push(module);
    st.push(data);
    Ok(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_path_insertion() {
        let d = b"D";
        assert_eq!(expand_default(b"a;b", d), b"a;b");
        assert_eq!(expand_default(b";;", d), b"D");
        assert_eq!(expand_default(b"a;;", d), b"a;D");
        assert_eq!(expand_default(b";;b", d), b"D;b");
        assert_eq!(expand_default(b"a;;b;;c", d), b"a;D;b;;c");
    }

    #[test]
    fn not_found_message() {
        let e = search_path(b"x.y", b"no/such/?.lua;;q?", b".", b"/").unwrap_err();
        assert_eq!(
            e,
            b"no file 'no/such/x/y.lua'\n\tno file ''\n\tno file 'qx/y'".to_vec()
        );
        assert_eq!(
            search_path(b"x", b"", b".", b"/").unwrap_err(),
            b"no file ''"
        );
    }
}
