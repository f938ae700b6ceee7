//! The guards as conversations: a panic and work past the budget still get their one answer.

use super::*;
use crate::account::Caller;
use crate::kinds::Kind;
use crate::operator::Operator;
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

#[test]
fn relayed_means_another_function_than_this_one() {
    let this = "arn:aws:lambda:eu-west-1:123456789012:function:ecs-iam-roles";
    for ours in [
        this,
        "arn:aws:lambda:eu-west-1:123456789012:function:ecs-iam-roles:live",
        "arn:aws:lambda:eu-west-1:123456789012:function:ecs-iam-roles:7",
    ] {
        assert!(!is_relayed(Some(ours), this), "{ours}");
        // Invoked through an alias or version, the token may name the function plainly.
        assert!(!is_relayed(Some(this), ours), "{ours}");
    }
    for other in [
        "arn:aws:lambda:eu-west-1:123456789012:function:stack-ProviderframeworkonEvent-Ab12",
        "arn:aws:lambda:eu-west-1:999999999999:function:ecs-iam-roles",
        "arn:aws:lambda:us-east-1:123456789012:function:ecs-iam-roles",
    ] {
        assert!(is_relayed(Some(other), this), "{other}");
    }
    // Not a function, no token, or no ARN of our own to compare with: answered directly.
    assert!(!is_relayed(
        Some("arn:aws:sns:eu-west-1:123456789012:topic"),
        this
    ));
    assert!(!is_relayed(None, this));
    assert!(!is_relayed(Some(this), ""));
}

/// A ResponseURL on loopback that accepts one PUT and hands back its body.
async fn one_put_server() -> (String, tokio::sync::oneshot::Receiver<Vec<u8>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/answer?X-Amz-Signature=x",
        listener.local_addr().unwrap()
    );
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = vec![];
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length: usize = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + length {
                    stream
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .await
                        .unwrap();
                    let _ = tx.send(buf[end + 4..end + 4 + length].to_vec());
                    return;
                }
            }
        }
    });
    (url, rx)
}

fn deps() -> Arc<Deps> {
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .build();
    Arc::new(Deps {
        iam: aws_sdk_iam::Client::from_conf(config),
        http: reqwest::Client::new(),
        operator: Ok(Operator::default()),
        metrics: Default::default(),
        caller: Caller::known(crate::account::Home {
            account: "123456789012".into(),
            partition: "aws".into(),
        }),
        stacks: crate::stacks::Stacks::none(),
    })
}

fn event(url: &str, seconds: u64) -> LambdaEvent<Payload> {
    let mut context = lambda_runtime::Context::default();
    context.deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
        + seconds * 1000;
    context.request_id = "lambda-1".into();
    let payload = json!({
        "RequestType": "Create", "RequestId": "r1", "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g",
        "LogicalResourceId": "EcsRoles", "ResourceType": "Custom::EcsIamRoles",
        "ResourceProperties": {}
    });
    LambdaEvent::new(Payload::Json(payload), context)
}

#[tokio::test]
async fn a_panic_is_answered_failed() {
    let (url, body) = one_put_server().await;
    let result = handle_with(deps(), event(&url, 30), |_, _, _| async {
        panic!("boom in the handler");
    })
    .await
    .expect("the invocation succeeds once answered");
    let sent: Value = serde_json::from_slice(&body.await.unwrap()).unwrap();
    assert_eq!(sent, result);
    assert_eq!(sent["Status"], "FAILED");
    assert!(
        sent["Reason"]
            .as_str()
            .unwrap()
            .contains("panicked: boom in the handler"),
        "{sent}"
    );
    // The id its Delete will clean up with: the one this Create's roles would carry.
    assert!(
        sent["PhysicalResourceId"]
            .as_str()
            .unwrap()
            .starts_with("s-EcsRoles-"),
        "{sent}"
    );
}

#[tokio::test]
async fn work_past_the_budget_is_answered_timed_out_before_the_deadline() {
    let (url, body) = one_put_server().await;
    let started = Instant::now();
    let result = handle_with(deps(), event(&url, 2), |_, _, _| async {
        tokio::time::sleep(Duration::from_secs(60)).await;
        unreachable!()
    })
    .await
    .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let sent: Value = serde_json::from_slice(&body.await.unwrap()).unwrap();
    assert_eq!(sent, result);
    assert!(
        sent["Reason"].as_str().unwrap().starts_with("timed out"),
        "{sent}"
    );
}

#[tokio::test]
async fn adoption_can_be_turned_off() {
    let raw = json!({
        "RequestType": "Create", "RequestId": "r1", "ResponseURL": "http://127.0.0.1:1/x",
        "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g",
        "LogicalResourceId": "EcsRoles", "ResourceType": "Custom::EcsIamRoles",
        "ResourceProperties": {"Roles": {Kind::TaskExecution.name(): {}}, "AdoptExisting": "true"}
    });
    let (answer, calls) = process(&deps(), &raw, Instant::now() + Duration::from_secs(30)).await;
    assert!(!answer.success);
    assert!(answer.reason.unwrap().contains("AllowAdoption"));
    assert_eq!(calls.total, 0, "refused before any IAM call");
}
