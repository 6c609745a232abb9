//! Unit tests of the binary chunk format: round trips of the test scripts' functions,
//! stripping, and rejection of malformed chunks (format errors and unsafe code).

use super::*;
use crate::bytecode::{Const, FuncProto, Instr, LocVar, Op, UpvalDesc};
use crate::vm::api;
use ferrous_runtime::{State, Value};
use std::path::PathBuf;

fn scripts() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/lua");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/lua")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "lua"))
        .collect();
    v.sort();
    assert!(!v.is_empty());
    v
}

/// Compiles `src` and returns its main closure's dump.
fn dump_source(st: &mut State, src: &[u8], name: &[u8], strip: bool) -> Vec<u8> {
    let f = api::load(st, src, name, "t", None).unwrap_or_else(|_| panic!("compile"));
    dump::dump(&f.as_lclosure().unwrap().proto, strip)
}

/// What a dump must give back: the compiler's output without what the format leaves out.
fn normalize(f: &FuncProto, strip: bool) -> FuncProto {
    let mut f = f.clone();
    f.source.clear();
    f.max_stack = f.max_stack.max(2);
    if strip {
        f.line_info.clear();
        f.locvars.clear();
        for u in &mut f.upvalues {
            u.name.clear();
        }
    }
    f.protos = f.protos.iter().map(|p| normalize(p, strip)).collect();
    f
}

#[test]
fn test_scripts_round_trip() {
    let mut st = api::new_state();
    for path in scripts() {
        let src = std::fs::read(&path).unwrap();
        let name = format!("@{}", path.display());
        let fp = crate::compiler::compile(&src, name.as_bytes()).unwrap();
        for strip in [false, true] {
            let bytes = dump_source(&mut st, &src, name.as_bytes(), strip);
            let (back, source) = parse_and_verify(&bytes)
                .unwrap_or_else(|e| panic!("{}: strip={}: {}", path.display(), strip, e));
            assert_eq!(back, normalize(&fp, strip), "{}", path.display());
            assert_eq!(
                source,
                if strip {
                    None
                } else {
                    Some(name.clone().into_bytes())
                }
            );
            // Loading and dumping again gives the same bytes.
            let p = load_binary(&mut st, &bytes, b"=x").unwrap();
            assert_eq!(dump::dump(&p, strip), bytes, "{}", path.display());
        }
        st.full_gc();
    }
}

const SAMPLE: &str = r##"
local up = 10
local function f(a, b, ...)
  local t = {a, b, ...}
  local s = 0
  for i = 1, #t do s = s + t[i] end
  for k, v in pairs({x = 1}) do s = s + v end
  local g = function() up = up + 1; return up end
  return s .. "!", g(), select("#", ...), 2^53, -0.0, "\0\255", nil, true
end
return f
"##;

#[test]
fn every_prefix_is_truncated() {
    let mut st = api::new_state();
    for strip in [false, true] {
        let bytes = dump_source(&mut st, SAMPLE.as_bytes(), b"=sample", strip);
        assert!(parse_and_verify(&bytes).is_ok());
        for n in 1..bytes.len() {
            let e = parse_and_verify(&bytes[..n]).unwrap_err();
            assert!(e.contains("truncated"), "prefix {}: {}", n, e);
        }
    }
}

#[test]
fn corrupted_header_is_rejected() {
    let mut st = api::new_state();
    let bytes = dump_source(&mut st, SAMPLE.as_bytes(), b"=sample", false);
    let header_len = dump::header().len();
    // The header as docs/binary-chunks.md lays it out, written out by hand; the integer
    // and float are in machine byte order (shown here little-endian).
    let mut expected: Vec<u8> = [
        b"\x1bLua" as &[u8],                // signature
        &[0x54, 0x00],                      // Lua 5.4, official format
        b"\x19\x93\r\n\x1a\n",              // LUAC_DATA
        &[4, 8, 8],                         // instruction, integer, float sizes
        &[0x78, 0x56, 0, 0, 0, 0, 0, 0],    // the integer 0x5678
        &[0, 0, 0, 0, 0, 0x28, 0x77, 0x40], // the float 370.5
        b"Frrs",                            // Ferrous marker
        &[1],                               // format version
    ]
    .concat();
    if cfg!(target_endian = "big") {
        expected[15..23].reverse();
        expected[23..31].reverse();
    }
    assert_eq!(&bytes[..header_len], &expected[..]);
    for i in 0..header_len {
        let mut b = bytes.clone();
        b[i] = b[i].wrapping_add(1);
        assert!(parse_and_verify(&b).is_err(), "header byte {}", i);
    }
    // A PUC Lua 5.4 chunk has the same first 31 bytes and is told apart by the marker.
    let mut puc = bytes[..31].to_vec();
    puc.extend_from_slice(&[1, 0x80, 0x80, 0x1f, 0x01]);
    assert_eq!(parse_and_verify(&puc).unwrap_err(), "not a Ferrous chunk");
}

