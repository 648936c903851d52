//! Optimizer trajectories against torch.optim.
//!
//! The expected parameters were produced with PyTorch 2.x (CPU, float32) in /work/pyenv: one
//! `torch.nn.Parameter` p0 = P0; before each step `p.grad = 2·A·p + B` (the gradient of
//! Σ A·p² + B·p, computed in f32 in the same order here), then `opt.step()` (and
//! `scheduler.step()` where a schedule is named); the parameters after each step were printed
//! with 10 significant digits. Tolerance: 1e-6 relative (1e-6 absolute near zero).
#![allow(clippy::excessive_precision)] // the literals are the digits PyTorch printed

use neuro_divergent::kernels::table::{self, Kernels};
use neuro_divergent::optim::{AdamConfig, LrSchedule, Optimizer, SgdConfig};

const A: [f32; 5] = [0.5, 1.0, 2.0, 0.25, 1.5];
const B: [f32; 5] = [-1.0, 0.5, 0.25, 2.0, -0.75];
const P0: [f32; 5] = [1.0, -2.0, 0.5, 3.0, -0.25];

/// Runs `opt` for `want.len()` steps (with `schedule` setting the rate before each step) and
/// compares every step's parameters.
fn follow(
    k: &Kernels,
    what: &str,
    mut opt: Optimizer,
    schedule: Option<LrSchedule>,
    want: &[[f32; 5]],
) {
    let mut p = P0;
    for (t, expect) in want.iter().enumerate() {
        let g: Vec<f32> = (0..5).map(|i| 2.0 * A[i] * p[i] + B[i]).collect();
        if let Some(s) = schedule {
            opt.set_lr(s.lr_at(t as u64));
        }
        opt.step(k, &mut p, &g);
        for i in 0..5 {
            let (a, e) = (p[i], expect[i]);
            assert!(
                (a - e).abs() <= 1e-6 * e.abs().max(1.0),
                "{what} on {:?}, step {}, p[{i}] = {a:e}, torch {e:e}",
                k.isa,
                t + 1
            );
        }
    }
}

fn sgd(lr: f32, momentum: f32, dampening: f32, weight_decay: f32, nesterov: bool) -> Optimizer {
    let c = SgdConfig {
        lr,
        momentum,
        dampening,
        weight_decay,
        nesterov,
    };
    Optimizer::sgd(c, 5).unwrap()
}

#[test]
fn sgd_follows_torch() {
    let k = table::active();
    // SGD lr=0.1
    follow(k, "sgd", sgd(0.1, 0.0, 0.0, 0.0, false), None, &SGD_PLAIN);
    // SGD lr=0.1 momentum=0.9
    follow(
        k,
        "momentum",
        sgd(0.1, 0.9, 0.0, 0.0, false),
        None,
        &SGD_MOMENTUM,
    );
    // SGD lr=0.05 momentum=0.8 dampening=0.3 weight_decay=0.1 (the buffer starts as g)
    follow(
        k,
        "dampened",
        sgd(0.05, 0.8, 0.3, 0.1, false),
        None,
        &SGD_DAMPENED,
    );
    // SGD lr=0.1 momentum=0.9 nesterov weight_decay=0.01
    follow(
        k,
        "nesterov",
        sgd(0.1, 0.9, 0.0, 0.01, true),
        None,
        &SGD_NESTEROV,
    );
}

#[test]
fn adam_and_adamw_follow_torch_on_every_isa() {
    for k in table::all_supported() {
        let adam = |c: AdamConfig| Optimizer::adam(c, 5).unwrap();
        let lr = |lr: f32| AdamConfig {
            lr,
            ..AdamConfig::adam()
        };
        // Adam lr=0.1
        follow(k, "adam", adam(lr(0.1)), None, &ADAM);
        // Adam() with PyTorch's defaults
        follow(
            k,
            "adam defaults",
            adam(AdamConfig::adam()),
            None,
            &ADAM_DEFAULTS,
        );
        // Adam lr=0.1 betas=(0.8, 0.99) eps=1e-6 weight_decay=0.1
        let c = AdamConfig {
            lr: 0.1,
            betas: (0.8, 0.99),
            eps: 1e-6,
            weight_decay: 0.1,
            ..AdamConfig::adam()
        };
        follow(k, "adam l2", adam(c), None, &ADAM_L2);
        // AdamW lr=0.1 (weight_decay=1e-2 default)
        follow(
            k,
            "adamw",
            adam(AdamConfig {
                lr: 0.1,
                ..AdamConfig::adamw()
            }),
            None,
            &ADAMW,
        );
        // Adam lr=0.1 + StepLR(step_size=2, gamma=0.5), stepped after each optimizer step
        let s = LrSchedule::Step {
            base_lr: 0.1,
            step_size: 2,
            gamma: 0.5,
        };
        follow(k, "adam + steplr", adam(lr(0.1)), Some(s), &ADAM_STEPLR);
    }
}

