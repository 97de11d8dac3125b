import { Ajv, type ValidateFunction } from "ajv";

let instance: Ajv | undefined;

/** The one ajv instance of the library, made on first use (`verbose`, so errors carry their schema for "did you mean"). */
export function getAjv(): Ajv {
  instance ??= new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false, verbose: true });
  return instance;
}

/**
 * Compiles a schema on first use, not when called: importing a package that defines schemas costs
 * nothing until something is validated (`mathtune --help` validates nothing). The function returned
 * behaves as ajv's, `errors` included; a schema that does not compile throws at that first use.
 */
function compileLazily<T = unknown>(schema: object): ValidateFunction<T> {
  let real: ValidateFunction<T> | undefined;
  const validate = ((data: unknown, ctx?: unknown) => {
    real ??= getAjv().compile<T>(schema);
    const ok = (real as (d: unknown, c?: unknown) => boolean)(data, ctx);
    validate.errors = real.errors;
    return ok;
  }) as ValidateFunction<T>;
  validate.schema = schema;
  validate.errors = null;
  return validate;
}

/** What the packages use of ajv: `compile`, lazily (see compileLazily). `getAjv()` gives the instance itself. */
export const ajv = { compile: compileLazily } as const;
