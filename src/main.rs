use ecs_iam_roles::account::Caller;
use ecs_iam_roles::handler::{self, Deps};
use ecs_iam_roles::https;
use ecs_iam_roles::logs;
use ecs_iam_roles::metrics::Metrics;
use ecs_iam_roles::operator::Operator;
use ecs_iam_roles::stacks::Stacks;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::value::RawValue;
use std::sync::Arc;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logs::init();

    // Clients are built once per process; the SDK reads region, credentials and
    // AWS_ENDPOINT_URL from the standard environment. Its HTTPS client is https.rs's (the SDK
    // crates are built without their default one).
    let config = aws_config::from_env()
        .http_client(https::sdk_client())
        .load()
        .await;
    // IAM's retries are decided in one place, iam::Session::call, which knows IAM's
    // eventual-consistency cases and the request's deadline and counts every attempt; the
    // SDK's own retries would multiply its attempts unseen, so they are off for IAM.
    let iam_config = aws_sdk_iam::config::Builder::from(&config)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build();
    let deps = Arc::new(Deps {
        iam: aws_sdk_iam::Client::from_conf(iam_config),
        http: reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()?,
        operator: Operator::from_env(),
        metrics: Metrics::from_env().unwrap_or_else(|reason| {
            tracing::warn!(reason, "metrics namespace not used");
            Metrics::default()
        }),
        caller: Caller::new(aws_sdk_sts::Client::new(&config)),
        stacks: Stacks::new(aws_sdk_cloudformation::Client::new(&config)),
    });
    // The function's own account is learned while the runtime waits for the first event, so
    // the first request does not wait for STS.
    let warm = deps.clone();
    tokio::spawn(async move {
        if let Err(e) = warm.caller.home().await {
            tracing::warn!(error = %e, "could not learn the function's own account yet");
        }
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        handler::handle(deps.clone(), event)
    }))
    .await
}
