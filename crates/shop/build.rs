// `sqlx::migrate!` embeds migrations/ at compile time; without this a new migration file would
// not trigger a rebuild (sqlx's documented advice).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
