import { GraphiQL, type GraphiQLProps } from 'graphiql';
import { getOperationAST, parse } from 'graphql';
import { createClient } from 'graphql-ws';
import 'graphiql/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installMonacoWorkers } from './monaco-workers.js';

/** What the server puts in the page (see src/graphiql/page.ts). */
interface PageConfig {
  endpoint: string;
  assetsBase: string;
  /** JSON text for the header editor (e.g. the sandbox development token). */
  headers: string;
  defaultQuery: string;
}

function readConfig(): PageConfig {
  const element = document.getElementById('concord-graphiql-config');
  if (!element?.textContent) throw new Error('GraphiQL page config is missing');
  return JSON.parse(element.textContent) as PageConfig;
}

const config = readConfig();
installMonacoWorkers(config.assetsBase);

type FetcherResult = Awaited<ReturnType<GraphiQLProps['fetcher']>>;

function isSubscription(query: string, operationName: string | null | undefined): boolean {
  try {
    return getOperationAST(parse(query), operationName ?? undefined)?.operation === 'subscription';
  } catch {
    // Unparsable text goes over HTTP, whose answer says what is wrong with it.
    return false;
  }
}

/** Subscriptions over graphql-ws at the same path; the header editor's token goes in connection_init. */
function subscribeOverWebSocket(
  params: Parameters<GraphiQLProps['fetcher']>[0],
  headers: Record<string, string> | undefined,
): AsyncIterableIterator<unknown> {
  const url = new URL(config.endpoint, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const client = createClient({ url: url.href, connectionParams: headers ?? {}, retryAttempts: 0 });
  const results = client.iterate({
    query: params.query,
    operationName: params.operationName ?? null,
    variables: (params.variables ?? {}) as Record<string, unknown>,
  });
  // Stopping the subscription in GraphiQL closes its connection too.
  const stop = results.return?.bind(results);
  results.return = async (value?: unknown) => {
    const done = (await stop?.(value)) ?? { done: true as const, value: undefined };
    await client.dispose();
    return done;
  };
  return results;
}

const fetcher: GraphiQLProps['fetcher'] = async (params, options) => {
  if (isSubscription(params.query, params.operationName)) {
    return subscribeOverWebSocket(params, options?.headers) as unknown as FetcherResult;
  }
  const response = await fetch(config.endpoint, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...options?.headers,
    },
    body: JSON.stringify(params),
  });
  return (await response.json()) as FetcherResult;
};

const root = document.getElementById('graphiql');
if (!root) throw new Error('GraphiQL root element is missing');
createRoot(root).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={config.defaultQuery}
      initialHeaders={config.headers}
      defaultEditorToolsVisibility={config.headers !== '' ? 'headers' : false}
    />
  </StrictMode>,
);
