import { readFile } from 'node:fs/promises'
import type * as v from 'valibot'
import YAML from 'yaml'
import { CliError, EXIT, parseInput } from './errors'
import { readStdin } from './stdin'

/**
 * Reads a YAML or JSON file (JSON is YAML too; `-` is stdin) and checks it with the API's
 * schema, so a mistake is shown with its field before anything is sent.
 */
export const readInputFile = async <S extends v.GenericSchema>(
  path: string,
  schema: S,
  what: string,
): Promise<v.InferOutput<S>> => {
  let text: string
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8')
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, EXIT.usage)
  }
  return parseInput(schema, parseDocument(text, path), `${what} in ${path}`)
}

/** One YAML document; a syntax error names its line. */
export const parseDocument = (text: string, name: string): unknown => {
  const document = YAML.parseDocument(text, { prettyErrors: true })
  if (document.errors.length > 0) {
    throw new CliError(
      `${name} is not valid YAML or JSON`,
      EXIT.usage,
      document.errors.map((error) => error.message.split('\n')[0] ?? error.message),
    )
  }
  return document.toJS()
}
