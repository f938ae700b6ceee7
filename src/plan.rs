//! Desired vs actual → the IAM operations to run, grouped in phases. Pure: no network here.
//!
//! Operations within a phase do not depend on each other and run concurrently; a phase starts
//! when the previous one has finished. Creates come first, then what needs the created entities
//! (attachments, inline policies, new policy versions), then removals, so a role is never left
//! with fewer permissions than both the old and the new state grant.

use crate::desired::DesiredState;
use crate::spec::OWNER_TAG_KEY;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What IAM holds for a role this resource may own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActualRole {
    pub name: String,
    pub path: String,
    pub trust: Value,
    pub managed_policy_arns: BTreeSet<String>,
    pub inline_policies: BTreeMap<String, Value>,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub instance_profiles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyVersion {
    pub id: String,
    pub is_default: bool,
}

/// What IAM holds for a customer-managed policy this resource may own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActualPolicy {
    pub arn: String,
    pub document: Value,
    /// Oldest first.
    pub versions: Vec<PolicyVersion>,
    pub tags: BTreeMap<String, String>,
}

/// The roles (by name) and policies (by ARN) that exist; what is missing does not exist.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActualState {
    pub roles: BTreeMap<String, ActualRole>,
    pub policies: BTreeMap<String, ActualPolicy>,
}

/// One IAM write.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    CreateRole {
        name: String,
        path: String,
        trust: Value,
        permissions_boundary: Option<String>,
        tags: BTreeMap<String, String>,
    },
    UpdateTrust {
        role: String,
        trust: Value,
    },
    PutBoundary {
        role: String,
        arn: String,
    },
    DeleteBoundary {
        role: String,
    },
    TagRole {
        role: String,
        tags: BTreeMap<String, String>,
    },
    UntagRole {
        role: String,
        keys: Vec<String>,
    },
    AttachPolicy {
        role: String,
        arn: String,
    },
    DetachPolicy {
        role: String,
        arn: String,
    },
    PutInlinePolicy {
        role: String,
        name: String,
        document: Value,
    },
    DeleteInlinePolicy {
        role: String,
        name: String,
    },
    RemoveFromInstanceProfile {
        role: String,
        profile: String,
    },
    DeleteRole {
        role: String,
    },
    CreatePolicy {
        name: String,
        path: String,
        document: Value,
        tags: BTreeMap<String, String>,
    },
    CreatePolicyVersion {
        arn: String,
        document: Value,
    },
    DeletePolicyVersion {
        arn: String,
        version_id: String,
    },
    TagPolicy {
        arn: String,
        tags: BTreeMap<String, String>,
    },
    UntagPolicy {
        arn: String,
        keys: Vec<String>,
    },
    DeletePolicy {
        arn: String,
    },
}

impl Op {
    /// The IAM API action this operation calls.
    pub fn action(&self) -> &'static str {
        match self {
            Op::CreateRole { .. } => "CreateRole",
            Op::UpdateTrust { .. } => "UpdateAssumeRolePolicy",
            Op::PutBoundary { .. } => "PutRolePermissionsBoundary",
            Op::DeleteBoundary { .. } => "DeleteRolePermissionsBoundary",
            Op::TagRole { .. } => "TagRole",
            Op::UntagRole { .. } => "UntagRole",
            Op::AttachPolicy { .. } => "AttachRolePolicy",
            Op::DetachPolicy { .. } => "DetachRolePolicy",
            Op::PutInlinePolicy { .. } => "PutRolePolicy",
            Op::DeleteInlinePolicy { .. } => "DeleteRolePolicy",
            Op::RemoveFromInstanceProfile { .. } => "RemoveRoleFromInstanceProfile",
            Op::DeleteRole { .. } => "DeleteRole",
            Op::CreatePolicy { .. } => "CreatePolicy",
            Op::CreatePolicyVersion { .. } => "CreatePolicyVersion",
            Op::DeletePolicyVersion { .. } => "DeletePolicyVersion",
            Op::TagPolicy { .. } => "TagPolicy",
            Op::UntagPolicy { .. } => "UntagPolicy",
            Op::DeletePolicy { .. } => "DeletePolicy",
        }
    }

    /// The role or policy the operation acts on, for error messages.
    pub fn target(&self) -> String {
        match self {
            Op::CreateRole { name, .. } => format!("role {name}"),
            Op::UpdateTrust { role, .. }
            | Op::PutBoundary { role, .. }
            | Op::DeleteBoundary { role }
            | Op::TagRole { role, .. }
            | Op::UntagRole { role, .. }
            | Op::RemoveFromInstanceProfile { role, .. }
            | Op::DeleteRole { role } => format!("role {role}"),
            Op::AttachPolicy { role, arn } | Op::DetachPolicy { role, arn } => {
                format!("role {role} (policy {arn})")
            }
            Op::PutInlinePolicy { role, name, .. } | Op::DeleteInlinePolicy { role, name } => {
                format!("role {role} (inline policy {name})")
            }
            Op::CreatePolicy { name, .. } => format!("policy {name}"),
            Op::CreatePolicyVersion { arn, .. }
            | Op::DeletePolicyVersion { arn, .. }
            | Op::TagPolicy { arn, .. }
            | Op::UntagPolicy { arn, .. }
            | Op::DeletePolicy { arn } => format!("policy {arn}"),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.action(), self.target())
    }
}

