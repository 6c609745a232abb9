//! The benchmark programs of `benches/lua/`, run at their small size (the `-- small: N`
//! line, passed as `arg[1]`) under the ferrous binary, with the JIT off and on, and
//! under PUC Lua 5.4 (through mlua): all must print the same checksums. The full-size
//! outputs are checked by `benches/compare.py` against the `.expected` files.

use std::path::{Path, PathBuf};
use std::process::Command;

fn programs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/lua");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .collect();
    v.sort();
    v
}

/// The program's small size, from its `-- small: N` header line.
fn small_size(src: &str) -> Option<String> {
    src.lines()
        .take(5)
        .find_map(|l| l.strip_prefix("-- small:"))
        .map(|s| s.trim().to_string())
}

/// Captures `print` output in Lua itself (PUC's own `tostring` formats the values).
const PRELUDE: &str = r#"
local buf = {}
_G.__output = buf
print = function(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  buf[#buf + 1] = table.concat(t, "\t", 1, t.n) .. "\n"
end
"#;

fn run_puc(path: &Path, src: &str, size: &str) -> Result<String, String> {
    let lua = mlua::Lua::new();
    let run = || -> mlua::Result<String> {
        lua.load(PRELUDE).exec()?;
        let arg = lua.create_table()?;
        arg.set(0, path.to_string_lossy().as_ref())?;
        arg.set(1, size)?;
        lua.globals().set("arg", arg)?;
        lua.load(src).set_name(path.to_string_lossy()).exec()?;
        lua.load("return table.concat(__output)").eval()
    };
    run().map_err(|e| e.to_string())
}

#[test]
fn benchmark_programs_match_puc_at_small_size() {
    let progs = programs();
    assert!(
        progs.len() >= 20,
        "expected the benchmark suite in benches/lua"
    );
    let mut failures = Vec::new();
    for path in &progs {
        let src = std::fs::read_to_string(path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy();
        let Some(size) = small_size(&src) else {
            failures.push(format!("{name}: no `-- small:` line"));
            continue;
        };
        let puc = match run_puc(path, &src, &size) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{name}: PUC Lua failed: {e}"));
                continue;
            }
        };
        // The interpreter, and the JIT recording every loop it can.
        for flags in [&[][..], &["--jit", "--jit-hotloop=1"][..]] {
            let out = Command::new(env!("CARGO_BIN_EXE_ferrous"))
                .args(flags)
                .arg(path)
                .arg(&size)
                .output()
                .expect("run ferrous");
            let got = String::from_utf8_lossy(&out.stdout);
            if !out.status.success() || got != puc || puc.is_empty() {
                failures.push(format!(
                    "{name} {size} {flags:?}: ferrous printed {got:?} (stderr {:?}), PUC printed {puc:?}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
