//! A CloudFormation template, YAML (with the short-form tags) or JSON, read into one JSON value
//! in the long form: `!Ref X` is `{"Ref": "X"}`, `!Sub s` is `{"Fn::Sub": s}`, `!GetAtt A.B` is
//! `{"Fn::GetAtt": ["A", "B"]}`, `!Condition C` is `{"Condition": "C"}`.

use serde_json::{Map, Value};

/// The template's text as one JSON value (long-form intrinsic functions).
pub fn parse(text: &str) -> Result<Value, String> {
    if text.trim_start().starts_with('{') {
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            return Ok(value);
        }
    }
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| format!("not a YAML or JSON template: {e}"))?;
    let value = from_yaml(yaml)?;
    if !value.is_object() {
        return Err("not a template: the document is not a mapping".to_string());
    }
    Ok(value)
}

/// Tags that name an intrinsic function `Fn::<tag>`.
const FUNCTIONS: [&str; 20] = [
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "ForEach",
    "GetAZs",
    "GetAtt",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
    "Contains",
];

fn from_yaml(value: serde_yaml::Value) -> Result<Value, String> {
    use serde_yaml::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                // CloudFormation hands every scalar over as a string anyway.
                serde_json::Number::from_f64(n.as_f64().unwrap_or_default())
                    .map(Value::Number)
                    .unwrap_or_else(|| Value::String(n.to_string()))
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            Value::Array(items.into_iter().map(from_yaml).collect::<Result<_, _>>()?)
        }
        Y::Mapping(mapping) => {
            let mut map = Map::new();
            for (key, value) in mapping {
                let key = match key {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    Y::Null => "null".to_string(),
                    other => return Err(format!("a mapping key must be a scalar, got {other:?}")),
                };
                map.insert(key, from_yaml(value)?);
            }
            Value::Object(map)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = from_yaml(tagged.value)?;
            let long = match name {
                "Ref" => "Ref".to_string(),
                "Condition" => "Condition".to_string(),
                "GetAtt" => {
                    // `!GetAtt Resource.Attribute` is the short form of a two-element list.
                    let inner = match inner {
                        Value::String(s) => match s.split_once('.') {
                            Some((resource, attribute)) => {
                                Value::from(vec![resource.to_string(), attribute.to_string()])
                            }
                            None => Value::String(s),
                        },
                        other => other,
                    };
                    return Ok(single("Fn::GetAtt", inner));
                }
                f if FUNCTIONS.contains(&f) => format!("Fn::{f}"),
                other => return Err(format!("unknown YAML tag !{other}")),
            };
            single(&long, inner)
        }
    })
}

fn single(key: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(key.to_string(), value);
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_forms_become_long_forms() {
        let text = r#"
A: !Ref X
B: !GetAtt Res.Arn
C: !Sub "${AWS::Region}-x"
D: !If [Cond, !Ref Y, !Ref AWS::NoValue]
E: !Condition Other
F: !ImportValue
  Ref: Name
G: 10
H: true
"#;
        let value = parse(text).unwrap();
        assert_eq!(
            value,
            json!({
                "A": {"Ref": "X"},
                "B": {"Fn::GetAtt": ["Res", "Arn"]},
                "C": {"Fn::Sub": "${AWS::Region}-x"},
                "D": {"Fn::If": ["Cond", {"Ref": "Y"}, {"Ref": "AWS::NoValue"}]},
                "E": {"Condition": "Other"},
                "F": {"Fn::ImportValue": {"Ref": "Name"}},
                "G": 10,
                "H": true,
            })
        );
    }

    #[test]
    fn json_templates_are_read_as_json() {
        let value = parse(r#"{"Resources": {"R": {"Type": "T"}}}"#).unwrap();
        assert_eq!(value, json!({"Resources": {"R": {"Type": "T"}}}));
        assert!(parse("- a\n- b\n").is_err());
        assert!(parse("A: !Nope x\n").unwrap_err().contains("!Nope"));
    }
}
