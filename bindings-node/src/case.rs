//! Key spelling between JavaScript (camelCase) and the core's serde names (snake_case).
//!
//! Only *field names* change spelling; map keys are data (skill names, group labels,
//! attribute names, veto names) and pass unchanged, and so do enum values (`"between_groups"`,
//! `"megilance_v1"`, `{"type": "det_greedy"}`), which keep the core's spelling in both
//! directions.
//!
//! - Output ([`to_json`]): a serde `Serializer` wrapped around serde_json's writer, camelCasing
//!   struct fields (`hourly_rate` → `hourlyRate`) and leaving map keys alone. A map whose length
//!   serde does not know up front is how `#[serde(flatten)]` serialises a struct, so its keys
//!   are field names and are camelCased too. Non-finite floats become `null` (JSON has no NaN;
//!   "undefined" in every output, as in the Python binding).
//! - Input ([`Input`]): a serde `Deserializer` over a `serde_json::Value` that reads a struct's
//!   keys by the camelCase of its field names (the snake_case name is accepted too), and map
//!   keys as written. Where serde reads a value without naming its fields (the internally
//!   tagged re-ranking policies and position models, which serde buffers first), a key with
//!   an upper-case letter and no underscore is read as its snake_case form (`protectedGroups`
//!   → `protected_groups`).

use std::cell::RefCell;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};
use serde_json::{Map, Value};

/// `min_score` → `minScore`, `fn_` → `fn` (segments after an underscore start upper-case).
pub(crate) fn camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut up = false;
    for c in s.chars() {
        if c == '_' {
            up = !out.is_empty();
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `protectedGroups` → `protected_groups`, for a key that looks like a camelCase identifier
/// (starts with a lower-case ASCII letter, ASCII alphanumerics only, at least one upper-case
/// letter); anything else is returned unchanged.
pub(crate) fn snake(s: &str) -> std::borrow::Cow<'_, str> {
    let ident = s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s.chars().any(|c| c.is_ascii_uppercase());
    if !ident {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// A core field path (`freelancers[3].hourly_rate`) with every name segment camelCased
/// (`freelancers[3].hourlyRate`), as the caller wrote it.
pub(crate) fn camel_path(path: &str) -> String {
    path.split('.')
        .map(|seg| match seg.find('[') {
            Some(i) => format!("{}{}", camel(&seg[..i]), &seg[i..]),
            None => camel(seg),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The camelCase spelling of a struct field name, computed once per name and thread (field
/// names are `&'static str`s, looked up by address; each thread's cache holds one entry per
/// distinct field name in the program).
fn camel_static(s: &'static str) -> &'static str {
    thread_local! {
        static CACHE: RefCell<rustc_hash::FxHashMap<(usize, usize), &'static str>> =
            RefCell::new(rustc_hash::FxHashMap::default());
    }
    if !s.contains('_') {
        return s;
    }
    CACHE.with(|c| {
        *c.borrow_mut()
            .entry((s.as_ptr() as usize, s.len()))
            .or_insert_with(|| Box::leak(camel(s).into_boxed_str()))
    })
}

/// Any core output as JSON text with camelCase field names (see the module docs), written in
/// one pass by serde_json (which writes non-finite floats as `null`).
pub(crate) fn to_json<T: Serialize + ?Sized>(x: &T) -> serde_json::Result<String> {
    serde_json::to_string(&Camel(x))
}

/// A value serialised with camelCase field names.
pub(crate) struct Camel<'a, T: ?Sized>(pub(crate) &'a T);

impl<T: Serialize + ?Sized> Serialize for Camel<'_, T> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(CamelSer(s))
    }
}

/// A serializer that renames struct fields and passes everything else to `S`.
struct CamelSer<S>(S);
/// A sequence, tuple or tuple variant whose elements are renamed.
struct Elems<S>(S);
/// A struct or struct variant: field names camelCased.
struct Fields<S>(S);
/// A map: keys as given, unless it is a flattened struct (unknown length).
struct Entries<S> {
    inner: S,
    camel: bool,
}

/// Calls `$mac!` with serde's integer methods and their types (`serialize_i8(i8), …`).
macro_rules! integers {
    ($mac:ident) => {
        $mac!(
            serialize_i8(i8),
            serialize_i16(i16),
            serialize_i32(i32),
            serialize_i64(i64),
            serialize_i128(i128),
            serialize_u8(u8),
            serialize_u16(u16),
            serialize_u32(u32),
            serialize_u64(u64),
            serialize_u128(u128)
        );
    };
}
pub(crate) use integers;

macro_rules! forward {
    ($($m:ident($t:ty)),*) => {$(
        fn $m(self, v: $t) -> Result<S::Ok, S::Error> {
            self.0.$m(v)
        }
    )*};
}

impl<S: ser::Serializer> ser::Serializer for CamelSer<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Elems<S::SerializeSeq>;
    type SerializeTuple = Elems<S::SerializeTuple>;
    type SerializeTupleStruct = Elems<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Elems<S::SerializeTupleVariant>;
    type SerializeMap = Entries<S::SerializeMap>;
    type SerializeStruct = Fields<S::SerializeStruct>;
    type SerializeStructVariant = Fields<S::SerializeStructVariant>;

    integers!(forward);
    forward!(
        serialize_bool(bool),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8])
    );

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Camel(v))
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_struct(name)
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Camel(v))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Camel(v))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Ok(Elems(self.0.serialize_seq(len)?))
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        Ok(Elems(self.0.serialize_tuple(len)?))
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Ok(Elems(self.0.serialize_tuple_struct(name, len)?))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Ok(Elems(
            self.0.serialize_tuple_variant(name, index, variant, len)?,
        ))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Ok(Entries {
            inner: self.0.serialize_map(len)?,
            // serde's flatten is the one writer of a map of unknown length
            camel: len.is_none(),
        })
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(Fields(self.0.serialize_struct(name, len)?))
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Ok(Fields(
            self.0.serialize_struct_variant(name, index, variant, len)?,
        ))
    }
}

