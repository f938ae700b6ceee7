//! The function's own checks of a resource's properties (`spec::parse_in`, then
//! `Operator::check`, then `Operator::guard`, in the function's order: the first stage that
//! fails gives the errors), on properties whose tokens stand in as values of the right shape.

use crate::tokens::{self, Piece, Reverse};
use ecs_iam_roles::identity::StackEnv;
use ecs_iam_roles::operator::Operator;
use ecs_iam_roles::spec::{self, display_key, PropertyError, Spec, SpecError};
use serde_json::Value;
use std::collections::BTreeMap;

/// The tokens of one resource (its new and its old properties share them): the same token
/// stands in as the same value everywhere.
#[derive(Debug, Default)]
pub struct Tokens {
    ids: BTreeMap<String, usize>,
    pub reverse: Reverse,
}

impl Tokens {
    /// Whether `text` holds a stand-in of one of these tokens.
    pub fn stands_in(&self, text: &str) -> bool {
        self.ids.values().any(|id| text.contains(&bare(*id)))
    }

    fn id(&mut self, token: &str) -> usize {
        let next = self.ids.len();
        let id = *self.ids.entry(token.to_string()).or_insert(next);
        self.reverse.add(bare(id), tokens::shown(token));
        id
    }
}

/// The stand-in of token `id` inside a string (a name, a tag, part of an ARN).
fn bare(id: usize) -> String {
    format!("plantoken{id}x")
}

/// What the function checks against: the stack and the operator's settings.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    pub env: &'a StackEnv,
    pub operator: &'a Operator,
}

impl Rules<'_> {
    fn context(&self, partition: bool) -> spec::Context<'_> {
        spec::Context {
            partition: partition.then_some(self.env.partition.as_str()),
            default_path: &self.operator.managed_path,
        }
    }

    /// The values a whole-token property may stand in as, in the order tried: a bare name, then
    /// an ARN of each shape a property takes (in the stack's account and partition, under
    /// ManagedPath), a Region, a number; each also as a one-item list.
    fn candidates(&self, id: usize) -> Vec<Value> {
        let (p, r, a) = (&self.env.partition, &self.env.region, &self.env.account);
        let b = bare(id);
        let path = &self.operator.managed_path;
        let strings = [
            b.clone(),
            format!("arn:{p}:iam::{a}:role/{b}"),
            format!("arn:{p}:iam::{a}:policy{path}{b}"),
            format!("arn:{p}:lambda:{r}:{a}:function:{b}"),
            format!("arn:{p}:secretsmanager:{r}:{a}:secret:{b}"),
            format!("arn:{p}:kms:{r}:{a}:key/{b}"),
            format!("arn:{p}:s3:::{b}-bucket/{b}"),
            format!("zz-{b}-1"),
            "10".to_string(),
        ];
        let mut out: Vec<Value> = strings.iter().map(|s| Value::from(s.as_str())).collect();
        out.extend(strings.iter().map(|s| Value::from(vec![s.clone()])));
        out
    }

    fn stand_in_reverse(&self, id: usize, candidate: &Value, token: &str, reverse: &mut Reverse) {
        let text = match candidate {
            Value::Array(items) => items.first().and_then(Value::as_str),
            other => other.as_str(),
        };
        let Some(text) = text else { return };
        reverse.add(text.to_string(), tokens::shown(token));
        let p = &self.env.partition;
        let b = bare(id);
        if text.starts_with(&format!("arn:{p}:s3:::")) {
            // The bucket of an S3 object ARN (TaskExecution's s3:GetBucketLocation).
            reverse.add(
                format!("arn:{p}:s3:::{b}-bucket"),
                tokens::shown(&format!("{token} (its bucket)")),
            );
        }
    }
}

/// Where a token is in the properties, and the values it may stand in as.
struct Occurrence {
    /// The property path, as the function names properties in its errors.
    path: String,
    /// A whole-value token: its text and id (only these try candidates).
    whole: Option<(String, usize)>,
    /// The string with every token as its bare stand-in (for embedded tokens).
    embedded: String,
    /// Which candidate is in place.
    choice: usize,
}

/// The checked properties and their spec, with stand-ins for tokens.
pub struct Checked {
    pub spec: Spec,
    /// The properties as checked (stand-ins in place of tokens).
    pub properties: Value,
}

/// The stages the function runs (an Update's old properties are only parsed).
#[derive(Debug, Clone, Copy)]
pub enum Stage<'a> {
    /// A Create, or an Update from `old` (None: a Create): parse, operator check, guardrails.
    Request { old: Option<&'a Spec> },
    /// Properties accepted once (an Update's old ones): `spec::parse_known`.
    Known,
}

