//! `ServiceLinked`: the service-linked roles ECS needs, made when missing — their absence in a
//! new account is the most common first-deploy failure. Follows the Amazon ECS Developer Guide
//! page "Using service-linked roles for Amazon ECS" (and Application Auto Scaling's "Amazon ECS
//! and Application Auto Scaling"). They are the account's: never tagged, changed or deleted.

use super::{Design, DesignContext, Property, RoleKind, ServiceLinkedRole};
use crate::iam_rules::shown;
use crate::spec::KindReader;
use serde_json::{json, Value};

/// Each entry of `Services`: its output label, `AWSServiceName` and the role IAM makes.
pub const SERVICES: [ServiceLinkedRole; 3] = [
    ServiceLinkedRole {
        label: "Ecs",
        service_name: "ecs.amazonaws.com",
        role_name: "AWSServiceRoleForECS",
    },
    ServiceLinkedRole {
        label: "EcsCompute",
        service_name: "ecs-compute.amazonaws.com",
        role_name: "AWSServiceRoleForECSCompute",
    },
    ServiceLinkedRole {
        label: "ApplicationAutoScaling",
        service_name: "ecs.application-autoscaling.amazonaws.com",
        role_name: "AWSServiceRoleForApplicationAutoScaling_ECSService",
    },
];

fn check_service(value: &str) -> Result<(), String> {
    if SERVICES.iter().any(|s| s.label == value) {
        return Ok(());
    }
    let valid: Vec<&str> = SERVICES.iter().map(|s| s.label).collect();
    Err(format!("{} is not one of {}", shown(value), valid.join(", ")))
}

const SERVICES_PROPERTY: Property = Property::list("Services", check_service).required();

/// `Roles.ServiceLinked`'s properties, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLinked {
    /// `Services`: labels from `SERVICES`, each once.
    pub services: Vec<String>,
}

impl RoleKind for ServiceLinked {
    const NAME: &'static str = "ServiceLinked";
    const SOURCE: &'static str =
        "Amazon ECS Developer Guide: \"Using service-linked roles for Amazon ECS\"";
    const PROPERTIES: &'static [Property] = &[SERVICES_PROPERTY];
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[];
    const HAS_ROLE: bool = false;

    fn parse(properties: &mut KindReader) -> Option<Self> {
        let services = properties.list(&SERVICES_PROPERTY)?;
        Some(ServiceLinked { services })
    }

    fn design(&self, _cx: &DesignContext) -> Design {
        let roles = SERVICES
            .into_iter()
            .filter(|s| self.services.iter().any(|wanted| wanted == s.label))
            .collect();
        Design::ServiceLinked(roles)
    }

    fn samples() -> Vec<Value> {
        let all: Vec<&str> = SERVICES.iter().map(|s| s.label).collect();
        vec![json!({ SERVICES_PROPERTY.name: all })]
    }
}
