/** Where the page's scripts, stylesheet and Monaco workers are served. */
export const ASSETS_PATH = '/graphiql/assets';

/** The query GraphiQL opens with when the browser has none saved. */
export const DEFAULT_QUERY = `# Welcome to Concord. Press the run button (or Ctrl-Enter) to run this query;
# open the docs (book icon, top left) to browse the schema: every field says what it is.
{
  # One customer, by email, from the CRM, payments and analytics at once
  customer(email: "ada@example.com") {
    name
    company { name }
    lifetimeValue { formatted }
    payments(first: 3) {
      totalCount
      edges { node { amount { formatted } status createdAt } }
    }
    activity { eventCount lastSeenAt }
  }
  # The first page of every customer; pass pageInfo.endCursor as \`after\` for the next
  customers(first: 5) {
    edges { node { name email company { name } } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

export interface PageOptions {
  /** The GraphQL endpoint the page posts to (same origin). */
  endpoint: string;
  /** Headers the header editor starts with (e.g. the sandbox development token); empty for none. */
  headers: Record<string, string>;
}

/**
 * Only Concord's own origin: the page can neither load from nor send to anywhere else, even if a
 * dependency tried. Monaco sets inline styles, hence 'unsafe-inline' for styles only.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self'",
  "connect-src 'self'",
].join('; ');

/** JSON inside a <script> element: `<` escaped so no string in it can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** The HTML shell: config as inert JSON, then the bundle built by bundle.ts. */
export function renderGraphiQLPage({ endpoint, headers }: PageOptions): string {
  const config = {
    endpoint,
    assetsBase: ASSETS_PATH,
    headers: Object.keys(headers).length > 0 ? JSON.stringify(headers, null, 2) : '',
    defaultQuery: DEFAULT_QUERY,
  };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />
    <title>Concord · GraphiQL</title>
    <link rel="stylesheet" href="${ASSETS_PATH}/graphiql.css" />
    <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script type="application/json" id="concord-graphiql-config">${scriptJson(config)}</script>
    <script src="${ASSETS_PATH}/graphiql.js"></script>
  </body>
</html>
`;
}
