//! Instance profiles and service-linked roles: made with the roles, kept to their desired
//! state, and (profiles only) taken away or given back with them.

use super::actual::{ActualInstanceProfile, ActualState};
use super::ownership::{
    check_tag_budget, describe_owner, is_bookkeeping_key, tag_diff, Ownership, OWNER_TAG_KEY,
};
use super::phases::{Stage, Steps};
use super::{Op, PlanError};
use crate::adoption::AdoptionRecord;
use crate::desired::{DesiredInstanceProfile, DesiredRole, DesiredState};

/// The instance profile of `role`: created and given the role, or (if this resource may change
/// it) holding exactly the role, with its tags. One that someone made (a console's
/// `ecsInstanceRole`) is adopted with `AdoptExisting` when it holds this role or nothing.
pub(super) fn converge_instance_profile(
    steps: &mut Steps,
    role: &DesiredRole,
    profile: &DesiredInstanceProfile,
    found: Option<&ActualInstanceProfile>,
    ownership: &Ownership,
) -> Result<(), PlanError> {
    let name = &profile.name;
    let add = Op::AddToInstanceProfile {
        role: role.name.clone(),
        profile: name.clone(),
    };
    let Some(found) = found else {
        let create = Op::CreateInstanceProfile {
            name: name.clone(),
            path: profile.path.clone(),
            tags: profile.tags.clone(),
        };
        steps.add(Stage::Own, create);
        steps.add(Stage::Grant, add);
        return Ok(());
    };
    let accepted = claim_instance_profile(role, profile, found, ownership)?;
    // Adopted: only added to, and what was added is recorded on it for the give-back.
    let mut record = match AdoptionRecord::from_tags(&found.tags).filter(|_| accepted) {
        Some(adopted) => Some(adopted),
        None if !accepted => Some(AdoptionRecord::default()),
        None => None,
    };
    if accepted && record.is_none() {
        // IAM lets a profile hold one role: another must leave before this one can be added,
        // so the removal runs in the first phase (the profile is already this resource's). An
        // adopted profile is only ever added to: someone's role put in it stays.
        for other in found.roles.iter().filter(|r| **r != role.name) {
            let leave = Op::RemoveFromInstanceProfile {
                role: other.clone(),
                profile: name.clone(),
            };
            steps.add(Stage::Own, leave);
        }
    }
    if !found.roles.contains(&role.name) {
        steps.add(Stage::Grant, add);
    }
    let mut tags = profile.tags.clone();
    if let Some(record) = &mut record {
        for key in profile.tags.keys() {
            if !found.tags.contains_key(key)
                && !is_bookkeeping_key(key)
                && !record.tags_added.contains(key)
            {
                record.tags_added.push(key.clone());
            }
        }
        tags.extend(record.to_tags());
    }
    let (set, unset) = tag_diff(&tags, &found.tags);
    check_tag_budget("instance profile", name, &found.tags, &set)?;
    if !set.is_empty() {
        let name = name.clone();
        steps.add(Stage::Own, Op::TagInstanceProfile { name, tags: set });
    }
    // What an adopted profile had before adoption stays.
    if record.is_none() && !unset.is_empty() {
        let name = name.clone();
        steps.add(Stage::Own, Op::UntagInstanceProfile { name, keys: unset });
    }
    Ok(())
}

/// Whether this resource may change the existing profile `found`: `true` if `ownership`
/// accepts it, `false` if it is to be adopted; otherwise why not.
fn claim_instance_profile(
    role: &DesiredRole,
    profile: &DesiredInstanceProfile,
    found: &ActualInstanceProfile,
    ownership: &Ownership,
) -> Result<bool, PlanError> {
    let name = &profile.name;
    let accepted = ownership.accepts(&found.tags);
    let unowned = !found.tags.contains_key(OWNER_TAG_KEY);
    if !(accepted || ownership.adopt && unowned) {
        return Err(PlanError::NotOwned {
            entity: "instance profile",
            name: name.clone(),
            owner: describe_owner(&found.tags),
        });
    }
    if found.path != profile.path {
        return Err(PlanError::InstanceProfileWrongPath {
            name: name.clone(),
            actual: found.path.clone(),
            wanted: profile.path.clone(),
        });
    }
    if !accepted {
        // Adopting a profile another role is in would take that role's place on its instances.
        if let Some(other) = found.roles.iter().find(|r| **r != role.name) {
            return Err(PlanError::InstanceProfileHoldsAnother {
                name: name.clone(),
                holds: other.clone(),
                role: role.name.clone(),
            });
        }
    }
    Ok(accepted)
}

/// The service-linked roles that do not exist yet, made first. One that exists is the
/// account's: never changed, tagged or deleted.
pub(super) fn converge_service_linked(
    steps: &mut Steps,
    desired: &DesiredState,
    actual: &ActualState,
) {
    for role in &desired.service_linked {
        if !actual.service_linked.contains(role.role_name) {
            let create = Op::CreateServiceLinkedRole {
                service_name: role.service_name.to_string(),
                role_name: role.role_name.to_string(),
            };
            steps.add(Stage::Own, create);
        }
    }
}

/// An owned instance profile removed: emptied (alongside the roles' other removals), then
/// deleted with the roles.
pub(super) fn instance_profile_removal(
    steps: &mut Steps,
    name: &str,
    profile: &ActualInstanceProfile,
) {
    for role in &profile.roles {
        let leave = Op::RemoveFromInstanceProfile {
            role: role.clone(),
            profile: name.to_string(),
        };
        // The role's own removal may have planned it already.
        steps.add_once(Stage::Revoke, leave);
    }
    let name = name.to_string();
    steps.add(Stage::Delete, Op::DeleteInstanceProfile { name });
}

/// An adopted instance profile given back: the role stays in it, and only this resource's
/// bookkeeping and the tags the adoption added go, last.
pub(super) fn give_back_instance_profile(
    steps: &mut Steps,
    name: &str,
    profile: &ActualInstanceProfile,
    record: &AdoptionRecord,
) {
    let keys: Vec<String> = profile
        .tags
        .keys()
        .filter(|k| is_bookkeeping_key(k) || record.tags_added.contains(*k))
        .cloned()
        .collect();
    let name = name.to_string();
    steps.add(Stage::Release, Op::UntagInstanceProfile { name, keys });
}
