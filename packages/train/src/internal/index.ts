/**
 * `@mathtune/train/internal`: what another mathtune package (deploy) shares with this one. Not part
 * of the API: no semver promise, not in the API docs.
 */
export { which } from "./which.js";
