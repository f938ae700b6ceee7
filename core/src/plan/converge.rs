//! Desired vs actual → the operations that bring IAM to the desired state: the same code path
//! for Create, Update and drift repair.

use super::actual::{ActualPolicy, ActualRole, ActualState};
use super::instance_profile::{converge_instance_profile, converge_service_linked};
use super::ownership::{
    check_tag_budget, describe_owner, is_bookkeeping_key, tag_diff, Ownership, OWNER_TAG_KEY,
};
use super::phases::{Plan, Stage, Steps};
use super::policy::same_policy;
use super::teardown::policy_removal;
use super::{Op, PlanError};
use crate::adoption::AdoptionRecord;
use crate::desired::{DesiredPolicy, DesiredRole, DesiredState};
use serde_json::Value;

/// IAM keeps at most five versions of a managed policy.
pub const MAX_POLICY_VERSIONS: usize = 5;

/// The operations that bring IAM from `actual` to `desired`. An existing role, policy or
/// instance profile must be accepted by `ownership` (or adopted), or nothing is planned at all. Customer-managed
/// policies in `actual` that are owned but no longer desired are removed.
pub fn converge(
    desired: &DesiredState,
    actual: &ActualState,
    ownership: &Ownership,
) -> Result<Plan, PlanError> {
    check_desired_tags(desired)?;
    let mut steps = Steps::default();
    for policy in &desired.policies {
        let found = actual.policies.get(&policy.arn);
        converge_policy(&mut steps, policy, found, ownership)?;
    }
    converge_service_linked(&mut steps, desired, actual);
    for role in &desired.roles {
        let found = actual.roles.get(&role.name);
        converge_role(&mut steps, role, found, ownership)?;
        if let Some(profile) = &role.instance_profile {
            let found = actual.instance_profiles.get(&profile.name);
            converge_instance_profile(&mut steps, role, profile, found, ownership)?;
        }
    }
    // Owned policies no longer wanted (e.g. LeastPrivilege turned off): detached above from the
    // roles that had them, deleted last.
    for (arn, found) in &actual.policies {
        if ownership.accepts(&found.tags) && !desired.policies.iter().any(|p| &p.arn == arn) {
            policy_removal(&mut steps, arn, found);
        }
    }
    Ok(steps.into_plan())
}

/// Nothing desired may carry more tags than IAM allows (a replacement's hand-over record adds
/// to the user's): found before any IAM write, not by IAM half-way.
fn check_desired_tags(desired: &DesiredState) -> Result<(), PlanError> {
    let profiles = desired
        .roles
        .iter()
        .filter_map(|r| r.instance_profile.as_ref());
    let entities = (desired.roles.iter().map(|r| ("role", &r.name, &r.tags)))
        .chain(desired.policies.iter().map(|p| ("policy", &p.arn, &p.tags)))
        .chain(profiles.map(|p| ("instance profile", &p.name, &p.tags)));
    for (entity, name, tags) in entities {
        check_tag_budget(entity, name, tags, &Default::default())?;
    }
    Ok(())
}

/// One customer-managed policy: created, or (if this resource may change it) given its
/// document as a new version and its tags.
fn converge_policy(
    steps: &mut Steps,
    policy: &DesiredPolicy,
    found: Option<&ActualPolicy>,
    ownership: &Ownership,
) -> Result<(), PlanError> {
    let arn = &policy.arn;
    let Some(found) = found else {
        let create = Op::CreatePolicy {
            arn: arn.clone(),
            name: policy.name.clone(),
            path: policy.path.clone(),
            document: policy.document.clone(),
            tags: policy.tags.clone(),
        };
        steps.add(Stage::Own, create);
        return Ok(());
    };
    if !ownership.accepts(&found.tags) {
        return Err(PlanError::NotOwned {
            entity: "policy",
            name: arn.clone(),
            owner: describe_owner(&found.tags),
        });
    }
    if !same_policy(&found.document, &policy.document) {
        if found.versions.len() >= MAX_POLICY_VERSIONS {
            if let Some(oldest) = found.versions.iter().find(|v| !v.is_default) {
                let prune = Op::DeletePolicyVersion {
                    arn: arn.clone(),
                    version_id: oldest.id.clone(),
                };
                steps.add(Stage::Own, prune);
            }
        }
        let version = Op::CreatePolicyVersion {
            arn: arn.clone(),
            document: policy.document.clone(),
        };
        steps.add(Stage::Grant, version);
    }
    let (set, unset) = tag_diff(&policy.tags, &found.tags);
    check_tag_budget("policy", arn, &found.tags, &set)?;
    if !set.is_empty() {
        let arn = arn.clone();
        steps.add(Stage::Own, Op::TagPolicy { arn, tags: set });
    }
    if !unset.is_empty() {
        let arn = arn.clone();
        steps.add(Stage::Own, Op::UntagPolicy { arn, keys: unset });
    }
    Ok(())
}

