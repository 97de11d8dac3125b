/**
 * The mathtune dataset build: recipe, stages, split, outputs, manifest and dataset card.
 *
 * @packageDocumentation
 * @module @mathtune/build
 */
export { build, buildIter, datasetPart, type BuildCounts, type BuildEvent, type BuildOptions, type BuildResult, type OutputFile, type SourceCounts } from "./build.js";
export { loadRecipe, parseRecipe, recipeJsonSchema, recipeLocator, RecipeSchema, type LoadedRecipe, type RecipeLocator, type Recipe, type RecipeInput, type RecipeSource, SPLITS } from "./recipe.js";
export { resolveAdapter } from "./adapters.js";
export { renderCard } from "./card.js";
