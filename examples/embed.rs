//! Embedding Ferrous: run with `cargo run --example embed`.
//!
//! A host registers a Rust function, runs a script that uses it, and reads back what
//! the script computed.

use ferrous::{Lua, Table, Variadic};

fn main() -> ferrous::Result<()> {
    let lua = Lua::new();

    // A Rust function callable from Lua: the mean of its arguments.
    let mean = lua.create_function(|_, xs: Variadic<f64>| {
        if xs.is_empty() {
            return Err(ferrous::Error::runtime("mean of nothing"));
        }
        Ok(xs.iter().sum::<f64>() / xs.len() as f64)
    })?;
    lua.globals().set("mean", mean)?;

    lua.load(
        r#"
        scores = { alice = mean(9, 7, 8), bob = mean(6, 10) }
        print(("alice %.2f, bob %.2f"):format(scores.alice, scores.bob))
        "#,
    )
    .set_name("scores.lua")
    .exec()?;

    let scores: Table = lua.globals().get("scores")?;
    for pair in scores.pairs::<String, f64>() {
        let (name, score) = pair?;
        println!("from Rust: {name} = {score}");
    }

    // Errors come back as values, with Lua's message and traceback.
    if let Err(e) = lua.load("mean()").set_name("oops.lua").exec() {
        println!("caught: {}", e.to_string().lines().next().unwrap_or(""));
    }
    Ok(())
}
