import type { Adapter, TSchema } from "@mathtune/core";
export declare const qa: Adapter<TSchema>;
export default qa;
