/** Conversions between protobufjs int64 values (Long or number) and JS numbers/bigints. */
import type * as protobuf from 'protobufjs/minimal.js';
import { protobuf as pb } from './proto';

/** @internal An int64 as it comes out of protobufjs. */
export type Int64 = number | protobuf.Long;

/** @internal Signed int64 -> bigint. */
export function int64ToBigInt(v: Int64): bigint {
  if (typeof v === 'number') return BigInt(v);
  return BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0));
}

/** @internal Unsigned int64 -> bigint. */
export function uint64ToBigInt(v: Int64): bigint {
  if (typeof v === 'number') return BigInt(v);
  return BigInt.asUintN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0));
}

/** @internal int64 -> number when it is a safe integer, else bigint (no silent rounding). */
export function int64ToNumberOrBigInt(v: Int64): number | bigint {
  if (typeof v === 'number') return v;
  const b = int64ToBigInt(v);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/** @internal int64 -> number (dims, versions: always small). */
export function int64ToNumber(v: Int64): number {
  return typeof v === 'number' ? v : Number(int64ToBigInt(v));
}

/** @internal number or bigint -> a value protobufjs writes as int64 without rounding. */
export function toInt64(v: number | bigint): Int64 {
  if (typeof v === 'number') return v;
  return longOf(v, false);
}

/** @internal bigint -> unsigned Long for uint64 fields. */
export function toUint64(v: number | bigint): Int64 {
  if (typeof v === 'number') return v;
  return longOf(v, true);
}

function longOf(v: bigint, unsigned: boolean): protobuf.Long {
  const bits = BigInt.asUintN(64, v);
  const low = Number(bits & 0xffffffffn) | 0;
  const high = Number(bits >> 32n) | 0;
  return new (pb.util.Long as unknown as new (low: number, high: number, unsigned: boolean) => protobuf.Long)(low, high, unsigned);
}