#[test]
fn lying_counts_cost_nothing() {
    let mut st = api::new_state();
    let bytes = dump_source(&mut st, b"return 1", b"=x", true);
    let header_len = dump::header().len();
    // The byte after the source flag is line_defined; find the code count (after 5
    // one-byte fields) and replace it with a huge varint.
    let mut b = bytes[..header_len + 1 + 5].to_vec();
    b.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    b.extend_from_slice(&bytes[header_len + 1 + 6..]);
    assert!(parse_and_verify(&b).unwrap_err().contains("truncated"));
    // Varints longer than 64 bits.
    let mut b = bytes[..header_len].to_vec();
    b.extend_from_slice(&[0xff; 11]);
    assert!(parse_and_verify(&b).unwrap_err().contains("overflow"));
}

// ------------------------------------------------------------------- the verifier

/// A minimal valid function around `code` (a Return0 is appended).
fn func(code: Vec<Instr>, constants: Vec<Const>) -> FuncProto {
    let mut code = code;
    code.push(Instr::abc(Op::Return0, 0, 0, 0, false));
    FuncProto {
        max_stack: 10,
        line_info: vec![1; code.len()],
        code,
        constants,
        upvalues: vec![UpvalDesc {
            name: b"_ENV".to_vec(),
            in_stack: true,
            index: 0,
            kind: 0,
        }],
        ..FuncProto::default()
    }
}

/// `func(code)` with a nested function `child`: it ends in a Return that closes
/// upvalues, as compiled code does when a closure may capture registers.
fn parent_of(code: Vec<Instr>, child: &FuncProto) -> FuncProto {
    let mut f = func(code, vec![]);
    *f.code.last_mut().unwrap() = abck(Op::Return, 0, 1, 0);
    f.protos.push(child.clone());
    f
}

fn abc(op: Op, a: u32, b: u32, c: u32) -> Instr {
    Instr::abc(op, a, b, c, false)
}

fn abck(op: Op, a: u32, b: u32, c: u32) -> Instr {
    Instr::abc(op, a, b, c, true)
}

fn rejects(f: &FuncProto, why: &str) {
    match verify::verify(f) {
        Ok(()) => panic!("accepted, expected {:?}", why),
        Err(e) => assert!(e.contains(why), "{:?} does not mention {:?}", e, why),
    }
}

fn accepts(f: &FuncProto) {
    verify::verify(f).unwrap_or_else(|e| panic!("rejected: {}", e));
}

