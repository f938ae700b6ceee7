//! The Update decision: in place, or a replacement (a new resource, or a return to the one the
//! current one replaced), or a create when the resource's Create failed. Pure: what it needs of
//! IAM is read first by the lifecycle and passed in.

use super::actual::ActualState;
use super::ownership::{is_owned_by, LINEAGE_TAG_KEY};
use super::replacement::Replacement;
use crate::desired::{DesiredInstanceProfile, DesiredState};
use crate::identity::is_failed_marker;
use std::collections::BTreeMap;

/// Why an Update from `old` to `new` (both named under the current PhysicalResourceId `cur`)
/// cannot happen in place: what `cur` owns that `new` no longer names (a role renamed or whose
/// kind was removed, a renamed policy or instance profile), and roles and instance profiles
/// that would have to move to another path.
/// Empty means in place. Policies `new` drops altogether (LeastPrivilege turned off) are
/// removed in place. Only what exists counts: an earlier failed Update left nothing behind.
pub fn replacement_reasons(
    old: &DesiredState,
    new: &DesiredState,
    actual: &ActualState,
    cur: &str,
) -> Vec<String> {
    let owned = |tags: &BTreeMap<String, String>| is_owned_by(tags, cur);
    let mut reasons = vec![];
    for role in &old.roles {
        let kept = new.roles.iter().any(|r| r.name == role.name);
        if !kept && actual.roles.get(&role.name).is_some_and(|r| owned(&r.tags)) {
            reasons.push(format!("role {} is no longer wanted", role.name));
        }
    }
    for policy in &old.policies {
        let kept = new.policies.iter().any(|p| p.arn == policy.arn);
        let renamed = new.policies.iter().any(|p| p.kind == policy.kind);
        if !kept
            && renamed
            && actual
                .policies
                .get(&policy.arn)
                .is_some_and(|p| owned(&p.tags))
        {
            reasons.push(format!("policy {} is renamed", policy.arn));
        }
    }
    for profile in old.roles.iter().filter_map(|r| r.instance_profile.as_ref()) {
        let kept = new.roles.iter().any(|r| {
            r.instance_profile
                .as_ref()
                .is_some_and(|p| p.name == profile.name)
        });
        if !kept
            && actual
                .instance_profiles
                .get(&profile.name)
                .is_some_and(|p| owned(&p.tags))
        {
            reasons.push(format!("instance profile {} is renamed", profile.name));
        }
    }
    for profile in new.roles.iter().filter_map(|r| r.instance_profile.as_ref()) {
        if let Some(found) = actual.instance_profiles.get(&profile.name) {
            if found.path != profile.path && owned(&found.tags) {
                reasons.push(format!(
                    "instance profile {} moves from {} to {}",
                    profile.name, found.path, profile.path
                ));
            }
        }
    }
    for role in &new.roles {
        if let Some(found) = actual.roles.get(&role.name) {
            if found.path != role.path && owned(&found.tags) {
                reasons.push(format!(
                    "role {} moves from {} to {}",
                    role.name, found.path, role.path
                ));
            }
        }
    }
    reasons
}

/// The resource that `cur` replaced, as its roles record it (for an UPDATE_ROLLBACK).
pub fn replaced_by(state: &DesiredState, actual: &ActualState, cur: &str) -> Option<String> {
    let tags = state
        .roles
        .iter()
        .filter_map(|r| actual.roles.get(&r.name).map(|a| &a.tags))
        .chain(
            state
                .policies
                .iter()
                .filter_map(|p| actual.policies.get(&p.arn).map(|a| &a.tags)),
        )
        .chain(
            profiles(state).filter_map(|p| actual.instance_profiles.get(&p.name).map(|a| &a.tags)),
        );
    tags.filter(|t| is_owned_by(t, cur)).find_map(|t| {
        t.get(LINEAGE_TAG_KEY)
            .filter(|id| id.as_str() != cur)
            .cloned()
    })
}

