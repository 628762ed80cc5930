/**
 * The browsable API reference at /v1/docs: a shell whose script (served from web/public/docs/)
 * renders /v1/openapi.json in the browser. Everything is same-origin, so the page works offline,
 * and the CSP allows no inline script or style.
 */
export const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'">
<title>Sitewire API reference</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/base.css">
<link rel="stylesheet" href="/docs/reference.css">
<link rel="stylesheet" href="/docs/schema.css">
<script type="module" src="/docs/reference.js"></script>
</head>
<body>
<header class="topbar">
<a class="brand" href="/"><img src="/favicon.svg" alt="">Sitewire</a>
<nav aria-label="Site"><a href="/v1/docs" aria-current="page">API reference</a><a href="/v1/openapi.json">OpenAPI</a></nav>
</header>
<div id="reference" class="reference" data-spec="/v1/openapi.json">
<p class="loading" role="status">Loading the API description…</p>
<noscript><p class="loading">This page needs JavaScript. The API description is at <a href="/v1/openapi.json">/v1/openapi.json</a>.</p></noscript>
</div>
</body>
</html>
`
