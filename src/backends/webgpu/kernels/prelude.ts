/**
 * Infinity and NaN for WGSL. Constant expressions may not produce them, so they are read from
 * private variables, which the compiler does not fold.
 */
export const WGSL_NONFINITE = `var<private> F32_INF_BITS: u32 = 0x7f800000u;
var<private> F32_NAN_BITS: u32 = 0x7fc00000u;
fn f32Inf() -> f32 { return bitcast<f32>(F32_INF_BITS); }
fn f32NaN() -> f32 { return bitcast<f32>(F32_NAN_BITS); }`;