#[test]
fn verifier_checks_operands() {
    let s = || Const::Str(b"k".to_vec());
    accepts(&func(vec![abc(Op::Move, 9, 0, 0)], vec![]));
    rejects(
        &func(vec![abc(Op::Move, 10, 0, 0)], vec![]),
        "register out of range",
    );
    rejects(
        &func(vec![abc(Op::LoadNil, 5, 5, 0)], vec![]),
        "register out of range",
    );
    rejects(
        &func(vec![Instr::abx(Op::LoadK, 0, 1)], vec![s()]),
        "constant index",
    );
    rejects(
        &func(vec![abc(Op::GetField, 0, 0, 0)], vec![Const::Int(1)]),
        "not a string",
    );
    accepts(&func(vec![abc(Op::GetField, 0, 0, 0)], vec![s()]));
    rejects(
        &func(vec![abc(Op::GetTabUp, 0, 0, 0)], vec![Const::Nil]),
        "not a string",
    );
    rejects(
        &func(vec![abc(Op::GetTabUp, 0, 1, 0)], vec![s()]),
        "upvalue index",
    );
    rejects(
        &func(vec![abck(Op::SelfOp, 0, 0, 0)], vec![Const::Float(1.0)]),
        "not a string",
    );
    rejects(
        &func(vec![abc(Op::SelfOp, 9, 0, 0)], vec![]),
        "register out of range",
    );
    rejects(
        &func(vec![abc(Op::AddK, 0, 0, 0)], vec![s()]),
        "not a number",
    );
    rejects(
        &func(vec![abc(Op::BAndK, 0, 0, 0)], vec![Const::Float(1.0)]),
        "not an integer",
    );
    rejects(
        &func(vec![abc(Op::Concat, 0, 1, 0)], vec![]),
        "fewer than two",
    );
    rejects(
        &func(vec![abc(Op::Concat, 8, 3, 0)], vec![]),
        "register out of range",
    );
    rejects(
        &func(vec![abc(Op::Call, 5, 6, 1)], vec![]),
        "register out of range",
    );
    rejects(
        &func(vec![abc(Op::Call, 5, 1, 7)], vec![]),
        "register out of range",
    );
    rejects(
        &func(vec![abc(Op::TForCall, 4, 0, 1)], vec![]),
        "register out of range",
    );
    rejects(
        &func(vec![Instr::abx(Op::Closure, 0, 0)], vec![]),
        "prototype index",
    );
    rejects(&func(vec![abc(Op::VarArg, 0, 0, 2)], vec![]), "not vararg");
    rejects(&func(vec![Instr(0x7f)], vec![]), "invalid opcode");
    let mut f = func(vec![], vec![]);
    f.max_stack = 1;
    rejects(&f, "max_stack");
    f.max_stack = 2;
    f.line_info.push(3);
    rejects(&f, "line info");
}

#[test]
fn verifier_checks_control_flow() {
    let jmp = |off| Instr::sj(Op::Jmp, off);
    accepts(&func(vec![jmp(0)], vec![]));
    rejects(&func(vec![jmp(1)], vec![]), "out of the code");
    rejects(&func(vec![jmp(-2)], vec![]), "out of the code");
    // Running off the end.
    let mut f = func(vec![], vec![]);
    f.code = vec![abc(Op::Move, 0, 0, 0)];
    f.line_info = vec![1];
    rejects(&f, "off the end");
    // A test must be followed by a jump.
    rejects(
        &func(vec![abc(Op::Test, 0, 0, 0), abc(Op::Move, 0, 0, 0)], vec![]),
        "followed by a jump",
    );
    accepts(&func(vec![abc(Op::Test, 0, 0, 0), jmp(0)], vec![]));
    // ExtraArg.
    rejects(
        &func(vec![Instr::abx(Op::LoadKX, 0, 0)], vec![Const::Nil]),
        "missing ExtraArg",
    );
    rejects(
        &func(vec![Instr::ax(Op::ExtraArg, 0)], vec![]),
        "ExtraArg without",
    );
    rejects(
        &func(
            vec![
                jmp(1),
                Instr::abx(Op::LoadKX, 0, 0),
                Instr::ax(Op::ExtraArg, 0),
            ],
            vec![Const::Nil],
        ),
        "jump into an ExtraArg",
    );
    // Unpaired loops.
    rejects(
        &func(vec![Instr::abx(Op::ForLoop, 0, 1)], vec![]),
        "ForPrep",
    );
    rejects(
        &func(
            vec![Instr::abx(Op::ForPrep, 0, 0), abc(Op::Move, 0, 0, 0)],
            vec![],
        ),
        "ForLoop",
    );
    accepts(&func(
        vec![Instr::abx(Op::ForPrep, 0, 0), Instr::abx(Op::ForLoop, 0, 1)],
        vec![],
    ));
}

#[test]
fn verifier_checks_open_top() {
    // `return f(...)`-like sequences are fine.
    let mut f = func(
        vec![
            abc(Op::VarArg, 1, 0, 0),
            abc(Op::Call, 0, 0, 0),
            abc(Op::Return, 0, 0, 0),
        ],
        vec![],
    );
    f.is_vararg = true;
    accepts(&f);
    // B = 0 with nothing setting the top.
    rejects(&func(vec![abc(Op::Call, 0, 0, 1)], vec![]), "B = 0");
    // A producer whose results nobody takes.
    rejects(&func(vec![abc(Op::Call, 0, 1, 0)], vec![]), "not consumed");
    // The consumer's registers start above the produced values.
    rejects(
        &func(vec![abc(Op::Call, 1, 1, 0), abc(Op::Call, 2, 0, 1)], vec![]),
        "not consumed",
    );
    // A consumer reachable by a jump.
    rejects(
        &func(
            vec![
                Instr::sj(Op::Jmp, 1),
                abc(Op::Call, 1, 1, 0),
                abc(Op::Call, 0, 0, 1),
            ],
            vec![],
        ),
        "B = 0",
    );
    // A tail call must be followed by the return of its results.
    rejects(
        &func(vec![abc(Op::TailCall, 0, 1, 0)], vec![]),
        "followed by its return",
    );
}

