//! Embeds every holiday calendar in `infra/calendar/*.json` and every permit of the catalogue in
//! `infra/permits/<code>/`, so that adding a year or a permit is a data change (new files) and
//! not a code change.

use std::fs;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/calendar");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("infra/calendar exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Holiday calendars shipped in `infra/calendar/`.\npub const SHIPPED: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let canon = f.canonicalize().expect("calendar file path");
        out.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            f.file_name().unwrap().to_string_lossy(),
            canon.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("calendars.rs");
    fs::write(dest, out).expect("write calendars.rs");
    permits();
    offices();
}

fn permits() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/permits");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut folders: Vec<_> = fs::read_dir(&dir)
        .expect("infra/permits exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let mut out = String::from(
        "/// The permits shipped in `infra/permits/`: (folder, permit.json, workflow.asl.json, example.json).\npub const SHIPPED: &[(&str, &str, &str, &str)] = &[\n",
    );
    for f in &folders {
        println!("cargo:rerun-if-changed={}", f.display());
        let file = |name: &str| {
            let p = f.join(name);
            println!("cargo:rerun-if-changed={}", p.display());
            p.canonicalize()
                .unwrap_or_else(|_| panic!("{} has no {name}", f.display()))
                .display()
                .to_string()
        };
        out.push_str(&format!(
            "    ({:?}, include_str!({:?}), include_str!({:?}), include_str!({:?})),\n",
            f.file_name().unwrap().to_string_lossy(),
            file("permit.json"),
            file("workflow.asl.json"),
            file("example.json"),
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("permits.rs");
    fs::write(dest, out).expect("write permits.rs");
}

fn offices() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/offices");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut folders: Vec<_> = fs::read_dir(&dir)
        .expect("infra/offices exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let mut out = String::from(
        "/// The offices shipped in `infra/offices/`: (folder, office.json).\npub const SHIPPED: &[(&str, &str)] = &[\n",
    );
    for f in &folders {
        let p = f.join("office.json");
        println!("cargo:rerun-if-changed={}", p.display());
        out.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            f.file_name().unwrap().to_string_lossy(),
            p.canonicalize()
                .unwrap_or_else(|_| panic!("{} has no office.json", f.display()))
                .display()
                .to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("offices.rs");
    fs::write(dest, out).expect("write offices.rs");
}
