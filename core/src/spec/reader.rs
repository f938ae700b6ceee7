//! Reading properties as CloudFormation sends them, recording every error with the property it
//! names: the top level's and, through `KindReader`, each kind's.

use super::{Context, PropertyError};
use crate::arn::Arn;
use crate::iam_rules::shown;
use crate::kinds::{FlagProperty, Kind, ListProperty, TextProperty};
use serde_json::{Map, Value};

/// Collects the errors of one request's properties.
pub(super) struct Checker {
    pub(super) errors: Vec<PropertyError>,
}

impl Checker {
    pub(super) fn fail(&mut self, property: impl Into<String>, message: impl Into<String>) {
        self.errors.push(PropertyError {
            property: property.into(),
            message: message.into(),
        });
    }

    pub(super) fn reject_unknown(
        &mut self,
        object: &Map<String, Value>,
        prefix: &str,
        known: &[&str],
    ) {
        for key in object.keys() {
            if !known.contains(&key.as_str()) {
                self.fail(
                    format!("{prefix}{}", display_key(key)),
                    format!("unknown property; valid names are {}", known.join(", ")),
                );
            }
        }
    }

    fn same_partition(&mut self, property: &str, arn: &str, partition: &str) {
        let theirs = Arn::parse(arn).map(|a| a.partition).unwrap_or_default();
        if theirs != partition {
            self.fail(
                property,
                format!(
                    "{} is in partition {theirs:?}, but the stack is in {partition:?}",
                    shown(arn)
                ),
            );
        }
    }

    /// An ARN property: its shape (`check`), then the stack's partition. Every ARN property is
    /// read through here, so none can skip the partition check.
    pub(super) fn arn(
        &mut self,
        object: &Map<String, Value>,
        prefix: &str,
        key: &str,
        check: fn(&str) -> Result<(), String>,
        context: Context,
    ) -> Option<String> {
        let arn = self.checked(object, prefix, key, check)?;
        if let Some(partition) = context.partition {
            self.same_partition(&format!("{prefix}{key}"), &arn, partition);
        }
        Some(arn)
    }

    /// A scalar as CloudFormation sends it: a string, or (from direct invokes) a JSON scalar.
    pub(super) fn string(
        &mut self,
        object: &Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Option<String> {
        match object.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null => None,
            _ => {
                self.fail(format!("{prefix}{key}"), "must be a string");
                None
            }
        }
    }

    pub(super) fn boolean(
        &mut self,
        object: &Map<String, Value>,
        prefix: &str,
        key: &str,
        default: bool,
    ) -> bool {
        let Some(value) = self.string(object, prefix, key) else {
            return default;
        };
        match value.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => {
                self.fail(
                    format!("{prefix}{key}"),
                    format!("must be true or false, got {value:?}"),
                );
                default
            }
        }
    }

    pub(super) fn checked(
        &mut self,
        object: &Map<String, Value>,
        prefix: &str,
        key: &str,
        check: fn(&str) -> Result<(), String>,
    ) -> Option<String> {
        let value = self.string(object, prefix, key)?;
        match check(&value) {
            Ok(()) => Some(value),
            Err(message) => {
                self.fail(format!("{prefix}{key}"), message);
                None
            }
        }
    }
}

/// A property name as it appears in an error: quoted when it is empty or has odd characters,
/// so that the message always shows which name is meant.
pub fn display_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric()) {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

/// The properties under `Roles.<Kind>`, as a kind's `parse` reads them: each read checks the
/// value and records an error naming the property.
pub struct KindReader<'a> {
    checker: &'a mut Checker,
    object: &'a Map<String, Value>,
    kind: Kind,
    prefix: String,
    context: Context<'a>,
}

impl<'a> KindReader<'a> {
    pub(super) fn new(
        checker: &'a mut Checker,
        object: &'a Map<String, Value>,
        kind: Kind,
        context: Context<'a>,
    ) -> KindReader<'a> {
        let prefix = format!("Roles.{kind}.");
        checker.reject_unknown(object, &prefix, &kind.property_names());
        KindReader {
            checker,
            object,
            kind,
            prefix,
            context,
        }
    }

    fn require(&mut self, name: &str, required: bool) {
        if required && !self.has(name) {
            self.checker.fail(
                format!("{}{name}", self.prefix),
                format!("is required for {}", self.kind),
            );
        }
    }

    /// A string or ARN property: None when absent or invalid (and then recorded, as is a
    /// required property that is missing).
    pub(crate) fn text<T>(&mut self, property: &TextProperty<T>) -> Option<String> {
        self.require(property.name, property.required);
        let (object, prefix, name) = (self.object, self.prefix.as_str(), property.name);
        if property.arn {
            let context = self.context;
            self.checker
                .arn(object, prefix, name, property.check, context)
        } else {
            self.checker.checked(object, prefix, name, property.check)
        }
    }

    /// How many errors the request's properties have so far.
    pub(super) fn errors_recorded(&self) -> usize {
        self.checker.errors.len()
    }

    /// Whether the property `name` is set (present and not null).
    pub(crate) fn has(&self, name: &str) -> bool {
        !matches!(self.object.get(name), None | Some(Value::Null))
    }

    /// A list property: None when absent or invalid (and then recorded); a required list must
    /// name at least one entry, and no list names one twice.
    pub(crate) fn list<T>(&mut self, property: &ListProperty<T>) -> Option<Vec<String>> {
        self.require(property.name, property.required);
        let (check, arns) = (property.check, property.arn);
        let key = format!("{}{}", self.prefix, property.name);
        let items = match self.object.get(property.name) {
            None | Some(Value::Null) => return None,
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.checker.fail(key, "must be a list");
                return None;
            }
        };
        if property.required && items.is_empty() {
            self.checker.fail(key, "must name at least one");
            return None;
        }
        let errors_before = self.checker.errors.len();
        let mut values: Vec<String> = vec![];
        for (i, item) in items.iter().enumerate() {
            let at = format!("{key}[{i}]");
            let text = match item {
                Value::String(s) => s.clone(),
                Value::Number(_) | Value::Bool(_) => item.to_string(),
                _ => {
                    self.checker.fail(at, "must be a string");
                    continue;
                }
            };
            if let Err(message) = check(&text) {
                self.checker.fail(at, message);
                continue;
            }
            if let (true, Some(partition)) = (arns, self.context.partition) {
                self.checker.same_partition(&at, &text, partition);
            }
            if values.contains(&text) {
                self.checker
                    .fail(at, format!("{} is listed twice", shown(&text)));
                continue;
            }
            values.push(text);
        }
        if self.checker.errors.len() > errors_before {
            return None;
        }
        Some(values)
    }

    /// A `true`/`false` property; absent (or invalid, which is recorded) is false.
    pub(crate) fn flag(&mut self, property: &FlagProperty) -> bool {
        self.checker
            .boolean(self.object, &self.prefix, property.name, false)
    }
}
