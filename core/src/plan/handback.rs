//! The Delete of a replacement that a rollback sends alone (no Update with the old properties
//! first): what the replacement took over by name goes back to the resource it replaced, as
//! that resource's properties (kept in the hand-over record, `crate::handover`) describe it,
//! before the rest is torn down.

use super::actual::ActualState;
use super::ownership::{is_owned_by, LINEAGE_TAG_KEY};
use crate::desired::DesiredState;
use crate::handover;
use serde_json::Value;
use std::collections::BTreeMap;

/// The resource whose roles `owner` took over in a replacement, and that resource's
/// properties, as the hand-over record on what `owner` owns says.
pub fn handed_over_from(actual: &ActualState, owner: &str) -> Option<(String, Value)> {
    let tags = actual
        .roles
        .values()
        .map(|r| &r.tags)
        .chain(actual.policies.values().map(|p| &p.tags))
        .chain(actual.instance_profiles.values().map(|p| &p.tags));
    tags.filter(|t| is_owned_by(t, owner)).find_map(|t| {
        let previous = t.get(LINEAGE_TAG_KEY).filter(|id| id.as_str() != owner)?;
        Some((previous.clone(), handover::from_tags(t)?))
    })
}

/// What of `previous` (the replaced resource's state under its own id, `previous_id`) the
/// Delete of `owner` gives back: the roles, customer-managed policies and instance profiles of
/// it that `owner` took over and still owns. What `previous_id` owns itself is left as it is (a
/// later Update may have changed it on purpose), and nothing is made: what is missing, or now
/// someone else's, is left out, and so are service-linked roles (the account's).
pub fn give_back_state(
    previous: &DesiredState,
    actual: &ActualState,
    owner: &str,
    previous_id: &str,
) -> DesiredState {
    let taken = |tags: &BTreeMap<String, String>| is_owned_by(tags, owner);
    let policies: Vec<_> = previous
        .policies
        .iter()
        .filter(|p| actual.policies.get(&p.arn).is_some_and(|a| taken(&a.tags)))
        .cloned()
        .collect();
    // The old resource's own customer policies exist too and can be attached.
    let attachable = |arn: &str| {
        let found = actual.policies.get(arn);
        found.is_some_and(|a| taken(&a.tags) || is_owned_by(&a.tags, previous_id))
    };
    let roles = previous
        .roles
        .iter()
        .filter(|r| actual.roles.get(&r.name).is_some_and(|a| taken(&a.tags)))
        .map(|role| {
            let mut role = role.clone();
            role.instance_profile = role.instance_profile.filter(|p| {
                let found = actual.instance_profiles.get(&p.name);
                found.is_some_and(|a| taken(&a.tags))
            });
            // A customer-managed policy of the old resource that is gone cannot be attached.
            role.managed_policy_arns.retain(|arn| {
                let customer = previous.policies.iter().any(|p| &p.arn == arn);
                !customer || attachable(arn)
            });
            role
        })
        .collect();
    DesiredState {
        roles,
        policies,
        service_linked: vec![],
    }
}

/// Only what `given` names of `actual` (its roles, their instance profiles and its policies;
/// the account's service-linked roles as they are): what reading for `given` finds, and what
/// the give-back may converge. Converging against all of the old resource's state would remove
/// the customer policies it owns that `given` leaves out (converge removes owned policies no
/// longer wanted).
pub fn within(actual: &ActualState, given: &DesiredState) -> ActualState {
    let named = |name: &String| given.roles.iter().any(|r| &r.name == name);
    let profile = |name: &String| {
        given
            .roles
            .iter()
            .any(|r| r.instance_profile.as_ref().is_some_and(|p| &p.name == name))
    };
    let policy = |arn: &String| given.policies.iter().any(|p| &p.arn == arn);
    ActualState {
        roles: actual
            .roles
            .clone()
            .into_iter()
            .filter(|(n, _)| named(n))
            .collect(),
        policies: actual
            .policies
            .clone()
            .into_iter()
            .filter(|(a, _)| policy(a))
            .collect(),
        instance_profiles: (actual.instance_profiles.clone().into_iter())
            .filter(|(n, _)| profile(n))
            .collect(),
        service_linked: actual.service_linked.clone(),
    }
}

