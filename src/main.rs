use ecs_iam_roles::account::Caller;
use ecs_iam_roles::handler::{self, Deps};
use ecs_iam_roles::https;
use ecs_iam_roles::operator::Operator;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::value::RawValue;
use std::sync::Arc;
use std::time::Duration;
use tracing_subscriber::filter::LevelFilter;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(log_filter())
        .init();

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
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        handler::handle(deps.clone(), event)
    }))
    .await
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
