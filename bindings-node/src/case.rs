//! Key spelling between JavaScript (camelCase) and the core's serde names (snake_case).
//!
//! Only *field names* change spelling; map keys are data (skill names, group labels,
//! attribute names, veto names) and pass unchanged, and so do enum values (`"between_groups"`,
//! `"megilance_v1"`, `{"type": "det_greedy"}`), which keep the core's spelling in both
//! directions.
//!
//! - Output ([`to_value`]): a serde `Serializer` that builds a `serde_json::Value`, camelCasing
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

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};
use serde_json::{Map, Number, Value};

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

/// The camelCase spelling of a struct field name, computed once per name (field names are
/// `&'static str`s; the cache holds one entry per distinct field in the program).
fn camel_static(s: &'static str) -> &'static str {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, &'static str>>> = OnceLock::new();
    if !s.contains('_') {
        return s;
    }
    let cache = CACHE.get_or_init(Default::default);
    let mut m = cache.lock().unwrap_or_else(|e| e.into_inner());
    m.entry(s)
        .or_insert_with(|| Box::leak(camel(s).into_boxed_str()))
}

/// Any core output as a JSON value with camelCase field names (see the module docs).
pub(crate) fn to_value<T: Serialize + ?Sized>(x: &T) -> Result<Value, SerError> {
    x.serialize(Out)
}

/// An error while building an output value.
#[derive(Debug)]
pub(crate) struct SerError(String);

impl std::fmt::Display for SerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for SerError {}
impl ser::Error for SerError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

/// The output serializer.
struct Out;

fn float(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// A sequence being built.
struct SeqOut(Vec<Value>);
/// A struct (keys camelCased) or a map (keys as given, unless `camel`).
struct MapOut {
    map: Map<String, Value>,
    next_key: Option<String>,
    camel: bool,
}
/// A variant with a payload: `{variant: payload}`.
struct VariantOut<T> {
    name: &'static str,
    inner: T,
}

impl ser::Serializer for Out {
    type Ok = Value;
    type Error = SerError;
    type SerializeSeq = SeqOut;
    type SerializeTuple = SeqOut;
    type SerializeTupleStruct = SeqOut;
    type SerializeTupleVariant = VariantOut<SeqOut>;
    type SerializeMap = MapOut;
    type SerializeStruct = MapOut;
    type SerializeStructVariant = VariantOut<MapOut>;

    fn serialize_bool(self, v: bool) -> Result<Value, SerError> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, SerError> {
        Ok(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Value, SerError> {
        Ok(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Value, SerError> {
        Ok(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Value, SerError> {
        Ok(v.into())
    }
    fn serialize_u8(self, v: u8) -> Result<Value, SerError> {
        Ok(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Value, SerError> {
        Ok(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Value, SerError> {
        Ok(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Value, SerError> {
        Ok(v.into())
    }
    fn serialize_f32(self, v: f32) -> Result<Value, SerError> {
        Ok(float(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, SerError> {
        Ok(float(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, SerError> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, SerError> {
        Ok(Value::String(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, SerError> {
        Ok(Value::Array(v.iter().map(|&b| b.into()).collect()))
    }
    fn serialize_none(self) -> Result<Value, SerError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Value, SerError> {
        v.serialize(Out)
    }
    fn serialize_unit(self) -> Result<Value, SerError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, SerError> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Value, SerError> {
        Ok(Value::String(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Value, SerError> {
        v.serialize(Out)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Value, SerError> {
        let mut m = Map::new();
        m.insert(variant.to_owned(), v.serialize(Out)?);
        Ok(Value::Object(m))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqOut, SerError> {
        Ok(SeqOut(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqOut, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqOut, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantOut<SeqOut>, SerError> {
        Ok(VariantOut {
            name: variant,
            inner: SeqOut(Vec::with_capacity(len)),
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapOut, SerError> {
        Ok(MapOut {
            map: Map::new(),
            next_key: None,
            // serde's flatten is the one writer of a map of unknown length
            camel: len.is_none(),
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<MapOut, SerError> {
        Ok(MapOut {
            map: Map::new(),
            next_key: None,
            camel: true,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantOut<MapOut>, SerError> {
        Ok(VariantOut {
            name: variant,
            inner: self.serialize_struct(variant, len)?,
        })
    }
}

impl ser::SerializeSeq for SeqOut {
    type Ok = Value;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        self.0.push(v.serialize(Out)?);
        Ok(())
    }
    fn end(self) -> Result<Value, SerError> {
        Ok(Value::Array(self.0))
    }
}
impl ser::SerializeTuple for SeqOut {
    type Ok = Value;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Value, SerError> {
        ser::SerializeSeq::end(self)
    }
}
impl ser::SerializeTupleStruct for SeqOut {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Value, SerError> {
        ser::SerializeSeq::end(self)
    }
}
impl ser::SerializeTupleVariant for VariantOut<SeqOut> {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(&mut self.inner, v)
    }
    fn end(self) -> Result<Value, SerError> {
        let mut m = Map::new();
        m.insert(self.name.to_owned(), ser::SerializeSeq::end(self.inner)?);
        Ok(Value::Object(m))
    }
}

/// A map key as text (strings, numbers, bools, unit variants).
fn key_text(v: Value) -> Result<String, SerError> {
    match v {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(SerError(format!("map key must be a string, got {other}"))),
    }
}

impl ser::SerializeMap for MapOut {
    type Ok = Value;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), SerError> {
        let k = key_text(k.serialize(Out)?)?;
        self.next_key = Some(if self.camel { camel(&k) } else { k });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        let k = self
            .next_key
            .take()
            .ok_or_else(|| SerError("map value without a key".into()))?;
        self.map.insert(k, v.serialize(Out)?);
        Ok(())
    }
    fn end(self) -> Result<Value, SerError> {
        Ok(Value::Object(self.map))
    }
}
impl ser::SerializeStruct for MapOut {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), SerError> {
        self.map
            .insert(camel_static(key).to_owned(), v.serialize(Out)?);
        Ok(())
    }
    fn end(self) -> Result<Value, SerError> {
        Ok(Value::Object(self.map))
    }
}
impl ser::SerializeStructVariant for VariantOut<MapOut> {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), SerError> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, v)
    }
    fn end(self) -> Result<Value, SerError> {
        let mut m = Map::new();
        m.insert(self.name.to_owned(), ser::SerializeStruct::end(self.inner)?);
        Ok(Value::Object(m))
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
