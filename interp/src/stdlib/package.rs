//! `require` and the `package` table: package.loaded, package.preload, package.path
//! (from LUA_PATH_5_4 / LUA_PATH) and package.searchpath. Loading C modules is not
//! supported; the C searcher reports that in the "module not found" message.

use super::base::load_file;
use crate::vm::api;
use ferrous_runtime::{Gc, LuaResult, State, Table, Value};

const DEFAULT_PATH: &str =
    "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;./?.lua;./?/init.lua";
const DEFAULT_CPATH: &str = "/usr/local/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so;./?.so";

pub fn open(st: &mut State, ignore_env: bool) {
    let pkg = st.new_table(0, 8);
    let loaded = st.new_table(0, 16);
    let preload = st.new_table(0, 4);
    st.set_field(pkg, "loaded", Value::table(loaded));
    st.set_field(pkg, "preload", Value::table(preload));
    let path = env_path(&["LUA_PATH_5_4", "LUA_PATH"], DEFAULT_PATH, ignore_env);
    let cpath = env_path(&["LUA_CPATH_5_4", "LUA_CPATH"], DEFAULT_CPATH, ignore_env);
    let v = st.str_value(path.as_bytes());
    st.set_field(pkg, "path", v);
    let v = st.str_value(cpath.as_bytes());
    st.set_field(pkg, "cpath", v);
    let v = st.str_value(b"/\n;\n?\n!\n-\n");
    st.set_field(pkg, "config", v);
    st.set_fn(pkg, "searchpath", searchpath);
    let g = st.globals;
    st.set_field(g, "package", Value::table(pkg));
    let req = st.new_native_with_upvals(require, "require", vec![Value::table(pkg)]);
    st.set_field(g, "require", req);
    // The registry keeps package.loaded under "_LOADED", as in PUC Lua.
    let r = st.registry;
    st.set_field(r, "_LOADED", Value::table(loaded));
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

fn env_path(vars: &[&str], default: &str, ignore_env: bool) -> String {
    if !ignore_env {
        for v in vars {
            if let Ok(p) = std::env::var(v) {
                // ";;" stands for the default path.
                return p.replace(";;", &format!(";{};", default));
            }
        }
    }
    default.to_string()
}

/// Tries each template of `path`; returns the first readable file or the list of
/// places tried.
fn search_path(name: &str, path: &str, sep: &str, rep: &str) -> Result<String, String> {
    let name = if sep.is_empty() {
        name.to_string()
    } else {
        name.replace(sep, rep)
    };
    let mut tried = String::new();
    for templ in path.split(';') {
        if templ.is_empty() {
            continue;
        }
        let file = templ.replace('?', &name);
        if std::fs::File::open(&file).is_ok() {
            return Ok(file);
        }
        tried.push_str(&format!("\n\tno file '{}'", file));
    }
    Err(tried)
}

fn searchpath(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?.to_str_lossy().into_owned();
    let path = st.check_str(2)?.to_str_lossy().into_owned();
    let sep = st
        .opt_str(3)?
        .map(|s| s.to_str_lossy().into_owned())
        .unwrap_or_else(|| ".".into());
    let rep = st
        .opt_str(4)?
        .map(|s| s.to_str_lossy().into_owned())
        .unwrap_or_else(|| "/".into());
    match search_path(&name, &path, &sep, &rep) {
        Ok(f) => {
            st.push_str(f.as_bytes());
            Ok(1)
        }
        Err(tried) => {
            st.push(Value::NIL);
            st.push_str(tried.as_bytes());
            Ok(2)
        }
    }
}

fn field_str(st: &mut State, t: Gc<Table>, name: &str) -> Option<String> {
    st.get_field(t, name)
        .as_string()
        .map(|s| s.to_str_lossy().into_owned())
}

fn require(st: &mut State) -> LuaResult<usize> {
    let name_v = st.check_str(1)?;
    let name = name_v.to_str_lossy().into_owned();
    let f = st.frame().func;
    let pkg = st.thread.stack[f].as_nclosure().unwrap().upvals[0]
        .as_table()
        .unwrap();
    let loaded = match st.get_field(pkg, "loaded").as_table() {
        Some(t) => t,
        None => return Err(st.error("'package.loaded' must be a table")),
    };
    let existing = loaded.get_str(name_v);
    if existing.truthy() {
        st.push(existing);
        return Ok(1);
    }
    let mut msg = String::new();
    let (loader, extra) = 'found: {
        if let Some(pre) = st.get_field(pkg, "preload").as_table() {
            let l = pre.get_str(name_v);
            if !l.is_nil() {
                break 'found (l, st.str_value(b":preload:"));
            }
        }
        msg.push_str(&format!("\n\tno field package.preload['{}']", name));
        let path = match field_str(st, pkg, "path") {
            Some(p) => p,
            None => return Err(st.error("'package.path' must be a string")),
        };
        match search_path(&name, &path, ".", "/") {
            Ok(file) => {
                let f = match load_file(st, Some(file.as_bytes()), "bt", None) {
                    Ok(f) => f,
                    Err(ferrous_runtime::Throw::Error(e)) => {
                        let em = e
                            .as_string()
                            .map(|s| s.to_str_lossy().into_owned())
                            .unwrap_or_default();
                        return Err(st.error(format!(
                            "error loading module '{}' from file '{}':\n\t{}",
                            name, file, em
                        )));
                    }
                    Err(y) => return Err(y),
                };
                let fv = st.str_value(file.as_bytes());
                break 'found (f, fv);
            }
            Err(tried) => msg.push_str(&tried),
        }
        let cpath = field_str(st, pkg, "cpath").unwrap_or_default();
        if let Err(tried) = search_path(&name, &cpath, ".", "/") {
            msg.push_str(&tried);
        } else {
            msg.push_str("\n\t(loading C modules is not supported by Ferrous)");
        }
        return Err(st.error(format!("module '{}' not found:{}", name, msg)));
    };
    st.push(loader);
    st.push(extra);
    let r = api::call_multi(st, loader, &[Value::string(name_v), extra])?;
    let mut result = r.first().copied().unwrap_or(Value::NIL);
    if !result.is_nil() {
        loaded.get_mut().set_str(name_v, result);
    } else if loaded.get_str(name_v).is_nil() {
        loaded.get_mut().set_str(name_v, Value::TRUE);
    }
    result = loaded.get_str(name_v);
    st.push(result);
    st.push(extra);
    Ok(2)
}
