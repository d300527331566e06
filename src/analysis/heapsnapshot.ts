import { closeSync, readSync } from 'node:fs';
import { DumpFileError, describeFsError, firstLine } from './errors.js';
import { openInput, tooLarge } from './input.js';
import { inputLimits } from './limits.js';

// The whole file is never one JS string: V8 caps strings near 512 MB and snapshots of busy services are larger.
// It is read in chunks; the node and edge arrays go straight into typed arrays, and the strings stay on disk
// (only their file offsets are kept) until a report asks for one.

const CHUNK = 1 << 20;
/** The `snapshot` header is a few KB; more means this is not a V8 snapshot. */
const MAX_HEADER = 1 << 20;
/** V8 writes 6 or 7 node fields and 3 edge fields. */
const MAX_FIELDS = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The `snapshot.meta` header: names of the fields in the flat arrays. */
interface SnapshotHeader {
  meta: {
    node_fields: string[];
    node_types: [string[], ...unknown[]];
    edge_fields: string[];
    edge_types: [string[], ...unknown[]];
  };
  node_count: number;
  edge_count: number;
}

function isHeader(value: unknown): value is SnapshotHeader {
  const h = value as SnapshotHeader | null;
  const m = h?.meta;
  return (
    !!m &&
    Array.isArray(m.node_fields) &&
    Array.isArray(m.edge_fields) &&
    m.node_fields.length > 0 &&
    m.node_fields.length <= MAX_FIELDS &&
    m.edge_fields.length > 0 &&
    m.edge_fields.length <= MAX_FIELDS &&
    Array.isArray(m.node_types?.[0]) &&
    Array.isArray(m.edge_types?.[0]) &&
    Number.isInteger(h.node_count) &&
    Number.isInteger(h.edge_count) &&
    h.node_count > 0 &&
    h.edge_count >= 0
  );
}

/** Reads a file front to back through one reused buffer. */
class ChunkReader {
  readonly buf: Buffer;
  pos = 0;
  end = 0;
  /** File offset of `buf[0]`. */
  base = 0;

