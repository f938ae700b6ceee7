//! IAM's own length and character rules for what a stack passes on to IAM, so that a request IAM
//! would refuse is refused before any IAM call, naming the property (see `spec`).
//!
//! The rules, as the IAM API Reference states them (each parameter's "Length Constraints" and
//! "Pattern": CreateRole, CreatePolicy, AttachedPolicy, Tag — e.g.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html>) and the IAM User Guide's
//! "IAM and AWS STS quotas, name requirements, and character limits"
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>):
//! - role and user names: 1–64 characters of `[\w+=,.@-]` (CreateRole `RoleName`, CreateUser
//!   `UserName`); managed policy names: 1–128 of the same (CreatePolicy `PolicyName`). Java's
//!   `\w` is ASCII only;
//! - paths: `/`, or `/[\x21-\x7E]+/`, 1–512 characters (`Path`);
//! - policy ARNs: 20–2048 characters (IAM's `arnType`: `PermissionsBoundary`, `PolicyArn`);
//! - tags (`Tag`): key 1–128 characters, value 0–256, both `[\p{L}\p{Z}\p{N}_.:/=+\-@]`;
//! - external IDs: 2–1224 characters of `[\w+=,.@:/-]`.
//!
//! IAM counts lengths in Unicode characters (Smithy's `@length` counts code points), not UTF-8
//! bytes: every length here is `chars().count()`, and every message says "characters".

mod resource_arns;
mod tags;

use crate::arn::{is_account_id, Arn};
pub use resource_arns::{
    check_kms_key_arn, check_lambda_function_arn, check_role_arn, check_s3_object_arn,
    check_secret_or_parameter_arn,
};
pub use tags::{check_tag_key, check_tag_value};

/// A value quoted for a message, cut when long so that one bad property cannot crowd the
/// others out of the Reason (which is at most 4096 bytes).
pub fn shown(value: &str) -> String {
    const MAX: usize = 64;
    let count = value.chars().count();
    if count <= MAX {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head:?}… ({count} characters)")
    }
}

fn check_length(value: &str, min: usize, max: usize) -> Result<(), String> {
    let count = value.chars().count();
    match (count < min || count > max, min) {
        (false, _) => Ok(()),
        (true, 0) => Err(format!("must be at most {max} characters, got {count}")),
        (true, _) => Err(format!("must be {min} to {max} characters, got {count}")),
    }
}

fn is_iam_name_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || "_+=,.@-".contains(ch)
}

fn check_name(value: &str, max: usize) -> Result<(), String> {
    check_length(value, 1, max)?;
    match value.chars().find(|ch| !is_iam_name_char(*ch)) {
        Some(bad) => Err(format!(
            "{} contains {bad:?}; allowed are letters, digits and _+=,.@-",
            shown(value)
        )),
        None => Ok(()),
    }
}

/// CreateRole `RoleName`: 1–64 of the name characters.
pub fn check_role_name(value: &str) -> Result<(), String> {
    check_name(value, 64)
}

/// CreatePolicy `PolicyName`: 1–128 of the name characters.
pub fn check_policy_name(value: &str) -> Result<(), String> {
    check_name(value, 128)
}

/// CreateInstanceProfile `InstanceProfileName`: 1–128 of the name characters.
pub fn check_instance_profile_name(value: &str) -> Result<(), String> {
    check_name(value, 128)
}

/// An IAM path: `/`, or `/…/` of printable ASCII without spaces, at most 512 characters. Unlike
/// IAM, refuses `//`.
pub fn check_path(value: &str) -> Result<(), String> {
    check_length(value, 1, 512)?;
    if !value.starts_with('/') || !value.ends_with('/') {
        return Err(format!(
            "{} must begin and end with /, e.g. /ecs/",
            shown(value)
        ));
    }
    // IAM's pattern allows `//`, but such a path is almost always a typo and makes ARNs that
    // policies' resource patterns do not expect.
    if value.contains("//") {
        return Err(format!("{} must not contain //", shown(value)));
    }
    if let Some(bad) = value.chars().find(|ch| !('\u{21}'..='\u{7e}').contains(ch)) {
        return Err(format!(
            "{} contains {bad:?}; only printable ASCII without spaces is allowed",
            shown(value)
        ));
    }
    Ok(())
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, split into its six parts.
fn arn_parts(value: &str) -> Option<[&str; 6]> {
    let arn = Arn::parse(value)?;
    Some([
        "arn",
        arn.partition,
        arn.service,
        arn.region,
        arn.account,
        arn.resource,
    ])
}

/// `PATH/NAME` after `role/`, `user/` or `policy/`, checked as IAM checks the path and the name.
fn check_path_and_name(
    value: &str,
    what: &str,
    path_and_name: &str,
    max: usize,
) -> Result<(), String> {
    let (path, name) = match path_and_name.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name),
        None => ("/".to_string(), path_and_name),
    };
    check_name(name, max).map_err(|e| format!("{}: the {what} name {e}", shown(value)))?;
    check_path(&path).map_err(|e| format!("{}: the path {e}", shown(value)))
}

