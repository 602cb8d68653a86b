/**
 * The protobuf wire format, as far as ONNX files need it: read a message's fields, write new
 * ones. No schema compiler: ONNX's field numbers are few and stable (onnx/onnx.proto3).
 */

export type WireValue = bigint | number | Uint8Array;

export interface WireField {
  field: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wire: number;
  /** varint: bigint; fixed32: float; fixed64: float64; length-delimited: the bytes. */
  value: WireValue;
  /** The whole field (tag included) within the message, to copy it unchanged. */
  start: number;
  end: number;
}

function readVarint(bytes: Uint8Array, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, i + 1];
    shift += 7n;
  }
  throw new Error('truncated protobuf varint');
}

export function readFields(bytes: Uint8Array): WireField[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: WireField[] = [];
  let at = 0;
  while (at < bytes.length) {
    const start = at;
    const [tag, next] = readVarint(bytes, at);
    at = next;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    let value: WireValue;
    if (wire === 0) {
      [value, at] = readVarint(bytes, at);
    } else if (wire === 2) {
      const [length, afterLength] = readVarint(bytes, at);
      const end = afterLength + Number(length);
      if (end > bytes.length) throw new Error('truncated protobuf field');
      value = bytes.subarray(afterLength, end);
      at = end;
    } else if (wire === 5) {
      value = view.getFloat32(at, true);
      at += 4;
    } else if (wire === 1) {
      value = view.getFloat64(at, true);
      at += 8;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
    fields.push({ field, wire, value, start, end: at });
  }
  return fields;
}

export const text = (value: WireValue): string => new TextDecoder().decode(value as Uint8Array);

/** Repeated integers, written packed (one length-delimited field) or one field each. */
export function readInts(fields: readonly WireField[], field: number): number[] {
  const values: number[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === 0) values.push(Number(BigInt.asIntN(64, f.value as bigint)));
    else {
      const packed = f.value as Uint8Array;
      for (let at = 0; at < packed.length; ) {
        const [v, next] = readVarint(packed, at);
        values.push(Number(BigInt.asIntN(64, v)));
        at = next;
      }
    }
  }
  return values;
}

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n;
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return bytes;
}

export const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

export const intField = (field: number, value: number | bigint): Uint8Array =>
  Uint8Array.from([...varint(field << 3), ...varint(value)]);
export const floatField = (field: number, value: number): Uint8Array => {
  const out = new Uint8Array(5);
  out[0] = (field << 3) | 5;
  new DataView(out.buffer).setFloat32(1, value, true);
  return out;
};
export const bytesField = (field: number, value: Uint8Array): Uint8Array =>
  concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(value.length)]), value]);
export const stringField = (field: number, value: string): Uint8Array =>
  bytesField(field, new TextEncoder().encode(value));
export const message = (field: number, parts: readonly Uint8Array[]): Uint8Array =>
  bytesField(field, concat(parts));
