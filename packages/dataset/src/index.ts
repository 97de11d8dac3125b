/**
 * The mathtune dataset build: recipe, stages, split, outputs, manifest and dataset card.
 *
 * @packageDocumentation
 * @module @mathtune/dataset
 */
export { buildDataset, buildDatasetIter } from "./build.js";
export type { BuildCounts, BuildEvent, BuildOptions, BuildResult, OutputFile, SourceCounts } from "./types.js";
export type { Manifest, ManifestHubFile, ManifestInput } from "./manifest.js";
export {
  datasetPart,
  loadRecipe,
  parseRecipe,
  recipeJsonSchema,
  recipeLocator,
  RecipeSchema,
  type DatasetRecipe,
  type LoadedRecipe,
  type RecipeLocator,
  type Recipe,
  type RecipeInput,
  type RecipeSource,
  SPLITS,
} from "./recipe.js";
export { resolveAdapter } from "./adapters.js";
export { renderCard } from "./card.js";
