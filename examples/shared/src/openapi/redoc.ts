/**
 * Where the `/redoc` page loads ReDoc from: the standalone bundle FastAPI's `get_redoc_html`
 * points at, pinned to a major version. Unlike Swagger UI it is not vendored (the `redoc`
 * package pulls in React and a styling stack for this one file): the page works wherever the
 * browser reaches the CDN, and serving the HTML itself needs nothing from outside.
 */
export const REDOC_BUNDLE_URL = 'https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js';

/** The `/redoc` page: ReDoc rendering `openApiUrl`, no inline script. */
export function redocHtml(title: string, openApiUrl = '/openapi.json'): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)} - ReDoc</title>
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
  <style>body { margin: 0; padding: 0; }</style>
</head>
<body>
  <redoc spec-url="${escapeHtml(openApiUrl)}"></redoc>
  <script src="${REDOC_BUNDLE_URL}"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
