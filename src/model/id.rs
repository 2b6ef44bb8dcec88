//! Group ids and timestamps in the documented shapes.
//!
//! Ids: the documents show 26-character upper-case strings (`01FC66621VHDBN119Z8PMV1QPQ`), which
//! look like ULIDs; the model makes ULIDs (48-bit millisecond time, 80 random bits, Crockford
//! base32). Callers pass the time and the random bits, so this stays pure. Nothing may *require*
//! this shape of a target: ids are opaque (groups-api.md §2.4).
//!
//! Timestamps: "Format: YYYY-MM-DDThh:mm:ss.SSSZ", UTC with millisecond precision.

use super::Millis;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A ULID for the given millisecond time and 80 random bits (the high bits of `random` are ignored).
pub fn ulid(now: Millis, random: u128) -> String {
    let time_bits = (now.max(0) as u128) & ((1 << 48) - 1);
    let value = (time_bits << 80) | (random & ((1 << 80) - 1));
    (0..26)
        .rev()
        .map(|i| CROCKFORD[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// `YYYY-MM-DDThh:mm:ss.SSSZ` in UTC.
pub fn format_timestamp(ms: Millis) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_owned())
}

/// Parse any RFC 3339 date-time (with or without fractional seconds, any offset) to milliseconds.
pub fn parse_timestamp(text: &str) -> Option<Millis> {
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Whether a timestamp has the documented shape: UTC (`Z`) with exactly three fractional digits.
pub fn has_documented_precision(text: &str) -> bool {
    let bytes = text.as_bytes();
    parse_timestamp(text).is_some()
        && bytes.len() == 24
        && bytes[19] == b'.'
        && bytes[20..23].iter().all(u8::is_ascii_digit)
        && bytes[23] == b'Z'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulid_shape() {
        let id = ulid(1_700_000_000_123, 0xDEAD_BEEF_u128 << 40);
        assert_eq!(id.len(), 26);
        assert!(id.bytes().all(|b| CROCKFORD.contains(&b)));
        assert!(ulid(1, 0) < ulid(2, 0), "ids sort by time");
    }

    #[test]
    fn timestamps_round_trip_with_millis() {
        let ms = 1_566_656_122_156;
        let text = format_timestamp(ms);
        assert_eq!(text, "2019-08-24T14:15:22.156Z");
        assert_eq!(parse_timestamp(&text), Some(ms));
        assert!(has_documented_precision(&text));
        assert!(!has_documented_precision("2019-08-24T14:15:22Z"));
        assert_eq!(
            parse_timestamp("2019-08-24T14:15:22Z"),
            Some(1_566_656_122_000)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
