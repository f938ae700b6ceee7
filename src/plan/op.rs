//! The IAM writes a plan is made of.

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
    RemoveFromInstanceProfile {
        role: String,
        profile: String,
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

    /// Whether the operation takes something away (so finding it gone means it is done).
    pub fn is_removal(&self) -> bool {
        matches!(
            self,
            Op::DetachPolicy { .. }
                | Op::DeleteInlinePolicy { .. }
                | Op::RemoveFromInstanceProfile { .. }
                | Op::DeleteRole { .. }
                | Op::DeletePolicyVersion { .. }
                | Op::DeletePolicy { .. }
                | Op::DeleteBoundary { .. }
        )
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

/// Names of the roles and policies some operations created (to take back after a failure).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Created {
    pub roles: Vec<String>,
    pub policies: Vec<String>,
}

impl Created {
    pub fn from_ops<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Created {
        let mut created = Created::default();
        for op in ops {
            match op {
                Op::CreateRole { name, .. } => created.roles.push(name.clone()),
                Op::CreatePolicy { name, .. } => created.policies.push(name.clone()),
                _ => {}
            }
        }
        created
    }

    pub fn extend(&mut self, other: Created) {
        self.roles.extend(other.roles);
        self.policies.extend(other.policies);
    }
}
