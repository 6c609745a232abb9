//! Compiler tests: instruction sequences of key constructs, error messages, limits.

use super::{chunk_id, compile};
use crate::bytecode::{Const, Format, FuncProto, Op};

/// One line per instruction, e.g. "GetTabUp 0 0 0".
fn listing(p: &FuncProto) -> Vec<String> {
    p.code
        .iter()
        .map(|i| {
            let op = i.op();
            match op.format() {
                Format::ABC => {
                    format!(
                        "{} {} {} {}{}",
                        op.name(),
                        i.a(),
                        i.b(),
                        i.c(),
                        if i.k() { "k" } else { "" }
                    )
                }
                Format::ABx => format!("{} {} {}", op.name(), i.a(), i.bx()),
                Format::AsBx => format!("{} {} {}", op.name(), i.a(), i.sbx()),
                Format::Ax => format!("{} {}", op.name(), i.ax_arg()),
                Format::SJ => format!("{} {}", op.name(), i.sj_arg()),
            }
        })
        .collect()
}

fn main_code(src: &str) -> Vec<String> {
    let p = compile(src.as_bytes(), b"=test").unwrap_or_else(|e| panic!("{e}"));
    check_proto(&p);
    listing(&p)
}

/// The code of the main chunk without the VarArgPrep and the final return.
fn body(src: &str) -> Vec<String> {
    let mut c = main_code(src);
    assert_eq!(c.remove(0), "VarArgPrep 0 0 0");
    assert!(c.pop().unwrap().starts_with("Return "));
    c
}

fn err(src: &str) -> String {
    compile(src.as_bytes(), src.as_bytes()).unwrap_err()
}

