import { type RuntimeOptions, WebGPURuntime } from './runtime.js';

/**
 * What initWebGPU found: the adapter, the Dawn backend, the feature level and the limits.
 * @example
 * const info = await initWebGPU();
 * console.log(info.adapter, info.backend, info.featureLevel);
 */
export interface WebGPUInfo {
  /** Vendor / architecture / device / description, as the adapter reports them. */
  adapter: string;
  /** Dawn backend in Node ('vulkan', 'opengles', or 'default' off Linux); 'navigator.gpu' in a browser. */
  backend: string;
  /** 'core' (Vulkan, Metal, D3D12) or 'compatibility' (OpenGL ES). */
  featureLevel: 'core' | 'compatibility';
  /** The device limits linagrad sizes its dispatches by. */
  limits: WebGPULimits;
}

/** The limits that matter to linagrad's kernels (copied from the device). */
export interface WebGPULimits {
  maxStorageBuffersPerShaderStage: number;
  maxComputeWorkgroupsPerDimension: number;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupSizeY: number;
  maxComputeWorkgroupSizeZ: number;
  maxUniformBufferBindingSize: number;
}

export const LIMIT_NAMES: readonly (keyof WebGPULimits)[] = [
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxUniformBufferBindingSize',
];

/** @internal */
export function pickLimits(limits: GPUSupportedLimits): WebGPULimits {
  const out = {} as WebGPULimits;
  for (const k of LIMIT_NAMES) out[k] = Number(limits[k]);
  return out;
}

/**
 * Options of initWebGPU.
 * @example
 * await initWebGPU({ backend: 'opengles', powerPreference: 'high-performance' });
 */
export interface InitWebGPUOptions {
  /** Node only: force a Dawn backend. Default: env LINAGRAD_WEBGPU_BACKEND, else automatic. */
  backend?: string;
  /** Passed to requestAdapter (as GPURequestAdapterOptions.powerPreference). */
  powerPreference?: 'low-power' | 'high-performance';
  /** Tuning of the command batching and buffer pool (advanced). */
  runtime?: RuntimeOptions;
}

/** Where Debian's `chromium` package puts SwiftShader's Vulkan driver manifest. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const INSTALL_HINT =
  'On Debian/Ubuntu without a GPU run `sudo scripts/setup-webgpu.sh` (installs `chromium` and `libvulkan1` ' +
  'for the SwiftShader Vulkan adapter; `--opengles` installs `libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri` ' +
  'for Mesa llvmpipe instead), or install a GPU driver. LINAGRAD_WEBGPU_BACKEND=vulkan|opengles forces a backend.';

interface Attempt {
  backend: string;
  createArgs: string[];
  featureLevel: 'core' | 'compatibility';
}

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

let runtime: WebGPURuntime | null = null;
let info: WebGPUInfo | null = null;
let pending: Promise<WebGPUInfo> | null = null;
/** The Dawn instance (Node): the device lives as long as it is referenced. */
const keepAlive: { gpu: GPU | null } = { gpu: null };

/**
 * Finds an adapter, creates the device and the runtime. Once it has succeeded, later calls return
 * the same info (and ignore `opts`) until `resetWebGPU()`.
 * @example
 * await initWebGPU(); // Node: the webgpu package (Dawn); browsers: navigator.gpu
 * const A = tensor([[2, 1], [1, 3]], { device: 'webgpu', dtype: 'float32' });
 * console.log(await linalg.inv(A).array());
 */
export function initWebGPU(opts: InitWebGPUOptions = {}): Promise<WebGPUInfo> {
  if (info && runtime) return Promise.resolve(info);
  pending ??= init(opts).finally(() => {
    pending = null;
  });
  return pending;
}

/**
 * True once `initWebGPU` has succeeded (and the device has not been lost or reset).
 * @example
 * if (!isWebGPUAvailable()) await initWebGPU().catch(() => undefined);
 */
export function isWebGPUAvailable(): boolean {
  return runtime !== null;
}

export function getGpu(): WebGPURuntime {
  if (!runtime) throw new Error('WebGPU is not initialised: call await initWebGPU() first');
  return runtime;
}

