/** Local libSQL server speaking Hrana over HTTP (the public surface of this folder). */
export { type LibsqlServer, type LibsqlServerOptions, startLibsqlServer } from './server'
