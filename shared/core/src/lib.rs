//! Perizinan Digital — the licensing back office of a DPMPTSP, for every permit of its catalogue.
//!
//! The core crate of every function: the domain (`domain`, with each permit as data in
//! `domain::permit`), the permit catalogue (`catalogue`), the ASL definitions and their checks
//! (`asl`), the workflow task function (`flows`), the ports (`ports`) and the HTTP handlers
//! (`api`) that each function crate mounts. It links no adapter: the AWS ones are
//! `perizinan-aws`, the embedded ones `perizinan-embedded`, the PDF renderer `perizinan-letters`.

pub mod api;
pub mod asl;
pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod deliveries;
pub mod domain;
pub mod flows;
pub mod jobs;
pub mod ports;
pub mod retry;
pub mod services;
pub mod settings;
pub mod telemetry;

pub use services::{Ports, Services, ServicesBuilder};
pub use settings::{BootError, Settings};