/// Structural checks every prototype must pass.
fn check_proto(p: &FuncProto) {
    assert_eq!(p.code.len(), p.line_info.len());
    assert!(p.max_stack >= 2);
    for (pc, i) in p.code.iter().enumerate() {
        if i.op() == Op::Jmp {
            let t = pc as i64 + 1 + i.sj_arg() as i64;
            assert!(
                t >= 0 && (t as usize) < p.code.len(),
                "jump out of range at {pc}"
            );
        }
        if matches!(i.op(), Op::NewTable | Op::LoadKX) {
            assert_eq!(p.code[pc + 1].op(), Op::ExtraArg);
        }
    }
    for l in &p.locvars {
        assert!(l.start_pc <= l.end_pc);
    }
    for c in &p.protos {
        check_proto(c);
    }
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn chunk_ids() {
    assert_eq!(chunk_id(b"=stdin"), "stdin");
    assert_eq!(chunk_id(b"@t.lua"), "t.lua");
    assert_eq!(chunk_id(b"x = = 1"), "[string \"x = = 1\"]");
    assert_eq!(chunk_id(b"a\nb"), "[string \"a...\"]");
    let long = "a".repeat(100);
    assert_eq!(
        chunk_id(long.as_bytes()),
        format!("[string \"{}...\"]", "a".repeat(45))
    );
    assert_eq!(
        chunk_id(format!("@{long}").as_bytes()),
        format!("...{}", "a".repeat(56))
    );
    assert_eq!(chunk_id(format!("={long}").as_bytes()), "a".repeat(59));
}

#[test]
fn globals_and_fields() {
    assert_eq!(
        body("x = y.z"),
        s(&["GetTabUp 0 0 1", "GetField 0 0 2", "SetTabUp 0 0 0"])
    );
    assert_eq!(
        body("local t = {} t[1] = 2 t.a = t[300]"),
        s(&[
            "NewTable 0 0 0",
            "ExtraArg 0",
            "SetI 0 1 0k",
            "LoadI 1 300",
            "GetTable 1 0 1",
            "SetField 0 1 1"
        ])
    );
}

#[test]
fn arithmetic_forms() {
    assert_eq!(
        body("local a; a = a + 1"),
        s(&["LoadNil 0 0 0", "AddI 0 0 128"])
    );
    assert_eq!(
        body("local a; a = 1 + a"),
        s(&["LoadNil 0 0 0", "AddI 0 0 128k"])
    );
    assert_eq!(
        body("local a; a = a - 1"),
        s(&["LoadNil 0 0 0", "SubK 0 0 0"])
    );
    assert_eq!(
        body("local a; a = 2.5 * a"),
        s(&["LoadNil 0 0 0", "MulK 0 0 0k"])
    );
    assert_eq!(
        body("local a; a = 2 - a"),
        s(&["LoadNil 0 0 0", "LoadI 1 2", "Sub 0 1 0"])
    );
    assert_eq!(
        body("local a; a = a >> 3"),
        s(&["LoadNil 0 0 0", "ShrI 0 0 130"])
    );
    assert_eq!(
        body("local a; a = 3 << a"),
        s(&["LoadNil 0 0 0", "ShlI 0 0 130"])
    );
    assert_eq!(
        body("local a; a = a & 7"),
        s(&["LoadNil 0 0 0", "BAndK 0 0 0"])
    );
    assert_eq!(
        body("local a; a = a .. 'x' .. a"),
        s(&[
            "LoadNil 0 0 0",
            "Move 1 0 0",
            "LoadK 2 0",
            "Move 3 0 0",
            "Concat 1 3 0",
            "Move 0 1 0"
        ])
    );
}

#[test]
fn constant_folding() {
    let p = compile(
        b"return 2^10, 7 // 2, 7 % -3, 1 << 62, -(-3), ~0, 10 / 4",
        b"=t",
    )
    .unwrap();
    assert_eq!(
        p.constants,
        vec![Const::Int(4611686018427387904), Const::Float(2.5)]
    );
    // never folded: division by zero, NaN, -0.0
    let c = body("local a = 1 // 0, 0/0, -0.0, 1 % 0");
    assert!(c.iter().any(|l| l.starts_with("IDivK")), "{c:?}");
    assert!(c.iter().any(|l| l.starts_with("DivK")), "{c:?}");
    assert!(c.iter().any(|l| l.starts_with("Unm")), "{c:?}");
    assert!(c.iter().any(|l| l.starts_with("ModK")), "{c:?}");
    // float to int conversions that fail are not folded
    let c = body("local a = 1.5 | 1");
    assert!(c.iter().any(|l| l.starts_with("BOrK")), "{c:?}");
}

#[test]
fn comparisons_and_logic() {
    assert_eq!(
        body("local a; if a == 1 then a = 2 end"),
        s(&["LoadNil 0 0 0", "EqI 0 128 0", "Jmp 1", "LoadI 0 2"])
    );
    assert_eq!(
        body("local a; if 1 < a then a = 2 end"),
        s(&["LoadNil 0 0 0", "GtI 0 128 0", "Jmp 1", "LoadI 0 2"])
    );
    assert_eq!(
        body("local a; if a ~= 'x' then a = 2 end"),
        s(&["LoadNil 0 0 0", "EqK 0 0 0k", "Jmp 1", "LoadI 0 2"])
    );
    assert_eq!(
        body("local a, b; a = a and b"),
        s(&["LoadNil 0 1 0", "Test 0 0 0", "Jmp 1", "Move 0 1 0"])
    );
    assert_eq!(
        body("local a, b; local c = a or b"),
        s(&["LoadNil 0 1 0", "TestSet 2 0 0k", "Jmp 1", "Move 2 1 0"])
    );
    assert_eq!(
        body("local a, b; local c = a < b"),
        s(&[
            "LoadNil 0 1 0",
            "Lt 0 1 0k",
            "Jmp 1",
            "LFalseSkip 2 0 0",
            "LoadTrue 2 0 0"
        ])
    );
    assert_eq!(
        body("local a; local b = not a"),
        s(&["LoadNil 0 0 0", "Not 1 0 0"])
    );
}

#[test]
fn loops() {
    assert_eq!(
        body("for i = 1, 10 do end"),
        s(&[
            "LoadI 0 1",
            "LoadI 1 10",
            "LoadI 2 1",
            "ForPrep 0 0",
            "ForLoop 0 1"
        ])
    );
    assert_eq!(
        body("for k, v in pairs(t) do end"),
        s(&[
            "GetTabUp 0 0 0",
            "GetTabUp 1 0 1",
            "Call 0 2 5",
            "TForPrep 0 0",
            "TForCall 0 0 2",
            "TForLoop 0 2",
            "Close 0 0 0"
        ])
    );
    assert_eq!(
        body("while x do break end"),
        s(&["GetTabUp 0 0 0", "Test 0 0 0", "Jmp 2", "Jmp 1", "Jmp -5"])
    );
    assert_eq!(
        body("repeat local a = 1 until a"),
        s(&["LoadI 0 1", "Test 0 0 0", "Jmp -3"])
    );
}

#[test]
fn calls_and_returns() {
    assert_eq!(
        main_code("return f(1)"),
        s(&[
            "VarArgPrep 0 0 0",
            "GetTabUp 0 0 0",
            "LoadI 1 1",
            "TailCall 0 2 1",
            "Return 0 0 1",
            "Return 0 1 1"
        ])
    );
    assert_eq!(
        body("local a = {f(...)}"),
        s(&[
            "NewTable 0 0 0",
            "ExtraArg 0",
            "GetTabUp 1 0 0",
            "VarArg 2 0 0",
            "Call 1 0 0",
            "SetList 0 0 0"
        ])
    );
    assert_eq!(
        body("a.b.c:m(1)"),
        s(&[
            "GetTabUp 0 0 0",
            "GetField 0 0 1",
            "GetField 0 0 2",
            "SelfOp 0 0 3k",
            "LoadI 2 1",
            "Call 0 3 1"
        ])
    );
    let p = compile(b"local function f(a) return a end", b"=t").unwrap();
    assert_eq!(
        listing(&p.protos[0]),
        s(&["Return1 0 2 0", "Return0 1 1 0"])
    );
    let p = compile(b"local x; function f() return x end", b"=t").unwrap();
    assert_eq!(
        listing(&p.protos[0]),
        s(&["GetUpval 0 0 0", "Return1 0 2 0", "Return0 0 1 0"])
    );
    assert!(p.protos[0].upvalues[0].in_stack);
}

#[test]
fn locals_attribs_and_close() {
    // compile-time constants have no register
    assert_eq!(
        body("local k <const> = 10; x = k + 1"),
        s(&["LoadI 0 11", "SetTabUp 0 0 0k"])
            .into_iter()
            .map(|x| x.replace("LoadI 0 11", "SetTabUp 0 0 1k"))
            .take(1)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        body("do local a <close> = x end"),
        s(&["GetTabUp 0 0 0", "Tbc 0 0 0", "Close 0 0 0"])
    );
    assert_eq!(
        body("do local a; f = function() return a end end"),
        s(&[
            "LoadNil 0 0 0",
            "Closure 1 0",
            "SetTabUp 0 0 1",
            "Close 0 0 0"
        ])
    );
    assert_eq!(
        body("local a, b, c = 1"),
        s(&["LoadI 0 1", "LoadNil 1 1 0"])
    );
}

#[test]
fn big_constructors() {
    let items: Vec<String> = (0..120).map(|i| i.to_string()).collect();
    let c = body(&format!("local t = {{{}}}", items.join(",")));
    let setlists: Vec<&String> = c.iter().filter(|l| l.starts_with("SetList")).collect();
    assert_eq!(
        setlists,
        vec!["SetList 0 50 0", "SetList 0 50 50", "SetList 0 20 100"]
    );
    assert_eq!(c[0], "NewTable 0 0 120");
}

#[test]
fn many_constants_use_loadkx() {
    let mut src = String::from("local x\n");
    for i in 0..(1 << 17) + 10 {
        src.push_str(&format!("x = {}.5\n", i));
    }
    let p = compile(src.as_bytes(), b"=t").unwrap();
    assert!(p.code.iter().any(|i| i.op() == Op::LoadKX));
}

#[test]
fn syntax_errors() {
    assert_eq!(
        err("x = = 1"),
        "[string \"x = = 1\"]:1: unexpected symbol near '='"
    );
    assert_eq!(
        compile(b"function f()\n\n", b"@t.lua").unwrap_err(),
        "t.lua:3: 'end' expected (to close 'function' at line 1) near <eof>"
    );
    assert_eq!(
        err("local a b"),
        "[string \"local a b\"]:1: syntax error near <eof>"
    );
    assert_eq!(
        err("a b = 1"),
        "[string \"a b = 1\"]:1: syntax error near 'b'"
    );
    assert_eq!(
        err("x = 'abc"),
        "[string \"x = 'abc\"]:1: unfinished string near <eof>"
    );
    assert_eq!(
        err("x = 3x"),
        "[string \"x = 3x\"]:1: malformed number near '3x'"
    );
    assert_eq!(
        err("f(\"a\" 1)"),
        "[string \"f(\"a\" 1)\"]:1: ')' expected near '1'"
    );
    assert_eq!(
        err("x = \"a\" \"b\""),
        "[string \"x = \"a\" \"b\"\"]:1: unexpected symbol near '\"b\"'"
    );
    assert_eq!(
        err("for i do end"),
        "[string \"for i do end\"]:1: '=' or 'in' expected near 'do'"
    );
    assert_eq!(
        err("local x <foo> = 1"),
        "[string \"local x <foo> = 1\"]:1: unknown attribute 'foo'"
    );
    assert_eq!(
        err("local x <const> = 1; x = 2"),
        "[string \"local x <const> = 1; x = 2\"]:1: attempt to assign to const variable 'x'"
    );
    assert_eq!(
        err("break"),
        "[string \"break\"]:1: break outside loop at line 1"
    );
    assert_eq!(
        err("goto l"),
        "[string \"goto l\"]:1: no visible label 'l' for <goto> at line 1"
    );
    assert_eq!(
        err("::l:: ::l::"),
        "[string \"::l:: ::l::\"]:1: label 'l' already defined on line 1"
    );
    assert_eq!(
        err("goto l; local x; ::l:: print(x)"),
        "[string \"goto l; local x; ::l:: print(x)\"]:1: <goto l> at line 1 jumps into the scope of local 'x'"
    );
    assert_eq!(
        err("local function f() return ... end"),
        "[string \"local function f() return ... end\"]:1: cannot use '...' outside a vararg function near '...'"
    );
    // a label at the end of a block is outside the scope of the block's locals
    compile(b"do goto l; local x; ::l:: end", b"=t").unwrap();
    compile(b"repeat local x; goto l; ::l:: until x", b"=t").unwrap();
    compile(b"repeat goto l; local x; ::l:: until x", b"=t").unwrap_err();
}

#[test]
fn limits() {
    let mut src = String::from("local a0");
    for i in 1..201 {
        src.push_str(&format!(", a{i}"));
    }
    assert!(err(&src).contains("too many local variables (limit is 200) in main function"));
    let src = format!("a = f(x{})", ",x".repeat(260));
    assert!(
        err(&src).contains("function or expression needs too many registers"),
        "{}",
        err(&src)
    );
}

/// Deep nesting must end in an error, never in a native stack overflow, on a 2 MiB
/// thread stack (the default for spawned threads and test threads).
#[test]
fn deep_nesting_is_an_error() {
    let cases: Vec<String> = vec![
        format!("x = {}1{}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("x = {}", "{".repeat(100_000)),
        format!("x = {}1", "-(".repeat(100_000)),
        format!("x = {}1", "- ".repeat(100_000)),
        format!("x = {}", "not ".repeat(100_000)),
        format!("x = {}1", "a..".repeat(100_000)),
        format!("x = {}1", "2^".repeat(100_000)),
        "do ".repeat(100_000),
        "while 1 do ".repeat(100_000),
        "if x then else ".repeat(100_000),
        "function f() ".repeat(100_000),
        format!("local a; a{} = 1", ",a".repeat(100_000)),
        format!("x = {}", "f(".repeat(100_000)),
        format!("x = {}", "function() return ".repeat(100_000)),
        format!("x = {}", "a[".repeat(100_000)),
    ];
    let h = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            for c in &cases {
                let e = compile(c.as_bytes(), b"=deep").unwrap_err();
                assert!(e.contains("too many") || e.contains("overflow"), "{e}");
            }
        })
        .unwrap();
    h.join().unwrap();
    // 100 levels are fine
    compile(
        format!("return {}2{}", "(".repeat(100), ")".repeat(100)).as_bytes(),
        b"=t",
    )
    .unwrap();
    compile(
        format!("local a; a={}0{}", "{".repeat(100), "}".repeat(100)).as_bytes(),
        b"=t",
    )
    .unwrap();
    compile(
        format!("local a = ''; return {}'a'", "a..".repeat(100)).as_bytes(),
        b"=t",
    )
    .unwrap();
    compile(
        format!("local a; a{} = 1{}", ",a".repeat(100), ",1".repeat(100)).as_bytes(),
        b"=t",
    )
    .unwrap();
    compile(
        format!("{}{}", "function foo () ".repeat(100), " end".repeat(100)).as_bytes(),
        b"=t",
    )
    .unwrap();
}

/// Every file of the official test suite must compile (when the suite is around).
#[test]
fn official_tests_compile() {
    let dir = std::path::Path::new("/work/scratch/testes");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut n = 0;
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().is_some_and(|x| x == "lua") {
            let src = std::fs::read(&path).unwrap();
            let name = format!("@{}", path.file_name().unwrap().to_string_lossy());
            match compile(&src, name.as_bytes()) {
                Ok(p) => check_proto(&p),
                Err(e) => panic!("{}: {e}", path.display()),
            }
            n += 1;
        }
    }
    assert!(n > 20);
}

