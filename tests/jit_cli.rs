//! The JIT's command-line tooling and its `jit` module, through the ferrous binary.

use std::process::{Command, Output};

fn ferrous(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferrous"))
        .args(args)
        .output()
        .expect("run ferrous")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const SUM_LOOP: &str = "local s = 0 for i = 1, 1000 do s = s + i * 2 end print(s)";

#[test]
fn verbose_prints_one_line_per_trace_event() {
    let out = ferrous(&["--jit-verbose", "-e", SUM_LOOP]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "1001000\n");
    let err = text(&out.stderr);
    assert!(err.contains("[TRACE   1 (command line):1 loop]"), "{err}");
    // An aborted loop names its reason and line.
    let out = ferrous(&["--jit-verbose", "-e", "for i = 1, 100 do print(i) end"]);
    let err = text(&out.stderr);
    assert!(
        err.contains("[TRACE --- (command line):1 -- NYI: bytecode Call]"),
        "{err}"
    );
}

#[test]
fn dump_shows_the_selected_sections() {
    let out = ferrous(&["--jit-dump=bc,ir", "-e", SUM_LOOP]);
    let err = text(&out.stderr);
    assert!(err.contains("---- TRACE 1 bytecode"), "{err}");
    assert!(err.contains("ForLoop"), "{err}");
    assert!(err.contains("---- TRACE 1 IR"), "{err}");
    assert!(err.contains("------ LOOP ------------"), "{err}");
    assert!(err.contains(" Phi "), "{err}");
    assert!(!err.contains("mcode"), "asm not asked for: {err}");
    let out = ferrous(&["--jit-dump=asm", "-e", SUM_LOOP]);
    assert!(text(&out.stderr).contains("---- TRACE 1 mcode"));
}

#[test]
fn passes_can_be_switched_off() {
    // Without folding, the constant multiplication stays an instruction of its own.
    let with = text(
        &ferrous(&[
            "--jit-dump=ir",
            "-e",
            "local s = 0 for i = 1, 100 do s = s + 2 * 3 end",
        ])
        .stderr,
    );
    let without = text(
        &ferrous(&[
            "--jit-dump=ir",
            "-O0",
            "-e",
            "local s = 0 for i = 1, 100 do s = s + (i - i + 2) * 3 end",
        ])
        .stderr,
    );
    assert!(with.contains("LOOP") && without.contains("LOOP"));
    assert!(without.contains("Sub"), "-O0 keeps i - i: {without}");
    let folded = text(
        &ferrous(&[
            "--jit-dump=ir",
            "-e",
            "local s = 0 for i = 1, 100 do s = s + (i - i + 2) * 3 end",
        ])
        .stderr,
    );
    assert!(!folded.contains("Sub"), "folding removes i - i: {folded}");
}

#[test]
fn stats_summarize_at_exit() {
    let out = ferrous(&["--jit-stats", "-e", SUM_LOOP]);
    let err = text(&out.stderr);
    assert!(err.contains("traces: 1 (0 retired)"), "{err}");
    assert!(err.contains("compile time: total"), "{err}");
}

#[test]
fn bad_jit_options_are_refused() {
    let out = ferrous(&["--jit-hotloop=0", "-e", ""]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("unrecognized option '--jit-hotloop=0'"));
    let out = ferrous(&["-Ono-such-pass", "-e", ""]);
    assert!(!out.status.success());
}

#[test]
fn jit_module_switches_the_jit() {
    let script = r#"
        local jit = require("jit")
        print(jit.status(), rawget(_G, "jit"))
        jit.on()
        print(jit.status())
        local s = 0
        for i = 1, 1000 do s = s + i end
        jit.flush()
        for i = 1, 1000 do s = s + i end
        jit.off()
        print(jit.status(), s)
    "#;
    let out = ferrous(&["--jit-verbose", "-e", script]);
    assert_eq!(text(&out.stdout), "true\tnil\ntrue\nfalse\t1001000\n");
    // Two traces of two loops: the flush dropped the first, the second was compiled
    // into a new module.
    assert_eq!(text(&out.stderr).matches("[TRACE   1 ").count(), 2);
    let out = ferrous(&["-e", script]);
    assert_eq!(text(&out.stdout), "false\tnil\ntrue\nfalse\t1001000\n");
}
