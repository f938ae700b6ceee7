//! The ordering rule every plan keeps so that the execution role (template.yaml) allows each of
//! its calls, as an executable check. The execution role lets the function change a role,
//! policy or instance profile only while it carries the owner tag, and, with a required permissions boundary, grant
//! permissions to a role only once the boundary is on it. So:
//! - a role or policy is created with the owner tag, or claimed by tagging it (adoption);
//! - every other change to it happens in a later phase than the claim, and in an earlier phase
//!   than the one that removes the owner tag (give-back), never concurrently with either;
//! - with a required boundary: roles are created with it, it is never removed or replaced, and
//!   trust, inline policies and attachments change only on a role that already has it.
//!
//! Unit and property tests run this over every kind of plan (`converge`, `teardown`, `undo`,
//! `restore`); the authorization test (tests/authz.rs) checks the same calls against the
//! template with an IAM policy engine.

use crate::plan::OWNER_TAG_KEY;
use crate::plan::{ActualState, Op, Plan};
use std::collections::BTreeMap;

/// What the check tracks of one role or policy between phases.
#[derive(Debug, Clone, Default)]
struct Seen {
    owned: bool,
    boundary: Option<String>,
}

/// A role by name or a policy by name (IAM policy names are unique in an account, whatever
/// their path).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Entity {
    Role(String),
    Policy(String),
    InstanceProfile(String),
}

