/**
 * A small SQLite tokenizer: enough to split a SQL text into statements (the way `sqlite3_complete`
 * does, including `CREATE TRIGGER ... BEGIN ...; END`), to number its parameters exactly like SQLite
 * does, and to classify a statement the way sqld's query analysis does (insert / update / delete,
 * transaction control, possible writes). The native binding exposes none of this, and sqld needs it:
 * it rejects empty and multi-statement texts, binds arguments by SQLite's parameter names, and only
 * reports `affected_row_count` / `last_insert_rowid` for INSERT, UPDATE and DELETE.
 */

type TokenKind = 'word' | 'quoted' | 'string' | 'variable' | 'semi' | 'lparen' | 'rparen' | 'eq' | 'other'

interface Token {
  kind: TokenKind
  /** Upper-cased text for words, raw text otherwise. */
  text: string
  start: number
  end: number
}

const isIdStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 0x80
const isIdChar = (c: number) => isIdStart(c) || (c >= 48 && c <= 57) || c === 36
const isDigit = (c: number) => c >= 48 && c <= 57
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13

function skipQuoted(sql: string, i: number, close: number): number {
  const n = sql.length
  let j = i + 1
  while (j < n) {
    if (sql.charCodeAt(j) === close) {
      // a doubled quote is an escaped quote ('' or "" or ``), but `]` cannot be escaped
      if (close !== 93 && sql.charCodeAt(j + 1) === close) {
        j += 2
        continue
      }
      return j + 1
    }
    j++
  }
  return n
}

function scanVariableName(sql: string, i: number): number {
  const n = sql.length
  let j = i + 1
  const dollar = sql.charCodeAt(i) === 36
  while (j < n) {
    const c = sql.charCodeAt(j)
    if (isIdChar(c)) j++
    else if (dollar && c === 58 && sql.charCodeAt(j + 1) === 58) j += 2
    else if (dollar && c === 40) {
      // TCL-style `$name(suffix)`
      const close = sql.indexOf(')', j)
      return close < 0 ? n : close + 1
    } else break
  }
  return j
}

/** Tokenizes SQL, dropping whitespace and comments. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  const n = sql.length
  let i = 0
  while (i < n) {
    const c = sql.charCodeAt(i)
    const start = i
    if (isSpace(c)) {
      i++
      continue
    }
    if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      const nl = sql.indexOf('\n', i)
      i = nl < 0 ? n : nl + 1
      continue
    }
    if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      const close = sql.indexOf('*/', i + 2)
      i = close < 0 ? n : close + 2
      continue
    }
    let kind: TokenKind
    if (c === 39) {
      i = skipQuoted(sql, i, 39)
      kind = 'string'
    } else if (c === 34 || c === 96) {
      i = skipQuoted(sql, i, c)
      kind = 'quoted'
    } else if (c === 91) {
      i = skipQuoted(sql, i, 93)
      kind = 'quoted'
    } else if (c === 63) {
      i++
      while (i < n && isDigit(sql.charCodeAt(i))) i++
      kind = 'variable'
    } else if ((c === 58 || c === 64 || c === 36 || c === 35) && isIdChar(sql.charCodeAt(i + 1))) {
      i = scanVariableName(sql, i)
      kind = 'variable'
    } else if (isIdStart(c)) {
      i++
      while (i < n && isIdChar(sql.charCodeAt(i))) i++
      // blob literal x'..': the quote belongs to the same token
      if (i - start === 1 && (c === 120 || c === 88) && sql.charCodeAt(i) === 39) {
        i = skipQuoted(sql, i, 39)
        kind = 'string'
      } else kind = 'word'
    } else if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      i++
      while (i < n && (isIdChar(sql.charCodeAt(i)) || sql.charCodeAt(i) === 46)) i++
      kind = 'other'
    } else {
      i++
      kind = c === 59 ? 'semi' : c === 40 ? 'lparen' : c === 41 ? 'rparen' : c === 61 ? 'eq' : 'other'
    }
    const raw = sql.slice(start, i)
    tokens.push({ kind, text: kind === 'word' ? raw.toUpperCase() : raw, start, end: i })
  }
  return tokens
}