/// Phases of operations: each phase's operations run concurrently.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub phases: Vec<Vec<Op>>,
}

impl Plan {
    fn from_phases(phases: Vec<Vec<Op>>) -> Plan {
        Plan {
            phases: phases.into_iter().filter(|p| !p.is_empty()).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.phases.is_empty()
    }

    pub fn ops(&self) -> impl Iterator<Item = &Op> {
        self.phases.iter().flatten()
    }

    /// The roles and policies this plan creates (to remove again if a later step fails).
    pub fn created(&self) -> (Vec<String>, Vec<String>) {
        let mut roles = vec![];
        let mut policies = vec![];
        for op in self.ops() {
            match op {
                Op::CreateRole { name, .. } => roles.push(name.clone()),
                Op::CreatePolicy { name, .. } => policies.push(name.clone()),
                _ => {}
            }
        }
        (roles, policies)
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no changes");
        }
        for (i, phase) in self.phases.iter().enumerate() {
            writeln!(f, "phase {}:", i + 1)?;
            for op in phase {
                writeln!(f, "  {op}")?;
            }
        }
        Ok(())
    }
}

/// A role or policy exists under the name this resource wants, and someone else owns it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entity} {name} already exists and is not owned by this resource ({owner}); it was left untouched. Choose another name, delete it, or set AdoptExisting: true to take it over")]
pub struct NotOwned {
    pub entity: &'static str,
    pub name: String,
    pub owner: String,
}

fn describe_owner(tags: &BTreeMap<String, String>) -> String {
    match tags.get(OWNER_TAG_KEY) {
        Some(owner) => format!("owner tag {owner}"),
        None => "no ownership tag".to_string(),
    }
}

/// A policy document in a canonical form, so that documents IAM considers equal compare equal:
/// a single string and a one-element list are the same, list order does not matter, and a lone
/// Statement object is a one-statement list.
pub fn normalize_policy(value: &Value) -> Value {
    fn normalize(value: &Value, key: Option<&str>) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), normalize(v, Some(k))))
                    .collect(),
            ),
            Value::Array(items) => {
                let mut items: Vec<Value> = items.iter().map(|v| normalize(v, None)).collect();
                items.sort_by_key(|v| v.to_string());
                items.dedup();
                Value::Array(items)
            }
            scalar => match key {
                Some("Version" | "Effect" | "Sid" | "Id") | None => scalar.clone(),
                Some(_) => Value::Array(vec![scalar.clone()]),
            },
        }
    }
    let mut normalized = normalize(value, None);
    if let Some(statement) = normalized.get_mut("Statement") {
        if statement.is_object() {
            *statement = Value::Array(vec![statement.take()]);
        }
    }
    normalized
}

pub fn same_policy(a: &Value, b: &Value) -> bool {
    normalize_policy(a) == normalize_policy(b)
}

