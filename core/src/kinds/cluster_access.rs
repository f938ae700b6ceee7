//! `ClusterAccess`: the role Granted's access handler (Common Fate) assumes to find a user's
//! ECS tasks. Follows Granted's "ECS access provider" setup (its cluster access policy);
//! `clusterAccessRoleArn` and `ecsRegion` are the field names of Granted's own configuration.

use super::access_handler::AccessHandlerRole;
use super::documents::{allow, policy};
use super::{
    Design, DesignContext, Facts, Property, RoleKind, TextProperty, EXTERNAL_ID, POLICY_NAME,
    TRUSTED_PRINCIPAL_ARN,
};
use crate::arns::PrincipalArn;
use crate::iam_rules::check_region;
use crate::identity::StackEnv;
use serde_json::{json, Value};

const ECS_REGION: TextProperty =
    Property::text("EcsRegion", check_region).fingerprint_key(super::REGION_FINGERPRINT_KEY);

/// The setup's cluster access actions, allowed on `*`.
pub const ACTIONS: [&str; 3] = [
    "ecs:ListTasks",
    "ecs:DescribeTasks",
    "cloudtrail:LookupEvents",
];

kind_properties! {
    /// `Roles.ClusterAccess`'s properties, typed: those of a role the access handler assumes, with
    /// `EcsRegion` as the region.
    pub struct ClusterAccess {
        /// The access handler's role or user, the one principal the role trusts.
        trusted_principal_arn: PrincipalArn = required_text(TRUSTED_PRINCIPAL_ARN),
        /// The `sts:ExternalId` the principal must send, if set.
        external_id: Option<String> = text(EXTERNAL_ID),
        /// The customer-managed policy's name; generated when absent.
        policy_name: Option<String> = text(POLICY_NAME),
        /// The region Granted's configuration names; default: the stack's.
        region: Option<String> = text(ECS_REGION),
    }
}

impl ClusterAccess {
    fn handler(&self) -> AccessHandlerRole<'_> {
        AccessHandlerRole {
            trusted_principal_arn: &self.trusted_principal_arn,
            external_id: self.external_id.as_deref(),
            policy_name: self.policy_name.as_deref(),
            region: self.region.as_deref(),
        }
    }
}

impl RoleKind for ClusterAccess {
    const NAME: &'static str = "ClusterAccess";
    const SOURCE: &'static str = "Granted (Common Fate): ECS access provider, cluster access role";
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[];
    const ROLE_NAME_OUTPUT: bool = false;

    fn facts(&self) -> Facts<'_> {
        self.handler().facts()
    }

    fn design(&self, _cx: &DesignContext) -> Design {
        self.handler()
            .design(Self::NAME, policy(vec![allow(&ACTIONS, json!("*"))]))
            .into()
    }

    fn extra_outputs(&self, role_arn: &str, env: &StackEnv) -> Vec<(&'static str, String)> {
        self.handler()
            .outputs(role_arn, env, ["clusterAccessRoleArn", "ecsRegion"])
    }

    fn samples() -> Vec<Value> {
        vec![json!({
            TRUSTED_PRINCIPAL_ARN.name: super::SAMPLE_PRINCIPAL,
            EXTERNAL_ID.name: "ext-id-1",
        })]
    }
}
