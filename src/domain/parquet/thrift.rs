//! A walk over one Thrift compact-protocol struct (Apache Thrift,
//! `doc/specs/thrift-compact-protocol.md`) that refuses lists, sets and maps claiming more
//! elements than there are bytes left, before the `parquet` crate parses the struct.
//!
//! Every element of a compact-encoded list takes at least one byte (booleans in a list are one
//! byte each), so such a claim is corrupt. The `parquet` crate (60.1) believes it when it skips
//! a field it does not know: skipping a list of 2^31 booleans, which reads nothing per element,
//! took seconds per list (the `parquet` fuzz target found footers and page headers that froze
//! for 5 s to a minute). The walk takes one step per byte at most.
//!
//! Only that is checked: bytes the walk cannot read as a struct (a bad type, the end of the
//! bytes) end the walk without an error, and the `parquet` crate reports what is wrong.

/// Why the walk stopped early.
enum Stop {
    /// A list, set or map of `n` elements with only `left` bytes after its header.
    Overlong { n: u64, left: u64 },
    /// Not a struct this walk can read: left to the `parquet` crate.
    Unreadable,
}

/// Nesting the walk follows (the `parquet` crate skips 64 levels deep at most).
const MAX_DEPTH: u32 = 64;

/// `Err` with a description when the struct at the start of `bytes` holds a list, set or map
/// that claims more elements than the bytes left after its header.
pub(super) fn check_struct(bytes: &[u8]) -> Result<(), String> {
    let mut walk = Walk { bytes, pos: 0 };
    match walk.structure(MAX_DEPTH) {
        Err(Stop::Overlong { n, left }) => {
            Err(format!("a thrift list of {n} elements in {left} bytes (corrupt metadata)"))
        }
        Ok(()) | Err(Stop::Unreadable) => Ok(()),
    }
}

struct Walk<'a> {
    bytes: &'a [u8],
    pos: usize,
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

    /// A value of compact type `kind`; `element` for a list, set or map element (where a bool
    /// is a byte, not part of the header).
    fn value(&mut self, kind: u8, depth: u32, element: bool) -> Result<(), Stop> {
        match kind {
            1 | 2 if element => self.skip(1),
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
        let depth = depth.checked_sub(1).ok_or(Stop::Unreadable)?;
        for _ in 0..n {
            for &kind in kinds {
                self.value(kind, depth, true)?;
            }
        }
        Ok(())
    }
}
