//! A whole model file: the JSON header, one parameter blob per model, the local scaler and the
//! training data, assembled from and into plain parts ([`SnapshotRef`] to write, [`Snapshot`]
//! read back), so that this module needs nothing of `NeuralForecast` itself.

use super::codec::{
    put_dataset, put_local_scaler, put_params, read_dataset, read_local_scaler, read_params,
};
use super::format::{file_error, Container, ContainerWriter, Section, FORMAT_VERSION};
use crate::data::dataset::Dataset;
use crate::data::frame::ColumnRoles;
use crate::data::freq::Freq;
use crate::data::scalers::local::{LocalScaler, LocalScalerKind};
use crate::error::{Error, ErrorKind, Result};
use crate::io::json::{self, Value};
use crate::models::{registry, Hyperparams, Model};
use crate::nn::ParamLayout;

/// What the header's `format` member says.
pub const FORMAT_NAME: &str = "neuro-divergent model file";

/// Whole-number hyperparameters above this are refused on loading (except `random_seed` and
/// step counts, which never size anything): the constructors multiply sizes together (a
/// weight is `h·Q × input_size`), and three factors of 2^20 still fit in 64 bits, so a crafted
/// header cannot make that arithmetic overflow. Real models are far below it.
pub const MAX_SIZE_HYPERPARAMETER: f64 = (1u64 << 20) as f64;

/// The parts of a forecaster to save, borrowed.
#[derive(Clone, Copy, Debug)]
pub struct SnapshotRef<'a> {
    /// The series frequency.
    pub freq: Freq,
    /// Column roles of the input frames.
    pub roles: &'a ColumnRoles,
    /// `local_scaler_type`.
    pub local_scaler_kind: Option<LocalScalerKind>,
    /// The models, in order.
    pub models: &'a [Box<dyn Model>],
    /// Per model, its flat parameter buffer (in its layout) when it has one.
    pub params: &'a [Option<&'a [f32]>],
    /// The fitted local scaler, if any.
    pub local_scaler: Option<&'a LocalScaler>,
    /// The training data prediction needs, if fitted.
    pub dataset: Option<&'a Dataset>,
    /// Further state of the forecaster, a JSON object stored as it is.
    pub state: &'a Value,
}

/// The parts of a forecaster read back from a file.
#[derive(Debug)]
pub struct Snapshot {
    /// The format version the file was written with.
    pub format_version: u32,
    /// The library version that wrote it.
    pub library_version: String,
    /// The series frequency.
    pub freq: Freq,
    /// Column roles of the input frames.
    pub roles: ColumnRoles,
    /// `local_scaler_type`.
    pub local_scaler_kind: Option<LocalScalerKind>,
    /// The models, rebuilt from their registry names and saved hyperparameters.
    pub models: Vec<Box<dyn Model>>,
    /// Per model, its flat parameter buffer (length `layout().len()`) when one was saved.
    pub params: Vec<Option<Vec<f32>>>,
    /// The fitted local scaler, if saved (consistent with `dataset`).
    pub local_scaler: Option<LocalScaler>,
    /// The training data, if saved (checked for the invariants of a built dataset).
    pub dataset: Option<Dataset>,
    /// The forecaster's further state (a JSON object; empty when none was saved).
    pub state: Value,
}

fn layout_json(layout: &ParamLayout) -> Value {
    let tensors = layout
        .specs()
        .iter()
        .map(|s| {
            Value::Object(vec![
                ("name".into(), Value::String(s.name.clone())),
                ("shape".into(), Value::from(s.shape.clone())),
                ("offset".into(), Value::from(s.range.offset)),
            ])
        })
        .collect();
    Value::Object(vec![
        ("floats".into(), Value::from(layout.len())),
        ("tensors".into(), Value::Array(tensors)),
    ])
}

