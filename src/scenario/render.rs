//! Rendering a step with the variables into the request it sends, shared by `check` and `load`.

use crate::client::HttpRequest;
use crate::scenario::template::{RenderError, Vars, render_str, render_value, variables_in};
use crate::scenario::{Expect, Operation, Plan, Step};
use serde_json::Value;

/// A step rendered into a request.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub request: HttpRequest,
    pub op: Option<Operation>,
    /// The group id in the path.
    pub group: Option<String>,
    /// The JSON body as sent, when it is JSON.
    pub body: Option<Value>,
}

impl Rendered {
    /// How many members the body sends (`members` of a create or replace).
    pub fn members_sent(&self) -> Option<usize> {
        self.body
            .as_ref()
            .and_then(|b| b.get("members"))
            .and_then(Value::as_array)
            .map(Vec::len)
    }

    /// The operation's name for reports: one of the seven, or `other`.
    pub fn op_name(&self) -> &'static str {
        self.op.map_or("other", Operation::name)
    }
}

/// Render a step with the variables.
pub fn render(step: &Step, vars: &Vars) -> Result<Rendered, RenderError> {
    let group = match (&step.request, &step.group) {
        (Some(op), g) if op.takes_group() => {
            Some(render_str(g.as_deref().unwrap_or("{group_id}"), vars)?)
        }
        _ => None,
    };
    let (method, path) = match (&step.request, &step.method, &step.path) {
        (Some(op), _, _) => (
            op.method().to_owned(),
            op.path(group.as_deref().unwrap_or("")),
        ),
        (None, Some(m), Some(p)) => (m.to_ascii_uppercase(), render_str(p, vars)?),
        _ => return Err("a step needs `request` or `method` and `path`".into()),
    };
    let (op, group) = match step.request {
        Some(op) => (Some(op), group),
        // A path below /emulator/ is none of the seven operations, whatever it looks like.
        None if step.emulator => (None, None),
        None => Operation::classify(&method, &path).map_or((None, None), |(op, g)| (Some(op), g)),
    };
    let mut query = Vec::with_capacity(step.query.len());
    for (k, v) in &step.query {
        let value = match render_value(v, vars)? {
            Value::String(s) => s,
            other => other.to_string(),
        };
        query.push((k.clone(), value));
    }
    let (body, bytes) = match (&step.body, &step.raw_body) {
        (Some(b), _) => {
            let value = render_value(b, vars)?;
            let bytes = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
            (Some(value), Some(bytes))
        }
        (None, Some(raw)) => (None, Some(render_str(raw, vars)?.into_bytes())),
        (None, None) => (None, None),
    };
    let mut headers = Vec::with_capacity(step.headers.len());
    for (k, v) in &step.headers {
        headers.push((k.clone(), render_str(v, vars)?));
    }
    Ok(Rendered {
        request: HttpRequest {
            method,
            path,
            query,
            headers,
            body: bytes,
            auth: step.auth,
            second_plan: step.plan == Plan::Second,
            emulator: step.emulator,
        },
        op,
        group,
        body,
    })
}

/// Render the templated parts of an expectation.
/// The variables [`render_expect`] reads: its result depends on their values alone.
pub fn expect_variables(expect: &Expect) -> Vec<String> {
    let mut names = Vec::new();
    let values = [&expect.body, &expect.body_exact, &expect.members];
    for value in values.into_iter().flatten() {
        variables_in(value, &mut names);
    }
    for m in &expect.matches {
        let options = m.one_of.iter().flatten();
        for value in m.equals.iter().chain(&m.excludes).chain(options) {
            variables_in(value, &mut names);
        }
    }
    names
}

pub fn render_expect(expect: &Expect, vars: &Vars) -> Result<Expect, RenderError> {
    let value = |v: &Option<Value>| v.as_ref().map(|v| render_value(v, vars)).transpose();
    let mut out = expect.clone();
    out.body = value(&expect.body)?;
    out.body_exact = value(&expect.body_exact)?;
    out.members = value(&expect.members)?;
    for m in &mut out.matches {
        m.equals = value(&m.equals)?;
        m.excludes = value(&m.excludes)?;
        if let Some(options) = &m.one_of {
            m.one_of = Some(
                options
                    .iter()
                    .map(|o| render_value(o, vars))
                    .collect::<Result<_, _>>()?,
            );
        }
    }
    Ok(out)
}
