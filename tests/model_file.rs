//! Model files: the container round-trips; every kind of damage gets its own clear error and
//! never a panic (truncation at every byte, byte flips, future versions, unknown models,
//! wrong blob lengths, bad JSON).

use neuro_divergent::data::dataset::Dataset;
use neuro_divergent::data::frame::ColumnRoles;
use neuro_divergent::data::freq::Freq;
use neuro_divergent::data::scalers::local::{LocalScaler, LocalScalerKind};
use neuro_divergent::error::ErrorKind;
use neuro_divergent::io::json::Value;
use neuro_divergent::io::model_file::format::{reseal, ContainerWriter, HEADER_LEN};
use neuro_divergent::io::model_file::{decode, encode, Container, SnapshotRef, MAGIC};
use neuro_divergent::models::{Model, ModelBuilder};
use proptest::prelude::*;

fn models() -> Vec<Box<dyn Model>> {
    vec![
        ModelBuilder::new("nlinear", 3)
            .input_size(6)
            .build()
            .unwrap(),
        ModelBuilder::new("nlinear", 3)
            .input_size(4)
            .alias("short")
            .loss("mqloss(level=[80])")
            .build()
            .unwrap(),
    ]
}

fn dataset() -> Dataset {
    let a: Vec<f32> = (0..12).map(|i| 10.0 + i as f32).collect();
    let b: Vec<f32> = (0..9).map(|i| 3.0 * i as f32 + 1.0).collect();
    Dataset::from_series(&[("a", &a), ("b", &b)])
}

/// A small valid file: two fitted NLinear models, a standard local scaler, the data.
fn sample_file() -> Vec<u8> {
    let models = models();
    let params: Vec<Vec<f32>> = models
        .iter()
        .map(|m| {
            (0..m.layout().len())
                .map(|i| i as f32 * 0.25 - 1.0)
                .collect()
        })
        .collect();
    let refs: Vec<Option<&[f32]>> = params.iter().map(|p| Some(&p[..])).collect();
    let ds = dataset();
    let sc = LocalScaler::fit(&ds, LocalScalerKind::Standard).unwrap();
    let roles = ColumnRoles::default();
    let state = Value::Object(vec![("fitted".into(), Value::Bool(true))]);
    encode(&SnapshotRef {
        freq: Freq::Integer(1),
        roles: &roles,
        local_scaler_kind: Some(LocalScalerKind::Standard),
        models: &models,
        params: &refs,
        local_scaler: Some(&sc),
        dataset: Some(&ds),
        state: &state,
    })
    .unwrap()
}

/// The file with section payloads replaced by `edit(tag, payload)`, resealed.
fn rewrite(file: &[u8], edit: impl Fn(&str, &[u8]) -> Vec<u8>) -> Vec<u8> {
    let c = Container::parse(file, "x").unwrap();
    let mut w = ContainerWriter::new();
    for s in &c.sections {
        let payload = edit(s.tag_str(), s.payload);
        w.section(&s.tag, |b| b.extend_from_slice(&payload));
    }
    w.finish()
}

fn edit_header(file: &[u8], from: &str, to: &str) -> Vec<u8> {
    rewrite(file, |tag, p| {
        if tag == "HEAD" {
            let text = std::str::from_utf8(p).unwrap();
            assert!(text.contains(from), "{from} not in {text}");
            text.replacen(from, to, 1).into_bytes()
        } else {
            p.to_vec()
        }
    })
}

fn error_of(bytes: &[u8]) -> String {
    let e = decode(bytes, "model.ndf").unwrap_err();
    assert_eq!(e.kind, ErrorKind::ModelFile, "{e}");
    assert_eq!(e.location.file.as_deref(), Some("model.ndf"), "{e}");
    e.to_string()
}

