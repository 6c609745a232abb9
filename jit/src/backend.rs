//! The Cranelift backend: lowers a trace to one native function.
//!
//! The function takes the address of the base frame's first stack slot, of a counter
//! it adds its loop iterations to, and of the heap (for the helpers that store into
//! tables, allocate, or check whether a collection is due), and returns the trace's
//! number and the snapshot it left through (`exit_code`). The pre-roll (the IR before
//! `Loop`) is the entry block; the loop body is a header block whose parameters are
//! the PHIs, and which jumps back to itself with the PHIs' second operands. A failed
//! guard branches to its snapshot's cold exit block (one per snapshot) that writes the
//! snapshot's registers back to the stack (payload and tag, as `Value`'s layout
//! contract gives them). Operations without a machine instruction call helpers in
//! `helpers` and `native`, which never unwind.
//!
//! Traces link through the stack, as the interpreter would run them: an exit block
//! then reads its slot in the trace's link table and, once a side trace is attached
//! there, tail-calls it instead of returning; a side trace (no loop) ends by writing
//! its registers back and tail-calling its root trace, whose pre-roll reloads them.
//! Cranelift cannot patch code, and the table is the patchable jump: one load and a
//! branch on a path that is already cold. All trace functions use the `tail` calling
//! convention for that; `trampoline` makes the one function Rust calls to run them.

use crate::{helpers, native};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, AbiParam, AliasRegion, Block, BlockArg, InstBuilder, MemFlags, Signature,
    Value as CValue,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::JITModule;
use cranelift_module::{Linkage, Module};
use ferrous_ir::op::{sload, Field, MathFn, Op};
use ferrous_ir::{Const, Ref, Trace, Ty};
use ferrous_runtime::layout::layout;
use ferrous_runtime::value::*;
use std::collections::HashMap;

/// A compiled trace: the address of its code, and Cranelift's listing of the machine
/// code when asked for.
pub struct Compiled {
    /// Only `compile` makes one: `native::TraceCode` relies on it.
    pub(crate) entry: *const u8,
    pub disasm: Option<String>,
}

/// How a trace ends and links: its number (in exit codes), its link table (one word
/// per snapshot: zero, or the code of the side trace attached to that exit), and,
/// for a side trace, the code of the root trace it ends in (or none: it returns to the
/// interpreter through its last snapshot).
pub struct Links {
    pub trace: u32,
    pub table: *const usize,
    pub root: Option<*const u8>,
}

/// What a trace returns when it leaves through snapshot `snap` of trace `trace`.
pub fn exit_code(trace: u32, snap: u32) -> u64 {
    (trace as u64) << 32 | snap as u64
}

/// The trace and snapshot an `exit_code` names.
pub fn exit_of(code: u64) -> (usize, u32) {
    ((code >> 32) as usize, code as u32)
}

/// The signature of every trace function: `(base, iterations, heap) -> exit code`.
fn trace_signature(ptr: types::Type) -> Signature {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// Compiles the function Rust runs traces through:
/// `extern "C" fn(code, base, iterations, heap) -> exit code` calls trace function
/// `code`.
pub fn trampoline(module: &mut JITModule) -> Result<*const u8, String> {
    let mut ctx = module.make_context();
    let ptr = module.target_config().pointer_type();
    let sig = &mut ctx.func.signature;
    sig.call_conv = CallConv::SystemV;
    sig.params.extend([AbiParam::new(ptr); 4]);
    sig.returns.push(AbiParam::new(types::I64));
    let mut fbc = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fbc);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let p = b.block_params(entry).to_vec();
        let callee = b.import_signature(trace_signature(ptr));
        let call = b.ins().call_indirect(callee, p[0], &p[1..]);
        let code = b.inst_results(call)[0];
        b.ins().return_(&[code]);
        b.seal_all_blocks();
        b.finalize();
    }
    let id = module
        .declare_function("trampoline", Linkage::Local, &ctx.func.signature)
        .map_err(|e| e.to_string())?;
    module
        .define_function(id, &mut ctx)
        .map_err(|e| format!("{e:?}"))?;
    module.clear_context(&mut ctx);
    module.finalize_definitions().map_err(|e| e.to_string())?;
    Ok(module.get_finalized_function(id))
}