/// An IAM policy ARN, `arn:PARTITION:iam::ACCOUNT:policy/PATH/NAME`, of an account or of AWS
/// (account `aws`), with the path and name checked as IAM checks them.
pub fn check_policy_arn(value: &str) -> Result<(), String> {
    let example = "arn:aws:iam::123456789012:policy/NAME";
    // IAM's `arnType` is 20 to 2048 characters; no well-formed policy ARN is under 20.
    check_length(value, 0, 2048).map_err(|e| format!("{}: an IAM policy ARN {e}", shown(value)))?;
    let resource = arn_parts(value).and_then(|[_, _, service, region, account, resource]| {
        (service == "iam" && region.is_empty() && (account == "aws" || is_account_id(account)))
            .then_some(resource)
    });
    match resource.and_then(|r| r.strip_prefix("policy/")) {
        Some(path_and_name) => check_path_and_name(value, "policy", path_and_name, 128),
        None => Err(format!(
            "{} is not an IAM policy ARN ({example})",
            shown(value)
        )),
    }
}

/// An IAM role or user ARN (with or without a path). An account root, a wildcard or any other
/// principal would let more than one identity assume the role.
pub fn check_principal_arn(value: &str) -> Result<(), String> {
    let example = "arn:aws:iam::111122223333:role/NAME";
    let not_one = || {
        format!(
            "{} is not an IAM role or user ARN ({example})",
            shown(value)
        )
    };
    // The path (512) and name (64) limits below keep a role or user ARN far shorter; this
    // only says so plainly for an absurdly long one.
    check_length(value, 0, 2048).map_err(|e| format!("{}: an ARN {e}", shown(value)))?;
    let Some([_, _, service, region, account, resource]) = arn_parts(value) else {
        return Err(not_one());
    };
    if value.contains(['*', '?']) {
        return Err(format!(
            "{} contains a wildcard; name exactly one role or user ({example})",
            shown(value)
        ));
    }
    if service != "iam" || !region.is_empty() || !is_account_id(account) {
        return Err(not_one());
    }
    if resource == "root" {
        return Err(format!(
            "{} is an account root, which lets every principal of that account with sts:AssumeRole permission assume the role; name the one role or user ({example})",
            shown(value)
        ));
    }
    if let Some(path_and_name) = resource.strip_prefix("role/") {
        check_path_and_name(value, "role", path_and_name, 64)
    } else if let Some(path_and_name) = resource.strip_prefix("user/") {
        check_path_and_name(value, "user", path_and_name, 64)
    } else {
        Err(not_one())
    }
}

/// Never shows the value: Granted treats an ExternalId as a shared secret.
pub fn check_external_id(value: &str) -> Result<(), String> {
    check_length(value, 2, 1224)?;
    if let Some(bad) = value
        .chars()
        .find(|ch| !(is_iam_name_char(*ch) || *ch == ':' || *ch == '/'))
    {
        return Err(format!(
            "contains {bad:?}; allowed are letters, digits and _+=,.@:/-"
        ));
    }
    Ok(())
}

/// ECS (CreateCluster `clusterName`): up to 255 letters, digits, hyphens and underscores.
pub fn check_cluster_name(value: &str) -> Result<(), String> {
    check_length(value, 1, 255)?;
    if let Some(bad) = value
        .chars()
        .find(|ch| !(ch.is_ascii_alphanumeric() || *ch == '-' || *ch == '_'))
    {
        return Err(format!(
            "{} contains {bad:?}; ECS cluster names allow letters, digits, - and _",
            shown(value)
        ));
    }
    Ok(())
}

