//! CloudFormation's intrinsic functions, evaluated offline: parameters (given, or their
//! defaults), pseudo parameters, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::If`
//! with its conditions, `Fn::FindInMap`, `Fn::Base64`. What cannot be known before the stack
//! exists (`Fn::GetAtt` of other resources, `Fn::ImportValue`, parameters without a value,
//! `Fn::GetAZs`, `Fn::Cidr`) becomes a token (`crate::tokens`).

mod functions;

use crate::live::Deployed;
use crate::tokens::{self, marker, Piece};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// Where the stack lives: the pseudo parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stack {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub stack_name: String,
    pub stack_id: String,
}

impl Stack {
    fn url_suffix(&self) -> &'static str {
        if self.partition == "aws-cn" {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }
}

/// A template's parameters, pseudo parameters and conditions, for resolving values.
pub struct Resolver<'a> {
    template: &'a Map<String, Value>,
    stack: &'a Stack,
    /// Each parameter's value; None: unknown offline (a token).
    parameters: BTreeMap<String, Option<Value>>,
    /// With `--live`: the deployed stack's physical ids and the account's exports.
    deployed: Option<&'a Deployed>,
    conditions: RefCell<BTreeMap<String, Option<bool>>>,
    evaluating: RefCell<BTreeSet<String>>,
    depth: RefCell<usize>,
}

/// What `Ref` of these resource types returns, and the property that holds it when the
/// template names it: the name (or, for a managed policy, the ARN) is then known offline.
const REF_NAMES: [(&str, &str); 8] = [
    ("AWS::ECS::Cluster", "ClusterName"),
    ("AWS::IAM::Role", "RoleName"),
    ("AWS::IAM::InstanceProfile", "InstanceProfileName"),
    ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"),
    ("AWS::Lambda::Function", "FunctionName"),
    ("AWS::Logs::LogGroup", "LogGroupName"),
    ("AWS::S3::Bucket", "BucketName"),
    ("AWS::SSM::Parameter", "Name"),
];

const MAX_DEPTH: usize = 64;

type Resolved = Result<Option<Value>, String>;

