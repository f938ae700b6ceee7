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

/// What IAM holds for an instance profile this resource may own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActualInstanceProfile {
    pub name: String,
    pub path: String,
    /// The roles it holds (IAM allows at most one).
    pub roles: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// The roles (by name), policies (by ARN) and instance profiles (by name) that exist, and the
/// service-linked roles (by role name) that exist; what is missing does not exist.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActualState {
    pub roles: BTreeMap<String, ActualRole>,
    pub policies: BTreeMap<String, ActualPolicy>,
    pub instance_profiles: BTreeMap<String, ActualInstanceProfile>,
    pub service_linked: BTreeSet<String>,
}