/// Check properties as the function does; tokens stand in as the first candidate values the
/// checks accept. Errors name properties as the function does; a token no candidate satisfies
/// is reported as unknown offline.
pub fn check(
    properties: &Value,
    rules: Rules,
    stage: Stage,
    tokens: &mut Tokens,
) -> Result<Checked, Vec<PropertyError>> {
    let properties = stringified(properties);
    let mut occurrences = vec![];
    collect(&properties, String::new(), tokens, &mut occurrences);
    let candidates: Vec<Vec<Value>> = occurrences
        .iter()
        .map(|o| match &o.whole {
            Some((_, id)) => rules.candidates(*id),
            None => vec![Value::from(o.embedded.as_str())],
        })
        .collect();
    let mut errors;
    loop {
        let standing = place(&properties, &occurrences, &candidates);
        match run(&standing, rules, stage) {
            Ok(spec) => {
                for (o, c) in occurrences.iter().zip(&candidates) {
                    if let Some((token, id)) = &o.whole {
                        rules.stand_in_reverse(*id, &c[o.choice], token, &mut tokens.reverse);
                    }
                }
                return Ok(Checked {
                    spec,
                    properties: standing,
                });
            }
            Err(e) => errors = e,
        }
        let mut advanced = false;
        for (o, c) in occurrences.iter_mut().zip(&candidates) {
            if o.choice + 1 < c.len() && errors.iter().any(|e| implicates(&o.path, &e.property)) {
                o.choice += 1;
                advanced = true;
            }
        }
        if !advanced {
            break;
        }
    }
    // What is left: errors of known values as the function gives them, and tokens no value of
    // any shape satisfies.
    let mut out: Vec<PropertyError> = vec![];
    for error in errors {
        let unknowable = occurrences
            .iter()
            .filter(|o| implicates(&o.path, &error.property))
            .find_map(|o| o.whole.as_ref().map(|(token, _)| token.clone()));
        let error = match unknowable {
            Some(token) => PropertyError {
                property: error.property,
                message: format!(
                    "depends on {}, which plan cannot know offline; give its value with --parameter NAME=VALUE",
                    tokens::shown(&token)
                ),
            },
            None => error,
        };
        if !out.contains(&error) {
            out.push(error);
        }
    }
    Err(out)
}

fn run(properties: &Value, rules: Rules, stage: Stage) -> Result<Spec, Vec<PropertyError>> {
    let errors = |e: SpecError| e.errors;
    match stage {
        Stage::Known => spec::parse_known(properties, rules.context(false)).map_err(errors),
        Stage::Request { old } => {
            let spec = spec::parse_in(properties, rules.context(true)).map_err(errors)?;
            rules
                .operator
                .check(&spec, &rules.env.account)
                .map_err(errors)?;
            rules
                .operator
                .guard(&spec, old, &rules.env.account)
                .map_err(errors)?;
            Ok(spec)
        }
    }
}

/// Whether an error about `property` may be caused by the value at `path`.
fn implicates(path: &str, property: &str) -> bool {
    property == path
        || property
            .strip_prefix(path)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// CloudFormation hands every scalar to the function as a string.
pub fn stringified(value: &Value) -> Value {
    match value {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Array(items) => Value::Array(items.iter().map(stringified).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), stringified(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn collect(value: &Value, path: String, tokens: &mut Tokens, out: &mut Vec<Occurrence>) {
    match value {
        Value::String(s) if tokens::has_token(value) => {
            let whole = tokens::whole(s).map(|t| (t.to_string(), tokens.id(t)));
            let embedded = tokens::pieces(s)
                .into_iter()
                .map(|p| match p {
                    Piece::Text(t) => t,
                    Piece::Token(t) => bare(tokens.id(&t)),
                })
                .collect();
            out.push(Occurrence {
                path,
                whole,
                embedded,
                choice: 0,
            });
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect(item, format!("{path}[{i}]"), tokens, out);
            }
        }
        Value::Object(map) => {
            // Keys are the template's own text: never tokens.
            for (key, item) in map {
                let at = if path.is_empty() {
                    display_key(key)
                } else {
                    format!("{path}.{}", display_key(key))
                };
                collect(item, at, tokens, out);
            }
        }
        _ => {}
    }
}

/// The properties with each token's current stand-in.
fn place(value: &Value, occurrences: &[Occurrence], candidates: &[Vec<Value>]) -> Value {
    let mut index = 0;
    fn walk(value: &Value, index: &mut usize, o: &[Occurrence], c: &[Vec<Value>]) -> Value {
        match value {
            Value::String(_) if tokens::has_token(value) => {
                let i = *index;
                *index += 1;
                c[i][o[i].choice].clone()
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| walk(v, index, o, c)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, item)| (key.clone(), walk(item, index, o, c)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    walk(value, &mut index, occurrences, candidates)
}