impl<'a> Resolver<'a> {
    /// `given`: `--parameter` values. A parameter the template does not declare is an error.
    /// `deployed` (with `--live`): the stack's parameter values (after `given`, before the
    /// defaults), its resources' physical ids (what `Ref` of most types returns) and the
    /// account's exports.
    pub fn new(
        template: &'a Map<String, Value>,
        stack: &'a Stack,
        given: &BTreeMap<String, String>,
        deployed: Option<&'a Deployed>,
    ) -> Result<Resolver<'a>, String> {
        let empty = Map::new();
        let declared = template
            .get("Parameters")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        if let Some(unknown) = given.keys().find(|k| !declared.contains_key(*k)) {
            let names: Vec<&str> = declared.keys().map(String::as_str).collect();
            return Err(format!(
                "--parameter {unknown}: the template has no such parameter (its parameters: {})",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ));
        }
        let mut parameters = BTreeMap::new();
        for (name, declaration) in declared {
            let kind = declaration
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or("String");
            let value = match given
                .get(name)
                .or_else(|| deployed.and_then(|d| d.parameters.get(name)))
            {
                Some(value) => Some(value.clone()),
                // An SSM parameter type resolves to the SSM parameter's value at deploy time.
                None if kind.starts_with("AWS::SSM::Parameter::Value<") => None,
                None => declaration.get("Default").and_then(scalar_text),
            };
            let value = value.map(|text| {
                if kind.starts_with("List<") || kind.contains("CommaDelimitedList") {
                    Value::from(
                        text.split(',')
                            .map(|s| s.trim().to_string())
                            .collect::<Vec<_>>(),
                    )
                } else {
                    Value::String(text)
                }
            });
            parameters.insert(name.clone(), value);
        }
        Ok(Resolver {
            template,
            stack,
            parameters,
            deployed,
            conditions: RefCell::default(),
            evaluating: RefCell::default(),
            depth: RefCell::new(0),
        })
    }

    fn section(&self, name: &str) -> Option<&'a Map<String, Value>> {
        self.template.get(name).and_then(Value::as_object)
    }

    /// The value with every intrinsic function evaluated; None for `AWS::NoValue`.
    pub fn resolve(&self, value: &Value) -> Resolved {
        {
            let mut depth = self.depth.borrow_mut();
            if *depth > MAX_DEPTH {
                return Err("references nest too deep (a cycle?)".to_string());
            }
            *depth += 1;
        }
        let result = self.resolve_inner(value);
        *self.depth.borrow_mut() -= 1;
        result
    }

    fn resolve_inner(&self, value: &Value) -> Resolved {
        match value {
            Value::Object(map) if map.len() == 1 => {
                let (key, arg) = map.iter().next().expect("one member");
                if key == "Ref" {
                    return self.reference(arg);
                }
                if let Some(function) = key.strip_prefix("Fn::") {
                    return self.function(function, arg);
                }
                self.object(map)
            }
            Value::Object(map) => self.object(map),
            Value::Array(items) => {
                let mut out = vec![];
                for item in items {
                    out.extend(self.resolve(item)?);
                }
                Ok(Some(Value::Array(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    fn object(&self, map: &Map<String, Value>) -> Resolved {
        let mut out = Map::new();
        for (key, value) in map {
            if let Some(value) = self.resolve(value)? {
                out.insert(key.clone(), value);
            }
        }
        Ok(Some(Value::Object(out)))
    }

    /// A value that must be there (not `AWS::NoValue`).
    fn present(&self, value: &Value, what: &str) -> Result<Value, String> {
        self.resolve(value)?
            .ok_or_else(|| format!("{what} is AWS::NoValue"))
    }

    /// A value that must be a string (a token is one).
    fn string(&self, value: &Value, what: &str) -> Result<String, String> {
        match self.present(value, what)? {
            Value::String(s) => Ok(s),
            other => scalar_text(&other).ok_or_else(|| format!("{what} must be a string")),
        }
    }

    fn reference(&self, arg: &Value) -> Resolved {
        let name = arg
            .as_str()
            .ok_or("Ref must name a parameter or resource")?;
        if let Some(pseudo) = name.strip_prefix("AWS::") {
            let s = self.stack;
            return Ok(Some(match pseudo {
                "NoValue" => return Ok(None),
                "AccountId" => Value::from(s.account.as_str()),
                "Region" => Value::from(s.region.as_str()),
                "Partition" => Value::from(s.partition.as_str()),
                "StackName" => Value::from(s.stack_name.as_str()),
                "StackId" => Value::from(s.stack_id.as_str()),
                "URLSuffix" => Value::from(s.url_suffix()),
                "NotificationARNs" => Value::from(marker(name)),
                _ => return Err(format!("Ref {name}: no such pseudo parameter")),
            }));
        }
        if let Some(value) = self.parameters.get(name) {
            return Ok(Some(
                value.clone().unwrap_or_else(|| Value::from(marker(name))),
            ));
        }
        let resource = self
            .section("Resources")
            .and_then(|r| r.get(name))
            .ok_or_else(|| {
                format!("Ref {name}: the template has no parameter or resource {name}")
            })?;
        if let Some((_, physical)) = self.deployed.and_then(|d| d.resources.get(name)) {
            return Ok(Some(Value::from(physical.as_str())));
        }
        Ok(Some(
            self.named(resource)?
                .unwrap_or_else(|| Value::from(marker(name))),
        ))
    }

    /// What `Ref` of a resource returns when the template gives its name (see `REF_NAMES`).
    fn named(&self, resource: &Value) -> Result<Option<Value>, String> {
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or("");
        let Some((_, property)) = REF_NAMES.iter().find(|(t, _)| *t == kind) else {
            return Ok(None);
        };
        let Some(given) = resource.get("Properties").and_then(|p| p.get(*property)) else {
            return Ok(None);
        };
        let Some(Value::String(name)) = self.resolve(given)? else {
            return Ok(None);
        };
        if tokens::has_token(&Value::from(name.as_str())) {
            return Ok(None);
        }
        if kind == "AWS::IAM::ManagedPolicy" {
            let path = match resource.get("Properties").and_then(|p| p.get("Path")) {
                Some(path) => match self.resolve(path)? {
                    Some(Value::String(path))
                        if !tokens::has_token(&Value::from(path.as_str())) =>
                    {
                        path
                    }
                    Some(_) => return Ok(None),
                    None => "/".to_string(),
                },
                None => "/".to_string(),
            };
            let s = self.stack;
            return Ok(Some(Value::from(format!(
                "arn:{}:iam::{}:policy{path}{name}",
                s.partition, s.account
            ))));
        }
        Ok(Some(Value::from(name)))
    }

    /// A condition of the template's `Conditions`: None when it depends on something unknown.
    pub fn condition(&self, name: &str) -> Result<Option<bool>, String> {
        if let Some(known) = self.conditions.borrow().get(name) {
            return Ok(*known);
        }
        if !self.evaluating.borrow_mut().insert(name.to_string()) {
            return Err(format!("condition {name} refers to itself"));
        }
        let expression = self
            .section("Conditions")
            .and_then(|c| c.get(name))
            .ok_or_else(|| format!("the template has no condition {name}"))?;
        let result = self.evaluate(expression);
        self.evaluating.borrow_mut().remove(name);
        let result = result?;
        self.conditions
            .borrow_mut()
            .insert(name.to_string(), result);
        Ok(result)
    }

    /// Why a condition cannot be decided offline.
    pub fn unknown_condition(&self, name: &str) -> String {
        format!("condition {name} depends on values plan cannot know offline; give the parameters it uses with --parameter NAME=VALUE")
    }

    fn evaluate(&self, expression: &Value) -> Result<Option<bool>, String> {
        let Some((key, arg)) = expression
            .as_object()
            .filter(|m| m.len() == 1)
            .and_then(|m| m.iter().next())
        else {
            return Err("a condition must be one condition function".to_string());
        };
        let list = |what: &str| arg.as_array().ok_or_else(|| format!("{what} takes a list"));
        match key.as_str() {
            "Condition" => {
                let name = arg.as_str().ok_or("Condition names a condition")?;
                self.condition(name)
            }
            "Fn::Equals" => {
                let items = list("Fn::Equals")?;
                if items.len() != 2 {
                    return Err("Fn::Equals takes a list of 2".to_string());
                }
                let a = self.resolve(&items[0])?.unwrap_or(Value::Null);
                let b = self.resolve(&items[1])?.unwrap_or(Value::Null);
                if tokens::has_token(&a) || tokens::has_token(&b) {
                    return Ok(None);
                }
                Ok(Some(comparable(&a) == comparable(&b)))
            }
            "Fn::Not" => {
                let items = list("Fn::Not")?;
                let [item] = items.as_slice() else {
                    return Err("Fn::Not takes a list of 1".to_string());
                };
                Ok(self.evaluate(item)?.map(|b| !b))
            }
            "Fn::And" | "Fn::Or" => {
                let all = key == "Fn::And";
                let mut unknown = false;
                for item in list(key)? {
                    match self.evaluate(item)? {
                        Some(b) if b != all => return Ok(Some(b)),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                Ok((!unknown).then_some(all))
            }
            other => Err(format!("{other} is not a condition function")),
        }
    }
}

/// A scalar as CloudFormation hands it over: a string.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Scalars as strings, for comparing as `Fn::Equals` does.
fn comparable(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(comparable).collect()),
        other => scalar_text(other).map(Value::from).unwrap_or(other.clone()),
    }
}

/// `Fn::Split` of a resolved string: tokens are never cut.
fn split(source: &str, delimiter: &str) -> Vec<String> {
    let mut parts = vec![vec![]];
    for piece in tokens::pieces(source) {
        match piece {
            Piece::Token(_) => parts.last_mut().expect("one part").push(piece),
            Piece::Text(text) => {
                let mut first = true;
                for chunk in text.split(delimiter) {
                    if !first {
                        parts.push(vec![]);
                    }
                    first = false;
                    if !chunk.is_empty() {
                        parts
                            .last_mut()
                            .expect("one part")
                            .push(Piece::Text(chunk.to_string()));
                    }
                }
            }
        }
    }
    parts.iter().map(|p| tokens::join(p)).collect()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
