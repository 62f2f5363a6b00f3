import { GraphiQL, type GraphiQLProps } from 'graphiql';
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

const fetcher: GraphiQLProps['fetcher'] = async (params, options) => {
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
  return (await response.json()) as Awaited<ReturnType<GraphiQLProps['fetcher']>>;
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
