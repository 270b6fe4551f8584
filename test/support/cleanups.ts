// A per-test cleanup registry. Importing this module registers an afterEach in the importing test file
// that runs every registered cleanup, last registered first.
import { afterEach } from "vitest";

export type Cleanup = () => Promise<void> | void;

export const cleanups: Cleanup[] = [];

afterEach(async () => {
  // Every cleanup runs (temp dirs go even when a check fails); the first failure then fails the test.
  const errors: unknown[] = [];
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length > 0) throw errors[0];
});
