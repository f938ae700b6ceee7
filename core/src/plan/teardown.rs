//! Taking away: a Delete's teardown, the undo of a failed request, and the give-back of an
//! adopted role.

use super::actual::{ActualPolicy, ActualRole, ActualState};
use super::instance_profile::{give_back_instance_profile, instance_profile_removal};
use super::ownership::{is_bookkeeping_key, is_owned_by, OWNER_TAG_KEY};
use super::phases::{Plan, Stage, Steps};
use super::{Created, Op};
use crate::adoption::AdoptionRecord;
use std::collections::BTreeMap;

/// The operations that remove every role, policy and instance profile in `actual` owned by
/// `owner`: detach, delete inline policies, empty instance profiles, delete old versions, then
/// delete. An adopted role is not deleted but given back as it was before adoption (keeping a
/// boundary the operator requires: IAM would refuse to take it off); an adopted instance
/// profile keeps its role and loses only this resource's tags. What is owned by someone else is
/// left alone, and service-linked roles are never in `actual`'s roles.
pub fn teardown(actual: &ActualState, owner: &str, required_boundary: Option<&str>) -> Plan {
    let mut steps = Steps::default();
    for (name, role) in &actual.roles {
        if !is_owned_by(&role.tags, owner) {
            continue;
        }
        match AdoptionRecord::from_tags(&role.tags) {
            Some(record) => restore(&mut steps, name, role, &record, required_boundary),
            None => role_removal(&mut steps, name, role),
        }
    }
    for (arn, policy) in &actual.policies {
        if is_owned_by(&policy.tags, owner) {
            policy_removal(&mut steps, arn, policy);
        }
    }
    for (name, profile) in &actual.instance_profiles {
        if !is_owned_by(&profile.tags, owner) {
            continue;
        }
        match AdoptionRecord::from_tags(&profile.tags) {
            Some(record) => give_back_instance_profile(&mut steps, name, profile, &record),
            None => instance_profile_removal(&mut steps, name, profile),
        }
    }
    steps.into_plan()
}

/// A role removed: emptied, out of its instance profiles, then deleted.
fn role_removal(steps: &mut Steps, name: &str, role: &ActualRole) {
    let name = name.to_string();
    for arn in &role.managed_policy_arns {
        let detach = Op::DetachPolicy {
            role: name.clone(),
            arn: arn.clone(),
        };
        steps.add(Stage::Revoke, detach);
    }
    for policy_name in role.inline_policies.keys() {
        let delete = Op::DeleteInlinePolicy {
            role: name.clone(),
            name: policy_name.clone(),
        };
        steps.add(Stage::Revoke, delete);
    }
    for profile in &role.instance_profiles {
        let leave = Op::RemoveFromInstanceProfile {
            role: name.clone(),
            profile: profile.clone(),
        };
        steps.add_once(Stage::Revoke, leave);
    }
    steps.add(Stage::Delete, Op::DeleteRole { role: name });
}

/// A customer-managed policy removed: its non-default versions, then the policy.
pub(super) fn policy_removal(steps: &mut Steps, arn: &str, policy: &ActualPolicy) {
    for version in policy.versions.iter().filter(|v| !v.is_default) {
        let delete = Op::DeletePolicyVersion {
            arn: arn.to_string(),
            version_id: version.id.clone(),
        };
        steps.add(Stage::Revoke, delete);
    }
    let arn = arn.to_string();
    steps.add(Stage::Delete, Op::DeletePolicy { arn });
}

/// The operations that take back what a failed request did: the roles, policies and instance
/// profiles it `created` (and those it adopted) are torn down as `owner`'s, and those it took
/// over from other owners get their owner tag back. `before` is what existed before the
/// plan ran, `after` the same names read again.
pub fn undo(
    created: &Created,
    before: &ActualState,
    after: &ActualState,
    owner: &str,
    required_boundary: Option<&str>,
) -> Plan {
    let mut torn_down = ActualState::default();
    for (name, role) in &after.roles {
        let adopted_now = before
            .roles
            .get(name)
            .is_some_and(|b| !b.tags.contains_key(OWNER_TAG_KEY));
        if created.roles.contains(name) || adopted_now {
            torn_down.roles.insert(name.clone(), role.clone());
        }
    }
    for (arn, policy) in &after.policies {
        if created
            .policies
            .iter()
            .any(|p| arn.ends_with(&format!("/{p}")))
        {
            torn_down.policies.insert(arn.clone(), policy.clone());
        }
    }
    for (name, profile) in &after.instance_profiles {
        let adopted_now = before
            .instance_profiles
            .get(name)
            .is_some_and(|b| !b.tags.contains_key(OWNER_TAG_KEY));
        if created.instance_profiles.contains(name) || adopted_now {
            torn_down
                .instance_profiles
                .insert(name.clone(), profile.clone());
        }
    }
    let give_back = give_back_owner_tags(before, after);
    teardown(&torn_down, owner, required_boundary).after(give_back)
}

