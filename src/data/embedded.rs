//! Data shipped inside the binary: the AirPassengers series `neuro-divergent forecast` uses
//! when no `--input` is given.
//!
//! AirPassengers (Box & Jenkins' series G): monthly totals of international airline
//! passengers in thousands, 1949-01 to 1960-12, 144 values; one series `AirPassengers` in
//! NeuralForecast's long format (`unique_id,ds,y`, month-start dates). The same values ship in
//! the Apache-2.0 neuralforecast and BSD-3 sktime packages.

use crate::data::{CsvOptions, Frame};

/// The CSV text of AirPassengers, as shipped.
pub const AIR_PASSENGERS_CSV: &str = include_str!("../../data/air_passengers.csv");

/// The name the embedded data carries in messages.
pub const AIR_PASSENGERS_NAME: &str = "<embedded AirPassengers>";

/// AirPassengers as a frame.
///
/// # Panics
/// Never in a correct build: the embedded text is tested to parse.
pub fn air_passengers() -> Frame {
    Frame::from_reader(
        AIR_PASSENGERS_CSV.as_bytes(),
        AIR_PASSENGERS_NAME,
        &CsvOptions::default(),
    )
    .expect("the embedded AirPassengers CSV parses")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Column;

    #[test]
    fn air_passengers_has_144_monthly_values() {
        let f = air_passengers();
        assert_eq!(f.len(), 144);
        let Some(Column::Float(y)) = f.column("y") else {
            panic!("y is numeric")
        };
        assert_eq!((y[0], y[143]), (112.0, 432.0));
        assert_eq!(y.iter().sum::<f64>(), 40363.0);
    }
}
