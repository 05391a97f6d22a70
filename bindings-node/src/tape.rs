//! A compact binary form of a result ("tape") that `index.js` turns into the same plain
//! objects `JSON.parse` would build from the camelCase JSON ([`crate::case::to_json`]), at a
//! fraction of the JavaScript thread's time: numbers are read from a `Float64Array` instead
//! of parsed from decimal text, and each struct becomes one object literal of a shape (its
//! sequence of field names) compiled once per process. Used for the large results (the
//! recommendations); measured in `benches/compare/node_breakdown.mjs` and the Node section
//! of `benches/README.md`.
//!
//! Meaning is JSON's, value for value: `None`, unit and non-finite floats are `null`; an
//! `f32` is the number its shortest decimal text denotes (what `JSON.parse` reads from
//! serde_json's output); integers are the nearest double; map keys are strings (integer and
//! boolean keys as their text); enum variants as serde_json writes them (`"name"` or
//! `{"name": value}`). Field names come camelCased by [`crate::case::Camel`].
//!
//! Layout (little-endian), one buffer: a header of 8 `u32` (`MAGIC`, the number of floats,
//! ops, strings and shape words, the byte length of the UTF-8 text, 0, 0); the floats
//! (`f64`, 8-aligned); the ops (`u32`: tag in the low 3 bits, operand above); the end of each
//! distinct string in the text, in UTF-16 units (`u32`; a string written twice is one entry);
//! the shapes (`u32`: number of keys, then the string index of each key); the text. Tags:
//! 0 null, 1 false, 2 true, 3 number (the next float), 4 string (operand: string index),
//! 5 array (operand: length; the elements follow), 6 object of a shape (operand: shape index;
//! one value per key follows), 7 map (operand: entries; each entry is a string op for the key,
//! then the value).

use std::fmt::Display;

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};
use serde::Serialize;
use serde::ser::{self, Impossible};

use crate::case::{Camel, integers};

/// First header word: "FMT1" read as a little-endian `u32` (`index.js` checks it).
pub(crate) const MAGIC: u32 = u32::from_le_bytes(*b"FMT1");

const NULL: u32 = 0;
const FALSE: u32 = 1;
const TRUE: u32 = 2;
const NUMBER: u32 = 3;
const STRING: u32 = 4;
const ARRAY: u32 = 5;
const SHAPE: u32 = 6;
const MAP: u32 = 7;
/// Operands live above the 3 tag bits.
const MAX_OPERAND: usize = (u32::MAX >> 3) as usize;

/// An error while writing a tape (a value JSON cannot hold, or a size past the operands).
#[derive(Debug)]
pub struct TapeError(String);

impl Display for TapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TapeError {}

impl ser::Error for TapeError {
    fn custom<T: Display>(msg: T) -> Self {
        TapeError(msg.to_string())
    }
}

type R<T> = Result<T, TapeError>;

thread_local! {
    /// The writer of this thread's last tape, kept for its buffers and tables (a tape then
    /// allocates only its output).
    static SPARE: std::cell::Cell<Option<Box<Writer>>> = const { std::cell::Cell::new(None) };
}

/// A tape on its way to JavaScript: copied into a fresh `Buffer` on the JavaScript thread
/// (`napi_create_buffer_copy`) and freed at once. Handed over without a copy instead (an
/// external `Buffer`), each ~20 KB tape would live until V8 collects its `Buffer` and the
/// pool thread would write every tape into fresh, cold memory: measured 14 µs more per call
/// than the copy (`node_breakdown.mjs`, 2026-12-03).
#[derive(Debug)]
pub struct Tape(pub(crate) Vec<u8>);

impl Tape {
    /// Any core output as a tape on its way to JavaScript ([`to_tape`]).
    pub(crate) fn of<T: Serialize + ?Sized>(x: &T) -> fairmatch::Result<Tape> {
        to_tape(x).map(Tape)
    }
}

