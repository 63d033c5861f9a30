//! Row keys and the exactly-once guard: every row a reader hands on is keyed by where its
//! bytes are (the file's index in its source, and a position in that file), and a consumer
//! that must write each row once (the export) admits a key only when it comes after the last
//! one it took. A reader that resumes or retries can then never make a row count twice, even
//! if it handed one on again.

/// Where a row's bytes are: the file (its index in the split's list of files, from 0) and a
/// position in it. Keys of one read come in increasing order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowKey {
    /// Index of the file in the source's list (0 for a single file or the viewer's pages).
    pub file: u32,
    /// Position in the file: the byte offset of a JSONL line, the row's index in a parquet
    /// file or in a document read whole, or the viewer's `row_idx`.
    pub position: u64,
    /// Which of the rows read from the same bytes (a line holding a document of several
    /// trajectories), from 0.
    pub part: u32,
}

impl std::fmt::Display for RowKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "file {} at {}", self.file, self.position)?;
        if self.part > 0 {
            write!(f, " (part {})", self.part)?;
        }
        Ok(())
    }
}

/// Admits each [`RowKey`] once, in increasing order; counts what it turned away.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OnceGuard {
    last: Option<RowKey>,
    /// Rows handed on again (a key not after the last one admitted) and not admitted (count).
    pub repeated: u64,
}

impl OnceGuard {
    /// Whether the row at `key` is new (and then takes it as the last one).
    pub fn admit(&mut self, key: RowKey) -> bool {
        if self.last.is_some_and(|last| key <= last) {
            self.repeated += 1;
            return false;
        }
        self.last = Some(key);
        true
    }

    /// Forgets every key (the read started again from zero); `repeated` is kept.
    pub fn reset(&mut self) {
        self.last = None;
    }
}
