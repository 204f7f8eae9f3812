/**
 * vitest globalSetup of the end-to-end project: builds the server bundle (dist/) once before
 * any test file starts a server, so the tests run exactly what `pnpm tessera serve` runs, built
 * from the sources under test.
 */
import { buildServerBundle } from "../../scripts/build-server.js";

export default function setup(): void {
  buildServerBundle({ quiet: true });
}
