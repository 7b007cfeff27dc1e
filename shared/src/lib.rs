//! Perizinan Digital — the licensing back office of a DPMPTSP, for every permit of its catalogue.
//!
//! The shared crate of every function: the domain (`domain`, with each permit as data in
//! `domain::permit`), the permit catalogue (`catalogue`), the ASL definitions and their checks
//! (`asl`), the workflow task function (`flows`), the ports and their adapters (the embedded
//! executor among them), and the HTTP handlers (`api`) that each function crate mounts.

pub mod adapters;
pub mod api;
pub mod asl;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod catalogue;
pub mod domain;
pub mod embedded;
pub mod flows;
pub mod jobs;
pub mod lambda;
pub mod pdf;
pub mod ports;
pub mod services;
pub mod telemetry;

pub use services::Services;
