//! A serde `Serializer` that builds plain Python objects directly from core outputs.
//!
//! Same shapes as going through `serde_json::Value` (what the binding did first, and what a
//! JSON response carries): structs and maps → `dict`, sequences and tuples → `list`, unit and
//! `None` → `None`, unit enum variants → their name, other variants → `{name: value}`, map keys
//! → `str`, non-finite floats → `None` (JSON has no NaN; "undefined" in our outputs). Without
//! the intermediate `Value` tree a recommendation with explanations (≈ 4,000 Python objects)
//! converts in about a third of the time (benches/README.md "Python binding"). Struct field
//! names are `&'static str`s: their Python strings are made once per thread and reused, so
//! the dicts of a response share key objects (as CPython's own interned names do).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::mem::ManuallyDrop;

use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use serde::ser::{self, Serialize};

/// A Python error raised while building the output (or a serde custom error).
#[derive(Debug)]
pub(crate) struct SerError(PyErr);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(crate::error::invalid("output", msg.to_string()))
    }
}

impl From<PyErr> for SerError {
    fn from(e: PyErr) -> Self {
        SerError(e)
    }
}

impl From<SerError> for PyErr {
    fn from(e: SerError) -> Self {
        e.0
    }
}

type Res<'py> = Result<Bound<'py, PyAny>, SerError>;

/// (address, length) of a `&'static str` → its Python string.
type FieldNames = HashMap<(usize, usize), Py<PyString>, BuildHasherDefault<AddrHasher>>;

thread_local! {
    /// Python strings of struct field names, per thread (no lock on the hot path). Never
    /// dropped (`ManuallyDrop`): a thread's few hundred names stay alive with the process,
    /// and no Python object is released by a thread-exit destructor without the GIL.
    static FIELD_NAMES: RefCell<ManuallyDrop<FieldNames>> =
        RefCell::new(ManuallyDrop::new(FieldNames::default()));
}

/// A multiplicative hasher for the (address, length) keys of [`FIELD_NAMES`].
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
}

fn field_name<'py>(py: Python<'py>, name: &'static str) -> Bound<'py, PyString> {
    let key = (name.as_ptr() as usize, name.len());
    FIELD_NAMES.with(|cell| {
        cell.borrow_mut()
            .entry(key)
            .or_insert_with(|| PyString::intern(py, name).unbind())
            .bind(py)
            .clone()
    })
}

/// Converts `x` to plain Python objects (see the module docs for the shapes).
pub(crate) fn to_py<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    x: &T,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(x.serialize(PySer { py })?)
}

#[derive(Clone, Copy)]
struct PySer<'py> {
    py: Python<'py>,
}

impl<'py> PySer<'py> {
    fn none(self) -> Res<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn obj<T: IntoPyObject<'py>>(self, v: T) -> Res<'py> {
        Ok(v.into_bound_py_any(self.py)?)
    }
    /// `{variant: value}` for non-unit enum variants.
    fn tagged(self, variant: &'static str, value: Bound<'py, PyAny>) -> Res<'py> {
        let d = PyDict::new(self.py);
        d.set_item(field_name(self.py, variant), value)?;
        Ok(d.into_any())
    }
}

/// Builds a list (sequences, tuples, tuple structs and tuple variants).
struct SeqBuilder<'py> {
    py: Python<'py>,
    items: Vec<Bound<'py, PyAny>>,
    variant: Option<&'static str>,
}

impl<'py> SeqBuilder<'py> {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        self.items.push(v.serialize(PySer { py: self.py })?);
        Ok(())
    }
    fn finish(self) -> Res<'py> {
        let list = PyList::new(self.py, self.items)?.into_any();
        match self.variant {
            Some(v) => PySer { py: self.py }.tagged(v, list),
            None => Ok(list),
        }
    }
}

/// Builds a dict (maps, structs and struct variants).
struct DictBuilder<'py> {
    py: Python<'py>,
    dict: Bound<'py, PyDict>,
    key: Option<Bound<'py, PyAny>>,
    variant: Option<&'static str>,
}

