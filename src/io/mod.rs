//! Reading and writing outside formats: JSON (benchmark specs and reports, model configs),
//! model files, SVG charts.

pub mod json;
pub mod model_file;
pub mod svg;
