//! A walk over one Thrift compact-protocol struct (Apache Thrift,
//! `doc/specs/thrift-compact-protocol.md`) that refuses lists, sets and maps claiming more
//! elements than there are bytes, before the `parquet` crate parses the struct.
//!
//! The `parquet` crate (60.1) believes a list's size when it skips a field it does not know, and
//! skips a boolean element, a `DOUBLE` or a UUID past the end of its input without reading
//! anything: a page header or footer claiming a list of 2^31 booleans took seconds, and lists of
//! lists took minutes (the `parquet` fuzz target found inputs taking 5 s to 80 s). The walk
//! refuses a list of more elements than the bytes left, and lists whose elements together
//! outnumber the struct's bytes, reading the struct twice: as the spec writes it (a boolean
//! list element is a byte) and as the crate skips it (no byte). In an encoding the spec allows
//! every element takes at least one byte, and the two reads differ only for lists of booleans,
//! which Parquet's footer and page headers do not have: so no valid file is refused.
//!
//! Only that is checked: bytes the walk cannot read as a struct (a bad type, the end of the
//! bytes) end the walk without an error, and the `parquet` crate reports what is wrong.

/// Why the walk stopped early.
enum Stop {
    /// A list, set or map of `n` elements with only `left` bytes after its header.
    Overlong { n: u64, left: u64 },
    /// Lists, sets and maps of more elements in all than the struct's `len` bytes.
    TooMany { len: u64 },
    /// Not a struct this walk can read: left to the `parquet` crate.
    Unreadable,
}

/// Nesting the walk follows (the `parquet` crate skips 64 levels deep at most).
const MAX_DEPTH: u32 = 64;

/// `Err` with a description when the struct at the start of `bytes` holds a list, set or map
/// that claims more elements than the bytes left after its header, or lists, sets and maps
/// whose elements outnumber the struct's bytes.
pub(super) fn check_struct(bytes: &[u8]) -> Result<(), String> {
    // Read as the spec says (a boolean element is a byte) and as the crate skips (no byte):
    // a struct of no boolean list reads alike both ways.
    walk(bytes, 1).and_then(|()| walk(bytes, 0))
}

/// One walk, a boolean list element taking `bool_len` bytes.
fn walk(bytes: &[u8], bool_len: u64) -> Result<(), String> {
    let mut walk = Walk { bytes, pos: 0, budget: bytes.len() as u64, bool_len };
    let walked = walk.structure(MAX_DEPTH).and_then(|()| {
        // The struct's own bytes bound its elements (the bytes after it are not its own).
        let claimed = bytes.len() as u64 - walk.budget;
        let len = walk.pos as u64;
        if claimed > len {
            Err(Stop::TooMany { len })
        } else {
            Ok(())
        }
    });
    match walked {
        Err(Stop::Overlong { n, left }) => {
            Err(format!("a thrift list of {n} elements in {left} bytes (corrupt metadata)"))
        }
        Err(Stop::TooMany { len }) => Err(format!(
            "thrift lists of more elements in all than their {len} bytes (corrupt metadata)"
        )),
        Ok(()) | Err(Stop::Unreadable) => Ok(()),
    }
}

struct Walk<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Elements that lists, sets and maps may still claim (all of `bytes` at the start).
    budget: u64,
    /// Bytes of a boolean list element: 1 as the spec writes it, 0 as the crate skips it.
    bool_len: u64,
}

impl Walk<'_> {
    fn left(&self) -> u64 {
        (self.bytes.len() - self.pos) as u64
    }

    fn byte(&mut self) -> Result<u8, Stop> {
        let byte = *self.bytes.get(self.pos).ok_or(Stop::Unreadable)?;
        self.pos += 1;
        Ok(byte)
    }

    /// An unsigned LEB128 varint (at most 10 bytes).
    fn varint(&mut self) -> Result<u64, Stop> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let byte = self.byte()?;
            if shift < 64 {
                value |= u64::from(byte & 0x7f) << shift;
            }
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Stop::Unreadable)
    }

    fn skip(&mut self, n: u64) -> Result<(), Stop> {
        if n > self.left() {
            return Err(Stop::Unreadable);
        }
        self.pos += n as usize;
        Ok(())
    }

    /// Fields up to the stop byte: each a header (type in the low nibble, the field id delta in
    /// the high one, or a zigzag varint id after it when the delta is 0), then its value.
    fn structure(&mut self, depth: u32) -> Result<(), Stop> {
        let depth = depth.checked_sub(1).ok_or(Stop::Unreadable)?;
        loop {
            let header = self.byte()?;
            if header == 0 {
                return Ok(());
            }
            if header >> 4 == 0 {
                self.varint()?;
            }
            self.value(header & 0x0f, depth, false)?;
        }
    }

    /// A value of compact type `kind`; `element` for a list, set or map element (a boolean
    /// takes `bool_len` bytes there; in a struct its value is in the field header).
    fn value(&mut self, kind: u8, depth: u32, element: bool) -> Result<(), Stop> {
        match kind {
            1 | 2 if element => self.skip(self.bool_len),
            1 | 2 => Ok(()),
            3 => self.skip(1),
            4..=6 => self.varint().map(drop),
            7 => self.skip(8),
            8 => {
                let len = self.varint()?;
                self.skip(len)
            }
            9 | 10 => {
                let header = self.byte()?;
                if header == 0 {
                    return Ok(());
                }
                let n = match header >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                self.elements(n, depth, &[header & 0x0f])
            }
            11 => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                let kinds = self.byte()?;
                self.elements(n, depth, &[kinds >> 4, kinds & 0x0f])
            }
            12 => self.structure(depth),
            13 => self.skip(16),
            _ => Err(Stop::Unreadable),
        }
    }

    /// `n` elements, each one value of every kind in `kinds` (a map entry is two).
    fn elements(&mut self, n: u64, depth: u32, kinds: &[u8]) -> Result<(), Stop> {
        let left = self.left();
        if n > left {
            return Err(Stop::Overlong { n, left });
        }
        self.budget = match self.budget.checked_sub(n.saturating_mul(kinds.len() as u64)) {
            Some(budget) => budget,
            None => return Err(Stop::TooMany { len: self.bytes.len() as u64 }),
        };
        let depth = depth.checked_sub(1).ok_or(Stop::Unreadable)?;
        for _ in 0..n {
            for &kind in kinds {
                self.value(kind, depth, true)?;
            }
        }
        Ok(())
    }
}
