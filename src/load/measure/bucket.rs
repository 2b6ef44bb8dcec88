//! Group-size buckets: requests are grouped by the size of the group they act on, by decade
//! (`10`, `100`, `1k`, … `1M`, `10M`): a bucket holds the sizes above the previous label up to its
//! own (`1k` is 101 to 1,000 members). Requests that act on no group (`list`) go in `-`.

/// The bucket labels, smallest first, with the largest size each holds.
const BUCKETS: [(&str, u64); 7] = [
    ("10", 10),
    ("100", 100),
    ("1k", 1_000),
    ("10k", 10_000),
    ("100k", 100_000),
    ("1M", 1_000_000),
    ("10M", 10_000_000),
];

/// The label of requests that act on no group.
pub const NO_GROUP: &str = "-";
/// Sizes beyond the largest bucket.
const BEYOND: &str = "10M+";

/// The bucket of a group of `size` members (`None`: no group).
pub fn of(size: Option<usize>) -> &'static str {
    let Some(size) = size else { return NO_GROUP };
    BUCKETS
        .iter()
        .find(|(_, max)| size as u64 <= *max)
        .map_or(BEYOND, |(label, _)| label)
}

/// Whether `label` names a bucket (for thresholds).
pub fn is_label(label: &str) -> bool {
    label == NO_GROUP || label == BEYOND || BUCKETS.iter().any(|(l, _)| *l == label)
}

/// Every label, in size order, for messages and sorting.
pub fn labels() -> impl Iterator<Item = &'static str> {
    std::iter::once(NO_GROUP)
        .chain(BUCKETS.iter().map(|(l, _)| *l))
        .chain(std::iter::once(BEYOND))
}

/// Sort key of a label: its position in size order (unknown labels last).
pub fn order(label: &str) -> usize {
    labels().position(|l| l == label).unwrap_or(usize::MAX)
}

/// How a label reads in a table: `≤1k`, or `-`.
pub fn display(label: &str) -> String {
    match label {
        NO_GROUP => "no group".to_owned(),
        BEYOND => ">10M".to_owned(),
        l => format!("≤{l}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decades() {
        assert_eq!(of(None), "-");
        assert_eq!(of(Some(0)), "10");
        assert_eq!(of(Some(10)), "10");
        assert_eq!(of(Some(11)), "100");
        assert_eq!(of(Some(1_000)), "1k");
        assert_eq!(of(Some(1_001)), "10k");
        assert_eq!(of(Some(1_000_000)), "1M");
        assert_eq!(of(Some(20_000_000)), "10M+");
        assert!(is_label("100k") && !is_label("5k"));
        assert!(order("10") < order("1k") && order("1k") < order("1M"));
        assert_eq!(display("1k"), "≤1k");
    }
}
