//! Full userdata: a host value with a metatable and user values.

use crate::gc::Gc;
use crate::gc::{GcHeader, GcObject, ObjKind};
use crate::table::Table;
use crate::value::Value;
use std::any::Any;

#[repr(C)]
pub struct Userdata {
    hdr: GcHeader,
    pub metatable: Option<Gc<Table>>,
    pub user_values: Box<[Value]>,
    pub data: Box<dyn Any>,
}

// SAFETY: repr(C), header first, unique kind.
unsafe impl GcObject for Userdata {
    const KIND: ObjKind = ObjKind::Userdata;
    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.user_values.len() * 16
    }
}

impl Userdata {
    pub fn new(data: Box<dyn Any>, nuser: usize) -> Userdata {
        Userdata {
            hdr: GcHeader::new(ObjKind::Userdata),
            metatable: None,
            user_values: vec![Value::NIL; nuser].into_boxed_slice(),
            data,
        }
    }
}

impl Gc<Userdata> {
    /// The host value.
    pub fn data<'a>(self) -> &'a dyn Any {
        &*self.raw_mut().data
    }
    /// The host value, for writing. It needs no write barrier: the collector never
    /// looks inside it.
    #[allow(clippy::mut_from_ref)]
    pub fn data_mut<'a>(self) -> &'a mut dyn Any {
        &mut *self.raw_mut().data
    }
}