/// Encodes `snap` as a complete model file.
///
/// Errors (`Config`): a model not in the registry, a parameter buffer whose length differs
/// from its model's layout, or `params` not one entry per model.
pub fn encode(snap: &SnapshotRef<'_>) -> Result<Vec<u8>> {
    if snap.params.len() != snap.models.len() {
        return Err(Error::bare(
            ErrorKind::Config,
            format!(
                "{} parameter buffers for {} models",
                snap.params.len(),
                snap.models.len()
            ),
        ));
    }
    let mut models = Vec::with_capacity(snap.models.len());
    for (m, p) in snap.models.iter().zip(snap.params) {
        let entry = registry::entry(m.class_name()).map_err(|_| {
            Error::bare(
                ErrorKind::Config,
                format!(
                    "model '{}' is not in the registry; only registered models can be saved",
                    m.class_name()
                ),
            )
        })?;
        if let Some(p) = p {
            if p.len() != m.layout().len() {
                return Err(Error::bare(
                    ErrorKind::Config,
                    format!(
                        "model '{}': {} parameter values for a layout of {}",
                        m.alias(),
                        p.len(),
                        m.layout().len()
                    ),
                ));
            }
        }
        models.push(Value::Object(vec![
            ("name".into(), Value::from(entry.name)),
            ("class_name".into(), Value::from(entry.class_name)),
            ("alias".into(), Value::from(m.alias())),
            ("hyperparams".into(), m.hyperparams().to_json()),
            (
                "params".into(),
                if p.is_some() {
                    layout_json(m.layout())
                } else {
                    Value::Null
                },
            ),
        ]));
    }
    let roles = Value::Object(vec![
        ("id_col".into(), Value::from(snap.roles.id_col.as_str())),
        ("time_col".into(), Value::from(snap.roles.time_col.as_str())),
        (
            "target_col".into(),
            Value::from(snap.roles.target_col.as_str()),
        ),
    ]);
    let header = Value::Object(vec![
        ("format".into(), Value::from(FORMAT_NAME)),
        ("format_version".into(), Value::from(FORMAT_VERSION as u64)),
        (
            "library_version".into(),
            Value::from(env!("CARGO_PKG_VERSION")),
        ),
        ("freq".into(), Value::String(snap.freq.to_string())),
        ("roles".into(), roles),
        (
            "local_scaler_type".into(),
            Value::from(snap.local_scaler_kind.map(|k| k.name())),
        ),
        ("models".into(), Value::Array(models)),
        ("state".into(), snap.state.clone()),
    ])
    .to_json();
    let mut w = ContainerWriter::new();
    w.section(b"HEAD", |b| b.extend_from_slice(header.as_bytes()));
    for (i, p) in snap.params.iter().enumerate() {
        if let Some(p) = p {
            w.section(b"PARM", |b| put_params(b, i as u32, p));
        }
    }
    if let Some(sc) = snap.local_scaler {
        w.section(b"LSCL", |b| put_local_scaler(b, sc));
    }
    if let Some(ds) = snap.dataset {
        w.section(b"DATA", |b| put_dataset(b, ds));
    }
    Ok(w.finish())
}

/// Reads the header's members with errors that name the member.
struct Header<'a> {
    source: &'a str,
}

impl<'a> Header<'a> {
    fn error(&self, message: impl std::fmt::Display) -> Error {
        file_error(self.source, format!("invalid model file header: {message}"))
    }