#[test]
fn bad_hyperparameters_are_errors_naming_the_parameter() {
    let bad_sgd = [
        SgdConfig {
            lr: -1.0,
            ..SgdConfig::default()
        },
        SgdConfig {
            nesterov: true,
            ..SgdConfig::default()
        },
        SgdConfig {
            nesterov: true,
            momentum: 0.9,
            dampening: 0.1,
            ..SgdConfig::default()
        },
    ];
    for (c, name) in bad_sgd
        .into_iter()
        .zip(["'lr'", "'nesterov'", "'nesterov'"])
    {
        let e = Optimizer::sgd(c, 1).unwrap_err();
        assert!(e.to_string().contains(name), "{e}");
    }
    let c = AdamConfig {
        betas: (0.9, 1.0),
        ..AdamConfig::adam()
    };
    assert!(Optimizer::adam(c, 1)
        .unwrap_err()
        .to_string()
        .contains("'betas[1]'"));
    assert_eq!(AdamConfig::adamw().weight_decay, 1e-2);
    assert_eq!(AdamConfig::adam().eps, 1e-8);
}

/// torch.optim: SGD lr=0.1
const SGD_PLAIN: [[f32; 5]; 5] = [
    [
        1.000000000e+00,
        -1.649999976e+00,
        2.750000060e-01,
        2.650000095e+00,
        -9.999999404e-02,
    ],
    [
        1.000000000e+00,
        -1.370000005e+00,
        1.400000006e-01,
        2.317500114e+00,
        5.000002682e-03,
    ],
    [
        1.000000000e+00,
        -1.146000028e+00,
        5.900000036e-02,
        2.001625061e+00,
        7.850000262e-02,
    ],
    [
        1.000000000e+00,
        -9.668000340e-01,
        1.039999910e-02,
        1.701543808e+00,
        1.299500018e-01,
    ],
    [
        1.000000000e+00,
        -8.234400153e-01,
        -1.875999942e-02,
        1.416466594e+00,
        1.659650058e-01,
    ],
];
/// torch.optim: SGD lr=0.1 momentum=0.9
const SGD_MOMENTUM: [[f32; 5]; 5] = [
    [
        1.000000000e+00,
        -1.649999976e+00,
        2.750000060e-01,
        2.650000095e+00,
        -9.999999404e-02,
    ],
    [
        1.000000000e+00,
        -1.054999948e+00,
        -6.250000000e-02,
        2.002500057e+00,
        1.400000006e-01,
    ],
    [
        1.000000000e+00,
        -3.585000038e-01,
        -3.662500083e-01,
        1.119625092e+00,
        3.889999688e-01,
    ],
    [
        1.000000000e+00,
        2.900499105e-01,
        -5.181249976e-01,
        6.905630231e-02,
        5.713999271e-01,
    ],
    [
        1.000000000e+00,
        7.657348514e-01,
        -4.725624919e-01,
        -1.079908371e+00,
        6.391399503e-01,
    ],
];
/// torch.optim: SGD lr=0.05 momentum=0.8 dampening=0.3 weight_decay=0.1
const SGD_DAMPENED: [[f32; 5]; 5] = [
    [
        9.950000048e-01,
        -1.814999938e+00,
        3.849999905e-01,
        2.809999943e+00,
        -1.737499982e-01,
    ],
    [
        9.876924753e-01,
        -1.551097393e+00,
        2.290024906e-01,
        2.528990030e+00,
        -6.764812768e-02,
    ],
    [
        9.788203239e-01,
        -1.243469715e+00,
        6.259264052e-02,
        2.181073189e+00,
        5.082319677e-02,
    ],
    [
        9.690380096e-01,
        -9.234725833e-01,
        -8.826728910e-02,
        1.786937237e+00,
        1.663359404e-01,
    ],
    [
        9.589042068e-01,
        -6.170996428e-01,
        -2.050388753e-01,
        1.364102840e+00,
        2.669487000e-01,
    ],
];
/// torch.optim: SGD lr=0.1 momentum=0.9 nesterov weight_decay=0.01
const SGD_NESTEROV: [[f32; 5]; 5] = [
    [
        9.980999827e-01,
        -1.331200004e+00,
        7.154998183e-02,
        2.329299927e+00,
        3.547501937e-02,
    ],
    [
        9.957545996e-01,
        -6.326947212e-01,
        -2.131189406e-01,
        1.437660813e+00,
        2.793893516e-01,
    ],
    [
        9.932857156e-01,
        -5.322793871e-02,
        -3.061232567e-01,
        4.027912319e-01,
        4.237396717e-01,
    ],
    [
        9.909663200e-01,
        3.241653740e-01,
        -2.585064471e-01,
        -7.016331553e-01,
        4.620048106e-01,
    ],
    [
        9.890021086e-01,
        4.803916812e-01,
        -1.541751474e-01,
        -1.809138775e+00,
        4.220139384e-01,
    ],
];
/// torch.optim: Adam lr=0.1
const ADAM: [[f32; 5]; 5] = [
    [
        1.000000000e+00,
        -1.899999976e+00,
        4.000000060e-01,
        2.900000095e+00,
        -1.500000060e-01,
    ],
    [
        1.000000000e+00,
        -1.800196409e+00,
        3.009788096e-01,
        2.800040245e+00,
        -5.118741840e-02,
    ],
    [
        1.000000000e+00,
        -1.700738311e+00,
        2.039560974e-01,
        2.700147867e+00,
        4.512875527e-02,
    ],
    [
        1.000000000e+00,
        -1.601789117e+00,
        1.103345230e-01,
        2.600350857e+00,
        1.370846182e-01,
    ],
    [
        1.000000000e+00,
        -1.503527403e+00,
        2.196440846e-02,
        2.500677586e+00,
        2.221855819e-01,
    ],
];
/// torch.optim: Adam defaults (lr=1e-3)
const ADAM_DEFAULTS: [[f32; 5]; 5] = [
    [
        1.000000000e+00,
        -1.998999953e+00,
        4.990000129e-01,
        2.999000072e+00,
        -2.489999980e-01,
    ],
    [
        1.000000000e+00,
        -1.998000026e+00,
        4.980000556e-01,
        2.998000145e+00,
        -2.480000556e-01,
    ],
    [
        1.000000000e+00,
        -1.997000098e+00,
        4.970001876e-01,
        2.997000217e+00,
        -2.470002025e-01,
    ],
    [
        1.000000000e+00,
        -1.996000171e+00,
        4.960004091e-01,
        2.996000290e+00,
        -2.460004687e-01,
    ],
    [
        1.000000000e+00,
        -1.995000243e+00,
        4.950007796e-01,
        2.995000362e+00,
        -2.450008839e-01,
    ],
];
/// torch.optim: Adam lr=0.1 betas=(0.8, 0.99) eps=1e-6 weight_decay=0.1
const ADAM_L2: [[f32; 5]; 5] = [
    [
        9.000009894e-01,
        -1.899999976e+00,
        4.000000358e-01,
        2.900000095e+00,
        -1.500000507e-01,
    ],
    [
        8.451412916e-01,
        -1.800352454e+00,
        3.015094995e-01,
        2.800087690e+00,
        -5.182805657e-02,
    ],
    [
        8.534553051e-01,
        -1.701317787e+00,
        2.060071677e-01,
        2.700322151e+00,
        4.262042791e-02,
    ],
    [
        8.894373178e-01,
        -1.603173733e+00,
        1.154103726e-01,
        2.600762606e+00,
        1.308062673e-01,
    ],
    [
        9.278184175e-01,
        -1.506213546e+00,
        3.207615018e-02,
        2.501467466e+00,
        2.095845193e-01,
    ],
];
/// torch.optim: AdamW lr=0.1 (weight_decay=1e-2 default)
const ADAMW: [[f32; 5]; 5] = [
    [
        9.990000129e-01,
        -1.898000002e+00,
        3.995000124e-01,
        2.897000074e+00,
        -1.497499943e-01,
    ],
    [
        1.072413683e+00,
        -1.796303511e+00,
        3.000872135e-01,
        2.794144392e+00,
        -5.079260468e-02,
    ],
    [
        1.008259892e+00,
        -1.695062876e+00,
        2.027884722e-01,
        2.691461325e+00,
        4.556049407e-02,
    ],
    [
        9.493237734e-01,
        -1.594445467e+00,
        1.090148613e-01,
        2.588979244e+00,
        1.374447495e-01,
    ],
    [
        9.393457770e-01,
        -1.494634032e+00,
        2.062527835e-02,
        2.486727238e+00,
        2.223699093e-01,
    ],
];
/// torch.optim: Adam lr=0.1 + StepLR(step_size=2, gamma=0.5), 6 steps
const ADAM_STEPLR: [[f32; 5]; 6] = [
    [
        1.000000000e+00,
        -1.899999976e+00,
        4.000000060e-01,
        2.900000095e+00,
        -1.500000060e-01,
    ],
    [
        1.000000000e+00,
        -1.800196409e+00,
        3.009788096e-01,
        2.800040245e+00,
        -5.118741840e-02,
    ],
    [
        1.000000000e+00,
        -1.750467420e+00,
        2.524674535e-01,
        2.750093937e+00,
        -3.029331565e-03,
    ],
    [
        1.000000000e+00,
        -1.700894833e+00,
        2.049166262e-01,
        2.700178862e+00,
        4.390406981e-02,
    ],
    [
        1.000000000e+00,
        -1.676194906e+00,
        1.817044318e-01,
        2.675238371e+00,
        6.664237380e-02,
    ],
    [
        1.000000000e+00,
        -1.651569724e+00,
        1.590012163e-01,
        2.650312662e+00,
        8.871212602e-02,
    ],
];
