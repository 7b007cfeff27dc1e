//! Amazon States Language: loading the subset the infra definitions use, and running it.

pub mod definition;
pub mod eval;
pub mod executor;
pub mod path;
