//! A plan's operations as changes: `+`, `-` and `~` lines by role, policy and instance profile.

use super::*;

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
