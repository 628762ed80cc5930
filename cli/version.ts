/** The CLI's version, shown by `--version`. */
export const CLI_VERSION = '0.1.0'
