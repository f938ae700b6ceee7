//! `handler::process` without IAM: requests refused before any IAM call.

use ecs_iam_roles::account::{Caller, Home};
use ecs_iam_roles::handler::{process, Deps};
use ecs_iam_roles::operator::Operator;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

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
        caller: Caller::known(Home {
            account: "123456789012".into(),
            partition: "aws".into(),
        }),
    })
}

#[tokio::test]
async fn adoption_can_be_turned_off() {
    let deps = deps();
    let raw = json!({
        "RequestType": "Create", "RequestId": "r1", "ResponseURL": "http://127.0.0.1:1/x",
        "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g",
        "LogicalResourceId": "EcsRoles", "ResourceType": "Custom::EcsIamRoles",
        "ResourceProperties": {"Roles": {"TaskExecution": {}}, "AdoptExisting": "true"}
    });
    let (answer, calls) = process(&deps, &raw, Instant::now() + Duration::from_secs(30)).await;
    assert!(!answer.success);
    assert!(answer.reason.unwrap().contains("AllowAdoption"));
    assert_eq!(calls.total, 0, "refused before any IAM call");
}
