import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const assetsDir = dirname(require.resolve('swagger-ui-dist/package.json'));

/** The only files served from swagger-ui-dist, with their content types. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
  'oauth2-redirect.html': 'text/html; charset=utf-8',
};

/** The `/docs` page: Swagger UI from the local swagger-ui-dist package, no CDN. */
export function swaggerHtml(assetsBase = '/docs'): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Kit example API - Swagger UI</title>
  <link rel="stylesheet" href="${assetsBase}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${assetsBase}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${assetsBase}/swagger-ui-bundle.js"></script>
  <script src="${assetsBase}/swagger-ui-standalone-preset.js"></script>
  <script src="${assetsBase}/init.js"></script>
</body>
</html>`;
}

/** Inline scripts would need a CSP exception; the initializer is served as a file instead. */
function initializer(openApiUrl: string, assetsBase: string): string {
  return `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(openApiUrl)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  oauth2RedirectUrl: window.location.origin + ${JSON.stringify(`${assetsBase}/oauth2-redirect.html`)},
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'BaseLayout',
});
`;
}

const cache = new Map<string, Buffer>();

/** A Swagger UI asset by file name, or `null` for anything not on the list. */
export async function swaggerAsset(
  file: string,
  openApiUrl = '/openapi.json',
  assetsBase = '/docs',
): Promise<{ body: Buffer; contentType: string } | null> {
  if (file === 'init.js') {
    return {
      body: Buffer.from(initializer(openApiUrl, assetsBase)),
      contentType: 'text/javascript; charset=utf-8',
    };
  }
  const contentType = ASSETS[file];
  if (!contentType) return null;
  let body = cache.get(file);
  if (!body) {
    body = await readFile(join(assetsDir, file));
    cache.set(file, body);
  }
  return { body, contentType };
}
