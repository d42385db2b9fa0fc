import { GradcheckError } from '../../gradcheck/index.js';

/** The message of a failed gradient check ('' when it passes); other errors propagate. */
export function failure(run: () => boolean): string {
  try {
    run();
    return '';
  } catch (e) {
    if (!(e instanceof GradcheckError)) throw e;
    return e.message;
  }
}
