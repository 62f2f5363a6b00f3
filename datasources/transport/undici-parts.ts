/**
 * undici's Pool and error classes, imported by path rather than from the package's index: the index
 * also loads fetch, WebSocket, cookies and the mocks, and its cookies module reads
 * `globalThis.Headers`, which makes Node load its own bundled copy of undici as well (~10 MiB RSS at
 * idle, never used). The package has no `exports` map, so these paths are open to Node; the lockfile
 * pins the version they come from, and http-client's tests fail if the wiring below drifts.
 */
import api from 'undici/lib/api/index.js';
import undiciErrors from 'undici/lib/core/errors.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import Pool from 'undici/lib/dispatcher/pool.js';

// What undici's index does before exporting anything: request(), stream()… on every dispatcher.
Object.assign(Dispatcher.prototype, api);

export { Pool, undiciErrors };
