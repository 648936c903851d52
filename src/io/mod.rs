//! Reading and writing outside formats: JSON (benchmark specs and reports, model configs),
//! model files.

pub mod json;
pub mod model_file;
