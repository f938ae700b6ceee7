//! The CloudFormation side: reading the event, shaping the one answer, and PUTting it to the
//! ResponseURL.

use aws_lambda_events::event::cloudformation::{
    CloudFormationCustomResourceRequest, CloudFormationCustomResourceResponse,
    CloudFormationCustomResourceResponseStatus,
};
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// One PUT attempt waits at most this long (and never past the deadline).
const PUT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);

/// CloudFormation rejects response bodies larger than this.
pub const MAX_BODY_BYTES: usize = 4096;

/// The fields an answer needs, read leniently from whatever JSON arrived, so that even a
/// malformed event can be answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFields {
    pub request_type: Option<String>,
    pub response_url: Option<String>,
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
    pub physical_resource_id: Option<String>,
    /// `ResourceProperties.ServiceToken`: the function CloudFormation invoked (see
    /// `handler::is_relayed`).
    pub service_token: Option<String>,
}

/// `ResourceProperties.ServiceToken`, read without building the other properties.
#[derive(serde::Deserialize)]
struct ShallowProperties<'a> {
    #[serde(rename = "ServiceToken", borrow)]
    service_token: Option<&'a RawValue>,
}

impl EventFields {
    pub fn read(raw: &Value) -> EventFields {
        let service_token = raw
            .get("ResourceProperties")
            .and_then(|p| p.get("ServiceToken"))
            .and_then(Value::as_str)
            .map(str::to_string);
        EventFields::from_text(
            |key| raw.get(key).and_then(Value::as_str).map(str::to_string),
            service_token,
        )
    }

    /// The fields of an event that cannot be parsed into a `Value`; all empty when even its
    /// top level cannot be read.
    pub fn read_shallow(raw: &str) -> EventFields {
        // The top level as raw values: serde_json skips nested values without its depth limit,
        // and a map keeps the last of duplicate keys as a Value would.
        let Ok(top) = serde_json::from_str::<BTreeMap<&str, &RawValue>>(raw) else {
            return EventFields::default();
        };
        let string = |value: &RawValue| serde_json::from_str::<String>(value.get()).ok();
        let service_token = top
            .get("ResourceProperties")
            .and_then(|p| serde_json::from_str::<ShallowProperties>(p.get()).ok())
            .and_then(|p| p.service_token)
            .and_then(string);
        EventFields::from_text(|key| top.get(key).copied().and_then(string), service_token)
    }

    /// The fields from the event's top-level strings (`text` of a key; None when absent or not
    /// a string).
    fn from_text(text: impl Fn(&str) -> Option<String>, service_token: Option<String>) -> Self {
        EventFields {
            request_type: text("RequestType"),
            response_url: text("ResponseURL").filter(|url| !url.is_empty()),
            stack_id: text("StackId").unwrap_or_default(),
            request_id: text("RequestId").unwrap_or_default(),
            logical_resource_id: text("LogicalResourceId").unwrap_or_default(),
            physical_resource_id: text("PhysicalResourceId").filter(|id| !id.is_empty()),
            service_token,
        }
    }
}

/// Parse the event with `aws_lambda_events`' request types. An event without a ResponseURL
/// (a direct invoke) is accepted: it is answered by return value.
pub fn parse_request(raw: &Value) -> Result<CloudFormationCustomResourceRequest, String> {
    let Value::Object(map) = raw else {
        return Err("the event is not a JSON object".into());
    };
    let mut map = map.clone();
    map.entry("ResponseURL")
        .or_insert_with(|| Value::String(String::new()));
    // A CDK event carries no ResourceType; nothing here depends on it.
    map.entry("ResourceType")
        .or_insert_with(|| Value::String("Custom::EcsIamRoles".into()));
    match map.get("RequestType") {
        None => return Err("the event has no RequestType".into()),
        Some(Value::String(t)) if !["Create", "Update", "Delete"].contains(&t.as_str()) => {
            return Err(format!(
                "unknown RequestType {t:?}; expected Create, Update or Delete"
            ))
        }
        _ => {}
    }
    for key in ["ResourceProperties", "OldResourceProperties"] {
        if let Some(value) = map.get(key) {
            if !value.is_object() {
                return Err(format!("{key} is not an object"));
            }
        }
    }
    if map.get("RequestType").and_then(Value::as_str) != Some("Update") {
        map.remove("OldResourceProperties");
    }
    serde_json::from_value(Value::Object(map)).map_err(|e| format!("malformed event: {e}"))
}

