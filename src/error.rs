//! How errors are shaped below the command line: each layer has its own `thiserror` type
//! (`scenario::ScenarioError` and `scenario::template::RenderError`, `client::ClientError`,
//! `check::DeleteError`, `load::LoadError`, `spec::SpecError`, `units::UnitError`,
//! `report::load::chart::ChartError`), and the command line wraps them in `cli::error::Error`,
//! whose [`crate::exit::ErrorKind`] decides the exit code in [`crate::exit::code`].
//!
//! [`message_error!`] declares a layer's error type whose value is a sentence for the user (most
//! of them are: "--rate must be a positive number", "setup step 2 failed: …").

/// Declare an error type that carries one message: `Display` (and `Deref` to `str`) is the message,
/// and it converts from `String` and `&str` so `?` and `.into()` build it.
macro_rules! message_error {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error("{0}")]
        pub struct $name(pub String);

        impl From<String> for $name {
            fn from(message: String) -> Self {
                $name(message)
            }
        }

        impl From<&str> for $name {
            fn from(message: &str) -> Self {
                $name(message.to_owned())
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            /// The message.
            fn deref(&self) -> &str {
                &self.0
            }
        }
    };
}

pub(crate) use message_error;