// The state machine of sqlite3_complete(): a `;` ends a statement only outside a trigger body.
enum Tk {
  Semi = 0,
  Other = 2,
  Explain = 3,
  Create = 4,
  Temp = 5,
  Trigger = 6,
  End = 7,
}
const TRANSITIONS: readonly (readonly number[])[] = [
  /* 0 invalid */ [1, 0, 2, 3, 4, 2, 2, 2],
  /* 1 start   */ [1, 1, 2, 3, 4, 2, 2, 2],
  /* 2 normal  */ [1, 2, 2, 2, 2, 2, 2, 2],
  /* 3 explain */ [1, 3, 3, 2, 4, 2, 2, 2],
  /* 4 create  */ [1, 4, 2, 2, 2, 4, 5, 2],
  /* 5 trigger */ [6, 5, 5, 5, 5, 5, 5, 5],
  /* 6 semi    */ [6, 6, 5, 5, 5, 5, 5, 7],
  /* 7 end     */ [1, 7, 5, 5, 5, 5, 5, 5],
]

function completeToken(token: Token): Tk {
  if (token.kind === 'semi') return Tk.Semi
  if (token.kind !== 'word') return Tk.Other
  switch (token.text) {
    case 'EXPLAIN':
      return Tk.Explain
    case 'CREATE':
      return Tk.Create
    case 'TEMP':
    case 'TEMPORARY':
      return Tk.Temp
    case 'TRIGGER':
      return Tk.Trigger
    case 'END':
      return Tk.End
    default:
      return Tk.Other
  }
}

/** Splits SQL into its statements (texts without the trailing `;`); empty statements are dropped. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = []
  let state = 0
  let first: Token | undefined
  let last: Token | undefined
  for (const token of tokenize(sql)) {
    const next = TRANSITIONS[state]?.[completeToken(token)] ?? 2
    if (token.kind === 'semi' && next === 1) {
      if (first && last) statements.push(sql.slice(first.start, last.end))
      first = undefined
      last = undefined
    } else {
      first ??= token
      last = token
    }
    state = next
  }
  if (first && last) statements.push(sql.slice(first.start, last.end))
  return statements
}

/** The parameters of a statement as SQLite numbers them: `names[i]` is the name of parameter i+1. */
export interface StatementParams {
  count: number
  /** `?NNN` and `:name`/`@name`/`$name` keep their prefix; plain `?` and unused slots are null. */
  names: (string | null)[]
}

function numberParams(tokens: Token[]): StatementParams {
  const names: (string | null)[] = []
  const byName = new Map<string, number>()
  let count = 0
  for (const token of tokens) {
    if (token.kind !== 'variable') continue
    const text = token.text
    if (text === '?') {
      count++
      continue
    }
    let index = byName.get(text)
    if (index === undefined) {
      index = text.startsWith('?') ? Number(text.slice(1)) : count + 1
      if (!Number.isSafeInteger(index) || index < 1) continue // SQLite rejects these at prepare
      byName.set(text, index)
      names[index - 1] ??= text
    }
    count = Math.max(count, index)
  }
  for (let i = 0; i < count; i++) names[i] ??= null
  return { count, names: names.slice(0, count) }
}

/** What a statement does, as far as the server needs to know. */
export type StatementKind =
  | 'read'
  | 'insert'
  | 'update-delete'
  | 'ddl'
  | 'begin'
  | 'begin-write'
  | 'commit'
  | 'rollback'
  | 'savepoint'
  | 'release'
  | 'pragma'
  | 'other'

export interface StatementInfo {
  kind: StatementKind
  isExplain: boolean
  /** INSERT, UPDATE or DELETE: sqld reports `affected_row_count` only for these. */
  isIud: boolean
  /** INSERT or REPLACE: sqld reports `last_insert_rowid` only for these. */
  isInsert: boolean
  /** May take SQLite's write lock (used to queue writers instead of failing with SQLITE_BUSY). */
  mayWrite: boolean
  /** Best-effort `sqlite3_stmt_readonly()`. */
  isReadonly: boolean
  /** Changes per-connection state (PRAGMA assignments, ATTACH, TEMP objects): don't pool it. */
  touchesConnection: boolean
  params: StatementParams
}

