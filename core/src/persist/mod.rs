//! Snapshot framing: magic, format version, sections each with a length and a checksum;
//! atomic save. Persist knows bytes, never component types: the engine hands it encoded
//! sections (serde + bincode 2.0.1 for structured state, or JSON where a component's serde
//! form needs a self-describing format) and gets them back verified.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! magic "FAIRMTCH" (8) | format_version u32 | section_count u32 | header_crc32 u32
//! per section: name [u8; 8] (ASCII, NUL-padded) | codec u8 | length u64 | crc32 u32 | bytes
//! trailer: crc32 of everything before it (u32)
//! ```
//!
//! Every check runs before any decoding: a truncated, bit-flipped, future-version or foreign
//! file is an error ([`Error::NotASnapshot`], [`Error::IncompatibleSnapshot`],
//! [`Error::CorruptSnapshot`]), never a panic and never a partial engine. bincode decoding
//! always runs with a size limit (an unbounded decode of hostile bytes aborts the process;
//! TOOLCHAIN.md).

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// The first eight bytes of every snapshot.
pub const MAGIC: [u8; 8] = *b"FAIRMTCH";

/// How a section's bytes are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Codec {
    /// serde + bincode 2.0.1 (standard config).
    Bincode = 0,
    /// serde + JSON (for components whose serde form is internally tagged).
    Json = 1,
    /// Raw bytes (e.g. little-endian f32 blocks).
    Raw = 2,
}

/// One named, encoded section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Name, 1–8 ASCII bytes.
    pub name: String,
    /// Encoding of `bytes`.
    pub codec: Codec,
    /// The payload.
    pub bytes: Vec<u8>,
}

/// Frames `sections` under `version`. Rejects a name that is empty, longer than 8 bytes or
/// not ASCII.
pub fn encode(version: u32, sections: &[Section]) -> Result<Vec<u8>> {
    let total: usize = sections.iter().map(|s| s.bytes.len() + 21).sum();
    let mut out = Vec::with_capacity(total + 24);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    for s in sections {
        if s.name.is_empty() || s.name.len() > 8 || !s.name.is_ascii() {
            return Err(Error::invalid(
                "snapshot.section",
                format!("bad section name `{}`", s.name),
            ));
        }
        let mut name = [0u8; 8];
        name[..s.name.len()].copy_from_slice(s.name.as_bytes());
        out.extend_from_slice(&name);
        out.push(s.codec as u8);
        out.extend_from_slice(&(s.bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&s.bytes).to_le_bytes());
        out.extend_from_slice(&s.bytes);
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| Error::corrupt(format!("truncated while reading {what}")))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4, what)?.try_into().unwrap_or_default(),
        ))
    }
    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8, what)?.try_into().unwrap_or_default(),
        ))
    }
}