impl<'py> DictBuilder<'py> {
    fn new(py: Python<'py>, variant: Option<&'static str>) -> Self {
        DictBuilder {
            py,
            dict: PyDict::new(py),
            key: None,
            variant,
        }
    }
    fn finish(self) -> Res<'py> {
        let d = self.dict.into_any();
        match self.variant {
            Some(v) => PySer { py: self.py }.tagged(v, d),
            None => Ok(d),
        }
    }
}

/// The four list-shaped serde traits share one body.
macro_rules! seq_impl {
    ($($tr:ident :: $m:ident),*) => {$(
        impl<'py> ser::$tr for SeqBuilder<'py> {
            type Ok = Bound<'py, PyAny>;
            type Error = SerError;
            fn $m<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
                self.push(v)
            }
            fn end(self) -> Res<'py> {
                self.finish()
            }
        }
    )*};
}

seq_impl!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl<'py> ser::SerializeMap for DictBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), SerError> {
        self.key = Some(k.serialize(KeySer { py: self.py })?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        let k = self
            .key
            .take()
            .ok_or_else(|| <SerError as ser::Error>::custom("map value without a key"))?;
        self.dict.set_item(k, v.serialize(PySer { py: self.py })?)?;
        Ok(())
    }
    fn end(self) -> Res<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeStruct for DictBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), SerError> {
        let value = v.serialize(PySer { py: self.py })?;
        self.dict.set_item(field_name(self.py, key), value)?;
        Ok(())
    }
    fn end(self) -> Res<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeStructVariant for DictBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), SerError> {
        ser::SerializeStruct::serialize_field(self, key, v)
    }
    fn end(self) -> Res<'py> {
        self.finish()
    }
}

impl<'py> ser::Serializer for PySer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    type SerializeSeq = SeqBuilder<'py>;
    type SerializeTuple = SeqBuilder<'py>;
    type SerializeTupleStruct = SeqBuilder<'py>;
    type SerializeTupleVariant = SeqBuilder<'py>;
    type SerializeMap = DictBuilder<'py>;
    type SerializeStruct = DictBuilder<'py>;
    type SerializeStructVariant = DictBuilder<'py>;

    fn serialize_bool(self, v: bool) -> Res<'py> {
        self.obj(v)
    }
    fn serialize_i8(self, v: i8) -> Res<'py> {
        self.obj(v)
    }
    fn serialize_i16(self, v: i16) -> Res<'py> {
        self.obj(v)
    }
    fn serialize_i32(self, v: i32) -> Res<'py> {
        self.obj(v)
    }
    fn serialize_i64(self, v: i64) -> Res<'py> {
        self.obj(v)
    }
    fn serialize_i128(self, v: i128) -> Res<'py> {
        self.obj(v)
    }
    fn serialize_u8(self, v: u8) -> Res<'py> {
        self.obj(v)
    }
    fn serialize_u16(self, v: u16) -> Res<'py> {
        self.obj(v)
    }
    fn serialize_u32(self, v: u32) -> Res<'py> {
        self.obj(v)
    }
    fn serialize_u64(self, v: u64) -> Res<'py> {
        self.obj(v)
    }
    fn serialize_u128(self, v: u128) -> Res<'py> {
        self.obj(v)
    }
    fn serialize_f32(self, v: f32) -> Res<'py> {
        // through f64 as serde_json does (f32 → f64 widening, then the float's repr)
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Res<'py> {
        if v.is_finite() {
            self.obj(v)
        } else {
            self.none()
        }
    }
    fn serialize_char(self, v: char) -> Res<'py> {
        self.obj(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Res<'py> {
        Ok(PyString::new(self.py, v).into_any())
    }
    fn serialize_bytes(self, v: &[u8]) -> Res<'py> {
        // serde_json writes bytes as a list of integers
        Ok(PyList::new(self.py, v)?.into_any())
    }
    fn serialize_none(self) -> Res<'py> {
        self.none()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Res<'py> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Res<'py> {
        self.none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Res<'py> {
        self.none()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
    ) -> Res<'py> {
        Ok(field_name(self.py, variant).into_any())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        v: &T,
    ) -> Res<'py> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        v: &T,
    ) -> Res<'py> {
        let value = v.serialize(self)?;
        self.tagged(variant, value)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder<'py>, SerError> {
        Ok(SeqBuilder {
            py: self.py,
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder<'py>, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder<'py>, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SeqBuilder<'py>, SerError> {
        Ok(SeqBuilder {
            py: self.py,
            items: Vec::with_capacity(len),
            variant: Some(variant),
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<DictBuilder<'py>, SerError> {
        Ok(DictBuilder::new(self.py, None))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<DictBuilder<'py>, SerError> {
        Ok(DictBuilder::new(self.py, None))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<DictBuilder<'py>, SerError> {
        Ok(DictBuilder::new(self.py, Some(variant)))
    }
}

/// Map keys become strings, as in JSON (`serde_json` turns integer and bool keys into their
/// decimal text and rejects other key types).
#[derive(Clone, Copy)]
struct KeySer<'py> {
    py: Python<'py>,
}

impl<'py> KeySer<'py> {
    fn text(self, s: &str) -> Res<'py> {
        Ok(PyString::new(self.py, s).into_any())
    }
}