/// An AWS region name such as `eu-west-1` or `us-gov-west-1`, by its shape only: whether the region
/// exists is not checked.
pub fn check_region(value: &str) -> Result<(), String> {
    // e.g. eu-west-1, us-gov-west-1, cn-north-1, ap-southeast-5
    let parts: Vec<&str> = value.split('-').collect();
    let ok = parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not an AWS region name such as eu-west-1",
            shown(value)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names() {
        assert!(check_role_name("retailStoreECSTaskExecutionRole").is_ok());
        assert!(check_role_name("a+=,.@-_9").is_ok());
        assert!(check_role_name(&"a".repeat(64)).is_ok());
        assert!(check_role_name(&"a".repeat(65)).is_err());
        assert!(check_role_name("").is_err());
        assert!(check_role_name("has space").is_err());
        assert!(check_role_name("slash/no").is_err());
        assert!(check_policy_name(&"p".repeat(128)).is_ok());
        assert!(check_policy_name(&"p".repeat(129)).is_err());
    }

    #[test]
    fn paths() {
        assert!(check_path("/").is_ok());
        assert!(check_path("/ecs/roles/").is_ok());
        assert!(check_path("ecs/").is_err());
        assert!(check_path("/ecs").is_err());
        assert!(check_path("/a b/").is_err());
        assert!(check_path("/a//b/").is_err());
        assert!(check_path(&format!("/{}/", "a".repeat(511))).is_err());
    }

    #[test]
    fn arns() {
        assert!(check_policy_arn("arn:aws:iam::123456789012:policy/Boundary").is_ok());
        assert!(check_policy_arn("arn:aws-cn:iam::aws:policy/x/Y").is_ok());
        assert!(check_policy_arn("arn:aws:iam::123456789012:role/Boundary").is_err());
        assert!(check_policy_arn("arn:aws:iam::1234:policy/B").is_err());
        assert!(check_policy_arn("Boundary").is_err());
        assert!(
            check_principal_arn("arn:aws:iam::111122223333:role/granted-access-handler").is_ok()
        );
        assert!(check_principal_arn("arn:aws:iam::111122223333:user/ops/alice").is_ok());
        assert!(check_principal_arn("arn:aws-cn:iam::111122223333:role/a/b/c").is_ok());
        for bad in [
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:iam::111122223333:role/granted-*",
            "arn:aws:iam::111122223333:role/a?",
            "arn:aws:iam::111122223333:role/",
            "arn:aws:iam::111122223333:role/a b",
            "arn:aws:iam::111122223333:role/x//y",
            "arn:aws:iam::*:role/x",
            "arn:aws:iam::111122223333:group/g",
        ] {
            let err = check_principal_arn(bad).unwrap_err();
            assert!(err.contains(bad), "{err}");
        }
        assert!(check_principal_arn(&format!(
            "arn:aws:iam::111122223333:role/{}",
            "r".repeat(65)
        ))
        .is_err());
        assert!(check_principal_arn("arn:aws:iam::111122223333:policy/p").is_err());
        assert!(check_principal_arn("arn:aws:sts::111122223333:assumed-role/x/y").is_err());
        assert!(check_principal_arn("111122223333").is_err());
        let long = format!("arn:aws:iam::111122223333:role/{}", "a/".repeat(1020));
        assert_eq!(
            check_principal_arn(&long).unwrap_err(),
            format!(
                "\"arn:aws:iam::111122223333:role/{}\"… (2071 characters): an ARN must be at most 2048 characters, got 2071",
                "a/".repeat(16) + "a"
            )
        );
    }

    #[test]
    fn external_ids_clusters_regions() {
        assert!(check_external_id("optional-string").is_ok());
        assert!(check_external_id("x").is_err());
        assert!(check_external_id("bad id").is_err());
        assert!(check_cluster_name("retail-store-ecs-cluster").is_ok());
        assert!(check_cluster_name("a_b").is_ok());
        assert!(check_cluster_name("a/b").is_err());
        assert!(check_cluster_name(&"c".repeat(256)).is_err());
        assert!(check_region("eu-west-1").is_ok());
        assert!(check_region("us-gov-west-1").is_ok());
        assert!(check_region("Europe").is_err());
        assert!(check_region("eu-west").is_err());
    }

    #[test]
    fn lengths_count_characters_and_say_so() {
        // 'é' is two bytes in UTF-8; IAM counts it once.
        assert_eq!(
            check_path(&format!("/{}/", "é".repeat(300))).unwrap_err(),
            format!(
                "\"/{}\"… (302 characters) contains 'é'; only printable ASCII without spaces is allowed",
                "é".repeat(63)
            )
        );
        assert_eq!(
            check_path(&format!("/{}/", "a".repeat(511))).unwrap_err(),
            "must be 1 to 512 characters, got 513"
        );
        assert_eq!(
            check_role_name(&"é".repeat(64)).unwrap_err(),
            format!(
                "{:?} contains 'é'; allowed are letters, digits and _+=,.@-",
                "é".repeat(64)
            )
        );
        assert_eq!(
            check_role_name(&"é".repeat(65)).unwrap_err(),
            "must be 1 to 64 characters, got 65"
        );
        assert_eq!(
            check_external_id(&"é".repeat(700)).unwrap_err(),
            "contains 'é'; allowed are letters, digits and _+=,.@:/-"
        );
        assert_eq!(
            check_external_id(&"x".repeat(1225)).unwrap_err(),
            "must be 2 to 1224 characters, got 1225"
        );
        assert!(check_external_id(&"x".repeat(1224)).is_ok());
        assert_eq!(
            check_cluster_name(&"c".repeat(256)).unwrap_err(),
            "must be 1 to 255 characters, got 256"
        );
        assert!(check_tag_key(&"é".repeat(128)).is_ok());
        assert_eq!(
            check_tag_key(&"é".repeat(129)).unwrap_err(),
            "must be 1 to 128 characters, got 129"
        );
        assert!(check_tag_value(&"中".repeat(256)).is_ok());
        assert_eq!(
            check_tag_value(&"中".repeat(257)).unwrap_err(),
            "must be at most 256 characters, got 257"
        );
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        assert_eq!(shown("ab"), "\"ab\"");
        assert_eq!(shown(&"x".repeat(64)), format!("\"{}\"", "x".repeat(64)));
        assert_eq!(
            shown(&"é".repeat(65)),
            format!("\"{}\"… (65 characters)", "é".repeat(64))
        );
    }
}