/// Verifies and unframes a snapshot written by a version ≤ `supported`. Returns the version
/// found and the sections, in order.
pub fn decode(bytes: &[u8], supported: u32) -> Result<(u32, Vec<Section>)> {
    if bytes.len() < 8 || bytes[..8] != MAGIC {
        return Err(Error::NotASnapshot {
            detail: if bytes.len() < 8 {
                format!("only {} bytes", bytes.len())
            } else {
                "the file does not start with the fairmatch magic".to_owned()
            },
        });
    }
    if bytes.len() < 24 {
        return Err(Error::corrupt("truncated header"));
    }
    let mut r = Reader { buf: bytes, pos: 8 };
    let version = r.u32("version")?;
    let count = r.u32("section count")?;
    let header_crc = r.u32("header checksum")?;
    if crc32fast::hash(&bytes[..16]) != header_crc {
        return Err(Error::corrupt("header checksum mismatch"));
    }
    if version > supported {
        return Err(Error::IncompatibleSnapshot {
            found: version,
            supported,
        });
    }
    if version == 0 {
        return Err(Error::corrupt("format version 0 does not exist"));
    }
    let body_end = bytes.len() - 4;
    let trailer = u32::from_le_bytes(bytes[body_end..].try_into().unwrap_or_default());
    if crc32fast::hash(&bytes[..body_end]) != trailer {
        return Err(Error::corrupt(
            "file checksum mismatch (truncated or modified)",
        ));
    }
    let mut r = Reader {
        buf: &bytes[..body_end],
        pos: 20,
    };
    let mut sections = Vec::new();
    for i in 0..count {
        let what = format!("section {i}");
        let name_raw = r.take(8, &what)?;
        let name_len = name_raw.iter().position(|&b| b == 0).unwrap_or(8);
        let name = std::str::from_utf8(&name_raw[..name_len])
            .ok()
            .filter(|n| !n.is_empty() && n.is_ascii())
            .ok_or_else(|| Error::corrupt(format!("{what}: bad name")))?
            .to_owned();
        let codec = match r.take(1, &what)?[0] {
            0 => Codec::Bincode,
            1 => Codec::Json,
            2 => Codec::Raw,
            c => {
                return Err(Error::corrupt(format!(
                    "section `{name}`: unknown codec {c}"
                )));
            }
        };
        let len = r.u64(&what)?;
        let crc = r.u32(&what)?;
        let len = usize::try_from(len)
            .map_err(|_| Error::corrupt(format!("section `{name}` too long")))?;
        let data = r.take(len, &format!("section `{name}`"))?;
        if crc32fast::hash(data) != crc {
            return Err(Error::corrupt(format!(
                "section `{name}` checksum mismatch"
            )));
        }
        sections.push(Section {
            name,
            codec,
            bytes: data.to_vec(),
        });
    }
    if r.pos != body_end {
        return Err(Error::corrupt("trailing bytes after the last section"));
    }
    Ok((version, sections))
}

/// Encodes `value` with bincode 2.0.1 (standard config).
pub fn to_bincode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    bincode::serde::encode_to_vec(value, bincode::config::standard())
        .map_err(|e| Error::invalid("snapshot", format!("cannot encode: {e}")))
}

/// Decodes bincode bytes with an allocation limit sized from their length (32× the input,
/// in steps), and requires every byte to be consumed.
pub fn from_bincode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    fn run<T: DeserializeOwned, const N: usize>(
        bytes: &[u8],
    ) -> std::result::Result<(T, usize), bincode::error::DecodeError> {
        bincode::serde::decode_from_slice(bytes, bincode::config::standard().with_limit::<N>())
    }
    const MIB: usize = 1 << 20;
    let r = match bytes.len() {
        n if n <= MIB => run::<T, { 32 * MIB }>(bytes),
        n if n <= 16 * MIB => run::<T, { 512 * MIB }>(bytes),
        n if n <= 128 * MIB => run::<T, { 4096 * MIB }>(bytes),
        _ => run::<T, { 16384 * MIB }>(bytes),
    };
    let (v, used) =
        r.map_err(|e| Error::corrupt(format!("section `{what}` does not decode: {e}")))?;
    if used != bytes.len() {
        return Err(Error::corrupt(format!(
            "section `{what}` has {} undecoded bytes",
            bytes.len() - used
        )));
    }
    Ok(v)
}

/// Temporaries older than this are left-overs of a process that died mid-save.
const STALE_TEMPORARY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename,
/// fsync of the folder. A crash mid-save leaves the previous file intact, and a reader of
/// `path` only ever sees a whole snapshot (the old or the new one).
///
/// Every save has its own temporary (`.<name>.tmp-<pid>-<n>`, created exclusively), so
/// concurrent saves to one path from threads or processes never write into each other's
/// file: each succeeds and the last rename wins. A failed save removes its temporary; a
/// successful one also removes temporaries of the same target older than an hour (left by
/// a process killed mid-save).
pub fn save_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let io = |source: std::io::Error| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::invalid("path", "must name a file"))?
        .to_string_lossy();
    let prefix = format!(".{file_name}.tmp-");
    let (tmp, mut f) = loop {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!("{prefix}{}-{n}", std::process::id()));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            // a temporary of an earlier process with the same pid: take the next number
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(e)),
        }
    };
    let result = (|| {
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    } else {
        remove_stale_temporaries(dir, &prefix);
    }
    result.map_err(io)
}

