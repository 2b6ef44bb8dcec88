//! What the oracle learns from a simulated inbound SMS (an `emulator: true` step to `/mo`): the
//! message is applied to the model like the emulator applies it (`model::keyword`), so later
//! views of the scenario's groups are still predicted. The oracle does not judge the answer (the
//! extension is no documented operation; the scenario's expectations do): where the target's
//! `changed` and the model's disagree on a group, that group is no longer predicted.

use super::Oracle;
use crate::client::Observation;
use crate::model::keyword::Inbound;
use crate::model::request::parse_body;
use serde_json::Value;

impl Oracle {
    /// Learn from a simulated inbound SMS sent with `body` and answered with `obs`.
    pub fn inbound(&mut self, body: Option<&[u8]>, obs: &Observation) {
        if !(200..300).contains(&obs.status) {
            return;
        }
        let reported: Vec<String> = obs
            .json()
            .and_then(|b| b.get("changed").and_then(Value::as_array).cloned())
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let message = body
            .and_then(|b| parse_body(b).ok())
            .and_then(|m| Inbound::from_json(&m).ok());
        // The model's clock does not matter: the oracle compares the target's timestamps only
        // with each other.
        let predicted = message.map(|m| self.store.inbound(&m, 0));
        let ids: Vec<String> = self.known.keys().cloned().collect();
        for id in ids {
            let by_target = reported.contains(&id);
            let agree = predicted
                .as_ref()
                .is_some_and(|p| p.contains(&id) == by_target);
            if (by_target || !agree)
                && let Some(k) = self.known.get_mut(&id)
            {
                k.changed_since_view = true;
            }
            if !agree {
                self.untrack(&id);
            }
        }
    }
}
