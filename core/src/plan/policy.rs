//! Policy documents compared as IAM compares them.

use serde_json::Value;

/// A policy document in a canonical form, so that documents IAM considers equal compare equal:
/// a single string and a one-element list are the same, list order does not matter, and a lone
/// Statement object is a one-statement list.
pub fn normalize_policy(value: &Value) -> Value {
    fn normalize(value: &Value, key: Option<&str>) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), normalize(v, Some(k))))
                    .collect(),
            ),
            Value::Array(items) => {
                let mut items: Vec<Value> = items.iter().map(|v| normalize(v, None)).collect();
                items.sort_by_key(|v| v.to_string());
                items.dedup();
                Value::Array(items)
            }
            scalar => match key {
                Some("Version" | "Effect" | "Sid" | "Id") | None => scalar.clone(),
                Some(_) => Value::Array(vec![scalar.clone()]),
            },
        }
    }
    let mut normalized = normalize(value, None);
    if let Some(statement) = normalized.get_mut("Statement") {
        if statement.is_object() {
            *statement = Value::Array(vec![statement.take()]);
        }
    }
    normalized
}

/// Whether IAM considers the two policy documents the same (see `normalize_policy`).
pub fn same_policy(a: &Value, b: &Value) -> bool {
    normalize_policy(a) == normalize_policy(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalize_treats_scalars_and_lists_alike() {
        let a = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "a:B", "Resource": "*"}});
        let b = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["a:B"], "Resource": ["*"]}]});
        assert!(same_policy(&a, &b));
        let c = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["a:B"], "Resource": ["*"]}]});
        assert!(!same_policy(&a, &c));
    }
}
