//! What an adoption changed on a role it did not create, kept in the role's own tags, so that
//! the adopting resource's Delete can give the role back as it was (the ECS Developer
//! Guide page "ECS Anywhere IAM role": the role is repaired in place, never recreated).

use crate::plan::own_tag_key;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;
use std::collections::BTreeMap;

/// Present on every adopted role (also when the adoption changed nothing); its value is the
/// number of record chunks that follow.
pub const MARKER_KEY: &str = own_tag_key!("adopted");
/// The record, as compact JSON in base64, cut into numbered chunks: `…:adopted-0`, `-1`, ….
/// One stream instead of a tag per field: IAM allows 50 tags per role, and a long trust
/// policy needs several chunks anyway.
const CHUNK_KEY_PREFIX: &str = own_tag_key!("adopted-");

const TAG_VALUE_MAX: usize = 256;

/// What the adoption added or replaced.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdoptionRecord {
    /// Managed policy ARNs the adoption attached.
    #[serde(rename = "a", default, skip_serializing_if = "Vec::is_empty")]
    pub attached: Vec<String>,
    /// Inline policy names the adoption put (that did not exist before).
    #[serde(rename = "i", default, skip_serializing_if = "Vec::is_empty")]
    pub inline: Vec<String>,
    /// The boundary before, when the adoption changed it (`Some(None)`: there was none).
    #[serde(
        rename = "b",
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_with_none"
    )]
    pub boundary: Option<Option<String>>,
    /// Tag keys the adoption added.
    #[serde(rename = "t", default, skip_serializing_if = "Vec::is_empty")]
    pub tags_added: Vec<String>,
    /// The trust policy before, when the adoption replaced it.
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<Value>,
}

/// `Option<Option<String>>` with the inner None kept (as an empty string: no boundary ARN is
/// empty), where serde would read a JSON null back as the outer None.
mod serde_with_none {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Option<String>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.as_ref().and_then(|v| v.as_deref()).unwrap_or(""))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        let text = String::deserialize(d)?;
        Ok(Some((!text.is_empty()).then_some(text)))
    }
}

impl AdoptionRecord {
    /// The record as tags: the marker and the chunks. Values are base64 (IAM allows few
    /// characters in tag values), each at most 256 characters.
    pub fn to_tags(&self) -> BTreeMap<String, String> {
        let json = serde_json::to_vec(self).expect("the record serializes");
        chunked_tags(MARKER_KEY, CHUNK_KEY_PREFIX, &json)
    }

    /// The record of an adopted role, or None if the role was not adopted. A record that
    /// cannot be read is an empty one: the role is left as it is.
    pub fn from_tags(tags: &BTreeMap<String, String>) -> Option<AdoptionRecord> {
        let json = unchunked(tags, MARKER_KEY, CHUNK_KEY_PREFIX)?;
        let record = json.and_then(|json| serde_json::from_slice(&json).ok());
        Some(record.unwrap_or_default())
    }
}

/// `bytes` as tags: `marker` holding the number of chunks, and the chunks of their base64 under
/// `prefix` followed by 0, 1, …. One stream instead of a tag per field: IAM allows 50 tags per
/// entity and 256 characters per value.
pub(crate) fn chunked_tags(marker: &str, prefix: &str, bytes: &[u8]) -> BTreeMap<String, String> {
    let encoded = STANDARD.encode(bytes);
    let mut tags = BTreeMap::new();
    let chunks: Vec<&[u8]> = encoded.as_bytes().chunks(TAG_VALUE_MAX).collect();
    tags.insert(marker.to_string(), chunks.len().to_string());
    for (i, chunk) in chunks.into_iter().enumerate() {
        let chunk = String::from_utf8(chunk.to_vec()).expect("base64 is ASCII");
        tags.insert(format!("{prefix}{i}"), chunk);
    }
    tags
}

/// The bytes [`chunked_tags`] wrote: None without `marker`, `Some(None)` when the chunks cannot
/// be read back.
pub(crate) fn unchunked(
    tags: &BTreeMap<String, String>,
    marker: &str,
    prefix: &str,
) -> Option<Option<Vec<u8>>> {
    let chunks: usize = tags.get(marker)?.parse().unwrap_or(0);
    let encoded: Option<String> = (0..chunks)
        .map(|i| tags.get(&format!("{prefix}{i}")).cloned())
        .collect();
    Some(encoded.and_then(|e| STANDARD.decode(e).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam_rules::check_tag_value;
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
        // About 700 characters of JSON, 940 of base64: the marker and four chunks (a tag per
        // field, as before, took eight).
        assert_eq!(tags.len(), 5, "{tags:?}");
        assert_eq!(tags[MARKER_KEY], "4");
        assert_eq!(AdoptionRecord::from_tags(&tags), Some(record));
        let with_boundary = AdoptionRecord {
            boundary: Some(Some("arn:aws:iam::123456789012:policy/B".into())),
            ..AdoptionRecord::default()
        };
        assert_eq!(
            AdoptionRecord::from_tags(&with_boundary.to_tags()),
            Some(with_boundary)
        );
    }

    #[test]
    fn not_adopted_without_marker() {
        assert_eq!(AdoptionRecord::from_tags(&BTreeMap::new()), None);
        let empty = AdoptionRecord::default();
        assert_eq!(AdoptionRecord::from_tags(&empty.to_tags()), Some(empty));
        // An adoption that changed nothing costs two tags.
        assert_eq!(AdoptionRecord::default().to_tags().len(), 2);
    }
}
