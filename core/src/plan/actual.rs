//! What IAM holds, as read before planning: the other side of the diff.

use crate::desired::DesiredState;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What IAM holds for a role this resource may own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActualRole {
    /// The role's name.
    pub name: String,
    /// The role's IAM path.
    pub path: String,
    /// The trust policy document.
    pub trust: Value,
    /// The ARNs of the managed policies attached.
    pub managed_policy_arns: BTreeSet<String>,
    /// Inline policies by name, with their documents.
    pub inline_policies: BTreeMap<String, Value>,
    /// The permissions boundary's ARN, if any.
    pub permissions_boundary: Option<String>,
    /// The role's tags.
    pub tags: BTreeMap<String, String>,
    /// The names of the instance profiles that hold the role.
    pub instance_profiles: Vec<String>,
}

/// One version of a customer-managed policy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyVersion {
    /// IAM's version id, e.g. `v2`.
    pub id: String,
    /// Whether it is the version in effect.
    pub is_default: bool,
}

/// What IAM holds for a customer-managed policy this resource may own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActualPolicy {
    /// The policy's ARN.
    pub arn: String,
    /// The default version's document.
    pub document: Value,
    /// Oldest first.
    pub versions: Vec<PolicyVersion>,
    /// The policy's tags.
    pub tags: BTreeMap<String, String>,
}

/// What IAM holds for an instance profile this resource may own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActualInstanceProfile {
    /// The instance profile's name.
    pub name: String,
    /// The instance profile's IAM path.
    pub path: String,
    /// The roles it holds (IAM allows at most one).
    pub roles: Vec<String>,
    /// The instance profile's tags.
    pub tags: BTreeMap<String, String>,
}

/// The roles (by name), policies (by ARN) and instance profiles (by name) that exist, and the
/// service-linked roles (by role name) that exist; what is missing does not exist.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActualState {
    /// Roles by name.
    pub roles: BTreeMap<String, ActualRole>,
    /// Customer-managed policies by ARN.
    pub policies: BTreeMap<String, ActualPolicy>,
    /// Instance profiles by name.
    pub instance_profiles: BTreeMap<String, ActualInstanceProfile>,
    /// The names of the service-linked roles that exist.
    pub service_linked: BTreeSet<String>,
}

impl ActualState {
    /// What IAM holds once `state` is made exactly as asked (each policy at its first version):
    /// what a plan is made against where IAM is not read (the plan command's offline Update and
    /// Delete, the tests).
    pub fn as_made(state: &DesiredState) -> ActualState {
        let mut actual = ActualState::default();
        for role in &state.roles {
            let profile = role.instance_profile.as_ref();
            actual.roles.insert(
                role.name.clone(),
                ActualRole {
                    name: role.name.clone(),
                    path: role.path.clone(),
                    trust: role.trust.clone(),
                    managed_policy_arns: role.managed_policy_arns.clone(),
                    inline_policies: role.inline_policies.clone(),
                    permissions_boundary: role.permissions_boundary.clone(),
                    tags: role.tags.clone(),
                    instance_profiles: profile.iter().map(|p| p.name.clone()).collect(),
                },
            );
            if let Some(profile) = profile {
                actual.instance_profiles.insert(
                    profile.name.clone(),
                    ActualInstanceProfile {
                        name: profile.name.clone(),
                        path: profile.path.clone(),
                        roles: vec![role.name.clone()],
                        tags: profile.tags.clone(),
                    },
                );
            }
        }
        for policy in &state.policies {
            actual.policies.insert(
                policy.arn.clone(),
                ActualPolicy {
                    arn: policy.arn.clone(),
                    document: policy.document.clone(),
                    versions: vec![PolicyVersion {
                        id: "v1".into(),
                        is_default: true,
                    }],
                    tags: policy.tags.clone(),
                },
            );
        }
        actual.service_linked = state
            .service_linked
            .iter()
            .map(|r| r.role_name.to_string())
            .collect();
        actual
    }
}
