//! The Adam / AdamW update, scalar reference.
use crate::ops::adam::AdamStep;

pub fn step(_step: &AdamStep, _params: &mut [f32], _grads: &[f32], _m: &mut [f32], _v: &mut [f32]) {
    todo!()
}
