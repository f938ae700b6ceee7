//! The IAM writes a plan is made of.

use crate::action::Action;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// One IAM write.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// A new role, tagged (with its owner tag) from the start.
    CreateRole {
        /// The role's name.
        name: String,
        /// The role's IAM path.
        path: String,
        /// The trust policy document.
        trust: Value,
        /// The permissions boundary's ARN, if any.
        permissions_boundary: Option<String>,
        /// The role's tags.
        tags: BTreeMap<String, String>,
    },
    /// `UpdateAssumeRolePolicy`: a new trust policy for the role.
    UpdateTrust {
        /// The role's name.
        role: String,
        /// The new trust policy document.
        trust: Value,
    },
    /// `PutRolePermissionsBoundary`: set or replace the role's permissions boundary.
    PutBoundary {
        /// The role's name.
        role: String,
        /// The boundary policy's ARN.
        arn: String,
    },
    /// `DeleteRolePermissionsBoundary`: the role keeps no permissions boundary.
    DeleteBoundary {
        /// The role's name.
        role: String,
    },
    /// Add tags to the role, or change their values.
    TagRole {
        /// The role's name.
        role: String,
        /// The tags to set.
        tags: BTreeMap<String, String>,
    },
    /// Remove tags from the role.
    UntagRole {
        /// The role's name.
        role: String,
        /// The keys of the tags to remove.
        keys: Vec<String>,
    },
    /// `AttachRolePolicy`: attach a managed policy to the role.
    AttachPolicy {
        /// The role's name.
        role: String,
        /// The managed policy's ARN.
        arn: String,
    },
    /// `DetachRolePolicy`: detach a managed policy from the role.
    DetachPolicy {
        /// The role's name.
        role: String,
        /// The managed policy's ARN.
        arn: String,
    },
    /// `PutRolePolicy`: create or replace one of the role's inline policies.
    PutInlinePolicy {
        /// The role's name.
        role: String,
        /// The inline policy's name.
        name: String,
        /// The policy document.
        document: Value,
    },
    /// `DeleteRolePolicy`: delete one of the role's inline policies.
    DeleteInlinePolicy {
        /// The role's name.
        role: String,
        /// The inline policy's name.
        name: String,
    },
    /// A new, empty instance profile, tagged (with its owner tag) from the start.
    CreateInstanceProfile {
        /// The instance profile's name.
        name: String,
        /// The instance profile's IAM path.
        path: String,
        /// The instance profile's tags.
        tags: BTreeMap<String, String>,
    },
    /// `AddRoleToInstanceProfile`: put the role in the (empty) instance profile.
    AddToInstanceProfile {
        /// The role's name.
        role: String,
        /// The instance profile's name.
        profile: String,
    },
    /// `RemoveRoleFromInstanceProfile`: take the role out of the instance profile.
    RemoveFromInstanceProfile {
        /// The role's name.
        role: String,
        /// The instance profile's name.
        profile: String,
    },
    /// Add tags to the instance profile, or change their values.
    TagInstanceProfile {
        /// The instance profile's name.
        name: String,
        /// The tags to set.
        tags: BTreeMap<String, String>,
    },
    /// Remove tags from the instance profile.
    UntagInstanceProfile {
        /// The instance profile's name.
        name: String,
        /// The keys of the tags to remove.
        keys: Vec<String>,
    },
    /// Delete the instance profile, once it holds no role.
    DeleteInstanceProfile {
        /// The instance profile's name.
        name: String,
    },
    /// Made by IAM under the name and path the service dictates; finding it made already is
    /// success (`iam::apply`).
    CreateServiceLinkedRole {
        /// `AWSServiceName`.
        service_name: String,
        /// The name IAM gives it (for messages; IAM takes no name).
        role_name: String,
    },
    /// Delete the role, once it holds no policies and is in no instance profile.
    DeleteRole {
        /// The role's name.
        role: String,
    },
    /// A new customer-managed policy, tagged (with its owner tag) from the start.
    CreatePolicy {
        /// The ARN it will have (to recognise it as this request's after an unclear answer).
        arn: String,
        /// The policy's name.
        name: String,
        /// The policy's IAM path.
        path: String,
        /// The policy document (its first version).
        document: Value,
        /// The policy's tags.
        tags: BTreeMap<String, String>,
    },
    /// A new version of the policy's document, made the default.
    CreatePolicyVersion {
        /// The policy's ARN.
        arn: String,
        /// The new policy document.
        document: Value,
    },
    /// Delete a version of the policy that is not the default.
    DeletePolicyVersion {
        /// The policy's ARN.
        arn: String,
        /// The version's id, e.g. `v2`.
        version_id: String,
    },
    /// Add tags to the policy, or change their values.
    TagPolicy {
        /// The policy's ARN.
        arn: String,
        /// The tags to set.
        tags: BTreeMap<String, String>,
    },
    /// Remove tags from the policy.
    UntagPolicy {
        /// The policy's ARN.
        arn: String,
        /// The keys of the tags to remove.
        keys: Vec<String>,
    },
    /// Delete the policy, once it is attached to no role and has no version but the default.
    DeletePolicy {
        /// The policy's ARN.
        arn: String,
    },
}

