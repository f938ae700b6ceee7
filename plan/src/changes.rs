//! The IAM operations of a plan (`ecs_iam_roles::plan::Op`), as the changes a reviewer reads:
//! `+`/`-` per statement, trust principal and condition, managed policy, tag; a role, policy
//! or instance profile made or deleted. Each change is a JSON object
//! `{"op": "add"|"remove"|"replace", "role": NAME|null, "what": ..., "value": ...}`.

use ecs_iam_roles::desired::DesiredState;
use ecs_iam_roles::plan::{
    is_bookkeeping_key, normalize_policy, same_policy, ActualState, Op, Plan,
};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

mod of_plan;
pub use of_plan::of_plan;

/// One change, as JSON.
fn change(op: &str, role: Option<&str>, what: &str, value: Value) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("op".into(), Value::from(op));
    c.insert("role".into(), role.map(Value::from).unwrap_or(Value::Null));
    c.insert("what".into(), Value::from(what));
    c.insert("value".into(), value);
    c
}

/// The statements of a policy document (a lone statement object is a list of one).
pub fn statements(document: Option<&Value>) -> Vec<Value> {
    match document.and_then(|d| d.get("Statement")) {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => vec![],
    }
}

/// A statement in the form IAM compares it in (`plan::normalize_policy`).
fn normalized(statement: &Value) -> Value {
    let document = normalize_policy(&json!({"Statement": [statement]}));
    document["Statement"][0].clone()
}

/// The statements only `old` has, and those only `new` has (as IAM compares them), each as
/// its document writes it.
pub fn statement_diff(old: Option<&Value>, new: Option<&Value>) -> (Vec<Value>, Vec<Value>) {
    let (old, new) = (statements(old), statements(new));
    let mut unmatched: Vec<(Value, &Value)> = new.iter().map(|s| (normalized(s), s)).collect();
    let mut removed = vec![];
    for statement in &old {
        let key = normalized(statement);
        match unmatched.iter().position(|(k, _)| *k == key) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => removed.push(statement.clone()),
        }
    }
    let added = unmatched.into_iter().map(|(_, s)| s.clone()).collect();
    (removed, added)
}

/// Who a trust policy lets assume the role: `{"Service": "..."}`, `{"AWS": "..."}`.
fn principals(document: Option<&Value>) -> Vec<Value> {
    let mut out = vec![];
    for statement in statements(document) {
        match statement.get("Principal") {
            Some(Value::Object(map)) => {
                for (key, value) in map {
                    let values = match value {
                        Value::Array(items) => items.clone(),
                        one => vec![one.clone()],
                    };
                    for v in values {
                        let p = json!({ key.as_str(): v });
                        if !out.contains(&p) {
                            out.push(p);
                        }
                    }
                }
            }
            Some(other) if !out.contains(other) => out.push(other.clone()),
            _ => {}
        }
    }
    out
}

/// The conditions of a trust policy's statements.
fn conditions(document: Option<&Value>) -> Vec<Value> {
    statements(document)
        .iter()
        .filter_map(|s| s.get("Condition").cloned())
        .collect()
}

fn condition_key(condition: &Value) -> Value {
    normalized(&json!({"Condition": condition}))
}

/// A trust policy's changes: principals and conditions added and removed, or (when only
/// something else differs) its statements.
fn trust_changes(role: &str, old: Option<&Value>, new: Option<&Value>) -> Vec<Map<String, Value>> {
    let mut out = vec![];
    let (old_p, new_p) = (principals(old), principals(new));
    for p in old_p.iter().filter(|p| !new_p.contains(p)) {
        out.push(trust(role, "remove", "principal", p.clone()));
    }
    for p in new_p.iter().filter(|p| !old_p.contains(p)) {
        out.push(trust(role, "add", "principal", p.clone()));
    }
    let (old_c, new_c) = (conditions(old), conditions(new));
    let old_keys: Vec<Value> = old_c.iter().map(condition_key).collect();
    let new_keys: Vec<Value> = new_c.iter().map(condition_key).collect();
    for (c, k) in old_c.iter().zip(&old_keys) {
        if !new_keys.contains(k) {
            out.push(trust(role, "remove", "condition", c.clone()));
        }
    }
    for (c, k) in new_c.iter().zip(&new_keys) {
        if !old_keys.contains(k) {
            out.push(trust(role, "add", "condition", c.clone()));
        }
    }
    let differ = match (old, new) {
        (Some(a), Some(b)) => !same_policy(a, b),
        (a, b) => a.is_some() != b.is_some(),
    };
    if out.is_empty() && differ {
        let (removed, added) = statement_diff(old, new);
        out.extend(
            removed
                .into_iter()
                .map(|s| trust(role, "remove", "statement", s)),
        );
        out.extend(
            added
                .into_iter()
                .map(|s| trust(role, "add", "statement", s)),
        );
    }
    out
}