/// The instance profiles of a state's roles.
fn profiles(state: &DesiredState) -> impl Iterator<Item = &DesiredInstanceProfile> {
    state
        .roles
        .iter()
        .filter_map(|r| r.instance_profile.as_ref())
}

/// What of `state` exists in `actual` and `wanted` does not name: a role, policy or instance
/// profile of another resource's that this request may remove.
pub fn unwanted(state: &DesiredState, wanted: &DesiredState, actual: &ActualState) -> ActualState {
    ActualState {
        instance_profiles: profiles(state)
            .filter(|p| !profiles(wanted).any(|w| w.name == p.name))
            .filter_map(|p| {
                actual
                    .instance_profiles
                    .get(&p.name)
                    .map(|a| (p.name.clone(), a.clone()))
            })
            .collect(),
        service_linked: Default::default(),
        roles: state
            .roles
            .iter()
            .filter(|r| !wanted.roles.iter().any(|w| w.name == r.name))
            .filter_map(|r| {
                actual
                    .roles
                    .get(&r.name)
                    .map(|a| (r.name.clone(), a.clone()))
            })
            .collect(),
        policies: state
            .policies
            .iter()
            .filter(|p| !wanted.policies.iter().any(|w| w.arn == p.arn))
            .filter_map(|p| {
                actual
                    .policies
                    .get(&p.arn)
                    .map(|a| (p.arn.clone(), a.clone()))
            })
            .collect(),
    }
}

/// Whether `owner` still owns any of the roles, policies and instance profiles of `state`.
pub fn owns_any(state: &DesiredState, actual: &ActualState, owner: &str) -> bool {
    let owned = |tags: &BTreeMap<String, String>| is_owned_by(tags, owner);
    state
        .roles
        .iter()
        .any(|r| actual.roles.get(&r.name).is_some_and(|a| owned(&a.tags)))
        || state
            .policies
            .iter()
            .any(|p| actual.policies.get(&p.arn).is_some_and(|a| owned(&a.tags)))
        || profiles(state).any(|p| {
            actual
                .instance_profiles
                .get(&p.name)
                .is_some_and(|a| owned(&a.tags))
        })
}

/// What IAM holds for an Update, read before deciding.
#[derive(Debug, Clone, Copy)]
pub struct UpdateFound<'a> {
    /// The new properties' state under the current id: the state of an in-place Update.
    pub new: &'a DesiredState,
    /// The old properties' state under the current id, if the old properties still parse.
    pub old: Option<&'a DesiredState>,
    /// What exists of `new`, `old` and the stray's state.
    pub actual: &'a ActualState,
    /// A replacement of this resource to the old properties that never answered (cut off by the
    /// deadline): the id it made its roles under, and the old properties' state under that id.
    pub stray: Option<&'a Replacement>,
    /// The resource to return to ([`rollback_target`]), read under its own id; None when there
    /// is none.
    pub replaced: Option<Replaced<'a>>,
}

/// The resource the current one replaced: its id, the new properties' state under that id, and
/// what exists of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Replaced<'a> {
    /// The replaced resource's PhysicalResourceId.
    pub id: &'a str,
    /// The new properties' state under that id.
    pub state: &'a DesiredState,
    /// What exists of `state`.
    pub actual: &'a ActualState,
}

/// How an Update goes. A return borrows what was read of the resource it returns to.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateStrategy<'a> {
    /// The current id is a failed Create's marker, which owns nothing (its Delete removes
    /// nothing): the resource is made under a new id, as a Create would make it; CloudFormation
    /// then deletes the marker, which is a no-op.
    CreateAnew,
    /// Converge under the current id; then remove what an unanswered replacement made alone.
    InPlace {
        /// What an unanswered replacement left, to remove after converging.
        stray: Option<Stray>,
    },
    /// An UPDATE_ROLLBACK: back to the resource the current one replaced, which still owns some
    /// of its roles or policies.
    ReturnTo {
        /// The resource the current one replaced, as read ([`UpdateFound::replaced`]).
        to: Replaced<'a>,
        /// Why the Update cannot happen in place ([`replacement_reasons`]).
        reasons: Vec<String>,
    },
    /// A new resource under a new id, taking over what the current one owns.
    Replace {
        /// Why the Update cannot happen in place ([`replacement_reasons`]).
        reasons: Vec<String>,
    },
}

