//! `ClusterAccess`: the role Granted's access handler (Common Fate) assumes to find a user's
//! ECS tasks. Follows Granted's "ECS access provider" setup (its cluster access policy);
//! `clusterAccessRoleArn` and `ecsRegion` are the field names of Granted's own configuration.

use super::access_handler::access_handler_properties;
use super::documents::{allow, policy};
use super::{
    Design, DesignContext, Facts, Property, RoleKind, TextProperty, EXTERNAL_ID,
    TRUSTED_PRINCIPAL_ARN,
};
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

access_handler_properties! {
    /// `Roles.ClusterAccess`'s properties, typed: those of a role the access handler assumes, with
    /// `EcsRegion` as the region.
    pub struct ClusterAccess { region: ECS_REGION }
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