/**
 * The info initWebGPU returned, or null before it has succeeded.
 * @example
 * getWebGPUInfo()?.adapter; // e.g. 'Google SwiftShader'
 */
export function getWebGPUInfo(): WebGPUInfo | null {
  return info;
}

/**
 * Destroys the device and every buffer (for tests); `initWebGPU` may be called again.
 * @example
 * await resetWebGPU(); // every webgpu tensor is gone; call initWebGPU() to use webgpu again
 */
export async function resetWebGPU(): Promise<void> {
  if (pending) await pending.catch(() => undefined);
  const rt = runtime;
  runtime = null;
  info = null;
  keepAlive.gpu = null;
  rt?.destroy();
}

async function init(opts: InitWebGPUOptions): Promise<WebGPUInfo> {
  const browserGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  const failures: string[] = [];
  if (browserGpu) {
    for (const featureLevel of ['core', 'compatibility'] as const) {
      const found = await tryAdapter(
        browserGpu,
        { backend: 'navigator.gpu', createArgs: [], featureLevel },
        opts,
      );
      if (typeof found !== 'string') return finish(found, null, opts);
      failures.push(found);
    }
  } else if (isNode) {
    await prepareNodeEnv();
    const dawn = await loadDawn();
    for (const attempt of nodeAttempts(opts.backend ?? process.env.LINAGRAD_WEBGPU_BACKEND)) {
      let gpu: GPU;
      try {
        gpu = dawn.create(attempt.createArgs);
      } catch (e) {
        failures.push(`${attempt.backend}/${attempt.featureLevel}: ${errorText(e)}`);
        continue;
      }
      const found = await tryAdapter(gpu, attempt, opts);
      if (typeof found !== 'string') return finish(found, gpu, opts);
      failures.push(found);
    }
  } else {
    throw new Error('WebGPU is not available: this environment has no navigator.gpu and is not Node.js');
  }
  throw new Error(
    `WebGPU: no usable adapter (tried ${failures.join('; ')}).${await missingHint()} ${INSTALL_HINT}`,
  );
}

interface Found {
  device: GPUDevice;
  info: WebGPUInfo;
}

async function tryAdapter(gpu: GPU, attempt: Attempt, opts: InitWebGPUOptions): Promise<Found | string> {
  const label = `${attempt.backend}/${attempt.featureLevel}`;
  try {
    const request: GPURequestAdapterOptions & { featureLevel?: string } = {
      featureLevel: attempt.featureLevel,
    };
    if (opts.powerPreference) request.powerPreference = opts.powerPreference;
    const adapter = await gpu.requestAdapter(request);
    if (!adapter) return `${label}: no adapter`;
    const requiredLimits: Record<string, number> = {};
    for (const k of LIMIT_NAMES) {
      const v = adapter.limits[k];
      if (typeof v === 'number') requiredLimits[k] = v;
    }
    const requiredFeatures: GPUFeatureName[] = [];
    // In compatibility mode, ask for core when the adapter can do it (it lifts the compat limits).
    if (adapter.features.has('core-features-and-limits')) requiredFeatures.push('core-features-and-limits');
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
    const core = attempt.featureLevel === 'core' || device.features.has('core-features-and-limits');
    const a = (adapter as { info?: GPUAdapterInfo }).info;
    const parts = [a?.vendor, a?.architecture, a?.device, a?.description].filter((p): p is string => !!p);
    const deviceInfo: WebGPUInfo = {
      adapter: [...new Set(parts)].join(' / ') || 'unknown adapter',
      backend: attempt.backend,
      featureLevel: core ? 'core' : 'compatibility',
      limits: pickLimits(device.limits),
    };
    return { device, info: deviceInfo };
  } catch (e) {
    return `${label}: ${errorText(e)}`;
  }
}

