//! Turning compiler output into heap prototypes and main-chunk closures.

use crate::bytecode::{Const, FuncProto};
use ferrous_runtime::function::{LocVarInfo, LuaClosure, Proto, ProtoParts, UpVal, UpvalInfo};
use ferrous_runtime::{Gc, State, Value};
use std::collections::HashMap;
use std::rc::Rc;

/// Moves a compiled chunk onto the heap. Equal string constants anywhere in the chunk
/// become one string object (as with PUC Lua's scanner table), long strings included.
pub fn proto_to_heap(st: &mut State, fp: &FuncProto, source: &Rc<[u8]>) -> Gc<Proto> {
    let mut strings = HashMap::new();
    convert(st, fp, source, &mut strings)
}

fn convert(
    st: &mut State,
    fp: &FuncProto,
    source: &Rc<[u8]>,
    strings: &mut HashMap<Vec<u8>, Value>,
) -> Gc<Proto> {
    let constants: Vec<Value> = fp
        .constants
        .iter()
        .map(|k| match k {
            Const::Nil => Value::NIL,
            Const::Bool(b) => Value::bool(*b),
            Const::Int(i) => Value::int(*i),
            Const::Float(f) => Value::float(*f),
            Const::Str(s) => *strings.entry(s.clone()).or_insert_with(|| st.str_value(s)),
        })
        .collect();
    let protos: Vec<Gc<Proto>> = fp
        .protos
        .iter()
        .map(|p| convert(st, p, source, strings))
        .collect();
    let parts = ProtoParts {
        code: fp.code.iter().map(|i| i.0).collect(),
        constants: constants.into_boxed_slice(),
        protos: protos.into_boxed_slice(),
        upvals: fp
            .upvalues
            .iter()
            .map(|u| UpvalInfo {
                name: u.name.clone().into_boxed_slice(),
                in_stack: u.in_stack,
                index: u.index,
                kind: u.kind,
            })
            .collect(),
        num_params: fp.num_params,
        is_vararg: fp.is_vararg,
        max_stack: fp.max_stack.max(2),
        line_info: fp.line_info.clone().into_boxed_slice(),
        locvars: fp
            .locvars
            .iter()
            .map(|l| LocVarInfo {
                name: l.name.clone().into_boxed_slice(),
                start_pc: l.start_pc,
                end_pc: l.end_pc,
            })
            .collect(),
        source: source.clone(),
        line_defined: fp.line_defined,
        last_line_defined: fp.last_line_defined,
    };
    st.heap.alloc(Proto::new(parts))
}

/// A closure for a main chunk: its first upvalue (`_ENV`) is `env`, the others nil.
pub fn main_closure(st: &mut State, proto: Gc<Proto>, env: Value) -> Value {
    let n = proto.upvals.len();
    let mut ups = Vec::with_capacity(n);
    for i in 0..n {
        let v = if i == 0 { env } else { Value::NIL };
        ups.push(UpVal::new_closed(&mut st.heap, v));
    }
    let cl = st.heap.alloc_tail(LuaClosure::new(proto, n), &ups);
    Value::lclosure(cl)
}
