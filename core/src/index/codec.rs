//! Little-endian byte framing for the index snapshots, with bounds-checked reads.
//!
//! Every read checks the remaining length first, so corrupt or truncated bytes give
//! [`Error::CorruptSnapshot`] and never a panic or an oversized allocation.

use crate::error::{Error, Result};

pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn new(magic: &[u8; 4], version: u32) -> Self {
        let mut w = Writer { buf: Vec::new() };
        w.buf.extend_from_slice(magic);
        w.u32(version);
        w
    }
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn f32(&mut self, v: f32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn f32s(&mut self, v: &[f32]) {
        self.buf.reserve(v.len() * 4);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }
    pub(crate) fn bytes(&mut self, v: &[u8]) {
        self.u32(v.len() as u32);
        self.buf.extend_from_slice(v);
    }
}

pub(crate) struct Reader<'a> {
    what: &'static str,
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Checks magic and version (`1..=max_version`) and returns the reader and the version.
    pub(crate) fn open(
        what: &'static str,
        b: &'a [u8],
        magic: &[u8; 4],
        max_version: u32,
    ) -> Result<(Self, u32)> {
        let mut r = Reader { what, b, pos: 0 };
        if r.take(4)? != magic {
            return Err(Error::corrupt(format!("{what}: wrong magic bytes")));
        }
        let v = r.u32()?;
        if v == 0 || v > max_version {
            return Err(Error::corrupt(format!(
                "{what}: unsupported format version {v} (this build reads 1..={max_version})"
            )));
        }
        Ok((r, v))
    }
    pub(crate) fn err(&self, detail: impl std::fmt::Display) -> Error {
        Error::corrupt(format!("{}: {detail} (at byte {})", self.what, self.pos))
    }
    pub(crate) fn remaining(&self) -> usize {
        self.b.len() - self.pos
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.err(format!("truncated: need {n} bytes")));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    pub(crate) fn f32(&mut self) -> Result<f32> {
        let s = self.take(4)?;
        Ok(f32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    /// Reads `n` f32 values after checking that `4n` bytes remain (no allocation before).
    pub(crate) fn f32s(&mut self, n: usize) -> Result<Vec<f32>> {
        let nb = n
            .checked_mul(4)
            .ok_or_else(|| self.err("length overflow"))?;
        let s = self.take(nb)?;
        Ok(s.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
    /// Reads `n` u32 values after checking that `4n` bytes remain.
    pub(crate) fn u32s(&mut self, n: usize) -> Result<Vec<u32>> {
        let nb = n
            .checked_mul(4)
            .ok_or_else(|| self.err("length overflow"))?;
        let s = self.take(nb)?;
        Ok(s.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    pub(crate) fn finish(self) -> Result<()> {
        if self.remaining() != 0 {
            return Err(self.err(format!("{} trailing bytes", self.remaining())));
        }
        Ok(())
    }
}

/// Implements serde `Serialize`/`Deserialize` for a type with `to_bytes`/`from_bytes`, as one
/// byte string; a failed validation becomes the deserializer's custom error.
macro_rules! serde_via_bytes {
    ($t:ty, $expecting:literal) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.to_bytes())
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_bytes<E: serde::de::Error>(
                        self,
                        v: &[u8],
                    ) -> std::result::Result<$t, E> {
                        <$t>::from_bytes(v).map_err(E::custom)
                    }
                    fn visit_seq<A: serde::de::SeqAccess<'de>>(
                        self,
                        mut a: A,
                    ) -> std::result::Result<$t, A::Error> {
                        let mut buf = Vec::with_capacity(a.size_hint().unwrap_or(0).min(1 << 20));
                        while let Some(b) = a.next_element::<u8>()? {
                            buf.push(b);
                        }
                        <$t>::from_bytes(&buf).map_err(serde::de::Error::custom)
                    }
                }
                d.deserialize_bytes(V)
            }
        }
    };
}
pub(crate) use serde_via_bytes;