/// Compiles `t` into `module` under `name`.
pub fn compile(
    module: &mut JITModule,
    t: &Trace,
    name: &str,
    links: &Links,
    disasm: bool,
) -> Result<Compiled, String> {
    let mut ctx = module.make_context();
    let ptr = module.target_config().pointer_type();
    ctx.func.signature = trace_signature(ptr);
    ctx.set_disasm(disasm);
    let mut fbc = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fbc);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let base = b.block_params(entry)[0];
        let iterations = b.block_params(entry)[1];
        let heap = b.block_params(entry)[2];
        let sig = b.import_signature(trace_signature(ptr));
        let mut l = Lower {
            b,
            t,
            vals: vec![None; t.ins.len()],
            base,
            iterations,
            heap,
            header: None,
            exits: HashMap::new(),
            links,
            sig,
        };
        l.lower()?;
        l.b.finalize();
    }
    let id = module
        .declare_function(name, Linkage::Local, &ctx.func.signature)
        .map_err(|e| e.to_string())?;
    module
        .define_function(id, &mut ctx)
        .map_err(|e| format!("{e:?}"))?;
    let disasm = ctx.compiled_code().and_then(|c| c.vcode.clone());
    module.clear_context(&mut ctx);
    module.finalize_definitions().map_err(|e| e.to_string())?;
    Ok(Compiled {
        entry: module.get_finalized_function(id),
        disasm,
    })
}

struct Lower<'a> {
    b: FunctionBuilder<'a>,
    t: &'a Trace,
    /// The Cranelift value of each instruction, where it is defined (in the loop body,
    /// a PHI's first operand names the header's parameter).
    vals: Vec<Option<CValue>>,
    base: CValue,
    /// Address of the trace's iteration counter.
    iterations: CValue,
    /// Address of the `Heap`, for helpers.
    heap: CValue,
    header: Option<Block>,
    /// The exit block of each snapshot, once a guard needed it.
    exits: HashMap<usize, Block>,
    links: &'a Links,
    /// The trace functions' signature, for tail calls.
    sig: cranelift_codegen::ir::SigRef,
}

/// Memory a trace touches, in separate alias regions so that Cranelift may keep a
/// stack value in a register across a table store and the other way round: the Lua
/// stack (the base frame's registers), and table memory (headers, array parts, nodes).
/// Every address is valid and aligned when it is used (guards come first).
#[derive(Clone, Copy)]
enum Mem {
    Stack,
    Table,
    /// Anything (an upvalue's value: a closed upvalue or another frame's stack slot).
    Any,
}

impl Mem {
    fn flags(self) -> MemFlags {
        let region = match self {
            Mem::Stack => Some(AliasRegion::Vmctx),
            Mem::Table => Some(AliasRegion::Heap),
            Mem::Any => None,
        };
        MemFlags::trusted().with_alias_region(region)
    }
}

