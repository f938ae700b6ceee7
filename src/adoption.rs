//! What an adoption changed on a role it did not create, kept in the role's own tags, so that
//! the adopting resource's Delete can give the role back as it was (seed 003: the role is
//! repaired in place, never recreated).

use serde_json::Value;
use std::collections::BTreeMap;

/// Every tag key this project writes starts with this.
pub const TAG_PREFIX: &str = "ecs-iam-roles:";
pub const ATTACHED_KEY: &str = "ecs-iam-roles:adopted-attached";
pub const INLINE_KEY: &str = "ecs-iam-roles:adopted-inline";
pub const BOUNDARY_KEY: &str = "ecs-iam-roles:adopted-boundary";
pub const TAGS_KEY: &str = "ecs-iam-roles:adopted-tags";
pub const TRUST_KEY_PREFIX: &str = "ecs-iam-roles:adopted-trust-";
/// Present on every adopted role (also when the adoption changed nothing).
pub const MARKER_KEY: &str = "ecs-iam-roles:adopted";

const TAG_VALUE_MAX: usize = 256;
const NO_BOUNDARY: &str = "none";

/// What the adoption added or replaced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdoptionRecord {
    /// Managed policy ARNs the adoption attached.
    pub attached: Vec<String>,
    /// Inline policy names the adoption put (that did not exist before).
    pub inline: Vec<String>,
    /// The boundary before, when the adoption changed it (`Some(None)`: there was none).
    pub boundary: Option<Option<String>>,
    /// Tag keys the adoption added.
    pub tags_added: Vec<String>,
    /// The trust policy before, when the adoption replaced it.
    pub trust: Option<Value>,
}

fn b64(text: &str) -> String {
    aws_smithy_types::base64::encode(text.as_bytes())
}

fn unb64(text: &str) -> Option<String> {
    String::from_utf8(aws_smithy_types::base64::decode(text).ok()?).ok()
}

impl AdoptionRecord {
    /// The record as tags. Values are base64 (IAM allows few characters in tag values), each
    /// at most 256 characters; a long trust policy takes several tags.
    pub fn to_tags(&self) -> BTreeMap<String, String> {
        let mut tags = BTreeMap::new();
        tags.insert(MARKER_KEY.to_string(), "true".to_string());
        for (key, list) in [
            (ATTACHED_KEY, &self.attached),
            (INLINE_KEY, &self.inline),
            (TAGS_KEY, &self.tags_added),
        ] {
            if !list.is_empty() {
                tags.insert(key.to_string(), b64(&list.join("\n")));
            }
        }
        if let Some(before) = &self.boundary {
            let before = before.as_deref().unwrap_or(NO_BOUNDARY);
            tags.insert(BOUNDARY_KEY.to_string(), b64(before));
        }
        if let Some(trust) = &self.trust {
            let encoded = b64(&trust.to_string());
            for (i, chunk) in encoded.as_bytes().chunks(TAG_VALUE_MAX).enumerate() {
                tags.insert(
                    format!("{TRUST_KEY_PREFIX}{i}"),
                    String::from_utf8(chunk.to_vec()).expect("base64 is ASCII"),
                );
            }
        }
        tags
    }

    /// The record of an adopted role, or None if the role was not adopted.
    pub fn from_tags(tags: &BTreeMap<String, String>) -> Option<AdoptionRecord> {
        tags.get(MARKER_KEY)?;
        let list = |key: &str| -> Vec<String> {
            tags.get(key)
                .and_then(|v| unb64(v))
                .map(|s| {
                    s.split('\n')
                        .filter(|k| !k.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut trust_b64 = String::new();
        for i in 0.. {
            match tags.get(&format!("{TRUST_KEY_PREFIX}{i}")) {
                Some(chunk) => trust_b64.push_str(chunk),
                None => break,
            }
        }
        Some(AdoptionRecord {
            attached: list(ATTACHED_KEY),
            inline: list(INLINE_KEY),
            boundary: tags
                .get(BOUNDARY_KEY)
                .and_then(|v| unb64(v))
                .map(|v| (v != NO_BOUNDARY).then_some(v)),
            tags_added: list(TAGS_KEY),
            trust: (!trust_b64.is_empty())
                .then(|| unb64(&trust_b64).and_then(|s| serde_json::from_str(&s).ok()))
                .flatten(),
        })
    }
}

/// Whether a tag key is this project's own bookkeeping (never a user tag, never drift).
pub fn is_bookkeeping_key(key: &str) -> bool {
    key.starts_with(TAG_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::check_tag_value;
    use serde_json::json;

    #[test]
    fn record_round_trips_through_valid_tags() {
        let record = AdoptionRecord {
            attached: vec![
                "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore".into(),
                "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role".into(),
            ],
            inline: vec!["EcsExec".into()],
            boundary: Some(None),
            tags_added: vec!["team".into(), "cost center".into()],
            trust: Some(
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole", "Sid": "x".repeat(400)}]}),
            ),
        };
        let tags = record.to_tags();
        for (key, value) in &tags {
            assert!(key.len() <= 128, "{key}");
            check_tag_value(value).unwrap_or_else(|e| panic!("{key}: {e}"));
        }
        assert!(
            tags.keys()
                .filter(|k| k.starts_with(TRUST_KEY_PREFIX))
                .count()
                >= 2
        );
        assert_eq!(AdoptionRecord::from_tags(&tags), Some(record));
    }

    #[test]
    fn not_adopted_without_marker() {
        assert_eq!(AdoptionRecord::from_tags(&BTreeMap::new()), None);
        let empty = AdoptionRecord::default();
        assert_eq!(AdoptionRecord::from_tags(&empty.to_tags()), Some(empty));
    }
}
