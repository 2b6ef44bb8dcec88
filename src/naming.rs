//! The names a run gives itself: its run id (the report directory, `reports/<run id>/`) and its
//! run tag (the prefix of every group it creates, so its groups are its own).

/// A run id that sorts by time: `20261122-081530-4f2a`.
pub fn run_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}-{:04x}",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        rand::random::<u16>()
    )
}

/// Six characters for this run's group names: `gc` and four random upper-case letters/digits.
pub fn run_tag() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let r: u32 = rand::random();
    let tail: String = (0..4)
        .map(|i| ALPHABET[((r >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("gc{tail}")
}
