//! How many threads: a programmatic setting, else `NEURO_DIVERGENT_THREADS`, else the cores.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// The environment variable that sets the thread count.
pub const THREADS_ENV: &str = "NEURO_DIVERGENT_THREADS";

/// The most threads a pool accepts: far above any core count we run on, low enough that a typo
/// (`NEURO_DIVERGENT_THREADS=1000000`) is an error instead of a million threads.
pub const MAX_THREADS: usize = 1024;

/// The programmatic setting; 0 means unset.
static REQUESTED: AtomicUsize = AtomicUsize::new(0);

/// Checks a thread count given by the user under the name `parameter`.
pub fn check_threads(parameter: &str, threads: usize) -> Result<usize> {
    if threads == 0 || threads > MAX_THREADS {
        return Err(Error::config(
            parameter,
            format!("{threads} threads requested; allowed: 1 to {MAX_THREADS}"),
        ));
    }
    Ok(threads)
}

/// Parses the value of [`THREADS_ENV`]: a whole number from 1 to [`MAX_THREADS`].
pub fn parse_threads(value: &str) -> Result<usize> {
    let n: usize = value.trim().parse().map_err(|_| {
        Error::config(
            THREADS_ENV,
            format!("'{value}' is not a whole number of threads (allowed: 1 to {MAX_THREADS})"),
        )
    })?;
    check_threads(THREADS_ENV, n)
}

/// Records the thread count for the global pool (see [`super::global`]). Takes precedence
/// over [`THREADS_ENV`]; must come before the first parallel call, which builds the pool.
pub(super) fn request(threads: usize) -> Result<()> {
    check_threads("threads", threads)?;
    REQUESTED.store(threads, Ordering::Relaxed);
    Ok(())
}

/// The thread count the global pool gets: the programmatic setting, else [`THREADS_ENV`] (an
/// error if it is set but invalid), else the available cores.
pub fn configured_threads() -> Result<usize> {
    let requested = REQUESTED.load(Ordering::Relaxed);
    if requested != 0 {
        return Ok(requested);
    }
    match std::env::var(THREADS_ENV) {
        Ok(value) => parse_threads(&value),
        Err(std::env::VarError::NotPresent) => Ok(available_cores()),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::config(
            THREADS_ENV,
            format!("not valid UTF-8 (allowed: 1 to {MAX_THREADS})"),
        )),
    }
}

/// The cores this process may use (1 if unknown).
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn parses_whole_numbers_in_range() {
        assert_eq!(parse_threads("4").unwrap(), 4);
        assert_eq!(parse_threads(" 2\n").unwrap(), 2);
        assert_eq!(parse_threads("1024").unwrap(), 1024);
    }

    #[test]
    fn rejects_zero_negative_garbage_and_huge_with_the_variable_named() {
        for bad in [
            "0",
            "-1",
            "",
            "two",
            "1.5",
            "1025",
            "99999999999999999999999",
        ] {
            let e = parse_threads(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Config, "{bad}");
            assert!(e.message.contains(THREADS_ENV), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn check_names_the_parameter() {
        let e = check_threads("threads", 0).unwrap_err();
        assert!(e.message.contains("'threads'"), "{}", e.message);
        assert!(check_threads("threads", 3).is_ok());
    }
}