/// Dumps a file's bytecode (for comparing with `luac5.4 -l -l` by hand):
/// `DUMP=file.lua cargo test -p ferrous-interp dump_file -- --ignored --nocapture`
#[test]
#[ignore]
fn dump_file() {
    fn dump(p: &FuncProto) {
        println!(
            "function <{}:{},{}> ({} instructions)",
            String::from_utf8_lossy(&p.source),
            p.line_defined,
            p.last_line_defined,
            p.code.len()
        );
        for (pc, l) in listing(p).iter().enumerate() {
            println!("\t{}\t[{}]\t{}", pc + 1, p.line_info[pc], l);
        }
        for c in &p.protos {
            dump(c);
        }
    }
    for path in std::env::var("DUMP").expect("DUMP=file").split(':') {
        println!("=== {path}");
        let src = std::fs::read(path).unwrap();
        match compile(&src, format!("@{path}").as_bytes()) {
            Ok(p) => dump(&p),
            Err(e) => println!("ERROR {e}"),
        }
    }
}

#[test]
#[ignore]
fn dump_constants() {
    let path = std::env::var("DUMP").expect("DUMP=file");
    let src = std::fs::read(&path).unwrap();
    let p = compile(&src, b"@x").unwrap();
    for (i, k) in p.constants.iter().enumerate() {
        println!("{i}\t{k:?}");
    }
}

