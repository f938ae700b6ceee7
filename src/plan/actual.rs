//! What IAM holds, as read before planning: the other side of the diff.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

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