impl Lower<'_> {
    fn lower(&mut self) -> Result<(), String> {
        let t = self.t;
        let Some(loop_at) = t.loop_at else {
            return self.lower_side();
        };
        let phis: Vec<(Ref, Ref)> = t.ins[loop_at..]
            .iter()
            .filter(|i| i.op == Op::Phi)
            .map(|i| (i.ra(), i.rb()))
            .collect();
        for i in 0..t.ins.len() {
            let ins = t.ins[i];
            match ins.op {
                Op::Nop | Op::Phi => {}
                Op::Loop => {
                    let header = self.b.create_block();
                    let mut args: Vec<BlockArg> = Vec::new();
                    for &(left, _) in &phis {
                        args.push(self.val(left).into());
                        self.b.append_block_param(header, cl_type(left.ty()));
                    }
                    self.b.ins().jump(header, &args);
                    self.b.switch_to_block(header);
                    self.count_iteration();
                    for (k, &(left, _)) in phis.iter().enumerate() {
                        self.vals[left.index()] = Some(self.b.block_params(header)[k]);
                    }
                    self.header = Some(header);
                }
                _ => self.vals[i] = self.ins(i)?,
            }
        }
        let header = self.header.ok_or("trace without a loop")?;
        let args: Vec<BlockArg> = phis
            .iter()
            .map(|&(_, right)| self.val(right).into())
            .collect();
        self.b.ins().jump(header, &args);
        self.b.seal_all_blocks();
        Ok(())
    }

    /// A side trace: its instructions, then its registers written back and a tail call
    /// of the root trace, or a return through its last snapshot.
    fn lower_side(&mut self) -> Result<(), String> {
        for i in 0..self.t.ins.len() {
            if self.t.ins[i].op != Op::Nop {
                self.vals[i] = self.ins(i)?;
            }
        }
        let n = self.t.snaps.len();
        let last = *self
            .t
            .snaps
            .last()
            .ok_or("side trace without its last snapshot")?;
        self.write_back(last);
        match self.links.root {
            Some(root) => {
                // Back at a loop's start: one more iteration of the tree it links to.
                self.count_iteration();
                let callee = self.b.ins().iconst(types::I64, root as i64);
                let args = [self.base, self.iterations, self.heap];
                self.b.ins().return_call_indirect(self.sig, callee, &args);
            }
            None => {
                let code = exit_code(self.links.trace, n as u32 - 1);
                let code = self.b.ins().iconst(types::I64, code as i64);
                self.b.ins().return_(&[code]);
            }
        }
        self.b.seal_all_blocks();
        Ok(())
    }

    /// Adds one to the iteration counter of the trace being run.
    fn count_iteration(&mut self) {
        let flags = MemFlags::trusted();
        let n = self.b.ins().load(types::I64, flags, self.iterations, 0);
        let n = self.b.ins().iadd_imm(n, 1);
        self.b.ins().store(flags, n, self.iterations, 0);
    }

    /// Writes the registers of snapshot `snap` back to the stack.
    fn write_back(&mut self, snap: ferrous_ir::Snapshot) {
        let base = self.base;
        for e in self.t.entries(&snap).to_vec() {
            self.store_value(e.r, (base, e.slot as i32 * 16, Mem::Stack));
        }
    }

    /// The value of `r` where the builder stands.
    fn val(&mut self, r: Ref) -> CValue {
        if let Some(c) = self.t.const_of(r) {
            return self.konst(c);
        }
        match self.vals[r.index()] {
            Some(v) => v,
            // Values of nil and booleans are their types: no machine value (their
            // payload, where one is stored, is 1 for true).
            None => self.b.ins().iconst(types::I64, (r.ty() == Ty::True) as i64),
        }
    }

    fn konst(&mut self, c: Const) -> CValue {
        match c {
            Const::Nil | Const::False => self.b.ins().iconst(types::I64, 0),
            Const::True => self.b.ins().iconst(types::I64, 1),
            Const::Int(i) => self.b.ins().iconst(types::I64, i),
            Const::Num(n) => self.b.ins().f64const(n),
            Const::Gc(_, p) | Const::Ptr(p) => self.b.ins().iconst(types::I64, p as i64),
            Const::Slot { .. } => self.b.ins().iconst(types::I64, 0),
        }
    }

    /// Lowers instruction `i`; returns its value, if it has one.
    fn ins(&mut self, i: usize) -> Result<Option<CValue>, String> {
        let ins = self.t.ins[i];
        let ty = ins.ty;
        let a = || ins.ra();
        let b = || ins.rb();
        let v = match ins.op {
            Op::SLoad => return Ok(self.sload(i, ins.a, ins.b, ty)),
            Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Eq | Op::Ne => {
                let (x, y) = (self.val(a()), self.val(b()));
                let cond = if a().ty() == Ty::Num {
                    let cc = match ins.op {
                        Op::Lt => FloatCC::LessThan,
                        Op::Le => FloatCC::LessThanOrEqual,
                        Op::Gt => FloatCC::GreaterThan,
                        Op::Ge => FloatCC::GreaterThanOrEqual,
                        Op::Eq => FloatCC::Equal,
                        _ => FloatCC::NotEqual,
                    };
                    self.b.ins().fcmp(cc, x, y)
                } else {
                    let cc = match ins.op {
                        Op::Lt => IntCC::SignedLessThan,
                        Op::Le => IntCC::SignedLessThanOrEqual,
                        Op::Gt => IntCC::SignedGreaterThan,
                        Op::Ge => IntCC::SignedGreaterThanOrEqual,
                        Op::Eq => IntCC::Equal,
                        _ => IntCC::NotEqual,
                    };
                    self.b.ins().icmp(cc, x, y)
                };
                self.guard(i, cond);
                return Ok(None);
            }
            Op::ToInt => {
                let x = self.val(a());
                let n = self.b.ins().fcvt_to_sint_sat(types::I64, x);
                let back = self.b.ins().fcvt_from_sint(types::F64, n);
                let exact = self.b.ins().fcmp(FloatCC::Equal, back, x);
                // 2^63 converts to i64::MAX and back to 2^63: not exact.
                let lim = self.b.ins().f64const(9_223_372_036_854_775_808.0);
                let below = self.b.ins().fcmp(FloatCC::LessThan, x, lim);
                let ok = self.b.ins().band(exact, below);
                self.guard(i, ok);
                n
            }
            Op::ToNum => {
                let x = self.val(a());
                self.b.ins().fcvt_from_sint(types::F64, x)
            }
            Op::Neg if ty == Ty::Num => {
                let x = self.val(a());
                self.b.ins().fneg(x)
            }
            Op::Neg => {
                let x = self.val(a());
                self.b.ins().ineg(x)
            }
            Op::BNot => {
                let x = self.val(a());
                self.b.ins().bnot(x)
            }
            Op::Math => {
                let x = self.val(a());
                match MathFn::from_lit(ins.b).ok_or("bad math function")? {
                    MathFn::Floor => self.b.ins().floor(x),
                    MathFn::Ceil => self.b.ins().ceil(x),
                    MathFn::Sqrt => self.b.ins().sqrt(x),
                    MathFn::Abs => self.b.ins().fabs(x),
                    f => self.call_f64(helpers::math_fn(f), &[x]),
                }
            }
            Op::Add
            | Op::Sub
            | Op::Mul
            | Op::Div
            | Op::IDiv
            | Op::Mod
            | Op::Pow
            | Op::Min
            | Op::Max
                if ty == Ty::Num =>
            {
                let (x, y) = (self.val(a()), self.val(b()));
                let bi = self.b.ins();
                match ins.op {
                    Op::Add => bi.fadd(x, y),
                    Op::Sub => bi.fsub(x, y),
                    Op::Mul => bi.fmul(x, y),
                    Op::Div => bi.fdiv(x, y),
                    Op::IDiv => {
                        let q = bi.fdiv(x, y);
                        self.b.ins().floor(q)
                    }
                    Op::Min => {
                        let lt = bi.fcmp(FloatCC::LessThan, y, x);
                        self.b.ins().select(lt, y, x)
                    }
                    Op::Max => {
                        let gt = bi.fcmp(FloatCC::GreaterThan, y, x);
                        self.b.ins().select(gt, y, x)
                    }
                    Op::Mod => self.call_f64(helpers::num_mod as *const () as usize, &[x, y]),
                    _ => self.call_f64(helpers::num_pow as *const () as usize, &[x, y]),
                }
            }
            Op::Add
            | Op::Sub
            | Op::Mul
            | Op::IDiv
            | Op::Mod
            | Op::Min
            | Op::Max
            | Op::BAnd
            | Op::BOr
            | Op::BXor
            | Op::BShl
            | Op::BShr => {
                let (x, y) = (self.val(a()), self.val(b()));
                let shift = self.t.int_const(b()).filter(|k| (0..64).contains(k));
                let bi = self.b.ins();
                match ins.op {
                    Op::Add => bi.iadd(x, y),
                    Op::Sub => bi.isub(x, y),
                    Op::Mul => bi.imul(x, y),
                    Op::Min => bi.smin(x, y),
                    Op::Max => bi.smax(x, y),
                    Op::BAnd => bi.band(x, y),
                    Op::BOr => bi.bor(x, y),
                    Op::BXor => bi.bxor(x, y),
                    Op::Mod => self.int_mod(x, y),
                    Op::IDiv => self.call_i64(helpers::int_idiv as *const () as usize, &[x, y]),
                    Op::BShl => match shift {
                        Some(k) => bi.ishl_imm(x, k),
                        None => self.call_i64(helpers::shift_left as *const () as usize, &[x, y]),
                    },
                    _ => match shift {
                        Some(k) => bi.ushr_imm(x, k),
                        None => self.call_i64(helpers::shift_right as *const () as usize, &[x, y]),
                    },
                }
            }
            Op::FLoad => {
                let obj = self.val(a());
                let l = layout();
                let off = match Field::from_lit(ins.b).ok_or("bad field")? {
                    Field::TabArray => l.table_array_ptr,
                    Field::TabAsize => l.table_array_len,
                    Field::TabNodes => l.table_nodes_ptr,
                    Field::TabHsize => l.table_nodes_len,
                    Field::TabMeta => l.table_meta,
                    Field::StrLen => l.str_len,
                    Field::FnProto => l.closure_proto,
                };
                self.b.ins().load(types::I64, Mem::Table.flags(), obj, off)
            }
            Op::SByte => {
                // Strings never change: a load no store can alias.
                let (s, k) = (self.val(a()), self.val(b()));
                let p = self.b.ins().iadd(s, k);
                let off = layout().str_data - 1;
                let byte =
                    self.b
                        .ins()
                        .load(types::I8, MemFlags::trusted().with_readonly(), p, off);
                self.b.ins().uextend(types::I64, byte)
            }
            Op::ARef => {
                // Element k (from 1) of 16-byte values.
                let (arr, k) = (self.val(a()), self.val(b()));
                let off = self.b.ins().ishl_imm(k, 4);
                let p = self.b.ins().iadd(arr, off);
                self.b.ins().iadd_imm(p, -16)
            }
            Op::HRefK => {
                let nodes = self.val(a());
                let Some(Const::Slot { key, slot }) = self.t.const_of(b()) else {
                    return Err("HRefK without a slot constant".into());
                };
                let l = layout();
                let node = self
                    .b
                    .ins()
                    .iadd_imm(nodes, slot as i64 * l.node_size as i64);
                let kp =
                    self.b
                        .ins()
                        .load(types::I64, Mem::Table.flags(), node, l.node_key_payload);
                let kt = self
                    .b
                    .ins()
                    .uload8(types::I32, Mem::Table.flags(), node, l.node_key_tag);
                let want = self.val(key);
                let same_p = self.b.ins().icmp(IntCC::Equal, kp, want);
                let same_t = self
                    .b
                    .ins()
                    .icmp_imm(IntCC::Equal, kt, key.ty().tag() as i64);
                let ok = self.b.ins().band(same_p, same_t);
                self.guard(i, ok);
                self.b.ins().iadd_imm(node, l.node_value as i64)
            }
            Op::ALoad | Op::HLoad => {
                let addr = self.val(a());
                return Ok(self.load_value(i, (addr, 0, Mem::Table), ty, true));
            }
            Op::BaseFn => {
                let base = self.base;
                self.b.ins().load(types::I64, Mem::Stack.flags(), base, -16)
            }
            Op::ULoad => {
                let up = self.val(a());
                let slot = self.upval_slot(up);
                return Ok(self.load_value(i, (slot, 0, Mem::Any), ty, true));
            }
            Op::UpvalOf => {
                let cl = self.val(a());
                let off = layout().closure_upvals + 8 * ins.b as i32;
                self.b
                    .ins()
                    .load(types::I64, MemFlags::trusted().with_readonly(), cl, off)
            }
            Op::UAlias => {
                let up = self.val(a());
                let slot = self.upval_slot(up);
                let want = self.b.ins().iadd_imm(self.base, ins.b as i64 * 16);
                let ok = self.b.ins().icmp(IntCC::Equal, slot, want);
                self.guard(i, ok);
                return Ok(None);
            }
            Op::UOuter => {
                let up = self.val(a());
                let slot = self.upval_slot(up);
                let own = self.b.ins().iadd_imm(up, layout().upval_value as i64);
                let closed = self.b.ins().icmp(IntCC::Equal, slot, own);
                let below = self.b.ins().icmp(IntCC::UnsignedLessThan, slot, self.base);
                let ok = self.b.ins().bor(closed, below);
                self.guard(i, ok);
                return Ok(None);
            }
            Op::UStore => {
                let up = self.val(a());
                let slot = self.upval_slot(up);
                self.store_value(b(), (slot, 0, Mem::Any));
                return Ok(None);
            }
            Op::NotNil => {
                let addr = self.val(a());
                let tag = self.b.ins().uload8(types::I32, Mem::Table.flags(), addr, 8);
                let ok = self.b.ins().icmp_imm(IntCC::NotEqual, tag, TAG_NIL as i64);
                self.guard(i, ok);
                return Ok(None);
            }
            Op::AStore | Op::HStore => {
                let addr = self.val(a());
                self.store_value(b(), (addr, 0, Mem::Table));
                return Ok(None);
            }
            Op::TRef => {
                let t = self.val(a());
                let (kp, kt) = self.value_words(b());
                let f = helpers::table_slot as *const () as usize;
                self.call_i64(f, &[t, kp, kt])
            }
            Op::TNext => {
                let t = self.val(a());
                let (kp, kt) = self.value_words(b());
                self.call_i64(helpers::table_next as *const () as usize, &[t, kp, kt])
            }
            Op::NRef => {
                let (nodes, k) = (self.val(a()), self.val(b()));
                let l = layout();
                let off = self.b.ins().imul_imm(k, l.node_size as i64);
                let node = self.b.ins().iadd(nodes, off);
                self.b.ins().iadd_imm(node, l.node_value as i64)
            }
            Op::NKey => {
                let addr = self.val(a());
                let l = layout();
                if l.node_key_tag != l.node_key_payload + 8 {
                    return Err("backend: a node's key is not laid out as a value".into());
                }
                let off = l.node_key_payload - l.node_value;
                return Ok(self.load_value(i, (addr, off, Mem::Table), ty, true));
            }
            Op::TLen => {
                let t = self.val(a());
                self.call_i64(helpers::table_len as *const () as usize, &[t])
            }
            // The pair is its two operands, which `TSet` takes.
            Op::Pair => return Ok(None),
            Op::TSet => {
                let kv = self.t.ins[b().index()];
                let t = self.val(a());
                let (kp, kt) = self.value_words(kv.ra());
                let (vp, vt) = self.value_words(kv.rb());
                let heap = self.heap;
                let f = native::table_set as *const () as usize;
                self.call(f, &[heap, t, kp, kt, vp, vt], None);
                return Ok(None);
            }
            Op::TNew => {
                let heap = self.heap;
                let narray = self.b.ins().iconst(types::I64, ins.a as i64);
                let nhash = self.b.ins().iconst(types::I64, ins.b as i64);
                let f = native::table_new as *const () as usize;
                self.call_i64(f, &[heap, narray, nhash])
            }
            Op::SetMeta => {
                let (t, mt) = (self.val(a()), self.val(b()));
                let heap = self.heap;
                let f = native::set_metatable as *const () as usize;
                self.call(f, &[heap, t, mt], None);
                return Ok(None);
            }
            Op::SSub => {
                let range = self.t.ins[b().index()];
                let s = self.val(a());
                let (i, j) = (self.val(range.ra()), self.val(range.rb()));
                let heap = self.heap;
                self.call_i64(native::str_sub as *const () as usize, &[heap, s, i, j])
            }
            Op::Cat => {
                let (ap, at) = self.value_words(a());
                let (bp, bt) = self.value_words(b());
                let heap = self.heap;
                let f = native::concat as *const () as usize;
                self.call_i64(f, &[heap, ap, at, bp, bt])
            }
            Op::GcCheck => {
                let heap = self.heap;
                let due = self.call_i64(native::gc_due as *const () as usize, &[heap]);
                let ok = self.b.ins().icmp_imm(IntCC::Equal, due, 0);
                self.guard(i, ok);
                return Ok(None);
            }
            op => return Err(format!("backend: NYI {}", op.name())),
        };
        Ok(Some(v))
    }

    /// The address of an upvalue's value (its own field once closed).
    fn upval_slot(&mut self, up: CValue) -> CValue {
        let flags = Mem::Table.flags();
        self.b
            .ins()
            .load(types::I64, flags, up, layout().upval_slot)
    }

    /// Lua's integer modulo (the divisor is known nonzero): the remainder moved to the
    /// divisor's sign.
    fn int_mod(&mut self, x: CValue, y: CValue) -> CValue {
        let m = self.b.ins().srem(x, y);
        let sign = self.b.ins().bxor(m, y);
        let neg = self.b.ins().icmp_imm(IntCC::SignedLessThan, sign, 0);
        let nz = self.b.ins().icmp_imm(IntCC::NotEqual, m, 0);
        let adjust = self.b.ins().band(neg, nz);
        let moved = self.b.ins().iadd(m, y);
        self.b.ins().select(adjust, moved, m)
    }

    /// A stack slot's value, after a guard on its type when asked for.
    fn sload(&mut self, i: usize, slot: u32, flags: u32, ty: Ty) -> Option<CValue> {
        let base = self.base;
        self.load_value(
            i,
            (base, slot as i32 * 16, Mem::Stack),
            ty,
            flags & sload::TYPECHECK != 0,
        )
    }

    /// The `Value` at `addr + off`, after a guard on its type when asked for.
    fn load_value(
        &mut self,
        i: usize,
        (addr, off, mem): (CValue, i32, Mem),
        ty: Ty,
        check: bool,
    ) -> Option<CValue> {
        let mem = mem.flags();
        if check {
            let tag = self.b.ins().uload8(types::I32, mem, addr, off + 8);
            let ok = self.b.ins().icmp_imm(IntCC::Equal, tag, ty.tag() as i64);
            let ok = match ty {
                Ty::False | Ty::True => {
                    let p = self.b.ins().load(types::I64, mem, addr, off);
                    let want = (ty == Ty::True) as i64;
                    let same = self.b.ins().icmp_imm(IntCC::Equal, p, want);
                    self.b.ins().band(ok, same)
                }
                _ => ok,
            };
            self.guard(i, ok);
        }
        match ty {
            Ty::Nil | Ty::False | Ty::True => None,
            Ty::Num => Some(self.b.ins().load(types::F64, mem, addr, off)),
            _ => Some(self.b.ins().load(types::I64, mem, addr, off)),
        }
    }

    /// Stores the value of `r` as a `Value` (payload and tag) at `addr + off`.
    fn store_value(&mut self, r: Ref, (addr, off, mem): (CValue, i32, Mem)) {
        let mem = mem.flags();
        let (payload, tag) = self.value_words(r);
        self.b.ins().store(mem, payload, addr, off);
        self.b.ins().store(mem, tag, addr, off + 8);
    }

    /// The value of `r` as the two words of a `Value`: payload and tag.
    fn value_words(&mut self, r: Ref) -> (CValue, CValue) {
        let v = self.val(r);
        let payload = match r.ty() {
            Ty::Num => self.b.ins().bitcast(types::I64, MemFlags::new(), v),
            _ => v,
        };
        let tag = self.b.ins().iconst(types::I64, r.ty().tag() as i64);
        (payload, tag)
    }

    /// Goes on if `ok` holds; otherwise leaves through the snapshot of instruction `i`.
    /// The guards of one snapshot share its exit block: the values it writes back are
    /// all defined before the snapshot, so before the first of those guards, whose
    /// block dominates the others.
    fn guard(&mut self, i: usize, ok: CValue) {
        let n = self.t.snap_for(i).expect("a guard without a snapshot");
        let cont = self.b.create_block();
        if let Some(&exit) = self.exits.get(&n) {
            self.b.ins().brif(ok, cont, &[], exit, &[]);
            self.b.switch_to_block(cont);
            return;
        }
        let exit = self.b.create_block();
        self.exits.insert(n, exit);
        self.b.set_cold_block(exit);
        self.b.ins().brif(ok, cont, &[], exit, &[]);
        self.b.switch_to_block(exit);
        self.write_back(self.t.snaps[n]);
        // A side trace attached to this exit runs on from here.
        let slot = self.links.table as i64 + 8 * n as i64;
        let slot = self.b.ins().iconst(types::I64, slot);
        let side = self.b.ins().load(types::I64, MemFlags::trusted(), slot, 0);
        let (linked, back) = (self.b.create_block(), self.b.create_block());
        self.b.set_cold_block(linked);
        self.b.set_cold_block(back);
        self.b.ins().brif(side, linked, &[], back, &[]);
        self.b.switch_to_block(linked);
        let args = [self.base, self.iterations, self.heap];
        self.b.ins().return_call_indirect(self.sig, side, &args);
        self.b.switch_to_block(back);
        let code = exit_code(self.links.trace, n as u32);
        let code = self.b.ins().iconst(types::I64, code as i64);
        self.b.ins().return_(&[code]);
        self.b.switch_to_block(cont);
    }

    fn call_f64(&mut self, f: usize, args: &[CValue]) -> CValue {
        self.call(f, args, Some(types::F64)).expect("a result")
    }

    fn call_i64(&mut self, f: usize, args: &[CValue]) -> CValue {
        self.call(f, args, Some(types::I64)).expect("a result")
    }

    /// Calls the helper at address `f` (an `extern "C"` function of `helpers` or
    /// `native`), which returns a value of type `ret` or nothing.
    fn call(&mut self, f: usize, args: &[CValue], ret: Option<types::Type>) -> Option<CValue> {
        let mut sig = Signature::new(CallConv::SystemV);
        for &a in args {
            let ty = self.b.func.dfg.value_type(a);
            sig.params.push(AbiParam::new(ty));
        }
        sig.returns.extend(ret.map(AbiParam::new));
        let sig = self.b.import_signature(sig);
        let callee = self.b.ins().iconst(types::I64, f as i64);
        let call = self.b.ins().call_indirect(sig, callee, args);
        self.b.inst_results(call).first().copied()
    }
}

fn cl_type(ty: Ty) -> types::Type {
    if ty == Ty::Num {
        types::F64
    } else {
        types::I64
    }
}