#[test]
fn verifier_tracks_tables_upvalues_and_tbc() {
    let newt = |a| abc(Op::NewTable, a, 0, 0);
    let extra = Instr::ax(Op::ExtraArg, 0);
    accepts(&func(
        vec![newt(0), extra, abc(Op::SetList, 0, 1, 0)],
        vec![],
    ));
    // SetList into a register that holds no table.
    rejects(&func(vec![abc(Op::SetList, 0, 1, 0)], vec![]), "new table");
    rejects(
        &func(
            vec![
                newt(0),
                extra,
                abc(Op::Move, 0, 1, 0),
                abc(Op::SetList, 0, 1, 0),
            ],
            vec![],
        ),
        "new table",
    );
    // ... or only on one path.
    rejects(
        &func(
            vec![
                abc(Op::Test, 1, 0, 0),
                Instr::sj(Op::Jmp, 2),
                newt(0),
                extra,
                abc(Op::SetList, 0, 1, 0),
            ],
            vec![],
        ),
        "new table",
    );
    rejects(
        &func(vec![newt(0), extra, abc(Op::SetList, 0, 51, 0)], vec![]),
        "more items than a flush",
    );
    // Lying table sizes.
    rejects(
        &func(vec![abc(Op::NewTable, 0, 0, 200), extra], vec![]),
        "array size",
    );
    rejects(
        &func(vec![abc(Op::NewTable, 0, 30, 0), extra], vec![]),
        "hash size",
    );
    rejects(
        &func(vec![abc(Op::NewTable, 0, 200, 0), extra], vec![]),
        "hash size",
    );
    // A closure capturing a register that a table or a callee lives in.
    let mut child = func(vec![], vec![]);
    child.upvalues[0] = UpvalDesc {
        name: b"x".to_vec(),
        in_stack: true,
        index: 0,
        kind: 0,
    };
    let f = parent_of(
        vec![
            newt(0),
            extra,
            Instr::abx(Op::Closure, 1, 0),
            abc(Op::SetList, 0, 1, 0),
        ],
        &child,
    );
    rejects(&f, "new table");
    child.upvalues[0].index = 3;
    let f = parent_of(
        vec![Instr::abx(Op::Closure, 3, 0), abc(Op::Call, 0, 1, 1)],
        &child,
    );
    rejects(&f, "captured");
    // ... unless closed first.
    let f = parent_of(
        vec![
            Instr::abx(Op::Closure, 3, 0),
            abc(Op::Close, 2, 0, 0),
            abc(Op::Call, 0, 1, 1),
        ],
        &child,
    );
    accepts(&f);
    // Return0 and Return1 close no upvalues, so a function whose registers a closure
    // captures may not use them.
    let mut f = func(vec![Instr::abx(Op::Closure, 3, 0)], vec![]);
    f.protos.push(child.clone());
    rejects(&f, "closures capture");
    // Nested upvalue descriptors must exist in the parent.
    child.upvalues[0].index = 10;
    let f = parent_of(vec![Instr::abx(Op::Closure, 0, 0)], &child);
    rejects(&f, "no such slot");
    // Pending to-be-closed variables at a Return0.
    rejects(&func(vec![abc(Op::Tbc, 0, 0, 0)], vec![]), "to-be-closed");
    accepts(&func(
        vec![abc(Op::Tbc, 0, 0, 0), abc(Op::Close, 0, 0, 0)],
        vec![],
    ));
    // Local variables.
    let mut f = func(vec![], vec![]);
    f.locvars = vec![LocVar {
        name: b"a".to_vec(),
        start_pc: 0,
        end_pc: 2,
    }];
    rejects(&f, "local variable");
    f.locvars = (0..11)
        .map(|_| LocVar {
            name: b"a".to_vec(),
            start_pc: 0,
            end_pc: 1,
        })
        .collect();
    rejects(&f, "more active local variables");
}

// ------------------------------------------------------------------- through `load`

