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

pub fn check_role_name(value: &str) -> Result<(), String> {
    check_name(value, 64)
}

pub fn check_policy_name(value: &str) -> Result<(), String> {
    check_name(value, 128)
}

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

/// `aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b`, …
fn is_partition(value: &str) -> bool {
    value == "aws"
        || value.strip_prefix("aws-").is_some_and(|rest| {
            rest.split('-')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        })
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, split into its six parts.
fn arn_parts(value: &str) -> Option<[&str; 6]> {
    let mut parts = value.splitn(6, ':');
    let arn: [&str; 6] = [
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    ];
    (arn[0] == "arn" && is_partition(arn[1])).then_some(arn)
}

fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
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

/// Tag key prefixes refused regardless of case, with why: IAM compares tag keys regardless of
/// case, so `ECS-IAM-Roles:owner` would be the owner tag itself.
const RESERVED_TAG_PREFIXES: [(&str, &str); 2] = [
    ("aws:", "reserved for AWS"),
    (
        crate::plan::TAG_PREFIX,
        "reserved for this resource's own bookkeeping",
    ),
];

pub fn check_tag_key(value: &str) -> Result<(), String> {
    check_length(value, 1, 128)?;
    let lower = value.to_lowercase();
    for (prefix, why) in RESERVED_TAG_PREFIXES {
        if lower.starts_with(prefix) {
            return Err(format!(
                "{}: keys beginning with {prefix} (in any case) are {why}",
                shown(value)
            ));
        }
    }
    check_tag_chars(value)
}

pub fn check_tag_value(value: &str) -> Result<(), String> {
    check_length(value, 0, 256)?;
    check_tag_chars(value)
}

fn check_tag_chars(value: &str) -> Result<(), String> {
    match value.chars().find(|ch| !is_tag_char(*ch)) {
        Some(bad) => Err(format!(
            "{} contains {bad:?} (U+{:04X}); IAM tags allow only letters, numbers, space separators and _.:/=+-@",
            shown(value),
            u32::from(bad)
        )),
        None => Ok(()),
    }
}

/// IAM's `[\p{L}\p{Z}\p{N}_.:/=+\-@]`. `\p{Z}` is exactly the White_Space characters that are
/// not controls (tab, line feed, … are `Cc`, which IAM refuses); `\p{N}` is `is_numeric`.
fn is_tag_char(ch: char) -> bool {
    is_letter(ch)
        || ch.is_numeric()
        || (ch.is_whitespace() && !ch.is_control())
        || "_.:/=+-@".contains(ch)
}

/// `\p{L}` (and `Nl`, which is `\p{N}` anyway): `is_alphabetic` is L, Nl and Other_Alphabetic,
/// which takes in combining vowel signs (Devanagari "ि", Arabic harakat: `Mn`/`Mc`) and circled
/// letters ("Ⓐ": `So`) that IAM refuses.
fn is_letter(ch: char) -> bool {
    if !ch.is_alphabetic() {
        return false;
    }
    let c = u32::from(ch);
    let i = NOT_LETTERS.partition_point(|&(_, end)| end < c);
    NOT_LETTERS.get(i).is_none_or(|&(start, _)| start > c)
}

/// The alphabetic code points (by Rust's `char::is_alphabetic`, Unicode 17) that are not `L` or
/// `Nl` in Unicode 16's General_Category (the ucd-generate tables of regex-syntax 0.8), runs
/// merged across code points that are not alphabetic. Checked once against that table over
/// every code point: `is_letter` is exactly L and Nl. Letters new in Unicode 17 fall in here
/// too: IAM's (Java's) Unicode is older, so they are refused rather than risked.
#[rustfmt::skip]
const NOT_LETTERS: &[(u32, u32)] = &[
    (0x345, 0x36F), (0x5B0, 0x5C7), (0x610, 0x61A), (0x64B, 0x65F), (0x670, 0x670),
    (0x6D6, 0x6E4), (0x6E7, 0x6ED), (0x711, 0x711), (0x730, 0x73F), (0x7A6, 0x7B0),
    (0x816, 0x817), (0x81B, 0x823), (0x825, 0x827), (0x829, 0x82C), (0x88F, 0x897),
    (0x8D4, 0x903), (0x93A, 0x93B), (0x93E, 0x94F), (0x955, 0x957), (0x962, 0x963),
    (0x981, 0x983), (0x9BE, 0x9CC), (0x9D7, 0x9D7), (0x9E2, 0x9E3), (0xA01, 0xA03),
    (0xA3E, 0xA51), (0xA70, 0xA71), (0xA75, 0xA83), (0xABE, 0xACC), (0xAE2, 0xAE3),
    (0xAFA, 0xB03), (0xB3E, 0xB57), (0xB62, 0xB63), (0xB82, 0xB82), (0xBBE, 0xBCC),
    (0xBD7, 0xC04), (0xC3E, 0xC56), (0xC5C, 0xC5C), (0xC62, 0xC63), (0xC81, 0xC83),
    (0xCBE, 0xCDC), (0xCE2, 0xCE3), (0xCF3, 0xD03), (0xD3E, 0xD4C), (0xD57, 0xD57),
    (0xD62, 0xD63), (0xD81, 0xD83), (0xDCF, 0xDF3), (0xE31, 0xE31), (0xE34, 0xE3A),
    (0xE4D, 0xE4D), (0xEB1, 0xEB1), (0xEB4, 0xEBC), (0xECD, 0xECD), (0xF71, 0xF83),
    (0xF8D, 0xFBC), (0x102B, 0x103E), (0x1056, 0x1059), (0x105E, 0x1060), (0x1062, 0x1064),
    (0x1067, 0x106D), (0x1071, 0x1074), (0x1082, 0x108D), (0x108F, 0x109D), (0x1712, 0x1713),
    (0x1732, 0x1733), (0x1752, 0x1753), (0x1772, 0x1773), (0x17B6, 0x17C8), (0x1885, 0x1886),
    (0x18A9, 0x18A9), (0x1920, 0x1938), (0x1A17, 0x1A1B), (0x1A55, 0x1A74), (0x1ABF, 0x1B04),
    (0x1B35, 0x1B43), (0x1B80, 0x1B82), (0x1BA1, 0x1BAD), (0x1BE7, 0x1BF1), (0x1C24, 0x1C36),
    (0x1DD3, 0x1DF4), (0x24B6, 0x24E9), (0x2DE0, 0x2DFF), (0xA674, 0xA67B), (0xA69E, 0xA69F),
    (0xA7CE, 0xA7CF), (0xA7D2, 0xA7D2), (0xA7D4, 0xA7D4), (0xA7F1, 0xA7F1), (0xA802, 0xA802),
    (0xA80B, 0xA80B), (0xA823, 0xA827), (0xA880, 0xA881), (0xA8B4, 0xA8C5), (0xA8FF, 0xA8FF),
    (0xA926, 0xA92A), (0xA947, 0xA952), (0xA980, 0xA983), (0xA9B4, 0xA9BF), (0xA9E5, 0xA9E5),
    (0xAA29, 0xAA36), (0xAA43, 0xAA43), (0xAA4C, 0xAA4D), (0xAA7B, 0xAA7D), (0xAAB0, 0xAAB0),
    (0xAAB2, 0xAAB4), (0xAAB7, 0xAAB8), (0xAABE, 0xAABE), (0xAAEB, 0xAAEF), (0xAAF5, 0xAAF5),
    (0xABE3, 0xABEA), (0xFB1E, 0xFB1E), (0x10376, 0x1037A), (0x10940, 0x10959),
    (0x10A01, 0x10A0F), (0x10D24, 0x10D27), (0x10D69, 0x10D69), (0x10EAB, 0x10EAC),
    (0x10EC5, 0x10EFC), (0x11000, 0x11002), (0x11038, 0x11045), (0x11073, 0x11074),
    (0x11080, 0x11082), (0x110B0, 0x110C2), (0x11100, 0x11102), (0x11127, 0x11132),
    (0x11145, 0x11146), (0x11180, 0x11182), (0x111B3, 0x111BF), (0x111CE, 0x111CF),
    (0x1122C, 0x1123E), (0x11241, 0x11241), (0x112DF, 0x11303), (0x1133E, 0x1134C),
    (0x11357, 0x11357), (0x11362, 0x11363), (0x113B8, 0x113CD), (0x11435, 0x11445),
    (0x114B0, 0x114C1), (0x115AF, 0x115BE), (0x115DC, 0x115DD), (0x11630, 0x11640),
    (0x116AB, 0x116B5), (0x1171D, 0x1172A), (0x1182C, 0x11838), (0x11930, 0x1193C),
    (0x11940, 0x11940), (0x11942, 0x11942), (0x119D1, 0x119DF), (0x119E4, 0x119E4),
    (0x11A01, 0x11A0A), (0x11A35, 0x11A39), (0x11A3B, 0x11A3E), (0x11A51, 0x11A5B),
    (0x11A8A, 0x11A97), (0x11B60, 0x11B67), (0x11C2F, 0x11C3E), (0x11C92, 0x11CB6),
    (0x11D31, 0x11D43), (0x11D47, 0x11D47), (0x11D8A, 0x11D96), (0x11DB0, 0x11DDB),
    (0x11EF3, 0x11F01), (0x11F03, 0x11F03), (0x11F34, 0x11F40), (0x1611E, 0x1612E),
    (0x16EA0, 0x16ED3), (0x16F4F, 0x16F4F), (0x16F51, 0x16F92), (0x16FF0, 0x16FF6),
    (0x187F8, 0x187FF), (0x18D09, 0x18DF2), (0x1BC9E, 0x1BC9E), (0x1E000, 0x1E02A),
    (0x1E08F, 0x1E08F), (0x1E6C0, 0x1E6FF), (0x1E947, 0x1E947), (0x1F130, 0x1F189),
    (0x2B73A, 0x2B73F), (0x2CEA2, 0x2CEAD), (0x323B0, 0x33479),
];

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
    fn tag_characters_are_iams_pattern() {
        // \p{L}: every kind of letter, including modifier letters and title case.
        for ok in [
            "Team",
            "équipe",
            "Straße",
            "ǅ",
            "ʰ",
            "中文",
            "ﾁｰﾑ",
            "한국어",
            "עברית",
            "𝐀",
        ] {
            assert!(check_tag_value(ok).is_ok(), "{ok}");
        }
        // \p{N}: decimal, letter and other numbers.
        for ok in ["42", "٤٢", "Ⅻ", "²", "½"] {
            assert!(check_tag_value(ok).is_ok(), "{ok}");
        }
        // \p{Z}: space separators, and line/paragraph separators (Zl, Zp) too.
        for ok in [
            " ", "a\u{a0}b", "\u{3000}", "\u{2009}", "\u{2028}", "\u{2029}",
        ] {
            assert!(check_tag_value(ok).is_ok(), "{ok:?}");
        }
        assert!(check_tag_value("_.:/=+-@").is_ok());
        // Controls (tab, line feed, NEL, …), marks, symbols, other punctuation: refused.
        for (bad, ch) in [
            ("a\tb", '\t'),
            ("a\nb", '\n'),
            ("a\rb", '\r'),
            ("a\u{b}b", '\u{b}'),
            ("a\u{85}b", '\u{85}'),
            ("a\u{0}b", '\u{0}'),
            ("हिंदी", 'ि'),
            ("ك\u{64e}", '\u{64e}'),
            ("e\u{301}", '\u{301}'),
            ("Ⓐ", 'Ⓐ'),
            ("🙂", '🙂'),
            ("a,b", ','),
            ("a*", '*'),
            ("\"", '"'),
            ("a\u{200b}b", '\u{200b}'),
        ] {
            let err = check_tag_value(bad).unwrap_err();
            assert!(
                err.contains(&format!("contains {ch:?} (U+{:04X})", u32::from(ch))),
                "{err}"
            );
        }
    }

    #[test]
    fn the_not_letters_table_is_sorted_and_disjoint() {
        for (start, end) in NOT_LETTERS {
            assert!(start <= end, "{start:X}");
        }
        for pair in NOT_LETTERS.windows(2) {
            assert!(pair[0].1 < pair[1].0, "{:X}", pair[1].0);
        }
        // Greek ypogegrammeni is Other_Alphabetic (a combining mark), the next code points not.
        assert!(!is_letter('\u{345}') && !is_letter('\u{346}') && is_letter('Ͱ'));
        assert!(is_letter('a') && !is_letter('1') && !is_letter('_'));
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

    #[test]
    fn partitions() {
        for ok in ["aws", "aws-cn", "aws-us-gov", "aws-iso-b", "aws-eusc"] {
            assert!(is_partition(ok), "{ok}");
        }
        for bad in ["", "aws-", "aws x", "awscn", "AWS", "aws--cn", "aws-c1"] {
            assert!(!is_partition(bad), "{bad}");
        }
        assert!(check_policy_arn("arn:aws x:iam::123456789012:policy/B").is_err());
    }
}
