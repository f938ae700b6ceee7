//! The benchmark: cold start, peak memory, sizes, and for Create / no-op Update / Delete of the
//! first five kinds (EcsAnywhere, TaskExecution, Task, SsoManagement, ClusterAccess) and of every
//! kind at once, the IAM calls, round trips and wall time, at 0 ms and 100 ms added to each IAM
//! call (a proxy in front of moto). Prints a table; asserts nothing about time.
//!
//! Run with `scripts/bench.sh` (it builds the Lambda zip first and passes its path).

#[path = "../tests/it/support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::proxy::FaultProxy;
use support::*;

const RUNS: usize = 5;
const PRINCIPAL: &str = "arn:aws:iam::111122223333:role/granted-access-handler";

fn all_five() -> Value {
    json!({"Roles": {
        "EcsAnywhere": {"RoleName": name("ecsAnywhereRole"), "LeastPrivilege": "true"},
        "TaskExecution": {},
        "Task": {"ClusterName": "retail-store-ecs-cluster"},
        "SsoManagement": {"TrustedPrincipalArn": PRINCIPAL},
        "ClusterAccess": {"TrustedPrincipalArn": PRINCIPAL},
    }})
}

/// A kind set's properties (fresh names each call).
type PropertySet = fn() -> Value;

/// Every kind at once, as a platform team's one resource for all of ECS's IAM.
fn all_kinds() -> Value {
    let mut properties = all_five();
    let roles = properties["Roles"].as_object_mut().unwrap();
    for (kind, value) in [
        ("ContainerInstance", json!({})),
        ("ManagedInstances", json!({})),
        (
            "Infrastructure",
            json!({"Uses": ["Volumes", "LoadBalancers"]}),
        ),
        ("CodeDeploy", json!({})),
        ("Events", json!({})),
        (
            "DeploymentHooks",
            json!({"FunctionArns": [format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:smoke-test")]}),
        ),
        (
            "ServiceLinked",
            json!({"Services": ["Ecs", "EcsCompute", "ApplicationAutoScaling"]}),
        ),
    ] {
        roles.insert(kind.to_string(), value);
    }
    properties
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[derive(Default)]
struct Step {
    calls: Vec<f64>,
    writes: Vec<f64>,
    round_trips: Vec<f64>,
    wall_ms: Vec<f64>,
}

async fn measure(
    proxy: &FaultProxy,
    latency: Duration,
    step: &mut Step,
    run: impl std::future::Future<Output = Answer>,
) -> Answer {
    proxy.clear_calls();
    let start = Instant::now();
    let answer = run.await;
    step.wall_ms.push(start.elapsed().as_secs_f64() * 1000.0);
    answer.assert_success();
    step.calls.push(proxy.calls().len() as f64);
    step.writes.push(proxy.writes().len() as f64);
    if !latency.is_zero() {
        step.round_trips.push(proxy.round_trips() as f64);
    }
    answer
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let binary = env!("CARGO_BIN_EXE_ecs-iam-roles-function");
    let endpoint = moto_endpoint();

    // Cold start: process spawn → its first request to the Runtime API.
    let mut cold = vec![];
    for _ in 0..10 {
        let function = Function::start(endpoint).await;
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(at) = *function.runtime.first_poll.lock().unwrap() {
                cold.push(at.duration_since(function.spawned).as_secs_f64() * 1000.0);
                break;
            }
            assert!(Instant::now() < until, "the function never polled");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    let mut rows = vec![];
    let mut peak_rss_kb = 0;
    let sets: [(&str, PropertySet); 2] = [("all five kinds", all_five), ("all kinds", all_kinds)];
    for (set, properties) in sets {
        for latency_ms in [0u64, 100] {
            let latency = Duration::from_millis(latency_ms);
            let proxy = FaultProxy::start(endpoint).await;
            proxy.set_latency(latency);
            let (mut create, mut noop, mut delete) =
                (Step::default(), Step::default(), Step::default());
            let conv = Conversation::with(&proxy.endpoint, 0).await;
            for _ in 0..RUNS {
                let props = properties();
                let created =
                    measure(&proxy, latency, &mut create, conv.create(props.clone())).await;
                let id = created.physical_id();
                measure(
                    &proxy,
                    latency,
                    &mut noop,
                    conv.update(&id, props.clone(), props.clone()),
                )
                .await;
                measure(
                    &proxy,
                    latency,
                    &mut delete,
                    conv.delete(&id, props.clone()),
                )
                .await;
            }
            if let Some(kb) = conv.function.pid().and_then(vm_hwm_kb) {
                peak_rss_kb = peak_rss_kb.max(kb);
            }
            for (name, step) in [
                ("Create", create),
                ("no-op Update", noop),
                ("Delete", delete),
            ] {
                rows.push((
                    set,
                    name,
                    latency_ms,
                    median(step.calls),
                    median(step.writes),
                    if step.round_trips.is_empty() {
                        None
                    } else {
                        Some(median(step.round_trips))
                    },
                    median(step.wall_ms),
                ));
            }
        }
    }

    let binary_size = std::fs::metadata(binary).map(|m| m.len()).unwrap_or(0);
    let zip = std::env::var("BENCH_ZIP").ok();
    let zip_size = zip
        .as_ref()
        .and_then(|z| std::fs::metadata(z).ok())
        .map(|m| m.len());
    let zip_arch = std::env::var("BENCH_ZIP_ARCH").unwrap_or_else(|_| "?".into());

    println!();
    println!("| figure | value |");
    println!("| --- | --- |");
    println!(
        "| cold start (spawn → first Runtime API request), median of 10 | {:.1} ms |",
        median(cold)
    );
    println!(
        "| peak RSS after {RUNS}× Create/Update/Delete of all five and of all kinds | {:.1} MB |",
        peak_rss_kb as f64 / 1024.0
    );
    println!(
        "| release binary ({}) | {:.2} MB |",
        std::env::consts::ARCH,
        binary_size as f64 / 1e6
    );
    match zip_size {
        Some(size) => println!("| Lambda zip ({zip_arch}) | {:.2} MB |", size as f64 / 1e6),
        None => println!("| Lambda zip | not built (set BENCH_ZIP; scripts/bench.sh does) |"),
    }
    println!();
    println!("| kinds | request | added latency per IAM call | IAM calls | writes | round trips | wall time (median of {RUNS}) |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for (set, name, latency, calls, writes, trips, wall) in rows {
        let trips = trips.map_or("–".to_string(), |t| format!("{t:.0}"));
        println!(
            "| {set} | {name} | {latency} ms | {calls:.0} | {writes:.0} | {trips} | {:.3} s |",
            wall / 1000.0
        );
    }
}
