//! The documented error model (groups-api.md §4): 400 and 403 carry `{"code", "text"}`.

use serde::Serialize;

/// The request JSON is invalid or does not conform to the API specification.
pub const SYNTAX_INVALID_JSON: &str = "syntax_invalid_json";
/// The format of a field value is invalid, for example a malformed MSISDN.
pub const SYNTAX_INVALID_PARAMETER_FORMAT: &str = "syntax_invalid_parameter_format";
/// The body does not fulfil the API's constraints (a missing required field, too many elements).
pub const SYNTAX_CONSTRAINT_VIOLATION: &str = "syntax_constraint_violation";
/// A referenced group id is unknown (child_groups, add_from_group, remove_from_group).
pub const UNKNOWN_GROUP: &str = "unknown_group";
/// The three documented 400 codes.
pub const SYNTAX_CODES: [&str; 3] = [
    SYNTAX_INVALID_JSON,
    SYNTAX_INVALID_PARAMETER_FORMAT,
    SYNTAX_CONSTRAINT_VIOLATION,
];
/// No documented code exists for 404; the emulator uses this one in its JSON body.
pub const NOT_FOUND: &str = "not_found";

/// An error answer of the API: an HTTP status and the `{"code", "text"}` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: u16,
    pub code: &'static str,
    pub text: String,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, text: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            text: text.into(),
        }
    }

    pub fn invalid_json(text: impl Into<String>) -> Self {
        Self::new(400, SYNTAX_INVALID_JSON, text)
    }

    pub fn invalid_format(field: &str, value: &str, what: &str) -> Self {
        Self::new(
            400,
            SYNTAX_INVALID_PARAMETER_FORMAT,
            format!(
                "The format of parameter '{field}' is invalid; value '{value}' is not a valid {what}."
            ),
        )
    }

    pub fn constraint(text: impl Into<String>) -> Self {
        Self::new(400, SYNTAX_CONSTRAINT_VIOLATION, text)
    }

    pub fn unknown_group(id: &str) -> Self {
        Self::new(
            403,
            UNKNOWN_GROUP,
            format!("Group '{id}' is unknown or deleted"),
        )
    }

    pub fn not_found(id: &str) -> Self {
        Self::new(
            404,
            NOT_FOUND,
            format!("Group '{id}' is unknown to the system"),
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.text)
    }
}

impl std::error::Error for ApiError {}
