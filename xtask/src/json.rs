//! JSON written as `serde_json::to_string_pretty` writes it, with objects whose keys keep the
//! order given (serde_json's own maps sort them, and turning on its `preserve_order` feature
//! here would turn it on for every crate of the workspace built with this one).

use serde_json::Value;

/// A JSON value whose objects keep their keys' order.
pub enum Node {
    /// An object, its keys in this order.
    Object(Vec<(String, Node)>),
    /// Any other value (its own objects' keys sorted).
    Value(Value),
}

impl Node {
    /// A string value.
    pub fn text(s: &str) -> Node {
        Node::Value(Value::String(s.to_string()))
    }
}

/// `node` as pretty JSON, with a final line end.
pub fn pretty(node: &Node) -> String {
    let mut out = String::new();
    write(&mut out, node, 0);
    out.push('\n');
    out
}

fn write(out: &mut String, node: &Node, depth: usize) {
    let indent = "  ".repeat(depth);
    match node {
        Node::Value(value) => {
            let text = serde_json::to_string_pretty(value).expect("a JSON value");
            // String values hold no raw line ends (JSON escapes them): every line end is one
            // of the layout's.
            out.push_str(&text.replace('\n', &format!("\n{indent}")));
        }
        Node::Object(entries) if entries.is_empty() => out.push_str("{}"),
        Node::Object(entries) => {
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                out.push_str(&indent);
                out.push_str("  ");
                out.push_str(&Value::String(key.clone()).to_string());
                out.push_str(": ");
                write(out, value, depth + 1);
            }
            out.push('\n');
            out.push_str(&indent);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_as_serde_json_does_in_the_order_given() {
        let node = Node::Object(vec![
            ("b".into(), Node::text("x")),
            (
                "a".into(),
                Node::Object(vec![
                    ("list".into(), Node::Value(json!(["1", "2"]))),
                    ("empty".into(), Node::Object(vec![])),
                ]),
            ),
        ]);
        let expected = "{\n  \"b\": \"x\",\n  \"a\": {\n    \"list\": [\n      \"1\",\n      \"2\"\n    ],\n    \"empty\": {}\n  }\n}\n";
        assert_eq!(pretty(&node), expected);
    }
}
