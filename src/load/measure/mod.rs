//! What a load run measures and how it is summarised: HDR histograms of latency ([`hdr`]), the
//! group-size buckets ([`bucket`]), the recorder of every answer and failure ([`record`]), the
//! process's peak memory ([`memory`]), the run interval by interval ([`timeline`]) and the run as
//! data, `summary.json` ([`summary`]).

pub mod bucket;
pub mod hdr;
pub mod memory;
pub mod record;
pub mod summary;
pub mod timeline;