#[test]
fn a_file_round_trips_bit_for_bit() {
    let file = sample_file();
    let snap = decode(&file, "model.ndf").unwrap();
    let models = models();
    assert_eq!(snap.format_version, 1);
    assert_eq!(snap.library_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(snap.freq, Freq::Integer(1));
    assert_eq!(snap.roles, ColumnRoles::default());
    assert_eq!(snap.local_scaler_kind, Some(LocalScalerKind::Standard));
    assert_eq!(snap.models.len(), 2);
    for (a, b) in snap.models.iter().zip(&models) {
        assert_eq!(a.hyperparams(), b.hyperparams());
        assert_eq!(a.layout(), b.layout());
        assert_eq!(a.alias(), b.alias());
    }
    for (p, m) in snap.params.iter().zip(&models) {
        let p = p.as_ref().unwrap();
        assert_eq!(p.len(), m.layout().len());
        assert!(p
            .iter()
            .enumerate()
            .all(|(i, v)| v.to_bits() == (i as f32 * 0.25 - 1.0).to_bits()));
    }
    let ds = dataset();
    assert_eq!(snap.dataset.as_ref(), Some(&ds));
    assert_eq!(
        snap.local_scaler,
        Some(LocalScaler::fit(&ds, LocalScalerKind::Standard).unwrap())
    );
    assert_eq!(snap.state.get("fitted"), Some(&Value::Bool(true)));
    // Writing again gives the same bytes: the format is deterministic.
    assert_eq!(sample_file(), file);
}

#[test]
fn an_unfitted_configuration_round_trips() {
    let models = models();
    let roles = ColumnRoles {
        id_col: "store".into(),
        time_col: "date".into(),
        target_col: "sales".into(),
    };
    let state = Value::Object(Vec::new());
    let file = encode(&SnapshotRef {
        freq: Freq::MonthStart(1),
        roles: &roles,
        local_scaler_kind: Some(LocalScalerKind::Robust),
        models: &models,
        params: &[None, None],
        local_scaler: None,
        dataset: None,
        state: &state,
    })
    .unwrap();
    let snap = decode(&file, "m.ndf").unwrap();
    assert_eq!(snap.freq, Freq::MonthStart(1));
    assert_eq!(snap.roles, roles);
    assert_eq!(snap.local_scaler_kind, Some(LocalScalerKind::Robust));
    assert!(snap.params.iter().all(Option::is_none));
    assert!(snap.dataset.is_none() && snap.local_scaler.is_none());
    assert_eq!(snap.models[1].alias(), "short");
}

#[test]
fn not_a_model_file() {
    let e = error_of(b"unique_id,ds,y\na,1,2.0\n");
    assert_eq!(
        e,
        "model.ndf: not a neuro-divergent model file: it does not start with the model file \
         magic number"
    );
    assert!(error_of(b"").contains("the file is empty"));
    // CRLF → LF damage is recognised.
    let mut damaged = sample_file();
    damaged.remove(4);
    assert!(error_of(&damaged).contains("text-mode transfer"));
}

#[test]
fn a_future_format_version_is_refused_first() {
    let mut file = sample_file();
    file[8..12].copy_from_slice(&7u32.to_le_bytes());
    assert_eq!(
        error_of(&file),
        "model.ndf: written by a newer neuro-divergent: format 7, this build reads up to 1; \
         upgrade neuro-divergent to read it"
    );
    // Even when everything after the version is unreadable (a future layout).
    file.truncate(13);
    assert!(error_of(&file).contains("format 7, this build reads up to 1"));
}

#[test]
fn every_truncation_fails_cleanly_and_says_where() {
    let file = sample_file();
    for len in 0..file.len() {
        let e = decode(&file[..len], "model.ndf").unwrap_err();
        assert_eq!(e.kind, ErrorKind::ModelFile);
        let m = e.to_string();
        if len == 0 {
            assert!(m.contains("empty"), "{len}: {m}");
        } else {
            assert!(m.contains("truncated model file"), "{len}: {m}");
            assert!(m.contains(&format!("at byte {len}")), "{len}: {m}");
        }
    }
    // A cut inside the training data names that section.
    let outline = neuro_divergent::io::model_file::snapshot::outline(&file, "x").unwrap();
    let tags: Vec<&str> = outline.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(tags, ["HEAD", "PARM", "PARM", "LSCL", "DATA"]);
    let e = error_of(&file[..file.len() - 40]);
    assert!(
        e.contains("inside section 5 of 5, 'DATA' (training data)"),
        "{e}"
    );
    let e = error_of(&file[..file.len() - 2]);
    assert!(e.contains("inside the closing checksum"), "{e}");
    let e = error_of(&file[..HEADER_LEN + 3]);
    assert!(e.contains("inside the header of section 1"), "{e}");
}

#[test]
fn appended_bytes_are_an_error() {
    let mut file = sample_file();
    file.push(b'\n');
    assert!(error_of(&file).contains("1 unexpected bytes after its end"));
}

#[test]
fn a_changed_byte_is_a_checksum_mismatch() {
    let file = sample_file();
    let mut bad = file.clone();
    let at = file.len() / 2;
    bad[at] ^= 0x10;
    let e = error_of(&bad);
    assert!(
        e.starts_with("model.ndf: corrupted model file: checksum mismatch (stored 0x"),
        "{e}"
    );
    let mut bad = file.clone();
    bad[HEADER_LEN - 6] ^= 1; // the section count
    assert!(error_of(&bad).contains("header checksum mismatch"));
}

#[test]
fn an_unknown_model_name() {
    let file = edit_header(
        &sample_file(),
        "\"name\":\"nlinear\"",
        "\"name\":\"prophet\"",
    );
    let e = error_of(&file);
    assert!(
        e.contains(
            "model 1 of 2 is 'prophet', which this build of neuro-divergent does not know \
             (known: "
        ),
        "{e}"
    );
}

#[test]
fn a_parameter_blob_of_the_wrong_length() {
    let file = rewrite(&sample_file(), |tag, p| {
        let mut p = p.to_vec();
        if tag == "PARM" && p[0] == 1 {
            // Drop the last value and fix the count.
            p.truncate(p.len() - 4);
            let n = u64::from_le_bytes(p[4..12].try_into().unwrap()) - 1;
            p[4..12].copy_from_slice(&n.to_le_bytes());
        }
        p
    });
    let e = error_of(&file);
    assert!(
        e.contains("the parameter blob of model 'short' (section 'PARM' at byte")
            && e.contains("values, but its layout needs"),
        "{e}"
    );
}

#[test]
fn hyperparameters_that_change_the_layout_are_caught() {
    let file = edit_header(&sample_file(), "\"input_size\":6", "\"input_size\":7");
    let e = error_of(&file);
    assert!(
        e.contains("invalid model file header: models[0].params") && e.contains("[3, 7]"),
        "{e}"
    );
    let file = edit_header(&sample_file(), "\"input_size\":6", "\"input_size\":0");
    let e = error_of(&file);
    assert!(e.contains("its saved hyperparameters are rejected"), "{e}");
    let file = edit_header(&sample_file(), "\"input_size\":6", "\"input_size\":1e15");
    let e = error_of(&file);
    assert!(e.contains("is larger than"), "{e}");
}

#[test]
fn invalid_json_in_the_header() {
    let file = rewrite(&sample_file(), |tag, p| {
        if tag == "HEAD" {
            let mut p = p.to_vec();
            p.truncate(p.len() - 1); // drop the closing brace
            p
        } else {
            p.to_vec()
        }
    });
    let e = error_of(&file);
    assert!(
        e.starts_with("model.ndf: invalid JSON in the model file header (header, line 1"),
        "{e}"
    );
    let file = edit_header(&sample_file(), "\"freq\":\"1\"", "\"freq\":3");
    assert!(error_of(&file).contains("invalid model file header: 'freq' is not a string"));
}

#[test]
fn unknown_critical_sections_are_refused_and_optional_ones_skipped() {
    let mut w = ContainerWriter::new();
    let file = sample_file();
    let c = Container::parse(&file, "x").unwrap().sections;
    for s in &c {
        w.section(&s.tag, |b| b.extend_from_slice(s.payload));
    }
    w.section(b"note", |b| b.extend_from_slice(b"written by a test"));
    let file = w.finish();
    assert!(decode(&file, "m").is_ok());
    let mut w = ContainerWriter::new();
    for s in &c {
        w.section(&s.tag, |b| b.extend_from_slice(s.payload));
    }
    w.section(b"GRAD", |_| {});
    let e = error_of(&w.finish());
    assert!(
        e.contains("a section 'GRAD'") && e.contains("does not understand"),
        "{e}"
    );
}

#[test]
fn inconsistent_scaler_and_data_are_refused() {
    // A scaler state fitted on other data (one series) than the file's training data.
    let ds = dataset();
    let other = Dataset::from_series(&[("a", &[1.0, 2.0, 3.0])]);
    let models = models();
    let sc = LocalScaler::fit(&other, LocalScalerKind::MinMax).unwrap();
    let roles = ColumnRoles::default();
    let state = Value::Object(Vec::new());
    let file = encode(&SnapshotRef {
        freq: Freq::Integer(1),
        roles: &roles,
        local_scaler_kind: Some(LocalScalerKind::MinMax),
        models: &models,
        params: &[None, None],
        local_scaler: Some(&sc),
        dataset: Some(&ds),
        state: &state,
    })
    .unwrap();
    assert!(error_of(&file).contains("the local scaler covers 1 series"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any byte of the file changed to any other value: an error, never a panic; past the
    /// fixed header it is always reported as corruption by a checksum.
    #[test]
    fn byte_flips_are_caught(at in 0usize..10_000, xor in 1u8..=255) {
        let file = sample_file();
        let at = at % file.len();
        let mut bad = file.clone();
        bad[at] ^= xor;
        let e = decode(&bad, "m.ndf").unwrap_err();
        prop_assert_eq!(e.kind, ErrorKind::ModelFile);
        if at >= HEADER_LEN {
            prop_assert!(e.message.contains("checksum mismatch"), "{}: {}", at, e);
        }
    }

    /// Arbitrary sections survive the container byte for byte.
    #[test]
    fn container_round_trip(
        sections in proptest::collection::vec(
            (prop::sample::select(vec![*b"HEAD", *b"PARM", *b"DATA", *b"abc1", *b"Z  9"]),
             proptest::collection::vec(any::<u8>(), 0..200)),
            0..6,
        )
    ) {
        let mut w = ContainerWriter::new();
        for (tag, payload) in &sections {
            w.section(tag, |b| b.extend_from_slice(payload));
        }
        let file = w.finish();
        prop_assert_eq!(&file[..8], &MAGIC);
        let c = Container::parse(&file, "x").unwrap();
        prop_assert_eq!(c.sections.len(), sections.len());
        for (s, (tag, payload)) in c.sections.iter().zip(&sections) {
            prop_assert_eq!(&s.tag, tag);
            prop_assert_eq!(s.payload, &payload[..]);
        }
    }

    /// Resealed garbage after a valid header (what a fuzzer reaches): errors, never panics.
    #[test]
    fn resealed_garbage_is_an_error(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        keep in 0usize..4000,
    ) {
        let file = sample_file();
        let keep = keep % file.len();
        let mut bytes = file[..keep.max(HEADER_LEN)].to_vec();
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(&[0; 4]);
        reseal(&mut bytes);
        let _ = decode(&bytes, "m.ndf");
    }
}

// ---- NeuralForecast::save / load ----

mod forecaster {
    use super::*;
    use neuro_divergent::data::frame::{Column, Frame};
    use neuro_divergent::forecast::{example_frame, NeuralForecast};

    fn nlinear(h: usize, steps: usize) -> Box<dyn Model> {
        ModelBuilder::new("nlinear", h)
            .input_size(8)
            .max_steps(steps)
            .build()
            .unwrap()
    }

    fn assert_bitwise_equal(a: &Frame, b: &Frame) {
        assert_eq!(a.names(), b.names());
        for (x, y) in a.columns().iter().zip(b.columns()) {
            match (x, y) {
                (Column::Float(x), Column::Float(y)) => {
                    assert_eq!(x.len(), y.len());
                    assert!(x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits()));
                }
                _ => assert_eq!(x, y),
            }
        }
    }

    fn temp_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("nd-model-file-{}-{name}.ndf", std::process::id()))
    }

    #[test]
    fn save_then_load_predicts_bit_for_bit() {
        let df = example_frame(&[("a", 40), ("b", 30)]);
        let mut nf = NeuralForecast::new(vec![nlinear(4, 30)], Freq::Integer(1))
            .with_local_scaler(Some(LocalScalerKind::Standard));
        nf.fit(&df).unwrap();
        let before = nf.predict().unwrap();
        let path = temp_path("fitted");
        nf.save(&path).unwrap();
        let loaded = NeuralForecast::load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(loaded.is_fitted());
        assert_bitwise_equal(&loaded.predict().unwrap(), &before);
        // And the bytes are stable: saving the loaded forecaster writes the same file.
        assert_eq!(loaded.to_bytes().unwrap(), nf.to_bytes().unwrap());
    }

    #[test]
    fn mlp_dlinear_and_nlinear_together_predict_bit_for_bit_after_loading() {
        let df = example_frame(&[("a", 40), ("b", 30)]);
        let mlp = ModelBuilder::new("mlp", 4)
            .input_size(8)
            .max_steps(10)
            .set("hidden_size", 16)
            .build()
            .unwrap();
        let dlinear = ModelBuilder::new("dlinear", 4)
            .input_size(8)
            .max_steps(10)
            .set("moving_avg_window", 5)
            .build()
            .unwrap();
        let mut nf = NeuralForecast::new(vec![mlp, dlinear, nlinear(4, 10)], Freq::Integer(1));
        nf.fit(&df).unwrap();
        let back = NeuralForecast::from_bytes(&nf.to_bytes().unwrap(), "m.ndf").unwrap();
        assert_bitwise_equal(&back.predict().unwrap(), &nf.predict().unwrap());
    }

    #[test]
    fn nbeats_and_nbeatsx_predict_bit_for_bit_after_loading() {
        // Shared weights and PReLU: the layout's aliasing and the slope round-trip too.
        let df = example_frame(&[("a", 40), ("b", 30)]);
        let units = neuro_divergent::io::json::parse("[[8,8]]", "mlp_units").unwrap();
        let nbeats = ModelBuilder::new("nbeats", 4)
            .input_size(8)
            .max_steps(10)
            .set("mlp_units", units.clone())
            .set("n_blocks", vec![2usize, 1, 1])
            .set("shared_weights", true)
            .set("activation", "PReLU")
            .build()
            .unwrap();
        let nbeatsx = ModelBuilder::new("nbeatsx", 4)
            .input_size(8)
            .max_steps(10)
            .set("mlp_units", units.clone())
            .set("dropout_prob_theta", 0.1)
            .build()
            .unwrap();
        let mut nf = NeuralForecast::new(vec![nbeats, nbeatsx], Freq::Integer(1));
        nf.fit(&df).unwrap();
        let back = NeuralForecast::from_bytes(&nf.to_bytes().unwrap(), "m.ndf").unwrap();
        assert_bitwise_equal(&back.predict().unwrap(), &nf.predict().unwrap());
    }

    #[test]
    fn an_unfitted_forecaster_keeps_its_configuration() {
        let nf = NeuralForecast::new(vec![nlinear(3, 10)], Freq::MonthStart(1))
            .with_local_scaler(Some(LocalScalerKind::MinMax));
        let back = NeuralForecast::from_bytes(&nf.to_bytes().unwrap(), "m.ndf").unwrap();
        assert!(!back.is_fitted());
        assert_eq!(back.freq(), Freq::MonthStart(1));
        assert_eq!(back.models()[0].hyperparams(), nf.models()[0].hyperparams());
        assert_eq!(
            back.params()[0].values.as_slice(),
            nf.params()[0].values.as_slice()
        );
        assert!(back.predict().is_err());
    }

    #[test]
    fn loading_then_fitting_again_warm_starts_like_the_original() {
        let df = example_frame(&[("a", 40), ("b", 30)]);
        let mut nf = NeuralForecast::new(vec![nlinear(4, 20)], Freq::Integer(1));
        nf.fit(&df).unwrap();
        let mut loaded = NeuralForecast::from_bytes(&nf.to_bytes().unwrap(), "m.ndf").unwrap();
        let first = nf.params()[0].values.as_slice().to_vec();
        nf.fit(&df).unwrap();
        loaded.fit(&df).unwrap();
        // Both continued from the same weights: identical, and different from the first fit.
        assert_eq!(
            loaded.params()[0].values.as_slice(),
            nf.params()[0].values.as_slice()
        );
        assert_ne!(loaded.params()[0].values.as_slice(), &first[..]);
        assert_bitwise_equal(&loaded.predict().unwrap(), &nf.predict().unwrap());
    }

    #[test]
    fn load_errors_name_the_file() {
        let path = temp_path("missing");
        let e = NeuralForecast::load(&path).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Io);
        assert!(e.to_string().contains("nd-model-file-"), "{e}");
        let path = temp_path("csv");
        std::fs::write(&path, "unique_id,ds,y\n").unwrap();
        let e = NeuralForecast::load(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(e.kind, ErrorKind::ModelFile);
        assert!(
            e.to_string().contains("not a neuro-divergent model file"),
            "{e}"
        );
        let nf = NeuralForecast::new(vec![nlinear(4, 5)], Freq::Integer(1));
        let bytes = nf.to_bytes().unwrap();
        let e = NeuralForecast::from_bytes(&bytes[..bytes.len() - 9], "cut.ndf").unwrap_err();
        assert!(
            e.to_string().starts_with("cut.ndf: truncated model file"),
            "{e}"
        );
    }
}
