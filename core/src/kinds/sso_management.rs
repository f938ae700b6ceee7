//! `SsoManagement`: the role Granted's access handler (Common Fate) assumes to manage IAM
//! Identity Center permission sets and account assignments. Follows Granted's "ECS access
//! provider" setup (its SSO management policy, each action once); `ssoRoleARN` and `ssoRegion`
//! are the field names of Granted's own configuration.

use super::access_handler::access_handler_properties;
use super::documents::{allow, policy};
use super::{
    Design, DesignContext, Facts, Property, RoleKind, TextProperty, TRUSTED_PRINCIPAL_ARN,
};
use crate::iam_rules::check_region;
use crate::identity::StackEnv;
use serde_json::{json, Value};

const SSO_REGION: TextProperty =
    Property::text("SsoRegion", check_region).fingerprint_key(super::REGION_FINGERPRINT_KEY);

/// The setup's SSO management actions, in its order, with its duplicate
/// `sso:CreateAccountAssignment` listed once.
pub const ACTIONS: [&str; 21] = [
    "sso:CreateAccountAssignment",
    "sso:DescribeAccountAssignmentDeletionStatus",
    "sso:DescribeAccountAssignmentCreationStatus",
    "sso:DescribePermissionSet",
    "sso:DeletePermissionSet",
    "sso:DeleteAccountAssignment",
    "sso:ListPermissionSets",
    "sso:ListTagsForResource",
    "sso:ListAccountAssignments",
    "organizations:ListAccounts",
    "organizations:DescribeAccount",
    "organizations:DescribeOrganization",
    "iam:GetSAMLProvider",
    "iam:GetRole",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "identitystore:ListUsers",
    "sso:CreatePermissionSet",
    "sso:PutInlinePolicyToPermissionSet",
    "iam:ListRoles",
    "iam:ListUsers",
];

access_handler_properties! {
    /// `Roles.SsoManagement`'s properties, typed: those of a role the access handler assumes, with
    /// `SsoRegion` as the region.
    pub struct SsoManagement { region: SSO_REGION }
}

impl RoleKind for SsoManagement {
    const NAME: &'static str = "SsoManagement";
    const SOURCE: &'static str = "Granted (Common Fate): ECS access provider, SSO management role";
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[];
    const ROLE_NAME_OUTPUT: bool = false;

    fn facts(&self) -> Facts<'_> {
        self.handler().facts()
    }

    fn design(&self, _cx: &DesignContext) -> Design {
        self.handler()
            .design(Self::NAME, management_policy())
            .into()
    }

    fn extra_outputs(&self, role_arn: &str, env: &StackEnv) -> Vec<(&'static str, String)> {
        self.handler()
            .outputs(role_arn, env, ["ssoRoleARN", "ssoRegion"])
    }

    fn samples() -> Vec<Value> {
        vec![json!({
            TRUSTED_PRINCIPAL_ARN.name: super::SAMPLE_PRINCIPAL,
            SSO_REGION.name: "us-east-1",
        })]
    }
}

/// The customer-managed policy: `ACTIONS` on `*`.
pub fn management_policy() -> Value {
    policy(vec![allow(&ACTIONS, json!("*"))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_duplicate_action_is_listed_once() {
        let unique: std::collections::BTreeSet<_> = ACTIONS.iter().collect();
        assert_eq!(unique.len(), ACTIONS.len());
    }
}