  constructor(
    private readonly fd: number,
    readonly path: string,
    /** Most bytes read: the input limit, counted on what is read (the file may grow while it is read). */
    private readonly cap: number,
    /** The file's size when opened: a small file gets a small buffer. */
    size: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, size + 1)));
  }

  /** Loads the next chunk; false at the end of the file. */
  fill(): boolean {
    this.base += this.end;
    if (this.base >= this.cap) {
      this.end = 0;
      if (readSync(this.fd, this.buf, 0, 1, this.base) > 0) throw tooLarge(this.path, this.cap);
      return false;
    }
    this.end = readSync(this.fd, this.buf, 0, Math.min(this.buf.length, this.cap - this.base), this.base);
    this.pos = 0;
    return this.end > 0;
  }

  /** The next byte that is not white space, not consumed; -1 at the end of the file. */
  peek(): number {
    for (;;) {
      while (this.pos < this.end) {
        const c = this.buf[this.pos]!;
        if (!isSpace(c)) return c;
        this.pos++;
      }
      if (!this.fill()) return -1;
    }
  }

  /** Consumes `byte` (after white space) or fails naming `where`. */
  expect(byte: number, where: string): void {
    const c = this.peek();
    if (c === byte) {
      this.pos++;
      return;
    }
    if (c < 0) throw this.truncated(where);
    throw this.foreign(`expected '${String.fromCharCode(byte)}' ${where}, found '${String.fromCharCode(c)}'`);
  }

  truncated(where: string): DumpFileError {
    return new DumpFileError(`${this.path}: heap snapshot is truncated (file ends ${where})`);
  }

  foreign(detail: string): DumpFileError {
    return new DumpFileError(`${this.path}: not a V8 heap snapshot (${detail})`);
  }

  /** A short JSON string such as a key. */
  readShortString(where: string): string {
    this.expect(QUOTE, where);
    const bytes: number[] = [];
    let escaped = false;
    for (;;) {
      if (this.pos >= this.end && !this.fill()) throw this.truncated(where);
      const c = this.buf[this.pos++]!;
      if (!escaped && c === QUOTE) break;
      escaped = !escaped && c === BACKSLASH;
      bytes.push(c);
      if (bytes.length > 1024) throw this.foreign(`key too long ${where}`);
    }
    return JSON.parse(`"${Buffer.from(bytes).toString('utf8')}"`) as string;
  }

  /**
   * Consumes one JSON value of any kind. With `parts`, its bytes are copied there (at most `limit`).
   * A scalar ends before the `,` or `}` that follows it.
   */
  scanValue(where: string, parts?: Buffer[], limit = Infinity): void {
    if (this.peek() < 0) throw this.truncated(where);
    let depth = 0;
    let inString = false;
    let escaped = false;
    let start = this.pos;
    let kept = 0;
    const keep = (to: number) => {
      if (!parts) return;
      kept += to - start;
      if (kept > limit) throw this.foreign(`header larger than ${limit} bytes`);
      parts.push(Buffer.from(this.buf.subarray(start, to)));
    };
    for (;;) {
      if (this.pos >= this.end) {
        keep(this.end);
        if (!this.fill()) throw this.truncated(where);
        start = 0;
      }
      const c = this.buf[this.pos]!;
      if (inString) {
        this.pos++;
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (depth === 0) return keep(this.pos);
        }
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (depth === 0) return keep(this.pos);
        depth--;
        if (depth === 0) {
          this.pos++;
          return keep(this.pos);
        }
      } else if (depth === 0 && (c === COMMA || isSpace(c))) return keep(this.pos);
      this.pos++;
    }
  }

  /**
   * Reads a JSON array of non-negative integers block by block: `block` is filled and handed to `take`
   * (with how many values it holds) each time it is full, and once more at the end. Returns the total count.
   */
  readIntegers(block: Float64Array, take: (block: Float64Array, length: number) => void, where: string): number {
    this.expect(OPEN_BRACKET, where);
    let total = 0;
    let count = 0;
    let value = 0;
    let digits = false;
    let buf = this.buf;
    let pos = this.pos;
    let end = this.end;
    const size = block.length;
    for (;;) {
      if (pos >= end) {
        this.pos = pos;
        if (!this.fill()) throw this.truncated(`inside ${where}`);
        buf = this.buf;
        pos = this.pos;
        end = this.end;
      }
      const c = buf[pos++]!;
      if (c >= 0x30 && c <= 0x39) {
        value = value * 10 + (c - 0x30);
        digits = true;
        continue;
      }
      if (digits) {
        block[count++] = value;
        value = 0;
        digits = false;
        if (count === size) {
          take(block, count);
          total += count;
          count = 0;
        }
      }
      if (c === COMMA || isSpace(c)) continue;
      if (c === CLOSE_BRACKET) {
        this.pos = pos;
        if (count > 0) take(block, count);
        return total + count;
      }
      throw this.foreign(`unexpected '${String.fromCharCode(c)}' ${where}`);
    }
  }

  /** Reads a JSON array of strings, keeping only the file offset of each opening quote. */
  readStringOffsets(where: string): { offsets: Float64Array; count: number } {
    this.expect(OPEN_BRACKET, where);
    let offsets = new Float64Array(1 << 10);
    let count = 0;
    for (;;) {
      const c = this.peek();
      if (c < 0) throw this.truncated(`inside ${where}`);
      if (c === COMMA) {
        this.pos++;
        continue;
      }
      if (c === CLOSE_BRACKET) {
        this.pos++;
        return { offsets, count };
      }
      if (c !== QUOTE) throw this.foreign(`unexpected '${String.fromCharCode(c)}' ${where}`);
      if (count === offsets.length) {
        const grown = new Float64Array(offsets.length * 2);
        grown.set(offsets);
        offsets = grown;
      }
      offsets[count++] = this.base + this.pos;
      this.pos++;
      let escaped = false;
      let buf = this.buf;
      let pos = this.pos;
      let end = this.end;
      for (;;) {
        if (pos >= end) {
          this.pos = pos;
          if (!this.fill()) throw this.truncated(`inside ${where}`);
          buf = this.buf;
          pos = this.pos;
          end = this.end;
        }
        const b = buf[pos++]!;
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) break;
      }
      this.pos = pos;
    }
  }
}