fn policy_name(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

/// The role, policy or instance profile whose tags decide whether the execution role allows
/// `op`. None for a role's removal from an instance profile (it may be someone else's profile
/// a role of this resource's is in) and for a service-linked role (never owned).
fn entity_of(op: &Op) -> Option<Entity> {
    Some(match op {
        Op::CreateRole { name, .. } => Entity::Role(name.clone()),
        Op::UpdateTrust { role, .. }
        | Op::PutBoundary { role, .. }
        | Op::DeleteBoundary { role }
        | Op::TagRole { role, .. }
        | Op::UntagRole { role, .. }
        | Op::AttachPolicy { role, .. }
        | Op::DetachPolicy { role, .. }
        | Op::PutInlinePolicy { role, .. }
        | Op::DeleteInlinePolicy { role, .. }
        | Op::DeleteRole { role } => Entity::Role(role.clone()),
        Op::RemoveFromInstanceProfile { .. } | Op::CreateServiceLinkedRole { .. } => return None,
        Op::CreateInstanceProfile { name, .. }
        | Op::TagInstanceProfile { name, .. }
        | Op::UntagInstanceProfile { name, .. }
        | Op::DeleteInstanceProfile { name } => Entity::InstanceProfile(name.clone()),
        Op::AddToInstanceProfile { profile, .. } => Entity::InstanceProfile(profile.clone()),
        Op::CreatePolicy { name, .. } => Entity::Policy(name.clone()),
        Op::CreatePolicyVersion { arn, .. }
        | Op::DeletePolicyVersion { arn, .. }
        | Op::TagPolicy { arn, .. }
        | Op::UntagPolicy { arn, .. }
        | Op::DeletePolicy { arn } => Entity::Policy(policy_name(arn)),
    })
}

fn sets_owner(op: &Op) -> bool {
    match op {
        Op::TagRole { tags, .. }
        | Op::TagPolicy { tags, .. }
        | Op::TagInstanceProfile { tags, .. } => tags.contains_key(OWNER_TAG_KEY),
        _ => false,
    }
}

fn removes_owner(op: &Op) -> bool {
    match op {
        Op::UntagRole { keys, .. }
        | Op::UntagPolicy { keys, .. }
        | Op::UntagInstanceProfile { keys, .. } => keys.iter().any(|k| k == OWNER_TAG_KEY),
        _ => false,
    }
}

/// Every call of `plan`, run against `actual`, that the execution role would refuse because of
/// the order of the phases; empty when the plan keeps the rule. `required_boundary` is the
/// operator's RequiredPermissionsBoundaryArn.
pub fn violations(
    plan: &Plan,
    actual: &ActualState,
    required_boundary: Option<&str>,
) -> Vec<String> {
    let mut seen: BTreeMap<Entity, Seen> = BTreeMap::new();
    for (name, role) in &actual.roles {
        seen.insert(
            Entity::Role(name.clone()),
            Seen {
                owned: role.tags.contains_key(OWNER_TAG_KEY),
                boundary: role.permissions_boundary.clone(),
            },
        );
    }
    for (arn, policy) in &actual.policies {
        seen.insert(
            Entity::Policy(policy_name(arn)),
            Seen {
                owned: policy.tags.contains_key(OWNER_TAG_KEY),
                boundary: None,
            },
        );
    }

    for (name, profile) in &actual.instance_profiles {
        seen.insert(
            Entity::InstanceProfile(name.clone()),
            Seen {
                owned: profile.tags.contains_key(OWNER_TAG_KEY),
                boundary: None,
            },
        );
    }

    let mut found = vec![];
    for (index, phase) in plan.phases.iter().enumerate() {
        let at = |op: &Op| format!("phase {} ({:?}): {op}", index + 1, phase.stage);
        // How many calls of this phase act on each entity.
        let mut calls: BTreeMap<Entity, usize> = BTreeMap::new();
        for entity in phase.ops.iter().filter_map(entity_of) {
            *calls.entry(entity).or_default() += 1;
        }
        for op in &phase.ops {
            let Some(entity) = entity_of(op) else {
                continue;
            };
            let before = seen.get(&entity).cloned();
            let owned = before.as_ref().is_some_and(|s| s.owned);
            match op {
                Op::CreateRole {
                    tags,
                    permissions_boundary,
                    ..
                } => {
                    if !tags.contains_key(OWNER_TAG_KEY) {
                        found.push(format!("{}: created without the owner tag", at(op)));
                    }
                    if required_boundary.is_some()
                        && permissions_boundary.as_deref() != required_boundary
                    {
                        found.push(format!("{}: created without the required boundary", at(op)));
                    }
                }
                Op::CreatePolicy { tags, .. } | Op::CreateInstanceProfile { tags, .. } => {
                    if !tags.contains_key(OWNER_TAG_KEY) {
                        found.push(format!("{}: created without the owner tag", at(op)));
                    }
                }
                _ if sets_owner(op) && !owned => {
                    // A claim: nothing else may touch the entity while it is being tagged.
                    if calls[&entity] > 1 {
                        found.push(format!(
                            "{}: other calls on it run in the same phase as the tag that claims it",
                            at(op)
                        ));
                    }
                }
                _ => {
                    if !owned {
                        found.push(format!(
                            "{}: it does not carry the owner tag when this phase starts",
                            at(op)
                        ));
                    } else if removes_owner(op) && calls[&entity] > 1 {
                        found.push(format!(
                            "{}: other calls on it run in the same phase as the removal of its owner tag",
                            at(op)
                        ));
                    }
                }
            }
            if let Some(required) = required_boundary {
                let has_boundary =
                    before.as_ref().and_then(|s| s.boundary.as_deref()) == Some(required);
                match op {
                    Op::UpdateTrust { .. }
                    | Op::PutInlinePolicy { .. }
                    | Op::AttachPolicy { .. }
                        if !has_boundary =>
                    {
                        found.push(format!(
                            "{}: the role does not have the required boundary yet",
                            at(op)
                        ))
                    }
                    Op::PutBoundary { arn, .. } if arn != required => found.push(format!(
                        "{}: replaces the required boundary with another",
                        at(op)
                    )),
                    Op::DeleteBoundary { .. } => {
                        found.push(format!("{}: removes the required boundary", at(op)))
                    }
                    _ => {}
                }
            }
        }
        // The phase has run: what it created, claimed, released, bounded and deleted.
        for op in &phase.ops {
            let Some(entity) = entity_of(op) else {
                continue;
            };
            match op {
                Op::CreateRole {
                    tags,
                    permissions_boundary,
                    ..
                } => {
                    seen.insert(
                        entity,
                        Seen {
                            owned: tags.contains_key(OWNER_TAG_KEY),
                            boundary: permissions_boundary.clone(),
                        },
                    );
                }
                Op::CreatePolicy { tags, .. } | Op::CreateInstanceProfile { tags, .. } => {
                    seen.insert(
                        entity,
                        Seen {
                            owned: tags.contains_key(OWNER_TAG_KEY),
                            boundary: None,
                        },
                    );
                }
                Op::PutBoundary { arn, .. } => {
                    seen.entry(entity).or_default().boundary = Some(arn.clone())
                }
                Op::DeleteBoundary { .. } => seen.entry(entity).or_default().boundary = None,
                Op::DeleteRole { .. }
                | Op::DeletePolicy { .. }
                | Op::DeleteInstanceProfile { .. } => {
                    seen.remove(&entity);
                }
                _ if sets_owner(op) => seen.entry(entity).or_default().owned = true,
                _ if removes_owner(op) => seen.entry(entity).or_default().owned = false,
                _ => {}
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{ActualRole, Phase, Stage};
    use serde_json::json;

    const OWNER: &str = "stack-R-abc";

    fn phase(stage: Stage, ops: Vec<Op>) -> Phase {
        Phase { stage, ops }
    }

    fn owner_tag(owner: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(OWNER_TAG_KEY.to_string(), owner.to_string())])
    }

    #[test]
    fn a_claim_or_a_release_alongside_other_calls_is_caught() {
        let role = "adopted".to_string();
        let mut actual = ActualState::default();
        actual.roles.insert(
            role.clone(),
            ActualRole {
                name: role.clone(),
                path: "/".into(),
                ..Default::default()
            },
        );
        let claim = Op::TagRole {
            role: role.clone(),
            tags: owner_tag(OWNER),
        };
        let trust = Op::UpdateTrust {
            role: role.clone(),
            trust: json!({}),
        };
        let together = Plan {
            phases: vec![phase(Stage::Own, vec![claim.clone(), trust.clone()])],
        };
        assert_eq!(violations(&together, &actual, None).len(), 2, "{together}");
        let in_order = Plan {
            phases: vec![
                phase(Stage::Own, vec![claim.clone()]),
                phase(Stage::Grant, vec![trust.clone()]),
            ],
        };
        assert!(violations(&in_order, &actual, None).is_empty());

        actual.roles.get_mut(&role).unwrap().tags = owner_tag(OWNER);
        let release = Op::UntagRole {
            role: role.clone(),
            keys: vec![OWNER_TAG_KEY.to_string()],
        };
        let released_early = Plan {
            phases: vec![
                phase(Stage::Release, vec![release.clone()]),
                phase(Stage::Revoke, vec![trust.clone()]),
            ],
        };
        let found = violations(&released_early, &actual, None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("does not carry the owner tag"),
            "{found:?}"
        );
        let concurrent = Plan {
            phases: vec![phase(Stage::Revoke, vec![trust, release])],
        };
        assert_eq!(violations(&concurrent, &actual, None).len(), 1);
    }
}
