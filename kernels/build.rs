//! Tells the crate whether it is compiled without optimisation (`cfg(nd_unoptimized)`).
//!
//! The GEMM tile kernels are `#[inline(always)]` into one dispatch function per ISA, one copy
//! per tile shape. Optimised, the copies share registers and a small frame; unoptimised, every
//! copy keeps its own stack slots and the dispatch function's frame outgrows the main thread's
//! 8 MiB stack. Unoptimised builds therefore keep each tile a function of its own.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(nd_unoptimized)");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    if std::env::var("OPT_LEVEL").as_deref() == Ok("0") {
        println!("cargo::rustc-cfg=nd_unoptimized");
    }
}
