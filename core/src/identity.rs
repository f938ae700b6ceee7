//! Names derived from the request: the stack's environment (from the StackId ARN), the
//! PhysicalResourceId and the generated role and policy names.

use crate::arn::{is_account_id, Arn};
use sha2::{Digest, Sha256};

/// Where the stack lives: every ARN the kinds render uses these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackEnv {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: String,
    /// The stack's region, e.g. `eu-west-1`.
    pub region: String,
    /// The stack's account id (twelve digits).
    pub account: String,
    /// The stack's name: the start of generated names and PhysicalResourceIds.
    pub stack_name: String,
}

/// The PhysicalResourceId answered when a request failed before anything could be created (bad
/// input, malformed event). A Delete carrying such an id succeeds at once.
pub const FAILED_MARKER_PREFIX: &str = "ecs-iam-roles-failed-";

fn hex_digest(parts: &[&str], len: usize) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    // The 32 bytes as two big-endian numbers, printed by the formatter.
    let half = |range: std::ops::Range<usize>| {
        u128::from_be_bytes(digest[range].try_into().expect("16 bytes"))
    };
    let mut hex = format!("{:032x}{:032x}", half(0..16), half(16..32));
    hex.truncate(len);
    hex
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// `arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/NAME/GUID` → the stack's environment.
pub fn stack_env(stack_id: &str) -> Result<StackEnv, String> {
    let bad = || {
        format!(
            "StackId {stack_id:?} is not a CloudFormation stack ARN (arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID)"
        )
    };
    let arn = Arn::parse(stack_id)
        .filter(|arn| arn.service == "cloudformation")
        .ok_or_else(bad)?;
    let stack_name = arn
        .resource
        .strip_prefix("stack/")
        .and_then(|rest| rest.split('/').next())
        .filter(|name| !name.is_empty())
        .ok_or_else(bad)?;
    if arn.region.is_empty() || !is_account_id(arn.account) {
        return Err(bad());
    }
    Ok(StackEnv {
        partition: arn.partition.to_string(),
        region: arn.region.to_string(),
        account: arn.account.to_string(),
        stack_name: stack_name.to_string(),
    })
}

const NONCE_LEN: usize = 12;
const CHECK_LEN: usize = 8;

/// `STACK-LOGICAL-NONCECHECK`: readable, at most 185 characters (it is also a tag value, limit
/// 256). CHECK is derived from the StackId, the LogicalResourceId and NONCE, so the id answers
/// only to the stack and logical resource it was made for (`belongs_to`), with no state kept.
fn checkable_id(env: &StackEnv, stack_id: &str, logical_id: &str, nonce: &str) -> String {
    format!(
        "{}-{}-{nonce}{}",
        truncate(&env.stack_name, 80),
        truncate(logical_id, 80),
        hex_digest(&["belongs-to", stack_id, logical_id, nonce], CHECK_LEN)
    )
}

/// Whether `physical_id` was made for this StackId and LogicalResourceId: an Update or Delete
/// carrying another stack's id (forged, or replayed into another stack) is refused.
pub fn belongs_to(physical_id: &str, stack_id: &str, logical_id: &str) -> bool {
    let Some((_, tail)) = physical_id.rsplit_once('-') else {
        return false;
    };
    if tail.len() != NONCE_LEN + CHECK_LEN || !tail.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let (nonce, check) = tail.split_at(NONCE_LEN);
    check == hex_digest(&["belongs-to", stack_id, logical_id, nonce], CHECK_LEN)
}

/// The PhysicalResourceId of the resource a Create (or a replacing Update) makes: the same for
/// every delivery of the same request.
pub fn physical_id(env: &StackEnv, stack_id: &str, logical_id: &str, request_id: &str) -> String {
    let nonce = hex_digest(&[stack_id, logical_id, request_id], NONCE_LEN);
    checkable_id(env, stack_id, logical_id, &nonce)
}

/// The PhysicalResourceId a replacing Update gives the new resource: derived from the resource
/// it replaces and the properties it asks for (`fingerprint`), so every delivery of that Update,
/// and the rollback that undoes it, arrive at the same id.
pub fn replacement_id(
    env: &StackEnv,
    stack_id: &str,
    logical_id: &str,
    replaced: &str,
    fingerprint: &str,
) -> String {
    let nonce = hex_digest(&["replaces", replaced, fingerprint], NONCE_LEN);
    checkable_id(env, stack_id, logical_id, &nonce)
}

/// The PhysicalResourceId of a request that failed before any IAM call.
pub fn failed_marker_id(request_id: &str) -> String {
    format!("{FAILED_MARKER_PREFIX}{}", hex_digest(&[request_id], 16))
}

/// Whether `physical_id` is a failed request's marker (`failed_marker_id`), which owns nothing.
pub fn is_failed_marker(physical_id: &str) -> bool {
    physical_id.starts_with(FAILED_MARKER_PREFIX)
}

const NAME_SUFFIX_LEN: usize = 10;

/// A valid IAM name (≤ 64 characters, allowed characters only) for a role or policy this
/// resource owns: `STACK-LOGICAL-LABEL-SUFFIX`, where the suffix is derived from the
/// PhysicalResourceId, so a retried request finds the same name and a replacement a new one.
pub fn generated_name(env: &StackEnv, logical_id: &str, physical_id: &str, label: &str) -> String {
    generated_name_after("", env, logical_id, physical_id, label)
}

