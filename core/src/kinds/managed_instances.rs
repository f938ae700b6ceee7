//! `ManagedInstances`: the instance role of ECS Managed Instances, with its instance profile.
//! Follows the Amazon ECS Developer Guide page "Amazon ECS Managed Instances instance profile":
//! the infrastructure role's managed policy passes only `arn:…:role/ecsInstanceRole*`, so the
//! role's name starts with `ecsInstanceRole` and it lives at path `/`.

use super::{
    property_error, CheckContext, Design, DesignContext, Facts, InstanceProfileDesign, RoleDesign,
    RoleKind, Trust, INSTANCE_PROFILE_NAME, ROLE_NAME,
};
use crate::spec::PropertyError;
use serde_json::{json, Value};

/// The page's AWS managed policy for the instance role (no path).
pub const INSTANCE_ROLE_POLICY: &str = "/AmazonECSInstanceRolePolicyForManagedInstances";

kind_properties! {
    /// `Roles.ManagedInstances`'s properties, typed.
    pub struct ManagedInstances {
        /// `InstanceProfileName`; default: the role's name.
        instance_profile_name: Option<String> = text(INSTANCE_PROFILE_NAME),
    }
}

impl RoleKind for ManagedInstances {
    const NAME: &'static str = "ManagedInstances";
    const SOURCE: &'static str =
        "Amazon ECS Developer Guide: \"Amazon ECS Managed Instances instance profile\"";
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[INSTANCE_ROLE_POLICY];
    const ROLE_NAME_PREFIX: &'static str = "ecsInstanceRole";

    fn check(&self, cx: &CheckContext) -> Vec<PropertyError> {
        let why = "AmazonECSInfrastructureRolePolicyForManagedInstances passes only roles arn:PARTITION:iam::ACCOUNT:role/ecsInstanceRole*";
        let mut errors = vec![];
        if let Some(name) = cx
            .role_name
            .filter(|n| !n.starts_with(Self::ROLE_NAME_PREFIX))
        {
            let message = format!(
                "{name:?} must start with {:?}: {why}",
                Self::ROLE_NAME_PREFIX
            );
            errors.push(property_error(Self::NAME, ROLE_NAME.name, message));
        }
        if cx.path != "/" {
            errors.push(PropertyError {
                property: crate::spec::PATH.into(),
                message: format!(
                    "{:?} cannot hold the {} role, which must be at path \"/\": {why}",
                    cx.path,
                    Self::NAME
                ),
            });
        }
        errors
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            instance_profile: Some(self.instance_profile_name.as_deref()),
            ..Facts::default()
        }
    }

    fn design(&self, _cx: &DesignContext) -> Design {
        let mut role = RoleDesign::new(Trust::service("ec2.amazonaws.com"));
        role.aws_managed.push(INSTANCE_ROLE_POLICY);
        role.instance_profile = Some(InstanceProfileDesign {
            name: self.instance_profile_name.clone(),
        });
        role.into()
    }

    fn samples() -> Vec<Value> {
        vec![json!({})]
    }
}
