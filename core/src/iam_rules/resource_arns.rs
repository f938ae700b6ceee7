//! The ARNs a role's own policies name (`TaskExecution`'s extras, `Events`' roles to pass,
//! `DeploymentHooks`' functions): each names exactly one resource of the right service — never a
//! wildcard, which would grant more than the stack asked for.

use super::{check_length, check_principal_arn, shown};
use crate::arn::{is_account_id, Arn};

/// The common shape: an ARN of `service` (one of them) with a region and an account, no
/// wildcard; its resource part.
fn resource_of<'a>(value: &'a str, services: &[&str], example: &str) -> Result<Arn<'a>, String> {
    check_length(value, 0, 2048).map_err(|e| format!("{}: an ARN {e}", shown(value)))?;
    if value.contains(['*', '?']) {
        return Err(format!(
            "{} contains a wildcard; name exactly one resource ({example})",
            shown(value)
        ));
    }
    let arn =
        Arn::parse(value).ok_or_else(|| format!("{} is not an ARN ({example})", shown(value)))?;
    if !services.contains(&arn.service) {
        return Err(format!(
            "{} is an ARN of {:?}, not of {} ({example})",
            shown(value),
            arn.service,
            services.join(" or ")
        ));
    }
    Ok(arn)
}

fn regional(arn: &Arn, value: &str, example: &str) -> Result<(), String> {
    if arn.region.is_empty() || !is_account_id(arn.account) {
        return Err(format!(
            "{} needs a region and an account ({example})",
            shown(value)
        ));
    }
    Ok(())
}

/// Secrets Manager secret or SSM parameter (`Secrets`).
pub fn check_secret_or_parameter_arn(value: &str) -> Result<(), String> {
    let example = "arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME or arn:aws:ssm:REGION:ACCOUNT:parameter/NAME";
    let arn = resource_of(value, &["secretsmanager", "ssm"], example)?;
    regional(&arn, value, example)?;
    let name = match arn.service {
        "secretsmanager" => arn.resource.strip_prefix("secret:"),
        _ => arn.resource.strip_prefix("parameter/"),
    };
    match name {
        Some(name) if !name.is_empty() => Ok(()),
        _ => Err(format!(
            "{} names no secret or parameter ({example})",
            shown(value)
        )),
    }
}

/// A KMS key (`KmsKeyArns`): `kms:Decrypt` takes key ARNs, not aliases.
pub fn check_kms_key_arn(value: &str) -> Result<(), String> {
    let example = "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID";
    let arn = resource_of(value, &["kms"], example)?;
    regional(&arn, value, example)?;
    match arn.resource.strip_prefix("key/") {
        Some(id) if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            Ok(())
        }
        _ => Err(format!("{} is not a KMS key ARN ({example})", shown(value))),
    }
}

/// An S3 object (`EnvironmentFiles`): `arn:PARTITION:s3:::BUCKET/KEY`.
pub fn check_s3_object_arn(value: &str) -> Result<(), String> {
    let example = "arn:aws:s3:::BUCKET/KEY";
    let arn = resource_of(value, &["s3"], example)?;
    let object = (arn.region.is_empty() && arn.account.is_empty())
        .then(|| arn.resource.split_once('/'))
        .flatten();
    match object {
        Some((bucket, key))
            if (3..=63).contains(&bucket.len())
                && bucket.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'
                })
                && !key.is_empty() =>
        {
            Ok(())
        }
        _ => Err(format!(
            "{} is not an S3 object ARN ({example})",
            shown(value)
        )),
    }
}

/// A Lambda function, with or without a version or alias (`FunctionArns`): a hook invoked by a
/// qualified ARN needs that ARN in the policy.
pub fn check_lambda_function_arn(value: &str) -> Result<(), String> {
    let example = "arn:aws:lambda:REGION:ACCOUNT:function:NAME";
    let arn = resource_of(value, &["lambda"], example)?;
    regional(&arn, value, example)?;
    let function = arn.resource.strip_prefix("function:").map(|f| f.split(':'));
    let ok = function.is_some_and(|mut parts| {
        let name_ok = parts.next().is_some_and(|name| {
            (1..=64).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
        let qualifier_ok = parts.next().is_none_or(|q| {
            !q.is_empty()
                && (q == "$LATEST"
                    || q.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        });
        name_ok && qualifier_ok && parts.next().is_none()
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not a Lambda function ARN ({example})",
            shown(value)
        ))
    }
}

/// One IAM role (`PassRoleArns`).
pub fn check_role_arn(value: &str) -> Result<(), String> {
    check_principal_arn(value)?;
    match Arn::parse(value) {
        Some(arn) if arn.resource.starts_with("role/") => Ok(()),
        _ => Err(format!(
            "{} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
            shown(value)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_resource_of_the_right_service() {
        for ok in [
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-password-AbCdEf",
            "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db/url",
        ] {
            check_secret_or_parameter_arn(ok).unwrap();
        }
        check_kms_key_arn(
            "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        )
        .unwrap();
        check_kms_key_arn("arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd").unwrap();
        check_s3_object_arn("arn:aws:s3:::my-bucket/app/prod.env").unwrap();
        for ok in [
            "arn:aws:lambda:eu-west-1:123456789012:function:smoke-test",
            "arn:aws:lambda:eu-west-1:123456789012:function:smoke-test:live",
            "arn:aws:lambda:eu-west-1:123456789012:function:smoke-test:7",
        ] {
            check_lambda_function_arn(ok).unwrap();
        }
        check_role_arn("arn:aws:iam::123456789012:role/app/ecsTaskExecutionRole").unwrap();

        let refused = [
            (
                check_secret_or_parameter_arn as fn(&str) -> Result<(), String>,
                "*",
                "wildcard",
            ),
            (
                check_secret_or_parameter_arn,
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-*",
                "wildcard",
            ),
            (
                check_secret_or_parameter_arn,
                "arn:aws:s3:::bucket/key",
                "not of secretsmanager or ssm",
            ),
            (
                check_secret_or_parameter_arn,
                "arn:aws:ssm:eu-west-1:123456789012:document/x",
                "names no secret or parameter",
            ),
            (
                check_kms_key_arn,
                "arn:aws:kms:eu-west-1:123456789012:alias/app",
                "not a KMS key ARN",
            ),
            (
                check_kms_key_arn,
                "arn:aws:kms:::key/abc",
                "needs a region and an account",
            ),
            (
                check_s3_object_arn,
                "arn:aws:s3:::my-bucket",
                "not an S3 object ARN",
            ),
            (
                check_s3_object_arn,
                "arn:aws:s3:::My_Bucket/key",
                "not an S3 object ARN",
            ),
            (
                check_lambda_function_arn,
                "arn:aws:lambda:eu-west-1:123456789012:layer:x:1",
                "not a Lambda function ARN",
            ),
            (
                check_lambda_function_arn,
                "arn:aws:lambda:eu-west-1:123456789012:function:a:b:c",
                "not a Lambda function ARN",
            ),
            (
                check_lambda_function_arn,
                "arn:aws:iam::123456789012:role/x",
                "not of lambda",
            ),
            (
                check_role_arn,
                "arn:aws:iam::123456789012:user/alice",
                "not an IAM role ARN",
            ),
            (
                check_role_arn,
                "arn:aws:iam::123456789012:role/*",
                "wildcard",
            ),
        ];
        for (check, value, says) in refused {
            let err = check(value).unwrap_err();
            assert!(err.contains(says), "{value}: {err}");
        }
    }
}