macro_rules! elems {
    ($tr:ident, $m:ident) => {
        impl<S: ser::$tr> ser::$tr for Elems<S> {
            type Ok = S::Ok;
            type Error = S::Error;
            fn $m<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), S::Error> {
                self.0.$m(&Camel(v))
            }
            fn end(self) -> Result<S::Ok, S::Error> {
                self.0.end()
            }
        }
    };
}
elems!(SerializeSeq, serialize_element);
elems!(SerializeTuple, serialize_element);
elems!(SerializeTupleStruct, serialize_field);
elems!(SerializeTupleVariant, serialize_field);

macro_rules! fields {
    ($tr:ident) => {
        impl<S: ser::$tr> ser::$tr for Fields<S> {
            type Ok = S::Ok;
            type Error = S::Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), S::Error> {
                self.0.serialize_field(camel_static(key), &Camel(v))
            }
            fn end(self) -> Result<S::Ok, S::Error> {
                self.0.end()
            }
        }
    };
}
fields!(SerializeStruct);
fields!(SerializeStructVariant);

impl<S: ser::SerializeMap> ser::SerializeMap for Entries<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), S::Error> {
        if !self.camel {
            return self.inner.serialize_key(k);
        }
        // a flattened struct's field name
        match serde_json::to_value(k) {
            Ok(serde_json::Value::String(name)) => self.inner.serialize_key(&camel(&name)),
            _ => self.inner.serialize_key(k),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), S::Error> {
        self.inner.serialize_value(&Camel(v))
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        self.inner.end()
    }
}

/// How the keys of an object are read.
#[derive(Clone, Copy)]
enum Keys {
    /// A struct's fields: a key equal to the camelCase of a field reads as that field.
    Fields(&'static [&'static str]),
    /// A map: keys as written.
    Data,
    /// Unknown (buffered by serde): camelCase identifiers read as snake_case.
    Guess,
}

impl Keys {
    fn read(self, k: &str) -> String {
        match self {
            Keys::Fields(fields) => fields
                .iter()
                .find(|f| camel_static(f) == k)
                .map_or_else(|| k.to_owned(), |f| (*f).to_owned()),
            Keys::Data => k.to_owned(),
            Keys::Guess => snake(k).into_owned(),
        }
    }
}

/// The input deserializer: a JSON value read with camelCase field names (module docs).
#[derive(Clone, Copy)]
pub(crate) struct Input<'a>(pub(crate) &'a Value);

type DeError = serde_json::Error;