/// The owner tag back on every role, policy and instance profile whose owner tag changed between `before` and
/// `after`.
fn give_back_owner_tags(before: &ActualState, after: &ActualState) -> Plan {
    // Whoever owned it before this request, if this request re-pointed its owner tag.
    let previous_owner = |was: &BTreeMap<String, String>,
                          now: Option<&BTreeMap<String, String>>| {
        let (was, now) = (was.get(OWNER_TAG_KEY)?, now?.get(OWNER_TAG_KEY)?);
        (was != now).then(|| BTreeMap::from([(OWNER_TAG_KEY.to_string(), was.clone())]))
    };
    let mut steps = Steps::default();
    for (name, role) in &before.roles {
        if let Some(tags) = previous_owner(&role.tags, after.roles.get(name).map(|r| &r.tags)) {
            let role = name.clone();
            steps.add(Stage::Own, Op::TagRole { role, tags });
        }
    }
    for (arn, policy) in &before.policies {
        if let Some(tags) = previous_owner(&policy.tags, after.policies.get(arn).map(|p| &p.tags)) {
            let arn = arn.clone();
            steps.add(Stage::Own, Op::TagPolicy { arn, tags });
        }
    }
    for (name, profile) in &before.instance_profiles {
        let now = after.instance_profiles.get(name).map(|p| &p.tags);
        if let Some(tags) = previous_owner(&profile.tags, now) {
            let name = name.clone();
            steps.add(Stage::Own, Op::TagInstanceProfile { name, tags });
        }
    }
    steps.into_plan()
}

/// Undo what an adoption added to a role, leaving the role as it was before: its own
/// permissions, trust and boundary first, the owner tag last (the execution role may change
/// the role only while it carries that tag). A boundary the operator requires stays, and is put
/// on first if the role lacks it (IAM refuses the trust change otherwise).
fn restore(
    steps: &mut Steps,
    name: &str,
    role: &ActualRole,
    record: &AdoptionRecord,
    required_boundary: Option<&str>,
) {
    let name = name.to_string();
    if let Some(required) = required_boundary {
        if role.permissions_boundary.as_deref() != Some(required) {
            let put = Op::PutBoundary {
                role: name.clone(),
                arn: required.to_string(),
            };
            steps.add(Stage::Bound, put);
        }
    }
    for arn in record
        .attached
        .iter()
        .filter(|a| role.managed_policy_arns.contains(*a))
    {
        let detach = Op::DetachPolicy {
            role: name.clone(),
            arn: arn.clone(),
        };
        steps.add(Stage::Revoke, detach);
    }
    for policy_name in record
        .inline
        .iter()
        .filter(|p| role.inline_policies.contains_key(*p))
    {
        let delete = Op::DeleteInlinePolicy {
            role: name.clone(),
            name: policy_name.clone(),
        };
        steps.add(Stage::Revoke, delete);
    }
    if let Some(trust) = &record.trust {
        let trust = Op::UpdateTrust {
            role: name.clone(),
            trust: trust.clone(),
        };
        steps.add(Stage::Revoke, trust);
    }
    match &record.boundary {
        _ if required_boundary.is_some() => {}
        Some(Some(arn)) => {
            let put = Op::PutBoundary {
                role: name.clone(),
                arn: arn.clone(),
            };
            steps.add(Stage::Revoke, put);
        }
        Some(None) => steps.add(Stage::Revoke, Op::DeleteBoundary { role: name.clone() }),
        None => {}
    }
    let keys: Vec<String> = role
        .tags
        .keys()
        .filter(|k| is_bookkeeping_key(k) || record.tags_added.contains(*k))
        .cloned()
        .collect();
    steps.add(Stage::Release, Op::UntagRole { role: name, keys });
}
