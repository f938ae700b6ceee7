//! The ordering rule every plan keeps so that the execution role (template.yaml) allows each of
//! its calls, as an executable check. The execution role lets the function change a role or
//! policy only while it carries the owner tag, and, with a required permissions boundary, grant
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

use crate::plan::{ActualState, Op, Plan};
use crate::spec::OWNER_TAG_KEY;
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
}

fn policy_name(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

/// The role or policy whose tags decide whether the execution role allows `op`. None for an
/// instance profile removal, whose resource is the profile.
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
        Op::RemoveFromInstanceProfile { .. } => return None,
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
        Op::TagRole { tags, .. } | Op::TagPolicy { tags, .. } => tags.contains_key(OWNER_TAG_KEY),
        _ => false,
    }
}

fn removes_owner(op: &Op) -> bool {
    match op {
        Op::UntagRole { keys, .. } | Op::UntagPolicy { keys, .. } => {
            keys.iter().any(|k| k == OWNER_TAG_KEY)
        }
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
                Op::CreatePolicy { tags, .. } => {
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
                Op::CreatePolicy { tags, .. } => {
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
                Op::DeleteRole { .. } | Op::DeletePolicy { .. } => {
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
    use crate::adoption::AdoptionRecord;
    use crate::plan::fixtures::{all_five, as_actual, desired, OWNER};
    use crate::plan::{converge, teardown, undo, Created, Ownership, Phase, Stage};
    use proptest::prelude::*;
    use serde_json::{json, Value};

    const BOUNDARY: &str = "arn:aws:iam::123456789012:policy/Boundary";

    fn with_boundary(mut properties: Value) -> Value {
        properties["PermissionsBoundary"] = json!(BOUNDARY);
        properties
    }

    fn phase(stage: Stage, ops: Vec<Op>) -> Phase {
        Phase { stage, ops }
    }

    fn owner_tag(owner: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(OWNER_TAG_KEY.to_string(), owner.to_string())])
    }

    #[test]
    fn create_update_and_delete_keep_the_rule() {
        for required in [None, Some(BOUNDARY)] {
            let properties = match required {
                Some(_) => with_boundary(all_five()),
                None => all_five(),
            };
            let want = desired(properties);
            let nothing = ActualState::default();
            let create = converge(&want, &nothing, &Ownership::sole(OWNER)).unwrap();
            assert_eq!(
                violations(&create, &nothing, required),
                Vec::<String>::new()
            );
            let created = as_actual(&want);
            let delete = teardown(&created, OWNER, required);
            assert_eq!(
                violations(&delete, &created, required),
                Vec::<String>::new()
            );
        }
    }

    #[test]
    fn a_claim_or_a_release_alongside_other_calls_is_caught() {
        let role = "adopted".to_string();
        let mut actual = ActualState::default();
        actual.roles.insert(
            role.clone(),
            crate::plan::ActualRole {
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

    #[test]
    fn with_a_required_boundary_grants_wait_for_it() {
        let want = desired(with_boundary(
            json!({"Roles": {"Task": {"ClusterName": "c"}}}),
        ));
        let mut actual = as_actual(&want);
        let role = actual.roles.values_mut().next().unwrap();
        // Made before the operator required the boundary, and drifted since.
        role.permissions_boundary = None;
        role.inline_policies.clear();
        let plan = converge(&want, &actual, &Ownership::sole(OWNER)).unwrap();
        assert_eq!(
            violations(&plan, &actual, Some(BOUNDARY)),
            Vec::<String>::new(),
            "{plan}"
        );
        let stages: Vec<Stage> = plan.phases.iter().map(|p| p.stage).collect();
        assert_eq!(stages, [Stage::Bound, Stage::Grant], "{plan}");
        let flattened = Plan {
            phases: vec![phase(Stage::Grant, plan.ops().cloned().collect())],
        };
        let found = violations(&flattened, &actual, Some(BOUNDARY));
        assert!(
            found[0].contains("does not have the required boundary yet"),
            "{found:?}"
        );
        let removal = Plan {
            phases: vec![phase(
                Stage::Bound,
                vec![Op::DeleteBoundary {
                    role: want.roles[0].name.clone(),
                }],
            )],
        };
        assert_eq!(violations(&removal, &actual, Some(BOUNDARY)).len(), 1);
    }

    /// How one role of the desired state stands in IAM before a request.
    #[derive(Debug, Clone)]
    enum RoleCase {
        Missing,
        Owned,
        OwnedByPrevious,
        Unowned,
        Adopted,
    }

    fn role_case() -> impl Strategy<Value = RoleCase> {
        prop_oneof![
            Just(RoleCase::Missing),
            Just(RoleCase::Owned),
            Just(RoleCase::OwnedByPrevious),
            Just(RoleCase::Unowned),
            Just(RoleCase::Adopted),
        ]
    }

    /// Per role: its case, and drift (trust, a policy detached, boundary gone, an inline gone).
    type RoleDraw = (RoleCase, bool, bool, bool, bool);

    /// An actual state around `want`: each role in one of the cases, with or without drift.
    fn actual_state(
        want: &crate::desired::DesiredState,
        draws: &[RoleDraw],
        policies_exist: bool,
    ) -> ActualState {
        let mut actual = as_actual(want);
        if !policies_exist {
            actual.policies.clear();
        }
        for (role, (case, trust, detach, unbound, no_inline)) in want.roles.iter().zip(draws) {
            let found = actual.roles.get_mut(&role.name).unwrap();
            if *trust {
                found.trust = json!({"Version": "2012-10-17", "Statement": []});
            }
            if *detach {
                found.managed_policy_arns.pop_first();
            }
            if *unbound {
                found.permissions_boundary = None;
            }
            if *no_inline {
                found.inline_policies.clear();
            }
            match case {
                RoleCase::Missing => {
                    actual.roles.remove(&role.name);
                }
                RoleCase::Owned => {}
                RoleCase::OwnedByPrevious => {
                    found.tags.insert(OWNER_TAG_KEY.into(), "previous".into());
                }
                RoleCase::Unowned => {
                    found.tags.clear();
                }
                RoleCase::Adopted => {
                    let record = AdoptionRecord {
                        attached: found.managed_policy_arns.iter().take(1).cloned().collect(),
                        trust: Some(json!({"Version": "2012-10-17", "Statement": []})),
                        boundary: Some(None),
                        ..Default::default()
                    };
                    found.tags.extend(record.to_tags());
                }
            }
        }
        actual
    }

    proptest! {
        #[test]
        fn every_plan_keeps_the_owner_tag_and_boundary_order(
            draws in proptest::collection::vec(
                (role_case(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
                5,
            ),
            policies_exist in any::<bool>(),
            boundary in any::<bool>(),
            adopt in any::<bool>(),
        ) {
            let required = boundary.then_some(BOUNDARY);
            let properties = if boundary { with_boundary(all_five()) } else { all_five() };
            let want = desired(properties);
            let actual = actual_state(&want, &draws, policies_exist);

            let ownership = Ownership {
                takes_over: &["previous"],
                adopt,
                ..Ownership::sole(OWNER)
            };
            if let Ok(plan) = converge(&want, &actual, &ownership) {
                prop_assert_eq!(violations(&plan, &actual, required), Vec::<String>::new(), "converge:\n{}", plan);
                // The request failed after all its calls: taking it back keeps the rule too.
                let after = as_actual(&want);
                let back = undo(&Created::from_ops(plan.ops()), &actual, &after, OWNER, required);
                prop_assert_eq!(violations(&back, &after, required), Vec::<String>::new(), "undo:\n{}", back);
            }
            let delete = teardown(&actual, OWNER, required);
            prop_assert_eq!(violations(&delete, &actual, required), Vec::<String>::new(), "teardown:\n{}", delete);
        }
    }
}
