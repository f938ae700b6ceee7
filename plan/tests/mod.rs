//! The plan's tests. They are compiled into the library's own test harness
//! (`cargo test -p ecs-iam-roles-plan`), not as integration tests: an integration test makes cargo
//! build the package's binary, whose name is the function's (`ecs-iam-roles`), and the two would
//! then race for `target/debug/ecs-iam-roles`, which the function's own tests and the stack suite
//! run as the Lambda bootstrap (cargo's "output filename collision"). So `cargo test --workspace`
//! never builds this binary; `cargo build --workspace` and `cargo install --path plan` do.

mod support;

mod diff;
mod errors;
mod golden;
mod live;
