import { formatSchemaErrors, MathtuneError, type TSchema, type Static } from "@mathtune/core";
import { ajv } from "@mathtune/core/internal";

const cache = new WeakMap<TSchema, ReturnType<typeof ajv.compile>>();

/** Validates options against a TypeBox schema, applying defaults; throws E_CONFIG_INVALID. */
export function parseOptions<S extends TSchema>(schema: S, options: unknown, what: string): Static<S> {
  let validate = cache.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    cache.set(schema, validate);
  }
  const copy = structuredClone(options ?? {}) as Record<string, unknown>;
  if (!validate(copy)) {
    const lines = formatSchemaErrors(validate.errors);
    throw new MathtuneError("E_CONFIG_INVALID", `invalid ${what} options: ${lines.join("; ")}`, { details: { problems: lines } });
  }
  return copy as Static<S>;
}
