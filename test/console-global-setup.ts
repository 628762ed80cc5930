import { ensureConsoleBuilt } from '../local/console-build'

/**
 * Builds the web console once before the Node tests, so the platforms their files start in
 * parallel find it built rather than each rebuilding it over the others.
 */
export default async function buildConsoleOnce() {
  await ensureConsoleBuilt()
}
