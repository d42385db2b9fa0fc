/**
 * fast-check, loaded when it is installed. It is an optional peer dependency: gradcheck,
 * gradgradcheck and the tolerances work without it, and the arbitraries (generalMatrix,
 * spdMatrix, shapeArb, …) throw an error that names the package to install when it is missing.
 * This is the only module of linagrad/gradcheck that imports fast-check.
 */

// The two type aliases below are the only references to fast-check's types. Their one-line doc
// comments carry @ts-ignore into the published .d.ts (tsc keeps doc comments there, not line
// comments), so a project without fast-check installed gets `any` instead of error TS2307.

// biome-ignore lint/suspicious/noTsIgnore: must hold with and without fast-check installed (not expect-error)
/** @ts-ignore The fast-check module (an optional peer dependency; `any` when it is not installed). */
export type FastCheck = typeof import('fast-check');

// biome-ignore lint/suspicious/noTsIgnore: as above
/** @ts-ignore fast-check's Arbitrary, the type of every arbitrary of linagrad/gradcheck. */
export type Arbitrary<T> = import('fast-check').Arbitrary<T>;

/** Why fast-check could not be loaded, or null when it was. */
let missing: string | null = null;
const loaded: FastCheck | null = await import('fast-check').then(
  (m: FastCheck) => m,
  (e: unknown) => {
    missing = e instanceof Error ? e.message : String(e);
    return null;
  },
);

function missingError(what: string): Error {
  return new Error(
    `linagrad/gradcheck: ${what} needs fast-check, an optional peer dependency that is not installed ` +
      `(${missing}). Install it next to linagrad: npm install --save-dev fast-check`,
  );
}

/** A stand-in that throws the missing-package error on any use. */
function missingProxy<T extends object>(what: (key: string) => string): T {
  return new Proxy({} as T, {
    get(_, key) {
      if (key === 'then') return undefined; // not a thenable
      throw missingError(what(String(key)));
    },
  });
}

/** fast-check itself (throws on use when it is not installed). */
export const fc: FastCheck = loaded ?? missingProxy((key) => `fc.${key}`);

/** An arbitrary made at module load, or a stand-in that throws on use when fast-check is missing. */
export function lazyArbitrary<T>(name: string, make: () => Arbitrary<T>): Arbitrary<T> {
  return loaded ? make() : missingProxy(() => name);
}

/** True when fast-check was found. */
export function hasFastCheck(): boolean {
  return loaded !== null;
}