fn key_error<'py>() -> Res<'py> {
    Err(<SerError as ser::Error>::custom(
        "map key must be a string or an integer",
    ))
}

impl<'py> ser::Serializer for KeySer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    type SerializeSeq = ser::Impossible<Bound<'py, PyAny>, SerError>;
    type SerializeTuple = ser::Impossible<Bound<'py, PyAny>, SerError>;
    type SerializeTupleStruct = ser::Impossible<Bound<'py, PyAny>, SerError>;
    type SerializeTupleVariant = ser::Impossible<Bound<'py, PyAny>, SerError>;
    type SerializeMap = ser::Impossible<Bound<'py, PyAny>, SerError>;
    type SerializeStruct = ser::Impossible<Bound<'py, PyAny>, SerError>;
    type SerializeStructVariant = ser::Impossible<Bound<'py, PyAny>, SerError>;

    fn serialize_bool(self, v: bool) -> Res<'py> {
        self.text(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> Res<'py> {
        self.text(&v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Res<'py> {
        self.text(&v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Res<'py> {
        self.text(&v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Res<'py> {
        self.text(&v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Res<'py> {
        self.text(&v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Res<'py> {
        self.text(&v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Res<'py> {
        self.text(&v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Res<'py> {
        self.text(&v.to_string())
    }
    fn serialize_f32(self, _v: f32) -> Res<'py> {
        key_error()
    }
    fn serialize_f64(self, _v: f64) -> Res<'py> {
        key_error()
    }
    fn serialize_char(self, v: char) -> Res<'py> {
        self.text(&v.to_string())
    }
    fn serialize_str(self, v: &str) -> Res<'py> {
        self.text(v)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Res<'py> {
        key_error()
    }
    fn serialize_none(self) -> Res<'py> {
        key_error()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Res<'py> {
        key_error()
    }
    fn serialize_unit(self) -> Res<'py> {
        key_error()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Res<'py> {
        key_error()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
    ) -> Res<'py> {
        Ok(field_name(self.py, variant).into_any())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        v: &T,
    ) -> Res<'py> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _i: u32,
        _variant: &'static str,
        _v: &T,
    ) -> Res<'py> {
        key_error()
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, SerError> {
        Err(<SerError as ser::Error>::custom(
            "map key must be a string or an integer",
        ))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, SerError> {
        Err(<SerError as ser::Error>::custom(
            "map key must be a string or an integer",
        ))
    }
    fn serialize_tuple_struct(
        self,
        _n: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, SerError> {
        Err(<SerError as ser::Error>::custom(
            "map key must be a string or an integer",
        ))
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, SerError> {
        Err(<SerError as ser::Error>::custom(
            "map key must be a string or an integer",
        ))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, SerError> {
        Err(<SerError as ser::Error>::custom(
            "map key must be a string or an integer",
        ))
    }
    fn serialize_struct(
        self,
        _n: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, SerError> {
        Err(<SerError as ser::Error>::custom(
            "map key must be a string or an integer",
        ))
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, SerError> {
        Err(<SerError as ser::Error>::custom(
            "map key must be a string or an integer",
        ))
    }
}