/// What an unanswered replacement made that the in-place state does not name.
#[derive(Debug, Clone, PartialEq)]
pub struct Stray {
    /// The id it made them under (their owner tag).
    pub id: String,
    /// What it made that the in-place state does not name: to be removed.
    pub leftovers: ActualState,
}

/// The resource an Update of `current` would return to, whose state must be read for
/// [`decide_update`]: when the Update cannot happen in place, the one `current` replaced, as
/// its roles record it.
pub fn rollback_target(
    current: &str,
    new: &DesiredState,
    old: Option<&DesiredState>,
    actual: &ActualState,
) -> Option<String> {
    let old = old?;
    if replacement_reasons(old, new, actual, current).is_empty() {
        return None;
    }
    replaced_by(old, actual, current)
}

/// The Update decision for the resource `current`. `found` is what was read for it; nothing
/// is read (None) for a failed Create's marker.
pub fn decide_update<'a>(current: &str, found: Option<&UpdateFound<'a>>) -> UpdateStrategy<'a> {
    let Some(found) = found.filter(|_| !is_failed_marker(current)) else {
        return UpdateStrategy::CreateAnew;
    };
    let reasons = found
        .old
        .map(|old| replacement_reasons(old, found.new, found.actual, current))
        .unwrap_or_default();
    if reasons.is_empty() {
        // What the stray took over was handed back by converging; what it made alone goes.
        let stray = found.stray.map(|stray| Stray {
            id: stray.id.clone(),
            leftovers: unwanted(&stray.desired, found.new, found.actual),
        });
        return UpdateStrategy::InPlace { stray };
    }
    match found.replaced {
        Some(to) if owns_any(to.state, to.actual, to.id) => {
            UpdateStrategy::ReturnTo { to, reasons }
        }
        _ => UpdateStrategy::Replace { reasons },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::DesiredRole;
    use crate::identity::failed_marker_id;
    use crate::kinds::Kind;
    use crate::plan::{ActualRole, OWNER_TAG_KEY};
    use serde_json::json;

    const CURRENT: &str = "stack-R-current";
    const PREVIOUS: &str = "stack-R-previous";
    const STRAY: &str = "stack-R-stray";

    /// A state of one role per name, at path `/`.
    fn state(names: &[&str]) -> DesiredState {
        let role = |name: &&str| DesiredRole {
            kind: Kind::TaskExecution,
            name: name.to_string(),
            path: "/".into(),
            arn: format!("arn:aws:iam::123456789012:role/{name}"),
            trust: json!({}),
            managed_policy_arns: Default::default(),
            inline_policies: Default::default(),
            permissions_boundary: None,
            tags: Default::default(),
            instance_profile: None,
        };
        DesiredState {
            roles: names.iter().map(role).collect(),
            ..DesiredState::default()
        }
    }

    /// IAM holding roles of these names, each owned as given, at path `/`.
    fn holding(roles: &[(&str, &str)]) -> ActualState {
        let role = |(name, owner): &(&str, &str)| {
            let found = ActualRole {
                name: name.to_string(),
                path: "/".into(),
                tags: BTreeMap::from([(OWNER_TAG_KEY.to_string(), owner.to_string())]),
                ..Default::default()
            };
            (name.to_string(), found)
        };
        ActualState {
            roles: roles.iter().map(role).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_failed_creates_marker_is_created_anew() {
        let marker = failed_marker_id("create-request");
        assert_eq!(decide_update(&marker, None), UpdateStrategy::CreateAnew);
        // Whatever was read, a marker owns nothing to update.
        let (new, actual) = (state(&["a"]), ActualState::default());
        let found = UpdateFound {
            new: &new,
            old: None,
            actual: &actual,
            stray: None,
            replaced: None,
        };
        assert_eq!(
            decide_update(&marker, Some(&found)),
            UpdateStrategy::CreateAnew
        );
    }

    #[test]
    fn nothing_abandoned_is_in_place() {
        let (old, new) = (state(&["a"]), state(&["a"]));
        let actual = holding(&[("a", CURRENT)]);
        let found = UpdateFound {
            new: &new,
            old: Some(&old),
            actual: &actual,
            stray: None,
            replaced: None,
        };
        let in_place = UpdateStrategy::InPlace { stray: None };
        assert_eq!(decide_update(CURRENT, Some(&found)), in_place);
        // Old properties that no longer parse: nothing to compare with, so in place too.
        let unknown_old = UpdateFound { old: None, ..found };
        assert_eq!(decide_update(CURRENT, Some(&unknown_old)), in_place);
        assert_eq!(rollback_target(CURRENT, &new, Some(&old), &actual), None);
    }

    #[test]
    fn in_place_removes_only_what_the_stray_made_alone() {
        let (old, new) = (state(&["a", "gone"]), state(&["a"]));
        // The stray made `gone` (and took over `a`, which the in-place state names too).
        let stray_state = Replacement {
            id: STRAY.into(),
            desired: state(&["a", "gone"]),
        };
        let actual = holding(&[("a", CURRENT), ("gone", STRAY)]);
        let found = UpdateFound {
            new: &new,
            old: Some(&old),
            actual: &actual,
            stray: Some(&stray_state),
            replaced: None,
        };
        let UpdateStrategy::InPlace { stray: Some(stray) } = decide_update(CURRENT, Some(&found))
        else {
            panic!("in place expected: `gone` is the stray's, not the current resource's")
        };
        assert_eq!(stray.id, STRAY);
        let left: Vec<&String> = stray.leftovers.roles.keys().collect();
        assert_eq!(left, ["gone"]);
    }

    #[test]
    fn a_rollback_returns_to_the_replaced_resource_while_it_owns_something() {
        // The current resource replaced the previous one to rename role `a` to `b`; the
        // rollback asks for `a` again.
        let (old, new) = (state(&["b"]), state(&["a"]));
        let mut actual = holding(&[("b", CURRENT)]);
        actual
            .roles
            .get_mut("b")
            .unwrap()
            .tags
            .insert(LINEAGE_TAG_KEY.into(), PREVIOUS.into());
        assert_eq!(
            rollback_target(CURRENT, &new, Some(&old), &actual).as_deref(),
            Some(PREVIOUS)
        );
        let previous_state = state(&["a"]);
        let previous_actual = holding(&[("a", PREVIOUS)]);
        let previous = Replaced {
            id: PREVIOUS,
            state: &previous_state,
            actual: &previous_actual,
        };
        let found = UpdateFound {
            new: &new,
            old: Some(&old),
            actual: &actual,
            stray: None,
            replaced: Some(previous),
        };
        let reasons = vec!["role b is no longer wanted".to_string()];
        assert_eq!(
            decide_update(CURRENT, Some(&found)),
            UpdateStrategy::ReturnTo {
                to: previous,
                reasons: reasons.clone()
            }
        );

        // The replaced resource owns nothing any more (deleted since): a new replacement.
        let nothing = ActualState::default();
        let gone = UpdateFound {
            replaced: Some(Replaced {
                actual: &nothing,
                ..found.replaced.unwrap()
            }),
            ..found
        };
        let replace = UpdateStrategy::Replace { reasons };
        assert_eq!(decide_update(CURRENT, Some(&gone)), replace);
        // No resource to return to at all: a new replacement too.
        let first = UpdateFound {
            replaced: None,
            ..found
        };
        assert_eq!(decide_update(CURRENT, Some(&first)), replace);
    }
}
