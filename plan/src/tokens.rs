//! Values plan cannot know offline (`!GetAtt` of other resources, `!ImportValue`, parameters
//! without a value): tokens, shown as `${...}` wherever they end up.
//!
//! While the template is resolved, a token is a marker inside a string (private-use
//! characters around its text), so a literal `${x}` of a `!Sub` is never taken for one. Before
//! the function's checks run, each token is replaced by a stand-in of the shape its property
//! needs (a bare name, or an ARN of the stack's account and partition), the first that the
//! checks accept; every document is built with the stand-ins, and every stand-in in the output
//! is then turned back into its `${...}` token.

use serde_json::{Map, Value};

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// A token with this text, to embed in a resolved string.
pub fn marker(text: &str) -> String {
    format!("{OPEN}{text}{CLOSE}")
}

/// The text of a string that is exactly one token.
pub fn whole(s: &str) -> Option<&str> {
    let inner = s.strip_prefix(OPEN)?.strip_suffix(CLOSE)?;
    (!inner.contains(OPEN)).then_some(inner)
}

/// Whether a resolved value holds a token anywhere.
pub fn has_token(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains(OPEN),
        Value::Array(items) => items.iter().any(has_token),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains(OPEN) || has_token(v)),
        _ => false,
    }
}

/// One piece of a resolved string: literal text, or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Token(String),
}

/// A resolved string in pieces.
pub fn pieces(s: &str) -> Vec<Piece> {
    let mut out = vec![];
    let mut rest = s;
    while let Some(start) = rest.find(OPEN) {
        if start > 0 {
            out.push(Piece::Text(rest[..start].to_string()));
        }
        let after = &rest[start + OPEN.len_utf8()..];
        match after.find(CLOSE) {
            Some(end) => {
                out.push(Piece::Token(after[..end].to_string()));
                rest = &after[end + CLOSE.len_utf8()..];
            }
            None => {
                out.push(Piece::Text(after.to_string()));
                rest = "";
            }
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_string()));
    }
    out
}

/// Pieces back into a resolved string.
pub fn join(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.clone(),
            Piece::Token(t) => marker(t),
        })
        .collect()
}

/// How a token is shown: `${TEXT}`.
pub fn shown(text: &str) -> String {
    format!("${{{text}}}")
}

/// Every marker in `s` shown as `${...}`.
pub fn render(s: &str) -> String {
    pieces(s)
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.clone(),
            Piece::Token(t) => shown(t),
        })
        .collect()
}

/// Replacements applied to every string (and object key) of the output, longest first: each
/// stand-in back to its token, and any marker left to `${...}`.
#[derive(Debug, Clone, Default)]
pub struct Reverse {
    pairs: Vec<(String, String)>,
}

impl Reverse {
    pub fn add(&mut self, from: String, to: String) {
        if !from.is_empty() && !self.pairs.iter().any(|(f, _)| *f == from) {
            self.pairs.push((from, to));
            self.pairs
                .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        }
    }

    pub fn text(&self, s: &str) -> String {
        let mut s = render(s);
        for (from, to) in &self.pairs {
            if s.contains(from.as_str()) {
                s = s.replace(from.as_str(), to);
            }
        }
        s
    }

    pub fn value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.value(v)).collect()),
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(self.text(k), self.value(v));
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_render() {
        let s = format!("a-{}-b{}", marker("X.Arn"), marker("Y"));
        assert_eq!(
            pieces(&s),
            vec![
                Piece::Text("a-".into()),
                Piece::Token("X.Arn".into()),
                Piece::Text("-b".into()),
                Piece::Token("Y".into())
            ]
        );
        assert_eq!(join(&pieces(&s)), s);
        assert_eq!(render(&s), "a-${X.Arn}-b${Y}");
        assert_eq!(whole(&marker("Z")), Some("Z"));
        assert_eq!(whole(&s), None);
        // A literal `${x}` (a !Sub's `${!x}`) is no token.
        assert!(!has_token(&Value::from("${x}")));
    }

    #[test]
    fn reverse_replaces_the_longest_stand_in_first() {
        let mut reverse = Reverse::default();
        reverse.add("tok1".into(), "${A}".into());
        reverse.add("arn:aws:iam::1:role/tok1".into(), "${A}".into());
        assert_eq!(
            reverse.text("arn:aws:iam::1:role/tok1 and tok1-x"),
            "${A} and ${A}-x"
        );
    }
}