impl<'a> Input<'a> {
    fn object<V: Visitor<'a>>(
        m: &'a Map<String, Value>,
        keys: Keys,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_map(MapIn {
            iter: m.iter(),
            value: None,
            keys,
        })
    }
    fn array<V: Visitor<'a>>(a: &'a [Value], v: V) -> Result<V::Value, DeError> {
        let mut seq = SeqIn { iter: a.iter() };
        let out = v.visit_seq(&mut seq)?;
        if seq.iter.len() == 0 {
            Ok(out)
        } else {
            Err(de::Error::invalid_length(a.len(), &"fewer elements"))
        }
    }
}

macro_rules! delegate {
    ($($m:ident),*) => {$(
        fn $m<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
            de::Deserializer::$m(self.0, v)
        }
    )*};
}

impl<'a> de::Deserializer<'a> for Input<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Object(m) => Self::object(m, Keys::Guess, v),
            Value::Array(a) => Self::array(a, v),
            other => de::Deserializer::deserialize_any(other, v),
        }
    }
    fn deserialize_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Object(m) => Self::object(m, Keys::Fields(fields), v),
            Value::Array(a) => Self::array(a, v),
            other => de::Deserializer::deserialize_struct(other, name, fields, v),
        }
    }
    fn deserialize_map<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Object(m) => Self::object(m, Keys::Data, v),
            other => de::Deserializer::deserialize_map(other, v),
        }
    }
    fn deserialize_seq<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Array(a) => Self::array(a, v),
            other => de::Deserializer::deserialize_seq(other, v),
        }
    }
    fn deserialize_tuple<V: Visitor<'a>>(self, _: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }
    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _: &'static str,
        _: usize,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }
    fn deserialize_option<V: Visitor<'a>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }
    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }
    fn deserialize_enum<V: Visitor<'a>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Object(m) if m.len() == 1 => {
                let (k, val) = m.iter().next().expect("one entry");
                v.visit_enum(EnumIn {
                    variant: k,
                    value: val,
                })
            }
            other => de::Deserializer::deserialize_enum(other, name, variants, v),
        }
    }

    delegate!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_identifier,
        deserialize_ignored_any
    );

    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_unit_struct(self.0, name, v)
    }
}

struct SeqIn<'a> {
    iter: std::slice::Iter<'a, Value>,
}

impl<'a> de::SeqAccess<'a> for SeqIn<'a> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        self.iter
            .next()
            .map(|v| seed.deserialize(Input(v)))
            .transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct MapIn<'a> {
    iter: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
    keys: Keys,
}

impl<'a> de::MapAccess<'a> for MapIn<'a> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                let key: de::value::StringDeserializer<DeError> =
                    self.keys.read(k).into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<T: DeserializeSeed<'a>>(&mut self, seed: T) -> Result<T::Value, DeError> {
        let v = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("value without a key"))?;
        seed.deserialize(Input(v))
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct EnumIn<'a> {
    variant: &'a str,
    value: &'a Value,
}

impl<'a> de::EnumAccess<'a> for EnumIn<'a> {
    type Error = DeError;
    type Variant = Input<'a>;
    fn variant_seed<V: DeserializeSeed<'a>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Input<'a>), DeError> {
        let key: de::value::StrDeserializer<'_, DeError> = self.variant.into_deserializer();
        Ok((seed.deserialize(key)?, Input(self.value)))
    }
}

impl<'a> de::VariantAccess<'a> for Input<'a> {
    type Error = DeError;
    fn unit_variant(self) -> Result<(), DeError> {
        match self.0 {
            Value::Null => Ok(()),
            _ => Err(de::Error::custom("expected a unit variant")),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'a>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'a>>(self, _: usize, v: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(self, v)
    }
    fn struct_variant<V: Visitor<'a>>(
        self,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_struct(self, "", fields, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!(camel("min_score"), "minScore");
        assert_eq!(camel("fn_"), "fn");
        assert_eq!(camel("k"), "k");
        assert_eq!(snake("protectedGroups"), "protected_groups");
        assert_eq!(snake("Women"), "Women");
        assert_eq!(snake("a_b"), "a_b");
        assert_eq!(
            camel_path("freelancers[3].hourly_rate"),
            "freelancers[3].hourlyRate"
        );
        assert_eq!(
            camel_path("options.fairness.min_share"),
            "options.fairness.minShare"
        );
    }
}
