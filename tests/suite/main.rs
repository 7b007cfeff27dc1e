//! Every end-to-end, contract and property test in one binary (the helpers in `common` are
//! compiled once). The browser tests are `tests/browser/` (Node, against the spawned runner).
//! Run one area with its module path, e.g. `cargo test --test suite deadlines::`.

mod common;

mod applicant_clock;
mod asl_moto;
mod authz_matrix;
mod bad_input;
mod catalogue;
mod cognito_moto;
mod complaint_abuse;
mod complaints;
mod contract;
mod deadlines;
mod delegations;
mod dev_surfaces;
mod documents;
mod durability;
mod faults;
mod fiktif_positif;
mod malware_scan;
mod offices;
mod openapi;
mod overdue_scale;
mod privacy;
mod races;
mod retention;
mod round_trips;
mod security2;
mod security3;
mod settings;
mod sms;
mod spine;
mod spine_moto;
mod staff_accounts;
mod upgrade;
mod xlsx_reports;
