//! Perizinan Digital — Izin Pembukaan Kantor Kas Koperasi Simpan Pinjam.
//!
//! The shared crate of every function: the domain (`domain`), the workflow definition and its
//! embedded executor (`asl`, `workflow`), the ports and their adapters, and the HTTP handlers
//! (`api`) that each function crate mounts.

pub mod adapters;
pub mod api;
pub mod asl;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod complaint_flow;
pub mod domain;
pub mod embedded;
pub mod jobs;
pub mod lambda;
pub mod pdf;
pub mod ports;
pub mod services;
pub mod telemetry;
pub mod workflow;

pub use services::Services;