impl napi::bindgen_prelude::TypeName for Tape {
    fn type_name() -> &'static str {
        "Buffer"
    }

    fn value_type() -> napi::ValueType {
        napi::ValueType::Object
    }
}

impl napi::bindgen_prelude::ToNapiValue for Tape {
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        val: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        let mut data = std::ptr::null_mut();
        let mut out = std::ptr::null_mut();
        // SAFETY: `env` is the live environment napi-rs hands to this conversion (on the
        // JavaScript thread); the source pointer and length describe `val.0`, alive here.
        let status = unsafe {
            napi::sys::napi_create_buffer_copy(
                env,
                val.0.len(),
                val.0.as_ptr().cast(),
                &mut data,
                &mut out,
            )
        };
        if status == napi::sys::Status::napi_ok {
            Ok(out)
        } else {
            Err(napi::Error::new(
                napi::Status::from(status),
                "fairmatch: could not copy a result tape into a Buffer",
            ))
        }
    }
}

/// Any core output as a tape with camelCase field names (see the module docs).
pub(crate) fn to_tape<T: Serialize + ?Sized>(x: &T) -> fairmatch::Result<Vec<u8>> {
    let mut w = SPARE.take().unwrap_or_default();
    w.clear();
    let out = Camel(x)
        .serialize(&mut *w)
        .map_err(|e| fairmatch::Error::invalid("output", e.to_string()))
        .map(|()| w.finish());
    SPARE.set(Some(w));
    out
}

/// The tape being written.
#[derive(Default)]
struct Writer {
    nums: Vec<f64>,
    ops: Vec<u32>,
    text: String,
    /// End of each string in `text`, in UTF-16 units.
    ends: Vec<u32>,
    utf16_len: usize,
    /// End of each string in `text`, in bytes.
    byte_ends: Vec<usize>,
    /// Each distinct string's index, hashed by its text (a result repeats few strings many
    /// times: labels, kinds, factor names, notes; the decoder then makes each JS string
    /// once). The text lives in `text` only: no allocation per string.
    strings: HashTable<u32>,
    /// Struct field names (static) → string index, by address.
    keys: HashMap<(usize, usize), u32>,
    /// Each shape's index, hashed by its keys (string indexes) as written in `shape_words`.
    shapes: HashTable<u32>,
    /// Where each shape starts in `shape_words` (its key count).
    shape_starts: Vec<usize>,
    shape_words: Vec<u32>,
    /// Keys of the structs being written, innermost last (reused buffers).
    open: Vec<Vec<u32>>,
    depth: usize,
}

/// `key`'s index in `table` and `true` when it is there; else `next`, registered for it, and
/// `false` (the caller then stores the key so that `at(next)` reads it back). `at(i)` reads
/// the key of index `i` from where the writer keeps it (the tables hold indexes only).
fn intern<'k, K>(
    table: &mut HashTable<u32>,
    key: &K,
    next: usize,
    at: impl Fn(u32) -> &'k K,
) -> R<(u32, bool)>
where
    K: std::hash::Hash + PartialEq + ?Sized + 'k,
{
    let hash = FxBuildHasher.hash_one(key);
    if let Some(&i) = table.find(hash, |&i| at(i) == key) {
        return Ok((i, true));
    }
    let i = operand(next)?;
    table.insert_unique(hash, i, |&i| FxBuildHasher.hash_one(at(i)));
    Ok((i, false))
}

fn operand(n: usize) -> R<u32> {
    if n > MAX_OPERAND {
        return Err(TapeError(format!(
            "more than {MAX_OPERAND} items in one result"
        )));
    }
    Ok(n as u32)
}

impl Writer {
    fn op(&mut self, tag: u32, arg: usize) -> R<()> {
        self.ops.push(tag | (operand(arg)? << 3));
        Ok(())
    }

