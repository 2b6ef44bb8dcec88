//! A step's `capture` and `collect`, the one implementation `check`, `load` and `explore` share:
//! `capture: {group_id: /id}` sets a variable to the value at a JSON pointer of the answer's body;
//! `collect: {ids: /id}` appends it to a list. A scenario is therefore read the same way by every
//! command.

use super::Step;
use super::template::Vars;
use serde_json::Value;

/// Why a step's captures could not be applied (later steps depend on them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot capture from a body that is not JSON")]
    NotJson,
    #[error("cannot {verb} {name}: {pointer} is not in the response")]
    Missing {
        /// `capture` or `collect`.
        verb: &'static str,
        name: String,
        pointer: String,
    },
}

/// The value at a JSON pointer ("" is the whole body).
pub fn at(body: &Value, pointer: &str) -> Option<Value> {
    body.pointer(pointer).cloned()
}

/// Does the step capture or collect anything?
pub fn any(step: &Step) -> bool {
    !step.capture.is_empty() || !step.collect.is_empty()
}

/// Apply a step's `capture` and `collect` to the variables, from the answer's JSON body (`None`:
/// the body was not JSON).
pub fn apply(step: &Step, body: Option<&Value>, vars: &mut Vars) -> Result<(), CaptureError> {
    if !any(step) {
        return Ok(());
    }
    let body = body.ok_or(CaptureError::NotJson)?;
    let missing = |verb, name: &String, pointer: &String| CaptureError::Missing {
        verb,
        name: name.clone(),
        pointer: pointer.clone(),
    };
    for (name, pointer) in &step.capture {
        let value = at(body, pointer).ok_or_else(|| missing("capture", name, pointer))?;
        vars.insert(name.clone(), value);
    }
    for (name, pointer) in &step.collect {
        let value = at(body, pointer).ok_or_else(|| missing("collect", name, pointer))?;
        match vars
            .entry(name.clone())
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            Value::Array(items) => items.push(value),
            other => *other = Value::Array(vec![value]),
        }
    }
    Ok(())
}
