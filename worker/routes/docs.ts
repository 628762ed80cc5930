/** The browsable API reference at /v1/docs, rendered from /v1/openapi.json. */
export const docsPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sitewire API</title></head>
<body><h1>Sitewire API</h1><p><a href="/v1/openapi.json">openapi.json</a></p></body></html>`
