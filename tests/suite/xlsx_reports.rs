//! The reports as XLSX over HTTP against the local runner, read back with openpyxl
//! (`.tools/venv`, installed by scripts/test from scripts/tools/requirements.txt): the header
//! row, the frozen pane, dates as dates, numbers as numbers, and a text `=1+1` that stays a
//! string (a formula in the CSV is neutralized; in XLSX the text is exact).
//!
//! No text that an applicant or a complainant types reaches a report (the complaints report
//! carries no complaint text, by design), so the `=1+1` is the permit's short name in a copy of
//! the catalogue (`PD_PERMITS_DIR`): the name the SLA report writes in its `izin` column.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const FORMULA: &str = "=1+1";

/// Reads an XLSX file with openpyxl and prints, as JSON, its sheets, the frozen pane, the
/// column widths and every cell: value (dates in ISO 8601), Python type, openpyxl's data type,
/// number format and whether the font is bold.
const READ_XLSX: &str = r#"
import datetime, json, sys
import openpyxl

wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.active

def cell(c):
    v = c.value
    if isinstance(v, datetime.datetime):
        kind, v = "datetime", v.isoformat()
    elif isinstance(v, datetime.date):
        kind, v = "date", v.isoformat()
    elif v is None:
        kind = "none"
    else:
        kind = type(v).__name__
    return {"value": v, "type": kind, "data_type": c.data_type,
            "number_format": c.number_format, "bold": bool(c.font.b)}

print(json.dumps({
    "sheets": wb.sheetnames,
    "freeze_panes": ws.freeze_panes,
    "widths": {k: d.width for k, d in ws.column_dimensions.items()},
    "rows": [[cell(c) for c in row] for row in ws.iter_rows()],
}))
"#;

fn python() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: scripts/test installs it (with openpyxl, scripts/tools/requirements.txt)",
        p.display()
    );
    p
}

/// One XLSX workbook as openpyxl reads it.
struct Sheet {
    json: Value,
}

impl Sheet {
    fn rows(&self) -> &Vec<Value> {
        self.json["rows"].as_array().unwrap()
    }

    fn header(&self) -> Vec<&str> {
        self.rows()[0]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_str().unwrap())
            .collect()
    }

    /// The cell of column `name` in the first data row whose column `key` holds `value`.
    fn cell(&self, key: &str, value: &str, name: &str) -> &Value {
        let h = self.header();
        let (k, n) = (
            h.iter().position(|x| *x == key).unwrap(),
            h.iter().position(|x| *x == name).unwrap(),
        );
        let row = self.rows()[1..]
            .iter()
            .find(|r| r[k]["value"] == value)
            .unwrap_or_else(|| panic!("no row with {key} = {value}: {}", self.json));
        &row[n]
    }

    /// The checks every report's workbook passes: one sheet with an Indonesian name, the
    /// header row bold and frozen (pane at A2), every column given a width.
    fn assert_layout(&self, sheet: &str, header: &[&str]) {
        assert_eq!(self.json["sheets"], json!([sheet]));
        assert_eq!(self.json["freeze_panes"], "A2", "{}", self.json);
        assert_eq!(self.header(), header);
        for c in self.rows()[0].as_array().unwrap() {
            assert_eq!(c["bold"], true, "{c}");
            assert_eq!(c["data_type"], "s", "{c}");
        }
        let widths = self.json["widths"].as_object().unwrap();
        assert_eq!(widths.len(), header.len(), "{widths:?}");
        assert!(
            widths.values().all(|w| w.as_f64().unwrap() >= 8.0),
            "{widths:?}"
        );
    }
}

fn assert_date(c: &Value, iso: &str) {
    assert_eq!(c["type"], "datetime", "a date cell: {c}");
    assert_eq!(c["value"], format!("{iso}T00:00:00"), "{c}");
    assert_eq!(c["number_format"], "dd/mm/yyyy", "{c}");
}

fn assert_int(c: &Value, n: u64) {
    assert_eq!(
        (c["type"].as_str(), c["value"].as_u64()),
        (Some("int"), Some(n)),
        "{c}"
    );
    assert_eq!(c["data_type"], "n", "{c}");
}

