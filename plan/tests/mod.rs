//! The plan's tests, compiled into the library's own test harness
//! (`cargo test -p ecs-iam-roles-plan`): one test binary, which links no more than the library.

mod support;

mod diff;
mod errors;
mod golden;
mod live;