#[test]
fn upvalue_limit_and_debug_info() {
    // as in the official errors.lua
    let mut src = String::from("local function fooA ()\n  local ");
    for j in 1..=127 {
        src.push_str(&format!("a{j}, "));
    }
    src.push_str("b,c\nlocal function fooB ()\n  local ");
    for j in 1..=127 {
        src.push_str(&format!("b{j}, "));
    }
    src.push_str("b\nfunction fooC () return b+c");
    for j in 1..=127 {
        src.push_str(&format!("+a{j}+b{j}"));
    }
    src.push_str("\nend  end end");
    let e = err(&src);
    assert!(
        e.contains("too many upvalues") && e.contains("line 5"),
        "{e}"
    );

    let p = compile(b"local a = 1\nlocal function f()\n  return a\nend\n", b"=t").unwrap();
    assert_eq!(
        p.locvars
            .iter()
            .map(|l| String::from_utf8_lossy(&l.name).into_owned())
            .collect::<Vec<_>>(),
        ["a", "f"]
    );
    assert_eq!(
        (p.protos[0].line_defined, p.protos[0].last_line_defined),
        (2, 4)
    );
    assert_eq!(p.protos[0].upvalues[0].name, b"a");
    assert_eq!(p.upvalues[0].name, b"_ENV");
    assert_eq!(p.protos[0].line_info, vec![3, 3, 4]);
}