/// A decimal: a number cell (openpyxl reads `2` as int, `2.5` as float) of this value.
fn assert_number(c: &Value, v: f64) {
    assert!(matches!(c["type"].as_str(), Some("int" | "float")), "{c}");
    assert_eq!(c["data_type"], "n", "{c}");
    assert!((c["value"].as_f64().unwrap() - v).abs() < 1e-9, "{c} ≠ {v}");
}

fn assert_formula_text(c: &Value) {
    assert_eq!(c["value"], FORMULA, "{c}");
    assert_eq!(c["type"], "str", "{c}");
    assert_eq!(c["data_type"], "s", "a string, not a formula: {c}");
}

async fn download(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    let r = app
        .http
        .get(format!("{}{path}", app.api))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r
}

/// Downloads an XLSX report (checking its headers) and reads it with openpyxl.
async fn xlsx(app: &TestApp, token: &str, path: &str, file_name: &str) -> Sheet {
    let r = download(app, token, path).await;
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = r.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"{file_name}\"")),
        "{disposition}"
    );
    let bytes = r.bytes().await.unwrap();
    let file = app.dir.path().join(file_name);
    std::fs::write(&file, &bytes).unwrap();
    let out = std::process::Command::new(python())
        .arg("-c")
        .arg(READ_XLSX)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openpyxl could not read {file_name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Sheet {
        json: serde_json::from_slice(&out.stdout).unwrap(),
    }
}

async fn csv(app: &TestApp, token: &str, path: &str) -> String {
    download(app, token, path).await.text().await.unwrap()
}

/// The shipped catalogue copied into `dir`, the kantor kas permit's short name set to `name`.
fn catalogue_naming_kantor_kas(dir: &Path, name: &str) -> PathBuf {
    let out = copy_shipped_catalogue(dir);
    let file = out.join("kantor-kas-ksp/permit.json");
    let mut permit: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    permit["short_name"] = json!(name);
    std::fs::write(&file, serde_json::to_string_pretty(&permit).unwrap()).unwrap();
    out
}

