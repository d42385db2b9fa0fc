export {
  getGpu,
  getWebGPUInfo,
  type InitWebGPUOptions,
  initWebGPU,
  isWebGPUAvailable,
  LIMIT_NAMES,
  pickLimits,
  resetWebGPU,
  SWIFTSHADER_ICD,
  type WebGPUInfo,
  type WebGPULimits,
} from './device.js';
export {
  instrumentLoops,
  LOOP_BUDGET,
  type LoopChunk,
  type LoopChunkOptions,
  loopChunks,
  perLane,
} from './loops.js';
export { BufferPool, type BufferPoolOptions, bucketBytes, MIN_BYTES, type PoolStats } from './pool.js';
export {
  dispatch1D,
  PARAMS_BYTES,
  type RuntimeOptions,
  WebGPUError,
  WebGPURuntime,
  WGSL_PARAMS,
  wgslFlatIndex,
  wgslParams,
} from './runtime.js';
