/**
 * Test helpers for code that trains or deploys: a tiny random Qwen2 model built locally (no
 * download), trained or not, cached by its inputs.
 *
 * ```ts
 * import { createTinyTrainedModel } from "@mathtune/train/testing";
 * const model = await createTinyTrainedModel({ chatTemplate: "qwen2.5-chatml.jinja" });
 * model.path; // a Hugging Face model folder that answers "What is 7 + 5?" with "7 + 5 = 12.\nAnswer: 12"
 * ```
 *
 * @packageDocumentation
 * @module @mathtune/train/testing
 */
export {
  cachedTinyModel,
  createTinyModel,
  createTinyTrainedModel,
  DEFAULT_TRAIN_STEPS,
  type TinyModel,
  type TinyModelOptions,
} from "./tiny.js";
