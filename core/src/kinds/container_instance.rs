//! `ContainerInstance`: the role of the EC2 instances of an ECS cluster (ECS on EC2), with its
//! instance profile. Follows the Amazon ECS Developer Guide page "Amazon ECS container instance
//! IAM role"; `SsmManaged` adds the Systems Manager policy that page's ECS Anywhere sibling uses.

use super::ecs_anywhere::{EC2_CONTAINER_SERVICE_FOR_EC2_ROLE, SSM_MANAGED_INSTANCE_CORE};
use super::{
    Design, DesignContext, Facts, FlagProperty, InstanceProfileDesign, Property, RoleDesign,
    RoleKind, Trust, INSTANCE_PROFILE_NAME,
};
use serde_json::{json, Value};

const SSM_MANAGED: FlagProperty = Property::flag("SsmManaged");

kind_properties! {
    /// `Roles.ContainerInstance`'s properties, typed.
    pub struct ContainerInstance {
        /// `InstanceProfileName`; default: the role's name.
        instance_profile_name: Option<String> = text(INSTANCE_PROFILE_NAME),
        /// Also AmazonSSMManagedInstanceCore (Session Manager, patching).
        ssm_managed: bool = flag(SSM_MANAGED),
    }
}

impl RoleKind for ContainerInstance {
    const NAME: &'static str = "ContainerInstance";
    const SOURCE: &'static str =
        "Amazon ECS Developer Guide: \"Amazon ECS container instance IAM role\"";
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[
        EC2_CONTAINER_SERVICE_FOR_EC2_ROLE,
        SSM_MANAGED_INSTANCE_CORE,
    ];

    fn facts(&self) -> Facts<'_> {
        Facts {
            instance_profile: Some(self.instance_profile_name.as_deref()),
            ..Facts::default()
        }
    }

    fn design(&self, _cx: &DesignContext) -> Design {
        // The page's trust policy has no condition: EC2 sends none for instance profiles.
        let mut role = RoleDesign::new(Trust::service("ec2.amazonaws.com"));
        role.aws_managed.push(EC2_CONTAINER_SERVICE_FOR_EC2_ROLE);
        if self.ssm_managed {
            role.aws_managed.push(SSM_MANAGED_INSTANCE_CORE);
        }
        role.instance_profile = Some(InstanceProfileDesign {
            name: self.instance_profile_name.clone(),
        });
        role.into()
    }

    fn samples() -> Vec<Value> {
        vec![json!({}), json!({ SSM_MANAGED.name: "true" })]
    }
}
