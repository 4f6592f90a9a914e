//! A run as read, beside its exact bytes.

use super::Run;
use serde_json::value::RawValue;

/// A run as read, with its exact bytes when they are kept, so that a
/// saved response holds what the API sent, not our reading of it.
#[derive(Debug)]
pub struct RawRun {
    pub run: Run,
    pub raw: Option<Box<RawValue>>,
}
