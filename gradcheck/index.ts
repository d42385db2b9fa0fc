/**
 * `linagrad/gradcheck`: gradient checking (gradcheck, gradgradcheck), fast-check arbitraries for
 * test matrices and tensors, OpInfo-style op-table helpers, and condition-aware tolerances.
 * @module
 */
import type { Device } from '../src/index.js';
import { type Tensor, tensor } from '../src/index.js';
import type { TensorSample } from './tensor-arbitraries.js';

export {
  type CondOptions,
  type DistinctSvOptions,
  describeSample,
  distinctSingularValuesMatrix,
  type GeneralOptions,
  generalMatrix,
  type MatrixOptions,
  type MatrixSample,
  type RankOptions,
  rankDeficientMatrix,
  type SymmetricOptions,
  spdMatrix,
  symmetricMatrix,
  type TriangularOptions,
  triangularMatrix,
  wellConditionedMatrix,
} from './arbitraries.js';
export {
  complexGeneralMatrix,
  complexWellConditionedMatrix,
  type HermitianOptions,
  hermitianMatrix,
  hpdMatrix,
  unitaryMatrix,
} from './arbitraries-complex.js';
export {
  GradcheckError,
  type GradcheckFn,
  type GradcheckOptions,
  type GradcheckOutput,
} from './common.js';
export { gradcheck } from './gradcheck.js';
export { type GradgradcheckOptions, type GradOutputsArg, gradgradcheck } from './gradgradcheck.js';
export {
  type AnyOpDef,
  binary,
  type CaseGroup,
  type CheckKind,
  type CheckScope,
  type CheckSettings,
  COMPLEX_DTYPES,
  caseDType,
  caseGroups,
  casesOf,
  caseTensors,
  complexCase,
  describeCase,
  dimIn,
  dimsArb,
  type EntryDTypes,
  type ErrorCase,
  entry,
  entryDTypes,
  FLOAT_AND_COMPLEX_DTYPES,
  FLOAT_DTYPES,
  fixed,
  floatOnly,
  GRADIENT_CHECKS,
  hasComplexVariants,
  type InputSpec,
  inputDType,
  isComplexDType,
  type MakeTensor,
  type OpCase,
  type OpEntry,
  type Skip,
  seedArb,
  shaped,
  skipReason,
  type TableCheck,
  type TableDType,
  unary,
  type WebGPUSettings,
} from './op-info.js';
export {
  broadcastShapesArb,
  type GridOptions,
  grid,
  oneOf,
  type Sampler,
  type ShapeOptions,
  sampleFromSeed,
  samplesArb,
  samplesFromSeed,
  shapeArb,
  signed,
  sizeArb,
  type TensorSample,
  tensorSampleArb,
  uniform,
} from './tensor-arbitraries.js';
export {
  type AgreementToleranceOptions,
  type AllCloseOptions,
  agreementTolerance,
  allClose,
  BACKWARD_ERROR_CONSTANT,
  eps,
  type LinalgToleranceOptions,
  linalgTolerance,
  MAX_RTOL,
  maxRelError,
  type NumericArray,
  type RealDType,
  type RelErrorReport,
  type Tolerance,
} from './tolerance.js';

/** Options of {@link sampleToTensor}. */
export interface SampleToTensorOptions {
  /** Default float64 on cpu and float32 on webgpu (which has no float64). */
  dtype?: 'float32' | 'float64';
  /** Default 'cpu'. */
  device?: Device;
  /** Make the tensor a leaf that requires grad (default false). */
  requiresGrad?: boolean;
}

/** A tensor of shape `sample.shape` holding the sample's entries (a MatrixSample or TensorSample). */
export function sampleToTensor(sample: TensorSample, opts: SampleToTensorOptions = {}): Tensor {
  const device = opts.device ?? 'cpu';
  const dtype = opts.dtype ?? (device === 'webgpu' ? 'float32' : 'float64');
  const t = tensor(sample.data, { shape: [...sample.shape], dtype, device });
  return opts.requiresGrad ? t.requiresGrad_() : t;
}
