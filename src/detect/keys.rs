//! Destination keys → dense indexes `0, 1, 2, …` in order of first sight.
//!
//! All key bytes live back to back in one buffer and the hash table holds only indexes, so
//! a new key costs no allocation of its own (only the amortized growth of three buffers), and
//! a known key is found by borrowing the row's bytes.

use std::hash::BuildHasher;

use hashbrown::hash_table::{Entry, HashTable};

/// Interns byte keys; see the module doc.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    /// Index of each key, hashed by the key's bytes.
    table: HashTable<usize>,
    /// The keys' bytes, in index order.
    bytes: Vec<u8>,
    /// Where key `i` ends in `bytes` (it starts where key `i - 1` ends).
    ends: Vec<usize>,
    hasher: foldhash::fast::RandomState,
    /// The key seen last: sorted input (tstats' order) repeats a key on consecutive rows.
    last: Option<usize>,
}

impl Keys {
    /// The index of `key`, new keys getting the next index.
    #[inline]
    pub(crate) fn index_of(&mut self, key: &[u8]) -> usize {
        if let Some(last) = self.last {
            if key_bytes(&self.bytes, &self.ends, last) == key {
                return last;
            }
        }
        let (bytes, ends, hasher) = (&self.bytes, &self.ends, &self.hasher);
        let index = match self.table.entry(
            hasher.hash_one(key),
            |&i| key_bytes(bytes, ends, i) == key,
            |&i| hasher.hash_one(key_bytes(bytes, ends, i)),
        ) {
            Entry::Occupied(entry) => *entry.get(),
            Entry::Vacant(entry) => {
                let index = ends.len();
                entry.insert(index);
                self.bytes.extend_from_slice(key);
                self.ends.push(self.bytes.len());
                index
            }
        };
        self.last = Some(index);
        index
    }
}

/// The bytes of key `i` (`""` if there is no such key).
#[inline]
fn key_bytes<'k>(bytes: &'k [u8], ends: &[usize], i: usize) -> &'k [u8] {
    let start = match i.checked_sub(1) {
        Some(previous) => ends.get(previous).copied().unwrap_or(0),
        None => 0,
    };
    let end = ends.get(i).copied().unwrap_or(start);
    bytes.get(start..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_in_order_of_first_sight() {
        let mut keys = Keys::default();
        let seen: Vec<usize> = ["b", "a", "a", "b", "c", "", "a", "ab", ""]
            .iter()
            .map(|k| keys.index_of(k.as_bytes()))
            .collect();
        assert_eq!(seen, [0, 1, 1, 0, 2, 3, 1, 4, 3]);
        assert_eq!(keys.ends.len(), 5);
        assert_eq!(key_bytes(&keys.bytes, &keys.ends, 4), b"ab");
        assert_eq!(key_bytes(&keys.bytes, &keys.ends, 9), b"");
    }

    #[test]
    fn many_keys_survive_table_growth() {
        let mut keys = Keys::default();
        for round in 0..2 {
            for i in 0..5000u32 {
                let key = format!("10.{}.{}", i / 256, i % 256);
                assert_eq!(keys.index_of(key.as_bytes()), i as usize, "round {round}");
            }
        }
        assert_eq!(keys.ends.len(), 5000);
    }
}
