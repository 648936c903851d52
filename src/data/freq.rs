//! Frequencies: how far apart consecutive timestamps of a series are.
//!
//! Names follow pandas' offset aliases, which NeuralForecast users pass as `freq`: `1` (integer
//! index), `min`/`T`, `h`/`H`, `D`, `W` (`W-SUN`, `W-MON`, ...), `MS`, `ME`/`M`, `QS`, `QE`/`Q`,
//! `YS`/`AS`, `YE`/`Y`/`A`, each with an optional multiple (`15min`, `2W`, `3MS`).

/// A series frequency. The `u32` in each variant is the multiple `n` (at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Freq {
    /// Integer time index advancing by this step (non-zero).
    Integer(i64),
    /// Every n minutes.
    Minutes(u32),
    /// Every n hours.
    Hours(u32),
    /// Every n days.
    Days(u32),
    /// Every n weeks, anchored on a weekday (0 = Monday ... 6 = Sunday; pandas' `W` is `W-SUN`).
    Weeks(u32, u8),
    /// First day of every n-th month.
    MonthStart(u32),
    /// Last day of every n-th month.
    MonthEnd(u32),
    /// First day of every n-th quarter (January, April, July, October).
    QuarterStart(u32),
    /// Last day of every n-th quarter (March, June, September, December).
    QuarterEnd(u32),
    /// 1 January of every n-th year.
    YearStart(u32),
    /// 31 December of every n-th year.
    YearEnd(u32),
}
