//! The Lua 5.1/LuaJIT compatibility library (`ferrous --compat`, `LuaOptions::compat`),
//! and the parts of the package library that the Lua script corpus cannot check against
//! PUC Lua: environment variables, `-E`, C modules and `package.loadlib`.
//!
//! PUC Lua 5.4 has no `setfenv` or `module`, so the compat cases are checked against
//! LuaJIT 2.1 instead: each script below was run with `luajit` and with
//! `ferrous --compat`, and the expected output is Ferrous's after checking that it agrees
//! with LuaJIT's (the comment on each test names the differences, all in message texts).
//! Every compat script also runs under `FERROUS_GC_STRESS=1`.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the `ferrous` binary with `args`, the environment variables of the package
/// library removed, then `env` set.
fn ferrous(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferrous"));
    for v in [
        "LUA_PATH",
        "LUA_PATH_5_4",
        "LUA_CPATH",
        "LUA_CPATH_5_4",
        "LUA_INIT",
        "LUA_INIT_5_4",
        "FERROUS_GC_STRESS",
    ] {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args).output().expect("run ferrous")
}

/// Stdout of a run that must succeed.
fn stdout_of(out: Output) -> String {
    assert!(
        out.status.success(),
        "ferrous failed: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs `script` with `ferrous --compat -e`, normally and under GC stress, and compares
/// its output with `expected`.
fn check(script: &str, expected: &str) {
    let out = stdout_of(ferrous(&["--compat", "-e", script], &[]));
    assert_eq!(out, expected, "output of:\n{script}");
    let out = stdout_of(ferrous(
        &["--compat", "-e", script],
        &[("FERROUS_GC_STRESS", "1")],
    ));
    assert_eq!(out, expected, "output under GC stress of:\n{script}");
}

/// A fresh empty directory under the system's temporary directory.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ferrous-compat-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

/// PUC Lua 5.4's default package.path and package.cpath on Unix.
const DEFAULT_PATH: &str = "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;\
/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;./?.lua;./?/init.lua";
const DEFAULT_CPATH: &str = "/usr/local/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so;./?.so";

// =====================================================================================
// Off by default, on with the option
// =====================================================================================

const NAMES: &str = "print(unpack, loadstring, setfenv, getfenv, module, math.pow, math.ldexp, \
math.frexp, math.log10, math.cosh, math.sinh, math.tanh, table.getn, table.maxn, \
table.foreach, table.foreachi, string.gfind, package.seeall)";

#[test]
fn compat_is_off_by_default() {
    let out = stdout_of(ferrous(&["-e", NAMES], &[]));
    assert_eq!(out, format!("{}\n", vec!["nil"; 18].join("\t")));
}

#[test]
fn compat_option_defines_everything() {
    let script = NAMES.replace("print(", "local t = table.pack(")
        + " for i = 1, t.n do io.write(type(t[i]), ' ') end print()";
    let out = stdout_of(ferrous(&["--compat", "-e", &script], &[]));
    assert_eq!(out, format!("{}\n", vec!["function "; 18].concat()));
    // Aliases are the same functions.
    let out = stdout_of(ferrous(
        &[
            "--compat",
            "-e",
            "print(unpack == table.unpack, string.gfind == string.gmatch)",
        ],
        &[],
    ));
    assert_eq!(out, "true\ttrue\n");
    // The option combines with the others.
    let out = stdout_of(ferrous(
        &["-E", "--compat", "-e", "print(type(setfenv))"],
        &[],
    ));
    assert_eq!(out, "function\n");
}

#[test]
fn embedding_option() {
    use ferrous::{Lua, LuaOptions};
    let lua = Lua::new_with(LuaOptions {
        compat: true,
        ..LuaOptions::default()
    });
    let s: String = lua
        .load("local f = loadstring('return x') setfenv(f, {x = 'env'}) return f()")
        .eval()
        .unwrap();
    assert_eq!(s, "env");
    let lua = Lua::new();
    let absent: bool = lua
        .load("return setfenv == nil and unpack == nil")
        .eval()
        .unwrap();
    assert!(absent);
}

// =====================================================================================
// package: environment variables, -E, C modules
// =====================================================================================

const PATHS: &str = "print(package.path) print(package.cpath)";

#[test]
fn default_paths() {
    let out = stdout_of(ferrous(&["-e", PATHS], &[]));
    assert_eq!(out, format!("{DEFAULT_PATH}\n{DEFAULT_CPATH}\n"));
}

#[test]
fn paths_from_environment() {
    // The versioned variable wins; ";;" stands for the default path.
    let out = stdout_of(ferrous(
        &["-e", PATHS],
        &[
            ("LUA_PATH_5_4", "a/?.lua;;b/?.lua"),
            ("LUA_PATH", "ignored"),
            ("LUA_CPATH", ";;c/?.so"),
        ],
    ));
    assert_eq!(
        out,
        format!("a/?.lua;{DEFAULT_PATH};b/?.lua\n{DEFAULT_CPATH};c/?.so\n")
    );
    // Without ";;" the value is used as is; ";;" at the end adds no trailing ';'.
    let out = stdout_of(ferrous(
        &["-e", PATHS],
        &[("LUA_PATH", "only/?.lua"), ("LUA_CPATH_5_4", "x/?.so;;")],
    ));
    assert_eq!(out, format!("only/?.lua\nx/?.so;{DEFAULT_CPATH}\n"));
    // Only the first ";;" is replaced (what follows it is kept, after a ';').
    let out = stdout_of(ferrous(&["-e", PATHS], &[("LUA_PATH", ";;;;")]));
    assert_eq!(out, format!("{DEFAULT_PATH};;;\n{DEFAULT_CPATH}\n"));
}

#[test]
fn ignore_env_option() {
    let out = stdout_of(ferrous(
        &["-E", "-e", PATHS],
        &[("LUA_PATH", "a/?.lua"), ("LUA_CPATH_5_4", "b/?.so")],
    ));
    assert_eq!(out, format!("{DEFAULT_PATH}\n{DEFAULT_CPATH}\n"));
    let out = stdout_of(ferrous(
        &["-E", "-e", "print(debug.getregistry().LUA_NOENV)"],
        &[],
    ));
    assert_eq!(out, "true\n");
}

#[test]
fn embedding_ignore_env() {
    // The test process's own environment may set LUA_PATH; with ignore_env it does
    // not matter.
    use ferrous::{Lua, LuaOptions};
    let lua = Lua::new_with(LuaOptions {
        ignore_env: true,
        ..LuaOptions::default()
    });
    let p: String = lua.load("return package.path").eval().unwrap();
    assert_eq!(p, DEFAULT_PATH);
}

#[test]
fn lua_modules_found_through_lua_path() {
    let dir = temp_dir("lpath");
    std::fs::write(
        dir.join("envmod.lua"),
        "return { name = ..., file = select(2, ...) }",
    )
    .unwrap();
    let path = format!("{}/?.lua", dir.display());
    let out = stdout_of(ferrous(
        &[
            "-e",
            "local m, f = require 'envmod' print(m.name, m.file == f)",
        ],
        &[("LUA_PATH", &path)],
    ));
    assert_eq!(out, "envmod\ttrue\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn c_modules_are_found_but_not_loaded() {
    let dir = temp_dir("cpath");
    std::fs::write(dir.join("clib.so"), "not really a library").unwrap();
    let d = dir.display();
    let script = format!(
        "package.path = '' package.cpath = '{d}/?.so' \
         print(pcall(require, 'clib')) \
         print(pcall(require, 'clib.sub')) \
         print(pcall(require, 'other.sub'))"
    );
    let out = stdout_of(ferrous(&["-e", &script], &[]));
    let msg = "dynamic libraries not enabled; Ferrous cannot load C modules";
    assert_eq!(
        out,
        format!(
            "false\terror loading module 'clib' from file '{d}/clib.so':\n\t{msg}\n\
             false\terror loading module 'clib.sub' from file '{d}/clib.so':\n\t{msg}\n\
             false\tmodule 'other.sub' not found:\n\tno field package.preload['other.sub']\n\
             \tno file ''\n\tno file '{d}/other/sub.so'\n\tno file '{d}/other.so'\n"
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn loadlib_reports_absent() {
    let out = stdout_of(ferrous(
        &["-e", "print(package.loadlib('libm.so.6', 'floor'))"],
        &[],
    ));
    assert_eq!(
        out,
        "nil\tdynamic libraries not enabled; Ferrous cannot load C modules\tabsent\n"
    );
}

// =====================================================================================
// The compatibility functions, checked against LuaJIT 2.1
// =====================================================================================

/// Same as LuaJIT 2.1 except that argument errors name the function
/// ('getfenv') where LuaJIT says '?'.
#[test]
fn environments() {
    check(
        r##"local function f() return x end
local t = {x = "from t"}
print(getfenv(f) == _G, setfenv(f, t) == f, f(), getfenv(f) == t, x)
-- a sibling sharing the chunk's _ENV is not affected
local function g() return x end
print(g(), getfenv(g) == _G)
-- level 1: the calling function; functions it creates afterwards inherit the env
local function h()
  local env = setmetatable({}, {__index = _G})
  setfenv(1, env)
  y = "set in env"
  function made() return y end
  return env
end
local env = h()
print(rawget(env, "y"), y, made, env.made(), getfenv(env.made) == env)
-- getfenv with no argument / level 1 is the caller's env
local function k() return getfenv() == getfenv(1), getfenv(1) == _G end
print(k())
-- level 2 from a nested call
local function inner() local e = getfenv(2) return e end
local function outer() local e = inner() return e end
setfenv(outer, {marker = true})
print(outer().marker)
-- getfenv(0) is the global table
print(getfenv(0) == _G)
-- native functions: getfenv gives the globals, setfenv refuses
print(getfenv(print) == _G, pcall(setfenv, print, {}))
-- errors
print(pcall(getfenv, 100))
print(pcall(setfenv, 1))
print(pcall(setfenv, f, 3))
-- inside a coroutine
local getfenv = getfenv
local co = coroutine.wrap(function()
  setfenv(1, {tostring = tostring, z = "co env"})
  return z, getfenv(1).z
end)
print(co())
-- sandboxing a loaded chunk
local chunk = loadstring("a = 1; return b")
local sandbox = {b = "sandboxed"}
setfenv(chunk, sandbox)
print(chunk(), sandbox.a, a)
-- functions that use no global variable (no _ENV upvalue in 5.4)
local function noglobals(a) return a end
local E2 = {}
print(setfenv(noglobals, E2) == noglobals, getfenv(noglobals) == E2, noglobals(3))
local gf = getfenv
local function probe() local e = gf(1) return e end
setfenv(probe, E2)
print(probe() == E2, getfenv(probe) == E2)
-- environments of running functions at level 1, through pcall
local function viapcall() local ok, e = pcall(getfenv, 2) return e end
local E3 = {pcall = pcall, getfenv = getfenv}
setfenv(viapcall, E3)
print(viapcall() == E3)
"##,
        r##"true	true	from t	true	nil
nil	true
set in env	nil	nil	set in env	true
true	true
true
true
true	false	'setfenv' cannot change environment of given object
false	bad argument #1 to 'getfenv' (invalid level)
false	bad argument #2 to 'setfenv' (table expected, got no value)
false	bad argument #2 to 'setfenv' (table expected, got number)
co env	co env
sandboxed	1	nil
true	true	3
true	true
true
"##,
    );
}

/// Same as LuaJIT 2.1 except 5.4's syntax-error wording (`near <eof>`, no quotes) and
/// the argument check of `loadstring()` (LuaJIT's loadstring is load).
#[test]
fn loadstring_and_unpack() {
    check(
        r##"print(loadstring("return 1 + 1")())
print(loadstring("return ...", "c")(1, 2))
print(loadstring("return 1 +"))
print(loadstring("return 1 +", "named"))
print(loadstring("return 1 +", "=raw"))
print(loadstring("return 1 +", "@file.lua"))
print(pcall(loadstring))
print(loadstring(10))
print(unpack({1, 2, 3}))
print(unpack({1, 2, 3}, 2))
print(unpack({1, 2, 3}, 2, 3))
print(select("#", unpack({}, 1, 3)))
"##,
        r##"2
1	2
nil	[string "return 1 +"]:1: unexpected symbol near <eof>
nil	[string "named"]:1: unexpected symbol near <eof>
nil	raw:1: unexpected symbol near <eof>
nil	file.lua:1: unexpected symbol near <eof>
false	bad argument #1 to 'loadstring' (string expected, got no value)
nil	[string "10"]:1: unexpected symbol near '10'
1	2	3
2	3
2	3
3
"##,
    );
}

/// Same as LuaJIT 2.1 except that argument errors name the function.
#[test]
fn table_functions() {
    check(
        r##"print(table.getn({1, 2, 3}), table.getn({}))
print(table.getn(setmetatable({}, {__len = function() return 9 end})))
print(table.maxn({}), table.maxn({1, 2, [10] = 3}), table.maxn({[2.5] = 1, [-3] = 2}), table.maxn({n = 1}))
local keys = {}
table.foreach({a = 1, b = 2, c = 3}, function(k, v) keys[#keys + 1] = k .. "=" .. v end)
table.sort(keys)
print(table.concat(keys, " "))
print(table.foreach({a = 1}, function(k, v) return k .. v end))
table.foreachi({"x", "y", "z"}, print)
print(table.foreachi({"x", "y", "z"}, function(i, v) if i == 2 then return v .. "!" end end))
print(table.foreachi({}, print))
local t = {1, 2, 3, 4}
local seen = 0
table.foreach(t, function(k) t[k] = nil seen = seen + 1 end)
print(seen, next(t))
print(pcall(table.getn))
print(pcall(table.maxn, 1))
print(pcall(table.foreach, {}, 1))
print(pcall(table.foreachi, nil, print))
"##,
        r##"3	0
0
0	10	2.5	0
a=1 b=2 c=3
a1
1	x
2	y
3	z
y!

4	nil
false	bad argument #1 to 'table.getn' (table expected, got no value)
false	bad argument #1 to 'table.maxn' (table expected, got number)
false	bad argument #2 to 'table.foreach' (function expected, got number)
false	bad argument #1 to 'table.foreachi' (table expected, got nil)
"##,
    );
}

/// Same as LuaJIT 2.1 (numbers printed with %.17g, so 5.4's float formatting does not
/// show) except that argument errors name the function.
#[test]
fn math_functions() {
    check(
        r##"local function show(...)
  local t = {}
  for i = 1, select("#", ...) do t[i] = string.format("%.17g", (select(i, ...))) end
  print(table.concat(t, " "))
end
show(math.pow(2, 10), math.pow(2, 0.5), math.pow("3", 2))
show(math.ldexp(0.5, 4), math.ldexp(1, -1074), math.ldexp(1, 1024), math.ldexp(3, 0))
show(math.frexp(8))
show(math.frexp(-3))
show(math.frexp(0))
show(math.frexp(5e-324))
show(math.frexp(1e308))
show(math.log10(1000), math.log10(2), math.log10(0))
show(math.cosh(0), math.cosh(1), math.sinh(1), math.tanh(1), math.tanh(100))
print(pcall(math.pow, 1))
print(pcall(math.ldexp, 1))
print(pcall(math.frexp))
"##,
        r##"1024 1.4142135623730951 9
8 4.9406564584124654e-324 inf 3
0.5 4
-0.75 2
0 0
0.5 -1073
0.55626846462680035 1024
3 0.3010299956639812 -inf
1 1.5430806348152437 1.1752011936438014 0.76159415595576485 1
false	bad argument #2 to 'math.pow' (number expected, got no value)
false	bad argument #2 to 'math.ldexp' (number expected, got no value)
false	bad argument #1 to 'math.frexp' (number expected, got no value)
"##,
    );
}

/// `string.gfind` is Lua 5.1's (LuaJIT dropped it): the iterator of `string.gmatch`.
#[test]
fn string_gfind() {
    check(
        r##"local words = {}
for w in string.gfind("one two  three", "%a+") do words[#words + 1] = w end
print(table.concat(words, ","))
for k, v in string.gfind("a=1, b=2", "(%w+)=(%w+)") do io.write(k, ":", v, ";") end
print()
print(string.gfind == string.gmatch)
"##,
        r##"one,two,three
a:1;b:2;
true
"##,
    );
}

/// Same as LuaJIT 2.1 except that argument errors name the function.
#[test]
fn module_and_seeall() {
    check(
        r##"package.preload["my.mod"] = function(...)
  module(..., package.seeall)
  function greet() return "hello from " .. _NAME end
  value = 42
  return nil
end
local m = require("my.mod")
print(m == my.mod, m == package.loaded["my.mod"], m._NAME, m._PACKAGE, m._M == m)
print(m.greet(), m.value, value, greet)
print(getmetatable(m).__index == _G)
-- without seeall the module sees no globals
package.preload.bare = function(...)
  module(...)
  ok = pcall ~= nil
end
require("bare")
print(bare.ok, bare._NAME, bare._PACKAGE, getmetatable(bare))
-- options are called with the module
local calls = 0
package.preload.opts = function(...)
  module(..., function(m) calls = calls + 1; m.tag = "opt" end, package.seeall)
end
require("opts")
print(calls, opts.tag, opts._NAME)
-- a module table that already exists in package.loaded is reused, _NAME kept
package.loaded.pre = {existing = true, _NAME = "custom"}
local function load_pre() module("pre") end
load_pre()
print(pre, package.loaded.pre.existing, package.loaded.pre._NAME)
-- name conflicts and bad calls
conflict = 5
print(pcall(function() module("conflict") end))
print(pcall(function() module("conflict.sub") end))
print(pcall(module))
-- nested name creates intermediate tables
local function load_deep() module("a.b.c") end
load_deep()
print(type(a), type(a.b), type(a.b.c), a.b.c._NAME, a.b.c._PACKAGE)
-- seeall keeps an existing metatable
local t = setmetatable({}, {__call = function() return "called" end})
package.seeall(t)
print(t(), t.print == print)
print(pcall(package.seeall, 1))
"##,
        r##"true	true	my.mod	my.	true
hello from my.mod	42	nil	nil
true
false	bare		nil
1	opt	opts
nil	true	custom
false	(command line):32: name conflict for module 'conflict'
false	(command line):33: name conflict for module 'conflict.sub'
false	bad argument #1 to 'module' (string expected, got no value)
table	table	table	a.b.c	a.b.
called	true
false	bad argument #1 to 'package.seeall' (table expected, got number)
"##,
    );
}