const WRITE_VERBS = new Set(['INSERT', 'REPLACE', 'UPDATE', 'DELETE'])
const MAIN_VERBS = new Set(['SELECT', 'VALUES', ...WRITE_VERBS])

function verbAfterWith(tokens: Token[], from: number): string {
  let depth = 0
  for (let i = from; i < tokens.length; i++) {
    const token = tokens[i] as Token
    if (token.kind === 'lparen') depth++
    else if (token.kind === 'rparen') depth--
    else if (depth === 0 && token.kind === 'word' && MAIN_VERBS.has(token.text)) return token.text
  }
  return 'SELECT'
}

function classify(tokens: Token[], at: number): StatementKind {
  const word = (i: number) => (tokens[i]?.kind === 'word' ? tokens[i]?.text : undefined)
  let verb = word(at) ?? ''
  if (verb === 'WITH') verb = verbAfterWith(tokens, at + 1)
  switch (verb) {
    case 'SELECT':
    case 'VALUES':
      return 'read'
    case 'INSERT':
    case 'REPLACE':
      return 'insert'
    case 'UPDATE':
    case 'DELETE':
      return 'update-delete'
    case 'CREATE':
    case 'DROP':
    case 'ALTER':
    case 'REINDEX':
    case 'VACUUM':
    case 'ANALYZE':
      return 'ddl'
    case 'BEGIN': {
      const mode = word(at + 1)
      return mode === 'IMMEDIATE' || mode === 'EXCLUSIVE' ? 'begin-write' : 'begin'
    }
    case 'COMMIT':
    case 'END':
      return 'commit'
    case 'ROLLBACK':
      return 'rollback'
    case 'SAVEPOINT':
      return 'savepoint'
    case 'RELEASE':
      return 'release'
    case 'PRAGMA':
      return 'pragma'
    default:
      return 'other'
  }
}

function touchesConnection(tokens: Token[], at: number, kind: StatementKind): boolean {
  const first = tokens[at]?.text
  if (first === 'ATTACH' || first === 'DETACH') return true
  if (kind === 'pragma') return tokens.some((t) => t.kind === 'eq' || t.kind === 'lparen')
  if (first === 'CREATE') {
    const second = tokens[at + 1]?.text
    return second === 'TEMP' || second === 'TEMPORARY'
  }
  return false
}

/** Classifies one statement (the caller makes sure `sql` holds exactly one). */
export function describeStatement(sql: string): StatementInfo {
  const tokens = tokenize(sql)
  let at = 0
  let isExplain = false
  if (tokens[0]?.kind === 'word' && tokens[0].text === 'EXPLAIN') {
    isExplain = true
    at = tokens[1]?.text === 'QUERY' && tokens[2]?.text === 'PLAN' ? 3 : 1
  }
  const kind = classify(tokens, at)
  const isIud = !isExplain && (kind === 'insert' || kind === 'update-delete')
  const assigns = tokens.some((t) => t.kind === 'eq')
  // PRAGMA assignments may write (user_version, journal_mode, ...): queue them like writes
  const mayWrite =
    !isExplain && (isIud || kind === 'ddl' || kind === 'begin-write' || (kind === 'pragma' && assigns))
  const isReadonly =
    isExplain ||
    kind === 'read' ||
    kind === 'begin' ||
    kind === 'commit' ||
    kind === 'rollback' ||
    kind === 'savepoint' ||
    kind === 'release' ||
    (kind === 'pragma' && !assigns)
  return {
    kind,
    isExplain,
    isIud,
    isInsert: isIud && kind === 'insert',
    mayWrite,
    isReadonly,
    touchesConnection: touchesConnection(tokens, at, kind),
    params: numberParams(tokens),
  }
}
