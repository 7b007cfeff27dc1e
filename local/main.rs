//! `cargo run`: the whole service on one machine.
//!
//! Options (or environment): `--port N` (`PORT`, default 8080; 0 picks a free port),
//! `--host IP` (`HOST`, default 127.0.0.1), `--data-dir DIR` (`PD_DATA_DIR`, default `data`).
//! `PD_BACKEND=aws` uses DynamoDB, S3 and SES as configured by the environment (see
//! `perizinan::settings`), with the embedded executor or, with
//! `PD_ORCHESTRATOR=stepfunctions`, Step Functions.
//!
//! `perizinan audit-verify [--data-dir DIR] [--anchor FILE]` checks every audit trail (hash chain, head and the head's MAC; with `--anchor`, a day's anchor from the write-once store) of
//! the store and prints a digest; it exits 1 when a trail was tampered with.
//!
//! For tests and demonstrations: `PD_DEV_CLOCK=1` (a settable clock; `PD_DEV_CLOCK_AT=<RFC 3339>`
//! where it starts), `PD_TIMER_MS` (how often
//! timeouts fire and undelivered work is re-sent; default 15000), `PD_RETRY_TIME_SCALE`
//! (multiplies the ASL's Retry waits), `PD_FAULT_RATE`/`PD_FAULT_SEED`/`PD_FAULT_PORTS` (fault
//! injection, see `perizinan_embedded::faults`).

use local::Config;
use std::process::ExitCode;

fn usage() -> &'static str {
    "penggunaan: perizinan [audit-verify [--anchor BERKAS] | api-doc [--check]] [--port N] [--host IP] [--data-dir DIR]"
}

fn parse_args(args: Vec<String>) -> Result<Config, String> {
    let mut cfg = Config::from_env().map_err(|e| e.to_string())?;
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{a} memerlukan nilai; {}", usage()))
        };
        match a.as_str() {
            "--port" => {
                let v = value()?;
                cfg.runner.port = v.parse().map_err(|_| format!("--port tidak valid: {v}"))?;
            }
            "--host" => {
                let v = value()?;
                cfg.runner.host = v.parse().map_err(|_| format!("--host tidak valid: {v}"))?;
            }
            "--data-dir" => cfg.data_dir = value()?.into(),
            "-h" | "--help" => return Err(usage().to_string()),
            other => return Err(format!("opsi tidak dikenal: {other}; {}", usage())),
        }
    }
    Ok(cfg)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ignored = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// `perizinan api-doc [--check]`: rewrites the catalogue's parts of `infra/openapi.yaml` (step
/// routes, decision and application bodies) from `infra/permits/`; with `--check`, only says
/// whether the document is up to date (exit 1 when it is not).
fn api_doc(check: bool) -> ExitCode {
    let path = local::api_doc::document_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("tidak dapat membaca {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let doc: serde_norway::Value = match serde_norway::from_str(&text) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let synced = local::api_doc::sync(&doc, &local::shipped_catalogue());
    if check {
        return if synced == doc {
            println!("{} sesuai dengan katalog izin", path.display());
            ExitCode::SUCCESS
        } else {
            println!(
                "{} tidak sesuai dengan katalog izin: jalankan `cargo run -- api-doc`",
                path.display()
            );
            ExitCode::FAILURE
        };
    }
    match serde_norway::to_string(&synced).map(|out| std::fs::write(&path, out)) {
        Ok(Ok(())) => {
            println!("{} ditulis ulang dari katalog izin", path.display());
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("tidak dapat menulis {}: {e}", path.display());
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

/// Prints the audit verification's report (in Indonesian: it is read by the agency's staff).
async fn audit_verify(cfg: Config, anchor: Option<std::path::PathBuf>) -> ExitCode {
    use std::io::Write;
    let anchor = match anchor.map(|p| {
        std::fs::read(&p)
            .map_err(|e| format!("{}: {e}", p.display()))
            .and_then(|b| {
                serde_json::from_slice::<perizinan::audit::Anchor>(&b)
                    .map_err(|e| format!("{}: bukan berkas jangkar ({e})", p.display()))
            })
    }) {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(e)) => {
            eprintln!("gagal membaca jangkar: {e}");
            return ExitCode::from(2);
        }
    };
    let report = local::audit_verify(&cfg, anchor.as_ref(), |n| {
        eprint!("\rmemeriksa jejak audit: {n} berkas");
        let _ignored = std::io::stderr().flush();
    })
    .await;
    eprintln!();
    match report {
        Ok(r) => {
            println!(
                "{} permohonan, {} pengaduan, {} peristiwa audit diperiksa",
                r.cases, r.complaints, r.events
            );
            println!(
                "{} kepala jejak berkunci (MAC diperiksa), {} tanpa kunci",
                r.keyed, r.unkeyed
            );
            if let Some(a) = &anchor {
                println!(
                    "jangkar {} ({} kepala): {} diperiksa",
                    a.date,
                    a.heads.len(),
                    r.anchored
                );
            }
            for f in &r.failures {
                println!("RUSAK  {} {}: {}", f.kind, f.id, f.problem);
            }
            println!("digest {}", r.digest);
            if r.ok() {
                println!("jejak audit utuh");
                ExitCode::SUCCESS
            } else {
                println!("{} jejak audit rusak", r.failures.len());
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("gagal memeriksa jejak audit: {e}");
            ExitCode::from(2)
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    perizinan::telemetry::init_text("info");
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "api-doc") {
        return api_doc(args.iter().any(|a| a == "--check"));
    }
    let verify = args.first().is_some_and(|a| a == "audit-verify");
    let mut anchor: Option<std::path::PathBuf> = None;
    if verify {
        args.remove(0);
        if let Some(i) = args.iter().position(|a| a == "--anchor") {
            args.remove(i);
            if i >= args.len() {
                eprintln!("--anchor memerlukan berkas jangkar (anchors/<tanggal>.json)");
                return ExitCode::from(2);
            }
            anchor = Some(args.remove(i).into());
        }
    }
    let cfg = match parse_args(args) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    if verify {
        return audit_verify(cfg, anchor).await;
    }
    match local::run(cfg, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gagal menjalankan: {e}");
            ExitCode::FAILURE
        }
    }
}
