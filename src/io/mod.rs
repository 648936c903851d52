//! Reading and writing outside formats: JSON (benchmark specs and reports, model configs),
//! SVG charts.

pub mod json;
pub mod svg;