/// The outcome of one event, before it is put on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub success: bool,
    pub reason: Option<String>,
    pub physical_resource_id: String,
    pub data: BTreeMap<String, String>,
}

impl Answer {
    pub fn success(physical_resource_id: String, data: BTreeMap<String, String>) -> Answer {
        Answer {
            success: true,
            reason: None,
            physical_resource_id,
            data,
        }
    }

    pub fn failed(physical_resource_id: String, reason: impl Into<String>) -> Answer {
        Answer {
            success: false,
            reason: Some(reason.into()),
            physical_resource_id,
            data: BTreeMap::new(),
        }
    }
}

/// A relay (the CDK Provider framework) puts the failed invocation's message into its own
/// answer with its stack and a log line (about 600 bytes): the message keeps that much room.
pub const RELAYED_REASON_MAX_BYTES: usize = MAX_BODY_BYTES - 1024;

/// `reason`, cut to at most `max_bytes` (marked as cut).
pub fn cut_reason(reason: &str, max_bytes: usize) -> String {
    const MARK: &str = " [cut]";
    if reason.len() <= max_bytes {
        return reason.to_string();
    }
    format!(
        "{}{MARK}",
        cut_at_char_boundary(reason, max_bytes.saturating_sub(MARK.len()))
    )
}

