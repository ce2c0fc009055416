//! The UI's TypeScript bindings (`ui/src/bindings.ts`) must match the Rust commands exactly.
//! After changing a command or a type it carries, regenerate them with
//! `DIXON_UPDATE_BINDINGS=1 cargo test -p dixon-counter --test bindings`.

use std::path::Path;

#[test]
fn bindings_match_the_commands() {
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/bindings.ts");
    let dir = tempfile::tempdir().unwrap();
    let fresh_path = dir.path().join("bindings.ts");
    dixon_counter::commands::export_bindings(&fresh_path).unwrap();
    let fresh = std::fs::read_to_string(&fresh_path).unwrap();
    if std::env::var_os("DIXON_UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed_path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/bindings.ts is out of date: run `DIXON_UPDATE_BINDINGS=1 cargo test -p dixon-counter --test bindings`"
    );
}
