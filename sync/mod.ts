/**
 * Placeholder: the sync module is being built.
 *
 * @module
 */

export {};
