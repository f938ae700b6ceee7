//! What the plan's tests share: running the plan in-process, the repository's examples, and
//! for `--live`, moto_server as IAM behind the root crate's fault proxy (tests/it/support/proxy.rs,
//! which counts every call).
#![allow(dead_code)]

#[path = "../../../tests/it/support/http.rs"]
pub mod http;
#[path = "../../../tests/it/support/moto.rs"]
pub mod moto;
#[path = "../../../tests/it/support/proxy.rs"]
pub mod proxy;

use ecs_iam_roles_plan::{Aws, Output};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The account the proxy's records name (and the plan's default).
pub const ACCOUNT: &str = "123456789012";

/// The repository's root (the function's crate).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A path under the repository, as a string.
pub fn at(relative: &str) -> String {
    repo().join(relative).to_string_lossy().into_owned()
}

/// `ecs-iam-roles ARGS...`, in-process (offline: no AWS clients).
pub fn plan(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    ecs_iam_roles_plan::run_blocking(&args, None)
}

/// `ecs-iam-roles ARGS...` on a runtime already running, with these clients.
pub async fn plan_with(args: &[&str], aws: Aws) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    ecs_iam_roles_plan::run(&args, Some(aws)).await
}

/// Every example that has a resource of type Custom::EcsIamRoles, by file stem.
pub fn examples() -> Vec<(String, String)> {
    let mut out = vec![];
    for entry in std::fs::read_dir(repo().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        if text.contains("Type: Custom::EcsIamRoles") {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            out.push((stem, path.to_string_lossy().into_owned()));
        }
    }
    out.sort();
    out
}

/// A template written for one test, under the target directory.
pub fn scratch(name: &str, text: &str) -> String {
    let dir = repo().join("target/plan-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// An AWS config for a local endpoint (moto, the proxy, a fake CloudFormation).
pub async fn config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(ecs_iam_roles::https::sdk_client())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .load()
        .await
}

/// An IAM client on `endpoint` (the proxy's own client to moto is made with this).
pub async fn iam_client(endpoint: &str) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&config(endpoint).await)
}

static MOTO: OnceLock<String> = OnceLock::new();

/// moto_server, started once for this test binary (it exits when the test process does), with
/// AWS managed policies loaded.
pub fn moto_endpoint() -> &'static str {
    MOTO.get_or_init(|| moto::start(&moto::server_path(&repo())))
}
