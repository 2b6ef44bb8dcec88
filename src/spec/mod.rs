//! The documented contract as data, compiled once: the JSON Schemas of `specs/schemas/`, the
//! OpenAPI document and the rule catalogue of `specs/rules.yaml`. All are embedded in the binary,
//! so groupcheck works from any directory.

pub mod rules;
pub mod schemas;

pub use rules::{Catalogue, Level, Rule};
pub use schemas::{SchemaViolation, Schemas};

/// `specs/openapi.yaml`, as shipped.
pub const OPENAPI_YAML: &str = include_str!("../../specs/openapi.yaml");

crate::error::message_error!(
    /// The embedded specs do not compile or parse (a build defect; tests pin that they do).
    SpecError
);