/// One role: created, brought to its desired state, or (adopted) only added to.
fn converge_role(
    steps: &mut Steps,
    role: &DesiredRole,
    found: Option<&ActualRole>,
    ownership: &Ownership,
) -> Result<(), PlanError> {
    let Some(found) = found else {
        create_role(steps, role);
        return Ok(());
    };
    let accepted = claim_role(role, found, ownership)?;
    // A role this project did not create is only ever added to (the repair that the ECS
    // Developer Guide page "ECS Anywhere IAM role" describes), and what was added is recorded on
    // it so that Delete can give it back as it was.
    let mut record = match AdoptionRecord::from_tags(&found.tags).filter(|_| accepted) {
        Some(adopted) => Some(adopted),
        None if !accepted => Some(AdoptionRecord::default()),
        None => None,
    };
    grant_role(steps, role, found, record.as_mut());
    let mut tags = role.tags.clone();
    if let Some(record) = &mut record {
        record_tags_added(record, role, found);
        tags.extend(record.to_tags());
    }
    let (set, unset) = tag_diff(&tags, &found.tags);
    check_tag_budget("role", &role.name, &found.tags, &set)?;
    if !set.is_empty() {
        let role = role.name.clone();
        steps.add(Stage::Own, Op::TagRole { role, tags: set });
    }
    // What an adopted role had before adoption stays.
    if record.is_none() {
        revoke_role(steps, role, found, unset);
    }
    Ok(())
}

fn create_role(steps: &mut Steps, role: &DesiredRole) {
    let name = &role.name;
    let create = Op::CreateRole {
        name: name.clone(),
        path: role.path.clone(),
        trust: role.trust.clone(),
        permissions_boundary: role.permissions_boundary.clone(),
        tags: role.tags.clone(),
    };
    steps.add(Stage::Own, create);
    for arn in &role.managed_policy_arns {
        steps.add(Stage::Grant, attach(name, arn));
    }
    for (policy_name, document) in &role.inline_policies {
        steps.add(Stage::Grant, put_inline(name, policy_name, document));
    }
}

/// Whether this resource may change the existing role `found`: `true` if `ownership` accepts
/// it, `false` if it is to be adopted; otherwise why not.
fn claim_role(
    role: &DesiredRole,
    found: &ActualRole,
    ownership: &Ownership,
) -> Result<bool, PlanError> {
    let name = &role.name;
    let accepted = ownership.accepts(&found.tags);
    let unowned = !found.tags.contains_key(OWNER_TAG_KEY);
    if !(accepted || ownership.adopt && unowned) {
        return Err(PlanError::NotOwned {
            entity: "role",
            name: name.clone(),
            owner: describe_owner(&found.tags),
        });
    }
    // IAM found the role under the name in another case. Its ARN carries the stored name,
    // which the outputs would not: the stack must say the name as IAM has it.
    if found.name != *name {
        return Err(PlanError::NameCase {
            wanted: name.clone(),
            actual: found.name.clone(),
        });
    }
    if found.path != role.path {
        return Err(PlanError::WrongPath {
            name: name.clone(),
            actual: found.path.clone(),
            wanted: role.path.clone(),
        });
    }
    if !accepted {
        // Adopting changes who can assume the role: it must hold nothing but its kind's.
        let extra = beyond_kind(role, found);
        if !extra.is_empty() {
            return Err(PlanError::AdoptionWidens {
                name: name.clone(),
                extra,
            });
        }
    }
    Ok(accepted)
}

