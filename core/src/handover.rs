//! What a replacement took over from the resource it replaced, kept in the tags of everything
//! the new resource owns: the replaced resource's own properties.
//!
//! An engine may roll a replacement back by sending only the Delete of the new resource, with
//! the new properties, and no Update carrying the old ones first (MiniStack does; which
//! sequence AWS CloudFormation sends is not documented precisely). The roles the replacement
//! took over by name must then go back to the old resource as they were before the Update —
//! trust, policies, tags and boundary — and only the old properties say what that was.

use crate::adoption::{chunked_tags, unchunked};
use crate::plan::own_tag_key;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The number of record chunks that follow; present on everything a replacement owns.
pub const MARKER_KEY: &str = own_tag_key!("replaced-properties");
/// The replaced resource's properties, as compact JSON in base64, cut into numbered chunks:
/// `…:replaced-properties-0`, `-1`, ….
const CHUNK_KEY_PREFIX: &str = own_tag_key!("replaced-properties-");

/// CloudFormation's own properties: they say nothing of the roles, and the ServiceToken alone
/// would cost a tag.
const ENGINE_PROPERTIES: [&str; 2] = ["ServiceToken", "ServiceTimeout"];

/// The replaced resource's properties as tags.
pub fn to_tags(properties: &Value) -> BTreeMap<String, String> {
    let kept: Map<String, Value> = properties
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| !ENGINE_PROPERTIES.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let json = serde_json::to_vec(&kept).expect("properties serialize");
    chunked_tags(MARKER_KEY, CHUNK_KEY_PREFIX, &json)
}

/// The replaced resource's properties these tags record: None without a record, or when it
/// cannot be read (then nothing is given back: the Delete removes what it owns).
pub fn from_tags(tags: &BTreeMap<String, String>) -> Option<Value> {
    let json = unchunked(tags, MARKER_KEY, CHUNK_KEY_PREFIX)??;
    serde_json::from_slice(&json).ok()
}

/// Whether `key` is one of the record's tags (its marker or a chunk).
pub fn is_record_key(key: &str) -> bool {
    key.starts_with(MARKER_KEY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam_rules::check_tag_value;
    use serde_json::json;

    #[test]
    fn properties_round_trip_through_valid_tags_without_the_engines_own() {
        let properties = json!({
            "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:ecs-iam-roles-Function-abc",
            "ServiceTimeout": "300",
            "PropagationDelay": "0",
            "Tags": [{"Key": "team", "Value": "platform"}],
            "Roles": {
                "KindA": {"Name": "retailStoreECSTaskExecutionRole"},
                "KindB": {"Name": "retailStoreEcsTaskRole", "Other": "retail-store-ecs-cluster"}
            }
        });
        let tags = to_tags(&properties);
        for (key, value) in &tags {
            assert!(key.len() <= 128, "{key}");
            assert!(is_record_key(key), "{key}");
            check_tag_value(value).unwrap_or_else(|e| panic!("{key}: {e}"));
        }
        // The record is opaque to this module: any properties. 205 bytes of JSON, 276 of
        // base64: the marker and two chunks.
        assert_eq!(tags.len(), 3, "{tags:?}");
        let expected = json!({
            "PropagationDelay": "0",
            "Tags": [{"Key": "team", "Value": "platform"}],
            "Roles": {
                "KindA": {"Name": "retailStoreECSTaskExecutionRole"},
                "KindB": {"Name": "retailStoreEcsTaskRole", "Other": "retail-store-ecs-cluster"}
            }
        });
        assert_eq!(from_tags(&tags), Some(expected));
    }

    #[test]
    fn no_record_or_a_broken_one_is_none() {
        assert_eq!(from_tags(&BTreeMap::new()), None);
        let mut tags = to_tags(&json!({"Roles": {"KindA": {}}}));
        tags.insert(format!("{CHUNK_KEY_PREFIX}0"), "not base64!".into());
        assert_eq!(from_tags(&tags), None);
        assert!(!is_record_key("ecs-iam-roles:replaces"));
        assert!(!is_record_key("ecs-iam-roles:owner"));
    }
}
