//! The load layer's error: a flow that cannot run under load, a threshold or shard that does not
//! parse, a histogram or summary that does not decode, a setup that failed, shards that do not
//! merge. Each is a sentence for the user; the command line makes it exit 2 or 3.

crate::error::message_error!(
    /// Why a load run, a capacity sweep or a merge cannot go on.
    LoadError
);

impl From<crate::scenario::template::RenderError> for LoadError {
    fn from(e: crate::scenario::template::RenderError) -> Self {
        LoadError(e.to_string())
    }
}