fn trust(role: &str, op: &str, part: &str, value: Value) -> Map<String, Value> {
    let mut c = change(op, Some(role), "trust", value);
    c.insert("part".into(), Value::from(part));
    c
}

fn statement_changes(
    role: Option<&str>,
    policy: &str,
    policy_type: &str,
    old: Option<&Value>,
    new: Option<&Value>,
) -> Vec<Map<String, Value>> {
    let (removed, added) = statement_diff(old, new);
    let with = |op: &str, s: Value| {
        let mut c = change(op, role, "statement", s);
        c.insert("policy".into(), Value::from(policy));
        c.insert("policyType".into(), Value::from(policy_type));
        c
    };
    let mut out: Vec<_> = removed.into_iter().map(|s| with("remove", s)).collect();
    out.extend(added.into_iter().map(|s| with("add", s)));
    out
}

fn tag_value(key: &str, value: &str) -> Value {
    json!({"key": key, "value": value})
}

/// The tag changes of setting `set` on an entity that has `have` (user tags only).
fn tags_set(
    role: Option<&str>,
    entity: Option<&str>,
    set: &BTreeMap<String, String>,
    have: Option<&BTreeMap<String, String>>,
) -> Vec<Map<String, Value>> {
    let mut out = vec![];
    for (key, value) in set.iter().filter(|(k, _)| !is_bookkeeping_key(k)) {
        let before = have.and_then(|h| {
            h.iter()
                .find(|(k, _)| k.to_lowercase() == key.to_lowercase())
                .map(|(_, v)| v.clone())
        });
        let mut c = match before {
            Some(before) => {
                let mut c = change("replace", role, "tag", tag_value(key, value));
                c.insert("from".into(), tag_value(key, &before));
                c
            }
            None => change("add", role, "tag", tag_value(key, value)),
        };
        if let Some(entity) = entity {
            c.insert("entity".into(), Value::from(entity));
        }
        out.push(c);
    }
    out
}

fn tags_unset(
    role: Option<&str>,
    entity: Option<&str>,
    keys: &[String],
    have: Option<&BTreeMap<String, String>>,
) -> Vec<Map<String, Value>> {
    keys.iter()
        .filter(|k| !is_bookkeeping_key(k))
        .map(|key| {
            let value = have.and_then(|h| h.get(key)).cloned().unwrap_or_default();
            let mut c = change("remove", role, "tag", tag_value(key, &value));
            if let Some(entity) = entity {
                c.insert("entity".into(), Value::from(entity));
            }
            c
        })
        .collect()
}

/// The kind of a role, as the states name it.
fn kind_of(states: &[&DesiredState], role: &str) -> Option<&'static str> {
    states
        .iter()
        .flat_map(|s| s.roles.iter())
        .find(|r| r.name == role)
        .map(|r| r.kind.name())
}

/// The role a customer-managed policy belongs to.
fn role_of_policy<'s>(
    states: &[&'s DesiredState],
    actual: &'s ActualState,
    arn: &str,
) -> Option<&'s str> {
    let desired = states
        .iter()
        .flat_map(|s| s.roles.iter())
        .find(|r| r.managed_policy_arns.contains(arn))
        .map(|r| r.name.as_str());
    desired.or_else(|| {
        actual
            .roles
            .values()
            .find(|r| r.managed_policy_arns.contains(arn))
            .map(|r| r.name.as_str())
    })
}

fn policy_name(states: &[&DesiredState], arn: &str) -> String {
    states
        .iter()
        .flat_map(|s| s.policies.iter())
        .find(|p| p.arn == arn)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or(arn).to_string())
}

#[cfg(test)]
mod tests;
