//! `--live`: what the stack's resource is (CloudFormation `DescribeStackResource`) and what IAM
//! holds of it (the function's own reader, `iam::Session::read_state`). Read-only: nothing in
//! this crate calls a write; the function's `Session::apply` is never called.

use ecs_iam_roles::desired::DesiredState;
use ecs_iam_roles::iam::{Names, Session};
use ecs_iam_roles::plan::ActualState;
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
    pub status: String,
}

/// `DescribeStackResource`: None when the stack has no such resource (yet).
pub async fn stack_resource(
    aws: &Aws,
    stack_name: &str,
    logical_id: &str,
) -> Result<Option<StackResource>, String> {
    use aws_sdk_cloudformation::error::ProvideErrorMetadata;
    let got = aws
        .cloudformation
        .describe_stack_resource()
        .stack_name(stack_name)
        .logical_resource_id(logical_id)
        .send()
        .await;
    let got = match got {
        Ok(got) => got,
        Err(e) => {
            let message = e.message().unwrap_or_default().to_string();
            // CloudFormation's answer for a resource the stack does not have.
            if e.code() == Some("ValidationError") && message.contains("does not exist for stack") {
                return Ok(None);
            }
            return Err(format!(
                "cloudformation:DescribeStackResource of {logical_id} in stack {stack_name}: {}: {}",
                e.code().unwrap_or("(no code)"),
                if message.is_empty() { format!("{e:?}") } else { message }
            ));
        }
    };
    let detail = got
        .stack_resource_detail()
        .ok_or("cloudformation:DescribeStackResource answered no StackResourceDetail")?;
    let physical_id = detail
        .physical_resource_id()
        .unwrap_or_default()
        .to_string();
    let status = detail
        .resource_status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    if physical_id.is_empty() {
        return Ok(None);
    }
    Ok(Some(StackResource {
        stack_id: detail.stack_id().unwrap_or_default().to_string(),
        physical_id,
        status,
    }))
}

/// What the function reads for these states (as `lifecycle::names` lists them, which is not
/// public): each role with the inline policies it is expected to have, each policy, instance
/// profile and service-linked role once.
pub fn names(states: &[&DesiredState]) -> Names {
    let mut names = Names::default();
    let add = |list: &mut Vec<String>, name: &str| {
        if !list.iter().any(|n| n == name) {
            list.push(name.to_string());
        }
    };
    for state in states {
        for role in &state.roles {
            let inline: Vec<String> = role.inline_policies.keys().cloned().collect();
            match names.roles.iter_mut().find(|(name, _)| *name == role.name) {
                Some((_, known)) => {
                    for policy in inline {
                        if !known.contains(&policy) {
                            known.push(policy);
                        }
                    }
                }
                None => names.roles.push((role.name.clone(), inline)),
            }
            if let Some(profile) = &role.instance_profile {
                add(&mut names.instance_profiles, &profile.name);
            }
        }
        for policy in &state.policies {
            add(&mut names.policy_arns, &policy.arn);
        }
        for role in &state.service_linked {
            add(&mut names.service_linked, role.role_name);
        }
    }
    names
}

/// What IAM holds of a desired state's roles, policies, instance profiles and service-linked
/// roles, read as the function reads it before an Update.
pub async fn read(aws: &Aws, desired: &DesiredState) -> Result<ActualState, String> {
    let session = Session::new(&aws.iam, tokio::time::Instant::now() + READ_DEADLINE);
    session
        .read_state(&names(&[desired]), false)
        .await
        .map_err(|e| format!("reading IAM: {e}"))
}