    /// The text of string `i`.
    fn text_of<'w>(text: &'w str, byte_ends: &[usize], i: u32) -> &'w str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { byte_ends[i - 1] };
        &text[start..byte_ends[i]]
    }

    /// The index of `s` in the string table (added on first sight).
    fn string(&mut self, s: &str) -> R<u32> {
        let (text, byte_ends) = (&self.text, &self.byte_ends);
        let (i, known) = intern(&mut self.strings, s, self.ends.len(), |i| {
            Self::text_of(text, byte_ends, i)
        })?;
        if known {
            return Ok(i);
        }
        self.text.push_str(s);
        self.byte_ends.push(self.text.len());
        self.utf16_len += if s.is_ascii() {
            s.len()
        } else {
            s.encode_utf16().count()
        };
        self.ends.push(operand(self.utf16_len)?);
        Ok(i)
    }

    fn str_op(&mut self, s: &str) -> R<()> {
        let i = self.string(s)?;
        self.op(STRING, i as usize)
    }

    fn key(&mut self, k: &'static str) -> R<u32> {
        let id = (k.as_ptr() as usize, k.len());
        if let Some(&i) = self.keys.get(&id) {
            return Ok(i);
        }
        let i = self.string(k)?;
        self.keys.insert(id, i);
        Ok(i)
    }

    fn number(&mut self, x: f64) -> R<()> {
        if x.is_finite() {
            self.nums.push(x);
            self.op(NUMBER, 0)
        } else {
            self.op(NULL, 0)
        }
    }

    /// A placeholder op patched by [`Self::patch`] once the count is known.
    fn placeholder(&mut self) -> usize {
        self.ops.push(0);
        self.ops.len() - 1
    }

    fn patch(&mut self, at: usize, tag: u32, arg: usize) -> R<()> {
        self.ops[at] = tag | (operand(arg)? << 3);
        Ok(())
    }

    /// Starts a struct: a placeholder for its shape (returned) and a fresh key list.
    fn open_struct(&mut self) -> usize {
        let at = self.placeholder();
        if self.open.len() == self.depth {
            self.open.push(Vec::new());
        }
        self.open[self.depth].clear();
        self.depth += 1;
        at
    }

    /// Adds `key` to the innermost struct's keys.
    fn push_key(&mut self, key: &'static str) -> R<()> {
        let k = self.key(key)?;
        self.open[self.depth - 1].push(k);
        Ok(())
    }

    /// Starts `{"variant": …}`: the outer one-key struct (its placeholder is returned).
    fn open_variant(&mut self, variant: &'static str) -> R<usize> {
        let outer = self.open_struct();
        self.push_key(variant)?;
        Ok(outer)
    }

    /// The shape index of the innermost struct's keys (registered on first sight).
    fn close_struct(&mut self, at: usize) -> R<()> {
        self.depth -= 1;
        let keys = std::mem::take(&mut self.open[self.depth]);
        let id = self.shape(&keys);
        self.open[self.depth] = keys;
        self.patch(at, SHAPE, id? as usize)
    }

    /// The keys of shape `i` (string indexes).
    fn keys_of<'w>(words: &'w [u32], starts: &[usize], i: u32) -> &'w [u32] {
        let start = starts[i as usize];
        &words[start + 1..start + 1 + words[start] as usize]
    }

    /// The index of the shape with these keys (registered on first sight).
    fn shape(&mut self, keys: &[u32]) -> R<u32> {
        let n = operand(keys.len())?;
        let (words, starts) = (&self.shape_words, &self.shape_starts);
        let (i, known) = intern(&mut self.shapes, keys, starts.len(), |i| {
            Self::keys_of(words, starts, i)
        })?;
        if known {
            return Ok(i);
        }
        self.shape_starts.push(self.shape_words.len());
        self.shape_words.push(n);
        self.shape_words.extend_from_slice(keys);
        Ok(i)
    }

    /// Empties every buffer and table, keeping their capacity.
    fn clear(&mut self) {
        self.nums.clear();
        self.ops.clear();
        self.text.clear();
        self.ends.clear();
        self.byte_ends.clear();
        self.utf16_len = 0;
        self.strings.clear();
        self.keys.clear();
        self.shapes.clear();
        self.shape_starts.clear();
        self.shape_words.clear();
        self.depth = 0;
    }

    fn finish(&self) -> Vec<u8> {
        let header = [
            MAGIC,
            self.nums.len() as u32,
            self.ops.len() as u32,
            self.ends.len() as u32,
            self.shape_words.len() as u32,
            self.text.len() as u32,
            0,
            0,
        ];
        // sized once and filled section by section in fixed-size chunks (a push per word
        // checked the capacity 4,000 times per tape)
        let words = [&self.ops, &self.ends, &self.shape_words];
        let total = 32 + self.nums.len() * 8 + words.iter().map(|w| w.len() * 4).sum::<usize>();
        let mut out = Vec::with_capacity(total + self.text.len());
        out.resize(32 + self.nums.len() * 8, 0);
        let (head, nums) = out.split_at_mut(32);
        put_words(head, &header);
        for (c, x) in nums.chunks_exact_mut(8).zip(&self.nums) {
            c.copy_from_slice(&x.to_le_bytes());
        }
        for ws in words {
            let at = out.len();
            out.resize(at + ws.len() * 4, 0);
            put_words(&mut out[at..], ws);
        }
        out.extend_from_slice(self.text.as_bytes());
        out
    }
}