fn cut_at_char_boundary(s: &str, max_bytes: usize) -> &str {
    if s.len() <= max_bytes {
        return s;
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The response document, serialized, at most `MAX_BODY_BYTES`: a long Reason is cut (never
/// the JSON around it).
pub fn render_body(fields: &EventFields, answer: &Answer) -> Vec<u8> {
    let mut response = CloudFormationCustomResourceResponse::default();
    response.status = if answer.success {
        CloudFormationCustomResourceResponseStatus::Success
    } else {
        CloudFormationCustomResourceResponseStatus::Failed
    };
    response.physical_resource_id = answer.physical_resource_id.clone();
    response.stack_id = fields.stack_id.clone();
    response.request_id = fields.request_id.clone();
    response.logical_resource_id = fields.logical_resource_id.clone();
    response.data = answer.data.clone().into_iter().collect();
    let reason = answer.reason.clone().unwrap_or_default();
    let render = |response: &mut CloudFormationCustomResourceResponse, budget: usize| {
        let cut = cut_at_char_boundary(&reason, budget);
        response.reason = (!reason.is_empty()).then(|| {
            if cut.len() < reason.len() {
                format!("{cut} [cut]")
            } else {
                cut.to_string()
            }
        });
        serde_json::to_vec(response).expect("response serializes")
    };
    let body = render(&mut response, reason.len());
    if body.len() <= MAX_BODY_BYTES {
        return body;
    }
    // Escaping makes the serialized size non-linear in the cut: search for the longest fit.
    let (mut fits, mut too_long) = (0usize, reason.len());
    while too_long - fits > 1 {
        let mid = (fits + too_long) / 2;
        if render(&mut response, mid).len() <= MAX_BODY_BYTES {
            fits = mid;
        } else {
            too_long = mid;
        }
    }
    let body = render(&mut response, fits);
    if body.len() <= MAX_BODY_BYTES {
        return body;
    }
    // Only an oversized Data could get here; the contract's keys never come close.
    response.data.clear();
    response.status = CloudFormationCustomResourceResponseStatus::Failed;
    response.reason = Some("the response data exceeded 4096 bytes".into());
    serde_json::to_vec(&response).expect("response serializes")
}

/// The ResponseURL without its query string: the query is a presigned credential.
pub fn redact_url(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or("")
}

/// PUT the answer: empty Content-Type (what the presigned URL was signed with), byte-exact
/// Content-Length, retried on connection errors and 5xx with growing waits until `deadline`.
pub async fn put_response(
    http: &reqwest::Client,
    url: &str,
    body: Vec<u8>,
    deadline: Instant,
) -> Result<(), String> {
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        // Each attempt ends by the deadline, also against a server that accepts the connection
        // and never answers.
        let left = deadline.saturating_duration_since(Instant::now());
        let outcome = http
            .put(url)
            .header(reqwest::header::CONTENT_TYPE, "")
            .header(reqwest::header::CONTENT_LENGTH, body.len())
            .body(body.clone())
            .timeout(left.min(PUT_ATTEMPT_TIMEOUT))
            .send()
            .await;
        let retryable = match outcome {
            Ok(resp) if resp.status().is_success() => return Ok(()),
            Ok(resp) => {
                let status = resp.status();
                if !status.is_server_error() {
                    return Err(format!("PUT to {} answered {status}", redact_url(url)));
                }
                format!("HTTP {status}")
            }
            // reqwest's error text includes the URL; keep only the redacted one.
            Err(e) if e.is_timeout() => format!("no answer in time: {}", e.without_url()),
            Err(e) => format!("connection error: {}", e.without_url()),
        };
        let wait = Duration::from_millis(200u64 << attempt.min(4));
        if attempt >= 6 || Instant::now() + wait >= deadline {
            return Err(format!(
                "PUT to {} failed after {attempt} attempts: {retryable}",
                redact_url(url)
            ));
        }
        tracing::warn!(attempt, error = %retryable, url = redact_url(url), "response PUT failed; retrying");
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields() -> EventFields {
        EventFields {
            request_type: Some("Create".into()),
            response_url: Some("http://127.0.0.1/x?sig=secret".into()),
            stack_id: "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g".into(),
            request_id: "r1".into(),
            logical_resource_id: "EcsRoles".into(),
            physical_resource_id: None,
            service_token: None,
        }
    }

    #[test]
    fn body_has_the_cloudformation_fields() {
        let mut data = BTreeMap::new();
        data.insert(
            "TaskExecutionRoleArn".into(),
            "arn:aws:iam::1:role/x".into(),
        );
        let body = render_body(&fields(), &Answer::success("pid".into(), data));
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["Status"], "SUCCESS");
        assert_eq!(v["PhysicalResourceId"], "pid");
        assert_eq!(v["StackId"], fields().stack_id);
        assert_eq!(v["RequestId"], "r1");
        assert_eq!(v["LogicalResourceId"], "EcsRoles");
        assert_eq!(v["Data"]["TaskExecutionRoleArn"], "arn:aws:iam::1:role/x");
    }

    #[test]
    fn long_reason_is_cut_and_body_stays_json() {
        for reason in [
            "x".repeat(10_000),
            "é\"\\".repeat(3_000),
            "\u{1F600}".repeat(2_000),
        ] {
            let body = render_body(&fields(), &Answer::failed("pid".into(), reason.clone()));
            assert!(body.len() <= MAX_BODY_BYTES, "{}", body.len());
            let v: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["Status"], "FAILED");
            let cut = v["Reason"].as_str().unwrap();
            assert!(cut.ends_with("[cut]"));
            assert!(cut.len() > 1000, "cut far too much: {}", cut.len());
        }
        let short = render_body(&fields(), &Answer::failed("pid".into(), "short"));
        let v: Value = serde_json::from_slice(&short).unwrap();
        assert_eq!(v["Reason"], "short");
    }

    #[test]
    fn redaction_drops_the_query() {
        assert_eq!(
            redact_url("https://bucket.example/path/x?X-Amz-Signature=abc&b=c"),
            "https://bucket.example/path/x"
        );
        assert_eq!(redact_url("http://h/p"), "http://h/p");
    }

    #[test]
    fn fields_are_read_from_any_json() {
        let f = EventFields::read(
            &json!({"RequestType": 5, "ResponseURL": "http://h/", "RequestId": "r"}),
        );
        assert_eq!(f.request_type, None);
        assert_eq!(f.response_url.as_deref(), Some("http://h/"));
        assert_eq!(f.request_id, "r");
        assert_eq!(EventFields::read(&json!("nope")), EventFields::default());
        assert_eq!(
            EventFields::read(&json!({"ResponseURL": ""})).response_url,
            None
        );
    }

    #[test]
    fn fields_of_an_event_too_deep_to_parse_are_still_read() {
        let deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
        let raw = format!(
            r#"{{"RequestType":"Create","ResponseURL":"http://h/x?s=1","StackId":"s","RequestId":"r",
                "LogicalResourceId":"L","ResourceProperties":{{"Deep":{deep},"ServiceToken":"arn:t"}}}}"#
        );
        assert!(serde_json::from_str::<Value>(&raw).is_err());
        let fields = EventFields::read_shallow(&raw);
        assert_eq!(fields.request_type.as_deref(), Some("Create"));
        assert_eq!(fields.response_url.as_deref(), Some("http://h/x?s=1"));
        assert_eq!(
            (fields.stack_id.as_str(), fields.request_id.as_str()),
            ("s", "r")
        );
        assert_eq!(fields.logical_resource_id, "L");
        assert_eq!(fields.service_token.as_deref(), Some("arn:t"));
        // Odd shapes lose only what is odd.
        let odd = r#"{"RequestType":5,"ResponseURL":"http://h/","ResourceProperties":"x"}"#;
        let fields = EventFields::read_shallow(odd);
        assert_eq!(fields.request_type, None);
        assert_eq!(fields.response_url.as_deref(), Some("http://h/"));
        assert_eq!(EventFields::read_shallow("[1]"), EventFields::default());
        let twice = r#"{"RequestType":"Create","RequestType":"Delete","ResponseURL":"http://h/"}"#;
        assert_eq!(
            EventFields::read_shallow(twice).request_type.as_deref(),
            Some("Delete")
        );
    }

    #[test]
    fn cut_reasons_fit_and_say_so() {
        assert_eq!(cut_reason("short", 100), "short");
        let cut = cut_reason(&"é".repeat(100), 51);
        assert!(cut.len() <= 51 && cut.ends_with(" [cut]"), "{cut}");
    }

    #[test]
    fn request_parsing() {
        let base = json!({
            "RequestType": "Create", "RequestId": "r", "StackId": "s", "LogicalResourceId": "L",
            "ResourceType": "Custom::EcsIamRoles", "ResponseURL": "http://h/",
            "ResourceProperties": {"ServiceToken": "t"}
        });
        assert!(matches!(
            parse_request(&base),
            Ok(CloudFormationCustomResourceRequest::Create(_))
        ));
        let mut no_url = base.clone();
        no_url.as_object_mut().unwrap().remove("ResponseURL");
        let Ok(CloudFormationCustomResourceRequest::Create(c)) = parse_request(&no_url) else {
            panic!("no-ResponseURL event must parse");
        };
        assert_eq!(c.response_url, "");
        let mut unknown = base.clone();
        unknown["RequestType"] = json!("Upsert");
        assert!(parse_request(&unknown).unwrap_err().contains("Upsert"));
        let mut missing = base.clone();
        missing.as_object_mut().unwrap().remove("RequestType");
        assert!(parse_request(&missing).unwrap_err().contains("RequestType"));
        let mut not_object = base.clone();
        not_object["ResourceProperties"] = json!("x");
        assert!(parse_request(&not_object)
            .unwrap_err()
            .contains("ResourceProperties"));
        let mut no_stack = base.clone();
        no_stack.as_object_mut().unwrap().remove("StackId");
        assert!(parse_request(&no_stack).unwrap_err().contains("StackId"));
        let mut update_without_id = base.clone();
        update_without_id["RequestType"] = json!("Update");
        assert!(parse_request(&update_without_id).is_err());
    }
}
