//! The IAM writes a plan is made of.

use crate::iam::Action;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

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
    CreateInstanceProfile {
        name: String,
        path: String,
        tags: BTreeMap<String, String>,
    },
    AddToInstanceProfile {
        role: String,
        profile: String,
    },
    RemoveFromInstanceProfile {
        role: String,
        profile: String,
    },
    TagInstanceProfile {
        name: String,
        tags: BTreeMap<String, String>,
    },
    UntagInstanceProfile {
        name: String,
        keys: Vec<String>,
    },
    DeleteInstanceProfile {
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
    DeleteRole {
        role: String,
    },
    CreatePolicy {
        /// The ARN it will have (to recognise it as this request's after an unclear answer).
        arn: String,
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
    pub roles: Vec<String>,
    pub policies: Vec<String>,
    pub instance_profiles: Vec<String>,
}

impl Created {
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

    pub fn extend(&mut self, other: Created) {
        self.roles.extend(other.roles);
        self.policies.extend(other.policies);
        self.instance_profiles.extend(other.instance_profiles);
    }
}
