import { open } from 'node:fs/promises';

/** The name and operator of one graph node. */
export interface OnnxNodeInfo {
  name: string;
  opType: string;
}

/**
 * A minimal protobuf walk over the start of an .onnx file (ModelProto.graph = field 7,
 * GraphProto.node = field 1, NodeProto.name = 3, op_type = 4). Enough to read the first graph
 * nodes, which onnxruntime-node does not expose, the way InsightFace's arcface_onnx.py does.
 */
class ProtoReader {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    private readonly end: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const byte = this.bytes[this.pos++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new RangeError('varint too long');
  }

  /** Reads a field key and returns [field number, wire type]. */
  key(): [number, number] {
    const key = this.varint();
    return [Math.floor(key / 8), key % 8];
  }

  /** Skips a field's value, or returns the [start, end) of a length-delimited one. */
  value(wireType: number): [number, number] | undefined {
    switch (wireType) {
      case 0:
        this.varint();
        return undefined;
      case 1:
        this.pos += 8;
        return undefined;
      case 5:
        this.pos += 4;
        return undefined;
      case 2: {
        const length = this.varint();
        const start = this.pos;
        this.pos += length;
        return [start, start + length];
      }
      default:
        throw new RangeError(`unsupported wire type ${wireType}`);
    }
  }
}

const text = new TextDecoder();

function readNode(bytes: Uint8Array, start: number, end: number): OnnxNodeInfo {
  const reader = new ProtoReader(bytes, start, end);
  const node: OnnxNodeInfo = { name: '', opType: '' };
  while (!reader.done) {
    const [field, wireType] = reader.key();
    const span = reader.value(wireType);
    if (span && field === 3) node.name = text.decode(bytes.subarray(span[0], span[1]));
    if (span && field === 4) node.opType = text.decode(bytes.subarray(span[0], span[1]));
  }
  return node;
}

/** The first `limit` nodes of the graph in an in-memory ONNX model (fewer if the bytes end first). */
export function parseOnnxNodes(bytes: Uint8Array, limit = 8): OnnxNodeInfo[] {
  const nodes: OnnxNodeInfo[] = [];
  try {
    const model = new ProtoReader(bytes, 0, bytes.length);
    while (!model.done) {
      const [field, wireType] = model.key();
      const span = model.value(wireType);
      if (!span || field !== 7) continue;
      const graph = new ProtoReader(bytes, span[0], Math.min(span[1], bytes.length));
      while (!graph.done && nodes.length < limit) {
        const [graphField, graphWire] = graph.key();
        const nodeSpan = graph.value(graphWire);
        if (!nodeSpan || graphField !== 1) continue;
        if (nodeSpan[1] > bytes.length) break;
        nodes.push(readNode(bytes, nodeSpan[0], nodeSpan[1]));
      }
      break;
    }
  } catch {
    // A truncated or malformed prefix: keep the nodes read so far.
  }
  return nodes;
}

/** The first graph nodes of an .onnx file, reading only its first few megabytes. */
export async function readOnnxNodes(file: string, limit = 8, maxBytes = 4 << 20): Promise<OnnxNodeInfo[]> {
  const handle = await open(file, 'r');
  try {
    const buffer = new Uint8Array(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
    return parseOnnxNodes(buffer.subarray(0, bytesRead), limit);
  } finally {
    await handle.close();
  }
}
