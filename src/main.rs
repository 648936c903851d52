#![forbid(unsafe_code)]

fn main() {
    println!("neuro-divergent {}", env!("CARGO_PKG_VERSION"));
}
