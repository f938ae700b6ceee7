use ecs_iam_roles::account::Caller;
use ecs_iam_roles::handler::{self, Deps};
use ecs_iam_roles::operator::Operator;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AWS_LAMBDA_LOG_LEVEL")
                .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    // Clients are built once per process; the SDK reads region, credentials and
    // AWS_ENDPOINT_URL from the standard environment.
    // The SDK's own retries take throttling and 5xx with short waits; iam.rs retries IAM's
    // eventual-consistency errors on top, within the request's deadline.
    let retry = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(4)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(5));
    let config = aws_config::from_env().retry_config(retry).load().await;
    let deps = Arc::new(Deps {
        iam: aws_sdk_iam::Client::new(&config),
        http: reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()?,
        operator: Operator::from_env(),
        caller: Caller::new(aws_sdk_sts::Client::new(&config)),
    });
    // The function's own account is learned while the runtime waits for the first event, so
    // the first request does not wait for STS.
    let warm = deps.clone();
    tokio::spawn(async move {
        if let Err(e) = warm.caller.home().await {
            tracing::warn!(error = %e, "could not learn the function's own account yet");
        }
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        handler::handle(deps.clone(), event)
    }))
    .await
}