/// `words` little-endian into `out` (exactly 4 bytes per word).
fn put_words(out: &mut [u8], words: &[u32]) {
    for (c, w) in out.chunks_exact_mut(4).zip(words) {
        c.copy_from_slice(&w.to_le_bytes());
    }
}

/// A struct (or a one-key variant object) being written.
struct Struct<'a> {
    w: &'a mut Writer,
    at: usize,
}

impl Struct<'_> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> R<()> {
        self.w.push_key(key)?;
        v.serialize(&mut *self.w)
    }
}

/// An array or a map being written (its length patched at the end); `outer`: the one-key
/// struct of a tuple variant, closed after it.
struct Seq<'a> {
    w: &'a mut Writer,
    at: usize,
    n: usize,
    tag: u32,
    outer: Option<usize>,
}

impl<'a> Seq<'a> {
    /// An array (`ARRAY`) or a map (`MAP`) from here on, its count patched at the end.
    fn start(w: &'a mut Writer, tag: u32, outer: Option<usize>) -> Self {
        let at = w.placeholder();
        Seq {
            w,
            at,
            n: 0,
            tag,
            outer,
        }
    }

    fn end(self) -> R<()> {
        self.w.patch(self.at, self.tag, self.n)?;
        match self.outer {
            Some(o) => self.w.close_struct(o),
            None => Ok(()),
        }
    }
}

/// A struct variant `{"variant": {…}}` being written.
struct VariantStruct<'a> {
    s: Struct<'a>,
    outer: usize,
}

