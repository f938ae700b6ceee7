//! `Tags` as IAM checks them: both `Key` and `Value`, keys unique regardless of case, IAM's tag
//! characters, no reserved prefixes.

use super::reader::Checker;
use crate::iam_rules::{check_tag_key, check_tag_value, shown};
use crate::plan::MAX_USER_TAGS;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub(super) fn parse_tags(c: &mut Checker, value: Option<&Value>) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    let items = match value {
        None | Some(Value::Null) => return tags,
        Some(Value::Array(items)) => items,
        Some(_) => {
            c.fail("Tags", "must be a list of {Key, Value}");
            return tags;
        }
    };
    if items.len() > MAX_USER_TAGS {
        c.fail(
            "Tags",
            format!(
                "has {} tags; at most {MAX_USER_TAGS} are allowed (IAM's limit is 50; two are this resource's own)",
                items.len()
            ),
        );
    }
    // Lower-cased key → the index and spelling of the first tag with it: IAM's tag keys are
    // unique regardless of case, so `Team` and `team` would be one tag with two values.
    let mut seen: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("Tags[{i}]");
        let Value::Object(tag) = item else {
            c.fail(at, "must be an object {Key, Value}");
            continue;
        };
        c.reject_unknown(tag, &format!("{at}."), &["Key", "Value"]);
        let key = tag_field(c, tag, &at, "Key", check_tag_key);
        let value = tag_field(c, tag, &at, "Value", check_tag_value);
        let Some(key) = key else {
            continue;
        };
        let folded = key.to_lowercase();
        if let Some((first, spelling)) = seen.get(&folded) {
            c.fail(
                format!("{at}.Key"),
                format!(
                    "{} is the same key as Tags[{first}].Key {}: IAM tag keys must differ regardless of case",
                    shown(&key),
                    shown(spelling)
                ),
            );
            continue;
        }
        seen.insert(folded, (i, key.clone()));
        if let Some(value) = value {
            tags.insert(key, value);
        }
    }
    tags
}

/// `Key` or `Value` of one tag. Both are required, as IAM requires them: a missing `Value` is
/// an error, not an empty value (an empty string is a valid one).
fn tag_field(
    c: &mut Checker,
    tag: &Map<String, Value>,
    at: &str,
    name: &str,
    check: fn(&str) -> Result<(), String>,
) -> Option<String> {
    if matches!(tag.get(name), None | Some(Value::Null)) {
        let message = match name {
            "Value" => "is required (an empty string is a valid Value)",
            _ => "is required",
        };
        c.fail(format!("{at}.{name}"), message);
        return None;
    }
    c.checked(tag, &format!("{at}."), name, check)
}
