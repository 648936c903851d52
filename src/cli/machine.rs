//! What the reports say about the machine they were measured on.

/// The machine a report was measured on.
#[derive(Clone, Debug)]
pub struct Machine {
    /// The CPU's model name (from `/proc/cpuinfo` on Linux; "unknown" elsewhere).
    pub cpu: String,
    /// `std::env::consts::ARCH`, e.g. `x86_64`.
    pub arch: &'static str,
    /// `std::env::consts::OS`, e.g. `linux`.
    pub os: &'static str,
    /// The threads parallel work uses: `NEURO_DIVERGENT_THREADS`, else
    /// `std::thread::available_parallelism` (1 if neither can be determined).
    pub threads: usize,
}

impl Machine {
    /// Reads the CPU model, architecture, OS and thread count of this machine.
    pub fn detect() -> Machine {
        Machine {
            cpu: cpu_model().unwrap_or_else(|| "unknown".to_string()),
            arch: std::env::consts::ARCH,
            os: std::env::consts::OS,
            threads: crate::sched::configured_threads()
                .unwrap_or_else(|_| std::thread::available_parallelism().map_or(1, |n| n.get())),
        }
    }
}

/// The first `model name` (x86) or `Model`/`CPU part` (ARM) line of `/proc/cpuinfo`.
fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    ["model name", "Model", "CPU part"].iter().find_map(|key| {
        info.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            (name.trim() == *key && !value.trim().is_empty()).then(|| value.trim().to_string())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_something_sensible() {
        let m = Machine::detect();
        assert!(m.threads >= 1);
        assert!(!m.cpu.is_empty());
        assert_eq!(m.arch, std::env::consts::ARCH);
    }
}
