//! What a plan starts from: the files, the operator's settings, the stack, and the template's
//! resources of the planned types, each on the old and the new side.

use super::*;

pub(super) fn read_file(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
}

/// The operator's settings from the options, read as the function reads its environment.
pub(super) fn operator_of(options: &Options) -> Result<Operator, String> {
    let flag = |name: &str| -> &'static str {
        match name {
            operator::MANAGED_PATH_ENV => "--managed-path",
            operator::REQUIRED_BOUNDARY_ENV => "--required-boundary",
            operator::ALLOWED_KINDS_ENV => "--allowed-kinds",
            operator::TRUSTED_ACCOUNTS_ENV => "--trusted-accounts",
            _ => "--allow-adoption",
        }
    };
    let lookup = |name: &str| -> Option<String> {
        match name {
            operator::MANAGED_PATH_ENV => options.managed_path.clone(),
            operator::REQUIRED_BOUNDARY_ENV => options.required_boundary.clone(),
            operator::ALLOWED_KINDS_ENV => options.allowed_kinds.clone(),
            operator::TRUSTED_ACCOUNTS_ENV => options.trusted_accounts.clone(),
            operator::ALLOW_ADOPTION_ENV => options.allow_adoption.then(|| "true".to_string()),
            _ => None,
        }
    };
    Operator::from_lookup(lookup).map_err(|e| {
        let named = [
            operator::MANAGED_PATH_ENV,
            operator::REQUIRED_BOUNDARY_ENV,
            operator::ALLOWED_KINDS_ENV,
            operator::TRUSTED_ACCOUNTS_ENV,
        ]
        .into_iter()
        .find(|v| e.contains(v));
        match named {
            Some(var) => format!("{}: {e}", flag(var)),
            None => e,
        }
    })
}

/// The pseudo parameters: from a real stack id, or from the options and the defaults.
pub(super) fn stack_of(options: &Options, stack_id: Option<&str>) -> Result<Stack, String> {
    if let Some(stack_id) = stack_id {
        let env = identity::stack_env(stack_id)?;
        return Ok(Stack {
            partition: env.partition,
            region: env.region,
            account: env.account,
            stack_name: env.stack_name,
            stack_id: stack_id.to_string(),
        });
    }
    let or = |v: &Option<String>, d: &str| v.clone().unwrap_or_else(|| d.to_string());
    let partition = or(&options.partition, DEFAULT_PARTITION);
    let region = or(&options.region, DEFAULT_REGION);
    let account = or(&options.account, DEFAULT_ACCOUNT);
    let stack_name = or(&options.stack_name, DEFAULT_STACK_NAME);
    let stack_id = format!(
        "arn:{partition}:cloudformation:{region}:{account}:stack/{stack_name}/{PLACEHOLDER_STACK_GUID}"
    );
    identity::stack_env(&stack_id).map_err(|e| {
        format!("--account, --region, --partition and --stack-name must make a stack ARN: {e}")
    })?;
    Ok(Stack {
        partition,
        region,
        account,
        stack_name,
        stack_id,
    })
}

/// The logical ids of the template's resources of the planned types, in template order.
pub(super) fn resources_of(template: &Value, types: &[String]) -> Vec<String> {
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        return vec![];
    };
    resources
        .iter()
        .filter(|(_, r)| {
            r.get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| types.iter().any(|want| want == t))
        })
        .map(|(id, _)| id.clone())
        .collect()
}

pub(super) fn type_of(template: &Value, id: &str) -> Option<String> {
    template
        .get("Resources")?
        .get(id)?
        .get("Type")?
        .as_str()
        .map(str::to_string)
}

pub(super) fn side_of(
    template: &Map<String, Value>,
    resolver: &Resolver,
    id: &str,
    types: &[String],
) -> Side {
    let Some(resource) = template
        .get("Resources")
        .and_then(|r| r.get(id))
        .filter(|r| {
            r.get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| types.iter().any(|want| want == t))
        })
    else {
        return Side::Absent;
    };
    if let Some(condition) = resource.get("Condition") {
        let Some(name) = condition.as_str() else {
            return Side::Broken("Condition must name a condition".into());
        };
        match resolver.condition(name) {
            Ok(Some(true)) => {}
            Ok(Some(false)) => {
                return Side::Skipped(format!(
                    "its Condition {name} is false: CloudFormation does not make it"
                ))
            }
            Ok(None) => return Side::Broken(resolver.unknown_condition(name)),
            Err(e) => return Side::Broken(e),
        }
    }
    let properties = resource.get("Properties").cloned().unwrap_or(Value::Null);
    match resolver.resolve(&properties) {
        Ok(value) => Side::Present(value.unwrap_or(Value::Null)),
        Err(e) => Side::Broken(e),
    }
}