    fn member(&self, obj: &'a Value, key: &str, at: &str) -> Result<&'a Value> {
        obj.get(key)
            .ok_or_else(|| self.error(format_args!("{at}'{key}' is missing")))
    }

    fn string(&self, obj: &'a Value, key: &str, at: &str) -> Result<&'a str> {
        self.member(obj, key, at)?
            .as_str()
            .ok_or_else(|| self.error(format_args!("{at}'{key}' is not a string")))
    }
}

/// Decodes a model file (`source` names it in errors).
pub fn decode(bytes: &[u8], source: &str) -> Result<Snapshot> {
    let container = Container::parse(bytes, source)?;
    let sections = &container.sections;
    let head = match sections.first() {
        Some(s) if &s.tag == b"HEAD" => s,
        _ => {
            return Err(file_error(
                source,
                "malformed model file: it does not begin with its header section",
            ))
        }
    };
    for s in sections {
        if s.is_critical() && !matches!(&s.tag, b"HEAD" | b"PARM" | b"LSCL" | b"DATA") {
            return Err(file_error(
                source,
                format!(
                    "model file has a section '{}' (at byte {}) this build of neuro-divergent \
                     does not understand",
                    s.tag_str().escape_default(),
                    s.offset - super::format::SECTION_HEADER_LEN
                ),
            ));
        }
    }
    container.one(b"HEAD", source)?;
    let text = std::str::from_utf8(head.payload)
        .map_err(|_| file_error(source, "invalid model file header: not UTF-8 text"))?;
    let value = json::parse(text, "header").map_err(|e| {
        file_error(
            source,
            format!(
                "invalid JSON in the model file header ({}): {}",
                e.location, e.message
            ),
        )
    })?;
    let h = Header { source };
    if value.as_object().is_none() {
        return Err(h.error("not a JSON object"));
    }
    if h.string(&value, "format", "")? != FORMAT_NAME {
        return Err(h.error(format_args!("'format' is not \"{FORMAT_NAME}\"")));
    }
    let fv = h.member(&value, "format_version", "")?.as_usize();
    if fv != Some(container.version as usize) {
        return Err(h.error(format_args!(
            "'format_version' does not match the file's format {}",
            container.version
        )));
    }
    let library_version = h.string(&value, "library_version", "")?.to_owned();
    let freq_text = h.string(&value, "freq", "")?;
    let freq = Freq::parse(freq_text)
        .map_err(|_| h.error(format_args!("'freq' '{freq_text}' is not a frequency")))?;
    let roles_v = h.member(&value, "roles", "")?;
    let roles = ColumnRoles {
        id_col: h.string(roles_v, "id_col", "roles.")?.to_owned(),
        time_col: h.string(roles_v, "time_col", "roles.")?.to_owned(),
        target_col: h.string(roles_v, "target_col", "roles.")?.to_owned(),
    };
    let local_scaler_kind = match h.member(&value, "local_scaler_type", "")? {
        Value::Null => None,
        Value::String(name) => Some(
            LocalScalerKind::parse(name)
                .map_err(|_| h.error(format_args!("unknown 'local_scaler_type' '{name}'")))?,
        ),
        _ => return Err(h.error("'local_scaler_type' is neither null nor a string")),
    };
    let state = match value.get("state") {
        None => Value::Object(Vec::new()),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err(h.error("'state' is not an object")),
    };
    let list = h
        .member(&value, "models", "")?
        .as_array()
        .ok_or_else(|| h.error("'models' is not a list"))?;
    let mut models = Vec::with_capacity(list.len());
    let mut expects_params = Vec::with_capacity(list.len());
    for (i, m) in list.iter().enumerate() {
        let (model, layout) = read_model(&h, m, i, list.len())?;
        expects_params.push(layout);
        models.push(model);
    }
    let mut params: Vec<Option<Vec<f32>>> = vec![None; models.len()];
    for s in container.all(b"PARM") {
        let (i, values) = read_params(s, source)?;
        let i = i as usize;
        let at = s.offset - super::format::SECTION_HEADER_LEN;
        let Some(model) = models.get(i) else {
            return Err(file_error(
                source,
                format!(
                    "malformed model file: parameters at byte {at} are for model {} of {}",
                    i + 1,
                    models.len()
                ),
            ));
        };
        if params[i].is_some() || !expects_params[i] {
            return Err(file_error(
                source,
                format!(
                    "malformed model file: unexpected parameters for model '{}' at byte {at}",
                    model.alias()
                ),
            ));
        }
        if values.len() != model.layout().len() {
            return Err(file_error(
                source,
                format!(
                    "the parameter blob of model '{}' (section 'PARM' at byte {at}) holds {} \
                     values, but its layout needs {}",
                    model.alias(),
                    values.len(),
                    model.layout().len()
                ),
            ));
        }
        params[i] = Some(values);
    }
    if let Some(i) = (0..models.len()).find(|&i| expects_params[i] && params[i].is_none()) {
        return Err(file_error(
            source,
            format!(
                "malformed model file: the parameters of model '{}' are missing",
                models[i].alias()
            ),
        ));
    }
    let dataset = container
        .one(b"DATA", source)?
        .map(|s| read_dataset(s, source))
        .transpose()?;
    let local_scaler = container
        .one(b"LSCL", source)?
        .map(|s| read_local_scaler(s, source))
        .transpose()?;
    check_scaler(
        source,
        local_scaler_kind,
        local_scaler.as_ref(),
        dataset.as_ref(),
    )?;
    Ok(Snapshot {
        format_version: container.version,
        library_version,
        freq,
        roles,
        local_scaler_kind,
        models,
        params,
        local_scaler,
        dataset,
        state,
    })
}

/// Model `i` of `n` from its header entry; also whether the file holds its parameters.
fn read_model(h: &Header<'_>, m: &Value, i: usize, n: usize) -> Result<(Box<dyn Model>, bool)> {
    let at = format!("models[{i}].");
    let name = h.string(m, "name", &at)?;
    let entry = registry::entry(name).map_err(|_| {
        let known: Vec<&str> = registry::MODELS.iter().map(|e| e.name).collect();
        file_error(
            h.source,
            format!(
                "model {} of {n} is '{name}', which this build of neuro-divergent does not \
                 know (known: {})",
                i + 1,
                known.join(", ")
            ),
        )
    })?;
    let hp_value = h.member(m, "hyperparams", &at)?;
    let hp = Hyperparams::from_json(hp_value)
        .map_err(|_| h.error(format_args!("{at}'hyperparams' is not an object")))?;
    check_sizes(h, &hp, &at)?;
    let model = (entry.build)(&hp).map_err(|e| {
        file_error(
            h.source,
            format!(
                "model {} of {n} ('{name}'): its saved hyperparameters are rejected: {e}",
                i + 1
            ),
        )
    })?;
    let has_params = match h.member(m, "params", &at)? {
        Value::Null => false,
        p => {
            check_layout(h, p, model.layout(), &format!("{at}params"))?;
            true
        }
    };
    Ok((model, has_params))
}

/// See [`MAX_SIZE_HYPERPARAMETER`].
fn check_sizes(h: &Header<'_>, hp: &Hyperparams, at: &str) -> Result<()> {
    fn too_big(v: &Value) -> bool {
        match v {
            Value::Number(x) => x.abs() > MAX_SIZE_HYPERPARAMETER && x.fract() == 0.0,
            Value::Array(items) => items.iter().any(too_big),
            _ => false,
        }
    }
    for (name, v) in hp.entries() {
        if name != "random_seed" && !name.contains("steps") && too_big(v) {
            return Err(h.error(format_args!(
                "{at}hyperparams.{name} = {} is larger than {MAX_SIZE_HYPERPARAMETER}",
                v.to_json()
            )));
        }
    }
    Ok(())
}

/// The header's description of a parameter blob must match the model this build constructs.
fn check_layout(h: &Header<'_>, p: &Value, layout: &ParamLayout, at: &str) -> Result<()> {
    let floats = h.member(p, "floats", &format!("{at}."))?.as_usize();
    if floats != Some(layout.len()) {
        return Err(h.error(format_args!(
            "{at}.floats is {}, but the model built from its hyperparameters has {} \
             (the file was written for a different parameter layout)",
            p.get("floats").map_or("?".into(), Value::to_json),
            layout.len()
        )));
    }
    let tensors = h
        .member(p, "tensors", &format!("{at}."))?
        .as_array()
        .ok_or_else(|| h.error(format_args!("{at}.tensors is not a list")))?;
    let specs = layout.specs();
    if tensors.len() != specs.len() {
        return Err(h.error(format_args!(
            "{at}.tensors lists {} tensors, the model has {}",
            tensors.len(),
            specs.len()
        )));
    }
    for (t, s) in tensors.iter().zip(specs) {
        let shape: Option<Vec<usize>> = t
            .get("shape")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_usize).collect());
        let same = t.get("name").and_then(Value::as_str) == Some(s.name.as_str())
            && shape.as_deref() == Some(&s.shape[..])
            && t.get("offset").and_then(Value::as_usize) == Some(s.range.offset);
        if !same {
            return Err(h.error(format_args!(
                "{at}: tensor {} does not match the model's '{}' {:?} at offset {}",
                t.to_json(),
                s.name,
                s.shape,
                s.range.offset
            )));
        }
    }
    Ok(())
}

