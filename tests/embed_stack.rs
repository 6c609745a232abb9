//! The embedding API must turn deep native nesting into a Lua error even on a thread with
//! a small native stack (test threads get 2 MiB), never overflow the Rust stack.

fn run_on_small_stack(src: &'static str) -> Result<(), String> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let lua = ferrous::Lua::new();
            lua.load(src).exec().map_err(|e| e.to_string())
        })
        .expect("spawn")
        .join()
        .expect("the Lua thread must not crash")
}

#[test]
fn metamethod_recursion_is_a_c_stack_overflow_error() {
    let err = run_on_small_stack(
        "local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x",
    )
    .unwrap_err();
    assert!(err.contains("stack overflow"), "{err}");
}

#[test]
fn library_callback_recursion_is_an_error() {
    let err =
        run_on_small_stack("local function f() return (string.gsub('x', 'x', f)) end return f()")
            .unwrap_err();
    assert!(err.contains("stack overflow"), "{err}");
}

#[test]
fn coroutine_recursion_is_an_error() {
    let err = run_on_small_stack("local function f() return coroutine.wrap(f)() end return f()")
        .unwrap_err();
    assert!(err.contains("stack overflow"), "{err}");
}
