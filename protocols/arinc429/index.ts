/** The ARINC 429 room: word codec, label table, parameter decoding, adapter framings, the read-only source. */
export * from './word.js';
export * from './labels.js';
export * from './parameter.js';
export * from './framing.js';
export * from './source.js';
