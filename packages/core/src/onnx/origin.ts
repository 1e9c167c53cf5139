/**
 * Links IR objects to the proto messages they were decoded from, so the encoder can
 * start from the original message and write back every field the IR does not model.
 * A WeakMap keeps the IR objects plain (nothing hidden on them); an object the caller
 * builds or clones has no origin and is encoded from its IR fields alone.
 */
const origins = new WeakMap<object, object>();

/** @internal Records that `ir` was decoded from `proto`. */
export function setOrigin(ir: object, proto: object): void {
  origins.set(ir, proto);
}

/** @internal The proto message `ir` was decoded from, if any. */
export function getOrigin<T extends object>(ir: object): T | undefined {
  return origins.get(ir) as T | undefined;
}

/**
 * @internal A new message of the same class as `proto` with the same fields (shallow), or
 * a fresh `make()` when there is no origin.
 */
export function cloneOrCreate<T extends object>(proto: T | undefined, make: () => T): T {
  if (proto === undefined) return make();
  // Own enumerable properties are exactly the fields present on the wire (pbjs keeps
  // defaults on the prototype), plus the recorded unknown fields.
  return Object.assign(Object.create(Object.getPrototypeOf(proto) as object) as T, proto);
}