/// What an operation does to the thing it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Creates, changes or adds to it. Untagging too: a missing role or policy is not a tag
    /// already gone.
    Sets,
    /// Takes something away: finding it already gone means the operation is done.
    Removes,
}

impl Op {
    /// The IAM API action each operation calls, and what it does, side by side.
    fn kind(&self) -> (Action, Effect) {
        use Effect::*;
        match self {
            Op::CreateRole { .. } => (Action::CreateRole, Sets),
            Op::UpdateTrust { .. } => (Action::UpdateAssumeRolePolicy, Sets),
            Op::PutBoundary { .. } => (Action::PutRolePermissionsBoundary, Sets),
            Op::DeleteBoundary { .. } => (Action::DeleteRolePermissionsBoundary, Removes),
            Op::TagRole { .. } => (Action::TagRole, Sets),
            Op::UntagRole { .. } => (Action::UntagRole, Sets),
            Op::AttachPolicy { .. } => (Action::AttachRolePolicy, Sets),
            Op::DetachPolicy { .. } => (Action::DetachRolePolicy, Removes),
            Op::PutInlinePolicy { .. } => (Action::PutRolePolicy, Sets),
            Op::DeleteInlinePolicy { .. } => (Action::DeleteRolePolicy, Removes),
            Op::CreateInstanceProfile { .. } => (Action::CreateInstanceProfile, Sets),
            Op::AddToInstanceProfile { .. } => (Action::AddRoleToInstanceProfile, Sets),
            Op::RemoveFromInstanceProfile { .. } => {
                (Action::RemoveRoleFromInstanceProfile, Removes)
            }
            Op::TagInstanceProfile { .. } => (Action::TagInstanceProfile, Sets),
            Op::UntagInstanceProfile { .. } => (Action::UntagInstanceProfile, Sets),
            Op::DeleteInstanceProfile { .. } => (Action::DeleteInstanceProfile, Removes),
            Op::CreateServiceLinkedRole { .. } => (Action::CreateServiceLinkedRole, Sets),
            Op::DeleteRole { .. } => (Action::DeleteRole, Removes),
            Op::CreatePolicy { .. } => (Action::CreatePolicy, Sets),
            Op::CreatePolicyVersion { .. } => (Action::CreatePolicyVersion, Sets),
            Op::DeletePolicyVersion { .. } => (Action::DeletePolicyVersion, Removes),
            Op::TagPolicy { .. } => (Action::TagPolicy, Sets),
            Op::UntagPolicy { .. } => (Action::UntagPolicy, Sets),
            Op::DeletePolicy { .. } => (Action::DeletePolicy, Removes),
        }
    }

    /// The IAM API action this operation calls.
    pub fn action(&self) -> Action {
        self.kind().0
    }

    /// Whether the operation takes something away (so finding it gone means it is done).
    pub fn is_removal(&self) -> bool {
        self.kind().1 == Effect::Removes
    }

    /// Whether the operation changes who may assume a role or what it may do (everything but
    /// tagging): IAM then needs time before the change is visible everywhere.
    pub fn changes_access(&self) -> bool {
        !matches!(
            self.action(),
            Action::TagRole
                | Action::UntagRole
                | Action::TagPolicy
                | Action::UntagPolicy
                | Action::TagInstanceProfile
                | Action::UntagInstanceProfile
        )
    }

    /// The role, policy or instance profile the operation acts on, for error messages.
    pub fn target(&self) -> String {
        match self {
            Op::CreateInstanceProfile { name, .. }
            | Op::TagInstanceProfile { name, .. }
            | Op::UntagInstanceProfile { name, .. }
            | Op::DeleteInstanceProfile { name } => format!("instance profile {name}"),
            Op::AddToInstanceProfile { role, profile } => {
                format!("instance profile {profile} (role {role})")
            }
            Op::CreateServiceLinkedRole {
                service_name,
                role_name,
            } => format!("service-linked role {role_name} ({service_name})"),
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

/// Names of the roles, policies and instance profiles some operations created (to take back
/// after a failure). Service-linked roles are not among them: they are the account's, never
/// taken back.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Created {
    /// The names of the roles created.
    pub roles: Vec<String>,
    /// The names of the customer-managed policies created.
    pub policies: Vec<String>,
    /// The names of the instance profiles created.
    pub instance_profiles: Vec<String>,
}

impl Created {
    /// What these operations (ones that completed) created.
    pub fn from_ops<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Created {
        let mut created = Created::default();
        for op in ops {
            match op {
                Op::CreateRole { name, .. } => created.roles.push(name.clone()),
                Op::CreatePolicy { name, .. } => created.policies.push(name.clone()),
                Op::CreateInstanceProfile { name, .. } => {
                    created.instance_profiles.push(name.clone())
                }
                _ => {}
            }
        }
        created
    }

    /// Adds what `other` created.
    pub fn extend(&mut self, other: Created) {
        self.roles.extend(other.roles);
        self.policies.extend(other.policies);
        self.instance_profiles.extend(other.instance_profiles);
    }
}
