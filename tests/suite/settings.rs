//! A setting that cannot be used stops the runner at start, with a message naming it (in
//! Indonesian and English), before it listens or touches its data directory.

use std::process::Command;

fn start_with(vars: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_perizinan"))
        .args(["--port", "0", "--data-dir"])
        .arg(dir.path().join("data"))
        .envs(vars.iter().copied())
        .output()
        .expect("the runner runs");
    if out.status.code() == Some(2) {
        assert!(
            !dir.path().join("data").exists(),
            "nothing was created before the settings were checked"
        );
    }
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_wrong_setting_stops_the_start_naming_the_variable() {
    for (vars, variable) in [
        (vec![("PD_STAFF_NOTICES", "weekly")], "PD_STAFF_NOTICES"),
        (
            vec![("PD_IDEMPOTENCY_LOCK_SECONDS", "0")],
            "PD_IDEMPOTENCY_LOCK_SECONDS",
        ),
        (vec![("PD_BACKEND", "sqlite")], "PD_BACKEND"),
        (
            vec![("PD_DEV_CLOCK_AT", "2026-03-02T08:00:00+08:00")],
            "PD_DEV_CLOCK_AT",
        ),
    ] {
        let (code, stderr) = start_with(&vars);
        assert_eq!(code, Some(2), "{vars:?}: {stderr}");
        assert!(stderr.contains(variable), "{vars:?}: {stderr}");
        assert!(
            stderr.contains("tidak valid") || stderr.contains("memerlukan"),
            "{stderr}"
        );
    }
}

#[test]
fn a_missing_aws_setting_is_named() {
    // The runner on the AWS adapters needs the stack's resources: the first one missing is
    // named (the region and credentials are the SDK's own).
    let (code, stderr) = start_with(&[
        ("PD_BACKEND", "aws"),
        ("AWS_REGION", "ap-southeast-3"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("PD_UPLOAD_BUCKET", "uploads"),
        ("PD_SIGNED_BUCKET", "signed"),
        ("PD_SIGNING_KEY_ID", "key"),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("PD_TABLE: wajib diisi / is required and not set"),
        "{stderr}"
    );
}

#[test]
fn a_bad_agency_file_stops_the_start_naming_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("agency.json");
    let agency = |nip: &str, emblem: &str| {
        serde_json::json!({
            "name": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
            "government": "Pemerintah Kota Bontang", "address": "Jl. Awang Long No. 1",
            "phone": "(0548) 20594", "fax": "(0548) 20598",
            "website": "dpmptsp.bontangkota.go.id", "email": "dpmptsp@bontangkota.go.id",
            "officials": [{"name": "Ahmad Yani", "nip": nip, "golongan": "IV/c"}],
            "emblem_file": emblem
        })
        .to_string()
    };
    std::fs::write(dir.path().join("bukan.png"), b"GIF89a").unwrap();
    for (nip, emblem, problem) in [
        // 31 February is no date of birth (Perka BKN 22/2007: digits 1-8).
        ("197002311995031004", "bukan.png", "date of birth"),
        ("197003121995031004", "bukan.png", "not a PNG"),
    ] {
        std::fs::write(&file, agency(nip, emblem)).unwrap();
        let (code, stderr) = start_with(&[("PD_AGENCY_FILE", file.to_str().unwrap())]);
        assert_ne!(code, Some(0), "{stderr}");
        assert!(
            stderr.contains("PD_AGENCY_FILE") && stderr.contains(problem),
            "{problem}: {stderr}"
        );
    }
}