/// Removes `<prefix>*` files in `dir` not modified for [`STALE_TEMPORARY`] (best effort).
fn remove_stale_temporaries(dir: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let stale = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_TEMPORARY);
        if stale && e.file_name().to_string_lossy().starts_with(prefix) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Reads a whole file, naming it in the error.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        encode(
            1,
            &[
                Section {
                    name: "a".into(),
                    codec: Codec::Raw,
                    bytes: vec![1, 2, 3],
                },
                Section {
                    name: "catalog".into(),
                    codec: Codec::Bincode,
                    bytes: to_bincode(&vec!["x".to_owned(); 3]).unwrap(),
                },
            ],
        )
        .unwrap()
    }

    #[test]
    fn round_trip_and_checks() {
        let b = sample();
        let (v, s) = decode(&b, 1).unwrap();
        assert_eq!(v, 1);
        assert_eq!(s[0].bytes, vec![1, 2, 3]);
        let back: Vec<String> = from_bincode(&s[1].bytes, "catalog").unwrap();
        assert_eq!(back.len(), 3);
        assert!(matches!(
            decode(&b, 0),
            Err(Error::IncompatibleSnapshot {
                found: 1,
                supported: 0
            })
        ));
        assert!(matches!(
            decode(b"hello world, not a snapshot", 1),
            Err(Error::NotASnapshot { .. })
        ));
        for cut in 0..b.len() {
            assert!(
                decode(&b[..cut], 1).is_err(),
                "truncation at {cut} accepted"
            );
        }
        for i in 0..b.len() {
            for bit in 0..8 {
                let mut c = b.clone();
                c[i] ^= 1 << bit;
                assert!(decode(&c, 1).is_err(), "bit flip at {i}:{bit} accepted");
            }
        }
    }

    #[test]
    fn bincode_limit_rejects_absurd_lengths() {
        // A Vec length prefix claiming 2^60 elements must be an error, not an abort.
        let mut bytes = vec![253u8];
        bytes.extend_from_slice(&(1u64 << 60).to_le_bytes());
        assert!(from_bincode::<Vec<u64>>(&bytes, "x").is_err());
    }

    #[test]
    fn atomic_save_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.fm");
        save_atomic(&p, b"one").unwrap();
        save_atomic(&p, b"two").unwrap();
        assert_eq!(read_file(&p).unwrap(), b"two");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    /// Issue 12 item 7: concurrent saves to one path all succeed, readers only ever see a
    /// whole file, and no temporary is left behind (a stale one from a dead process is
    /// removed; a fresh one of another process is not touched).
    #[test]
    fn concurrent_saves_are_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.fm");
        let stale = dir.path().join(".s.fm.tmp-1-1");
        let fresh = dir.path().join(".s.fm.tmp-2-1");
        fs::write(&stale, b"left by a crash").unwrap();
        fs::write(&fresh, b"another process saving now").unwrap();
        let old = std::time::SystemTime::now() - STALE_TEMPORARY * 2;
        File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(old)
            .unwrap();
        // every writer's content is distinct and self-checking: (len, byte) repeated
        let content = |w: usize| vec![w as u8; 1000 + 7919 * w];
        save_atomic(&p, &content(0)).unwrap();
        let stop = std::sync::atomic::AtomicBool::new(false);
        let (p, stop, content) = (&p, &stop, &content);
        std::thread::scope(|s| {
            let readers: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(move || {
                        let mut reads = 0;
                        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                            let b = read_file(p).unwrap();
                            assert!(!b.is_empty(), "a reader saw an empty file");
                            assert_eq!(b, content(b[0] as usize), "a reader saw a partial file");
                            reads += 1;
                        }
                        reads
                    })
                })
                .collect();
            let writers: Vec<_> = (1..9)
                .map(|w| {
                    s.spawn(move || {
                        for _ in 0..8 {
                            save_atomic(p, &content(w)).unwrap();
                        }
                    })
                })
                .collect();
            for w in writers {
                w.join().unwrap();
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            for r in readers {
                assert!(r.join().unwrap() > 0);
            }
        });
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, vec![".s.fm.tmp-2-1".to_owned(), "s.fm".to_owned()]);
    }
}
