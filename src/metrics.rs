//! The metrics of the one "answered" log line, in CloudWatch's Embedded Metric Format (EMF):
//! CloudWatch Logs turns that line itself into metrics, so an alarm on `Answers` with
//! `Status=FAILED` and a Logs Insights query for the same line's `reason` read one record.
//!
//! The `_aws` object is built here with serde_json values: the maintained EMF crate
//! (`metrics_cloudwatch_embedded`) writes its own lines through the `metrics` recorder, never
//! members of the tracing line that holds the status and reason.

use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The CloudWatch namespace of the metrics (empty or missing: `DEFAULT_NAMESPACE`).
pub const NAMESPACE_ENV: &str = "ECS_IAM_ROLES_METRICS_NAMESPACE";
pub const DEFAULT_NAMESPACE: &str = "EcsIamRoles";

/// The dimensions every metric is published under.
pub const DIMENSIONS: [&str; 2] = ["RequestType", "Status"];

/// The metrics, in the order they are declared, with their CloudWatch units.
pub const METRICS: [(&str, &str); 5] = [
    ("Answers", "Count"),
    ("DurationMs", "Milliseconds"),
    ("IamCalls", "Count"),
    ("IamWrites", "Count"),
    ("ColdStart", "Count"),
];

/// The namespace (read once per process) and whether the process has answered yet.
#[derive(Debug)]
pub struct Metrics {
    namespace: String,
    cold: AtomicBool,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new(DEFAULT_NAMESPACE)
    }
}

/// What one answer came to, for its metrics.
#[derive(Debug, Clone, Copy)]
pub struct Answered<'a> {
    /// The event's RequestType (`?` when it had none).
    pub request_type: &'a str,
    /// `SUCCESS` or `FAILED`.
    pub status: &'a str,
    pub duration_ms: u64,
    /// The IAM attempts and writes, when the work finished by itself (not on a panic or the
    /// deadline): unknown counts are left out rather than published as 0.
    pub iam_calls: Option<usize>,
    pub iam_writes: Option<usize>,
    pub cold_start: bool,
}

impl Metrics {
    pub fn new(namespace: &str) -> Metrics {
        Metrics {
            namespace: namespace.to_string(),
            cold: AtomicBool::new(true),
        }
    }

    /// The settings from environment variables as `lookup` finds them; an invalid namespace is
    /// an error naming the variable (the caller logs it and uses the default: a metrics setting
    /// never fails a request).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Metrics, String> {
        let namespace = lookup(NAMESPACE_ENV)
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
        check_namespace(&namespace).map_err(|e| {
            format!("{NAMESPACE_ENV} {e}; the metrics use {DEFAULT_NAMESPACE:?} instead")
        })?;
        Ok(Metrics::new(&namespace))
    }

    pub fn from_env() -> Result<Metrics, String> {
        Metrics::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Whether this is the process's first invocation; from now on it is not.
    pub fn take_cold_start(&self) -> bool {
        self.cold.swap(false, Ordering::Relaxed)
    }

    /// The members the "answered" line gets: `_aws` (the EMF metadata), the dimension values
    /// and the metric values.
    pub fn members(&self, answered: &Answered<'_>) -> Map<String, Value> {
        let values = [
            ("Answers", Some(1)),
            ("DurationMs", Some(answered.duration_ms)),
            ("IamCalls", answered.iam_calls.map(|n| n as u64)),
            ("IamWrites", answered.iam_writes.map(|n| n as u64)),
            ("ColdStart", Some(u64::from(answered.cold_start))),
        ];
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let declared: Vec<Value> = METRICS
            .iter()
            .filter(|(name, _)| values.iter().any(|(n, v)| n == name && v.is_some()))
            .map(|(name, unit)| json!({"Name": name, "Unit": unit}))
            .collect();
        let mut members = Map::new();
        members.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [DIMENSIONS],
                    "Metrics": declared,
                }],
            }),
        );
        members.insert("RequestType".into(), json!(answered.request_type));
        members.insert("Status".into(), json!(answered.status));
        for (name, value) in values {
            if let Some(value) = value {
                members.insert(name.into(), json!(value));
            }
        }
        members
    }
}

/// CloudWatch's namespace rules (PutMetricData): 1–255 characters from letters, digits and
/// `.-_/#: `, not starting with `AWS/` (AWS's own). CloudWatch drops an EMF line whose namespace
/// breaks them, so the setting is checked once, at start.
fn check_namespace(namespace: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".-_/#: ".contains(c);
    if namespace.len() > 255 {
        return Err(format!(
            "is {} characters long; a CloudWatch namespace has at most 255",
            namespace.len()
        ));
    }
    if let Some(c) = namespace.chars().find(|c| !allowed(*c)) {
        return Err(format!(
            "{namespace:?} holds {c:?}; a CloudWatch namespace has only letters, digits, spaces and .-_/#:"
        ));
    }
    if namespace.starts_with("AWS/") {
        return Err(format!(
            "{namespace:?} starts with AWS/, which is reserved for AWS's own namespaces"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(iam: Option<usize>) -> Answered<'static> {
        Answered {
            request_type: "Create",
            status: "FAILED",
            duration_ms: 12,
            iam_calls: iam,
            iam_writes: iam,
            cold_start: true,
        }
    }

    #[test]
    fn the_members_declare_every_metric_under_both_dimensions() {
        let members = Value::Object(Metrics::default().members(&answered(Some(3))));
        let emf = &members["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(emf["Namespace"], "EcsIamRoles");
        assert_eq!(emf["Dimensions"], json!([["RequestType", "Status"]]));
        let names: Vec<&str> = emf["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "Answers",
                "DurationMs",
                "IamCalls",
                "IamWrites",
                "ColdStart"
            ]
        );
        assert!(members["_aws"]["Timestamp"].as_u64().unwrap() > 0);
        for (key, value) in [
            ("RequestType", json!("Create")),
            ("Status", json!("FAILED")),
            ("Answers", json!(1)),
            ("DurationMs", json!(12)),
            ("IamCalls", json!(3)),
            ("IamWrites", json!(3)),
            ("ColdStart", json!(1)),
        ] {
            assert_eq!(members[key], value, "{key} in {members}");
        }
    }

    #[test]
    fn unknown_iam_counts_are_neither_declared_nor_given() {
        let members = Value::Object(Metrics::default().members(&answered(None)));
        let declared = members["_aws"]["CloudWatchMetrics"][0]["Metrics"].to_string();
        assert!(!declared.contains("IamCalls"), "{declared}");
        assert!(members.get("IamCalls").is_none() && members.get("IamWrites").is_none());
    }

    #[test]
    fn cold_start_is_the_first_invocation_only() {
        let metrics = Metrics::default();
        assert!(metrics.take_cold_start());
        assert!(!metrics.take_cold_start());
        assert!(!metrics.take_cold_start());
    }

    #[test]
    fn the_namespace_setting_is_read_and_checked() {
        let read = |value: &str| {
            let value = value.to_string();
            Metrics::from_lookup(move |name| (name == NAMESPACE_ENV).then(|| value.clone()))
        };
        assert_eq!(read("").unwrap().namespace(), "EcsIamRoles");
        assert_eq!(read("Platform/IAM").unwrap().namespace(), "Platform/IAM");
        for bad in ["AWS/Lambda", "emoji 🙂", &"x".repeat(256)] {
            let error = read(bad).unwrap_err();
            assert!(error.starts_with(NAMESPACE_ENV), "{error}");
        }
        assert_eq!(
            Metrics::from_lookup(|_| None).unwrap().namespace(),
            DEFAULT_NAMESPACE
        );
    }
}
