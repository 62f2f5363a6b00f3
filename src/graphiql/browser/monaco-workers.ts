/**
 * Tells Monaco where its workers are: scripts served by Concord under /graphiql/assets, built by
 * src/graphiql/bundle.ts. Imported before GraphiQL so the editors never look anywhere else.
 */
const WORKER_FOR_LABEL: Record<string, string> = { json: 'json.worker.js', graphql: 'graphql.worker.js' };

export function installMonacoWorkers(assetsBase: string): void {
  const environment = {
    getWorker(_workerId: string, label: string): Worker {
      return new Worker(`${assetsBase}/${WORKER_FOR_LABEL[label] ?? 'editor.worker.js'}`);
    },
  };
  Object.assign(globalThis, { MonacoEnvironment: environment });
}
