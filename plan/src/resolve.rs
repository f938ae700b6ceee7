//! CloudFormation's intrinsic functions, evaluated offline: parameters (given, or their
//! defaults), pseudo parameters, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::If`
//! with its conditions, `Fn::FindInMap`, `Fn::Base64`. What cannot be known before the stack
//! exists (`Fn::GetAtt` of other resources, `Fn::ImportValue`, parameters without a value,
//! `Fn::GetAZs`, `Fn::Cidr`) becomes a token (`crate::tokens`).

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

    fn function(&self, function: &str, arg: &Value) -> Resolved {
        let items = |n: usize| -> Result<&Vec<Value>, String> {
            match arg {
                Value::Array(items) if items.len() == n => Ok(items),
                _ => Err(format!("Fn::{function} takes a list of {n}")),
            }
        };
        match function {
            "Sub" => self.sub(arg).map(Some),
            "Join" => {
                let items = items(2)?;
                let delimiter = self.string(&items[0], "Fn::Join's delimiter")?;
                match self.present(&items[1], "Fn::Join's list")? {
                    Value::Array(list) => {
                        let parts: Vec<String> = list
                            .iter()
                            .map(|v| scalar_text(v).ok_or("Fn::Join joins strings only"))
                            .collect::<Result<_, _>>()?;
                        Ok(Some(Value::from(parts.join(&delimiter))))
                    }
                    Value::String(s) if tokens::whole(&s).is_some() => Ok(Some(Value::String(s))),
                    _ => Err("Fn::Join's second argument must be a list".to_string()),
                }
            }
            "Select" => {
                let items = items(2)?;
                let index = self.string(&items[0], "Fn::Select's index")?;
                let list = self.present(&items[1], "Fn::Select's list")?;
                let i: usize = match index.trim().parse() {
                    Ok(i) => i,
                    Err(_) if tokens::has_token(&Value::from(index.as_str())) => {
                        return Ok(Some(Value::from(marker(&format!(
                            "Select {}",
                            tokens::render(&index)
                        )))))
                    }
                    Err(_) => return Err(format!("Fn::Select's index {index:?} is not a number")),
                };
                match list {
                    Value::Array(list) => list
                        .get(i)
                        .cloned()
                        .map(Some)
                        .ok_or_else(|| format!("Fn::Select: index {i} is past the list's end")),
                    Value::String(s) => match tokens::whole(&s) {
                        Some(token) => Ok(Some(Value::from(marker(&format!("{token}[{i}]"))))),
                        None => Err("Fn::Select's second argument must be a list".to_string()),
                    },
                    _ => Err("Fn::Select's second argument must be a list".to_string()),
                }
            }
            "Split" => {
                let items = items(2)?;
                let delimiter = self.string(&items[0], "Fn::Split's delimiter")?;
                if delimiter.is_empty() {
                    return Err("Fn::Split's delimiter is empty".to_string());
                }
                let source = self.string(&items[1], "Fn::Split's string")?;
                Ok(Some(Value::from(split(&source, &delimiter))))
            }
            "If" => {
                let items = items(3)?;
                let name = items[0].as_str().ok_or("Fn::If names a condition")?;
                match self.condition(name)? {
                    Some(true) => self.resolve(&items[1]),
                    Some(false) => self.resolve(&items[2]),
                    None => Err(self.unknown_condition(name)),
                }
            }
            "FindInMap" => {
                let items = match arg {
                    Value::Array(items) if items.len() == 3 || items.len() == 4 => items,
                    _ => return Err("Fn::FindInMap takes a list of 3".to_string()),
                };
                let map = self.string(&items[0], "Fn::FindInMap's map name")?;
                let top = self.string(&items[1], "Fn::FindInMap's top-level key")?;
                let second = self.string(&items[2], "Fn::FindInMap's second-level key")?;
                if [&map, &top, &second]
                    .iter()
                    .any(|s| tokens::has_token(&Value::from(s.as_str())))
                {
                    let text = format!(
                        "FindInMap {}.{}.{}",
                        tokens::render(&map),
                        tokens::render(&top),
                        tokens::render(&second)
                    );
                    return Ok(Some(Value::from(marker(&text))));
                }
                let found = self
                    .section("Mappings")
                    .and_then(|m| m.get(&map))
                    .and_then(|m| m.get(&top))
                    .and_then(|m| m.get(&second));
                match found {
                    Some(value) => self.resolve(value),
                    None => Err(format!(
                        "Fn::FindInMap: Mappings has no {map} / {top} / {second}"
                    )),
                }
            }
            "GetAtt" => {
                let (resource, attribute) = match arg {
                    Value::Array(items) if items.len() == 2 => (
                        items[0]
                            .as_str()
                            .ok_or("Fn::GetAtt names a resource")?
                            .to_string(),
                        self.string(&items[1], "Fn::GetAtt's attribute")?,
                    ),
                    Value::String(s) => match s.split_once('.') {
                        Some((r, a)) => (r.to_string(), a.to_string()),
                        None => return Err("Fn::GetAtt takes RESOURCE.ATTRIBUTE".to_string()),
                    },
                    _ => return Err("Fn::GetAtt takes [RESOURCE, ATTRIBUTE]".to_string()),
                };
                self.get_att(&resource, &attribute).map(Some)
            }
            "ImportValue" => {
                let name = self.string(arg, "Fn::ImportValue's name")?;
                if let Some(value) = self.deployed.and_then(|d| d.exports.get(&name)) {
                    return Ok(Some(Value::from(value.as_str())));
                }
                Ok(Some(Value::from(marker(&format!(
                    "ImportValue:{}",
                    tokens::render(&name)
                )))))
            }
            "Base64" => {
                let text = self.string(arg, "Fn::Base64's string")?;
                if tokens::has_token(&Value::from(text.as_str())) {
                    return Ok(Some(Value::from(marker(&format!(
                        "Base64 {}",
                        tokens::render(&text)
                    )))));
                }
                Ok(Some(Value::from(base64(text.as_bytes()))))
            }
            "GetAZs" => Ok(Some(Value::from(marker("GetAZs")))),
            "Cidr" => Ok(Some(Value::from(marker("Cidr")))),
            "Equals" | "Not" | "And" | "Or" => Err(format!(
                "Fn::{function} belongs in the template's Conditions (use Fn::If)"
            )),
            other => Err(format!("Fn::{other} is not supported by plan")),
        }
    }

    fn get_att(&self, resource: &str, attribute: &str) -> Result<Value, String> {
        let found = self
            .section("Resources")
            .and_then(|r| r.get(resource))
            .ok_or_else(|| format!("Fn::GetAtt: the template has no resource {resource}"))?;
        // An ARN that the template's own names, or the deployed stack's physical id, make known.
        let kind = found.get("Type").and_then(Value::as_str).unwrap_or("");
        let physical = self
            .deployed
            .and_then(|d| d.resources.get(resource))
            .map(|(_, physical)| Value::from(physical.as_str()));
        if attribute == "Arn" {
            if let Some(Value::String(arn)) = &physical {
                if arn.starts_with("arn:") {
                    return Ok(Value::from(arn.as_str()));
                }
            }
            let name = match physical {
                Some(physical) => Some(physical),
                None => self.named(found)?,
            };
            if let Some(Value::String(name)) = name {
                let s = self.stack;
                let (p, r, a) = (&s.partition, &s.region, &s.account);
                match kind {
                    "AWS::Lambda::Function" => {
                        return Ok(Value::from(format!(
                            "arn:{p}:lambda:{r}:{a}:function:{name}"
                        )))
                    }
                    "AWS::ECS::Cluster" => {
                        return Ok(Value::from(format!("arn:{p}:ecs:{r}:{a}:cluster/{name}")))
                    }
                    _ => {}
                }
            }
        }
        Ok(Value::from(marker(&format!("{resource}.{attribute}"))))
    }

    fn sub(&self, arg: &Value) -> Result<Value, String> {
        let (text, vars) = match arg {
            Value::String(s) => (s.clone(), Map::new()),
            Value::Array(items) if items.len() == 2 => {
                let text = items[0]
                    .as_str()
                    .ok_or("Fn::Sub's first item is the string")?;
                let mut vars = Map::new();
                let given = items[1]
                    .as_object()
                    .ok_or("Fn::Sub's second item maps names to values")?;
                for (name, value) in given {
                    vars.insert(name.clone(), self.present(value, "a Fn::Sub variable")?);
                }
                (text.to_string(), vars)
            }
            _ => return Err("Fn::Sub takes a string, or [string, {name: value}]".to_string()),
        };
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("Fn::Sub: unclosed ${{ in {text:?}"))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else {
                let value = match vars.get(name) {
                    Some(value) => value.clone(),
                    None => match name.split_once('.') {
                        Some((resource, attribute)) if !name.contains("::") => {
                            self.get_att(resource, attribute)?
                        }
                        _ => self
                            .reference(&Value::from(name))?
                            .ok_or_else(|| format!("Fn::Sub: ${{{name}}} is AWS::NoValue"))?,
                    },
                };
                let value = scalar_text(&value)
                    .ok_or_else(|| format!("Fn::Sub: ${{{name}}} is not a string"))?;
                out.push_str(&value);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(Value::from(out))
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
mod tests {
    use super::*;
    use serde_json::json;

    fn stack() -> Stack {
        Stack {
            partition: "aws".into(),
            region: "eu-west-1".into(),
            account: "123456789012".into(),
            stack_name: "s".into(),
            stack_id: "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g".into(),
        }
    }

    fn resolve(template: Value, given: &[(&str, &str)], value: Value) -> Resolved {
        let stack = stack();
        let given = given
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let template = template.as_object().unwrap().clone();
        let resolver = Resolver::new(&template, &stack, &given, None)?;
        resolver.resolve(&value)
    }

    #[test]
    fn parameters_pseudo_parameters_and_sub() {
        let template = json!({
            "Parameters": {
                "Known": {"Type": "String", "Default": "d"},
                "Unknown": {"Type": "String"},
                "List": {"Type": "CommaDelimitedList", "Default": "a, b"},
            },
            "Resources": {"Fn": {"Type": "AWS::Lambda::Function"}},
        });
        let got = resolve(
            template.clone(),
            &[],
            json!({"Fn::Sub": "${AWS::Region}-${Known}-${Unknown}-${Fn.Arn}-${!Literal}"}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            tokens::render(got.as_str().unwrap()),
            "eu-west-1-d-${Unknown}-${Fn.Arn}-${Literal}"
        );
        let given = resolve(template.clone(), &[("Known", "g")], json!({"Ref": "Known"}));
        assert_eq!(given.unwrap(), Some(json!("g")));
        let list = resolve(
            template.clone(),
            &[],
            json!({"Fn::Join": ["+", {"Ref": "List"}]}),
        );
        assert_eq!(list.unwrap(), Some(json!("a+b")));
        assert_eq!(
            resolve(template.clone(), &[], json!({"Ref": "AWS::NoValue"})).unwrap(),
            None
        );
        assert!(resolve(template, &[("Nope", "x")], json!(1))
            .unwrap_err()
            .contains("Nope"));
    }

    #[test]
    fn conditions_select_split_find_in_map() {
        let template = json!({
            "Parameters": {
                "Id": {"Type": "String", "Default": ""},
                "Unknown": {"Type": "String"},
            },
            "Mappings": {"M": {"eu-west-1": {"K": "v"}}},
            "Conditions": {
                "HasId": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Id"}, ""]}]},
                "Depends": {"Fn::Equals": [{"Ref": "Unknown"}, "x"]},
                "Either": {"Fn::Or": [{"Condition": "Depends"}, {"Fn::Equals": ["a", "a"]}]},
            },
        });
        let r = |v: Value| resolve(template.clone(), &[], v);
        assert_eq!(
            r(json!({"a": {"Fn::If": ["HasId", "yes", {"Ref": "AWS::NoValue"}]}})).unwrap(),
            Some(json!({}))
        );
        assert_eq!(
            r(json!({"Fn::If": ["Either", "yes", "no"]})).unwrap(),
            Some(json!("yes"))
        );
        assert!(r(json!({"Fn::If": ["Depends", "yes", "no"]}))
            .unwrap_err()
            .contains("--parameter"));
        assert_eq!(
            r(json!({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]})).unwrap(),
            Some(json!("b"))
        );
        assert_eq!(
            r(json!({"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "K"]})).unwrap(),
            Some(json!("v"))
        );
        let split = r(json!({"Fn::Split": [".", {"Fn::Sub": "a.${Unknown}.b"}]}))
            .unwrap()
            .unwrap();
        let parts: Vec<String> = split
            .as_array()
            .unwrap()
            .iter()
            .map(|v| tokens::render(v.as_str().unwrap()))
            .collect();
        assert_eq!(parts, ["a", "${Unknown}", "b"]);
    }

    #[test]
    fn names_the_template_gives_are_known() {
        let template = json!({
            "Parameters": {"Name": {"Type": "String", "Default": "c"}},
            "Resources": {
                "Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {"ClusterName": {"Ref": "Name"}}},
                "Anonymous": {"Type": "AWS::ECS::Cluster"},
                "Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "p", "Path": "/x/"}},
            },
        });
        let r = |v: Value| resolve(template.clone(), &[], v).unwrap().unwrap();
        assert_eq!(r(json!({"Ref": "Cluster"})), json!("c"));
        assert_eq!(
            r(json!({"Fn::GetAtt": ["Cluster", "Arn"]})),
            json!("arn:aws:ecs:eu-west-1:123456789012:cluster/c")
        );
        assert_eq!(
            tokens::render(r(json!({"Ref": "Anonymous"})).as_str().unwrap()),
            "${Anonymous}"
        );
        assert_eq!(
            r(json!({"Ref": "Policy"})),
            json!("arn:aws:iam::123456789012:policy/x/p")
        );
    }

    #[test]
    fn base64_is_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
