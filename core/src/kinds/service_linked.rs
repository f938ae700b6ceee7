//! `ServiceLinked`: the service-linked roles ECS needs, made when missing — their absence in a
//! new account is the most common first-deploy failure. Follows the Amazon ECS Developer Guide
//! page "Using service-linked roles for Amazon ECS" (and Application Auto Scaling's "Amazon ECS
//! and Application Auto Scaling"). They are the account's: never tagged, changed or deleted.

use super::{Design, DesignContext, ListProperty, Makes, Property, RoleKind, ServiceLinkedRole};
use crate::iam_rules::shown;
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

/// An entry of `Services`: one of ECS's service-linked roles, at its index in `SERVICES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// `AWSServiceRoleForECS`.
    Ecs,
    /// `AWSServiceRoleForECSCompute`.
    EcsCompute,
    /// `AWSServiceRoleForApplicationAutoScaling_ECSService`.
    ApplicationAutoScaling,
}

impl Service {
    /// Every entry, in the order of `SERVICES`.
    pub const ALL: [Service; 3] = [
        Service::Ecs,
        Service::EcsCompute,
        Service::ApplicationAutoScaling,
    ];

    /// Its label in `Services`, its `AWSServiceName` and the role IAM makes for it.
    pub fn role(self) -> ServiceLinkedRole {
        SERVICES[self as usize]
    }
}

impl std::str::FromStr for Service {
    type Err = ();

    fn from_str(label: &str) -> Result<Service, ()> {
        Service::ALL
            .into_iter()
            .find(|s| s.role().label == label)
            .ok_or(())
    }
}

impl super::PropertyValue for Service {
    fn property_value(&self) -> Value {
        Value::from(self.role().label)
    }
}

fn check_service(value: &str) -> Result<(), String> {
    if SERVICES.iter().any(|s| s.label == value) {
        return Ok(());
    }
    let valid: Vec<&str> = SERVICES.iter().map(|s| s.label).collect();
    Err(format!(
        "{} is not one of {}",
        shown(value),
        valid.join(", ")
    ))
}

const SERVICES_PROPERTY: ListProperty = Property::list("Services", check_service).required();

kind_properties! {
    /// `Roles.ServiceLinked`'s properties, typed.
    pub struct ServiceLinked {
        /// `Services`, each once.
        services: Vec<Service> = enum_list(SERVICES_PROPERTY),
    }
}

impl RoleKind for ServiceLinked {
    const NAME: &'static str = "ServiceLinked";
    const SOURCE: &'static str =
        "Amazon ECS Developer Guide: \"Using service-linked roles for Amazon ECS\"";
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[];
    const MAKES: Makes = Makes::ServiceLinkedRoles;

    fn design(&self, _cx: &DesignContext) -> Design {
        let roles = Service::ALL
            .into_iter()
            .filter(|s| self.services.contains(s))
            .map(Service::role)
            .collect();
        Design::ServiceLinked(roles)
    }

    fn samples() -> Vec<Value> {
        let all: Vec<&str> = SERVICES.iter().map(|s| s.label).collect();
        vec![json!({ SERVICES_PROPERTY.name: all })]
    }
}