/// `generated_name`, starting with `prefix` (`PREFIX-STACK-LOGICAL-LABEL-SUFFIX`, ≤ 64
/// characters) for roles whose name must start with something; no prefix: `generated_name`.
pub fn generated_name_after(
    prefix: &str,
    env: &StackEnv,
    logical_id: &str,
    physical_id: &str,
    label: &str,
) -> String {
    let suffix = hex_digest(&[physical_id, label], NAME_SUFFIX_LEN);
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|ch| ch.is_ascii_alphanumeric() || *ch == '-')
            .collect()
    };
    let head = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}-")
    };
    let (stack, logical) = (clean(&env.stack_name), clean(logical_id));
    let room = 64usize.saturating_sub(head.len() + label.len() + NAME_SUFFIX_LEN + 3);
    let stack_part = truncate(&stack, room / 2).to_string();
    let logical_part = truncate(&logical, room - stack_part.len()).to_string();
    format!("{head}{stack_part}-{logical_part}-{label}-{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam_rules::check_role_name;

    const STACK_ID: &str =
        "arn:aws:cloudformation:eu-west-1:123456789012:stack/retail-store/5b6c0e10-0000-11ef-9a4b-0a1b2c3d4e5f";

    #[test]
    fn digests_are_lower_case_sha256_hex_cut_to_length() {
        // SHA-256 of "a\0b\0": ids and names derived from it must never change.
        let full = "8fb20ef63ced4145fc2e983ffe597d1dcff39154c3bf21f0fa9dde6a0c50fdc9";
        assert_eq!(hex_digest(&["a", "b"], 64), full);
        assert_eq!(hex_digest(&["a", "b"], 12), full[..12]);
    }

    #[test]
    fn stack_env_from_stack_id() {
        let env = stack_env(STACK_ID).unwrap();
        assert_eq!(env.partition, "aws");
        assert_eq!(env.region, "eu-west-1");
        assert_eq!(env.account, "123456789012");
        assert_eq!(env.stack_name, "retail-store");
        let cn =
            stack_env("arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/s/guid").unwrap();
        assert_eq!(cn.partition, "aws-cn");
        for bad in [
            "",
            "not-an-arn",
            "arn:aws:s3:::bucket",
            "arn:aws:cloudformation:eu-west-1:1234:stack/s/g",
            "arn:aws:cloudformation:eu-west-1:123456789012:stack//g",
            "arn:aws:cloudformation::123456789012:stack/s/g",
        ] {
            assert!(stack_env(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn physical_ids_are_stable_per_request_and_bounded() {
        let env = stack_env(STACK_ID).unwrap();
        let a = physical_id(&env, STACK_ID, "EcsRoles", "req-1");
        assert_eq!(a, physical_id(&env, STACK_ID, "EcsRoles", "req-1"));
        assert_ne!(a, physical_id(&env, STACK_ID, "EcsRoles", "req-2"));
        assert!(a.starts_with("retail-store-EcsRoles-"));
        let long = StackEnv {
            stack_name: "s".repeat(128),
            ..env
        };
        let id = physical_id(&long, STACK_ID, &"L".repeat(255), "r");
        assert!(id.len() <= 256, "{}", id.len());
        assert!(!is_failed_marker(&id));
        let replacement = replacement_id(&long, STACK_ID, &"L".repeat(255), &id, "spec");
        assert!(replacement.len() <= 256);
        assert_eq!(
            replacement,
            replacement_id(&long, STACK_ID, &"L".repeat(255), &id, "spec")
        );
        assert_ne!(
            replacement,
            replacement_id(&long, STACK_ID, &"L".repeat(255), &id, "other spec")
        );
        assert!(is_failed_marker(&failed_marker_id("r")));
    }

    #[test]
    fn an_id_answers_only_to_its_stack_and_logical_resource() {
        let env = stack_env(STACK_ID).unwrap();
        let other_stack =
            "arn:aws:cloudformation:eu-west-1:123456789012:stack/retail-store/another-guid";
        let id = physical_id(&env, STACK_ID, "EcsRoles", "req-1");
        assert!(belongs_to(&id, STACK_ID, "EcsRoles"));
        assert!(
            !belongs_to(&id, other_stack, "EcsRoles"),
            "same name, other stack"
        );
        assert!(!belongs_to(&id, STACK_ID, "OtherRoles"));
        let replacement = replacement_id(&env, STACK_ID, "EcsRoles", &id, "spec");
        assert!(belongs_to(&replacement, STACK_ID, "EcsRoles"));
        assert!(!belongs_to(&replacement, other_stack, "EcsRoles"));
        // Tampered or foreign shapes.
        let mut flipped = id.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        for bad in [
            flipped.as_str(),
            "",
            "retail-store-EcsRoles-0123456789ab",
            "x-y-z",
        ] {
            assert!(!belongs_to(bad, STACK_ID, "EcsRoles"), "{bad}");
        }
    }

    #[test]
    fn generated_names_are_valid_and_change_with_the_physical_id() {
        let env = StackEnv {
            stack_name: "a-very-long-stack-name-that-goes-on-and-on-and-on-forever".into(),
            ..stack_env(STACK_ID).unwrap()
        };
        let logical = "TheLogicalIdOfTheCustomResourceIsAlsoQuiteLong";
        for label in ["ExecutionLabel", "AVeryLongPolicyLabelForAgents", "T"] {
            let name = generated_name(&env, logical, "id-1", label);
            assert!(name.len() <= 64, "{name}");
            check_role_name(&name).unwrap();
            assert!(name.contains(label));
            assert_eq!(name, generated_name(&env, logical, "id-1", label));
            assert_ne!(name, generated_name(&env, logical, "id-2", label));
            let prefixed = generated_name_after("ecsInstanceRole", &env, logical, "id-1", label);
            assert!(prefixed.len() <= 64, "{prefixed}");
            assert!(prefixed.starts_with("ecsInstanceRole-"), "{prefixed}");
            check_role_name(&prefixed).unwrap();
        }
    }
}