fn tag_diff(
    desired: &BTreeMap<String, String>,
    actual: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let to_set = desired
        .iter()
        .filter(|(k, v)| actual.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let to_remove = actual
        .keys()
        .filter(|k| !desired.contains_key(*k))
        .cloned()
        .collect();
    (to_set, to_remove)
}

/// IAM keeps at most five versions of a managed policy.
pub const MAX_POLICY_VERSIONS: usize = 5;

/// The operations that bring IAM from `actual` to `desired`. An existing role or policy must
/// carry the ownership tag of one of `accepted_owners`, or nothing is planned at all.
/// Customer-managed policies in `actual` that are owned but no longer desired are removed.
pub fn converge(
    desired: &DesiredState,
    actual: &ActualState,
    accepted_owners: &[&str],
) -> Result<Plan, NotOwned> {
    let owned = |tags: &BTreeMap<String, String>| {
        tags.get(OWNER_TAG_KEY)
            .is_some_and(|owner| accepted_owners.contains(&owner.as_str()))
    };
    let mut create = vec![];
    let mut update = vec![];
    let mut remove = vec![];
    let mut delete = vec![];

    for policy in &desired.policies {
        match actual.policies.get(&policy.arn) {
            None => create.push(Op::CreatePolicy {
                name: policy.name.clone(),
                path: policy.path.clone(),
                document: policy.document.clone(),
                tags: policy.tags.clone(),
            }),
            Some(found) => {
                if !owned(&found.tags) {
                    return Err(NotOwned {
                        entity: "policy",
                        name: policy.arn.clone(),
                        owner: describe_owner(&found.tags),
                    });
                }
                if !same_policy(&found.document, &policy.document) {
                    if found.versions.len() >= MAX_POLICY_VERSIONS {
                        if let Some(oldest) = found.versions.iter().find(|v| !v.is_default) {
                            create.push(Op::DeletePolicyVersion {
                                arn: policy.arn.clone(),
                                version_id: oldest.id.clone(),
                            });
                        }
                    }
                    update.push(Op::CreatePolicyVersion {
                        arn: policy.arn.clone(),
                        document: policy.document.clone(),
                    });
                }
                let (set, unset) = tag_diff(&policy.tags, &found.tags);
                if !set.is_empty() {
                    create.push(Op::TagPolicy {
                        arn: policy.arn.clone(),
                        tags: set,
                    });
                }
                if !unset.is_empty() {
                    create.push(Op::UntagPolicy {
                        arn: policy.arn.clone(),
                        keys: unset,
                    });
                }
            }
        }
    }

    for role in &desired.roles {
        let Some(found) = actual.roles.get(&role.name) else {
            create.push(Op::CreateRole {
                name: role.name.clone(),
                path: role.path.clone(),
                trust: role.trust.clone(),
                permissions_boundary: role.permissions_boundary.clone(),
                tags: role.tags.clone(),
            });
            for arn in &role.managed_policy_arns {
                update.push(Op::AttachPolicy {
                    role: role.name.clone(),
                    arn: arn.clone(),
                });
            }
            for (name, document) in &role.inline_policies {
                update.push(Op::PutInlinePolicy {
                    role: role.name.clone(),
                    name: name.clone(),
                    document: document.clone(),
                });
            }
            continue;
        };
        if !owned(&found.tags) {
            return Err(NotOwned {
                entity: "role",
                name: role.name.clone(),
                owner: describe_owner(&found.tags),
            });
        }
        let name = &role.name;
        if !same_policy(&found.trust, &role.trust) {
            create.push(Op::UpdateTrust {
                role: name.clone(),
                trust: role.trust.clone(),
            });
        }
        match (&role.permissions_boundary, &found.permissions_boundary) {
            (Some(want), have) if have.as_ref() != Some(want) => create.push(Op::PutBoundary {
                role: name.clone(),
                arn: want.clone(),
            }),
            (None, Some(_)) => create.push(Op::DeleteBoundary { role: name.clone() }),
            _ => {}
        }
        let (set, unset) = tag_diff(&role.tags, &found.tags);
        if !set.is_empty() {
            create.push(Op::TagRole {
                role: name.clone(),
                tags: set,
            });
        }
        if !unset.is_empty() {
            create.push(Op::UntagRole {
                role: name.clone(),
                keys: unset,
            });
        }
        for arn in role
            .managed_policy_arns
            .difference(&found.managed_policy_arns)
        {
            update.push(Op::AttachPolicy {
                role: name.clone(),
                arn: arn.clone(),
            });
        }
        for arn in found
            .managed_policy_arns
            .difference(&role.managed_policy_arns)
        {
            remove.push(Op::DetachPolicy {
                role: name.clone(),
                arn: arn.clone(),
            });
        }
        for (policy_name, document) in &role.inline_policies {
            if found
                .inline_policies
                .get(policy_name)
                .is_none_or(|have| !same_policy(have, document))
            {
                update.push(Op::PutInlinePolicy {
                    role: name.clone(),
                    name: policy_name.clone(),
                    document: document.clone(),
                });
            }
        }
        for policy_name in found.inline_policies.keys() {
            if !role.inline_policies.contains_key(policy_name) {
                remove.push(Op::DeleteInlinePolicy {
                    role: name.clone(),
                    name: policy_name.clone(),
                });
            }
        }
    }

    // Owned policies no longer wanted (e.g. LeastPrivilege turned off): detached above from the
    // roles that had them, deleted last.
    for (arn, found) in &actual.policies {
        if owned(&found.tags) && !desired.policies.iter().any(|p| &p.arn == arn) {
            for version in found.versions.iter().filter(|v| !v.is_default) {
                remove.push(Op::DeletePolicyVersion {
                    arn: arn.clone(),
                    version_id: version.id.clone(),
                });
            }
            delete.push(Op::DeletePolicy { arn: arn.clone() });
        }
    }

    Ok(Plan::from_phases(vec![create, update, remove, delete]))
}

/// The operations that remove every role and policy in `actual` owned by `owner`: detach,
/// delete inline policies, leave instance profiles, delete old versions, then delete.
/// What is owned by someone else is left alone.
pub fn teardown(actual: &ActualState, owner: &str) -> Plan {
    let owned = |tags: &BTreeMap<String, String>| {
        tags.get(OWNER_TAG_KEY).map(String::as_str) == Some(owner)
    };
    let mut empty = vec![];
    let mut delete = vec![];
    for (name, role) in &actual.roles {
        if !owned(&role.tags) {
            continue;
        }
        for arn in &role.managed_policy_arns {
            empty.push(Op::DetachPolicy {
                role: name.clone(),
                arn: arn.clone(),
            });
        }
        for policy_name in role.inline_policies.keys() {
            empty.push(Op::DeleteInlinePolicy {
                role: name.clone(),
                name: policy_name.clone(),
            });
        }
        for profile in &role.instance_profiles {
            empty.push(Op::RemoveFromInstanceProfile {
                role: name.clone(),
                profile: profile.clone(),
            });
        }
        delete.push(Op::DeleteRole { role: name.clone() });
    }
    for (arn, policy) in &actual.policies {
        if !owned(&policy.tags) {
            continue;
        }
        for version in policy.versions.iter().filter(|v| !v.is_default) {
            empty.push(Op::DeletePolicyVersion {
                arn: arn.clone(),
                version_id: version.id.clone(),
            });
        }
        delete.push(Op::DeletePolicy { arn: arn.clone() });
    }
    Plan::from_phases(vec![empty, delete])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::{build, Owner};
    use crate::identity::stack_env;
    use crate::spec;
    use serde_json::json;

    const OWNER: &str = "stack-R-abc";

    fn desired(properties: Value) -> DesiredState {
        let env = stack_env("arn:aws:cloudformation:eu-west-1:123456789012:stack/stack/g").unwrap();
        let spec = spec::parse(&properties).unwrap();
        build(
            &spec,
            &Owner {
                env: &env,
                logical_id: "R",
                physical_id: OWNER,
            },
        )
    }

    /// What IAM would hold after applying `desired` exactly.
    fn as_actual(desired: &DesiredState) -> ActualState {
        ActualState {
            roles: desired
                .roles
                .iter()
                .map(|r| {
                    (
                        r.name.clone(),
                        ActualRole {
                            name: r.name.clone(),
                            path: r.path.clone(),
                            trust: r.trust.clone(),
                            managed_policy_arns: r.managed_policy_arns.clone(),
                            inline_policies: r.inline_policies.clone(),
                            permissions_boundary: r.permissions_boundary.clone(),
                            tags: r.tags.clone(),
                            instance_profiles: vec![],
                        },
                    )
                })
                .collect(),
            policies: desired
                .policies
                .iter()
                .map(|p| {
                    (
                        p.arn.clone(),
                        ActualPolicy {
                            arn: p.arn.clone(),
                            document: p.document.clone(),
                            versions: vec![PolicyVersion {
                                id: "v1".into(),
                                is_default: true,
                            }],
                            tags: p.tags.clone(),
                        },
                    )
                })
                .collect(),
        }
    }

    fn all_five() -> Value {
        let p = "arn:aws:iam::111122223333:role/granted-access-handler";
        json!({"Roles": {
            "EcsAnywhere": {"LeastPrivilege": "true"},
            "TaskExecution": {},
            "Task": {"ClusterName": "c"},
            "SsoManagement": {"TrustedPrincipalArn": p},
            "ClusterAccess": {"TrustedPrincipalArn": p},
        }})
    }

    #[test]
    fn create_from_nothing_is_two_phases() {
        let want = desired(all_five());
        let plan = converge(&want, &ActualState::default(), &[OWNER]).unwrap();
        assert_eq!(plan.phases.len(), 2, "{plan}");
        assert!(plan.phases[0]
            .iter()
            .all(|op| matches!(op, Op::CreateRole { .. } | Op::CreatePolicy { .. })));
        assert_eq!(plan.phases[0].len(), 5 + 3);
        // 2 (EcsAnywhere) + 1 + 1 inline + 1 + 1 = 6 attachments/puts.
        assert_eq!(plan.phases[1].len(), 6, "{plan}");
        let (roles, policies) = plan.created();
        assert_eq!((roles.len(), policies.len()), (5, 3));
    }

    #[test]
    fn converged_state_plans_nothing() {
        let want = desired(all_five());
        let plan = converge(&want, &as_actual(&want), &[OWNER]).unwrap();
        assert!(plan.is_empty(), "{plan}");
    }

    #[test]
    fn equivalent_documents_in_other_shapes_are_not_drift() {
        let want =
            desired(json!({"Roles": {"EcsAnywhere": {}}, "RestrictTrustToAccount": "false"}));
        let mut actual = as_actual(&want);
        // Seed 002 prints the same trust with a lone Statement object and a one-element list.
        actual.roles.values_mut().next().unwrap().trust = json!({
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Principal": {"Service": ["ssm.amazonaws.com"]}, "Action": "sts:AssumeRole"}
        });
        assert!(converge(&want, &actual, &[OWNER]).unwrap().is_empty());
    }

    #[test]
    fn drift_is_repaired() {
        let want =
            desired(json!({"Roles": {"EcsAnywhere": {}}, "Tags": [{"Key": "team", "Value": "a"}]}));
        let mut actual = as_actual(&want);
        let role = actual.roles.values_mut().next().unwrap();
        role.trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]});
        let core = role.managed_policy_arns.iter().next().unwrap().clone();
        role.managed_policy_arns.remove(&core);
        role.managed_policy_arns
            .insert("arn:aws:iam::aws:policy/AdministratorAccess".into());
        role.inline_policies.insert("sneaky".into(), json!({}));
        role.tags.insert("team".into(), "b".into());
        role.tags.insert("extra".into(), "x".into());
        role.permissions_boundary = Some("arn:aws:iam::123456789012:policy/B".into());
        let plan = converge(&want, &actual, &[OWNER]).unwrap();
        let actions: Vec<String> = plan.ops().map(|op| op.to_string()).collect();
        let name = &want.roles[0].name;
        for expected in [
            format!("UpdateAssumeRolePolicy role {name}"),
            format!("DeleteRolePermissionsBoundary role {name}"),
            format!("TagRole role {name}"),
            format!("UntagRole role {name}"),
            format!("AttachRolePolicy role {name} (policy {core})"),
            format!(
                "DetachRolePolicy role {name} (policy arn:aws:iam::aws:policy/AdministratorAccess)"
            ),
            format!("DeleteRolePolicy role {name} (inline policy sneaky)"),
        ] {
            assert!(
                actions.contains(&expected),
                "missing {expected} in {actions:?}"
            );
        }
        assert_eq!(actions.len(), 7, "{actions:?}");
        // Attach comes before detach.
        let phase_of = |prefix: &str| {
            plan.phases
                .iter()
                .position(|p| p.iter().any(|op| op.to_string().starts_with(prefix)))
                .unwrap()
        };
        assert!(phase_of("AttachRolePolicy") < phase_of("DetachRolePolicy"));
    }

    #[test]
    fn foreign_role_is_refused() {
        let want = desired(json!({"Roles": {"TaskExecution": {"RoleName": "taken"}}}));
        let mut actual = as_actual(&want);
        actual.roles.get_mut("taken").unwrap().tags.clear();
        let err = converge(&want, &actual, &[OWNER]).unwrap_err();
        assert_eq!(err.name, "taken");
        assert!(err.to_string().contains("AdoptExisting"), "{err}");
        actual
            .roles
            .get_mut("taken")
            .unwrap()
            .tags
            .insert(OWNER_TAG_KEY.into(), "other".into());
        assert!(converge(&want, &actual, &[OWNER]).is_err());
        assert!(converge(&want, &actual, &[OWNER, "other"]).is_ok());
    }

    #[test]
    fn changed_policy_document_gets_a_new_version_pruning_the_oldest() {
        let want = desired(
            json!({"Roles": {"ClusterAccess": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h"}}}),
        );
        let mut actual = as_actual(&want);
        let policy = actual.policies.values_mut().next().unwrap();
        policy.document = json!({"Version": "2012-10-17", "Statement": []});
        policy.versions = (1..=5)
            .map(|i| PolicyVersion {
                id: format!("v{i}"),
                is_default: i == 3,
            })
            .collect();
        let plan = converge(&want, &actual, &[OWNER]).unwrap();
        assert_eq!(plan.phases.len(), 2, "{plan}");
        assert!(
            matches!(&plan.phases[0][0], Op::DeletePolicyVersion { version_id, .. } if version_id == "v1")
        );
        assert!(matches!(&plan.phases[1][0], Op::CreatePolicyVersion { .. }));
    }

    #[test]
    fn least_privilege_off_detaches_and_deletes_the_custom_policy() {
        let before = desired(json!({"Roles": {"EcsAnywhere": {"LeastPrivilege": "true"}}}));
        let after = desired(json!({"Roles": {"EcsAnywhere": {"LeastPrivilege": "false"}}}));
        let plan = converge(&after, &as_actual(&before), &[OWNER]).unwrap();
        let ops: Vec<&str> = plan.ops().map(|op| op.action()).collect();
        assert_eq!(
            ops,
            ["AttachRolePolicy", "DetachRolePolicy", "DeletePolicy"],
            "{plan}"
        );
    }

    #[test]
    fn teardown_empties_then_deletes_only_owned() {
        let want = desired(all_five());
        let mut actual = as_actual(&want);
        actual
            .roles
            .values_mut()
            .next()
            .unwrap()
            .instance_profiles
            .push("p".into());
        let foreign = actual.roles.keys().last().unwrap().clone();
        actual
            .roles
            .get_mut(&foreign)
            .unwrap()
            .tags
            .insert(OWNER_TAG_KEY.into(), "someone-else".into());
        let plan = teardown(&actual, OWNER);
        assert_eq!(plan.phases.len(), 2);
        assert!(plan.phases[1]
            .iter()
            .all(|op| matches!(op, Op::DeleteRole { .. } | Op::DeletePolicy { .. })));
        assert_eq!(plan.phases[1].len(), 4 + 3);
        assert!(!plan.ops().any(|op| op.target().contains(&foreign)));
        assert!(plan
            .ops()
            .any(|op| matches!(op, Op::RemoveFromInstanceProfile { .. })));
        assert!(teardown(&ActualState::default(), OWNER).is_empty());
    }

    #[test]
    fn normalize_treats_scalars_and_lists_alike() {
        let a = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "a:B", "Resource": "*"}});
        let b = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["a:B"], "Resource": ["*"]}]});
        assert!(same_policy(&a, &b));
        let c = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["a:B"], "Resource": ["*"]}]});
        assert!(!same_policy(&a, &c));
    }
}
