//! The standard library. Each module has `pub fn open(st: &mut State)` that creates its
//! table and stores it in the globals (and `package.loaded` once it exists).