/** The columns of the node and edge arrays that analysis needs; the rest is dropped while reading. */
interface Columns {
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  selfSize: Float64Array;
  firstEdge: Uint32Array;
  edgeType: Uint8Array;
  edgeName: Uint32Array;
  edgeTarget: Uint32Array;
}

/**
 * A parsed V8 heap snapshot (`.heapsnapshot`, as `v8.writeHeapSnapshot` writes it), held in typed arrays:
 * 21 bytes per node, 9 per edge and 8 per string. Strings are read from the file on demand,
 * so the file must stay in place until {@link HeapSnapshot.close}.
 */
export class HeapSnapshot {
  /** Node type names (`hidden`, `array`, `string`, `object`, `closure`, `native`, `synthetic`…), by type number. */
  readonly nodeTypes: readonly string[];
  /** Edge type names (`context`, `element`, `property`, `internal`, `hidden`, `shortcut`, `weak`), by type number. */
  readonly edgeTypes: readonly string[];
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** Edges of node `i` are `firstEdge[i]` up to (not including) `firstEdge[i + 1]`. */
  readonly firstEdge: Uint32Array;
  /** Target node of each edge (a node number, not the file's array offset). */
  readonly edgeTarget: Uint32Array;
  readonly #columns: Columns;
  readonly #stringOffsets: Float64Array;
  readonly #stringCount: number;
  readonly #strings = new Map<number, string>();
  readonly #path: string;
  #fd: number;

  /** @internal built by {@link readHeapSnapshot} */
  constructor(parts: { path: string; fd: number; header: SnapshotHeader; columns: Columns; stringOffsets: Float64Array; stringCount: number }) {
    this.#path = parts.path;
    this.#fd = parts.fd;
    this.nodeTypes = parts.header.meta.node_types[0];
    this.edgeTypes = parts.header.meta.edge_types[0];
    this.nodeCount = parts.header.node_count;
    this.edgeCount = parts.header.edge_count;
    this.#columns = parts.columns;
    this.firstEdge = parts.columns.firstEdge;
    this.edgeTarget = parts.columns.edgeTarget;
    this.#stringOffsets = parts.stringOffsets;
    this.#stringCount = parts.stringCount;
  }

  /** Type number of node `i` (an index into {@link nodeTypes}). */
  type(i: number): number {
    return this.#columns.nodeType[i]!;
  }

  /** String index of node `i`'s name. */
  nameIndex(i: number): number {
    return this.#columns.nodeName[i]!;
  }

  name(i: number): string {
    return this.string(this.nameIndex(i));
  }

  /** V8's object id: stable across snapshots of one process, so it tells objects born in between. */
  id(i: number): number {
    return this.#columns.nodeId[i]!;
  }

  /** Shallow size in bytes. */
  selfSize(i: number): number {
    return this.#columns.selfSize[i]!;
  }

  edgeType(e: number): number {
    return this.#columns.edgeType[e]!;
  }

  /** `name`, or `[index]` for elements and V8's hidden links, as the owner names the edge. */
  edgeName(e: number): string {
    const nameOrIndex = this.#columns.edgeName[e]!;
    const type = this.edgeTypes[this.edgeType(e)];
    if (type === 'element' || type === 'hidden') return `[${nameOrIndex}]`;
    return this.string(nameOrIndex);
  }