/// Integers as the nearest double (what `JSON.parse` makes of their digits).
macro_rules! numbers {
    ($($m:ident($t:ty)),*) => {$(
        #[allow(clippy::cast_lossless, clippy::cast_precision_loss)]
        fn $m(self, v: $t) -> R<()> {
            self.number(v as f64)
        }
    )*};
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = TapeError;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = Seq<'a>;
    type SerializeStruct = Struct<'a>;
    type SerializeStructVariant = VariantStruct<'a>;

    fn serialize_bool(self, v: bool) -> R<()> {
        self.op(if v { TRUE } else { FALSE }, 0)
    }
    integers!(numbers);
    fn serialize_f32(self, v: f32) -> R<()> {
        if !v.is_finite() {
            return self.op(NULL, 0);
        }
        // the number JSON.parse reads from the f32's shortest text (serde_json's output)
        let mut buf = ryu::Buffer::new();
        let x = buf
            .format_finite(v)
            .parse::<f64>()
            .map_err(|e| TapeError(e.to_string()))?;
        self.number(x)
    }
    fn serialize_f64(self, v: f64) -> R<()> {
        self.number(v)
    }
    fn serialize_char(self, v: char) -> R<()> {
        self.str_op(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> R<()> {
        self.str_op(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> R<()> {
        self.op(ARRAY, v.len())?;
        for &b in v {
            self.number(f64::from(b))?;
        }
        Ok(())
    }
    fn serialize_none(self) -> R<()> {
        self.op(NULL, 0)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> R<()> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> R<()> {
        self.op(NULL, 0)
    }
    fn serialize_unit_struct(self, _: &'static str) -> R<()> {
        self.op(NULL, 0)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> R<()> {
        self.str_op(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> R<()> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> R<()> {
        let outer = self.open_variant(variant)?;
        v.serialize(&mut *self)?;
        self.close_struct(outer)
    }
    fn serialize_seq(self, _: Option<usize>) -> R<Seq<'a>> {
        Ok(Seq::start(self, ARRAY, None))
    }
    fn serialize_tuple(self, len: usize) -> R<Seq<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> R<Seq<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> R<Seq<'a>> {
        let outer = self.open_variant(variant)?;
        Ok(Seq::start(self, ARRAY, Some(outer)))
    }
    fn serialize_map(self, _: Option<usize>) -> R<Seq<'a>> {
        Ok(Seq::start(self, MAP, None))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> R<Struct<'a>> {
        let at = self.open_struct();
        Ok(Struct { w: self, at })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> R<VariantStruct<'a>> {
        let outer = self.open_variant(variant)?;
        let at = self.open_struct();
        Ok(VariantStruct {
            s: Struct { w: self, at },
            outer,
        })
    }
}

impl ser::SerializeStructVariant for VariantStruct<'_> {
    type Ok = ();
    type Error = TapeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> R<()> {
        self.s.field(key, v)
    }
    fn end(self) -> R<()> {
        self.s.w.close_struct(self.s.at)?;
        self.s.w.close_struct(self.outer)
    }
}

impl ser::SerializeStruct for Struct<'_> {
    type Ok = ();
    type Error = TapeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> R<()> {
        self.field(key, v)
    }
    fn end(self) -> R<()> {
        self.w.close_struct(self.at)
    }
}

macro_rules! elements {
    ($tr:ident, $m:ident) => {
        impl ser::$tr for Seq<'_> {
            type Ok = ();
            type Error = TapeError;
            fn $m<T: Serialize + ?Sized>(&mut self, v: &T) -> R<()> {
                self.n += 1;
                v.serialize(&mut *self.w)
            }
            fn end(self) -> R<()> {
                Seq::end(self)
            }
        }
    };
}
elements!(SerializeSeq, serialize_element);
elements!(SerializeTuple, serialize_element);
elements!(SerializeTupleStruct, serialize_field);
elements!(SerializeTupleVariant, serialize_field);

impl ser::SerializeMap for Seq<'_> {
    type Ok = ();
    type Error = TapeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> R<()> {
        self.n += 1;
        k.serialize(MapKey(&mut *self.w))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> R<()> {
        v.serialize(&mut *self.w)
    }
    fn end(self) -> R<()> {
        Seq::end(self)
    }
}

/// A map key: a string op (strings as they are; integers, booleans and chars as their text,
/// as serde_json writes them; anything else is an error, as in serde_json).
struct MapKey<'a>(&'a mut Writer);

macro_rules! key_as_text {
    ($($m:ident($t:ty)),*) => {$(
        fn $m(self, v: $t) -> R<()> {
            self.0.str_op(&v.to_string())
        }
    )*};
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = TapeError;
    type SerializeSeq = Impossible<(), TapeError>;
    type SerializeTuple = Impossible<(), TapeError>;
    type SerializeTupleStruct = Impossible<(), TapeError>;
    type SerializeTupleVariant = Impossible<(), TapeError>;
    type SerializeMap = Impossible<(), TapeError>;
    type SerializeStruct = Impossible<(), TapeError>;
    type SerializeStructVariant = Impossible<(), TapeError>;

    integers!(key_as_text);
    key_as_text!(serialize_bool(bool), serialize_char(char));
    fn serialize_str(self, v: &str) -> R<()> {
        self.0.str_op(v)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> R<()> {
        self.0.str_op(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> R<()> {
        v.serialize(self)
    }
    fn serialize_f32(self, _: f32) -> R<()> {
        Err(key_error())
    }
    fn serialize_f64(self, _: f64) -> R<()> {
        Err(key_error())
    }
    fn serialize_bytes(self, _: &[u8]) -> R<()> {
        Err(key_error())
    }
    fn serialize_none(self) -> R<()> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> R<()> {
        Err(key_error())
    }
    fn serialize_unit(self) -> R<()> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _: &'static str) -> R<()> {
        Err(key_error())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> R<()> {
        Err(key_error())
    }
    fn serialize_seq(self, _: Option<usize>) -> R<Self::SerializeSeq> {
        Err(key_error())
    }
    fn serialize_tuple(self, _: usize) -> R<Self::SerializeTuple> {
        Err(key_error())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> R<Self::SerializeTupleStruct> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> R<Self::SerializeTupleVariant> {
        Err(key_error())
    }
    fn serialize_map(self, _: Option<usize>) -> R<Self::SerializeMap> {
        Err(key_error())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> R<Self::SerializeStruct> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> R<Self::SerializeStructVariant> {
        Err(key_error())
    }
}

fn key_error() -> TapeError {
    TapeError("key must be a string".into())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::{Writer, to_tape};
    use crate::case::Camel;

    #[derive(Serialize)]
    struct Item {
        label: String,
        score_value: f64,
        tags: Vec<String>,
        extra: Option<BTreeMap<String, u32>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    }

    /// `n` items sharing some strings and shapes and adding their own (non-ASCII too).
    fn items(n: usize, salt: &str) -> Vec<Item> {
        (0..n)
            .map(|i| Item {
                label: format!("skill {}", i % 3),
                score_value: i as f64 / 7.0,
                tags: vec!["shared".into(), format!("{salt}-{i}-é€𝄞")],
                extra: (i % 2 == 0).then(|| BTreeMap::from([(format!("k{i}"), i as u32)])),
                note: (i % 4 == 1).then(|| "skill 1".into()),
            })
            .collect()
    }

    fn fresh(x: &impl Serialize) -> Vec<u8> {
        let mut w = Writer::default();
        Camel(x).serialize(&mut w).unwrap();
        w.finish()
    }

    #[test]
    fn a_reused_writer_writes_what_a_fresh_one_does() {
        // the thread's writer keeps its tables (and its cache of field names) between tapes
        for (n, salt) in [(30, "a"), (3, "b"), (0, "c"), (11, "a"), (1, "d")] {
            let x = items(n, salt);
            assert_eq!(to_tape(&x).unwrap(), fresh(&x), "{n} items, {salt}");
            // the same field names at other string indexes: nothing cached from the last
            // tape may leak into this one
            let shifted = (format!("first {salt}"), items(n, salt));
            assert_eq!(to_tape(&shifted).unwrap(), fresh(&shifted), "shifted {n}");
        }
    }

    #[test]
    fn each_string_and_shape_is_written_once() {
        let x = items(12, "s");
        let tape = to_tape(&x).unwrap();
        let word = |i: usize| u32::from_le_bytes(tape[4 * i..4 * i + 4].try_into().unwrap());
        let (n_strings, n_shape_words) = (word(3) as usize, word(4) as usize);
        // keys: label, scoreValue, tags, extra, note; values: "skill 0..2", "shared", 12
        // tags, k0..k10 (6 map keys); shapes: with and without `note`
        assert_eq!(n_strings, 5 + 3 + 1 + 12 + 6);
        assert_eq!(n_shape_words, (1 + 5) + (1 + 4));
        let text = std::str::from_utf8(&tape[tape.len() - word(5) as usize..]).unwrap();
        assert_eq!(text.matches("shared").count(), 1);
        assert_eq!(text.matches("scoreValue").count(), 1);
    }
}