fn run(st: &mut State, src: &str) -> Result<Vec<Value>, String> {
    let f =
        api::load(st, src.as_bytes(), b"=test", "t", None).map_err(|_| "compile".to_string())?;
    api::pcall_traceback(st, f, &[])
}

fn run_str(st: &mut State, src: &str) -> String {
    match run(st, src) {
        Ok(v) => v
            .first()
            .and_then(|v| v.as_string())
            .map(|s| s.to_str_lossy().into_owned())
            .unwrap_or_default(),
        Err(e) => panic!("{}", e),
    }
}

#[test]
fn dump_and_load_from_lua() {
    let mut st = api::new_state();
    let r = run_str(
        &mut st,
        r##"
        local function f(x, ...) return x + select("#", ...) end
        local g = assert(load(string.dump(f), nil, "b"))
        assert(g(10, 1, 2) == 12)
        -- strings with any bytes, floats and integers survive
        local h = load(string.dump(function() return "\0\1\255", 1.5, -7, 1e308, 2^63 end))
        local a, b, c, d, e = h()
        assert(a == "\0\1\255" and b == 1.5 and c == -7 and d == 1e308 and e == 2^63)
        assert(math.type(c) == "integer")
        -- fresh upvalues: nil except the first, which is the environment
        local u = 5
        local k = load(string.dump(function() local _ = X; return u end))
        assert(k() == nil)
        assert(load(string.dump(function() return u end))() == _G)
        local env = load(string.dump(function() return X end), "n", "b", {X = 42})
        assert(env() == 42)
        -- natives cannot be dumped
        local ok, msg = pcall(string.dump, print)
        assert(not ok and msg:find("unable to dump given function"))
        ok, msg = pcall(string.dump, 1)
        assert(not ok and msg:find("function expected"))
        -- mode checks
        assert(not load(string.dump(f), nil, "t"))
        -- errors name the chunk
        local x, m = load(string.dump(f):sub(1, 40))
        assert(x == nil and m:find("^binary string: bad binary format %(truncated chunk%)"))
        x, m = load(string.dump(f):sub(1, 40), "=mine")
        assert(m:find("^mine: "))
        return "ok"
        "##,
    );
    assert_eq!(r, "ok");
}

#[test]
fn strip_removes_debug_info() {
    let mut st = api::new_state();
    let r = run_str(
        &mut st,
        r##"
        local function f(t) local a = 1
          return t.x.y
        end
        local _, full = pcall(f, {})
        local g = load(string.dump(f, true))
        local _, stripped = pcall(g, {})
        assert(full:find("^test:%d+: attempt to index a nil value %(field 'x'%)"), full)
        assert(stripped:find("^%?:"), stripped)
        assert(not stripped:find("test"))
        local info = debug.getinfo(g, "S")
        assert(info.source == "=?" and info.short_src == "?")
        assert(debug.getlocal(g, 1) == nil)
        assert(next(debug.getinfo(g, "L").activelines) == nil)
        -- unstripped dumps keep everything
        local h = load(string.dump(f))
        assert(debug.getinfo(h, "S").source == "=test")
        assert(debug.getlocal(h, 1) == "t")
        assert(#string.dump(f, true) < #string.dump(f))
        return "ok"
        "##,
    );
    assert_eq!(r, "ok");
}

fn listing(f: &FuncProto, out: &mut String) {
    use std::fmt::Write;
    let _ = writeln!(
        out,
        "function line {} ms {} np {}",
        f.line_defined, f.max_stack, f.num_params
    );
    for (pc, i) in f.code.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:4} [{}] {:?}",
            pc,
            f.line_info.get(pc).copied().unwrap_or(0),
            i
        );
    }
    for (n, u) in f.upvalues.iter().enumerate() {
        let _ = writeln!(
            out,
            "  upval {} {} {} {}",
            n,
            String::from_utf8_lossy(&u.name),
            u.in_stack,
            u.index
        );
    }
    for p in &f.protos {
        listing(p, out);
    }
}

/// Debugging aid: `FERROUS_LIST=file.lua cargo test -p ferrous-interp list_file -- --ignored --nocapture`.
#[test]
#[ignore]
fn list_file() {
    let path = std::env::var("FERROUS_LIST").expect("FERROUS_LIST");
    let src = std::fs::read(&path).unwrap();
    let fp = crate::compiler::compile(&src, b"@x").unwrap();
    let mut out = String::new();
    listing(&fp, &mut out);
    println!("{}", out);
}
