//! Instruction-set tiers, their detection on this CPU, and the `NEURO_DIVERGENT_ISA` cap.
//!
//! Detection runs once; the answer is cached. A tier is *usable* when the CPU (and the
//! operating system, for the wide register state) supports every feature its kernels are
//! compiled with. The tiers form a chain on each architecture, so "capping" at a tier means
//! choosing the best usable tier that is not above it.

use std::fmt;
use std::sync::OnceLock;

/// A kernel tier. On x86-64 each tier implies the ones below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
    /// Portable Rust, one lane at a time: the reference every other tier is tested against.
    Scalar,
    /// x86-64 baseline: 128-bit vectors, no FMA.
    Sse2,
    /// 256-bit vectors, no FMA (Sandy Bridge, Ivy Bridge).
    Avx,
    /// AVX2 together with FMA3 (Haswell and later, every Zen).
    Avx2,
    /// AVX-512F (with the usual BW/DQ/VL companions where present); 512-bit vectors, 32 registers.
    Avx512,
    /// AArch64 Advanced SIMD: 128-bit vectors with FMA.
    Neon,
}

impl Isa {
    /// Every tier, lowest first.
    pub const ALL: [Isa; 6] = [
        Isa::Scalar,
        Isa::Sse2,
        Isa::Avx,
        Isa::Avx2,
        Isa::Avx512,
        Isa::Neon,
    ];

    /// The lowercase name used by `NEURO_DIVERGENT_ISA` and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Sse2 => "sse2",
            Isa::Avx => "avx",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Neon => "neon",
        }
    }

    /// Parses a tier name, case-insensitively.
    pub fn from_name(name: &str) -> Option<Isa> {
        let lower = name.trim().to_ascii_lowercase();
        Isa::ALL.into_iter().find(|isa| isa.name() == lower)
    }

    /// The number of f32 lanes in one vector register of this tier.
    pub fn lanes(self) -> usize {
        match self {
            Isa::Scalar => 1,
            Isa::Sse2 | Isa::Neon => 4,
            Isa::Avx | Isa::Avx2 => 8,
            Isa::Avx512 => 16,
        }
    }

    /// Whether this CPU can run this tier's kernels.
    pub fn is_supported(self) -> bool {
        supported().contains(&self)
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every tier this CPU supports, lowest first (always starts with `Scalar`).
pub fn supported() -> &'static [Isa] {
    static SUPPORTED: OnceLock<Vec<Isa>> = OnceLock::new();
    SUPPORTED.get_or_init(detect_supported)
}

#[cfg(target_arch = "x86_64")]
fn detect_supported() -> Vec<Isa> {
    let mut tiers = vec![Isa::Scalar];
    // SSE2 is part of the x86-64 baseline, but asking keeps the logic uniform.
    if std::arch::is_x86_feature_detected!("sse2") {
        tiers.push(Isa::Sse2);
    }
    if std::arch::is_x86_feature_detected!("avx") {
        tiers.push(Isa::Avx);
    }
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        tiers.push(Isa::Avx2);
    }
    // Our AVX-512 kernels also use the AVX2/FMA instructions for their tails, so demand both.
    if std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
    {
        tiers.push(Isa::Avx512);
    }
    tiers
}

#[cfg(target_arch = "aarch64")]
fn detect_supported() -> Vec<Isa> {
    let mut tiers = vec![Isa::Scalar];
    if std::arch::is_aarch64_feature_detected!("neon") {
        tiers.push(Isa::Neon);
    }
    tiers
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn detect_supported() -> Vec<Isa> {
    vec![Isa::Scalar]
}

/// Why a requested tier cannot be honoured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IsaError {
    /// The name is not one of `scalar, sse2, avx, avx2, avx512, neon`.
    Unknown { requested: String },
    /// The tier exists but this CPU lacks it.
    Unsupported { requested: Isa, best: Isa },
}

impl fmt::Display for IsaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = supported().iter().map(|isa| isa.name()).collect();
        match self {
            IsaError::Unknown { requested } => write!(
                f,
                "unknown ISA {requested:?}: expected one of scalar, sse2, avx, avx2, avx512, neon \
                 (this CPU supports: {})",
                names.join(", ")
            ),
            IsaError::Unsupported { requested, best } => write!(
                f,
                "ISA {requested} is not supported by this CPU (supported: {}; best: {best})",
                names.join(", ")
            ),
        }
    }
}

impl std::error::Error for IsaError {}

/// The best supported tier that is not above `cap`, where "above" follows the chain of the
/// host architecture. `cap` must itself be supported, or be a tier of another architecture
/// (which is an error too): capping never silently picks something the user did not ask for.
pub fn capped(cap: Isa) -> Result<Isa, IsaError> {
    if cap.is_supported() {
        Ok(cap)
    } else {
        Err(IsaError::Unsupported {
            requested: cap,
            best: best(),
        })
    }
}

/// The widest tier this CPU supports.
pub fn best() -> Isa {
    *supported().last().unwrap_or(&Isa::Scalar)
}

/// Reads `NEURO_DIVERGENT_ISA`: `Ok(None)` when unset or empty, the tier when it names a
/// supported one, and an error (never a silent fallback) otherwise.
pub fn requested_by_env() -> Result<Option<Isa>, IsaError> {
    match std::env::var("NEURO_DIVERGENT_ISA") {
        Err(_) => Ok(None),
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => match Isa::from_name(&value) {
            None => Err(IsaError::Unknown { requested: value }),
            Some(isa) => capped(isa).map(Some),
        },
    }
}

/// The tier the process uses: the best one, capped by `NEURO_DIVERGENT_ISA` when set.
///
/// An invalid `NEURO_DIVERGENT_ISA` is reported by [`active_checked`]; this function then
/// falls back to the best tier (a library must not abort its host), and the CLI reports the
/// error before doing any work.
pub fn active() -> Isa {
    active_checked().unwrap_or_else(|_| best())
}

/// The tier the process uses, or why `NEURO_DIVERGENT_ISA` cannot be honoured.
pub fn active_checked() -> Result<Isa, IsaError> {
    static ACTIVE: OnceLock<Result<Isa, IsaError>> = OnceLock::new();
    ACTIVE
        .get_or_init(|| requested_by_env().map(|requested| requested.unwrap_or_else(best)))
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for isa in Isa::ALL {
            assert_eq!(Isa::from_name(isa.name()), Some(isa));
            assert_eq!(Isa::from_name(&isa.name().to_uppercase()), Some(isa));
        }
        assert_eq!(Isa::from_name("avx1024"), None);
    }

    #[test]
    fn scalar_is_always_supported_and_first() {
        assert_eq!(supported()[0], Isa::Scalar);
        assert!(Isa::Scalar.is_supported());
        assert_eq!(capped(Isa::Scalar), Ok(Isa::Scalar));
    }

    #[test]
    fn unsupported_cap_is_an_error_that_names_the_tier() {
        #[cfg(target_arch = "x86_64")]
        let foreign = Isa::Neon;
        #[cfg(not(target_arch = "x86_64"))]
        let foreign = Isa::Avx512;
        let err = capped(foreign).unwrap_err();
        assert!(err.to_string().contains(foreign.name()), "{err}");
    }
}
