//! Shards: `load --shard i/n` runs the i-th of n independent processes (0-based, as Kubernetes'
//! `JOB_COMPLETION_INDEX` and CI matrices count). Each takes its share of the users or of the
//! rate and a name space of its own; `merge` adds their histograms. No process coordinates with
//! another: the split is a function of `i`, `n` and the totals alone.

use crate::load::LoadError;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// At most this many shards (the index is written into group names in two base-32 digits).
pub const MAX_SHARDS: usize = 1024;

impl FromStr for Shard {
    type Err = LoadError;

    fn from_str(text: &str) -> Result<Shard, LoadError> {
        let usage =
            || format!("--shard '{text}': expected i/n with 0 <= i < n <= {MAX_SHARDS}, e.g. 0/4");
        let (i, n) = text.trim().split_once('/').ok_or_else(usage)?;
        let index: usize = i.trim().parse().map_err(|_| usage())?;
        let count: usize = n.trim().parse().map_err(|_| usage())?;
        if count == 0 || index >= count || count > MAX_SHARDS {
            return Err(usage().into());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The whole run as one shard.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// This shard's users: an even split, the remainder going to the first shards, so the
    /// shares add up to `total`.
    pub fn users(&self, total: usize) -> usize {
        total / self.count + usize::from(self.index < total % self.count)
    }

    /// This shard's arrival rate.
    pub fn rate(&self, total: f64) -> f64 {
        total / self.count as f64
    }

    /// The name space of this shard's groups: `gc`, two random characters and the shard index
    /// in two base-32 digits, six characters like every run tag. Shards of one run never share a
    /// name, whatever the random part.
    pub fn run_tag(&self) -> String {
        if self.count == 1 {
            return crate::naming::run_tag();
        }
        let random = crate::naming::run_tag();
        format!(
            "{}{}{}",
            &random[..4],
            base32(self.index / 32),
            base32(self.index % 32)
        )
    }
}

/// One base-32 digit (Crockford's alphabet, as run tags use).
pub fn base32(digit: usize) -> char {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    ALPHABET[digit % 32] as char
}

/// `n` in base 32, at least `width` digits.
pub fn base32_number(mut n: u64, width: usize) -> String {
    let mut digits = Vec::new();
    while n > 0 || digits.len() < width {
        digits.push(base32((n % 32) as usize));
        n /= 32;
    }
    digits.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_split() {
        let s: Shard = "2/4".parse().unwrap();
        assert_eq!((s.index, s.count), (2, 4));
        for bad in ["4/4", "1", "a/b", "0/0", "-1/2", "0/2000"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let total: usize = (0..4).map(|i| Shard { index: i, count: 4 }.users(10)).sum();
        assert_eq!(total, 10);
        assert_eq!(Shard { index: 0, count: 4 }.users(10), 3);
        assert_eq!(Shard { index: 3, count: 4 }.users(10), 2);
        assert_eq!(Shard { index: 1, count: 4 }.rate(100.0), 25.0);
        let a = Shard { index: 1, count: 4 }.run_tag();
        let b = Shard { index: 2, count: 4 }.run_tag();
        assert_eq!(a.len(), 6);
        assert_ne!(a[4..], b[4..]);
        assert_eq!(base32_number(33, 2), "11");
        assert_eq!(base32_number(0, 2), "00");
    }
}
