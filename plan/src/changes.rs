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

/// The changes a plan makes to `actual`. `states` name the roles' kinds and the policies'
/// roles (the desired state, and the old one). What is deleted is one change (its
/// attachments and inline policies go with it).
pub fn of_plan(plan: &Plan, actual: &ActualState, states: &[&DesiredState]) -> Vec<Value> {
    let ops: Vec<&Op> = plan.ops().collect();
    let mut created_roles = BTreeSet::new();
    let mut deleted_roles = BTreeSet::new();
    let mut created_policies = BTreeSet::new();
    let mut deleted_policies = BTreeSet::new();
    let mut created_profiles = BTreeSet::new();
    let mut deleted_profiles = BTreeSet::new();
    for op in &ops {
        match op {
            Op::CreateRole { name, .. } => created_roles.insert(name.as_str()),
            Op::DeleteRole { role } => deleted_roles.insert(role.as_str()),
            Op::CreatePolicy { arn, .. } => created_policies.insert(arn.as_str()),
            Op::DeletePolicy { arn } => deleted_policies.insert(arn.as_str()),
            Op::CreateInstanceProfile { name, .. } => created_profiles.insert(name.as_str()),
            Op::DeleteInstanceProfile { name } => deleted_profiles.insert(name.as_str()),
            _ => false,
        };
    }
    let role_tags = |role: &str| actual.roles.get(role).map(|r| &r.tags);
    let mut out: Vec<Map<String, Value>> = vec![];
    for op in ops {
        match op {
            Op::CreateRole {
                name,
                trust,
                permissions_boundary,
                tags,
                path,
            } => {
                let value = json!({"name": name, "kind": kind_of(states, name), "path": path});
                out.push(change("add", Some(name), "role", value));
                out.extend(trust_changes(name, None, Some(trust)));
                if let Some(arn) = permissions_boundary {
                    out.push(change(
                        "add",
                        Some(name),
                        "permissionsBoundary",
                        Value::from(arn.as_str()),
                    ));
                }
                out.extend(tags_set(Some(name), None, tags, None));
            }
            Op::UpdateTrust { role, trust } => {
                let before = actual.roles.get(role).map(|r| &r.trust);
                out.extend(trust_changes(role, before, Some(trust)));
            }
            Op::PutBoundary { role, arn } => {
                let before = actual
                    .roles
                    .get(role)
                    .and_then(|r| r.permissions_boundary.clone());
                let mut c = match &before {
                    Some(_) => change(
                        "replace",
                        Some(role),
                        "permissionsBoundary",
                        Value::from(arn.as_str()),
                    ),
                    None => change(
                        "add",
                        Some(role),
                        "permissionsBoundary",
                        Value::from(arn.as_str()),
                    ),
                };
                if let Some(before) = before {
                    c.insert("from".into(), Value::from(before));
                }
                out.push(c);
            }
            Op::DeleteBoundary { role } => {
                let before = actual
                    .roles
                    .get(role)
                    .and_then(|r| r.permissions_boundary.clone());
                out.push(change(
                    "remove",
                    Some(role),
                    "permissionsBoundary",
                    before.map(Value::from).unwrap_or_default(),
                ));
            }
            Op::TagRole { role, tags } if !created_roles.contains(role.as_str()) => {
                out.extend(tags_set(Some(role), None, tags, role_tags(role)));
            }
            Op::UntagRole { role, keys } if !deleted_roles.contains(role.as_str()) => {
                out.extend(tags_unset(Some(role), None, keys, role_tags(role)));
            }
            Op::AttachPolicy { role, arn } => {
                out.push(change(
                    "add",
                    Some(role),
                    "managedPolicy",
                    Value::from(arn.as_str()),
                ));
            }
            Op::DetachPolicy { role, arn } if !deleted_roles.contains(role.as_str()) => {
                out.push(change(
                    "remove",
                    Some(role),
                    "managedPolicy",
                    Value::from(arn.as_str()),
                ));
            }
            Op::PutInlinePolicy {
                role,
                name,
                document,
            } => {
                let before = actual
                    .roles
                    .get(role)
                    .filter(|_| !created_roles.contains(role.as_str()))
                    .and_then(|r| r.inline_policies.get(name));
                out.extend(statement_changes(
                    Some(role),
                    name,
                    "inline",
                    before,
                    Some(document),
                ));
            }
            Op::DeleteInlinePolicy { role, name } if !deleted_roles.contains(role.as_str()) => {
                let before = actual
                    .roles
                    .get(role)
                    .and_then(|r| r.inline_policies.get(name))
                    .filter(|d| !d.is_null());
                match before {
                    Some(document) => out.extend(statement_changes(
                        Some(role),
                        name,
                        "inline",
                        Some(document),
                        None,
                    )),
                    None => out.push(change(
                        "remove",
                        Some(role),
                        "inlinePolicy",
                        Value::from(name.as_str()),
                    )),
                }
            }
            Op::CreateInstanceProfile { name, .. } => {
                let role = states
                    .iter()
                    .flat_map(|s| s.roles.iter())
                    .find(|r| r.instance_profile.as_ref().is_some_and(|p| &p.name == name))
                    .map(|r| r.name.as_str());
                out.push(change(
                    "add",
                    role,
                    "instanceProfile",
                    json!({"name": name}),
                ));
            }
            Op::AddToInstanceProfile { role, profile }
                if !created_profiles.contains(profile.as_str()) =>
            {
                out.push(change(
                    "add",
                    Some(role),
                    "instanceProfile",
                    json!({"name": profile}),
                ));
            }
            Op::RemoveFromInstanceProfile { role, profile }
                if !deleted_profiles.contains(profile.as_str())
                    && !deleted_roles.contains(role.as_str()) =>
            {
                out.push(change(
                    "remove",
                    Some(role),
                    "instanceProfile",
                    json!({"name": profile}),
                ));
            }
            Op::TagInstanceProfile { name, tags } if !created_profiles.contains(name.as_str()) => {
                let have = actual.instance_profiles.get(name).map(|p| &p.tags);
                let entity = format!("instance profile {name}");
                out.extend(tags_set(None, Some(&entity), tags, have));
            }
            Op::UntagInstanceProfile { name, keys }
                if !deleted_profiles.contains(name.as_str()) =>
            {
                let have = actual.instance_profiles.get(name).map(|p| &p.tags);
                let entity = format!("instance profile {name}");
                out.extend(tags_unset(None, Some(&entity), keys, have));
            }
            Op::DeleteInstanceProfile { name } => {
                let role = actual
                    .instance_profiles
                    .get(name)
                    .and_then(|p| p.roles.first())
                    .map(String::as_str);
                out.push(change(
                    "remove",
                    role,
                    "instanceProfile",
                    json!({"name": name}),
                ));
            }
            Op::CreateServiceLinkedRole {
                service_name,
                role_name,
            } => {
                let value = json!({"name": role_name, "serviceLinked": service_name});
                out.push(change("add", None, "role", value));
            }
            Op::DeleteRole { role } => {
                let value = json!({"name": role, "kind": kind_of(states, role)});
                out.push(change("remove", Some(role), "role", value));
            }
            Op::CreatePolicy {
                arn,
                name,
                document,
                ..
            } => {
                let role = role_of_policy(states, actual, arn);
                out.push(change(
                    "add",
                    role,
                    "customerPolicy",
                    json!({"name": name, "arn": arn}),
                ));
                out.extend(statement_changes(
                    role,
                    name,
                    "customer",
                    None,
                    Some(document),
                ));
            }
            Op::CreatePolicyVersion { arn, document } => {
                let role = role_of_policy(states, actual, arn);
                let before = actual.policies.get(arn).map(|p| &p.document);
                let name = policy_name(states, arn);
                out.extend(statement_changes(
                    role,
                    &name,
                    "customer",
                    before,
                    Some(document),
                ));
            }
            Op::TagPolicy { arn, tags } if !created_policies.contains(arn.as_str()) => {
                let have = actual.policies.get(arn).map(|p| &p.tags);
                let entity = format!("policy {}", policy_name(states, arn));
                out.extend(tags_set(
                    role_of_policy(states, actual, arn),
                    Some(&entity),
                    tags,
                    have,
                ));
            }
            Op::UntagPolicy { arn, keys } if !deleted_policies.contains(arn.as_str()) => {
                let have = actual.policies.get(arn).map(|p| &p.tags);
                let entity = format!("policy {}", policy_name(states, arn));
                out.extend(tags_unset(
                    role_of_policy(states, actual, arn),
                    Some(&entity),
                    keys,
                    have,
                ));
            }
            Op::DeletePolicy { arn } => {
                let role = role_of_policy(states, actual, arn);
                let value = json!({"name": policy_name(states, arn), "arn": arn});
                out.push(change("remove", role, "customerPolicy", value));
            }
            // Housekeeping, and what goes with something deleted or created in the same plan.
            _ => {}
        }
    }
    out.into_iter().map(Value::Object).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_compare_as_iam_compares_them() {
        let old = json!({"Statement": [
            {"Effect": "Allow", "Action": ["a:B"], "Resource": "*"},
            {"Effect": "Allow", "Action": "c:D", "Resource": "*"},
        ]});
        let new = json!({"Statement": [
            {"Effect": "Allow", "Action": "a:B", "Resource": ["*"]},
            {"Effect": "Allow", "Action": "e:F", "Resource": "*"},
        ]});
        let (removed, added) = statement_diff(Some(&old), Some(&new));
        assert_eq!(
            removed,
            [json!({"Effect": "Allow", "Action": "c:D", "Resource": "*"})]
        );
        assert_eq!(
            added,
            [json!({"Effect": "Allow", "Action": "e:F", "Resource": "*"})]
        );
    }

    #[test]
    fn trust_changes_name_principals_and_conditions() {
        let old = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "ec2.amazonaws.com"}}]});
        let new = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]});
        let changes = trust_changes("r", Some(&old), Some(&new));
        let parts: Vec<(String, String)> = changes
            .iter()
            .map(|c| {
                (
                    c["op"].as_str().unwrap().into(),
                    c["part"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(
            parts,
            [
                ("remove".into(), "principal".into()),
                ("add".into(), "principal".into()),
                ("add".into(), "condition".into())
            ]
        );
        assert!(trust_changes("r", Some(&new), Some(&new)).is_empty());
    }
}
