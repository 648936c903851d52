//! Vector approximations of exp, log, tanh, sigmoid and erf, generic over the tier; their
//! constants live here once and every tier shares them.
