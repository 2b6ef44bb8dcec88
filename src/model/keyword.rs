//! `auto_update` keywords: what a simulated inbound SMS (an "MO") does to the groups of a plan
//! (groups-api.md §2.1: "Keyword to be sent in MO to add MSISDN to a group"; keywords "are not
//! case sensitive so *Sinch*, *SInCh*, *SINCH* … will all be treated the same").
//!
//! Pure code: the emulator's `POST /emulator/v1/{plan}/mo` parses its body into an [`Inbound`]
//! here and hands it to [`super::Store::inbound`]. Where the documents are silent, the choices
//! are in docs/decisions.md ("Simulated inbound SMS"):
//!
//! * [`words`]: a message is split on Unicode whitespace; each word is compared after Unicode
//!   lower-casing (`str::to_lowercase`) of both sides; punctuation is part of a word (`join!` is
//!   not `join`).
//! * [`Keywords::matches`]: the first word must equal `first_word`; when the keyword has a
//!   `second_word`, the second word must equal it too; further words are ignored.
//! * [`Effect`]: a group listens when its `auto_update.to` equals the message's `to` after
//!   normalisation; a message matching both its add and its remove keyword is applied like an
//!   update with the number in both lists: adds before removes, so the number ends up absent.
//!   Every listening group of the plan is considered on its own.

use super::error::ApiError;
use super::msisdn::{Msisdn, normalise_short_code_or_msisdn};
use super::request::{AutoUpdate, Keywords};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// A simulated inbound SMS, parsed and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The sender: the number a keyword adds or removes.
    pub from: Msisdn,
    /// The number or short code it was sent to, as digits (the `auto_update.to` it reaches).
    pub to: String,
    /// The message's words, lower-cased.
    pub words: Vec<String>,
}

impl Inbound {
    /// From the body `{"from": MSISDN, "to": NUMBER, "body": TEXT}`, with the emulator's codes:
    /// a missing field is 400 `syntax_constraint_violation`, a field of the wrong JSON type 400
    /// `syntax_invalid_json`, a malformed `from` or `to` 400 `syntax_invalid_parameter_format`.
    /// Unknown fields are ignored, as in every other request body.
    pub fn from_json(body: &Map<String, Value>) -> Result<Inbound, ApiError> {
        let from = text_field(body, "from")?;
        let to = text_field(body, "to")?;
        let text = text_field(body, "body")?;
        let from =
            Msisdn::parse(from).ok_or_else(|| ApiError::invalid_format("from", from, "MSISDN"))?;
        let to = normalise_short_code_or_msisdn(to)
            .ok_or_else(|| ApiError::invalid_format("to", to, "MSISDN or short code"))?;
        Ok(Inbound {
            from,
            to,
            words: words(text),
        })
    }

    /// What this message does to a group with these settings.
    pub fn effect_on(&self, auto_update: &AutoUpdate) -> Effect {
        if normalise_short_code_or_msisdn(&auto_update.to).as_deref() != Some(self.to.as_str()) {
            return Effect::default();
        }
        let matches = |k: &Option<Keywords>| k.as_ref().is_some_and(|k| k.matches(&self.words));
        Effect {
            add: matches(&auto_update.add),
            remove: matches(&auto_update.remove),
        }
    }
}

/// The words of a message: split on Unicode whitespace, empty pieces dropped, each lower-cased.
pub fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_lowercase).collect()
}

impl Keywords {
    /// Whether a message of these (lower-cased) words carries this keyword: its first word is
    /// `first_word` and, when there is a `second_word`, its second word is that one. Further words
    /// are ignored.
    pub fn matches(&self, words: &[String]) -> bool {
        let same = |word: Option<&String>, keyword: &str| {
            word.is_some_and(|w| *w == keyword.to_lowercase())
        };
        same(words.first(), &self.first_word)
            && self
                .second_word
                .as_deref()
                .is_none_or(|second| same(words.get(1), second))
    }
}

/// Which keywords of one group a message matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Effect {
    pub add: bool,
    pub remove: bool,
}

impl Effect {
    /// Whether the message matched any keyword of the group.
    pub fn matched(self) -> bool {
        self.add || self.remove
    }

    /// Apply to a group's members, adds before removes; returns whether the members changed.
    pub fn apply(self, members: &mut HashSet<Msisdn>, from: Msisdn) -> bool {
        let before = members.contains(&from);
        if self.add {
            members.insert(from);
        }
        if self.remove {
            members.remove(&from);
        }
        members.contains(&from) != before
    }
}

/// A required string field.
fn text_field<'a>(body: &'a Map<String, Value>, key: &str) -> Result<&'a str, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Err(ApiError::constraint(format!(
            "The field '{key}' is required."
        ))),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ApiError::invalid_json(format!(
            "The field '{key}' must be a string."
        ))),
    }
}

#[cfg(test)]
mod tests;
