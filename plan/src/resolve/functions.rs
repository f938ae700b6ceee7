//! The intrinsic functions (`Fn::*`), `Fn::GetAtt` and `Fn::Sub`, evaluated offline.

use super::*;

impl<'a> Resolver<'a> {
    pub(super) fn function(&self, function: &str, arg: &Value) -> Resolved {
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
}
