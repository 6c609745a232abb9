//! Criterion micro-benchmarks of the interpreter and the embedding API.
//!
//! Most benchmarks compile a small Lua chunk once, get a function out of it and call
//! that function once per Criterion iteration; the function does `N` (1000) operations
//! in a Lua loop so the host-call overhead is amortized. The embedding-API benchmarks
//! (`table_api/*`, `calls/rust_to_lua`, `strings/create_string_api`) do their `N`
//! operations in a Rust loop instead, and `gc/*` allocates 10,000 objects per iteration
//! and then collects. Throughput is reported per operation (`Throughput::Elements`);
//! in `table_api/*` one operation is a set followed by a get.
//!
//! ```sh
//! cargo bench --bench micro                       # all, full measurement
//! cargo bench --bench micro -- --quick            # fast, rougher numbers
//! cargo bench --bench micro -- calls/             # one group (a name filter)
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use ferrous::{Function, Lua};

/// Operations done by one call of a benchmark function.
const N: i64 = 1000;

/// Loads `src` (a chunk returning a function) and returns that function.
fn lua_fn(lua: &Lua, name: &str, src: &str) -> Function {
    lua.load(src)
        .set_name(name)
        .eval()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Benchmarks `f(N)` (Lua function from `src`) under `id`, reporting `N` elements per call.
fn bench_lua(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    lua: &Lua,
    id: &str,
    src: &str,
) {
    let f = lua_fn(lua, id, src);
    // One call up front: a broken chunk fails here, with its message.
    f.call::<_, ferrous::Value>(N)
        .unwrap_or_else(|e| panic!("{id}: {e}"));
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function(id, |b| {
        b.iter(|| black_box(f.call::<_, ferrous::Value>(black_box(N)).unwrap()))
    });
}

fn tables(c: &mut Criterion) {
    let lua = Lua::new();
    let mut g = c.benchmark_group("table");
    bench_lua(
        &mut g,
        &lua,
        "int_key_get_set",
        r#"
        local t = {}
        for i = 1, 1000 do t[i] = 0 end
        return function(n)
          for i = 1, n do t[i] = t[i] + 1 end
          return t[1]
        end
        "#,
    );
    bench_lua(
        &mut g,
        &lua,
        "hash_int_key_get_set",
        r#"
        local t = {}
        for i = 1, 1000 do t[i * 7919] = 0 end
        return function(n)
          for i = 1, n do local k = i * 7919; t[k] = t[k] + 1 end
          return t[7919]
        end
        "#,
    );
    bench_lua(
        &mut g,
        &lua,
        "const_string_key_get_set",
        r#"
        local t = { alpha = 0, beta = 0, gamma = 0, delta = 0 }
        return function(n)
          for _ = 1, n // 4 do
            t.alpha = t.alpha + 1
            t.beta = t.beta + 1
            t.gamma = t.gamma + 1
            t.delta = t.delta + 1
          end
          return t.alpha
        end
        "#,
    );
    bench_lua(
        &mut g,
        &lua,
        "dynamic_string_key_get_set",
        r#"
        local keys, t = {}, {}
        for i = 1, 64 do keys[i] = "key" .. i; t[keys[i]] = 0 end
        return function(n)
          for i = 1, n do local k = keys[i % 64 + 1]; t[k] = t[k] + 1 end
          return t.key1
        end
        "#,
    );
    g.finish();

    // Direct API use: Table::raw_set / raw_get from Rust.
    let mut g = c.benchmark_group("table_api");
    let t = lua.create_table().unwrap();
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("raw_set_get_int", |b| {
        b.iter(|| {
            for i in 1..=N {
                t.raw_set(i, i).unwrap();
            }
            let mut s = 0i64;
            for i in 1..=N {
                s += t.raw_get::<_, i64>(i).unwrap();
            }
            black_box(s)
        })
    });
    g.bench_function("set_get_string", |b| {
        b.iter(|| {
            for _ in 0..N {
                t.set("field", 1i64).unwrap();
                black_box(t.get::<_, i64>("field").unwrap());
            }
        })
    });
    g.finish();
}

fn globals(c: &mut Criterion) {
    let lua = Lua::new();
    let mut g = c.benchmark_group("globals");
    bench_lua(
        &mut g,
        &lua,
        "get_set",
        r#"
        counter = 0
        return function(n)
          for _ = 1, n do counter = counter + 1 end
          return counter
        end
        "#,
    );
    bench_lua(
        &mut g,
        &lua,
        "library_field_get",
        r#"
        return function(n)
          local s = 0
          for i = 1, n do s = s + math.pi end
          return s
        end
        "#,
    );
    g.finish();
}

fn calls(c: &mut Criterion) {
    let lua = Lua::new();
    let inc = lua
        .create_function(|_, x: i64| Ok(x + 1))
        .expect("create_function");
    lua.globals().set("rust_inc", inc).unwrap();

    let mut g = c.benchmark_group("calls");
    bench_lua(
        &mut g,
        &lua,
        "lua_to_lua",
        r#"
        local function inc(x) return x + 1 end
        return function(n)
          local s = 0
          for _ = 1, n do s = inc(s) end
          return s
        end
        "#,
    );
    bench_lua(
        &mut g,
        &lua,
        "lua_to_lua_closure_vararg",
        r#"
        local k = 1
        local function add(...) local a, b = ... return a + b + k end
        return function(n)
          local s = 0
          for i = 1, n do s = add(s, i) end
          return s
        end
        "#,
    );
    bench_lua(
        &mut g,
        &lua,
        "lua_to_rust",
        r#"
        local inc = rust_inc
        return function(n)
          local s = 0
          for _ = 1, n do s = inc(s) end
          return s
        end
        "#,
    );
    bench_lua(
        &mut g,
        &lua,
        "lua_to_builtin",
        r#"
        local abs = math.abs
        return function(n)
          local s = 0
          for i = 1, n do s = s + abs(-i) end
          return s
        end
        "#,
    );

    let f = lua_fn(&lua, "rust_to_lua", "return function(x) return x + 1 end");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("rust_to_lua", |b| {
        b.iter(|| {
            let mut s = 0i64;
            for _ in 0..N {
                s = f.call::<_, i64>(black_box(s)).unwrap();
            }
            black_box(s)
        })
    });
    g.finish();
}

fn strings(c: &mut Criterion) {
    let lua = Lua::new();
    let mut g = c.benchmark_group("strings");
    bench_lua(
        &mut g,
        &lua,
        "intern_short",
        r#"
        local char = string.char
        return function(n)
          local last
          for i = 1, n do
            last = char(97 + i % 26, 97 + (i // 26) % 26, 97 + (i // 676) % 26)
          end
          return last
        end
        "#,
    );
    bench_lua(
        &mut g,
        &lua,
        "tostring_int",
        r#"
        return function(n)
          local last
          for i = 1, n do last = tostring(i) end
          return last
        end
        "#,
    );
    bench_lua(
        &mut g,
        &lua,
        "concat_short",
        r#"
        return function(n)
          local last
          for i = 1, n do last = "item" .. i .. "/" .. n end
          return last
        end
        "#,
    );
    bench_lua(
        &mut g,
        &lua,
        "table_concat",
        r#"
        local concat = table.concat
        return function(n)
          local parts = {}
          for i = 1, n do parts[i] = "x" end
          return #concat(parts, ",")
        end
        "#,
    );
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("create_string_api", |b| {
        b.iter(|| {
            for i in 0..N {
                let s = lua.create_string(i.to_le_bytes()).unwrap();
                black_box(s);
            }
        })
    });
    g.finish();
}

fn gc(c: &mut Criterion) {
    const TABLES: i64 = 10_000;
    let lua = Lua::new();
    let alloc = lua_fn(
        &lua,
        "alloc",
        r#"
        return function(n)
          local keep
          for i = 1, n do keep = { i, i + 1, x = i } end
          return keep.x
        end
        "#,
    );
    let mut g = c.benchmark_group("gc");
    g.throughput(Throughput::Elements(TABLES as u64));
    g.bench_function("alloc_small_tables_then_collect", |b| {
        b.iter(|| {
            black_box(alloc.call::<_, i64>(TABLES).unwrap());
            lua.gc_collect();
        })
    });
    let alloc_closures = lua_fn(
        &lua,
        "alloc_closures",
        r#"
        return function(n)
          local keep
          for i = 1, n do keep = function() return i end end
          return keep()
        end
        "#,
    );
    g.bench_function("alloc_closures_then_collect", |b| {
        b.iter(|| {
            black_box(alloc_closures.call::<_, i64>(TABLES).unwrap());
            lua.gc_collect();
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = tables, globals, calls, strings, gc
}
criterion_main!(benches);
