//! `--live`: what the stack's resource is (CloudFormation `DescribeStackResource`) and what IAM
//! holds of it (the function's own reader, `iam::Session::read_state`). Read-only: nothing in
//! this crate calls a write; the function's `Session::apply` is never called.

use ecs_iam_roles::desired::DesiredState;
use ecs_iam_roles::iam::{Names, Session};
use ecs_iam_roles::plan::ActualState;
use std::collections::BTreeMap;
use std::time::Duration;

/// The AWS clients `--live` reads with.
#[derive(Debug, Clone)]
pub struct Aws {
    pub iam: aws_sdk_iam::Client,
    pub cloudformation: aws_sdk_cloudformation::Client,
}

/// How long all of one resource's IAM reads may take.
const READ_DEADLINE: Duration = Duration::from_secs(60);

impl Aws {
    /// Clients from the usual SDK chain (environment, shared config and credentials files, SSO,
    /// web identity, container and instance credentials; `AWS_ENDPOINT_URL` and the
    /// service-specific endpoint variables too), with the function's HTTPS client. IAM's own
    /// retries are off as in the function: `Session` retries its reads itself.
    pub async fn from_env() -> Aws {
        let config = aws_config::from_env()
            .http_client(ecs_iam_roles::https::sdk_client())
            .load()
            .await;
        Aws::from_config(&config)
    }

    pub fn from_config(config: &aws_config::SdkConfig) -> Aws {
        let iam_config = aws_sdk_iam::config::Builder::from(config)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build();
        Aws {
            iam: aws_sdk_iam::Client::from_conf(iam_config),
            cloudformation: aws_sdk_cloudformation::Client::new(config),
        }
    }
}

/// The stack's resource, as CloudFormation describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackResource {
    pub stack_id: String,
    pub physical_id: String,
}

/// What the deployed stack knows that the template alone does not: its id, its parameters'
/// values, its resources' physical ids and the account's exports. Read with
/// `DescribeStacks`, `ListStackResources` and `ListExports` (read-only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deployed {
    pub stack_id: String,
    /// Parameter values (a NoEcho parameter's `****` is left out: unknown).
    pub parameters: BTreeMap<String, String>,
    /// Logical id → (resource type, physical id).
    pub resources: BTreeMap<String, (String, String)>,
    /// Export name → value.
    pub exports: BTreeMap<String, String>,
    /// What could not be read (the plan goes on without it).
    pub notes: Vec<String>,
}

fn describe<E: aws_sdk_cloudformation::error::ProvideErrorMetadata + std::fmt::Debug>(
    action: &str,
    e: &E,
) -> String {
    let message = e
        .message()
        .map(str::to_string)
        .unwrap_or_else(|| format!("{e:?}"));
    format!(
        "cloudformation:{action}: {}: {message}",
        e.code().unwrap_or("(no code)")
    )
}

/// The deployed stack named `stack_name`.
pub async fn deployed(aws: &Aws, stack_name: &str) -> Result<Deployed, String> {
    let cfn = &aws.cloudformation;
    let stacks = cfn
        .describe_stacks()
        .stack_name(stack_name)
        .send()
        .await
        .map_err(|e| describe("DescribeStacks", &e))?;
    let stack = stacks
        .stacks()
        .first()
        .ok_or_else(|| format!("cloudformation:DescribeStacks: no stack {stack_name}"))?;
    let mut deployed = Deployed {
        stack_id: stack.stack_id().unwrap_or_default().to_string(),
        ..Deployed::default()
    };
    for parameter in stack.parameters() {
        let (Some(key), Some(value)) = (parameter.parameter_key(), parameter.parameter_value())
        else {
            continue;
        };
        // An SSM parameter type's value is the SSM parameter's name; its resolved value is what
        // Ref gives.
        let value = parameter.resolved_value().unwrap_or(value);
        if value != "****" {
            deployed
                .parameters
                .insert(key.to_string(), value.to_string());
        }
    }
    let resources = cfn
        .list_stack_resources()
        .stack_name(&deployed.stack_id)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| describe("ListStackResources", &e))?;
    for r in resources {
        if let (Some(logical), Some(physical)) = (r.logical_resource_id(), r.physical_resource_id())
        {
            let kind = r.resource_type().unwrap_or_default().to_string();
            deployed
                .resources
                .insert(logical.to_string(), (kind, physical.to_string()));
        }
    }
    let exports = cfn
        .list_exports()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await;
    match exports {
        Ok(exports) => {
            for export in exports {
                if let (Some(name), Some(value)) = (export.name(), export.value()) {
                    deployed.exports.insert(name.to_string(), value.to_string());
                }
            }
        }
        Err(e) => deployed.notes.push(format!(
            "Fn::ImportValue stays a token: {}",
            describe("ListExports", &e)
        )),
    }
    Ok(deployed)
}

/// What IAM holds of a desired state's roles, policies, instance profiles and service-linked
/// roles, read as the function reads it before an Update.
pub async fn read(aws: &Aws, desired: &DesiredState) -> Result<ActualState, String> {
    let session = Session::new(&aws.iam, tokio::time::Instant::now() + READ_DEADLINE);
    session
        .read_state(&Names::of(&[desired]), false)
        .await
        .map_err(|e| format!("reading IAM: {e}"))
}