function finish(found: Found, gpu: GPU | null, opts: InitWebGPUOptions): WebGPUInfo {
  const { device } = found;
  const rt = new WebGPURuntime(device, found.info.limits, opts.runtime);
  let warned = false;
  device.addEventListener('uncapturederror', (ev) => {
    if (warned) return;
    warned = true;
    console.warn(`linagrad WebGPU: uncaptured device error (further ones not shown): ${ev.error.message}`);
  });
  void device.lost.then((lost) => {
    rt.markLost(`device lost (${lost.reason}): ${lost.message}`);
    if (runtime !== rt) return;
    runtime = null;
    info = null;
    keepAlive.gpu = null;
    if (lost.reason !== 'destroyed') console.warn(`linagrad WebGPU: device lost: ${lost.message}`);
  });
  runtime = rt;
  info = found.info;
  keepAlive.gpu = gpu;
  return found.info;
}

function nodeAttempts(forced: string | undefined): Attempt[] {
  const both = (backend: string, args: string[]): Attempt[] => [
    { backend, createArgs: args, featureLevel: 'core' },
    { backend, createArgs: args, featureLevel: 'compatibility' },
  ];
  const choice = (forced ?? '').trim().toLowerCase();
  if (choice === 'opengles' || choice === 'opengl') {
    return [{ backend: choice, createArgs: [`backend=${choice}`], featureLevel: 'compatibility' }];
  }
  if (choice && choice !== 'auto') return both(choice, [`backend=${choice}`]);
  if (process.platform === 'linux') {
    return [
      { backend: 'vulkan', createArgs: ['backend=vulkan'], featureLevel: 'core' },
      { backend: 'opengles', createArgs: ['backend=opengles'], featureLevel: 'compatibility' },
    ];
  }
  return both('default', []);
}

/** Environment Dawn and its drivers read when they load; set only what is unset, before loading. */
async function prepareNodeEnv(): Promise<void> {
  if (process.platform !== 'linux') return;
  const fs = await import('node:fs');
  const env = process.env;
  if (!env.XDG_RUNTIME_DIR) env.XDG_RUNTIME_DIR = await privateRuntimeDir();
  env.EGL_PLATFORM ??= 'surfaceless';
  // VK_ADD_DRIVER_FILES adds SwiftShader next to any real GPU driver (VK_ICD_FILENAMES would hide them).
  const vulkanSet = env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES || env.VK_ADD_DRIVER_FILES;
  if (!vulkanSet && fs.existsSync(SWIFTSHADER_ICD)) env.VK_ADD_DRIVER_FILES = SWIFTSHADER_ICD;
}

async function privateRuntimeDir(): Promise<string> {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const uid = process.getuid?.() ?? 0;
  const dir = path.join(os.tmpdir(), `linagrad-xdg-${uid}`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.statSync(dir);
    if (st.uid === uid && (st.mode & 0o077) === 0) return dir;
  } catch {
    // fall through to a fresh directory
  }
  return fs.mkdtempSync(path.join(os.tmpdir(), 'linagrad-xdg-'));
}

async function loadDawn(): Promise<DawnModule> {
  const name = 'webgpu';
  let mod: DawnModule;
  try {
    mod = (await import(/* @vite-ignore */ name)) as DawnModule;
  } catch (e) {
    throw new Error(
      'WebGPU in Node.js needs the optional dependency `webgpu` (Dawn): run `npm install webgpu`, ' +
        `then \`sudo scripts/setup-webgpu.sh\` if the machine has no GPU. (${errorText(e)})`,
    );
  }
  // Dawn's README installs its globals (GPUBufferUsage, GPUBuffer, ...); add only the missing ones.
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in g)) g[k] = v;
  return mod;
}

async function missingHint(): Promise<string> {
  if (typeof process === 'undefined' || process.platform !== 'linux') return '';
  const fs = await import('node:fs');
  const hints: string[] = [];
  if (!fs.existsSync(SWIFTSHADER_ICD)) hints.push(`SwiftShader is missing (no ${SWIFTSHADER_ICD})`);
  const libvulkan = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1'];
  if (!libvulkan.some((p) => fs.existsSync(p))) hints.push('the Vulkan loader libvulkan.so.1 is missing');
  return hints.length ? ` ${hints.join('; ')}.` : '';
}

function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]!.slice(0, 300);
}