  /** The node owning edge `e`. */
  edgeOwner(e: number): number {
    let low = 0;
    let high = this.nodeCount - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.firstEdge[mid]! <= e) low = mid;
      else high = mid - 1;
    }
    // the last node starting at or before `e`: nodes without edges before it start earlier, those after start later
    return low;
  }

  /** String `index` of the snapshot's string table, read from the file the first time it is asked for. */
  string(index: number): string {
    const cached = this.#strings.get(index);
    if (cached !== undefined) return cached;
    if (index >= this.#stringCount) throw new DumpFileError(`${this.#path}: damaged heap snapshot (string ${index} of ${this.#stringCount})`);
    if (this.#fd < 0) throw new Error('heap snapshot already closed');
    const start = this.#stringOffsets[index]!;
    let size = 512;
    for (;;) {
      const buf = Buffer.allocUnsafe(size);
      const read = readSync(this.#fd, buf, 0, size, start);
      let escaped = false;
      for (let i = 1; i < read; i++) {
        const c = buf[i]!;
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          const text = JSON.parse(buf.toString('utf8', 0, i + 1)) as string;
          this.#strings.set(index, text);
          return text;
        }
      }
      if (read < size) throw new DumpFileError(`${this.#path}: heap snapshot changed while being read`);
      size *= 4;
    }
  }

  /** Releases the file. Strings not read so far can no longer be. */
  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}

/**
 * Parses a `.heapsnapshot` in bounded memory (typed arrays, no whole-file string).
 * @throws {DumpFileError} when the file is missing, truncated or not a V8 heap snapshot.
 */
export function readHeapSnapshot(path: string): HeapSnapshot {
  const { fd, size } = openInput(path);
  try {
    return parse(fd, path, size);
  } catch (error) {
    closeSync(fd);
    if (error instanceof DumpFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code) throw new DumpFileError(describeFsError(error, path), { cause: error });
    if (error instanceof RangeError) throw new DumpFileError(`${path}: heap snapshot too large for this machine's memory (${error.message})`, { cause: error });
    throw new DumpFileError(`${path}: damaged heap snapshot (${firstLine(error)})`, { cause: error });
  }
}

function fieldAt(reader: ChunkReader, fields: string[], name: string): number {
  const at = fields.indexOf(name);
  if (at < 0) throw reader.foreign(`no '${name}' field`);
  return at;
}

/** Reads `"nodes"` into columns, turning edge counts into each node's first edge. */
function readNodes(reader: ChunkReader, header: SnapshotHeader, columns: Columns, block: Float64Array): void {
  const fields = header.meta.node_fields;
  const stride = fields.length;
  const [typeAt, nameAt, idAt, sizeAt, edgesAt] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) => fieldAt(reader, fields, f)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const n = header.node_count;
  let row = 0;
  let edges = 0;
  const count = reader.readIntegers(
    block,
    (values, length) => {
      if (length % stride !== 0 || row + length / stride > n) throw reader.foreign('"nodes" does not match its header');
      for (let j = 0; j < length; j += stride, row++) {
        const type = values[j + typeAt]!;
        if (type > 255) throw reader.foreign(`node type ${type}`);
        columns.nodeType[row] = type;
        columns.nodeName[row] = values[j + nameAt]!;
        columns.nodeId[row] = values[j + idAt]!;
        columns.selfSize[row] = values[j + sizeAt]!;
        columns.firstEdge[row] = edges;
        edges += values[j + edgesAt]!;
      }
    },
    'in "nodes"',
  );
  if (count !== n * stride) throw new DumpFileError(`${reader.path}: damaged heap snapshot ("nodes" holds ${count} values, header announces ${n * stride})`);
  if (edges !== header.edge_count)
    throw new DumpFileError(`${reader.path}: damaged heap snapshot (nodes own ${edges} edges, header announces ${header.edge_count})`);
  columns.firstEdge[n] = edges;
}

/** Reads `"edges"` into columns, turning each target's array offset into a node number. */
function readEdges(reader: ChunkReader, header: SnapshotHeader, columns: Columns, block: Float64Array): void {
  const fields = header.meta.edge_fields;
  const stride = fields.length;
  const nodeStride = header.meta.node_fields.length;
  const [typeAt, nameAt, toAt] = ['type', 'name_or_index', 'to_node'].map((f) => fieldAt(reader, fields, f)) as [number, number, number];
  const m = header.edge_count;
  const n = header.node_count;
  let row = 0;
  const count = reader.readIntegers(
    block,
    (values, length) => {
      if (length % stride !== 0 || row + length / stride > m) throw reader.foreign('"edges" does not match its header');
      for (let j = 0; j < length; j += stride, row++) {
        const type = values[j + typeAt]!;
        const target = values[j + toAt]! / nodeStride;
        if (type > 255 || target >= n || target % 1 !== 0) throw new DumpFileError(`${reader.path}: damaged heap snapshot (edge ${row} points nowhere)`);
        columns.edgeType[row] = type;
        columns.edgeName[row] = values[j + nameAt]!;
        columns.edgeTarget[row] = target;
      }
    },
    'in "edges"',
  );
  if (count !== m * stride) throw new DumpFileError(`${reader.path}: damaged heap snapshot ("edges" holds ${count} values, header announces ${m * stride})`);
}

