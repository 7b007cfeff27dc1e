//! Amazon States Language: loading and evaluating the subset the infra definitions use (the
//! embedded executor that runs it is `adapters::executor`).

pub mod check;
pub mod definition;
pub mod eval;
pub mod path;