/// What an existing role lacks of `role`: trust, boundary, attachments and inline policies.
/// With an adoption `record`, what the role had before is noted in it.
fn grant_role(
    steps: &mut Steps,
    role: &DesiredRole,
    found: &ActualRole,
    mut record: Option<&mut AdoptionRecord>,
) {
    let name = &role.name;
    if !same_policy(&found.trust, &role.trust) {
        if let Some(record) = record.as_deref_mut() {
            record.trust.get_or_insert_with(|| found.trust.clone());
        }
        let trust = Op::UpdateTrust {
            role: name.clone(),
            trust: role.trust.clone(),
        };
        steps.add(Stage::Grant, trust);
    }
    match (&role.permissions_boundary, &found.permissions_boundary) {
        (Some(want), have) if have.as_ref() != Some(want) => {
            if let Some(record) = record.as_deref_mut() {
                record.boundary.get_or_insert_with(|| have.clone());
            }
            let put = Op::PutBoundary {
                role: name.clone(),
                arn: want.clone(),
            };
            steps.add(Stage::Bound, put);
        }
        (None, Some(_)) if record.is_none() => {
            steps.add(Stage::Bound, Op::DeleteBoundary { role: name.clone() })
        }
        _ => {}
    }
    for arn in role
        .managed_policy_arns
        .difference(&found.managed_policy_arns)
    {
        if let Some(record) = record.as_deref_mut() {
            if !record.attached.contains(arn) {
                record.attached.push(arn.clone());
            }
        }
        steps.add(Stage::Grant, attach(name, arn));
    }
    for (policy_name, document) in &role.inline_policies {
        let have = found.inline_policies.get(policy_name);
        if have.is_none_or(|have| !same_policy(have, document)) {
            if let Some(record) = record.as_deref_mut() {
                if have.is_none() && !record.inline.contains(policy_name) {
                    record.inline.push(policy_name.clone());
                }
            }
            steps.add(Stage::Grant, put_inline(name, policy_name, document));
        }
    }
}

/// Notes in an adoption record the user's tags the role did not have.
fn record_tags_added(record: &mut AdoptionRecord, role: &DesiredRole, found: &ActualRole) {
    for key in role.tags.keys() {
        if !found.tags.contains_key(key)
            && !is_bookkeeping_key(key)
            && !record.tags_added.contains(key)
        {
            record.tags_added.push(key.clone());
        }
    }
}

/// What a role of this resource's own holds beyond `role`: tags (`unset`), attachments and
/// inline policies.
fn revoke_role(steps: &mut Steps, role: &DesiredRole, found: &ActualRole, unset: Vec<String>) {
    let name = &role.name;
    if !unset.is_empty() {
        let untag = Op::UntagRole {
            role: name.clone(),
            keys: unset,
        };
        steps.add(Stage::Own, untag);
    }
    for arn in found
        .managed_policy_arns
        .difference(&role.managed_policy_arns)
    {
        let detach = Op::DetachPolicy {
            role: name.clone(),
            arn: arn.clone(),
        };
        steps.add(Stage::Revoke, detach);
    }
    for policy_name in found.inline_policies.keys() {
        if !role.inline_policies.contains_key(policy_name) {
            let delete = Op::DeleteInlinePolicy {
                role: name.clone(),
                name: policy_name.clone(),
            };
            steps.add(Stage::Revoke, delete);
        }
    }
}

/// A managed policy attached to a role.
fn attach(role: &str, arn: &str) -> Op {
    Op::AttachPolicy {
        role: role.to_string(),
        arn: arn.to_string(),
    }
}

/// An inline policy put on a role.
fn put_inline(role: &str, name: &str, document: &Value) -> Op {
    Op::PutInlinePolicy {
        role: role.to_string(),
        name: name.to_string(),
        document: document.clone(),
    }
}

/// What an existing role holds beyond what `role`'s kind grants: other managed policies and
/// inline policies of other names, as the Reason lists them.
fn beyond_kind(role: &DesiredRole, found: &ActualRole) -> Vec<String> {
    let managed = found
        .managed_policy_arns
        .difference(&role.managed_policy_arns)
        .map(|arn| format!("managed policy {arn}"));
    let inline = found
        .inline_policies
        .keys()
        .filter(|name| !role.inline_policies.contains_key(*name))
        .map(|name| format!("inline policy {name}"));
    managed.chain(inline).collect()
}