/// `actual` without the roles, policies and instance profiles `given` names: after the
/// give-back they are no longer the Delete's to remove.
pub fn without(actual: &ActualState, given: &DesiredState) -> ActualState {
    let mut left = actual.clone();
    for role in &given.roles {
        left.roles.remove(&role.name);
        if let Some(profile) = &role.instance_profile {
            left.instance_profiles.remove(&profile.name);
        }
    }
    for policy in &given.policies {
        left.policies.remove(&policy.arn);
    }
    left
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::{DesiredInstanceProfile, DesiredPolicy, DesiredRole};
    use crate::kinds::Kind;
    use crate::plan::{ActualInstanceProfile, ActualPolicy, ActualRole, OWNER_TAG_KEY};
    use serde_json::json;

    const NEW: &str = "stack-R-new";
    const OLD: &str = "stack-R-old";
    const OTHER: &str = "stack-R-other";
    const POLICY: &str = "arn:aws:iam::123456789012:policy/agent";

    fn owned(owner: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(OWNER_TAG_KEY.to_string(), owner.to_string())])
    }

    fn role(name: &str) -> DesiredRole {
        DesiredRole {
            kind: Kind::ContainerInstance,
            name: name.into(),
            path: "/".into(),
            arn: format!("arn:aws:iam::123456789012:role/{name}"),
            trust: json!({}),
            managed_policy_arns: [POLICY.to_string(), "arn:aws:iam::aws:policy/X".into()].into(),
            inline_policies: Default::default(),
            permissions_boundary: None,
            tags: owned(OLD),
            instance_profile: Some(DesiredInstanceProfile {
                name: name.into(),
                path: "/".into(),
                arn: format!("arn:aws:iam::123456789012:instance-profile/{name}"),
                tags: owned(OLD),
            }),
        }
    }

    fn found_role(name: &str, owner: &str) -> (String, ActualRole) {
        let role = ActualRole {
            name: name.into(),
            path: "/".into(),
            tags: owned(owner),
            ..Default::default()
        };
        (name.to_string(), role)
    }

    #[test]
    fn gives_back_only_what_the_new_resource_took_over_and_still_owns() {
        let previous = DesiredState {
            roles: vec![
                role("kept"),
                role("kept-with-profile"),
                role("old-own"),
                role("taken-by-c"),
                role("gone"),
            ],
            policies: vec![DesiredPolicy {
                kind: Kind::ContainerInstance,
                name: "agent".into(),
                path: "/".into(),
                arn: POLICY.into(),
                document: json!({}),
                tags: owned(OLD),
            }],
            service_linked: vec![],
        };
        let profile = |name: &str, owner: &str| {
            let found = ActualInstanceProfile {
                name: name.into(),
                path: "/".into(),
                roles: vec![name.into()],
                tags: owned(owner),
            };
            (name.to_string(), found)
        };
        // The policy was deleted (say by hand); `kept` lost its instance profile to another
        // resource; `old-own` is still the old resource's own (a later Update may have changed
        // it on purpose: left alone); `taken-by-c` belongs to a later replacement; `gone` does
        // not exist.
        let actual = ActualState {
            roles: [
                found_role("kept", NEW),
                found_role("kept-with-profile", NEW),
                found_role("old-own", OLD),
                found_role("taken-by-c", OTHER),
            ]
            .into(),
            instance_profiles: [
                profile("kept", OTHER),
                profile("kept-with-profile", NEW),
                profile("old-own", OLD),
            ]
            .into(),
            ..Default::default()
        };
        let given = give_back_state(&previous, &actual, NEW, OLD);
        let names: Vec<&str> = given.roles.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["kept", "kept-with-profile"]);
        assert!(given.policies.is_empty(), "nothing is made again");
        assert_eq!(given.roles[0].instance_profile, None, "not ours: left out");
        assert!(
            given.roles[1].instance_profile.is_some(),
            "taken over: given back"
        );
        let managed: Vec<&str> = given.roles[0]
            .managed_policy_arns
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(
            managed,
            ["arn:aws:iam::aws:policy/X"],
            "a gone policy is not attached"
        );

        let left = without(&actual, &given);
        let left: Vec<&String> = left.roles.keys().collect();
        assert_eq!(left, ["old-own", "taken-by-c"]);

        // What the give-back converges against: only what it gives back, so the old
        // resource's own policy (not given back) is not planned away as "no longer wanted".
        let mut with_policy = actual.clone();
        let policy = ActualPolicy {
            arn: POLICY.into(),
            tags: owned(OLD),
            ..Default::default()
        };
        with_policy.policies.insert(POLICY.into(), policy);
        let converged = within(&with_policy, &given);
        assert!(converged.policies.is_empty());
        let roles: Vec<&String> = converged.roles.keys().collect();
        assert_eq!(roles, ["kept", "kept-with-profile"]);
        let profiles: Vec<&String> = converged.instance_profiles.keys().collect();
        assert_eq!(profiles, ["kept-with-profile"]);
    }

    #[test]
    fn the_record_is_read_from_what_the_new_resource_owns_and_names_another() {
        let mut tags = owned(NEW);
        tags.insert(LINEAGE_TAG_KEY.into(), OLD.into());
        tags.extend(handover::to_tags(&json!({"Roles": {}})));
        let mut actual = ActualState {
            roles: [found_role("a", NEW)].into(),
            ..Default::default()
        };
        assert_eq!(handed_over_from(&actual, NEW), None, "no record");
        actual.roles.get_mut("a").unwrap().tags = tags.clone();
        assert_eq!(
            handed_over_from(&actual, NEW),
            Some((OLD.to_string(), json!({"Roles": {}})))
        );
        assert_eq!(handed_over_from(&actual, OTHER), None, "not the owner");
        // After a rollback returned the role to the old id, the lineage names its owner.
        tags.insert(OWNER_TAG_KEY.into(), OLD.into());
        actual.roles.get_mut("a").unwrap().tags = tags;
        assert_eq!(handed_over_from(&actual, OLD), None);
    }
}
