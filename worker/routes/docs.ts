/**
 * The browsable API reference at /v1/docs: Scalar's renderer, self-hosted among the static
 * assets (web/dist/reference/), draws /v1/openapi.json. Everything is same-origin, so the page
 * works offline; the renderer injects its styles, hence the inline styles allowed here.
 */
export const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'">
<title>Sitewire API reference</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<div id="reference"></div>
<noscript>This page needs JavaScript. The API description is at <a href="/v1/openapi.json">/v1/openapi.json</a>.</noscript>
<script src="/reference/scalar.js"></script>
<script src="/reference/start.js"></script>
</body>
</html>
`
