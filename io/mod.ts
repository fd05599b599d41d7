/**
 * Placeholder: the io module is being built.
 *
 * @module
 */

export {};
