/**
 * A parser for the JavaScript object literals chinaz answers with instead of JSON:
 * `({state:1,msg:'',result:{ip:'119.28.190.46',alltime:'212',headers:'\u0048...'}})`, sometimes
 * as `callback({...})`. It reads data only (objects, arrays, strings, numbers, true, false,
 * null, undefined); it never evaluates anything, so a hostile reply can at worst fail to parse.
 * Input size and nesting depth are bounded, and keys such as `__proto__` become plain
 * properties instead of touching prototypes.
 */

export class LiteralError extends Error {
  constructor(message: string, readonly at: number) {
    super(`${message} at offset ${at}`);
    this.name = 'LiteralError';
  }
}

export interface LiteralLimits {
  /** Longest input accepted, in characters. */
  maxLength?: number;
  /** Deepest nesting of objects, arrays and wrapping parentheses. */
  maxDepth?: number;
}

const DEFAULT_MAX_LENGTH = 1024 * 1024;
const DEFAULT_MAX_DEPTH = 32;

const IDENT_START = /[A-Za-z_$\u00a0-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u00a0-\uffff]/;
const NUMBER = /[+-]?0[xX][0-9a-fA-F]+|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', 0: '\0' };

class Parser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly maxDepth: number,
  ) {}

  fail(message: string, at = this.i): never {
    throw new LiteralError(message, at);
  }

  private ws(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.i);
      // space, tab, CR, LF, VT, FF, NBSP, BOM, line/paragraph separators
      if (c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0xfeff || c === 0x2028 || c === 0x2029) this.i++;
      else if (c === 47 && s[this.i + 1] === '*') {
        const end = s.indexOf('*/', this.i + 2);
        if (end < 0) this.fail('unterminated comment');
        this.i = end + 2;
      } else if (c === 47 && s[this.i + 1] === '/') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else return;
    }
  }

  private ident(): string {
    const start = this.i;
    if (!IDENT_START.test(this.s[this.i] ?? '')) return '';
    this.i++;
    while (this.i < this.s.length && IDENT_PART.test(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }

  /** The whole reply: a value, in any number of parentheses, optionally after a callback name. */
  top(): unknown {
    this.ws();
    const start = this.i;
    const name = this.ident();
    if (name) {
      // `callback(...)` or `window.cb(...)`; a bare word is a value (true, null ...).
      while (this.s[this.i] === '.') {
        this.i++;
        if (!this.ident()) this.fail('expected a name after "."');
      }
      this.ws();
      if (this.s[this.i] !== '(') {
        this.i = start;
        const v = this.value(0);
        return this.end(v);
      }
    }
    return this.end(this.value(0));
  }

  private end(v: unknown): unknown {
    this.ws();
    while (this.s[this.i] === ';') {
      this.i++;
      this.ws();
    }
    if (this.i < this.s.length) this.fail(`unexpected ${JSON.stringify(this.s[this.i])} after the value`);
    return v;
  }

  private value(depth: number): unknown {
    if (depth > this.maxDepth) this.fail(`nested deeper than ${this.maxDepth}`);
    this.ws();
    const c = this.s[this.i];
    if (c === '(') {
      this.i++;
      const v = this.value(depth + 1);
      this.ws();
      if (this.s[this.i] !== ')') this.fail('expected ")"');
      this.i++;
      return v;
    }
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    if (c === '"' || c === "'") return this.string();
    if (c !== undefined && /[-+.\d]/.test(c)) return this.number();
    const start = this.i;
    const word = this.ident();
    switch (word) {
      case 'true':
        return true;
      case 'false':
        return false;
      case 'null':
        return null;
      case 'undefined':
        return undefined;
      case 'NaN':
        return NaN;
      case 'Infinity':
        return Infinity;
      case '':
        return this.fail(c === undefined ? 'unexpected end of input' : `unexpected ${JSON.stringify(c)}`);
      default:
        return this.fail(`unexpected word ${JSON.stringify(word.slice(0, 40))}`, start);
    }
  }

  private object(depth: number): Record<string, unknown> {
    this.i++; // {
    const out: Record<string, unknown> = {};
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const key = this.key();
      this.ws();
      if (this.s[this.i] !== ':') this.fail(`expected ":" after key ${JSON.stringify(key.slice(0, 40))}`);
      this.i++;
      const v = this.value(depth);
      // defineProperty: `__proto__` is data here, not a way to swap the object's prototype.
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      this.ws();
      const sep = this.s[this.i];
      if (sep === ',') this.i++;
      else if (sep !== '}') this.fail('expected "," or "}"');
    }
  }

  private key(): string {
    const c = this.s[this.i];
    if (c === '"' || c === "'") return this.string();
    if (c !== undefined && /[\d.]/.test(c)) return String(this.number());
    const k = this.ident();
    if (!k) this.fail(c === undefined ? 'unexpected end of input' : `unexpected ${JSON.stringify(c)} where a key belongs`);
    return k;
  }

  private array(depth: number): unknown[] {
    this.i++; // [
    const out: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === ']') {
        this.i++;
        return out;
      }
      out.push(this.value(depth));
      this.ws();
      const sep = this.s[this.i];
      if (sep === ',') this.i++;
      else if (sep !== ']') this.fail('expected "," or "]"');
    }
  }

  private number(): number {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) this.fail('malformed number');
    this.i += m[0].length;
    const text = m[0];
    const sign = text.startsWith('-') ? -1 : 1;
    const body = text.replace(/^[+-]/, '');
    return sign * (body.startsWith('0x') || body.startsWith('0X') ? parseInt(body.slice(2), 16) : Number(body));
  }

  private string(): string {
    const s = this.s;
    const quote = s[this.i];
    const start = this.i;
    this.i++;
    let out = '';
    let run = this.i;
    for (;;) {
      const c = s[this.i];
      if (c === undefined) this.fail('unterminated string', start);
      if (c === quote) {
        out += s.slice(run, this.i);
        this.i++;
        return out;
      }
      if (c === '\n' || c === '\r') this.fail('line break inside a string');
      if (c !== '\\') {
        this.i++;
        continue;
      }
      out += s.slice(run, this.i);
      this.i++;
      const e = s[this.i];
      if (e === undefined) this.fail('unterminated string', start);
      this.i++;
      if (e === 'u') out += this.unicodeEscape();
      else if (e === 'x') out += String.fromCharCode(this.hex(2));
      else if (e === '\r') {
        // a line continuation: backslash and line break stand for nothing
        if (s[this.i] === '\n') this.i++;
      } else if (e !== '\n' && e !== '\u2028' && e !== '\u2029') out += SIMPLE_ESCAPES[e] ?? e;
      run = this.i;
    }
  }

  private unicodeEscape(): string {
    if (this.s[this.i] === '{') {
      const close = this.s.indexOf('}', this.i);
      const digits = close < 0 ? '' : this.s.slice(this.i + 1, close);
      if (!/^[0-9a-fA-F]{1,6}$/.test(digits) || parseInt(digits, 16) > 0x10ffff) this.fail('malformed \\u{...} escape');
      this.i = close + 1;
      return String.fromCodePoint(parseInt(digits, 16));
    }
    return String.fromCharCode(this.hex(4));
  }

  private hex(n: number): number {
    const digits = this.s.slice(this.i, this.i + n);
    if (digits.length !== n || !/^[0-9a-fA-F]+$/.test(digits)) this.fail(`expected ${n} hex digits`);
    this.i += n;
    return parseInt(digits, 16);
  }
}

/** Parses one reply; throws LiteralError for anything that is not a plain data literal. */
export function parseObjectLiteral(text: string, limits: LiteralLimits = {}): unknown {
  const maxLength = limits.maxLength ?? DEFAULT_MAX_LENGTH;
  if (text.length > maxLength) throw new LiteralError(`reply of ${text.length} characters is longer than ${maxLength}`, maxLength);
  return new Parser(text, limits.maxDepth ?? DEFAULT_MAX_DEPTH).top();
}
