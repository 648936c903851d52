//! Any bytes, read as a model file: an error or a model, never a panic, and whatever reads
//! successfully writes back and reads again. The first byte picks how the rest is used, so
//! the fuzzer reaches past the checksums into the section decoders:
//! - mode 0: the bytes as they are (magic, version, length and checksum checks);
//! - mode 1: the bytes with their length and checksums recomputed (`reseal`);
//! - mode 2: a valid sample file with bytes patched at (u16 position, value) pairs, resealed;
//! - mode 3: the sample file with its JSON header replaced by the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neuro_divergent::data::dataset::Dataset;
use neuro_divergent::data::frame::ColumnRoles;
use neuro_divergent::data::freq::Freq;
use neuro_divergent::data::scalers::local::{LocalScaler, LocalScalerKind};
use neuro_divergent::io::json::Value;
use neuro_divergent::io::model_file::format::{reseal, Container, ContainerWriter};
use neuro_divergent::io::model_file::{decode, encode, SnapshotRef};
use neuro_divergent::models::ModelBuilder;
use std::sync::OnceLock;

fn sample() -> &'static [u8] {
    static SAMPLE: OnceLock<Vec<u8>> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let models = vec![ModelBuilder::new("nlinear", 2)
            .input_size(3)
            .build()
            .expect("a valid model")];
        let params: Vec<f32> = (0..models[0].layout().len()).map(|i| i as f32).collect();
        let ds = Dataset::from_series(&[("a", &[1.0, 2.0, 3.0, 4.0, 5.0]), ("b", &[2.0; 6])]);
        let sc = LocalScaler::fit(&ds, LocalScalerKind::Robust).expect("fits");
        let state = Value::Object(Vec::new());
        encode(&SnapshotRef {
            freq: Freq::Integer(1),
            roles: &ColumnRoles::default(),
            local_scaler_kind: Some(LocalScalerKind::Robust),
            models: &models,
            params: &[Some(&params)],
            local_scaler: Some(&sc),
            dataset: Some(&ds),
            state: &state,
        })
        .expect("encodes")
    })
}

fn check(bytes: &[u8]) {
    let Ok(snap) = decode(bytes, "fuzz.ndf") else {
        return;
    };
    let params: Vec<Option<&[f32]>> = snap.params.iter().map(|p| p.as_deref()).collect();
    let again = encode(&SnapshotRef {
        freq: snap.freq,
        roles: &snap.roles,
        local_scaler_kind: snap.local_scaler_kind,
        models: &snap.models,
        params: &params,
        local_scaler: snap.local_scaler.as_ref(),
        dataset: snap.dataset.as_ref(),
        state: &snap.state,
    })
    .expect("what was read can be written");
    decode(&again, "fuzz.ndf").expect("what was written reads back");
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode & 3 {
        0 => check(rest),
        1 => {
            let mut bytes = rest.to_vec();
            reseal(&mut bytes);
            check(&bytes);
        }
        2 => {
            let mut bytes = sample().to_vec();
            for p in rest.chunks_exact(3) {
                let at = u16::from_le_bytes([p[0], p[1]]) as usize % bytes.len();
                bytes[at] = p[2];
            }
            reseal(&mut bytes);
            check(&bytes);
        }
        _ => {
            let c = Container::parse(sample(), "sample").expect("the sample parses");
            let mut w = ContainerWriter::new();
            for s in &c.sections {
                let payload = if &s.tag == b"HEAD" { rest } else { s.payload };
                w.section(&s.tag, |b| b.extend_from_slice(payload));
            }
            check(&w.finish());
        }
    }
});
