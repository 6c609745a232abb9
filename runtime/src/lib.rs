//! Ferrous runtime: values, the GC heap and the object model.
pub mod number;