function parse(fd: number, path: string, size: number): HeapSnapshot {
  const reader = new ChunkReader(fd, path, inputLimits().maxInputBytes, size);
  const first = reader.peek();
  if (first < 0) throw new DumpFileError(`${path}: empty file`);
  if (first !== OPEN_BRACE) throw reader.foreign("does not start with '{'");
  reader.pos++;
  let header: SnapshotHeader | undefined;
  let columns: Columns | undefined;
  let block: Float64Array | undefined;
  const seen = new Set<string>();
  let strings: { offsets: Float64Array; count: number } | undefined;
  for (;;) {
    const c = reader.peek();
    if (c < 0) throw reader.truncated("before the closing '}'");
    if (c === CLOSE_BRACE) break;
    if (c === COMMA) {
      reader.pos++;
      continue;
    }
    const key = reader.readShortString('at a key');
    reader.expect(COLON, `after "${key}"`);
    // V8 writes the header first; requiring it lets a foreign JSON file fail at once, not after a full scan
    if (seen.size === 0 && key !== 'snapshot') throw reader.foreign(`first key is "${key}", not "snapshot"`);
    if (seen.has(key)) throw reader.foreign(`"${key}" twice`);
    seen.add(key);
    if (key === 'snapshot') {
      const parts: Buffer[] = [];
      reader.scanValue('inside the header', parts, MAX_HEADER);
      let value: unknown;
      try {
        value = JSON.parse(Buffer.concat(parts).toString('utf8'));
      } catch {
        throw reader.foreign('unreadable header');
      }
      if (!isHeader(value)) throw reader.foreign('header lacks node and edge fields');
      header = value;
      const { node_count: n, edge_count: m } = header;
      // every value takes a digit and a comma: counts the file cannot hold are refused before anything is allocated
      const nodeValues = n * header.meta.node_fields.length;
      const edgeValues = m * header.meta.edge_fields.length;
      if (2 * (nodeValues + edgeValues) > size + 2)
        throw new DumpFileError(`${path}: damaged heap snapshot (its header announces ${n} nodes and ${m} edges, more than its ${size} bytes can hold)`);
      columns = {
        nodeType: new Uint8Array(n),
        nodeName: new Uint32Array(n),
        nodeId: new Uint32Array(n),
        selfSize: new Float64Array(n),
        firstEdge: new Uint32Array(n + 1),
        edgeType: new Uint8Array(m),
        edgeName: new Uint32Array(m),
        edgeTarget: new Uint32Array(m),
      };
      // whole rows per block: about 8 MB, less for a small snapshot
      const stride = header.meta.node_fields.length * header.meta.edge_fields.length;
      block = new Float64Array(stride * Math.ceil(Math.min(1 << 20, Math.max(nodeValues, edgeValues, 1)) / stride));
    } else if (key === 'nodes') readNodes(reader, header!, columns!, block!);
    else if (key === 'edges') readEdges(reader, header!, columns!, block!);
    else if (key === 'strings') strings = reader.readStringOffsets('in "strings"');
    else reader.scanValue(`inside "${key}"`);
  }
  const missing = ['nodes', 'edges', 'strings'].filter((key) => !seen.has(key));
  if (!header || !columns || missing.length > 0) throw reader.foreign(`no ${missing.map((k) => `"${k}"`).join(', ')}`);
  return new HeapSnapshot({ path, fd, header, columns, stringOffsets: strings!.offsets, stringCount: strings!.count });
}