/// The scaler's kind, columns and series must be those of the header and the dataset
/// (prediction indexes the statistics by the dataset's series and columns).
fn check_scaler(
    source: &str,
    kind: Option<LocalScalerKind>,
    scaler: Option<&LocalScaler>,
    ds: Option<&Dataset>,
) -> Result<()> {
    let Some(sc) = scaler else {
        return Ok(());
    };
    let bad = |why: String| file_error(source, format!("malformed model file: {why}"));
    let (k, columns, n_series, _) = sc.to_parts();
    if kind != Some(k) {
        return Err(bad(format!(
            "the local scaler state is '{}' but the header's local_scaler_type is {:?}",
            k.name(),
            kind.map(|k| k.name())
        )));
    }
    let Some(ds) = ds else {
        return Err(bad("a local scaler state without training data".into()));
    };
    let mut want = vec!["y".to_owned()];
    want.extend(ds.futr_exog.names.iter().cloned());
    want.extend(ds.hist_exog.names.iter().cloned());
    if n_series != ds.n_series() || columns != want {
        return Err(bad(format!(
            "the local scaler covers {n_series} series and columns {columns:?}; the training \
             data has {} series and columns {want:?}",
            ds.n_series()
        )));
    }
    Ok(())
}

/// The sections of a file in order, as (tag, payload length): for tools and tests.
pub fn outline(bytes: &[u8], source: &str) -> Result<Vec<(String, usize)>> {
    let c = Container::parse(bytes, source)?;
    Ok(c.sections
        .iter()
        .map(|s: &Section<'_>| (s.tag_str().to_owned(), s.payload.len()))
        .collect())
}
