//! Reading and writing outside formats: JSON (benchmark specs and reports, model configs).

pub mod json;
