//! Code layout for the `ferrous` binary: the functions that run in the benchmark
//! programs go first, in the order `tools/symbol-order.txt` lists them (written by
//! `tools/symbol_order.py`), so the executed code sits in few pages and the binary's
//! resident size stays small (see docs/internals.md, "Code layout").
//!
//! `tools/rodata-order.ld` (written by `tools/rodata_order.py`) does the same for read-only
//! data: a linker script that puts the constants a short run reads in one section first.
//!
//! The list is a hint to LLD (`--symbol-ordering-file`): names it does not find, from
//! another toolchain or a renamed function, are skipped. It is only passed where LLD
//! is known to be the linker: release builds for x86_64 Linux with Rust 1.90 or later
//! (whose default linker there is the bundled LLD), unless RUSTFLAGS pick the linker.

use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=tools/symbol-order.txt");
    println!("cargo:rerun-if-changed=tools/rodata-order.ld");
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    if env::var("TARGET").as_deref() != Ok("x86_64-unknown-linux-gnu")
        || env::var("PROFILE").as_deref() != Ok("release")
        || !lld_is_default()
    {
        return;
    }
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if flags.contains("linker") || flags.contains("link-self-contained") {
        return;
    }
    let dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let order = Path::new(&dir).join("tools/symbol-order.txt");
    if order.exists() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
    let rodata = Path::new(&dir).join("tools/rodata-order.ld");
    if rodata.exists() {
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", rodata.display());
    }
}

/// Whether rustc is 1.90 or later (LLD by default on x86_64 Linux).
fn lld_is_default() -> bool {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(out) = Command::new(rustc).arg("--version").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    // "rustc 1.95.0 (...)"
    let mut parts = text
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    major > 1 || (major == 1 && minor >= 90)
}
