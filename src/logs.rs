//! The function's log lines: one JSON object per line (tracing-subscriber's JSON format, the
//! event's fields at the top level), with the fields of the innermost span on every line: inside
//! an event that is the handler's `event` span (RequestId, LogicalResourceId, RequestType,
//! LambdaRequestId, xrayTraceId).
//!
//! tracing records a field as a string or a number, never an object. An event that needs JSON
//! values on its line (the "answered" line's `_aws` metrics and `iam_calls_by_action`) passes
//! them as one object in the field `json_members` ([`JsonMembers`]); this formatter makes that
//! object's members members of the line itself. tracing-subscriber's own route, `valuable`, needs
//! `--cfg tracing_unstable` in the RUSTFLAGS of every build of the function (cargo lambda, SAM,
//! the tests), which a plain `cargo build` would silently lose.

use serde::ser::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::{Format, Json, JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The field whose value (a [`JsonMembers`]) is spread into its line.
pub const JSON_MEMBERS_FIELD: &str = "json_members";

/// Members for a line, as one JSON object: log it as `json_members = %JsonMembers(map)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JsonMembers(pub Map<String, Value>);

impl fmt::Display for JsonMembers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(&self.0).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

/// Installs the process's subscriber: JSON lines on stdout at `log_filter`'s levels.
pub fn init() {
    tracing_subscriber::fmt()
        .fmt_fields(JsonFields::new())
        .event_format(Lines::default())
        .with_env_filter(log_filter())
        .init();
}

/// The JSON line format: tracing-subscriber's, with the innermost span's fields (not the list
/// of every span), and an event's `json_members` spread into its line.
pub struct Lines {
    json: Format<Json>,
}

impl Default for Lines {
    fn default() -> Lines {
        Lines {
            json: tracing_subscriber::fmt::format()
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .with_target(false),
        }
    }
}

impl<S, N> FormatEvent<S, N> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        if event
            .metadata()
            .fields()
            .field(JSON_MEMBERS_FIELD)
            .is_none()
        {
            return self.json.format_event(ctx, writer, event);
        }
        let mut line = String::new();
        self.json.format_event(ctx, Writer::new(&mut line), event)?;
        match spread(&line) {
            Some(object) => {
                let text = serde_json::to_string(&Leading(&object)).map_err(|_| fmt::Error)?;
                writeln!(writer, "{text}")
            }
            // Not what the JSON format writes: the line as it is, rather than none.
            None => writer.write_str(&line),
        }
    }
}

/// The line's object with the members of its `json_members` field in place of the field.
fn spread(line: &str) -> Option<Map<String, Value>> {
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(line) else {
        return None;
    };
    let Some(Value::String(text)) = object.remove(JSON_MEMBERS_FIELD) else {
        return None;
    };
    let Ok(Value::Object(members)) = serde_json::from_str::<Value>(&text) else {
        return None;
    };
    object.extend(members);
    Some(object)
}

/// A line's object written with `timestamp`, `level` and `message` first, as on every other
/// line (serde_json's map is otherwise in key order).
struct Leading<'a>(&'a Map<String, Value>);

const LEADING: [&str; 3] = ["timestamp", "level", "message"];

impl Serialize for Leading<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let first = LEADING.iter().filter_map(|key| self.0.get_key_value(*key));
        let rest = self
            .0
            .iter()
            .filter(|(key, _)| !LEADING.contains(&key.as_str()));
        serializer.collect_map(first.chain(rest))
    }
}

/// The log level from `AWS_LAMBDA_LOG_LEVEL` (or `RUST_LOG`), read as a bare level (TRACE …
/// ERROR, FATAL): this crate logs at that level, every other crate at INFO at most. At DEBUG
/// and TRACE the Lambda runtime and the HTTP stacks log raw events and requests, with the
/// ResponseURL's signature and ExternalIds; no setting may turn those on.
fn log_filter() -> tracing_subscriber::EnvFilter {
    let setting = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_default();
    let level = match setting.trim().to_ascii_lowercase().as_str() {
        "trace" => LevelFilter::TRACE,
        "debug" => LevelFilter::DEBUG,
        "warn" => LevelFilter::WARN,
        "error" | "fatal" => LevelFilter::ERROR,
        _ => LevelFilter::INFO,
    };
    let others = level.min(LevelFilter::INFO);
    tracing_subscriber::EnvFilter::new(format!("{others},ecs_iam_roles={level}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The lines `log` writes under this module's format.
    fn lines(log: impl FnOnce()) -> Vec<String> {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(JsonFields::new())
            .event_format(Lines::default())
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn json_members_are_members_of_the_line_itself() {
        let members = JsonMembers(
            json!({"iam_calls_by_action": {"CreateRole": 2, "TagRole": 1}, "_aws": {"x": [1]}})
                .as_object()
                .unwrap()
                .clone(),
        );
        let lines = lines(|| {
            let span = tracing::info_span!("event", RequestId = "r-1", xrayTraceId = "Root=1-a");
            let _entered = span.enter();
            tracing::info!(status = "FAILED", json_members = %members, "answered");
            tracing::info!(status = "SUCCESS", "plain");
        });
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with(r#"{"timestamp":"#),
            "timestamp first: {}",
            lines[0]
        );
        let line: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(line["message"], "answered");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["status"], "FAILED");
        assert_eq!(
            line["iam_calls_by_action"],
            json!({"CreateRole": 2, "TagRole": 1})
        );
        assert_eq!(line["_aws"], json!({"x": [1]}));
        assert!(line.get(JSON_MEMBERS_FIELD).is_none(), "{line}");
        for text in &lines {
            let line: Value = serde_json::from_str(text).unwrap();
            assert_eq!(line["span"]["RequestId"], "r-1", "{line}");
            assert_eq!(line["span"]["xrayTraceId"], "Root=1-a", "{line}");
        }
    }

    #[test]
    fn a_line_without_json_members_is_tracing_subscribers_own() {
        let lines = lines(|| tracing::warn!(error = "boom", "could not"));
        let line: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(line["message"], "could not");
        assert_eq!(line["error"], "boom");
        assert!(line.get("target").is_none() && line.get("spans").is_none());
    }
}
