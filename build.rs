//! Rebuild when a file is added to `web/`: the assets are compiled into the
//! binary, and cargo only notices changes to files it already knows.
fn main() {
    println!("cargo:rerun-if-changed=web");
}