async fn advance_days(app: &TestApp, days: i64) {
    let r = app
        .http
        .post(format!("{}/_dev/clock", app.base))
        .json(&json!({ "advance_days": days }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_report_downloads_as_xlsx_with_typed_cells() {
    let dir = tempfile::tempdir().unwrap();
    let permits = catalogue_naming_kantor_kas(dir.path(), FORMULA);
    let app = TestApp::spawn_with_env(vec![
        ("PD_DEV_CLOCK".into(), "1".into()),
        ("PD_PERMITS_DIR".into(), permits.display().to_string()),
    ])
    .await;
    let start = today();

    // Three kantor kas cases submitted today: one goes through to the survey now, one is
    // decided late, one is left waiting at front office verification.
    let surveyed = submitted_case(&app, "pemohon").await;
    let late = submitted_case(&app, "pemohon").await;
    let waiting = submitted_case(&app, "pemohon2").await;
    staff_g_to_p(&app, &surveyed, "grant").await;
    let t = app.login("pemohon").await;
    let v = app.case(&t, &surveyed).await["version"].clone();
    let answers =
        json!({"u1": 4, "u2": 4, "u3": 3, "u4": 4, "u5": 3, "u6": 3, "u7": 4, "u8": 2, "u9": 3});
    let (s, r) = app
        .post(
            Some(&t),
            &format!("/cases/{surveyed}/survey"),
            json!({"version": v, "answers": answers}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");

    // A complaint filed and registered today (60 days to resolve it).
    let (s, filed) = crate::complaint_abuse::file_anonymously(
        &app,
        json!({"kind": "complaint", "text": "Antrean di loket perizinan terlalu lama.", "anonymous": true}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{filed}");
    let complaint = filed["id"].as_str().unwrap();
    let tracking = filed["tracking_code"].as_str().unwrap();
    let adu = app.login("pengaduan").await;
    let v = app
        .get(Some(&adu), &format!("/complaints/{complaint}"))
        .await
        .1["version"]
        .clone();
    let (s, r) = app
        .post(
            Some(&adu),
            &format!("/complaints/{complaint}/steps/registration"),
            json!({"version": v, "outcome": "registered"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");

    // The IKM of today: one respondent, Σ 30 → 30/9 × 25 = 83.33 (B).
    let kabid = app.login("kabid").await;
    let q = format!("from={start}&to={start}");
    let ikm = xlsx(
        &app,
        &kabid,
        &format!("/reports/ikm?{q}&format=xlsx"),
        &format!("laporan-ikm-{start}-{start}.xlsx"),
    )
    .await;
    ikm.assert_layout(
        "Indeks Kepuasan Masyarakat",
        &["unsur", "uraian", "nilai", "nilai_tertimbang"],
    );
    let u8 = ikm.cell("unsur", "U8", "nilai");
    assert_number(u8, 2.0);
    assert_eq!(u8["number_format"], "0.0000");
    let u8w = ikm.cell("unsur", "U8", "nilai_tertimbang");
    assert_number(u8w, 0.2222);
    assert_eq!(u8w["type"], "float");
    let index = ikm.cell("unsur", "IKM", "nilai");
    assert_number(index, 83.33);
    assert_eq!(
        (index["type"].as_str(), index["number_format"].as_str()),
        (Some("float"), Some("0.00"))
    );
    assert_eq!(ikm.cell("unsur", "IKM", "uraian")["value"], "Mutu Baik (B)");
    assert_eq!(ikm.cell("unsur", "IKM", "nilai_tertimbang")["type"], "none");
    assert_int(ikm.cell("unsur", "RESPONDEN", "nilai"), 1);
    let ikm_csv = csv(&app, &kabid, &format!("/reports/ikm?{q}&format=csv")).await;
    assert!(
        ikm_csv.contains("IKM,Mutu Baik (B),83.33,\r\n"),
        "{ikm_csv}"
    );

    // Seventy days on: the waiting case is overdue, the complaint is late, and the front
    // office decides the second case (late).
    advance_days(&app, 70).await;
    let now = start + chrono::Days::new(70);
    app.act_ok(
        "fo",
        &late,
        "front_office_verification",
        json!({"outcome": "complete"}),
    )
    .await;
    let kasi = app.login("kasi").await;
    let q = format!("from={start}&to={now}&permit=kantor-kas-ksp");
    let (s, report) = app.get(Some(&kasi), &format!("/reports/sla?{q}")).await;
    assert_eq!(s, StatusCode::OK, "{report}");

    let steps = xlsx(
        &app,
        &kasi,
        &format!("/reports/sla?{q}&format=xlsx"),
        &format!("laporan-sla-steps-{start}-{now}.xlsx"),
    )
    .await;
    steps.assert_layout(
        "SLA per tahap",
        &[
            "izin",
            "tahap",
            "sop",
            "peran",
            "target_hari_kerja",
            "ditangani",
            "median_hari_kerja",
            "p90_hari_kerja",
            "tepat_waktu",
            "persen_tepat_waktu",
        ],
    );
    let fo = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["step"] == "front_office_verification")
        .unwrap();
    assert_eq!(fo["handled"], 2, "{fo}");
    assert_eq!(fo["on_time"], 1, "{fo}");
    let title = fo["title"].as_str().unwrap();
    assert_formula_text(steps.cell("tahap", title, "izin"));
    assert_int(steps.cell("tahap", title, "target_hari_kerja"), 1);
    assert_int(steps.cell("tahap", title, "ditangani"), 2);
    assert_number(
        steps.cell("tahap", title, "median_hari_kerja"),
        fo["median_days"].as_f64().unwrap(),
    );
    assert_int(
        steps.cell("tahap", title, "p90_hari_kerja"),
        fo["p90_days"].as_u64().unwrap(),
    );
    assert_number(steps.cell("tahap", title, "persen_tepat_waktu"), 50.0);
    // A step nobody handled: no median, an empty cell.
    let unhandled = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["handled"] == 0)
        .unwrap()["title"]
        .as_str()
        .unwrap();
    assert_eq!(
        steps.cell("tahap", unhandled, "median_hari_kerja")["type"],
        "none"
    );

    let overdue = xlsx(
        &app,
        &kasi,
        &format!("/reports/sla?{q}&format=xlsx&table=overdue"),
        &format!("laporan-sla-overdue-{start}-{now}.xlsx"),
    )
    .await;
    overdue.assert_layout(
        "Berkas terlambat",
        &[
            "nomor_pendaftaran",
            "izin",
            "tahap",
            "sop",
            "peran",
            "batas_waktu",
            "hari_kerja_terlambat",
        ],
    );
    let o = report["overdue"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["case_id"] == waiting.as_str())
        .unwrap_or_else(|| panic!("the waiting case is overdue: {report}"));
    let reg = o["registration_number"].as_str().unwrap();
    let row = |name: &str| overdue.cell("nomor_pendaftaran", reg, name);
    assert_eq!(row("nomor_pendaftaran")["data_type"], "s");
    assert_formula_text(row("izin"));
    assert_date(row("batas_waktu"), o["due_on"].as_str().unwrap());
    let days_late = o["working_days_late"].as_u64().unwrap();
    assert!(days_late > 30, "{o}");
    assert_int(row("hari_kerja_terlambat"), days_late);
    // The CSV of the same table neutralizes the same cell.
    let overdue_csv = csv(
        &app,
        &kasi,
        &format!("/reports/sla?{q}&format=csv&table=overdue"),
    )
    .await;
    assert!(
        overdue_csv.contains(&format!(
            "{reg},'=1+1,{},{},{},{},{days_late}\r\n",
            o["title"].as_str().unwrap(),
            o["sop"].as_str().unwrap(),
            o["role_label"].as_str().unwrap(),
            o["due_on"].as_str().unwrap()
        )),
        "{overdue_csv}"
    );

    // The complaints of the first day: one, open, late.
    let q = format!("from={start}&to={start}");
    let (s, complaints) = app
        .get(Some(&kasi), &format!("/reports/complaints?{q}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{complaints}");
    let summary = xlsx(
        &app,
        &kasi,
        &format!("/reports/complaints?{q}&format=xlsx&table=summary"),
        &format!("laporan-pengaduan-summary-{start}-{start}.xlsx"),
    )
    .await;
    summary.assert_layout(
        "Ringkasan pengaduan",
        &["dimensi", "kode", "uraian", "jumlah"],
    );
    assert_int(summary.cell("kode", "total", "jumlah"), 1);
    assert_int(summary.cell("kode", "portal", "jumlah"), 1);
    assert_int(summary.cell("kode", "telephone", "jumlah"), 0);
    let late_xlsx = xlsx(
        &app,
        &kasi,
        &format!("/reports/complaints?{q}&format=xlsx&table=late"),
        &format!("laporan-pengaduan-late-{start}-{start}.xlsx"),
    )
    .await;
    late_xlsx.assert_layout(
        "Pengaduan terlambat",
        &[
            "kode_pelacakan",
            "saluran",
            "batas_waktu",
            "tanggal_selesai",
        ],
    );
    let due = complaints["late"][0]["due_on"].as_str().unwrap();
    assert_eq!(
        due,
        (start + chrono::Days::new(60)).to_string(),
        "{complaints}"
    );
    assert_date(
        late_xlsx.cell("kode_pelacakan", tracking, "batas_waktu"),
        due,
    );
    assert_eq!(
        late_xlsx.cell("kode_pelacakan", tracking, "saluran")["value"],
        "Portal Perizinan Digital"
    );
    assert_eq!(
        late_xlsx.cell("kode_pelacakan", tracking, "tanggal_selesai")["type"],
        "none"
    );

    // Another format: the problem names the field and the choices.
    let (s, e) = app
        .get(Some(&kasi), &format!("/reports/complaints?{q}&format=ods"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["field"], "format");
    assert_eq!(e["errors"][0]["code"], "invalid_choice");
    assert_eq!(e["errors"][0]["detail"], "Gunakan json, csv atau xlsx.");
}
